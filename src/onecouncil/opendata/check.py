"""The publication check: a release goes out only if none of its files holds personal
data, and every count in its aggregates is zero, withheld, or at least the threshold.

Every file is read (CSV, JSON and Parquet through DuckDB; the data dictionaries as
text), and each distinct value in it is compared, case-insensitively, with every
personal value any store holds in the council (``core.privacy.held_everywhere``):

- an email address, or a phone number in any format (found with ``phonenumbers`` and
  compared as the same number however it was written);
- the full name of anyone who made or follows a request or holds an account, or their
  surname where it has four letters or more;
- any free text held for a resident (descriptions, answers, comments, staff notes) of at
  least ``MIN_TEXT_WORDS`` words: shorter texts ("Bin not emptied") are everyday words
  and would refuse every release.

Two kinds of value are not compared with names and free text, because they cannot hold
them: values wholly in one of our own strict formats (reference numbers, dates and
times, short numbers, withheld marks), and the council's published vocabulary (service,
ward and street names, our column descriptions). A street named like a resident ("Kemp
Road") is a place, not the resident. Email addresses and phone numbers are looked for
everywhere.

The check holds in memory what the files contain (distinct values, which are few once
those formats are set aside), never what the stores hold: personal values stream past.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _

from onecouncil.core.privacy import PersonalValues, held_everywhere
from onecouncil.opendata.datasets import DATASETS, WITHHELD_MARK, Dataset

MIN_TEXT_WORDS = 3
MIN_SURNAME = 4
MAX_NAME_WORDS = 5

_REFERENCE = r"[A-Z0-9]{1,10}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"
_TIME = r"[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([+-][0-9]{2}:?[0-9]{2}|Z)?"
_DATETIME = rf"[0-9]{{4}}-[0-9]{{2}}(-[0-9]{{2}}({_TIME})?)?"
_NUMBER = r"-?[0-9]{1,6}(\.0)?|-?[0-9]{1,3}\.[0-9]+"
# Values wholly in one of these cannot hold a name, text, email or phone number.
STRICT = f"{_REFERENCE}|{_DATETIME}|{_NUMBER}|{re.escape(WITHHELD_MARK)}|true|false"

_EMAIL = re.compile(r"[A-Z0-9._%+'-]+@[A-Z0-9.-]+\.[A-Z]{2,}", re.IGNORECASE)
_WORD = re.compile("[^\\W\\d_]+(?:['\u2019-][^\\W\\d_]+)*")
_DIGITS = re.compile(r"\d")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def phone_key(number: phonenumbers.PhoneNumber) -> str:
    return f"{number.country_code}:{number.national_number}"


def held_phone_key(phone: str) -> str | None:
    try:
        parsed = phonenumbers.parse(phone, "GB")
    except phonenumbers.NumberParseException:
        digits = "".join(_DIGITS.findall(phone))
        return f"raw:{digits}" if len(digits) >= 7 else None
    return phone_key(parsed)


def phones_in(text: str) -> set[str]:
    if len(_DIGITS.findall(text)) < 7:
        return set()
    found = {
        phone_key(match.number)
        for match in phonenumbers.PhoneNumberMatcher(
            text, "GB", leniency=phonenumbers.Leniency.POSSIBLE
        )
    }
    digits = "".join(_DIGITS.findall(text))
    if len(digits) >= 7:
        found.add(f"raw:{digits}")
    return found


@dataclass
class _Found:
    """What the files contain, indexed for the comparisons; each entry names its files."""

    emails: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    phones: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # The last seven digits of every number found: a held phone number is parsed (slow)
    # only when its own last seven digits are among them.
    phone_tails: set[str] = field(default_factory=set)
    phrases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    texts: list[tuple[str, str]] = field(default_factory=list)  # (normalised, file)
    starts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, value: str, filename: str, vocabulary: bool) -> None:
        for email in _EMAIL.findall(value):
            self.emails[email.lower()].add(filename)
        for key in phones_in(value):
            self.phones[key].add(filename)
            self.phone_tails.add(key[-7:])
        if vocabulary:
            return
        tokens = words(value)
        for size in range(1, MAX_NAME_WORDS + 1):
            for i in range(len(tokens) - size + 1):
                self.phrases[" ".join(tokens[i : i + size])].add(filename)
        normalised = " ".join(tokens)
        position = len(self.texts)
        self.texts.append((normalised, filename))
        for i in range(len(tokens) - MIN_TEXT_WORDS + 1):
            self.starts[" ".join(tokens[i : i + MIN_TEXT_WORDS])].append(position)


def _reader(path: Path, dataset: Dataset) -> str:
    """How DuckDB reads one of a dataset's files (JSON with its columns named, so that an
    empty file still has them)."""
    if path.suffix == ".csv":
        return f"read_csv('{path}', all_varchar = true, header = true)"
    if path.suffix == ".json":
        types = ", ".join(f"'{c.name}': '{c.type}'" for c in dataset.columns)
        return f"read_json('{path}', format = 'array', columns = {{{types}}})"
    return f"read_parquet('{path}')"


def _values_of_data_file(
    con: duckdb.DuckDBPyConnection, path: Path, dataset: Dataset
) -> Iterable[str]:
    reader = _reader(path, dataset)
    describe = f"DESCRIBE SELECT * FROM {reader}"  # noqa: S608 - our own file paths
    columns = [row[0] for row in con.execute(describe).fetchall()]
    if not columns:
        return []
    casts = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
    query = (
        f"SELECT DISTINCT v FROM (SELECT unnest([{casts}]) AS v FROM {reader}) "  # noqa: S608
        "WHERE v IS NOT NULL AND NOT regexp_full_match(v, ?)"
    )
    return [row[0] for row in con.execute(query, [STRICT]).fetchall()]


def _values_of_text_file(path: Path) -> Iterable[str]:
    strict = re.compile(STRICT)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            for value in row:
                if value and not strict.fullmatch(value):
                    yield value


def _small_counts(
    con: duckdb.DuckDBPyConnection, path: Path, dataset: Dataset, threshold: int
) -> int:
    counts = [c.name for c in dataset.columns if c.count]
    if not counts:
        return 0
    reader = _reader(path, dataset)
    small = " OR ".join(
        f'(TRY_CAST("{c}" AS BIGINT) > 0 AND TRY_CAST("{c}" AS BIGINT) < {int(threshold)})'
        for c in counts
    )
    found = con.execute(f"SELECT count(*) FROM {reader} WHERE {small}").fetchone()  # noqa: S608
    return int(found[0]) if found else 0


def check_release(
    *,
    council_id: int,
    directory: Path,
    filenames: Iterable[str],
    threshold: int,
    vocabulary: set[str],
) -> list[str]:
    """Every reason the release must not go out (none: it may)."""
    problems: list[str] = []
    found = _Found()
    vocabulary = {v.strip().lower() for v in vocabulary}
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{settings.OPENDATA_MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{directory / '.check'}'")
    con.execute("SET threads = 2")
    try:
        for filename in filenames:
            path = directory / filename
            if filename.endswith("-dictionary.csv"):
                values = _values_of_text_file(path)
            else:
                dataset = next(d for d in DATASETS if filename.startswith(d.id + "."))
                values = _values_of_data_file(con, path, dataset)
                if not dataset.request_level:
                    small = _small_counts(con, path, dataset, threshold)
                    if small:
                        problems.append(
                            _("%(file)s has %(n)s counts below %(k)s that are not withheld.")
                            % {"file": filename, "n": small, "k": threshold}
                        )
            for value in values:
                found.add(value, filename, value.strip().lower() in vocabulary)
    finally:
        con.close()
    problems += _compare(council_id, found)
    return problems


def _contacts(held: PersonalValues, found: _Found, hit: Callable[[str, set[str]], None]) -> None:
    for email in held.emails:
        key = email.strip().lower()
        if key and key in found.emails:
            hit("email", found.emails[key])
    for phone in held.phones:
        if not phone or "".join(_DIGITS.findall(phone))[-7:] not in found.phone_tails:
            continue
        phone_found = held_phone_key(phone)
        if phone_found and phone_found in found.phones:
            hit("phone", found.phones[phone_found])


def _names(held: PersonalValues, found: _Found, hit: Callable[[str, set[str]], None]) -> None:
    for name in held.names:
        tokens = words(name) if name else []
        if not tokens:
            continue
        full = " ".join(tokens)
        if (len(tokens) > 1 or len(full) >= MIN_SURNAME) and full in found.phrases:
            hit("name", found.phrases[full])
        surname = tokens[-1]
        if len(tokens) > 1 and len(surname) >= MIN_SURNAME and surname in found.phrases:
            hit("surname", found.phrases[surname])


def _texts(held: PersonalValues, found: _Found, hit: Callable[[str, set[str]], None]) -> None:
    for text in held.texts:
        tokens = words(text) if text else []
        if len(tokens) < MIN_TEXT_WORDS:
            continue
        normalised = " ".join(tokens)
        for position in found.starts.get(" ".join(tokens[:MIN_TEXT_WORDS]), ()):
            value, filename = found.texts[position]
            if normalised in value:
                hit("text", {filename})


def _compare(council_id: int, found: _Found) -> list[str]:
    """Stream every personal value held in the council past what the files contain."""
    hits: dict[tuple[str, str], None] = {}  # (kind, file), in the order found

    def hit(kind: str, files: set[str]) -> None:
        for filename in sorted(files):
            hits.setdefault((kind, filename), None)

    for held in held_everywhere(council_id):
        if found.emails or found.phones:
            _contacts(held, found, hit)
        _names(held, found, hit)
        _texts(held, found, hit)
    messages = {
        "email": _("%(file)s contains an email address held for a resident."),
        "phone": _("%(file)s contains a phone number held for a resident."),
        "name": _("%(file)s contains the full name of a resident."),
        "surname": _("%(file)s contains the surname of a resident."),
        "text": _("%(file)s contains free text a resident gave or staff wrote about one."),
    }
    return [messages[kind] % {"file": filename} for kind, filename in hits]
