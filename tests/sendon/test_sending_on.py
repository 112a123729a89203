"""Requests sent on to a council's other systems by Open311, and their status brought
back. The back end is a second OneCouncil server that the test starts (its own database,
gunicorn on a free port: a real HTTP round trip, in JSON and in XML), or a small server
written here to misbehave as real back ends do (time out, answer 500, answer malformed
XML, lose a request, give a token first). Time is moved by setting when the next
attempt is due, never by sleeping."""

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from django.utils import timezone

from onecouncil.api.keys import api_key_issue
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import EventKind, Status
from onecouncil.catalogue.models import Backend
from onecouncil.notify.models import Notification
from onecouncil.sendon import client as sendon_client
from onecouncil.sendon import media
from onecouncil.sendon import services as sendon
from onecouncil.sendon.models import Sending, SendingStatus
from tests.factories import QuestionFactory, ServiceFactory, make_case

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HERE = Location(latitude=52.4862, longitude=-1.8904, street="High Street", description="By 4")

BACKEND_SETUP = """
import json
from onecouncil.api.keys import api_key_issue
from tests.factories import CouncilFactory, QuestionFactory, ServiceFactory
county = CouncilFactory(slug="county", name="County Highways", reference_prefix="KCH",
                        public_base_url="http://127.0.0.1:{port}/county")
service = ServiceFactory(council=county, code="pothole-defect", name="Road defect")
sizes = [{{"value": "small", "label": "Small"}}, {{"value": "large", "label": "Large"}}]
QuestionFactory(service=service, code="defect_size", kind="one_of", options=sizes)
print(json.dumps({{"key": api_key_issue(council=county, name="Riverbend").key}}))
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(var):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(ONECOUNCIL_VAR_DIR=str(var), PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING")
    return env


class SecondServer:
    def __init__(self, var, port, key, process):
        self.var, self.port, self.key, self.process = var, port, key, process
        self.base_url = f"http://127.0.0.1:{port}/open311/v2/"

    def shell(self, code):
        done = subprocess.run(
            [str(BIN / "onecouncil"), "shell", "-c", code],
            env=_environment(self.var),
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.fixture(scope="module")
def second_server(tmp_path_factory):
    """Another OneCouncil, the county's, started for real beside the tests."""
    var = tmp_path_factory.mktemp("county")
    port = _free_port()
    env = _environment(var)
    subprocess.run([str(BIN / "onecouncil"), "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    made = subprocess.run(
        [str(BIN / "onecouncil"), "shell", "-c", BACKEND_SETUP.format(port=port)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    key = json.loads(made.stdout.strip().splitlines()[-1])["key"]
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "onecouncil.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok:
                break
        except requests.RequestException:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the second OneCouncil server did not start")
    yield SecondServer(var, port, key, process)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def pothole(council):
    service = ServiceFactory(council=council, code="pothole", name="Report a pothole")
    QuestionFactory(
        service=service,
        code="size",
        kind="one_of",
        options=[{"value": "small", "label": "Small"}, {"value": "large", "label": "Large"}],
    )
    return service


def _send_to(service, **backend):
    service.sent_to = Backend.objects.create(council=service.council, name="County", **backend)
    service.sent_to_code = "pothole-defect"
    service.sent_to_attributes = {"size": "defect_size"}
    service.save()
    return service.sent_to


def _report(service, **contact):
    return make_case(
        service,
        answers={"size": "large"},
        location=HERE,
        contact=Contact(name="Ann Lee", email="ann@example.com", **contact),
    ).case


def _due_now():
    """The controlled clock: whatever waits for its backoff is due."""
    Sending.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


@pytest.mark.slow  # a second OneCouncil, served by gunicorn
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_sent_to_a_second_onecouncil_and_its_status_comes_back(
    second_server, council, pothole, fmt
):
    backend = _send_to(
        pothole,
        base_url=second_server.base_url,
        jurisdiction_id="county",
        api_key=second_server.key,
        format=fmt,
    )
    case = _report(pothole)
    sending = case.sendings.get()
    assert sending.status == SendingStatus.QUEUED  # queued with the request itself
    assert sendon.sendings_process() == 1
    sending.refresh_from_db()
    assert sending.status == SendingStatus.SENT and sending.external_id.startswith("KCH-")
    theirs = json.loads(
        second_server.shell(
            "import json; from onecouncil.cases.models import Case; "
            f"c = Case.objects.get(reference={sending.external_id!r}); "
            "print(json.dumps({'answers': c.answers, 'email': c.contact_email, "
            "'notes': [e.message for e in c.events.filter(kind='note')]}))"
        )
    )
    assert theirs["answers"] == {"defect_size": "large"}
    assert theirs["email"] == "ann@example.com"
    assert any(case.reference in note for note in theirs["notes"])  # our reference kept
    sent = case.events.get(kind=EventKind.SENT_ON)
    assert sending.external_id in sent.message and not sent.is_public
    # A retry of the same sending (its answer lost on the way back) makes nothing new:
    # the same Idempotency-Key gets the request the first attempt made.
    Sending.objects.filter(pk=sending.pk).update(status=SendingStatus.QUEUED)
    _due_now()
    sendon.sendings_process()
    sending.refresh_from_db()
    assert sending.external_ids == [sending.external_id]
    # The county starts work; the next poll brings it back and tells the resident.
    second_server.shell(
        "from onecouncil.cases.models import Case; "
        "from onecouncil.cases.actions import case_change_status; "
        "from onecouncil.core.actors import Actor; "
        f"case_change_status(case=Case.objects.get(reference={sending.external_id!r}), "
        "status='in_progress', actor=Actor.system('County crew'))"
    )
    assert sendon.backends_poll() == 1
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert Notification.objects.filter(
        subject_reference=case.reference, kind="case_update"
    ).exists()
    backend.refresh_from_db()
    assert backend.last_poll_error == "" and backend.polled_up_to is not None
    # Read again before it is due: nothing; once due, the same update is not applied twice.
    assert sendon.backends_poll() == 0
    Backend.objects.update(last_polled_at=None)
    assert sendon.backends_poll() == 0


class Misbehaving(BaseHTTPRequestHandler):
    """A back end that does what it is told to by the test, and records what it got."""

    behaviour: dict = {}
    received: list = []

    def log_message(self, *args):
        pass

    def _answer(self, status, body, content_type="text/xml"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = urlsplit(self.path).path
        self.received.append(("GET", path, parse_qs(urlsplit(self.path).query), self.headers))
        if path.startswith("/open311/tokens/"):
            found = self.behaviour.get("token_id")
            if found == "lost":
                return self._answer(404, b"<errors><error><code>404</code></error></errors>")
            item = f"<service_request_id>{found}</service_request_id>" if found else ""
            return self._answer(
                200,
                f"<service_requests><request>{item}<token>t1</token></request></service_requests>".encode(),
            )
        if path == "/open311/servicerequestupdates.xml":
            return self._answer(200, self.behaviour.get("updates", b"<service_request_updates/>"))
        return self._answer(404, b"<errors/>")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        path = urlsplit(self.path).path
        self.received.append(("POST", path, form, self.headers))
        if path == "/open311/servicerequestupdates.xml":
            return self._answer(
                200,
                b"<service_request_updates><request_update><update_id>u1</update_id></request_update></service_request_updates>",
            )
        mode = self.behaviour.get("post", "ok")
        if mode == "slow":
            time.sleep(1.5)
        if mode == "500":
            return self._answer(500, b"oops")
        if mode == "malformed":
            return self._answer(201, b"<service_requests><request><service_request_id>X")
        if mode == "token":
            return self._answer(
                201, b"<service_requests><request><token>t1</token></request></service_requests>"
            )
        count = sum(1 for r in self.received if r[0] == "POST" and r[1].endswith("requests.xml"))
        item = f"<service_request_id>EXT-{count}</service_request_id>"
        return self._answer(
            201, f"<service_requests><request>{item}</request></service_requests>".encode()
        )


@pytest.fixture
def misbehaving(monkeypatch):
    Misbehaving.behaviour, Misbehaving.received = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(sendon_client, "TIMEOUT_SECONDS", 0.5)
    yield f"http://127.0.0.1:{server.server_address[1]}/open311/"
    server.shutdown()


def test_a_back_end_that_times_out_answers_500_or_malformed_xml_is_retried_then_failed(
    misbehaving, pothole, monkeypatch
):
    monkeypatch.setattr(sendon, "MAX_ATTEMPTS", 3)
    _send_to(pothole, base_url=misbehaving)
    case = _report(pothole)
    for mode in ("slow", "500", "malformed"):
        Misbehaving.behaviour["post"] = mode
        _due_now()
        assert sendon.sendings_process() == 0
    sending = case.sendings.get()
    assert sending.status == SendingStatus.FAILED and sending.attempts == 3
    attempts = list(case.events.filter(kind=EventKind.SENT_ON).order_by("id"))
    assert [e.data["ok"] for e in attempts] == [False, False, False]
    assert "could not be reached" in attempts[0].data["error"]
    assert "answered 500" in attempts[1].data["error"]
    assert "not XML we can read" in attempts[2].data["error"]
    assert attempts[-1].data["final"] is True
    keys = {r[3]["Idempotency-Key"] for r in Misbehaving.received if r[0] == "POST"}
    assert keys == {str(sending.idempotency_key)}  # the same key every time
    # Nothing more happens by itself; staff send it again and it goes.
    _due_now()
    assert sendon.sendings_process() == 0
    Misbehaving.behaviour["post"] = "ok"
    from onecouncil.core.actors import Actor

    sendon.sending_resend(case=case, actor=Actor.system("Officer"))
    assert sendon.sendings_process() == 1
    sending.refresh_from_db()
    assert sending.status == SendingStatus.SENT and sending.external_id.startswith("EXT-")


def test_a_token_first_then_its_reference(misbehaving, pothole):
    _send_to(pothole, base_url=misbehaving)
    case = _report(pothole)
    Misbehaving.behaviour.update(post="token", token_id="")
    assert sendon.sendings_process() == 1
    sending = case.sendings.get()
    assert sending.status == SendingStatus.AWAITING_ID and sending.token == "t1"
    _due_now()
    assert sendon.sendings_process() == 0  # no reference yet
    Misbehaving.behaviour["token_id"] = "EXT-77"
    _due_now()
    assert sendon.sendings_process() == 1
    sending.refresh_from_db()
    assert sending.status == SendingStatus.SENT and sending.external_id == "EXT-77"


def test_a_back_end_that_loses_a_request_and_then_makes_two(misbehaving, pothole, council):
    """It gave a token, then forgot it: we send again with the same key; it ignores the
    key and makes a second request, which is detected, shown and kept."""
    _send_to(pothole, base_url=misbehaving)
    case = _report(pothole)
    Misbehaving.behaviour.update(post="token", token_id="EXT-1")
    sendon.sendings_process()  # the token
    _due_now()
    sendon.sendings_process()  # the token's reference: EXT-1
    sending = case.sendings.get()
    assert sending.external_ids == ["EXT-1"]
    # Pretend the reference never came back: the token is then lost.
    Sending.objects.filter(pk=sending.pk).update(
        status=SendingStatus.AWAITING_ID, token="t1", external_id=""
    )
    Misbehaving.behaviour.update(token_id="lost", post="ok")
    _due_now()
    sendon.sendings_process()  # lost: queued again with the same key
    _due_now()
    sendon.sendings_process()  # sent again: it makes another
    sending.refresh_from_db()
    assert sending.status == SendingStatus.SENT and len(sending.external_ids) == 2
    assert sending.is_duplicated
    warning = case.events.filter(kind=EventKind.SENT_ON, data__duplicate=True).get()
    assert "EXT-1" in warning.message
    from tests.backoffice_helpers import staff

    page = Client()
    page.force_login(staff(council, "team_leader"))
    shown = page.get(f"/riverbend/staff/cases/{case.reference}/").content.decode()
    assert "Held twice" in shown and "EXT-1" in shown


def test_pushed_updates_from_the_back_end_apply_like_polled_ones(misbehaving, pothole, council):
    backend = _send_to(pothole, base_url=misbehaving)
    case = _report(pothole)
    sendon.sendings_process()
    sending = case.sendings.get()
    key = api_key_issue(council=council, name="County").key
    from onecouncil.api.models import ApiKey

    ApiKey.objects.update(backend=backend)
    pushed = Client().post(
        "/open311/v2/servicerequestupdates.xml",
        {
            "jurisdiction_id": "riverbend",
            "api_key": key,
            "service_request_id": sending.external_id,
            "status": "FIXED",
            "description": "Filled by the county crew",
            "update_id": "county-9",
        },
    )
    assert pushed.status_code == 200, pushed.content
    case.refresh_from_db()
    assert case.status == Status.FIXED
    # Polled later, the same update is not applied twice.
    Misbehaving.behaviour["updates"] = (
        "<service_request_updates><request_update><update_id>county-9</update_id>"
        f"<service_request_id>{sending.external_id}</service_request_id><status>fixed</status>"
        "<description>Filled</description><updated_datetime>"
        f"{timezone.now().isoformat()}</updated_datetime></request_update>"
        "</service_request_updates>"
    ).encode()
    assert sendon.backends_poll() == 0


def test_photos_go_as_links_that_expire_and_die_with_the_photo(misbehaving, pothole, monkeypatch):
    from django.core.files.base import ContentFile

    from onecouncil.cases.models import Photo
    from tests.cases.test_photos import image_bytes  # a real image made with Pillow

    _send_to(pothole, base_url=misbehaving)
    case = _report(pothole)
    photo = Photo.objects.create(
        council=case.council,
        case=case,
        draft_key=case.submission_key,
        image=ContentFile(image_bytes("JPEG"), name="p.jpg"),
        content_type="image/jpeg",
        width=10,
        height=10,
        size=100,
    )
    sendon.sendings_process()
    posted = next(r for r in Misbehaving.received if r[0] == "POST")[2]
    (link,) = posted["media_url"]
    path = urlsplit(link).path
    assert Client().get(path).status_code == 200
    assert Client().get(path[:-3] + "xyz/").status_code == 404  # a forged link
    monkeypatch.setattr(media, "LINK_DAYS", -1)
    assert Client().get(path).status_code == 404  # expired
    monkeypatch.setattr(media, "LINK_DAYS", 30)
    photo.delete()
    assert Client().get(path).status_code == 404


def test_take_back_and_erasure_tell_the_back_end(misbehaving, pothole, council):
    from onecouncil.cases.privacy import PersonQuery, person_erase
    from onecouncil.core.actors import Actor

    _send_to(pothole, base_url=misbehaving)
    kept = _report(pothole)
    erased = make_case(
        pothole,
        answers={"size": "small"},
        location=HERE,
        contact=Contact(name="Bo Gone", email="bo@example.com"),
    ).case
    sendon.sendings_process()
    sendon.sendings_process()
    sendon.sending_take_back(case=kept, actor=Actor.system("Officer"))
    assert kept.sendings.get().status == SendingStatus.TAKEN_BACK
    assert kept.events.filter(kind=EventKind.TAKEN_BACK).exists()
    report = person_erase(council=council, query=PersonQuery(email="bo@example.com"))
    sending = erased.sendings.get()
    # The administrator is shown what was sent where; the worker tells the system.
    assert report.sent_on == [(erased.reference, "County", sending.external_id, True)]
    assert sending.erasure_asked_at is not None and sending.erasure_told_at is None
    assert sendon.erasure_notices() == 1
    sending.refresh_from_db()
    assert sending.erasure_told_at is not None
    assert sendon.erasure_notices() == 0
    told = [r[2] for r in Misbehaving.received if r[1].endswith("servicerequestupdates.xml")]
    assert any("erase" in t["description"][0] for t in told)
    assert any(t["service_request_id"] == [kept.sendings.get().external_id] for t in told)
