"""How a council works its requests: routing rules and response templates."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from onecouncil.catalogue.models import Service
from onecouncil.core.models import CouncilOwned
from onecouncil.residents.models import Ward


class RoutingRule(CouncilOwned):
    """Send new requests for a service (optionally only in one ward) to a team."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="routing_rules")
    ward = models.ForeignKey(
        Ward,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Leave empty for every ward."),
    )
    team = models.ForeignKey("core.Team", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "ward"], name="one_rule_per_service_ward")
        ]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.service} / {self.ward or _('any ward')} -> {self.team}"


class TemplateUse(models.TextChoices):
    PUBLIC_UPDATE = "public_update", _("Public update")
    MESSAGE = "message", _("Message to the resident")


# Placeholders any template may use, and those only a private message may (they put the
# resident's details into the text, and a public update is seen by anyone).
PUBLIC_PLACEHOLDERS = frozenset({"reference", "service", "council", "due_date"})
PERSONAL_PLACEHOLDERS = frozenset({"name"})


class ResponseTemplate(CouncilOwned):
    """Ready-made words for a public update or a private message. Placeholders:
    {reference} {service} {council} {due_date}, and in messages only {name} (the
    reporter's name, or 'resident')."""

    use = models.CharField(
        _("used for"),
        max_length=20,
        choices=TemplateUse.choices,
        default=TemplateUse.PUBLIC_UPDATE,
        help_text=_(
            "Public updates are seen by anyone, so they may not use {name}; a message goes "
            "only to the person who made the request."
        ),
    )

    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response_templates",
        help_text=_("Leave empty to offer it for every service."),
    )
    name = models.CharField(_("name"), max_length=120)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        used = template_placeholders(self.body)
        allowed = PUBLIC_PLACEHOLDERS | (
            PERSONAL_PLACEHOLDERS if self.use == TemplateUse.MESSAGE else frozenset()
        )
        personal = sorted(used & PERSONAL_PLACEHOLDERS - allowed)
        if personal:
            raise ValidationError(
                {
                    "body": _(
                        "A public update is seen by anyone, so it cannot include %(fields)s. "
                        "Make it a message to the resident, or take the placeholder out."
                    )
                    % {"fields": ", ".join("{" + p + "}" for p in personal)}
                }
            )
        unknown = sorted(used - PUBLIC_PLACEHOLDERS - PERSONAL_PLACEHOLDERS)
        if unknown:
            raise ValidationError(
                {
                    "body": _("There is no placeholder %(fields)s. You can use %(known)s.")
                    % {
                        "fields": ", ".join("{" + p + "}" for p in unknown),
                        "known": ", ".join("{" + p + "}" for p in sorted(allowed)),
                    }
                }
            )


PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def template_placeholders(body: str) -> set[str]:
    """The ``{placeholder}`` names a template's text uses."""
    return set(PLACEHOLDER.findall(body))


def template_fill(body: str, values: dict[str, str]) -> str:
    """The text with each known ``{placeholder}`` replaced; anything else left as typed
    (no format strings, so ``{reference.__class__}`` is just text)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)
