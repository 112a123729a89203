"""What the catalogue tells other apps, without knowing them.

``visibility_changed`` is sent once a changed service's visibility has been saved, with
``service`` and ``before`` (the visibility it had). Receivers answer with notices (a
list of sentences) for whoever made the change; ``visibility_notices`` collects them, so
that the staff admin and the import command show them the same way.
"""

from __future__ import annotations

from django.dispatch import Signal

from onecouncil.catalogue.models import Service

visibility_changed = Signal()


def visibility_notices(service: Service, before: str) -> list[str]:
    """Send ``visibility_changed`` and gather what the receivers ask to be said."""
    notices: list[str] = []
    answers = visibility_changed.send(sender=Service, service=service, before=before)
    for _receiver, answer in answers:
        notices.extend(answer or [])
    return notices
