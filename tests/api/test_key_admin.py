"""Council administrators issue API keys in the admin: chosen role and rate limit, the
key shown once and stored hashed, audited; another council's administrator cannot."""

import re

import pytest

from onecouncil.api.models import ApiKey
from onecouncil.core.models import AuditEntry, Role
from tests.backoffice_helpers import staff


@pytest.fixture
def administrator(client, council):
    user = staff(council, Role.ADMINISTRATOR)
    user.is_staff = True
    user.save()
    client.force_login(user)
    return user


def test_an_administrator_issues_a_key_shown_once(client, council, administrator):
    add = "/admin/api/apikey/add/"
    assert client.get(add).status_code == 200
    refused = client.post(
        add,
        {
            "council": council.pk,
            "name": "Street crew app",
            "kind": "rest",
            "role": "",
            "rate_limit_per_minute": 60,
        },
    )
    assert refused.status_code == 200 and "Choose the staff role" in refused.text
    issued = client.post(
        add,
        {
            "council": council.pk,
            "name": "Street crew app",
            "kind": "rest",
            "role": "case_officer",
            "rate_limit_per_minute": 60,
        },
    )
    assert issued.status_code == 200 and "no-store" in issued["Cache-Control"]
    key = re.search(r'id="issued-key" type="text" value="(oc_[^"]+)"', issued.text).group(1)
    stored = ApiKey.objects.get()
    assert stored.role == "case_officer" and stored.rate_limit_per_minute == 60
    assert key not in stored.key_hash and stored.prefix == key[:11]
    assert AuditEntry.objects.filter(action="api_key", object_ref=stored.prefix).exists()
    # The key works, and is never shown again.
    listed = client.get("/api/v1/requests", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert listed.status_code == 200
    change = client.get(f"/admin/api/apikey/{stored.pk}/change/").text
    assert key not in change and key not in client.get("/admin/api/apikey/").text


def test_another_councils_administrator_cannot_issue_for_this_council(
    client, council, other_council
):
    outsider = staff(other_council, Role.ADMINISTRATOR, username="out@x.example")
    outsider.is_staff = True
    outsider.save()
    client.force_login(outsider)
    response = client.post(
        "/admin/api/apikey/add/",
        {
            "council": council.pk,
            "name": "Sneaky",
            "kind": "open311",
            "role": "",
            "rate_limit_per_minute": 60,
        },
    )
    assert response.status_code == 200 and not ApiKey.objects.exists()


def test_the_council_settings_offer_the_map_tiles_contact_hours_and_publishing(
    client, council, administrator
):
    page = client.get(f"/admin/core/council/{council.pk}/change/").text
    for label in (
        "Maps",
        "Map tiles address",
        "Map tiles attribution",
        "Contact",
        "Phone opening hours",
        "Public pages",
    ):
        assert label in page, label
    # Every field once: grouping left none out and none twice.
    assert page.count('name="map_tiles_url"') == 1 and page.count('name="reference_prefix"') == 1
