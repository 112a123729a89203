"""Delivery backends behind one interface. Errors say whether trying again may help."""

from __future__ import annotations

from email.utils import formataddr, parseaddr
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from onecouncil.notify.models import Notification


class TransientError(Exception):
    """Sending failed in a way that may succeed later (network, rate limit, 5xx)."""


class PermanentError(Exception):
    """Sending can never succeed (bad address, rejected content)."""


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
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=body,
            from_email=from_email,
            to=[notification.recipient],
            headers={"X-OneCouncil-Notification": str(notification.pk)},
        )
        try:
            with get_connection() as connection:
                connection.send_messages([message])
        except (OSError, TimeoutError) as exc:
            raise TransientError(str(exc)) from exc
        except ValueError as exc:
            raise PermanentError(str(exc)) from exc
        return f"email-{notification.pk}"


def backend_for(notification: Notification) -> Backend:
    if notification.channel == "email":
        return DjangoEmailBackend()
    raise PermanentError(f"No backend configured for {notification.channel} messages.")
