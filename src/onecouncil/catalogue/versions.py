"""The catalogue's version: it goes up whenever a council's catalogue changes, so pages
cached from it (the service lists, each service's page) are keyed by it and a change by
any process, in the admin, an import or the worker, shows at once everywhere."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from onecouncil.catalogue.models import Question, SearchSynonym, Service, ServiceGroup
from onecouncil.core.models import Council


def catalogue_changed(*, council_id: int) -> None:
    Council.objects.filter(pk=council_id).update(
        catalogue_version=F("catalogue_version") + 1, catalogue_changed_at=timezone.now()
    )


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loading fixtures
    if isinstance(instance, Question):
        # A question deleted with its service: the service's own signal counts.
        council_id = (
            Service.objects.filter(pk=instance.service_id)
            .values_list("council_id", flat=True)
            .first()
        )
    else:
        council_id = instance.council_id
    if council_id:
        catalogue_changed(council_id=council_id)


def connect() -> None:
    for model in (Service, ServiceGroup, Question, SearchSynonym):
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalogue-version-{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalogue-version-del-{model}")
