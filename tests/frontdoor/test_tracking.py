"""Following a request: the public page, the private link, forgiving lookups."""

import pytest

from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import EventKind
from tests.factories import make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


@pytest.fixture
def created(missed_bin, address):
    return make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(address=address),
        contact=Contact(name="Sam Resident", email="sam@example.com", phone="07700 900982"),
    )


def test_public_page_shows_progress_but_never_the_reporter(client, created):
    response = client.get(f"/riverbend/track/{created.case.reference}/")
    assert response.status_code == 200
    text = response.text
    assert created.case.reference in text
    assert "Report a missed bin collection" in text
    assert "Received" in text and "We have your request" in text
    assert "Mill Lane" in text
    for secret in (
        "Sam Resident",
        "sam@example.com",
        "07700",
        "4 Mill Lane",
        created.private_token,
    ):
        assert secret not in text


def test_internal_events_stay_internal(client, created):
    assert created.case.events.filter(kind=EventKind.ROUTED).exists()
    response = client.get(f"/riverbend/track/{created.case.reference}/")
    assert "Sent to a team" not in response.text


def test_lookup_forgives_typing_and_redirects_to_the_canonical_page(client, created):
    reference = created.case.reference
    sloppy = reference.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    response = client.get("/riverbend/track/", {"reference": sloppy})
    assert response.status_code == 302
    assert response["Location"] == f"/riverbend/track/{reference}/"
    response = client.get(f"/riverbend/track/{reference.lower()}/")
    assert response["Location"] == f"/riverbend/track/{reference}/"


def test_mistyped_reference_is_explained(client, created):
    reference = created.case.reference
    wrong = reference[:-1] + ("2" if reference[-1] != "2" else "3")
    response = client.get("/riverbend/track/", {"reference": wrong})
    assert "mistyped" in response.text
    assert "govuk-error-summary" in response.text


def test_unknown_but_valid_reference_is_explained(client, created):
    from onecouncil.core.references import new_reference

    response = client.get("/riverbend/track/", {"reference": new_reference("RVB")})
    assert "We could not find a request" in response.text


def test_private_link_shows_everything_and_confirms_the_email(client, created):
    case = created.case
    link = client.get(f"/riverbend/track/{case.reference}/{created.private_token}/")
    # The token is swapped for this browser's session and leaves the address bar.
    assert (
        link.status_code == 302 and link["Location"] == f"/riverbend/track/{case.reference}/yours/"
    )
    assert link["Referrer-Policy"] == "no-referrer"
    response = client.get(link["Location"])
    assert response.status_code == 200 and created.private_token not in response.text
    # Another browser with only the token-less address sees nothing.
    from django.test import Client

    assert Client().get(link["Location"]).status_code == 404
    for shown in ("Sam Resident", "sam@example.com", "4 Mill Lane", "General waste"):
        assert shown in response.text
    assert response["Cache-Control"] == "private, no-store"
    case.refresh_from_db()
    assert case.person is not None and case.contact_email_verified_at is not None


def test_wrong_private_token_is_not_found(client, created):
    case = created.case
    assert client.get(f"/riverbend/track/{case.reference}/guess/").status_code == 404
    assert (
        client.get(f"/northfield/track/{case.reference}/{created.private_token}/").status_code
        == 404
    )


def test_confirmation_page_is_only_for_the_session_that_submitted(client, created):
    response = client.get(f"/riverbend/report/done/{created.case.reference}/")
    assert response["Location"] == f"/riverbend/track/{created.case.reference}/"


def test_reporter_reopens_a_closed_request_from_the_private_page(client, created):
    from onecouncil.cases.actions import case_change_status
    from onecouncil.core.actors import Actor

    case = case_change_status(case=created.case, status="fixed", actor=Actor.system("Officer"))
    client.get(f"/riverbend/track/{case.reference}/{created.private_token}/")
    private = f"/riverbend/track/{case.reference}/yours/"
    assert "Reopen this request" in client.get(private).text
    response = client.post(f"{private}reopen/", {"reason": ""})
    assert "Tell us why" in client.get(response["Location"]).text
    client.post(f"{private}reopen/", {"reason": "The bin is still full"})
    case.refresh_from_db()
    assert case.status == "reopened"
    public = client.get(f"/riverbend/track/{case.reference}/").text
    assert "Reopened" in public and "not sorted" in public
    assert "The bin is still full" not in public  # their words are for staff only
    assert case.events.filter(kind="note", message="The bin is still full").exists()
    # Strangers with only the reference cannot.
    from django.test import Client

    assert Client().post(f"{private}reopen/", {"reason": "x"}).status_code == 404


def test_after_the_reopen_window_the_page_says_why_and_what_to_do(client, created):
    import datetime as dt

    from django.utils import timezone

    from onecouncil.cases.actions import case_change_status
    from onecouncil.cases.models import Case
    from onecouncil.core.actors import Actor

    case = case_change_status(case=created.case, status="fixed", actor=Actor.system("Officer"))
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=40))
    client.get(f"/riverbend/track/{case.reference}/{created.private_token}/")
    page = client.get(f"/riverbend/track/{case.reference}/yours/").text
    assert "Reopen this request" not in page
    assert "closed more than 28 days ago, so it can no longer be reopened" in page
    assert "/riverbend/services/missed-bin/" in page and case.reference in page
