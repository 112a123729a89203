"""UK postcodes, validated and normalised by django-localflavor (``sw1a1aa`` -> ``SW1A 1AA``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from localflavor.gb.forms import GBPostcodeField

_FIELD = GBPostcodeField()


def normalise_postcode(text: str) -> str:
    """The postcode in its standard form; ``ValidationError`` if it is not a UK postcode."""
    if not text or not text.strip():
        raise ValidationError(_("Enter a postcode"), code="required")
    try:
        return str(_FIELD.clean(text))
    except ValidationError:
        raise ValidationError(_("Enter a real postcode, like SW1A 1AA"), code="invalid") from None


def postcode_key(postcode: str) -> str:
    """The postcode without spaces, upper case: how addresses are indexed."""
    return "".join(postcode.split()).upper()
