"""The one refusal of the access door."""

from __future__ import annotations


class CaseNotFound(LookupError):
    """No such case, or not one this reader may see: the two are never told apart."""
