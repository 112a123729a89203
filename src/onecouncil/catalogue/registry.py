"""What the catalogue tells other apps, without knowing them: a registry, not a Django
signal (explicit calls; ADR 0007).

``on_visibility_changed(listener)``: a listener is called once a changed service's
visibility has been saved, with ``service`` and ``before`` (the visibility it had), and
answers with notices (a list of sentences) for whoever made the change;
``visibility_notices`` calls them all and gathers the notices, so that the staff admin and
the import command show them the same way. Listeners register in their app's ``ready()``.
"""

from __future__ import annotations

from collections.abc import Callable

from onecouncil.catalogue.models import Service

VisibilityListener = Callable[..., list[str]]

_visibility: list[VisibilityListener] = []


def on_visibility_changed(listener: VisibilityListener) -> VisibilityListener:
    if listener not in _visibility:
        _visibility.append(listener)
    return listener


def visibility_notices(service: Service, before: str) -> list[str]:
    """Tell every listener, and gather what they ask to be said."""
    notices: list[str] = []
    for listener in _visibility:
        notices.extend(listener(service=service, before=before) or [])
    return notices
