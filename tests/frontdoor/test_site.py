"""Site-wide behaviour: language, icon, security-token failures, referrer policy."""

import pytest
from django.test import Client

from tests.factories import make_case


def test_a_browser_asking_for_welsh_gets_english_labelled_as_english(client, council):
    page = client.get("/riverbend/", HTTP_ACCEPT_LANGUAGE="cy,en;q=0.5").text
    assert '<html lang="en' in page and 'lang="cy"' not in page


def test_the_favicon_is_served(client, db):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"


def test_a_form_without_its_security_token_gets_a_page_that_explains(council):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/riverbend/track/", {"reference": "RVB-AAAA-AAAA"})
    assert response.status_code == 403
    assert "Sorry, we could not send your form" in response.text
    assert "reload it" in response.text


def test_the_private_page_keeps_its_token_out_of_referer_but_sends_origin(client, missed_bin):
    created = make_case(missed_bin, answers={"which_bin": "general", "out_by_7am": "yes"})
    link = client.get(f"/riverbend/track/{created.case.reference}/{created.private_token}/")
    assert link["Referrer-Policy"] == "no-referrer"  # the redirect away from the token
    response = client.get(link["Location"])
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "strict-origin"


def test_odd_input_gets_a_clear_answer_not_a_server_error(client, council, missed_bin):
    """Each of these gave a 500 once."""
    from onecouncil.api.keys import api_key_issue

    key = api_key_issue(council=council, name="Client").key
    base = "/open311/v2"
    for start, end in (
        ("0001-01-01T00:00:00+14:00", ""),
        ("", "9999-12-31T23:59:59-14:00"),
    ):
        response = client.get(
            f"{base}/requests.json",
            {"jurisdiction_id": "riverbend", "start_date": start, "end_date": end},
        )
        assert response.status_code == 400, response.content
    for address_id in ("²", "9" * 5000):
        response = client.post(
            f"{base}/requests.json",
            {
                "jurisdiction_id": "riverbend",
                "api_key": key,
                "service_code": "missed-bin",
                "address_id": address_id,
                "email": "a@example.com",
            },
        )
        assert response.status_code == 400, response.content
        assert "address_id" in response.json()[0]["description"]


def test_length_limits_are_explained_in_our_words_not_djangos():
    from django import forms

    with pytest.raises(forms.ValidationError) as error:
        forms.CharField(max_length=5).clean("abcdefgh")
    assert error.value.messages == ["Enter 5 characters or fewer (you entered 8)"]
    with pytest.raises(forms.ValidationError) as error:
        forms.CharField(min_length=3).clean("a")
    assert error.value.messages == ["Enter at least 3 characters (you entered 1)"]


def test_an_address_with_the_nul_character_is_not_found(client, council, missed_bin):
    case = make_case(missed_bin, answers={"which_bin": "general", "out_by_7am": "yes"}).case
    for path in ("/riverbend/unfollow/%00/", f"/riverbend/track/{case.reference}%00/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.text
