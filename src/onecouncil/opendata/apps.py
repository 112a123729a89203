from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    name = "onecouncil.opendata"
    label = "opendata"
    verbose_name = _("Open data")

    def ready(self) -> None:
        from onecouncil.core.worker import INSIGHT, register_job
        from onecouncil.opendata.services import releases_job

        # A release reads every request of a council: the insight queue is the one for
        # long work that must never hold a notification back.
        register_job("open-data-releases", releases_job, queue=INSIGHT)
