"""A synthetic UK population for measuring linkage at scale (``linkage_synthetic``):
people in households, about a fifth of them with a second, corrupted record, labelled
with the true person (``cluster``) in the columns ``linkage_evaluate`` reads.

- Names with realistic frequencies: a long tail of surnames (Zipf-distributed, as
  surname frequencies are), and first names drawn from common forms with their
  nicknames.
- Households: people share an address (a street, a number and a postcode) with others,
  often of the same surname.
- Duplicates as real extracts have them: a typo (two letters swapped, one dropped), a
  nickname, the day and month swapped, a move to another address, a missing value, an
  old email.

Pure Python and NumPy, no database; the same seed gives the same population.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

FIRST = [
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Jacob",
    "Noah",
    "Charlie",
    "Muhammad",
    "Thomas",
    "Oscar",
    "William",
    "James",
    "Henry",
    "Leo",
    "Alfie",
    "Joshua",
    "Freddie",
    "Archie",
    "Ethan",
    "Isaac",
    "Alexander",
    "Joseph",
    "Edward",
    "Samuel",
    "Max",
    "Daniel",
    "Arthur",
    "Lucas",
    "Mohammed",
    "Logan",
    "Theo",
    "Harrison",
    "Benjamin",
    "Mason",
    "Sebastian",
    "Finley",
    "Adam",
    "Dylan",
    "Zachary",
    "Riley",
    "Teddy",
    "Theodore",
    "David",
    "Elijah",
    "Jake",
    "Toby",
    "Louie",
    "Reuben",
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Emily",
    "Sophia",
    "Grace",
    "Mia",
    "Poppy",
    "Ella",
    "Lily",
    "Evie",
    "Isabella",
    "Sophie",
    "Ivy",
    "Freya",
    "Harper",
    "Willow",
    "Charlotte",
    "Jessica",
    "Rosie",
    "Daisy",
    "Alice",
    "Florence",
    "Sienna",
    "Phoebe",
    "Matilda",
    "Ruby",
    "Evelyn",
    "Elsie",
    "Sofia",
    "Isabelle",
    "Esme",
    "Millie",
    "Eva",
    "Chloe",
    "Layla",
    "Maya",
    "Ellie",
    "Scarlett",
    "Lucy",
    "Elizabeth",
    "Margaret",
    "Katherine",
    "Rebecca",
    "Robert",
    "Michael",
    "Susan",
    "Patricia",
    "Priya",
    "Amira",
    "Siobhan",
    "Aled",
    "Rhys",
    "Cerys",
    "Niamh",
    "Aisha",
    "Fatima",
    "Zainab",
    "Yusuf",
    "Ibrahim",
    "Omar",
]
NICKNAMES = {
    "William": "Bill",
    "Robert": "Bob",
    "Elizabeth": "Liz",
    "Margaret": "Maggie",
    "Thomas": "Tom",
    "James": "Jim",
    "Katherine": "Kate",
    "Michael": "Mike",
    "Rebecca": "Becky",
    "Daniel": "Dan",
    "Alexander": "Alex",
    "Samuel": "Sam",
    "Benjamin": "Ben",
    "Joseph": "Joe",
    "Edward": "Ed",
    "Jessica": "Jess",
    "Charlotte": "Lottie",
    "Isabella": "Bella",
    "Theodore": "Teddy",
    "Susan": "Sue",
}
_ONSETS = [
    "b",
    "br",
    "c",
    "ch",
    "cl",
    "d",
    "dr",
    "f",
    "g",
    "gr",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "pr",
    "r",
    "s",
    "sh",
    "st",
    "t",
    "th",
    "tr",
    "w",
    "wh",
    "y",
]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "oo", "ou", "y"]
_CODAS = ["n", "r", "l", "s", "th", "ck", "ll", "nd", "rd", "rt", "ng", "ff", "ss", "tt", "m"]
_ENDINGS = [
    "son",
    "ton",
    "ley",
    "ford",
    "well",
    "wood",
    "field",
    "man",
    "ham",
    "er",
    "by",
    "worth",
    "ridge",
    "more",
    "den",
    "ing",
]
STREET_KINDS = [
    "Road",
    "Street",
    "Lane",
    "Avenue",
    "Close",
    "Way",
    "Drive",
    "Gardens",
    "Crescent",
    "Grove",
]
TOWNS = [
    "Riverbend",
    "Northfield",
    "Ashby",
    "Castleton",
    "Milford",
    "Eastwick",
    "Hollins",
    "Kingsmere",
]
COLUMNS = [
    "unique_id",
    "cluster",
    "first_name",
    "surname",
    "dob",
    "house_number",
    "street",
    "town",
    "postcode",
    "email",
    "phone",
]


def _words(rng: np.random.Generator, count: int, endings: list[str]) -> list[str]:
    """``count`` distinct made-up words (syllables and an English surname ending)."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        parts = [
            rng.choice(_ONSETS)
            + rng.choice(_VOWELS)
            + (rng.choice(_CODAS) if rng.random() < 0.5 else "")
            for _n in range(int(rng.integers(1, 3)))
        ]
        word = ("".join(parts) + rng.choice(endings)).capitalize()
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


