from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "onecouncil.insight"
    label = "insight"
    verbose_name = _("Insight")

    def ready(self) -> None:
        from onecouncil.core.privacy import DataStore, register_store
        from onecouncil.core.worker import INSIGHT, register_job
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
