"""Every outbound call, GOV.UK Notify's included, leaves through the one egress door: the
name is resolved once, the address checked is the one connected to, and no redirect is
followed. A name re-pointed at the council's own network between the check (when the
address is saved) and the send receives nothing: no key, no resident's details."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from onecouncil.core.egress import EgressRefused, address_allowed, destination_check
from onecouncil.notify.models import GovukNotifySettings, Notification, Status
from onecouncil.notify.services import outbox_process
from tests.notify.test_govuk_notify import API_KEY, EMAIL_TEMPLATE, enqueue

PUBLIC = "93.184.216.34"


class Listener(BaseHTTPRequestHandler):
    posts: list[str] = []
    answer = 201

    def do_POST(self):
        Listener.posts.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(Listener.answer)
        if Listener.answer in (301, 302, 307):
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "x"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    Listener.posts = []
    Listener.answer = 201
    server = ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture
def repointed(monkeypatch):
    """notify.example resolves to a public address, until ``repointed.to_loopback()``."""
    real = socket.getaddrinfo
    state = {"address": PUBLIC}

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "notify.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (state["address"], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return state


def test_a_name_repointed_at_loopback_after_the_check_receives_nothing(
    council, settings, listener, repointed
):
    settings.EGRESS_ALLOWED_NETWORKS = []
    account = GovukNotifySettings(
        council=council,
        enabled=True,
        api_key=API_KEY,
        base_url=f"http://notify.example:{listener.server_port}",
        template_ids={"case_update_email": EMAIL_TEMPLATE},
    )
    account.full_clean()  # checked when saved: a public address then
    account.save()
    repointed["address"] = "127.0.0.1"
    sent = enqueue(council, "email", "sam@example.com")
    outbox_process()
    sent.refresh_from_db()
    assert Listener.posts == []
    assert sent.status == Status.FAILED and "refused" in sent.last_error


def test_notify_follows_no_redirect(council, listener):
    Listener.answer = 302
    GovukNotifySettings.objects.create(
        council=council,
        enabled=True,
        api_key=API_KEY,
        base_url=f"http://127.0.0.1:{listener.server_port}",
        template_ids={"case_update_email": EMAIL_TEMPLATE},
    )
    sent = enqueue(council, "email", "sam@example.com")
    outbox_process()
    sent.refresh_from_db()
    assert Listener.posts == ["/v2/notifications/email"]  # once, never to the Location
    assert sent.status == Status.FAILED and "redirect" in sent.last_error
    assert Notification.objects.count() == 1


@pytest.mark.parametrize(
    "address",
    [
        "100.64.0.1",  # carrier-grade NAT
        "100.100.100.200",  # a cloud metadata address inside it
        "169.254.169.254",
        "10.0.0.1",
        "127.0.0.1",
        "0.0.0.0",  # noqa: S104 - an address to refuse, not to bind
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::127.0.0.1",  # IPv4-compatible
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64 of 10.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo
    ],
)
def test_every_non_global_address_is_refused(settings, address):
    settings.EGRESS_ALLOWED_NETWORKS = []
    assert not address_allowed(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_are_allowed(settings, address):
    settings.EGRESS_ALLOWED_NETWORKS = []
    assert address_allowed(address)


def test_a_name_resolving_to_a_refused_address_is_refused(settings, repointed):
    settings.EGRESS_ALLOWED_NETWORKS = []
    repointed["address"] = "100.100.100.200"
    with pytest.raises(EgressRefused, match="private or local"):
        destination_check("https://notify.example/v2")
