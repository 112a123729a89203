from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.insight.models import InsightSettings


@admin.register(InsightSettings)
class InsightSettingsAdmin(CouncilScopedAdmin):
    list_display = ("council", "suppression_threshold", "baseline_start", "savings_target")
    fieldsets = (
        (None, {"fields": ("council",)}),
        (
            _("Cost of one transaction by each channel"),
            {
                "fields": (
                    "cost_web",
                    "cost_phone",
                    "cost_face_to_face",
                    "cost_email",
                    "cost_letter",
                    "cost_social",
                    "cost_api",
                    "cost_sensor",
                    "cost_source",
                )
            },
        ),
        (_("Savings"), {"fields": ("baseline_start", "baseline_end", "savings_target")}),
        (_("Small numbers"), {"fields": ("suppression_threshold",)}),
    )
