"""Render Django form fields with GOV.UK Design System markup."""

from __future__ import annotations

from typing import Any

from django import forms, template

from onecouncil.catalogue.answers import GovukDateWidget

register = template.Library()


def field_kind(bound: forms.BoundField) -> str:
    widget = bound.field.widget
    # CheckboxSelectMultiple is a subclass of RadioSelect: ask about it first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
        return "select"
    if isinstance(widget, GovukDateWidget):
        return "date"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "file"
    return "input"


def anchor_id(bound: forms.BoundField) -> str:
    kind = field_kind(bound)
    if kind in ("radios", "checkboxes"):
        return f"{bound.auto_id}_0"
    if kind == "date":
        return f"{bound.auto_id}_day"
    return str(bound.auto_id)


@register.inclusion_tag("web/field.html")
def govuk_field(
    bound: forms.BoundField,
    autocomplete: str = "",
    input_type: str = "text",
    width: str = "",
    spellcheck: str = "",
    label_class: str = "govuk-label--s",
    as_heading: bool = False,
) -> dict[str, Any]:
    kind = field_kind(bound)
    value = bound.value()
    options: list[dict[str, Any]] = []
    date_parts: list[Any] = ["", "", ""]
    if kind in ("radios", "checkboxes", "select"):
        chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v}
        for index, (option_value, option_label) in enumerate(bound.field.choices):  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField
            options.append(
                {
                    "value": option_value,
                    "label": option_label,
                    "checked": str(option_value) in chosen,
                    "id": f"{bound.auto_id}_{index}",
                }
            )
    elif kind == "date":
        parts = value if isinstance(value, list | tuple) else bound.field.widget.decompress(value)
        date_parts = [p if p not in (None,) else "" for p in parts]
    # A field that is one of a required pair (email or phone) is not "(optional)".
    either = getattr(bound.form, "one_of_required", ())
    return {
        "field": bound,
        "optional": not bound.field.required and bound.name not in either and kind != "file",
        "kind": kind,
        "value": "" if value is None else value,
        "options": options,
        "date_parts": date_parts,
        "autocomplete": autocomplete,
        "input_type": input_type,
        "width": width,
        "spellcheck": spellcheck,
        "label_class": label_class,
        "as_heading": as_heading,
        "error": " ".join(str(e) for e in bound.errors),
        "describedby": " ".join(
            x
            for x in (
                f"{bound.auto_id}-hint" if bound.help_text else "",
                f"{bound.auto_id}-error" if bound.errors else "",
            )
            if x
        ),
    }


@register.simple_tag
def error_list(*forms_: forms.Form | None) -> list[dict[str, str]]:
    """Every error on the given forms, in field order, for the error summary."""
    items: list[dict[str, str]] = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        for message in form.non_field_errors():
            items.append({"href": "#main-content", "text": str(message)})
        for name in form.fields:
            bound = form[name]
            for message in bound.errors:
                items.append({"href": f"#{anchor_id(bound)}", "text": str(message)})
    return items


# How each status looks: presentation, so it lives here and not in the domain.
STATUS_TAG_COLOUR = {
    "received": "govuk-tag--blue",
    "in_progress": "govuk-tag--light-blue",
    "action_scheduled": "govuk-tag--purple",
    "awaiting_resident": "govuk-tag--yellow",
    "fixed": "govuk-tag--green",
    "closed": "govuk-tag--grey",
    "reopened": "govuk-tag--orange",
}


@register.filter
def status_tag(case: Any) -> str:
    """The tag colour class of a case's status, for a tag without the explanation."""
    return STATUS_TAG_COLOUR.get(case.status, "")


@register.inclusion_tag("web/status.html")
def case_status(case: Any) -> dict[str, Any]:
    from onecouncil.cases.models import status_display

    status = status_display(case)
    return {"status": {**status, "tag_class": STATUS_TAG_COLOUR.get(case.status, "")}}


@register.inclusion_tag("web/due.html")
def due_tag(case: Any, clock: Any) -> dict[str, Any]:
    """The due date with Paused, Overdue or Due soon, by the queue's own rules."""
    if case.due_at is None:
        return {"case": case, "state": ""}
    if case.is_open and case.paused_at is not None:
        state = "paused"
    elif case.is_overdue(clock.now):
        state = "overdue"
    elif case.is_due_soon(clock.now, clock.horizon):
        state = "soon"
    else:
        state = ""
    return {"case": case, "state": state}


@register.filter
def govuk_datetime(value: Any) -> str:
    """'12 November 2026 at 1:23pm', in the current (the council's) time zone."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    if not value:
        return ""
    local = timezone.localtime(value)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return _("%(date)s at %(time)s") % {
        "date": f"{local.day} {local:%B %Y}",
        "time": f"{hour}:{local:%M}{suffix}",
    }


@register.filter
def when(value: Any) -> str:
    """An ISO 8601 moment (as exports keep them) as people read it: "7 December 2026,
    14:05" in the deployment's time zone; a date alone as "7 December 2026"."""
    import datetime as dt

    from django.utils import timezone
    from django.utils.formats import date_format

    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if len(str(value)) <= 10:
        return date_format(moment.date(), "j F Y")
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "j F Y, H:i")
