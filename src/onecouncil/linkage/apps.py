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
        from onecouncil.linkage.index import people_erase, people_export, people_held
        from onecouncil.linkage.sources import (
            source_records_erase,
            source_records_expire_job,
            source_records_export,
            source_records_held,
        )

        register_job("linkage-expire", source_records_expire_job)
        register_job("linkage-follow", follow_job)
        register_job("linkage-index", index_job, queue=INSIGHT)
        # Before the sources' store: it finds their records by email and phone alone,
        # this one also through the person they were linked to.
        register_store(
            DataStore(
                name="linkage_people",
                erase=people_erase,
                export=people_export,
                held=people_held,
                describes="The person index made by record linkage: for each person, the "
                "records linked to them (copies of the council's systems' records, their "
                "OneCouncil accounts and the reporters of their requests, in standard forms) "
                "with how strongly each matched, the golden record of best values with "
                "where each came from, and staff's decisions about which records are one "
                "person",
            )
        )
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
