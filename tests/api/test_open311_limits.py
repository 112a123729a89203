"""Bodies over the size or field limits answer 413 or 400 in the specification's error
format, for new requests and updates alike, never a 500."""

import pytest

from onecouncil.api.keys import api_key_issue


@pytest.mark.parametrize("path", ["requests", "servicerequestupdates"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_too_big_and_too_many_are_explained(client, council, path, fmt):
    key = api_key_issue(council=council, name="FixMyStreet").key
    url = f"/open311/v2/{path}.{fmt}"
    big = client.post(url, {"api_key": key, "service_code": "x", "description": "a" * 2_700_000})
    assert big.status_code == 413 and b"too large" in big.content
    many = {f"attribute[f{i}]": "x" for i in range(1200)} | {"api_key": key}
    refused = client.post(url, many)
    assert refused.status_code == 400 and b"Too many parameters" in refused.content
    if fmt == "json":
        assert refused.json()[0]["code"] == 400
    else:
        assert b"<errors><error><code>400</code>" in refused.content
