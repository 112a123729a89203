"""What the REST API reads and writes (documented in the committed OpenAPI file)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, field_validator

StatusName = Literal[
    "received",
    "in_progress",
    "action_scheduled",
    "awaiting_resident",
    "fixed",
    "closed",
    "reopened",
]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class InputSchema(Schema):
    """A request body: text may hold any character but NUL, which no database keeps.
    Types are strict: a number is not taken for text or a yes/no, nor text for a
    number (422, naming the field)."""

    model_config = ConfigDict(strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("Text must not contain the NUL character (\\u0000)")
        return data


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


class ContactOut(Schema):
    name: str
    email: str
    phone: str
    anonymous: bool


class EventOut(Schema):
    id: int
    kind: str
    public: bool
    status: str
    message: str
    actor: str
    created_at: dt.datetime


class RequestOut(Schema):
    reference: str
    service_code: str
    service_name: str
    status: str
    open: bool
    closure_reason: str | None
    channel: str
    created_at: dt.datetime
    updated_at: dt.datetime
    due_at: dt.datetime | None
    team: str | None
    assignee: str | None
    street: str
    ward: str | None
    postcode: str
    uprn: int | None
    latitude: float | None
    longitude: float | None
    asset: str | None = Field(None, description="The council's identifier of the asset.")
    description: str
    answers: dict[str, Any]
    contact: ContactOut | None = Field(
        None, description="Only for keys whose role may see personal data."
    )


class RequestDetail(RequestOut):
    events: list[EventOut]


class RequestPage(Schema):
    items: list[RequestOut]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last page."
    )


class LocationIn(InputSchema):
    uprn: int | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    street: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=500)
    asset: str = Field(
        default="",
        max_length=60,
        description="The identifier of one of the council's assets (a street light's "
        "number, say): the request records it, at its place unless another is given.",
    )


class ContactIn(InputSchema):
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    anonymous: bool = False
    updates_by_sms: bool = False


class CreateIn(InputSchema):
    service_code: str = Field(min_length=1, max_length=60)
    answers: dict[str, Any] = Field(default_factory=dict)
    location: LocationIn = Field(default_factory=lambda: LocationIn())
    contact: ContactIn = Field(default_factory=lambda: ContactIn())
    description: str = Field(default="", max_length=4000)


class StatusIn(InputSchema):
    status: StatusName
    closure_reason: str = Field(default="", max_length=40)
    message: str = Field(default="", max_length=2000)


class UpdateIn(InputSchema):
    message: str = Field(min_length=1, max_length=4000)
    public: bool = Field(default=True, description="False for an internal note staff only see.")


class AssignIn(InputSchema):
    assignee: str | None = Field(
        None, max_length=150, description="A member of staff's username; null to unassign."
    )
