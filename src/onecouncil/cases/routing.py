"""Which team a new request goes to: the council's routing rules, then the service's team."""

from __future__ import annotations

from onecouncil.cases.models import RoutingRule
from onecouncil.catalogue.models import Service
from onecouncil.core.models import Team
from onecouncil.residents.models import Ward


def team_for(*, service: Service, ward: Ward | None) -> Team | None:
    rules = {
        rule.ward_id: rule.team
        for rule in RoutingRule.objects.filter(service=service).select_related("team")
    }
    if ward is not None and ward.pk in rules:
        return rules[ward.pk]
    if None in rules:
        return rules[None]
    return service.team
