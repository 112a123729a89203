from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    name = "onecouncil.staffing"
    verbose_name = _("Staff")
