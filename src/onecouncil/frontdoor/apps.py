from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontdoorConfig(AppConfig):
    name = "onecouncil.frontdoor"
    label = "frontdoor"
    verbose_name = _("Resident front door")
