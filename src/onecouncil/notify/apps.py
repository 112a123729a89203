from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "onecouncil.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from onecouncil.core.privacy import DataStore, register_store
        from onecouncil.core.worker import register_job
        from onecouncil.notify.services import (
            notifications_erase_person,
            notifications_expire,
            outbox_process,
        )

        register_job("notifications", outbox_process)
        register_store(
            DataStore(
                name="outbox",
                expire=notifications_expire,
                erase=notifications_erase_person,
                describes="Emails and text messages to residents, kept after sending "
                "without their secret links",
            )
        )
