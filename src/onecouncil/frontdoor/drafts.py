"""A half-filled report kept in the resident's session, so it survives a reload."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

SESSION_KEY = "report_drafts"
SUBMITTED_KEY = "report_submitted"


def draft_key(council_id: int, service_code: str) -> str:
    """Drafts are per council and service: councils served under one address share the
    session, and two of them may both have a ``pothole`` service."""
    return f"{council_id}:{service_code}"


class Draft:
    def __init__(self, session: SessionBase, council_id: int, service_code: str) -> None:
        self.session = session
        self.service_code = draft_key(council_id, service_code)
        drafts: dict[str, dict[str, Any]] = session.setdefault(SESSION_KEY, {})
        if self.service_code not in drafts:
            drafts[self.service_code] = {
                "key": str(uuid.uuid4()),
                "answers": {},
                "location": {},
                "contact": {},
                "done": [],
                "started": timezone.now().isoformat(),
            }
            session.modified = True
        self.data = drafts[self.service_code]

    @property
    def key(self) -> uuid.UUID:
        return uuid.UUID(self.data["key"])

    def get(self, part: str) -> dict[str, Any]:
        value: dict[str, Any] = self.data[part]
        return value

    def put(self, part: str, value: dict[str, Any], *, step: str) -> None:
        self.data[part] = value
        if step not in self.data["done"]:
            self.data["done"].append(step)
        self.session.modified = True

    def mark_done(self, step: str) -> None:
        if step not in self.data["done"]:
            self.data["done"].append(step)
            self.session.modified = True

    def is_done(self, step: str) -> bool:
        return step in self.data["done"]

    def discard(self) -> None:
        self.session.get(SESSION_KEY, {}).pop(self.service_code, None)
        self.session.modified = True


def draft_exists(session: SessionBase, council_id: int, service_code: str) -> bool:
    return draft_key(council_id, service_code) in session.get(SESSION_KEY, {})


def draft_restore(
    session: SessionBase, council_id: int, service_code: str, data: dict[str, Any]
) -> None:
    """Put a saved or handed-over draft back in the session, replacing any there."""
    session.setdefault(SESSION_KEY, {})[draft_key(council_id, service_code)] = data
    session.modified = True


def remember_submission(session: SessionBase, reference: str, private_token: str | None) -> None:
    submitted: dict[str, str] = session.setdefault(SUBMITTED_KEY, {})
    if reference not in submitted or private_token:
        submitted[reference] = private_token or submitted.get(reference, "")
    session.modified = True


def submitted_token(session: SessionBase, reference: str) -> str | None:
    submitted: dict[str, str] = session.get(SUBMITTED_KEY, {})
    return submitted.get(reference)
