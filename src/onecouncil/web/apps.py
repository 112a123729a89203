from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "onecouncil.web"
    label = "web"
    verbose_name = _("Shared GOV.UK web components")

    def ready(self) -> None:
        # Django's own length messages ("Ensure this value has at most 200 characters
        # (it has 245).") are not how we speak to people: one wording, in one place,
        # for every form and API that uses a length limit.
        from django.core import validators
        from django.utils.translation import ngettext_lazy

        validators.MaxLengthValidator.message = ngettext_lazy(
            "Enter %(limit_value)d character or fewer (you entered %(show_value)d)",
            "Enter %(limit_value)d characters or fewer (you entered %(show_value)d)",
            "limit_value",
        )
        validators.MinLengthValidator.message = ngettext_lazy(
            "Enter at least %(limit_value)d character (you entered %(show_value)d)",
            "Enter at least %(limit_value)d characters (you entered %(show_value)d)",
            "limit_value",
        )
