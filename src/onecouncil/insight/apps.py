from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "onecouncil.insight"
    label = "insight"
    verbose_name = _("Insight")

    def ready(self) -> None:
        from onecouncil.core.privacy import DataStore, register_store
        from onecouncil.core.worker import INSIGHT, register_job
        from onecouncil.insight.feedback import (
            feedback_erase_person,
            feedback_expire,
            feedback_held,
            feedback_of_person,
        )
        from onecouncil.insight.store import refresh_job

        register_job("insight-refresh", refresh_job, queue=INSIGHT)
        register_store(
            DataStore(
                name="insight",
                describes="The analytics store behind the dashboards and the performance "
                "page: each request's service, team, ward, channel, status and dates, "
                "with no names, contact details, free text, addresses or points, so "
                "nothing in it identifies a resident",
            )
        )
        register_store(
            DataStore(
                name="feedback",
                expire=feedback_expire,
                erase=feedback_erase_person,
                export=feedback_of_person,
                held=feedback_held,
                describes="Ratings residents gave of how their closed requests were dealt "
                "with (one to five, with an optional comment, its emails, phone numbers and "
                "postcodes masked), and answers to 'Is this page useful?' with no link to "
                "anyone; a rating's comment goes with its request's retention or erasure",
            )
        )
