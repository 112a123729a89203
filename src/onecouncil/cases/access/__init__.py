"""The one door for reads of cases, events, followers and photos, on behalf of a person or
a client, from any interface (staff pages, the resident's pages, the APIs) or adapter.

Interfaces and adapters import this package, never its modules (import-linter refuses
``onecouncil.cases.access.<module>`` from outside ``cases``). Each function takes what
identifies the reader: a staff ``Membership``, a resident's ``Account``, a private-link
token, or, for public reads, only the ``Council``. When the reader may not see the thing
it raises ``CaseNotFound`` (or returns ``None`` where the caller asks "is there one?"),
so a refusal and an absence look the same, in the manner of Zulip's ``access_*``
functions. Nothing outside ``cases`` touches the models' managers
(``tests/test_architecture.py`` fails if anything does).

- ``public``: anyone, with the council (tracking pages, Open311 feeds, report once).
- ``reporter``: the person who made a request (private link, account, rating link).
- ``staff``: staff and staff-role API clients (tenancy, role and ward limits).
- ``queue``: the staff queue's filters, counts and due-date clock.
- ``internal``: scoped querysets for adapters and workers that read in bulk; each adapter
  owns the shape it builds from them (``insight.rows``, ``opendata.rows``,
  ``alerts.reports``, ``backoffice.duplicates``, ``frontdoor.reports_near``).
- ``near``: the one geometric query, narrowing a scope already chosen by a door.
"""

from onecouncil.cases.access.errors import CaseNotFound
from onecouncil.cases.access.internal import (
    closure_code_for_open311,
    personal_values_of_requests,
    photo_of_cases,
    photos_of_case,
    reopen_counts,
    requests_awaiting_triage,
    requests_for_training,
    requests_in_id_order,
    requests_made_between,
)
from onecouncil.cases.access.near import Nearby, recent_near
from onecouncil.cases.access.public import (
    access_case_public,
    access_photo_public,
    case_for_public,
    closure_statuses,
    nearby_open_requests,
    public_cases,
    public_events_of,
    public_photos,
    public_places_near,
    public_updates,
    services_placed_publicly,
)
from onecouncil.cases.access.queue import (
    Clock,
    QueueFilters,
    assigned_open,
    clock_for,
    queue_counts,
    staff_queue,
)
from onecouncil.cases.access.reporter import (
    access_case_for_account,
    access_case_for_rating,
    access_case_for_reporter,
    access_photo_for_account,
    case_by_submission_key,
    case_for_reporter,
    case_made_by_account,
    case_submitted_here,
    cases_for_account,
    change_report_for_account,
    claimable_cases,
    is_following,
    photo_for_draft,
    photo_for_reporter,
    photos_for_draft,
)
from onecouncil.cases.access.staff import (
    DuplicateCandidates,
    ReceivedCase,
    access_case_for_staff,
    access_received_case_for_staff,
    account_for_staff,
    account_history,
    awaiting_triage_for_staff,
    case_events_for_staff,
    case_followers_for_staff,
    case_for_staff,
    case_photos_for_staff,
    case_search,
    cases_for_staff,
    cases_listed_for_staff,
    changes_for_audit,
    duplicate_candidates_for_staff,
    ensure_case_for_staff,
    latest_event_for_staff,
    may_see_personal_data,
    may_see_personal_data_any,
    other_requests_of,
    photo_for_staff,
    received_cases,
    requests_about_asset_for_staff,
    require,
    response_template_for_staff,
    response_templates_for_staff,
    staff_membership,
)

__all__ = [
    "CaseNotFound",
    "Clock",
    "DuplicateCandidates",
    "Nearby",
    "QueueFilters",
    "ReceivedCase",
    "access_case_for_account",
    "access_case_for_rating",
    "access_case_for_reporter",
    "access_case_for_staff",
    "access_case_public",
    "access_photo_for_account",
    "access_photo_public",
    "access_received_case_for_staff",
    "account_for_staff",
    "account_history",
    "assigned_open",
    "awaiting_triage_for_staff",
    "case_by_submission_key",
    "case_events_for_staff",
    "case_followers_for_staff",
    "case_for_public",
    "case_for_reporter",
    "case_for_staff",
    "case_made_by_account",
    "case_photos_for_staff",
    "case_search",
    "case_submitted_here",
    "cases_for_account",
    "cases_for_staff",
    "cases_listed_for_staff",
    "change_report_for_account",
    "changes_for_audit",
    "claimable_cases",
    "clock_for",
    "closure_code_for_open311",
    "closure_statuses",
    "duplicate_candidates_for_staff",
    "ensure_case_for_staff",
    "is_following",
    "latest_event_for_staff",
    "may_see_personal_data",
    "may_see_personal_data_any",
    "nearby_open_requests",
    "other_requests_of",
    "personal_values_of_requests",
    "photo_for_draft",
    "photo_for_reporter",
    "photo_for_staff",
    "photo_of_cases",
    "photos_for_draft",
    "photos_of_case",
    "public_cases",
    "public_events_of",
    "public_photos",
    "public_places_near",
    "public_updates",
    "queue_counts",
    "received_cases",
    "recent_near",
    "reopen_counts",
    "requests_about_asset_for_staff",
    "requests_awaiting_triage",
    "requests_for_training",
    "requests_in_id_order",
    "requests_made_between",
    "require",
    "response_template_for_staff",
    "response_templates_for_staff",
    "services_placed_publicly",
    "staff_membership",
    "staff_queue",
]
