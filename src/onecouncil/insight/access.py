"""Who sees which figures: the one door every dashboard and download goes through.

Staff reads of requests are scoped by ``cases.staff``; insight has its own door because
it reads the analytics store, not the case tables, but follows the same roles:
administrators see the whole council; service managers the services routed to their teams;
team leaders their teams' requests; councillors their wards, as aggregates only, with
small counts withheld (``insight.suppression``). Nobody else sees insight at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from onecouncil.cases.access import require
from onecouncil.cases.routing import services_routed_to
from onecouncil.core.models import Membership, Role
from onecouncil.core.permissions import Permission
from onecouncil.insight.models import settings_for


@dataclass(frozen=True)
class Scope:
    council_id: int
    service_ids: frozenset[int] | None = None  # None: every service
    team_ids: frozenset[int] | None = None
    ward_codes: frozenset[str] | None = None
    # Councillors: small counts withheld (private services' rows, and any row that
    # mixes services); never a resident's details or comments.
    suppress_below: int | None = None
    describes: str = ""

    @property
    def sees_everything(self) -> bool:
        """The whole council, nothing withheld: administrators."""
        return (
            self.service_ids is None
            and self.team_ids is None
            and self.ward_codes is None
            and self.suppress_below is None
        )

    def where(self) -> tuple[str, list[Any]]:
        """The scope as SQL over the store's ``requests`` (one council's already)."""
        parts: list[str] = []
        params: list[Any] = []
        for column, values in (
            ("service_id", self.service_ids),
            ("team_id", self.team_ids),
            ("ward_code", self.ward_codes),
        ):
            if values is None:
                continue
            if not values:
                parts.append("FALSE")
                continue
            parts.append(f"{column} IN ({', '.join('?' for _v in values)})")
            params.extend(sorted(values))
        return (" AND ".join(parts) or "TRUE"), params


def insight_scope(membership: Membership | None) -> Scope:
    """What this member of staff may see of the council's insight; ``PermissionDenied``
    for anyone whose role has none."""
    membership = require(membership, Permission.VIEW_INSIGHT)
    council_id = membership.council_id
    team_ids = {team.pk for team in membership.teams.all()}
    if membership.role == Role.ADMINISTRATOR:
        return Scope(council_id=council_id, describes=str(_("All the council's requests")))
    if membership.role == Role.SERVICE_MANAGER:
        return Scope(
            council_id=council_id,
            service_ids=frozenset(services_routed_to(council_id=council_id, team_ids=team_ids)),
            describes=str(_("Requests for the services routed to your teams")),
        )
    if membership.role == Role.TEAM_LEADER:
        return Scope(
            council_id=council_id,
            team_ids=frozenset(team_ids),
            describes=str(_("Requests sent to your teams")),
        )
    if membership.role == Role.COUNCILLOR:
        return Scope(
            council_id=council_id,
            ward_codes=frozenset(membership.ward_codes or []),
            suppress_below=settings_for(membership.council).suppression_threshold,
            describes=str(_("Requests in your wards, with small numbers withheld")),
        )
    raise PermissionDenied


def public_scope(council_id: int, threshold: int) -> Scope:
    """The public performance page: the whole council, small numbers withheld."""
    return Scope(council_id=council_id, suppress_below=threshold)


def scoped_choices(scope: Scope, choices: Sequence[tuple[Any, str]], kind: str) -> list[Any]:
    """Filter choices (services, teams, wards) narrowed to what the scope holds."""
    allowed = {"service": scope.service_ids, "team": scope.team_ids, "ward": scope.ward_codes}[kind]
    return [c for c in choices if allowed is None or c[0] in allowed]
