"""A private link, once exchanged for a session, works only in that browser after a short
grace period: a link copied from a log or a forwarded email shows nobody's details, and
the page says how to get a new link by email."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from onecouncil.cases.actions import PRIVATE_LINK_GRACE
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Case
from onecouncil.notify.services import outbox_process
from tests.factories import make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


@pytest.fixture
def made(missed_bin):
    return make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(street="Mill Lane", description="By the gate"),
        contact=Contact(name="Priya Shah", email="priya@example.com"),
    )


def _open(client, case, token):
    return client.get(f"/riverbend/track/{case.reference}/{token}/", follow=True)


def test_a_link_opened_elsewhere_after_the_grace_period_shows_nothing(made):
    case, token = made.case, made.private_token
    first, scanner, thief = Client(), Client(), Client()
    assert "Priya Shah" in _open(first, case, token).text
    # Within the grace period another browser may still open it (a mail scanner, a phone).
    assert "Priya Shah" in _open(scanner, case, token).text
    Case.objects.filter(pk=case.pk).update(
        private_link_claimed_at=timezone.now() - PRIVATE_LINK_GRACE - dt.timedelta(seconds=1)
    )
    refused = _open(thief, case, token)
    assert "Priya" not in refused.text and "priya@example.com" not in refused.text
    assert "already been opened in another browser" in refused.text
    assert refused.redirect_chain[-1][0] == f"/riverbend/track/{case.reference}/new-link/"
    # The first browser keeps its access, by the session and by the link again.
    assert "Priya Shah" in first.get(f"/riverbend/track/{case.reference}/yours/").text
    assert "Priya Shah" in _open(first, case, token).text


def test_a_new_link_is_emailed_only_to_the_address_the_request_was_made_with(made):
    case, token = made.case, made.private_token
    _open(Client(), case, token)
    Case.objects.filter(pk=case.pk).update(
        private_link_claimed_at=timezone.now() - dt.timedelta(hours=1)
    )
    other = Client()
    outbox_process()
    mail.outbox.clear()
    url = f"/riverbend/track/{case.reference}/new-link/"
    assert "Enter an email address" in other.post(url, {"email": "nope"}).text
    wrong = other.post(url, {"email": "someone@example.com"}).text
    right = other.post(url, {"email": "PRIYA@example.com"}).text
    # The same answer whether or not the address is the reporter's.
    assert "Check your email" in wrong and "Check your email" in right
    outbox_process()
    (sent,) = mail.outbox
    assert sent.to == ["priya@example.com"] and case.reference in sent.subject
    new_link = next(
        line
        for line in sent.body.splitlines()
        if "/track/" in line and token not in line and line.rstrip("/").count("/") > 5
    )
    # The new link works here; the old one works nowhere.
    assert "Priya Shah" in other.get(new_link.replace("http://testserver", ""), follow=True).text
    assert _open(Client(), case, token).status_code == 404
