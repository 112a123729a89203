"""Staff web pages, one module per area of work; shared gate and helpers in
``backoffice.http``. The URLconf names views through this package."""

from onecouncil.backoffice.views.actions import (
    case_assign_view,
    case_duplicate_view,
    case_note_view,
    case_photo_add,
    case_photos_public_view,
    case_publish_description_view,
    case_send_again_view,
    case_service_view,
    case_status_view,
    case_take_back_view,
    case_update_view,
)
from onecouncil.backoffice.views.assets import asset_layer_view, asset_view
from onecouncil.backoffice.views.assisted import (
    assisted_made,
    assisted_report,
    assisted_start,
)
from onecouncil.backoffice.views.audit import (
    audit,
)
from onecouncil.backoffice.views.auth import (
    home,
    signin,
    signout,
)
from onecouncil.backoffice.views.case import (
    case_photo,
    case_view,
    resident,
)
from onecouncil.backoffice.views.inbox import (
    inbox_attachment,
    inbox_message_raw,
    inbox_release,
    inbox_set_aside,
)
from onecouncil.backoffice.views.linkage import (
    linkage_model,
    linkage_review,
    linkage_source,
    linkage_sources,
    person_split_view,
    single_view,
    single_view_of_request,
)
from onecouncil.backoffice.views.people import (
    people,
    people_invite,
    people_reset_two_factor,
    welcome,
)
from onecouncil.backoffice.views.privacy import (
    case_legal_hold_view,
    privacy,
    privacy_erase,
    privacy_export,
    privacy_record,
)
from onecouncil.backoffice.views.queue import (
    bulk,
    export_csv,
    queue,
    received,
    received_case,
    search,
)
from onecouncil.backoffice.views.triage import (
    triage_model,
    triage_queue,
    triage_route,
)

__all__ = [
    "asset_layer_view",
    "asset_view",
    "assisted_made",
    "assisted_report",
    "assisted_start",
    "audit",
    "bulk",
    "case_assign_view",
    "case_duplicate_view",
    "case_legal_hold_view",
    "case_note_view",
    "case_photo",
    "case_photo_add",
    "case_photos_public_view",
    "case_publish_description_view",
    "case_send_again_view",
    "case_service_view",
    "case_status_view",
    "case_take_back_view",
    "case_update_view",
    "case_view",
    "export_csv",
    "home",
    "inbox_attachment",
    "inbox_message_raw",
    "inbox_release",
    "inbox_set_aside",
    "linkage_model",
    "linkage_review",
    "linkage_source",
    "linkage_sources",
    "people",
    "people_invite",
    "people_reset_two_factor",
    "person_split_view",
    "privacy",
    "privacy_erase",
    "privacy_export",
    "privacy_record",
    "queue",
    "received",
    "received_case",
    "resident",
    "search",
    "signin",
    "signout",
    "single_view",
    "single_view_of_request",
    "triage_model",
    "triage_queue",
    "triage_route",
    "welcome",
]
