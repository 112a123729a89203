from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "onecouncil.triage"
    label = "triage"
    verbose_name = _("Free-text triage")

    def ready(self) -> None:
        from onecouncil.core.privacy import DataStore, register_store
        from onecouncil.core.worker import INSIGHT, register_job
        from onecouncil.triage.routing import route_waiting_job
        from onecouncil.triage.training import (
            train_job,
            training_forget_erased,
            training_forget_expired,
        )

        register_job("triage-train", train_job, queue=INSIGHT)
        register_job("triage-route", route_waiting_job)
        register_store(
            DataStore(
                name="triage",
                expire=training_forget_expired,
                erase=training_forget_erased,
                describes="Each council's free-text model: word stems and letter groups "
                "learnt from the words of its requests (emails, phone numbers and postcodes "
                "masked first) and its catalogue, and which suggested service people chose "
                "(codes only, no words). The training set is read afresh from the requests "
                "each time, so text that retention or erasure removes from a request is "
                "gone from the model at the next training, which they ask for at once",
            )
        )
