"""People's records as linkage compares them: one shape (``COLUMNS``) whatever system they
came from, each value in a standard form, missing values as None (never "" or "n/a", which
would match each other). Pure functions over plain values; no database."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

COLUMNS = (
    "unique_id",
    "first_name",
    "surname",
    "dob",  # ISO date, YYYY-MM-DD
    "house_number",
    "street",
    "town",
    "postcode",  # "SW1A 1AA"
    "postcode_area",  # the outward code, "SW1A"
    "uprn",
    "email",
    "phone",  # digits only, national form (07700900123)
)

# The person fields a source's columns map to (``COLUMNS`` less the ones made from others).
PERSON_FIELDS = (
    "first_name",
    "surname",
    "dob",
    "house_number",
    "street",
    "town",
    "postcode",
    "uprn",
    "email",
    "phone",
)

_MISSING = {"", "n/a", "na", "none", "null", "unknown", "-", "?"}
_NOT_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ([0-9][A-Z]{2})$")
_NUMBER = re.compile(r"^\s*(\d+[a-z]?)\b", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN, from a data frame
        return None
    text = str(value).strip()
    return None if text.lower() in _MISSING else text


def name(value: Any) -> str | None:
    """Lower case, accents and punctuation gone, spaces single: "O'Brien-Smith" is
    "obrien smith"."""
    text = _text(value)
    if text is None:
        return None
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = _SPACES.sub(" ", _NOT_LETTERS.sub("", folded.replace("-", " "))).strip()
    return folded or None


def date_of_birth(value: Any) -> str | None:
    """An ISO date from the forms extracts use; None for anything else (or impossible)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value)
    if text is None:
        return None
    if isinstance(value, int | float):
        text = str(int(value))
    for form in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text[:10], form).date()
        except ValueError:
            continue
        if 1880 <= day.year <= dt.date.today().year:
            return day.isoformat()
    return None


def postcode(value: Any) -> str | None:
    """A UK postcode in its standard form ("SW1A 1AA"), spaced or not as given."""
    text = _text(value)
    if text is None:
        return None
    compact = _SPACES.sub("", text.upper())
    found = _POSTCODE.match(f"{compact[:-3]} {compact[-3:]}")
    if found:
        return f"{found.group(1)} {found.group(2)}"
    # Another country's code (an extract's foreign address, a test set's): kept as given,
    # compacted, so that equal codes still agree.
    return compact if compact.isalnum() and 3 <= len(compact) <= 10 else None


def house_number(value: Any) -> str | None:
    """The number at the start ("12a Mill Lane" is "12a"); a named house as its name."""
    text = _text(value)
    if text is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    found = _NUMBER.match(text)
    return found.group(1).lower() if found else name(text)


def email(value: Any) -> str | None:
    text = _text(value)
    return text.lower() if text and "@" in text else None


def phone(value: Any) -> str | None:
    """Digits alone, in the national form: +44 7700 900123 and 07700900123 are one."""
    text = _text(value)
    if text is None:
        return None
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    digits = re.sub(r"\D", "", text)
    if digits.startswith("44") and len(digits) > 10:
        digits = "0" + digits[2:]
    return digits if len(digits) >= 9 else None


def uprn(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    digits = text.lstrip("0")
    return digits if digits.isdigit() else None


def standard(record: dict[str, Any]) -> dict[str, Any]:
    """One record in the shape and forms linkage compares (``COLUMNS``)."""
    code = postcode(record.get("postcode"))
    return {
        "unique_id": str(record["unique_id"]),
        "first_name": name(record.get("first_name")),
        "surname": name(record.get("surname")),
        "dob": date_of_birth(record.get("dob")),
        "house_number": house_number(record.get("house_number")),
        "street": name(record.get("street")),
        "town": name(record.get("town")),
        "postcode": code,
        "postcode_area": code.split(" ")[0] if code and " " in code else None,
        "uprn": uprn(record.get("uprn")),
        "email": email(record.get("email")),
        "phone": phone(record.get("phone")),
    }
