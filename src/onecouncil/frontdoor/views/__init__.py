"""Resident web pages, one module per part of the journey; shared helpers in
``frontdoor.http``. The URLconf names views through this package."""

from onecouncil.frontdoor.views.account_requests import (
    account_photo,
    account_reopen,
    account_request,
)
from onecouncil.frontdoor.views.digital_help import digital_help
from onecouncil.frontdoor.views.elsewhere import (
    handoff_arrive,
    report_elsewhere,
)
from onecouncil.frontdoor.views.journey import (
    report_location,
    report_questions,
)
from onecouncil.frontdoor.views.nearby import (
    report_nearby,
)
from onecouncil.frontdoor.views.own_words import (
    own_words,
    own_words_suggest,
)
from onecouncil.frontdoor.views.send import (
    draft_photo,
    report_check,
    report_contact,
    report_done,
    report_photos,
)
from onecouncil.frontdoor.views.start import (
    home,
    index,
    service_start,
    services,
)
from onecouncil.frontdoor.views.statutory import (
    accessibility_statement,
    cookies,
    privacy_notice,
)
from onecouncil.frontdoor.views.tracking import (
    private_photo,
    reopen,
    track,
    track_case,
    track_new_link,
    track_photo,
    track_private,
    track_yours,
)

__all__ = [
    "accessibility_statement",
    "account_photo",
    "account_reopen",
    "account_request",
    "cookies",
    "digital_help",
    "draft_photo",
    "handoff_arrive",
    "home",
    "index",
    "own_words",
    "own_words_suggest",
    "privacy_notice",
    "private_photo",
    "reopen",
    "report_check",
    "report_contact",
    "report_done",
    "report_elsewhere",
    "report_location",
    "report_nearby",
    "report_photos",
    "report_questions",
    "service_start",
    "services",
    "track",
    "track_case",
    "track_new_link",
    "track_photo",
    "track_private",
    "track_yours",
]
