"""The resident account pages, one module per part; shared helpers in ``common``. The
URLconf names views through this package."""

from onecouncil.frontdoor.account_views.changes import (
    change,
    change_done,
    change_email,
)
from onecouncil.frontdoor.account_views.drafts import (
    draft_retention_days,
    resume_draft,
)
from onecouncil.frontdoor.account_views.follow import (
    follow,
    follow_confirm,
    stop_following,
    unfollow,
)
from onecouncil.frontdoor.account_views.profile import (
    account_deleted,
    account_home,
    alert_stop,
    claim,
    delete,
    password,
    profile,
)
from onecouncil.frontdoor.account_views.signin import (
    check_email,
    sign_in_link,
    sign_in_view,
    sign_out_everywhere,
    sign_out_view,
    sign_up,
    verify,
)

__all__ = [
    "account_deleted",
    "account_home",
    "alert_stop",
    "change",
    "change_done",
    "change_email",
    "check_email",
    "claim",
    "delete",
    "draft_retention_days",
    "follow",
    "follow_confirm",
    "password",
    "profile",
    "resume_draft",
    "sign_in_link",
    "sign_in_view",
    "sign_out_everywhere",
    "sign_out_view",
    "sign_up",
    "stop_following",
    "unfollow",
    "verify",
]
