from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "onecouncil.sensors"
    label = "sensors"
    verbose_name = _("Sensors")

    def ready(self) -> None:
        from onecouncil.core.worker import register_job
        from onecouncil.sensors.rules import silence_job
        from onecouncil.sensors.store import readings_downsample_job

        register_job("sensors-silence", silence_job)
        register_job("sensors-downsample", readings_downsample_job)
