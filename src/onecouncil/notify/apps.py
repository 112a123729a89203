from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "onecouncil.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from onecouncil.core.worker import register_job
        from onecouncil.notify.services import outbox_process

        register_job("notifications", outbox_process)
