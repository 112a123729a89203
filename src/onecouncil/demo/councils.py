"""The demo councils: who they are, where their data comes from, and the names the demo's
residents are given."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class DemoCouncil:
    slug: str
    name: str
    prefix: str
    logo_text: str
    colour: str
    phone: str
    email: str
    hostname: str
    catalogue: str
    centre: tuple[float, float]
    outcodes: tuple[str, ...]
    town: str
    wards: tuple[tuple[str, str], ...]
    streets: tuple[str, ...]


DEMO_UPDATES = [
    "A crew has been booked for this week.",
    "We have inspected this and booked the repair.",
    "Our team visited today.",
    "This is on our list for the next round.",
]

COUNCILS = (
    DemoCouncil(
        slug="riverbend",
        name="Riverbend Borough Council",
        prefix="RVB",
        logo_text="Riverbend Council",
        colour="#00703c",
        phone="01632 960 000",
        email="contact@riverbend.example",
        hostname="riverbend.localhost",
        catalogue="riverbend.yaml",
        centre=(52.4862, -1.8904),
        outcodes=("RB1", "RB2", "RB3"),
        town="Riverbend",
        wards=(
            ("E05900001", "Abbey Meads"),
            ("E05900002", "Castle Hill"),
            ("E05900003", "Mill Quarter"),
            ("E05900004", "Weir Fields"),
        ),
        streets=(
            "High Street",
            "Mill Lane",
            "Church Road",
            "Station Approach",
            "Weir Road",
            "Abbey Close",
            "Castle Street",
            "Meadow Way",
            "Bridge Street",
            "Kingfisher Drive",
            "Willow Crescent",
            "Ferry Lane",
        ),
    ),
    DemoCouncil(
        slug="northfield",
        name="Northfield District Council",
        prefix="NFD",
        logo_text="Northfield District Council",
        colour="#4c2c92",
        phone="01632 961 000",
        email="customer.services@northfield.example",
        hostname="northfield.localhost",
        catalogue="northfield.yaml",
        centre=(54.5742, -1.2350),
        outcodes=("NF4", "NF5"),
        town="Northfield",
        wards=(
            ("E05900101", "Moorside"),
            ("E05900102", "Pit Lane"),
            ("E05900103", "Northfield Central"),
        ),
        streets=(
            "Moor Road",
            "Colliery Row",
            "Front Street",
            "Hawthorn Terrace",
            "Beck Lane",
            "Chapel Street",
            "Heather Grove",
            "Quarry Bank",
            "Market Place",
        ),
    ),
)

FIRST = [
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Eleanor",
    "Femi",
    "Grace",
    "Harry",
    "Isla",
    "Jack",
    "Kiran",
    "Lucy",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Rhys",
    "Sophie",
    "Tomasz",
    "Yusuf",
]
LAST = [
    "Ahmed",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Murphy",
    "Nowak",
    "Okafor",
    "Patel",
    "Roberts",
    "Singh",
    "Taylor",
    "Williams",
]
