from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "onecouncil.residents"
    label = "residents"
    verbose_name = _("Residents and addresses")

    def ready(self) -> None:
        from onecouncil.core.privacy import DataStore, register_store
        from onecouncil.residents.selectors import personal_values_of_residents

        register_store(
            DataStore(
                name="residents",
                held=personal_values_of_residents,
                describes="People who made requests and residents' accounts: names, email "
                "addresses and phone numbers; kept while their requests are, and accounts "
                "until closed (cases.privacy)",
            )
        )
