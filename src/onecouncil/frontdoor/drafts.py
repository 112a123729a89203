"""A half-filled report kept in the resident's session, so it survives a reload."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

SESSION_KEY = "report_drafts"
SUBMITTED_KEY = "report_submitted"


class Draft:
    def __init__(self, session: SessionBase, service_code: str) -> None:
        self.session = session
        self.service_code = service_code
        drafts: dict[str, dict[str, Any]] = session.setdefault(SESSION_KEY, {})
        if service_code not in drafts:
            drafts[service_code] = {
                "key": str(uuid.uuid4()),
                "answers": {},
                "location": {},
                "contact": {},
                "done": [],
                "started": timezone.now().isoformat(),
            }
            session.modified = True
        self.data = drafts[service_code]

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


def draft_exists(session: SessionBase, service_code: str) -> bool:
    return service_code in session.get(SESSION_KEY, {})


def remember_submission(session: SessionBase, reference: str, private_token: str | None) -> None:
    submitted: dict[str, str] = session.setdefault(SUBMITTED_KEY, {})
    if reference not in submitted or private_token:
        submitted[reference] = private_token or submitted.get(reference, "")
    session.modified = True


def submitted_token(session: SessionBase, reference: str) -> str | None:
    submitted: dict[str, str] = session.get(SUBMITTED_KEY, {})
    return submitted.get(reference)
