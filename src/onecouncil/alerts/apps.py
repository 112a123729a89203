from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "onecouncil.alerts"
    label = "alerts"
    verbose_name = _("Area alerts")

    def ready(self) -> None:
        from onecouncil.alerts.services import (
            alerts_erase_person,
            alerts_held,
            alerts_of_person,
            alerts_send,
        )
        from onecouncil.core.privacy import DataStore, register_store
        from onecouncil.core.worker import register_job

        register_job("area-alerts", alerts_send)
        register_store(
            DataStore(
                name="area-alerts",
                erase=alerts_erase_person,
                export=alerts_of_person,
                held=alerts_held,
                describes="Email addresses subscribed to new reports near a place or in a "
                "ward, with that place; deleted when unsubscribed, or after a week if "
                "never confirmed",
            )
        )
