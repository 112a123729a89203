"""Static files: hashed names from collectstatic's manifest, compressed, cached a year."""

import re

from django.template import Context, Template


def test_pages_name_hashed_files_served_compressed_with_a_year_of_cache(client, council):
    page = client.get("/riverbend/").text
    css = re.search(r'href="(/static/onecouncil/onecouncil\.[0-9a-f]{12}\.css)"', page)
    js = re.search(r'"(/static/onecouncil/govuk-frontend\.min\.[0-9a-f]{12}\.js)"', page)
    assert re.search(r'src="/static/onecouncil/app\.[0-9a-f]{12}\.js"', page)
    assert css and js, "the layout should link the hashed names"
    for url in (css.group(1), js.group(1)):
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert response.status_code == 200
        assert response["Content-Encoding"] in ("gzip", "br")
        cache = response["Cache-Control"]
        assert "immutable" in cache and "max-age=315360000" in cache
        body = b"".join(response.streaming_content)
        assert len(body) < 20_000  # compressed: about 16 KB of CSS and 11 KB of JS


def test_a_file_missing_from_the_manifest_never_takes_a_page_down(caplog):
    caplog.set_level("DEBUG", logger="onecouncil.web.static_storage")
    rendered = Template('{% load static %}{% static "onecouncil/no-such-file.css" %}').render(
        Context()
    )
    assert rendered == "/static/onecouncil/no-such-file.css"
    assert "not in the manifest" in caplog.text  # logged at debug level
