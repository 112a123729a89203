from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "onecouncil.cases"
    label = "cases"
    verbose_name = _("Service requests")

    def ready(self) -> None:
        from onecouncil.cases.access import personal_values_of_requests
        from onecouncil.cases.actions.deliveries import record_delivery
        from onecouncil.cases.privacy import retention_job
        from onecouncil.core.privacy import DataStore, register_store
        from onecouncil.core.worker import register_job
        from onecouncil.notify.services import on_delivery

        on_delivery(record_delivery)
        register_job("retention", retention_job)
        register_store(
            DataStore(
                name="requests",
                held=personal_values_of_requests,
                describes="Service requests with the details residents gave (name, contact "
                "details, address, answers, free text), their followers, and staff notes; "
                "kept for each service's retention period (cases.privacy)",
            )
        )
