"""Delivery backends behind one interface. Errors say whether trying again may help.

- ``DjangoEmailBackend``: email through Django's email backend (SMTP in production, a
  folder in the demo). The default.
- ``GovukNotifyBackend``: email and SMS through GOV.UK Notify with the official
  ``notifications-python-client``, a template id per message type from the council's
  ``GovukNotifySettings``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.utils import formataddr, parseaddr
from typing import Any, Protocol
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from onecouncil.core.egress import EgressRefused, egress_request
from onecouncil.notify.models import Channel, GovukNotifySettings, Notification


class TransientError(Exception):
    """Sending failed in a way that may succeed later (network, rate limit, 5xx)."""


class PermanentError(Exception):
    """Sending can never succeed (bad address, rejected content, nothing configured)."""


class Backend(Protocol):
    def send(self, notification: Notification) -> str:
        """Send and return the provider's reference; raise TransientError/PermanentError."""
        ...


class DjangoEmailBackend:
    """Email through Django's configured email backend (SMTP in production)."""

    def send(self, notification: Notification) -> str:
        template = f"notify/email/{notification.kind}"
        with translation.override(notification.language):
            subject = render_to_string(f"{template}_subject.txt", notification.context).strip()
            body = render_to_string(f"{template}.txt", notification.context)
        # The council's name as the sender, at the deployment's sending address.
        _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        from_email = formataddr((notification.context.get("council_name") or _name, address))
        headers = {
            "X-OneCouncil-Notification": str(notification.pk),
            "Message-ID": message_id_of(notification, address),
        }
        stop = notification.context.get("unsubscribe_url")
        if stop:
            # One-click unsubscribe (RFC 8058): mail programs offer "Unsubscribe" and POST
            # to the link, which stops the emails without a page to read.
            headers["List-Unsubscribe"] = f"<{stop}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=body,
            from_email=from_email,
            to=[notification.recipient],
            headers=headers,
        )
        try:
            with get_connection() as connection:
                connection.send_messages([message])
        except (OSError, TimeoutError) as exc:
            raise TransientError(str(exc)) from exc
        except ValueError as exc:
            raise PermanentError(str(exc)) from exc
        return f"email-{notification.pk}"


def message_id_of(notification: Notification, sending_address: str) -> str:
    """Our email's Message-ID: a reply names it in ``In-Reply-To``, and the inbox finds
    which request it answers (``reference_replied_to``)."""
    domain = sending_address.rpartition("@")[2] or "onecouncil.invalid"
    return f"<notification-{notification.pk}.{notification.council_id}@{domain}>"


_OUR_MESSAGE_ID = re.compile(r"^<notification-(\d{1,18})\.(\d{1,18})@[^<>@\s]+>$")


def reference_replied_to(*, council_id: int, message_ids: Sequence[str]) -> str:
    """The reference of the request our email (among ``message_ids``, from a reply's
    ``In-Reply-To`` and ``References``) was about, or "" when none is ours."""
    for message_id in message_ids:
        ours = _OUR_MESSAGE_ID.match(message_id.strip())
        if ours is None or int(ours.group(2)) != council_id:
            continue
        reference = (
            Notification.objects.filter(pk=int(ours.group(1)), council_id=council_id)
            .values_list("subject_reference", flat=True)
            .first()
        )
        if reference:
            return reference
    return ""


class _EgressNotifyClient(NotificationsAPIClient):
    """GOV.UK Notify's own client, its every call leaving through the one egress door
    (``core.egress``): the address is resolved once, checked, connected to as checked,
    and no redirect is followed. Its ``requests`` session is never used."""

    def _perform_request(self, method: str, url: str, kwargs: dict[str, Any]) -> Any:
        data = kwargs.get("data")
        if kwargs.get("params"):
            url += "?" + urlencode(kwargs["params"], doseq=True)
        try:
            answered = egress_request(
                method,
                url,
                body=data.encode() if isinstance(data, str) else data,
                headers=kwargs["headers"],
                timeout=kwargs["timeout"],
            )
        except EgressRefused as exc:
            raise PermanentError(f"GOV.UK Notify's address is refused: {exc}") from exc
        except OSError as exc:
            raise TransientError(f"GOV.UK Notify could not be reached: {exc}") from exc
        if 300 <= answered.status < 400:
            raise PermanentError(
                f"GOV.UK Notify's address answered a redirect ({answered.status}), which is "
                "never followed: check the address in the council's Notify settings"
            )
        response = requests.Response()
        response.status_code = answered.status
        response._content = answered.body
        response.headers["Content-Type"] = answered.content_type
        response.url = url
        try:
            response.raise_for_status()
        except requests.RequestException as exc:
            raise HTTPError.create(exc) from exc
        return response


class GovukNotifyBackend:
    def __init__(self, account: GovukNotifySettings) -> None:
        self.account = account

    def send(self, notification: Notification) -> str:
        key = f"{notification.kind}_{notification.channel}"
        template_id = self.account.template_ids.get(key)
        if not template_id:
            raise PermanentError(f"No GOV.UK Notify template is set for {key}.")
        client = _EgressNotifyClient(
            self.account.api_key, base_url=self.account.base_url, timeout=20
        )
        personalisation = {k: "" if v is None else str(v) for k, v in notification.context.items()}
        try:
            if notification.channel == Channel.EMAIL:
                response = client.send_email_notification(
                    email_address=notification.recipient,
                    template_id=template_id,
                    personalisation=personalisation,
                    reference=f"onecouncil-{notification.pk}",
                )
            else:
                response = client.send_sms_notification(
                    phone_number=notification.recipient,
                    template_id=template_id,
                    personalisation=personalisation,
                    reference=f"onecouncil-{notification.pk}",
                )
        except HTTPError as exc:
            if exc.status_code in (400, 403):
                raise PermanentError(f"GOV.UK Notify refused it: {exc}") from exc
            raise TransientError(f"GOV.UK Notify: {exc}") from exc
        return str(response["id"])


def backend_for(notification: Notification) -> Backend:
    account = GovukNotifySettings.objects.filter(
        council_id=notification.council_id, enabled=True
    ).first()
    if account is not None:
        return GovukNotifyBackend(account)
    if notification.channel == Channel.EMAIL:
        return DjangoEmailBackend()
    raise PermanentError(
        "Text messages need GOV.UK Notify: set it up for this council in the staff admin."
    )
