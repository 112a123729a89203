"""Reference numbers residents can read out, type and follow.

A reference is the council's prefix, then seven random characters and one check
character from Crockford's base32 alphabet (no I, L, O or U), grouped in fours:
``RVB-7K3Q-9XM4``. They are random, so they cannot be enumerated; the check character
(Luhn mod 32) catches every single mistyped character and most swapped neighbours.

Lookups forgive case, spaces, dashes and the look-alikes O/0 and I/L/1.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 7
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class ReferenceError(ValueError):
    """A reference a person typed cannot be a real one; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_character(body: str) -> str:
    """The Luhn mod N check character for ``body`` (N = 32)."""
    factor = 2
    total = 0
    n = len(ALPHABET)
    for char in reversed(body):
        addend = factor * _VALUE[char]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def is_valid_code(code: str) -> bool:
    """True when the last character of ``code`` is the check character of the rest."""
    return len(code) == BODY_LENGTH + 1 and check_character(code[:-1]) == code[-1]


def format_reference(prefix: str, code: str) -> str:
    return f"{prefix}-{code[:4]}-{code[4:]}"


def new_reference(prefix: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return format_reference(prefix, body + check_character(body))


@dataclass(frozen=True)
class ParsedReference:
    prefix: str
    code: str

    def __str__(self) -> str:
        return format_reference(self.prefix, self.code)


def parse_reference(text: str, *, prefix: str) -> ParsedReference:
    """Turn what a person typed into the canonical reference for the council ``prefix``.

    Raises ``ReferenceError`` with a message a resident can act on.
    """
    from django.utils.translation import gettext as _

    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if not cleaned:
        raise ReferenceError(_("Enter your reference number"))
    if cleaned.startswith(prefix) and len(cleaned) > BODY_LENGTH + 1:
        cleaned = cleaned[len(prefix) :]
    code = cleaned.translate(_LOOKALIKES)
    if len(code) != BODY_LENGTH + 1 or any(ch not in _VALUE for ch in code):
        raise ReferenceError(
            _(
                "Reference numbers look like %(example)s. Check the number in your "
                "confirmation email and try again."
            )
            % {"example": format_reference(prefix, "7K3Q9XM4")}
        )
    if not is_valid_code(code):
        raise ReferenceError(
            _(
                "%(reference)s is not a valid reference number. One of the characters "
                "may have been mistyped: check it against your confirmation email."
            )
            % {"reference": format_reference(prefix, code)}
        )
    return ParsedReference(prefix=prefix, code=code)


def parse_id(value: object) -> int | None:
    """A database id as typed in a form or query string: ASCII digits only (``int()``
    would accept "²" as a digit and then fail), at most 18 of them; otherwise None."""
    text = str(value or "").strip()
    if not text or len(text) > 18 or not text.isascii() or not text.isdigit():
        return None
    return int(text)
