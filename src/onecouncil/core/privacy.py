"""The one place every store of residents' data registers how it forgets them.

Retention and erasure start in ``cases.privacy`` (requests, people, accounts, follows),
then call every store registered here, so data copied elsewhere (the outbox today;
analytics, open-data releases, alert subscriptions and requests sent on to other
systems as those arrive) is removed by the same run. A store registers in its app's
``ready()``:

    register_store(DataStore(
        name="outbox",
        expire=lambda council_id, references: ...,  # requests past retention
        erase=lambda person: ...,                    # one person, on request
    ))

Each function returns how many rows it removed or changed, for the run's report. A
store that holds nothing personal for one of the two needs may leave it out. A store
also says what it holds about one person (``export``), so a subject access export
includes every store without knowing them:

        export=lambda person: ("area_alerts", [...]),  # a section of the export

and, for the open data publication check, every personal value it holds in a council
(``held``), so that the check knows what must never appear in a published file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from onecouncil.core.masking import mentions


@dataclass(frozen=True)
class PersonKeys:
    """What identifies one person's data in a council: their addresses, phone numbers
    (as given and in the one search form), and the references of their requests."""

    council_id: int
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    references: frozenset[str] = frozenset()
    # Their full names as given (on requests, accounts, the search), for finding them in
    # free text someone else wrote (a page comment naming them).
    names: frozenset[str] = frozenset()

    def mentioned_in(self, text: str) -> bool:
        """Whether ``text`` holds one of their email addresses or phone numbers, or a full
        name of theirs (two words or more, so a lone first name matches nothing)."""
        return mentions(
            text, names=self.names, emails=self.emails, phones=self.phones, min_name_words=2
        )


@dataclass(frozen=True)
class PersonalValues:
    """Personal values held about someone: names, email addresses, phone numbers (as
    given), and free text they gave or that was written about them."""

    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataStore:
    name: str
    expire: Callable[[int, Sequence[str]], int] | None = None
    erase: Callable[[PersonKeys], int] | None = None
    # The section of a subject access export this store fills: its name, and a list of
    # records (plain JSON values) about the person.
    export: Callable[[PersonKeys], tuple[str, list[dict[str, Any]]]] | None = None
    # Every personal value the store holds in one council (by its id), streamed.
    held: Callable[[int], Iterable[PersonalValues]] | None = None
    # What the store keeps, for the record of processing (Article 30).
    describes: str = field(default="")


_stores: dict[str, DataStore] = {}


def register_store(store: DataStore) -> None:
    _stores[store.name] = store


def stores() -> list[DataStore]:
    return list(_stores.values())


def expire_everywhere(council_id: int, references: Sequence[str]) -> dict[str, int]:
    """Tell every store that these requests are past retention."""
    return {
        store.name: store.expire(council_id, references)
        for store in stores()
        if store.expire is not None and references
    }


def erase_everywhere(person: PersonKeys) -> dict[str, int]:
    """Tell every store to forget this person."""
    return {store.name: store.erase(person) for store in stores() if store.erase is not None}


def export_everywhere(person: PersonKeys) -> dict[str, list[dict[str, Any]]]:
    """What every store holds about this person, section by section."""
    return dict(store.export(person) for store in stores() if store.export is not None)


def held_everywhere(council_id: int) -> Iterator[PersonalValues]:
    """Every personal value any store holds in the council, store by store."""
    for store in stores():
        if store.held is not None:
            yield from store.held(council_id)
