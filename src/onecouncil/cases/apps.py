from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "onecouncil.cases"
    label = "cases"
    verbose_name = _("Service requests")

    def ready(self) -> None:
        from onecouncil.cases.deliveries import record_delivery
        from onecouncil.cases.privacy import retention_job
        from onecouncil.core.worker import register_job
        from onecouncil.notify.services import on_delivery

        on_delivery(record_delivery)
        register_job("retention", retention_job)
