"""Public pages that are the same for everyone are cached by the object's version in the
shared cache, so a change shows at once; what varies per visitor is never cached."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onecouncil.cases.actions import case_add_update
from onecouncil.cases.inputs import Contact, Location
from onecouncil.catalogue.versions import catalogue_changed
from onecouncil.core.actors import Actor
from onecouncil.frontdoor.sessions import SESSION_KEY
from onecouncil.residents.models import Account
from tests.factories import ServiceFactory, make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


@pytest.fixture
def created(missed_bin, address):
    return make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(address=address),
        contact=Contact(name="Sam Resident", email="sam@example.com"),
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        text = client.get(url).text
    return len(queries), text


def test_tracking_page_is_cached_by_version_and_changes_show_at_once(client, created):
    url = f"/riverbend/track/{created.case.reference}/"
    cold, text = _queries(client, url)
    warm, again = _queries(client, url)
    assert warm < cold
    strip = lambda page: re.sub(  # noqa: E731 - the per-response CSRF token and CSP nonce
        r'(name="csrfmiddlewaretoken" value|nonce)="[^"]+"', "", page
    )
    assert strip(again) == strip(text)
    case_add_update(
        case=created.case, message="A crew will visit on Tuesday.", actor=Actor.system("Test")
    )
    assert "A crew will visit on Tuesday." in client.get(url).text


def test_tracking_page_shows_the_target_date_the_confirmation_gave(client, created, council):
    url = f"/riverbend/track/{created.case.reference}/"
    page = client.get(url).text
    assert "We aim to deal with it by" in page
    assert created.case.due_at.astimezone().strftime("%B %Y").split()[0] in page
    no_target = ServiceFactory(council=council, code="compliment", sla_amount=None)
    praise = make_case(no_target, answers={}, contact=Contact(email="a@example.com")).case
    assert (
        "We aim to deal with it by" not in client.get(f"/riverbend/track/{praise.reference}/").text
    )


def test_catalogue_changes_show_at_once_on_the_lists_and_service_page(client, missed_bin):
    assert "Report a missed bin collection" in client.get("/riverbend/").text
    client.get("/riverbend/services/")
    client.get("/riverbend/services/missed-bin/")
    missed_bin.name = "Tell us your bin was missed"
    missed_bin.save()
    catalogue_changed(council_id=missed_bin.council_id)  # as the admin and the import do
    assert "Tell us your bin was missed" in client.get("/riverbend/").text
    assert "Tell us your bin was missed" in client.get("/riverbend/services/").text
    assert "Tell us your bin was missed" in client.get("/riverbend/services/missed-bin/").text
    missed_bin.questions.first().delete()
    catalogue_changed(council_id=missed_bin.council_id)
    missed_bin.council.refresh_from_db()
    assert missed_bin.council.catalogue_version >= 2


def test_follow_state_and_stop_following(client, created, council):
    account = Account.objects.create(council=council, email="kim@example.com", name="Kim")
    account.email_verified_at = account.created_at
    account.save()
    session = client.session
    session[SESSION_KEY] = {"id": account.pk, "v": account.session_version, "council": council.pk}
    session.save()
    url = f"/riverbend/track/{created.case.reference}/"
    assert ">Follow<" in client.get(url).text.replace("\n", "").replace(" ", "")
    client.post(f"{url}follow/")
    page = client.get(url).text
    assert "You are following this request" in page and "Stop following" in page
    client.post(f"{url}unfollow/")
    page = client.get(url).text
    assert "You have stopped following this request." in page
    assert "Stop following" not in page


def test_the_same_pages_work_with_redis_as_the_shared_cache(client, created, settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "onecouncil-test",
        }
    }
    from django.core.cache import cache

    cache.clear()
    url = f"/riverbend/track/{created.case.reference}/"
    cold, _ = _queries(client, url)
    warm, _ = _queries(client, url)
    assert warm < cold
    case_add_update(case=created.case, message="Fixed today.", actor=Actor.system("Test"))
    assert "Fixed today." in client.get(url).text
    cache.clear()


def test_a_page_kept_for_visitors_without_a_session_gets_each_responses_token_and_nonce(
    created,
):
    """The whole tracking page is kept for visitors without a session; each response
    still carries its own CSRF token (accepted by a real form post) and CSP nonce, and a
    visitor with a session (here, after following) gets the page rendered for them."""
    from django.test import Client

    url = f"/riverbend/track/{created.case.reference}/"
    Client(enforce_csrf_checks=True).get(url)  # rendered, and kept
    visitor = Client(enforce_csrf_checks=True)
    count, _text = _queries(visitor, url)
    assert count <= 2  # the council and the request: nothing is rendered
    response = visitor.get(url)
    assert "\x00" not in response.text
    nonce = re.search(r'nonce="([^"]+)"', response.text).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
    followed = visitor.post(
        f"{url}follow/", {"csrfmiddlewaretoken": token, "email": "lee@example.com"}
    )
    assert followed.status_code == 302
    assert "Check your email" in visitor.get(url).text  # their own page, with their message
    assert "Check your email" not in Client().get(url).text  # and not anyone else's
