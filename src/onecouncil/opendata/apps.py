from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    name = "onecouncil.opendata"
    label = "opendata"
    verbose_name = _("Open data")

    def ready(self) -> None:
        from onecouncil.catalogue.registry import on_visibility_changed
        from onecouncil.core.worker import INSIGHT, register_job
        from onecouncil.opendata.services import offer_withdrawal, releases_job

        # A service made private: whoever did it is offered to withdraw the releases
        # that carried its requests.
        on_visibility_changed(offer_withdrawal)

        # A release reads every request of a council: the insight queue is the one for
        # long work that must never hold a notification back.
        register_job("open-data-releases", releases_job, queue=INSIGHT)
