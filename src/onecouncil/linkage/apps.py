from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "onecouncil.linkage"
    label = "linkage"
    verbose_name = _("Record linkage")

    def ready(self) -> None:
        from onecouncil.core.privacy import DataStore, register_store
        from onecouncil.core.worker import INSIGHT, register_job
        from onecouncil.linkage.contact import follow_job, index_job
        from onecouncil.linkage.sources import (
            source_records_erase,
            source_records_expire_job,
            source_records_export,
            source_records_held,
        )

        register_job("linkage-expire", source_records_expire_job)
        register_job("linkage-follow", follow_job)
        register_job("linkage-index", index_job, queue=INSIGHT)
        register_store(
            DataStore(
                name="linkage_sources",
                erase=source_records_erase,
                export=source_records_export,
                held=source_records_held,
                describes="Copies of the council's own systems' records about people (council "
                "tax, electoral register, waste accounts…), imported from their extracts "
                "for record linkage: names, date of birth, address, email and phone in "
                "standard forms, with the system's own reference; each source's lawful "
                "basis and purposes are recorded with it, and a record no longer in its "
                "system's extract is kept for that source's retention, then removed",
            )
        )
