from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "onecouncil.core"
    label = "core"
    verbose_name = _("Councils and staff")

    def ready(self) -> None:
        from onecouncil.core.database import database_optimise_job
        from onecouncil.core.worker import register_job

        register_job("database-statistics", database_optimise_job)
