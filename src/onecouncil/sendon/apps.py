from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SendonConfig(AppConfig):
    name = "onecouncil.sendon"
    label = "sendon"
    verbose_name = _("Requests sent on")

    def ready(self) -> None:
        from onecouncil.cases.actions import on_case_created, on_erasure_report
        from onecouncil.core.privacy import DataStore, register_store
        from onecouncil.core.worker import register_job
        from onecouncil.sendon.services import (
            backends_poll,
            erasure_notices,
            sending_queue,
            sendings_erase_person,
            sendings_of_person,
            sendings_process,
            sent_on_for_erasure,
        )

        on_case_created(sending_queue)
        on_erasure_report(sent_on_for_erasure)
        register_job("send-on", sendings_process)
        register_job("send-on-updates", backends_poll)
        register_job("send-on-erasure-notices", erasure_notices)
        register_store(
            DataStore(
                name="requests-sent-on",
                erase=sendings_erase_person,
                export=sendings_of_person,
                describes="Requests sent on to the council's other systems by Open311, "
                "with the contact details and photos they need; each system is told when "
                "the resident asks for erasure",
            )
        )
