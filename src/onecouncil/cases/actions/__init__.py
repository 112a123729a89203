"""The one writer: every change to a request, from any interface, adapter, worker or
management command, is one of these actions.

Each action is keyword-only and typed, runs in one transaction, appends the request's
events (``cases.events`` is private to this package) and queues what must be told after
commit. Staff actions check their own permission (``actions._common.authorise``), the way
Wagtail's actions do, so the staff pages, the REST API and a management command are
refused alike; the system (workers, imports) says so with ``Actor.system``. Interfaces and
adapters import this package, never its modules (import-linter refuses them).

- ``create``: a new request, from one frozen ``NewRequest`` (and change-of-details tasks).
- ``bulk``: earlier requests loaded at once, and replayed history dated.
- ``contact``: the reporter's details and private link.
- ``workflow``: assigning, status changes, reopening.
- ``messages``: public updates, messages, notes, published words, client updates.
- ``duplicates``: marking a duplicate.
- ``photos``: photos, from the resident's draft to staff's and clients'.
- ``tell_us_once``: claiming, following, and changes of details told once.
- ``geography``: a council's wards and boundary loaded, and its requests re-warded.
- ``deliveries``: what the outbox learnt about a message, on the request's timeline.
- ``notifications``: what is told to people and systems after a change.
"""

from onecouncil.cases.actions._common import (
    WorkflowError,
    may,
    permission_of,
    staff_action,
)
from onecouncil.cases.actions.bulk import (
    EarlierRequest,
    case_backdate,
    case_backdate_events,
    cases_bulk_load,
)
from onecouncil.cases.actions.contact import (
    PRIVATE_LINK_GRACE,
    case_confirm_contact,
    case_private_link_claim,
    case_private_link_resend,
    case_reporter_reachable,
    case_update_contact,
)
from onecouncil.cases.actions.create import (
    CaseCreated,
    case_create,
    case_create_change_task,
    due_at_for,
)
from onecouncil.cases.actions.duplicates import (
    case_mark_duplicate,
)
from onecouncil.cases.actions.geography import council_geography_load
from onecouncil.cases.actions.messages import (
    case_add_note,
    case_add_update,
    case_client_update,
    case_hide_description,
    case_publish_description,
    case_record_internal,
    case_send_message,
    render_template,
)
from onecouncil.cases.actions.photos import (
    DECODING,
    GPS_IFD,
    case_add_photo,
    case_show_photos,
    clean_image,
    client_photos_draft,
    photo_add,
    photo_add_placed,
    photo_remove,
    photos_hand_over,
    photos_purge_abandoned,
)
from onecouncil.cases.actions.registry import (
    SentOn,
    on_case_created,
    on_erasure_report,
)
from onecouncil.cases.actions.routing import case_change_service
from onecouncil.cases.actions.tell_us_once import (
    FOLLOWS_PER_CLIENT_HOUR,
    SystemToTell,
    case_follow,
    case_unfollow,
    cases_claim,
    change_tell,
    email_change_confirm,
    email_change_request,
    follower_by_token,
    follower_confirm,
    follower_unsubscribe,
)
from onecouncil.cases.actions.workflow import (
    case_assign,
    case_change_status,
    case_reopen_by_resident,
    cases_bulk_change,
    closure_reasons,
    may_reopen,
)

__all__ = [
    "DECODING",
    "FOLLOWS_PER_CLIENT_HOUR",
    "GPS_IFD",
    "PRIVATE_LINK_GRACE",
    "CaseCreated",
    "EarlierRequest",
    "SentOn",
    "SystemToTell",
    "WorkflowError",
    "case_add_note",
    "case_add_photo",
    "case_add_update",
    "case_assign",
    "case_backdate",
    "case_backdate_events",
    "case_change_service",
    "case_change_status",
    "case_client_update",
    "case_confirm_contact",
    "case_create",
    "case_create_change_task",
    "case_follow",
    "case_hide_description",
    "case_mark_duplicate",
    "case_private_link_claim",
    "case_private_link_resend",
    "case_publish_description",
    "case_record_internal",
    "case_reopen_by_resident",
    "case_reporter_reachable",
    "case_send_message",
    "case_show_photos",
    "case_unfollow",
    "case_update_contact",
    "cases_bulk_change",
    "cases_bulk_load",
    "cases_claim",
    "change_tell",
    "clean_image",
    "client_photos_draft",
    "closure_reasons",
    "council_geography_load",
    "due_at_for",
    "email_change_confirm",
    "email_change_request",
    "follower_by_token",
    "follower_confirm",
    "follower_unsubscribe",
    "may",
    "may_reopen",
    "on_case_created",
    "on_erasure_report",
    "permission_of",
    "photo_add",
    "photo_add_placed",
    "photo_remove",
    "photos_hand_over",
    "photos_purge_abandoned",
    "render_template",
    "staff_action",
]
