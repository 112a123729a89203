from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "onecouncil.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from onecouncil.core.worker import register_job
        from onecouncil.webhooks.services import deliveries_process

        register_job("webhooks", deliveries_process)
