"""The GOV.UK Notify backend against a local server that checks what the client sends."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from onecouncil.notify.models import GovukNotifySettings, Notification, Status
from onecouncil.notify.services import notification_enqueue, outbox_process

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"riverbend_live-{SERVICE_ID}-{SECRET}"
EMAIL_TEMPLATE = str(uuid.uuid4())
SMS_TEMPLATE = str(uuid.uuid4())


class FakeNotify(BaseHTTPRequestHandler):
    received: list = []
    respond_with = 201

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        token = self.headers["Authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": True})
        FakeNotify.received.append({"path": self.path, "body": body, "claims": claims})
        self.send_response(FakeNotify.respond_with)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        if FakeNotify.respond_with == 201:
            self.wfile.write(
                json.dumps({"id": "notify-123", "reference": body.get("reference")}).encode()
            )
        else:
            self.wfile.write(
                json.dumps(
                    {
                        "errors": [{"error": "Err", "message": "No"}],
                        "status_code": FakeNotify.respond_with,
                    }
                ).encode()
            )

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_notify(council):
    FakeNotify.received = []
    FakeNotify.respond_with = 201
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    GovukNotifySettings.objects.create(
        council=council,
        enabled=True,
        api_key=API_KEY,
        base_url=f"http://127.0.0.1:{server.server_port}",
        template_ids={"case_update_email": EMAIL_TEMPLATE, "case_update_sms": SMS_TEMPLATE},
    )
    yield FakeNotify
    server.shutdown()


def enqueue(council, channel, recipient):
    return notification_enqueue(
        council=council,
        kind="case_update",
        channel=channel,
        recipient=recipient,
        subject_reference="RVB-AAAA-AAAA",
        context={"reference": "RVB-AAAA-AAAA", "status": "Fixed"},
    )


def test_email_and_sms_are_sent_with_the_right_key_template_and_personalisation(
    council, fake_notify
):
    email = enqueue(council, "email", "sam@example.com")
    sms = enqueue(council, "sms", "07700900123")
    assert outbox_process() == 2
    by_path = {r["path"]: r for r in fake_notify.received}
    sent_email = by_path["/v2/notifications/email"]
    assert sent_email["claims"]["iss"] == SERVICE_ID
    assert sent_email["body"]["template_id"] == EMAIL_TEMPLATE
    assert sent_email["body"]["email_address"] == "sam@example.com"
    assert sent_email["body"]["personalisation"] == {
        "reference": "RVB-AAAA-AAAA",
        "status": "Fixed",
    }
    assert sent_email["body"]["reference"] == f"onecouncil-{email.pk}"
    sent_sms = by_path["/v2/notifications/sms"]
    assert sent_sms["body"]["template_id"] == SMS_TEMPLATE
    assert sent_sms["body"]["phone_number"] == "07700900123"
    sms.refresh_from_db()
    assert sms.status == Status.SENT and sms.provider_reference == "notify-123"


def test_server_errors_are_retried_and_bad_requests_are_not(council, fake_notify):
    fake_notify.respond_with = 500
    retried = enqueue(council, "email", "sam@example.com")
    outbox_process()
    retried.refresh_from_db()
    assert retried.status == Status.PENDING and "500" in retried.last_error
    fake_notify.respond_with = 400
    Notification.objects.filter(pk=retried.pk).update(next_attempt_at=retried.created_at)
    outbox_process()
    retried.refresh_from_db()
    assert retried.status == Status.FAILED and "refused" in retried.last_error


def test_a_message_type_without_a_template_fails_clearly(council, fake_notify):
    missing = notification_enqueue(
        council=council,
        kind="case_confirmation",
        channel="email",
        recipient="sam@example.com",
        context={},
    )
    outbox_process()
    missing.refresh_from_db()
    assert missing.status == Status.FAILED
    assert "No GOV.UK Notify template is set for case_confirmation_email" in missing.last_error
    assert fake_notify.received == []
