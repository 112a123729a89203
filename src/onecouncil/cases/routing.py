"""Which team a new request goes to: the council's routing rules, then the service's team."""

from __future__ import annotations

from django.db.models import Q

from onecouncil.cases.models import RoutingRule
from onecouncil.catalogue.models import Service
from onecouncil.core.models import Team
from onecouncil.residents.models import Ward


def team_for(*, service: Service, ward: Ward | None) -> Team | None:
    """Only the service's own council's rules, wards and teams count: a rule that names
    another council's team or ward (which the admin refuses to save) is ignored."""
    council_id = service.council_id
    rules = {
        rule.ward_id: rule.team
        for rule in RoutingRule.objects.filter(
            Q(ward__isnull=True) | Q(ward__council_id=council_id),
            council_id=council_id,
            service=service,
            team__council_id=council_id,
        ).select_related("team")
    }
    if ward is not None and ward.council_id == council_id and ward.pk in rules:
        return rules[ward.pk]
    if None in rules:
        return rules[None]
    team = service.team
    return team if team is not None and team.council_id == council_id else None


def services_routed_to(*, council_id: int, team_ids: set[int]) -> set[int]:
    """The council's services whose requests may reach these teams: by the service's own
    team or by any routing rule."""
    by_service = Service.objects.filter(council_id=council_id, team_id__in=team_ids)
    by_rule = RoutingRule.objects.filter(council_id=council_id, team_id__in=team_ids)
    return set(by_service.values_list("pk", flat=True)) | set(
        by_rule.values_list("service_id", flat=True)
    )
