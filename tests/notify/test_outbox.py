"""The outbox: written with the change, sent by the worker, never lost."""

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from onecouncil.core.worker import backoff
from onecouncil.notify.models import Notification, Status
from onecouncil.notify.services import notification_enqueue, outbox_process


@pytest.fixture
def queued(council):
    return notification_enqueue(
        council=council,
        kind="case_confirmation",
        channel="email",
        recipient="sam@example.com",
        subject_reference="RVB-AAAA-AAAA",
        context={
            "council_name": council.name,
            "reference": "RVB-AAAA-AAAA",
            "service_name": "Report a pothole",
            "name": "Sam",
            "tracking_url": "http://x/track/RVB-AAAA-AAAA/",
            "private_url": "http://x/track/RVB-AAAA-AAAA/secret/",
            "due_date": "1 May 2026",
            "council_phone": "01632 960 000",
        },
    )


def test_worker_sends_due_email_once(queued):
    assert outbox_process() == 1
    assert outbox_process() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.com"]
    assert message.from_email.startswith(f"{queued.council.name} <")
    assert "RVB-AAAA-AAAA" in message.subject
    assert "http://x/track/RVB-AAAA-AAAA/secret/" in message.body
    queued.refresh_from_db()
    assert queued.status == Status.SENT and queued.sent_at is not None


def test_transient_failure_is_retried_with_backoff(queued, settings):
    settings.EMAIL_BACKEND = "tests.notify.failing.FailingBackend"
    assert outbox_process() == 0
    queued.refresh_from_db()
    assert queued.status == Status.PENDING and queued.attempts == 1
    assert "connection refused" in queued.last_error
    assert queued.next_attempt_at > timezone.now() + dt.timedelta(seconds=20)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())
    assert outbox_process() == 1


def test_gives_up_after_the_maximum_attempts(queued, settings):
    settings.EMAIL_BACKEND = "tests.notify.failing.FailingBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 2
    for _ in range(3):
        Notification.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())
        outbox_process()
    queued.refresh_from_db()
    assert queued.status == Status.FAILED and queued.attempts == 2


def test_a_crashed_workers_claim_expires_and_the_message_is_sent(queued):
    # A worker claimed it and died before sending: the lease is still running...
    Notification.objects.filter(pk=queued.pk).update(
        status=Status.SENDING,
        claim=uuid.uuid4(),
        attempts=1,
        locked_until=timezone.now() + dt.timedelta(minutes=5),
    )
    assert outbox_process() == 0
    # ...and once it has run out, another worker sends it.
    Notification.objects.filter(pk=queued.pk).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert outbox_process() == 1
    assert len(mail.outbox) == 1


def test_backoff_grows_and_is_capped():
    assert backoff(1) == dt.timedelta(seconds=30)
    assert backoff(2) == dt.timedelta(seconds=60)
    assert backoff(20) == dt.timedelta(hours=1)


def test_a_worker_killed_mid_send_holds_only_the_message_it_was_sending(queued):
    from onecouncil.notify import services

    for n in range(3):
        notification_enqueue(
            council=queued.council,
            kind=queued.kind,
            channel="email",
            recipient=f"r{n}@example.com",
            context=queued.context,
        )
    token, claimed = services._claim(1)  # a worker claims one message, then is killed
    assert outbox_process() == 3  # the others go at once, not after the lease
    held = Notification.objects.get(claim=token)
    assert held.pk == claimed[0].pk and held.status == Status.SENDING
