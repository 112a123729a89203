"""Masking the personal details people type into free text (feedback comments, and any
other text shown to someone who should not see them): email addresses, phone numbers and
postcodes. The one place the patterns live.

Masking is a safety net, not anonymisation: a name, or a description of someone, is not
caught, so masked text is still read only by those allowed to (``insight.feedback``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# UK and international numbers as people write them: +44 7700 900123, 07700-900123,
# (01632) 960 001, 0800 123 4567. Ten or more digits, with spaces, dots, dashes or brackets.
PHONE = re.compile(r"(?<![\w])(?:\+|00)?\(?\d(?:[\s().-]*\d){9,}(?![\w])")
# The shape of every UK postcode (BS7699 / ONS), with or without its space.
POSTCODE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW]?|[A-HK-Y]\d[ABEHMNPRV-Y]?|\d\d?|[A-HK-Y]\d\d?)"
    r" ?\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)


def mask_personal(text: str) -> str:
    """``text`` with emails, phone numbers and postcodes replaced by a marker saying what
    was there."""
    text = EMAIL.sub(lambda _m: _("[email removed]"), text)
    text = PHONE.sub(lambda _m: _("[phone number removed]"), text)
    return POSTCODE.sub(lambda _m: _("[postcode removed]"), text)


def personal_found(text: str) -> list[str]:
    """What kinds of personal detail ``text`` holds, as a person reads them ("an email
    address", "a phone number", "a postcode"): for a warning before something is made
    public."""
    found = []
    if EMAIL.search(text):
        found.append(_("an email address"))
    if PHONE.search(EMAIL.sub("", text)):
        found.append(_("a phone number"))
    if POSTCODE.search(text):
        found.append(_("a postcode"))
    return found


def mentions(
    text: str,
    *,
    names: Iterable[str] = (),
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    min_name_words: int = 1,
) -> bool:
    """Whether ``text`` holds one of these people's details: an email address (in any
    case), a phone number (its last nine digits, however it is written) or a full name
    (whole words, spacing and case ignored; names of fewer than ``min_name_words``
    words, or under three letters, match nothing). The one rule for "does this text name
    them", for public words and for finding someone to erase."""
    folded = " ".join(text.casefold().split())
    if any(email and email.casefold() in folded for email in emails):
        return True
    digits = re.sub(r"\D", "", text)
    for phone in phones:
        wanted = re.sub(r"\D", "", phone or "")
        if len(wanted) >= 7 and wanted[-9:] in digits:
            return True
    for name in names:
        name = " ".join((name or "").casefold().split())
        if len(name) < 3 or len(name.split()) < min_name_words:
            continue
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded):
            return True
    return False
