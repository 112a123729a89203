"""Staff's read of where a request was sent on: sendon's own read shape."""

from __future__ import annotations

from onecouncil.cases.access import ensure_case_for_staff
from onecouncil.cases.models import Case
from onecouncil.core.models import Membership
from onecouncil.sendon.models import Sending


def sendings_for_staff(*, membership: Membership, case: Case) -> list[Sending]:
    """Where the request was sent on, with the system's references: no personal data.
    The case was read through the staff door; a case of another council is refused."""
    ensure_case_for_staff(membership=membership, case=case)
    return list(Sending.objects.filter(case=case).select_related("backend"))
