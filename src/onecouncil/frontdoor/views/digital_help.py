"""Help to get online: the council's directory of digital help, nearest first."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from onecouncil.core.models import Council
from onecouncil.frontdoor.http import page, with_council
from onecouncil.places.help import help_near
from onecouncil.web.templatetags.govuk import error_list


class HelpSearchForm(forms.Form):
    where = forms.CharField(
        label=_("Your postcode or street"),
        max_length=100,
        required=False,
        help_text=_("For example, RB1 2AB or Mill Lane"),
    )


@require_GET
@with_council
def digital_help(request: HttpRequest, council: Council) -> HttpResponseBase:
    form = HelpSearchForm(request.GET or None)
    text = form.cleaned_data["where"].strip() if form.is_bound and form.is_valid() else ""
    found = help_near(council=council, text=text)
    if found.not_found:
        form.add_error(
            "where",
            _("We could not find %(where)s in this council's area: check it, or try a street")
            % {"where": text[:40]},
        )
    return page(
        request,
        "digital_help.html",
        {"form": form, "found": found, "errors": error_list(form) if form.is_bound else []},
    )
