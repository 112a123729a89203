from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "onecouncil.api"
    label = "api"
    verbose_name = _("APIs: Open311, REST and webhooks")

    def ready(self) -> None:
        from onecouncil.api.open311.pending import process_pending
        from onecouncil.core.worker import register_job

        register_job("open311-pending", process_pending)