def _zipf_choice(rng: np.random.Generator, values: list[str], size: int, s: float) -> np.ndarray:
    # Zipf-Mandelbrot: the commonest name about 1 in 100 (as Smith is in Britain), with a
    # long tail of rare ones.
    ranks = np.arange(1, len(values) + 1, dtype=float)
    weights = (ranks + 20) ** -s
    return np.array(values, dtype=object)[
        rng.choice(len(values), size=size, p=weights / weights.sum())
    ]


def _typo(rng: np.random.Generator, text: str | None) -> str | None:
    if text is None or len(text) < 4:
        return text
    i = int(rng.integers(1, len(text) - 2))
    if rng.random() < 0.5:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # two letters swapped
    return text[:i] + text[i + 1 :]  # one dropped


def population(people: int, *, duplicates: float = 0.2, seed: int = 28) -> pd.DataFrame:
    """``people`` people, and about ``duplicates`` of them again as a corrupted record."""
    rng = np.random.default_rng(seed)
    surnames = _words(rng, max(2000, people // 40), _ENDINGS)
    streets = [
        f"{w} {rng.choice(STREET_KINDS)}"
        for w in _words(rng, max(500, people // 200), ["", "field", "side", "gate"])
    ]
    households = max(1, people // 2)
    house_street = rng.integers(0, len(streets), households)
    house_number = rng.integers(1, 200, households)
    house_town = rng.integers(0, len(TOWNS), households)
    # A postcode per street and block of numbers, as Royal Mail gives them.
    house_postcode = [
        f"{TOWNS[t][:2].upper()}{1 + s % 20} {(n // 20) % 10}"
        f"{chr(65 + s % 26)}{chr(65 + (s // 26) % 26)}"
        for s, n, t in zip(house_street, house_number, house_town, strict=True)
    ]
    home = rng.integers(0, households, people)
    first = _zipf_choice(rng, FIRST, people, 0.7)
    # Half the people share their household's surname.
    household_surname = _zipf_choice(rng, surnames, households, 1.05)
    own_surname = _zipf_choice(rng, surnames, people, 1.05)
    surname = np.where(rng.random(people) < 0.5, household_surname[home], own_surname)
    born = dt.date(1930, 1, 1).toordinal() + rng.integers(0, 78 * 365, people)
    frame = pd.DataFrame(
        {
            "unique_id": [f"p{i}" for i in range(people)],
            "cluster": np.arange(people),
            "first_name": first,
            "surname": surname,
            "dob": [dt.date.fromordinal(int(d)).isoformat() for d in born],
            "house_number": house_number[home].astype(str),
            "street": np.array(streets, dtype=object)[house_street[home]],
            "town": np.array(TOWNS, dtype=object)[house_town[home]],
            "postcode": np.array(house_postcode, dtype=object)[home],
        }
    )
    has_email = rng.random(people) < 0.6
    frame["email"] = [
        f"{f.lower()}.{s.lower()}.{i}@example.com" if e else None
        for f, s, i, e in zip(
            frame["first_name"], frame["surname"], range(people), has_email, strict=True
        )
    ]
    has_phone = rng.random(people) < 0.5
    frame["phone"] = [f"07{100000000 + i:09d}" if p else None for i, p in enumerate(has_phone)]
    dupes = frame.sample(frac=duplicates, random_state=seed).copy()
    dupes["unique_id"] = [f"d{i}" for i in range(len(dupes))]
    return pd.concat(
        [frame, _corrupt(rng, dupes, frame, house_postcode, streets)], ignore_index=True
    )


def _corrupt(
    rng: np.random.Generator,
    dupes: pd.DataFrame,
    frame: pd.DataFrame,
    postcodes: list[str],
    streets: list[str],
) -> pd.DataFrame:
    rows = dupes.to_dict("records")
    for row in rows:
        for _change in range(int(rng.integers(1, 4))):
            kind = rng.choice(
                ["typo_first", "typo_surname", "nickname", "swap", "move", "missing", "email"]
            )
            if kind == "typo_first":
                row["first_name"] = _typo(rng, row["first_name"])
            elif kind == "typo_surname":
                row["surname"] = _typo(rng, row["surname"])
            elif kind == "nickname" and row["first_name"] in NICKNAMES:
                row["first_name"] = NICKNAMES[row["first_name"]]
            elif kind == "swap":
                if row["dob"] is None:
                    continue
                year, month, day = row["dob"].split("-")
                if int(day) <= 12:
                    row["dob"] = f"{year}-{day}-{month}"
            elif kind == "move":
                row["house_number"] = str(int(rng.integers(1, 200)))
                row["street"] = streets[int(rng.integers(0, len(streets)))]
                row["postcode"] = postcodes[int(rng.integers(0, len(postcodes)))]
            elif kind == "missing":
                column = rng.choice(["dob", "postcode", "email", "phone", "first_name"])
                row[column] = None
            elif kind == "email":
                row["email"] = None if row["email"] is None else "old." + row["email"]
    return pd.DataFrame(rows, columns=COLUMNS)


def write(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix.lower() == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
