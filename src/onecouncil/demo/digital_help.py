"""The demo councils' directory of digital help: four places at their own gazetteer's
addresses, of each kind a council lists."""

from __future__ import annotations

from onecouncil.core.models import Council
from onecouncil.places.help import help_place_locate
from onecouncil.places.models import DigitalHelpPlace, HelpOffered, HelpPlaceKind
from onecouncil.residents.models import Address

PLACES = [
    (
        "{town} Central Library",
        HelpPlaceKind.LIBRARY,
        "Monday to Friday, 9am to 7pm\nSaturday, 9am to 1pm",
        [HelpOffered.DEVICES, HelpOffered.WIFI, HelpOffered.ONE_TO_ONE, HelpOffered.LOAN],
        "English, Welsh, Polish",
        "Step-free entrance, hearing loop, accessible toilet",
        "Drop in, or book a one-to-one session at the front desk or by phone.",
    ),
    (
        "{street} Community Centre",
        HelpPlaceKind.COMMUNITY_CENTRE,
        "Tuesdays and Thursdays, 10am to 12 noon",
        [HelpOffered.CLASSES, HelpOffered.WIFI],
        "English, Urdu",
        "Ground floor, step-free",
        "Book a place on the beginners' class by phone.",
    ),
    (
        "Digital champions at the Market Hall",
        HelpPlaceKind.DIGITAL_CHAMPION,
        "Wednesdays, 1pm to 4pm",
        [HelpOffered.ONE_TO_ONE],
        "English",
        "Step-free, seating available",
        "No booking needed: bring your phone or tablet.",
    ),
    (
        "{town} Learning Hub (online centre)",
        HelpPlaceKind.ONLINE_CENTRE,
        "Monday to Thursday, 10am to 3pm",
        [HelpOffered.DEVICES, HelpOffered.CLASSES, HelpOffered.ONE_TO_ONE],
        "English, Polish, Romanian",
        "First floor, lift available",
        "Book by phone or email.",
    ),
]


def demo_help_places(council: Council) -> int:
    addresses = list(
        Address.objects.filter(council=council, latitude__isnull=False).order_by("uprn")
    )
    if not addresses:
        return 0
    made = 0
    step = max(1, len(addresses) // len(PLACES))
    for i, (name, kind, opening, offered, languages, access, booking) in enumerate(PLACES):
        home = addresses[(i * step) % len(addresses)]
        place = DigitalHelpPlace(
            council=council,
            name=name.format(town=home.town, street=home.street or home.town)[:200],
            kind=kind,
            address=home.line1 + (f"\n{home.town}" if home.town else ""),
            postcode=home.postcode,
            opening_times=opening,
            help_offered=[str(h) for h in offered],
            languages=languages,
            accessibility=access,
            how_to_book=booking,
            phone=council.phone,
        )
        help_place_locate(place).save()
        made += 1
    return made
