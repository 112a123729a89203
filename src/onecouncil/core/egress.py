"""The one door for outbound HTTP to addresses a council's administrator typed (webhooks,
and requests sent on to the council's other systems).

An administrator's URL must not become a way into the council's own network (server-side
request forgery), so ``egress_post``:

- resolves the host name and refuses every address that is not global by the
  ``ipaddress`` module's classification (loopback, private, link-local, carrier-grade
  NAT, multicast, reserved), and the IPv4 address inside IPv6 transition forms (6to4,
  Teredo, NAT64, IPv4-mapped and -compatible), unless the operator allows a network in
  ``EGRESS_ALLOWED_NETWORKS`` (a council's own systems may live on a private range; the
  tests allow 127.0.0.0/8);
- connects to the very address it checked (no second lookup an attacker's DNS could
  answer differently), with TLS checked against the host name;
- follows no redirects: a 3xx is an answer like any other;
- ``egress_post`` hands back the status code and nothing of the body, so nobody can
  read an internal service's response through a webhook delivery record;
  ``egress_request`` hands back at most ``max_bytes`` of the body too, for the systems
  whose answers are the point (an Open311 back end's reference for a request).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class EgressRefused(ValueError):
    """The destination is not one OneCouncil may send to."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    path: str
    address: str


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.EGRESS_ALLOWED_NETWORKS]


# IPv6 forms that carry an IPv4 address inside them: NAT64 (RFC 6052 and the local-use
# prefix of RFC 8215) and the deprecated IPv4-compatible form. 6to4, Teredo and IPv4-mapped
# addresses are read by the ``ipaddress`` module itself.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 transition form leads to."""
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if address.teredo is not None:
        found += list(address.teredo)
    if any(address in net for net in _NAT64) or address in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def _is_public(address: IpAddress) -> bool:
    """Whether ``address`` is on the public internet by the ``ipaddress`` module's own
    classification (``is_global``: not private, loopback, link-local, carrier-grade NAT's
    100.64.0.0/10 and the rest), and so is every IPv4 address it carries inside it."""
    candidates: list[IpAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        candidates += _embedded_ipv4(address)
    return all(
        a.is_global and not (a.is_multicast or a.is_reserved or a.is_unspecified)
        for a in candidates
    )


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return _is_public(ip) or any(ip in network for network in _allowed_networks())


def destination_check(url: str) -> Destination:
    """Where ``url`` leads, after checking every address its host resolves to."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise EgressRefused("The address must start with https:// or http:// and name a host")
    if parts.username or parts.password:
        raise EgressRefused("The address may not carry a user name or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise EgressRefused("The address has a port that is not a number") from None
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise EgressRefused(f"The host {parts.hostname} could not be found") from None
    addresses = sorted({str(info[4][0]) for info in found})
    refused = [a for a in addresses if not address_allowed(a)]
    if refused or not addresses:
        raise EgressRefused(
            f"{parts.hostname} is on a private or local network ({', '.join(refused)}); "
            "an operator may allow it with EGRESS_ALLOWED_NETWORKS"
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Destination(parts.scheme, parts.hostname, port, path, addresses[0])


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate checked against the host name."""

    def __init__(self, destination: Destination, timeout: float) -> None:
        super().__init__(
            destination.host,
            destination.port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
        self._address = destination.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]  # set by HTTPSConnection.__init__


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, destination: Destination, timeout: float) -> None:
        super().__init__(destination.host, destination.port, timeout=timeout)
        self._address = destination.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


@dataclass(frozen=True)
class EgressResponse:
    status: int
    body: bytes
    content_type: str


def egress_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str],
    timeout: float,
    max_bytes: int = 1_000_000,
) -> EgressResponse:
    """Send a request to ``url`` through the checks above; the status it answered and up
    to ``max_bytes`` of its body. Raises ``EgressRefused`` for a forbidden destination
    and ``OSError`` when it cannot be reached, does not answer in time, or does not
    answer HTTP."""
    destination = destination_check(url)
    connection: http.client.HTTPConnection
    if destination.scheme == "https":
        connection = _PinnedHTTPSConnection(destination, timeout)
    else:
        connection = _PinnedHTTPConnection(destination, timeout)
    try:
        connection.request(method, destination.path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read(max_bytes) if max_bytes else b""
        return EgressResponse(
            response.status, content, response.getheader("Content-Type", "") or ""
        )
    except http.client.HTTPException as exc:
        raise OSError(f"The receiver's answer was not HTTP: {exc}") from exc
    finally:
        connection.close()


def egress_post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST ``body`` to ``url`` through the checks above; the status code it answered,
    and nothing of the body."""
    return egress_request(
        "POST", url, body=body, headers=headers, timeout=timeout, max_bytes=0
    ).status
