"""Webhooks against a receiver started on loopback: signed, retried, recorded, replayed,
and never in the way of case handling."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from onecouncil.cases.actions import case_add_update, case_change_status
from onecouncil.cases.inputs import Location
from onecouncil.core.actors import Actor
from onecouncil.webhooks.models import Delivery, DeliveryStatus, Subscription
from onecouncil.webhooks.services import deliveries_process, delivery_replay
from tests.factories import make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


class Receiver(BaseHTTPRequestHandler):
    received: list = []
    answer = 200
    delay = 0.0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append({"body": body, "headers": self.headers})  # case-insensitive
        time.sleep(Receiver.delay)
        self.send_response(Receiver.answer)
        self.end_headers()
        self.wfile.write(b"thanks")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received, Receiver.answer, Receiver.delay = [], 200, 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.fixture
def subscription(council, receiver):
    return Subscription.objects.create(
        council=council,
        name="Waste contractor",
        url=receiver,
        event_types=["created", "status_changed", "updated", "closed"],
        service_codes=["missed-bin"],
    )


def test_events_are_delivered_signed(subscription, missed_bin):
    case = make_case(missed_bin, answers=ANSWERS).case
    officer = Actor.system("Officer")
    case_add_update(case=case, message="Crew booked", actor=officer)
    case_change_status(case=case, status="closed", actor=officer, closure_reason="no_action")
    assert deliveries_process() == 4
    events = [r["headers"]["X-OneCouncil-Event"] for r in Receiver.received]
    assert events == ["created", "updated", "status_changed", "closed"]
    for received in Receiver.received:
        expected = (
            "sha256="
            + hmac.new(subscription.secret.encode(), received["body"], hashlib.sha256).hexdigest()
        )
        assert received["headers"]["X-OneCouncil-Signature"] == expected
    payload = json.loads(Receiver.received[1]["body"])
    assert payload["request"]["reference"] == case.reference
    assert payload["message"] == "Crew booked" and payload["council"] == "riverbend"
    assert "sam@example.com" not in Receiver.received[0]["body"].decode()
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_only_chosen_events_and_services(subscription, council, missed_bin):
    from tests.factories import ServiceFactory

    other = ServiceFactory(
        council=council, code="graffiti", name="Graffiti", anonymous_allowed=True
    )
    make_case(other, location=Location(street="Front Street", description="On the bridge"))
    subscription.event_types = ["closed"]
    subscription.save()
    make_case(missed_bin, answers=ANSWERS)
    assert Delivery.objects.count() == 0


def test_a_failing_receiver_is_retried_with_backoff_and_recorded(subscription, missed_bin):
    Receiver.answer = 500
    make_case(missed_bin, answers=ANSWERS)
    assert deliveries_process() == 0
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.response_status == 500 and "answered 500" in delivery.error
    assert delivery.next_attempt_at > timezone.now()
    Receiver.answer = 200
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert deliveries_process() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2


def test_an_unreachable_receiver_does_not_slow_case_handling(council, missed_bin):
    Subscription.objects.create(
        council=council, name="Gone", url="http://127.0.0.1:9/x", event_types=["created"]
    )
    started = time.perf_counter()
    for _ in range(5):
        make_case(missed_bin, answers=ANSWERS)
    assert time.perf_counter() - started < 2  # queued, not sent, while handling the case
    deliveries_process()
    assert all(d.error for d in Delivery.objects.all())


def test_replay_sends_a_recorded_delivery_again(subscription, missed_bin):
    make_case(missed_bin, answers=ANSWERS)
    deliveries_process()
    first = Delivery.objects.get()
    again = delivery_replay(first)
    deliveries_process()
    again.refresh_from_db()
    assert again.status == DeliveryStatus.DELIVERED and again.replay_of == first
    assert Receiver.received[0]["body"] == Receiver.received[1]["body"]
    assert Receiver.received[1]["headers"]["X-OneCouncil-Delivery"] == str(first.pk)


def test_replay_from_the_admin(client, subscription, missed_bin, council):
    from django.contrib.auth import get_user_model

    from onecouncil.core.models import Membership, Role

    make_case(missed_bin, answers=ANSWERS)
    deliveries_process()
    admin = get_user_model().objects.create_user("adm", password="x" * 16, is_staff=True)
    Membership.objects.create(council=council, user=admin, role=Role.ADMINISTRATOR)
    client.force_login(admin)
    first = Delivery.objects.get()
    response = client.post(
        "/admin/webhooks/delivery/", {"action": "replay", "_selected_action": [first.pk]}
    )
    assert response.status_code == 302
    assert Delivery.objects.filter(replay_of=first).count() == 1


# --- The one egress door ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/admin/",
        "http://localhost/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "ftp://example.com/",
        "http://user:pw@example.com/",
    ],
)
def test_egress_refuses_local_and_private_destinations(settings, url):
    from onecouncil.core.egress import EgressRefused, egress_post

    settings.EGRESS_ALLOWED_NETWORKS = []
    with pytest.raises(EgressRefused):
        egress_post(url, body=b"{}", headers={}, timeout=1)


def test_a_private_receiver_is_refused_when_saved_and_when_sent(settings, council, missed_bin):
    from django.core.exceptions import ValidationError

    settings.EGRESS_ALLOWED_NETWORKS = []
    hook = Subscription(
        council=council, name="Inside", url="http://10.0.0.5/hook", event_types=["created"]
    )
    with pytest.raises(ValidationError, match="private or local network"):
        hook.full_clean()
    hook.save()  # saved around the check: the worker still refuses to send
    make_case(missed_bin, answers=ANSWERS)
    deliveries_process()
    delivery = Delivery.objects.get()
    assert "private or local network" in delivery.error and delivery.response_status is None


def test_redirects_are_not_followed_and_bodies_not_kept(subscription, missed_bin):
    Receiver.answer = 302
    make_case(missed_bin, answers=ANSWERS)
    deliveries_process()
    delivery = Delivery.objects.get()
    assert len(Receiver.received) == 1  # not followed anywhere
    assert delivery.status == DeliveryStatus.PENDING and delivery.response_status == 302
    assert "answered 302" in delivery.error
    assert not hasattr(delivery, "response_body")


def test_a_worker_killed_mid_send_holds_only_that_delivery(subscription, missed_bin):
    from onecouncil.webhooks import services

    for _n in range(3):
        make_case(missed_bin, answers=ANSWERS)
    token, claimed = services._claim(1)  # a worker claims one, then dies
    deliveries_process()  # the next worker sends every other one at once
    held = Delivery.objects.get(claim=token)
    assert held.pk == claimed[0].pk and held.status == DeliveryStatus.SENDING
    assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2
