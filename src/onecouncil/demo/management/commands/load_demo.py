"""Load two fictional councils with catalogues, addresses, staff and requests.

Everything goes through the product's own import and service functions, so the demo
is made the way a council's real data would be.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import secrets
import uuid
from decimal import Decimal
from typing import Any

import shapely
import shapely.geometry
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.actions import (
    case_add_update,
    case_assign,
    case_backdate,
    case_backdate_events,
    case_change_status,
    case_create,
    case_reporter_reachable,
    case_send_message,
    cases_bulk_load,
    council_geography_load,
)
from onecouncil.cases.inputs import Contact, Location, NewRequest, Submitter
from onecouncil.cases.models import Case, Channel, ResponseTemplate, Status, TemplateUse
from onecouncil.catalogue.exchange import catalogue_import
from onecouncil.catalogue.models import Pattern, Service
from onecouncil.catalogue.versions import catalogue_changed
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council, CouncilHostname, Membership, Role, Team
from onecouncil.demo.answers import plausible_answers, plausible_description
from onecouncil.demo.assets import demo_assets
from onecouncil.demo.councils import COUNCILS, DATA, DEMO_UPDATES, FIRST, LAST, DemoCouncil
from onecouncil.demo.digital_help import demo_help_places
from onecouncil.demo.feedback import demo_feedback
from onecouncil.demo.history import history
from onecouncil.demo.linkage import demo_sources
from onecouncil.demo.sensors import demo_backfill, demo_devices
from onecouncil.insight.models import settings_for
from onecouncil.insight.store import refresh as insight_refresh
from onecouncil.linkage.contact import index_refresh
from onecouncil.opendata.models import Release
from onecouncil.opendata.services import release_build, release_publish
from onecouncil.residents.models import Address, Ward
from onecouncil.residents.services import gazetteer_import
from onecouncil.staffing.services import staff_member_add
from onecouncil.triage.models import TriageSettings
from onecouncil.triage.training import triage_train


class Command(BaseCommand):
    help = "Load the demo councils (idempotent: councils that exist are left as they are)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--requests", type=int, default=40, help="Requests to create per council (default 40)."
        )
        parser.add_argument(
            "--history",
            type=int,
            default=0,
            help="Requests of three years' history to bulk load per council (make run: 6000).",
        )
        parser.add_argument(
            "--sensor-hours",
            type=float,
            default=36,
            help="Hours of the demo sensors' readings taken in (default 36; 0: none).",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--base-url",
            default=f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}",
            help="Where the demo is served, for links in its messages (default: PORT).",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any council exists already."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.base = options["base_url"].rstrip("/")
        rng = random.Random(options["seed"])
        if options["if_empty"] and Council.objects.exists():
            self.stdout.write("The database already has councils: demo not loaded.")
            return
        for spec in COUNCILS:
            if Council.objects.filter(slug=spec.slug).exists():
                self.stdout.write(f"{spec.name} already loaded.")
                continue
            with transaction.atomic():
                council = self._council(spec)
                self._gazetteer(council, spec, rng)
                self._geography(council)
                placed = demo_assets(council, rng)
                self.stdout.write(f"  {placed.created} assets ({', '.join(placed.types)}).")
                devices = demo_devices(council)
                password = self._staff(council, spec)
                self._earlier(council, rng, options["history"])
                # Of the recent requests, a few came by email or API without a service.
                waiting = min(6, options["requests"] // 5)
                self._requests(council, rng, options["requests"] - waiting)
                self._waiting(council, rng, waiting)
                hours = options["sensor_hours"]
                counts = demo_backfill(council, devices, hours, timezone.now())
                self.stdout.write(
                    f"  {len(devices)} sensors: {counts.get('stored', 0)} readings over {hours} "
                    f"hours; their rules raised or added to {counts['requests']} requests."
                )
                extracts = demo_sources(council, rng)
                self.stdout.write(
                    "  Systems' extracts for record linkage: "
                    + ", ".join(f"{name} {n}" for name, n in extracts.items())
                    + "."
                )
                linked = index_refresh(council)
                self.stdout.write(
                    f"  Person index: {linked['records']} records linked into "
                    f"{linked['people']} people; {linked['to_review']} pairs to review."
                )
                helped = demo_help_places(council)
                self.stdout.write(f"  {helped} places that help residents get online.")
                rated, days = demo_feedback(council=council, rng=rng)
                self.stdout.write(f"  {rated} ratings and {days} days of online journeys.")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {spec.name}: {self.base}/{spec.slug}/\n"
                    f"  staff pages: {self.base}/{spec.slug}/staff/ as admin@, "
                    "adviser@, officer@, leader@, manager@, councillor@ or "
                    f"data@{spec.slug}.example, "
                    f"password {password}"
                )
            )
        self._two_tier(rng, sample=min(3, options["requests"]))
        # The dashboards open with figures, without waiting for the insight worker.
        insight_refresh(full=True)
        # Suggestions from residents' own words, without waiting for the worker.
        for council in Council.objects.filter(slug__in=[spec.slug for spec in COUNCILS]):
            # The demo's history repeats a small phrasebook, so its model is far surer of
            # itself than one trained on real words (docs/triage.md): it routes only
            # what it is all but certain of, and the triage queue has work to show.
            TriageSettings.objects.update_or_create(
                council=council,
                defaults={"threshold_email": Decimal("0.99"), "threshold_api": Decimal("0.99")},
            )
            trained = triage_train(council)
            self.stdout.write(
                f"  Free-text model for {council.name}: version {trained.version}, "
                f"learnt from {trained.history_examples} requests in {trained.seconds} s."
            )
        # And the data page with a release, without waiting for the day's build.
        for council in Council.objects.filter(slug__in=[spec.slug for spec in COUNCILS]):
            if Release.objects.filter(council=council).exists():
                continue
            release = release_build(council=council)
            if release.problems:
                self.stdout.write(f"  Open data for {council.name} refused: {release.problems}")
            else:
                release_publish(release=release)
                self.stdout.write(f"  Open data for {council.name} published.")

    def _two_tier(self, rng: random.Random, sample: int) -> None:
        """A two-tier pair to try: Riverbend looks after Northfield's street lights (as a
        county looks after a district's highways). Residents report at Northfield, with
        Northfield's questions; the request is made in Riverbend's service, with its
        reference, and Northfield's staff read it. Set up once, after the history (the
        arrangement is new), with ``sample`` requests made through it (none when the demo
        is loaded without requests, as the browser tests do)."""
        district = Service.objects.filter(
            council__slug="northfield", code="street-lighting"
        ).first()
        county = Service.objects.filter(council__slug="riverbend", code="street-light").first()
        if district is None or county is None or district.handled_by_id is not None:
            return
        district.handled_by = county
        district.full_clean()
        district.save(update_fields=["handled_by"])
        catalogue_changed(council_id=district.council_id)
        addresses = list(Address.objects.filter(council=district.council)[:200])
        for _n in range(sample):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            case_create(
                council=district.council,
                request=NewRequest(
                    service=district,
                    answers=plausible_answers(district, rng),
                    location=Location(address=rng.choice(addresses)) if addresses else Location(),
                    contact=Contact(
                        name=f"{first} {last}", email=f"{first}.{last}@example.com".lower()
                    ),
                    channel=Channel.WEB,
                    submission_key=uuid.uuid4(),
                ),
            )
        self.stdout.write(
            f"  Two-tier: {county.council.name} handles {district.council.name}'s "
            f"'{district.name}' (made at {district.council.slug}, worked at {county.council.slug})."
        )

    def _council(self, spec: DemoCouncil) -> Council:
        council = Council(
            public_base_url=f"{self.base}/{spec.slug}",
            slug=spec.slug,
            name=spec.name,
            reference_prefix=spec.prefix,
            logo_text=spec.logo_text,
            brand_colour=spec.colour,
            phone=spec.phone,
            opening_hours="Monday to Friday, 8:30am to 5pm",
            email=spec.email,
            website=f"https://www.{spec.slug}.example",
        )
        council.full_clean()
        council.save()
        CouncilHostname.objects.create(council=council, hostname=spec.hostname)
        catalogue_import(council=council, text=(DATA / spec.catalogue).read_text("utf-8"))
        return council

    def _gazetteer(self, council: Council, spec: DemoCouncil, rng: random.Random) -> None:
        out = io.StringIO()
        out.write(
            "uprn,usrn,address_line_1,address_line_2,street,town,postcode,ward_code,"
            "ward_name,latitude,longitude\n"
        )
        uprn = 100_000_000_000 + (0 if spec.slug == "riverbend" else 50_000_000)
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        for index, street in enumerate(spec.streets):
            usrn = 20_000_000 + index + (0 if spec.slug == "riverbend" else 5000)
            ward_code, ward_name = spec.wards[index % len(spec.wards)]
            outcode = spec.outcodes[index % len(spec.outcodes)]
            lat0 = spec.centre[0] + rng.uniform(-0.02, 0.02)
            lon0 = spec.centre[1] + rng.uniform(-0.03, 0.03)
            for number in range(1, rng.randint(14, 30)):
                postcode = f"{outcode} {1 + index % 9}{letters[index]}{letters[number // 10]}"
                uprn += 1
                out.write(
                    f"{uprn},{usrn},{number} {street},,{street},{spec.town},{postcode},"
                    f"{ward_code},{ward_name},{lat0 + number * 0.0002:.6f},"
                    f"{lon0 + number * 0.0003:.6f}\n"
                )
        out.seek(0)
        result = gazetteer_import(council=council, handle=out)
        if result.errors:
            raise RuntimeError(result.errors)

    def _geography(self, council: Council) -> None:
        """Ward boundaries and street lines that agree with the generated gazetteer, loaded
        through the same import a council uses: each address's Voronoi cell joins its
        ward, within a box around the town; each street is a line through its houses."""
        addresses = list(
            Address.objects.filter(council=council, latitude__isnull=False)
            .select_related("ward")
            .order_by("street", "uprn")
        )
        points = shapely.MultiPoint([(a.longitude, a.latitude) for a in addresses])
        area = shapely.box(*points.bounds).buffer(0.01, join_style="mitre")
        cells = shapely.voronoi_polygons(points, extend_to=area, ordered=True).geoms
        by_ward: dict[tuple[str, str], list[Any]] = {}
        for address, cell in zip(addresses, cells, strict=True):
            assert address.ward is not None
            by_ward.setdefault((address.ward.code, address.ward.name), []).append(
                cell.intersection(area)
            )
        wards = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"WD23CD": code, "WD23NM": name},
                    "geometry": shapely.geometry.mapping(shapely.union_all(parts).buffer(0)),
                }
                for (code, name), parts in sorted(by_ward.items())
            ],
        }
        by_street: dict[tuple[str, int | None], list[tuple[float, float]]] = {}
        for address in addresses:
            assert address.longitude is not None and address.latitude is not None
            by_street.setdefault((address.street, address.usrn), []).append(
                (address.longitude, address.latitude)
            )
        streets = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": street, "usrn": usrn},
                    "geometry": {"type": "LineString", "coordinates": sorted(points_)},
                }
                for (street, usrn), points_ in sorted(by_street.items())
                if len(points_) > 1
            ],
        }
        council_geography_load(
            council=council,
            wards=json.dumps(wards),
            streets=json.dumps(streets),
            attribution=_("Demonstration wards and streets, made up for this demo"),
        )

    def _earlier(self, council: Council, rng: random.Random, count: int) -> None:
        """Three years of earlier requests through the bulk loader, and the insight
        settings that make savings measurable: the first year as the baseline."""
        if count <= 0:
            return
        # Requests are made to the services residents choose; the triage service's
        # waiting requests come from _waiting.
        services = list(
            Service.objects.filter(council=council, needs_triage=False).prefetch_related(
                "questions"
            )
        )
        addresses = list(Address.objects.filter(council=council).select_related("ward"))
        loaded = cases_bulk_load(
            council=council,
            requests=history(
                council=council,
                services=services,
                addresses=addresses,
                names=(FIRST, LAST),
                count=count,
                rng=rng,
            ),
        )
        settings = settings_for(council)
        today = timezone.localdate()
        settings.baseline_start = today.replace(year=today.year - 3)
        settings.baseline_end = today.replace(year=today.year - 2)
        settings.savings_target = Decimal("2000")
        settings.full_clean()
        settings.save()
        self.stdout.write(f"  {loaded} requests of history loaded for {council.name}.")

    def _requests(self, council: Council, rng: random.Random, count: int) -> None:
        # Requests are made to the services residents choose; the triage service's
        # waiting requests come from _waiting.
        services = list(
            Service.objects.filter(council=council, needs_triage=False).prefetch_related(
                "questions"
            )
        )
        officers = list(
            Membership.objects.filter(
                council=council, role__in=[Role.CASE_OFFICER, Role.TEAM_LEADER]
            ).select_related("user")
        )
        addresses = list(Address.objects.filter(council=council).select_related("ward"))
        channels = [Channel.WEB] * 6 + [Channel.PHONE] * 3 + [Channel.FACE_TO_FACE]
        for _n in range(count):
            service = rng.choice(services)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            address = rng.choice(addresses)
            location = Location(address=address) if service.location_required else Location()
            anonymous = service.anonymous_allowed and rng.random() < 0.2
            contact = Contact(
                name=f"{first} {last}",
                email=f"{first}.{last}@example.com".lower(),
                phone=f"07700 900{rng.randint(100, 999)}",
                anonymous=anonymous,
            )
            channel = rng.choice(channels)
            result = case_create(
                council=council,
                request=NewRequest(
                    service=service,
                    answers=plausible_answers(service, rng),
                    description=plausible_description(service, rng),
                    location=location,
                    contact=contact,
                    channel=channel,
                    submission_key=uuid.uuid4(),
                    # Recorded as the channel itself: an adviser's call, a letter typed in.
                    submitter=Submitter(actor=Actor.system(str(Channel(channel).label))),
                ),
            )
            # Spread the demo's requests over the last eight weeks, each with the history
            # staff would have given it by now.
            when = timezone.now() - dt.timedelta(minutes=rng.randint(60, 60 * 24 * 56))
            case_backdate(case=result.case, reported_at=when)
            self._history(result.case, when, officers, rng)

    def _waiting(self, council: Council, rng: random.Random, count: int) -> None:
        """A few emails and API requests in the council's triage service, in residents'
        own words, for the triage queue and the model to route."""
        inbox = Service.objects.filter(council=council, needs_triage=True).first()
        if inbox is None or count <= 0:
            return
        others = list(Service.objects.filter(council=council, needs_triage=False))
        for _n in range(count):
            words = ""
            while not words:
                words = plausible_description(rng.choice(others), rng)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            case_create(
                council=council,
                request=NewRequest(
                    service=inbox,
                    answers={"description": words},
                    location=Location(),
                    contact=Contact(
                        name=f"{first} {last}", email=f"{first}.{last}@example.com".lower()
                    ),
                    channel=rng.choice([Channel.EMAIL, Channel.API]),
                    submission_key=uuid.uuid4(),
                    submitter=Submitter(actor=Actor.system(str(Channel.EMAIL.label))),
                ),
            )

    def _history(
        self, case: Case, reported: dt.datetime, officers: list[Any], rng: random.Random
    ) -> None:
        """Assign, work and (the older the request, the likelier) close it, through the
        same writer staff use, then date each step: a realistic spread of states."""
        now = timezone.now()
        days = 1.4 * (case.service.sla_amount or 5)  # a target in calendar days, roughly
        age = (now - reported).total_seconds() / 86400
        at = reported

        def step(after: float, action: Any) -> None:
            nonlocal at
            moment = min(at + dt.timedelta(days=after), now - dt.timedelta(minutes=1))
            if moment <= at:
                return
            since = timezone.now()
            action()
            case_backdate_events(case=case, since=since, at=moment)
            at = moment

        membership = rng.choice(officers)
        officer = membership.user
        actor = Actor(
            user=officer,
            label=officer.get_full_name() or officer.get_username(),
            membership=membership,
        )
        if rng.random() < 0.85:
            step(
                rng.uniform(0.05, 0.4),
                lambda: case_assign(case=case, assignee=officer, actor=actor),
            )
        closed = rng.random() < min(0.9, age / (2 * days))
        working = rng.random() < 0.6
        if closed or working:
            step(
                rng.uniform(0.2, 1.0),
                lambda: case_change_status(case=case, status=Status.IN_PROGRESS, actor=actor),
            )
        # Staff say what happened: publicly on a public request, privately to the
        # reporter of a private one, and only if they left a way to reach them.
        says = case_add_update if case.service.is_public else case_send_message
        reachable = case.service.is_public or case_reporter_reachable(case)
        if case.service.pattern == Pattern.REPORT and (closed or rng.random() < 0.3) and reachable:
            step(
                rng.uniform(0.2, 1.0),
                lambda: says(case=case, message=rng.choice(DEMO_UPDATES), actor=actor),
            )
        if closed:
            if rng.random() < 0.8:
                status, reason = Status.FIXED, ""
            else:
                status, reason = (
                    Status.CLOSED,
                    rng.choice(["no_action", "not_responsible", "referred"]),
                )
            # Most close within the target, some late.
            step(
                rng.uniform(0.1, 1.3) * days,
                lambda: case_change_status(
                    case=case,
                    status=status,
                    actor=actor,
                    closure_reason=reason,
                    message=_("Thank you for telling us. This is now done.")
                    if status == Status.FIXED
                    else "",
                ),
            )
        elif not working and rng.random() < 0.2:
            step(
                rng.uniform(0.2, 1.0),
                lambda: case_change_status(
                    case=case,
                    status=Status.AWAITING_RESIDENT,
                    actor=actor,
                    message=_("We need a little more information from you."),
                ),
            )

    def _staff(self, council: Council, spec: DemoCouncil) -> str:
        """One member of staff per role, all with the same printed password."""
        user_model = get_user_model()
        password = secrets.token_urlsafe(12)
        teams = list(Team.objects.filter(council=council))
        people = [
            ("admin", "Alex", "Admin", Role.ADMINISTRATOR, teams),
            ("adviser", "Asha", "Adviser", Role.ADVISER, []),
            ("officer", "Owen", "Officer", Role.CASE_OFFICER, teams[:2]),
            ("leader", "Lena", "Leader", Role.TEAM_LEADER, teams[:2]),
            ("manager", "Mo", "Manager", Role.SERVICE_MANAGER, teams),
            ("councillor", "Chris", "Councillor", Role.COUNCILLOR, []),
            ("data", "Dana", "Data", Role.DATA_OFFICER, []),
        ]
        wards = list(Ward.objects.filter(council=council).values_list("code", flat=True)[:1])
        for handle, first, last, role, member_of in people:
            email = f"{handle}@{spec.slug}.example"
            user = user_model.objects.create_user(
                username=email,
                email=email,
                password=password,
                first_name=first,
                last_name=last,
            )
            staff_member_add(
                council=council, user=user, role=role, teams=member_of, ward_codes=wards
            )
        for name, body, use in (
            (
                "We have inspected it",
                "Thank you for reporting this. An inspector visited and "
                "we have arranged the work. We aim to finish by {due_date}.",
                TemplateUse.PUBLIC_UPDATE,
            ),
            (
                "Crew on the way",
                "A crew is on the way to deal with request {reference} today.",
                TemplateUse.PUBLIC_UPDATE,
            ),
            (
                "Need more information",
                "Dear {name}, we need a little more information to deal "
                "with {reference}. Please call us and give your reference number.",
                TemplateUse.MESSAGE,
            ),
        ):
            template = ResponseTemplate(council=council, name=name, body=body, use=use)
            template.full_clean()
            template.save()
        return password
