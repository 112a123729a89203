"""Service requests (cases), their append-only events, followers, photos, and how a council
works them (routing rules, response templates, closure reasons): one module per part,
all importable from here. Nothing outside ``cases`` uses their managers
(``tests/test_architecture.py``)."""

from onecouncil.cases.models.case import (
    CLOSED_STATUSES,
    DEFAULT_CLOSURE_REASONS,
    DEFAULT_DUE_SOON_WORKING_DAYS,
    OPEN_STATUSES,
    STATUS_EXPLANATION,
    Case,
    CaseQuerySet,
    Channel,
    ClosureReason,
    Open311Closure,
    Status,
    due_soon_q,
    overdue_q,
    status_display,
)
from onecouncil.cases.models.config import (
    PERSONAL_PLACEHOLDERS,
    PLACEHOLDER,
    PUBLIC_PLACEHOLDERS,
    ResponseTemplate,
    RoutingRule,
    TemplateUse,
    template_fill,
    template_placeholders,
)
from onecouncil.cases.models.events import (
    CaseEvent,
    EventKind,
)
from onecouncil.cases.models.people import (
    ChangeReport,
    Follower,
    FollowerQuerySet,
)
from onecouncil.cases.models.people import new_token as _new_token
from onecouncil.cases.models.photos import (
    Photo,
    photo_path,
)

# Migrations name these callables by this module's path: keep it theirs.
_new_token.__module__ = __name__
photo_path.__module__ = __name__

__all__ = [
    "CLOSED_STATUSES",
    "DEFAULT_CLOSURE_REASONS",
    "DEFAULT_DUE_SOON_WORKING_DAYS",
    "OPEN_STATUSES",
    "PERSONAL_PLACEHOLDERS",
    "PLACEHOLDER",
    "PUBLIC_PLACEHOLDERS",
    "STATUS_EXPLANATION",
    "Case",
    "CaseEvent",
    "CaseQuerySet",
    "ChangeReport",
    "Channel",
    "ClosureReason",
    "EventKind",
    "Follower",
    "FollowerQuerySet",
    "Open311Closure",
    "Photo",
    "ResponseTemplate",
    "RoutingRule",
    "Status",
    "TemplateUse",
    "due_soon_q",
    "overdue_q",
    "photo_path",
    "status_display",
    "template_fill",
    "template_placeholders",
]
