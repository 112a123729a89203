import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from onecouncil.cases.models import Case
from onecouncil.catalogue.models import Question, Service, ServiceGroup
from onecouncil.core.models import Council, Membership, Role
from onecouncil.residents.models import Address, Ward


def test_demo_loads_two_distinct_councils_through_the_real_imports(db):
    out = io.StringIO()
    call_command("load_demo", requests=10, stdout=out)
    councils = list(Council.objects.order_by("slug"))
    assert [c.slug for c in councils] == ["northfield", "riverbend"]
    assert len({c.brand_colour for c in councils}) == 2
    for council in councils:
        assert Service.objects.filter(council=council).count() >= 20
        assert ServiceGroup.objects.filter(council=council).count() >= 5
        assert Ward.objects.filter(council=council).count() >= 3
        assert Address.objects.filter(council=council).count() >= 100
        # Its own ten; Riverbend also has those it handles for Northfield (below), and
        # each has those its demo sensors raised.
        made = Case.objects.filter(council=council, received_service__isnull=True)
        assert made.exclude(channel="sensor").count() == 10
    sensed = Case.objects.filter(council__slug="riverbend", channel="sensor")
    assert sensed.filter(service__code="litter-bin", asset__isnull=False).exists()
    assert sensed.filter(service__code="street-light").exists()
    catalogues = [
        frozenset(Service.objects.filter(council=c).values_list("name", flat=True))
        for c in councils
    ]
    assert catalogues[0] != catalogues[1]
    missed = Service.objects.get(council__slug="riverbend", code="missed-bin")
    assert set(Question.objects.filter(service=missed).values_list("code", flat=True)) >= {
        "which_bin",
        "out_by_7am",
    }
    # A two-tier pair to try: Riverbend looks after Northfield's street lights.
    district = Service.objects.get(council__slug="northfield", code="street-lighting")
    assert district.handled_by.council.slug == "riverbend"
    handed = Case.objects.filter(received_service=district)
    assert handed.count() == 3
    assert all(c.council.slug == "riverbend" and c.reference.startswith("RVB") for c in handed)
    assert "Two-tier: Riverbend Borough Council handles Northfield" in out.getvalue()
    assert "http://127.0.0.1:8000/riverbend/staff/" in out.getvalue()
    assert "councillor@ or data@riverbend.example" in out.getvalue()
    # Three systems' extracts each, overlapping as real ones do: the same people at the same
    # homes across systems, under forms and spellings of their own.
    from onecouncil.linkage.models import SourceRecord, SourceSystem

    systems = SourceSystem.objects.filter(council__slug="riverbend")
    assert systems.count() == 3 and systems.get(restricted=True).purposes == ["electoral"]
    held = {s.name: list(s.records.values_list("values", flat=True)) for s in systems}
    assert all(len(records) > 100 for records in held.values()), {
        k: len(v) for k, v in held.items()
    }
    tax_homes = {(r["surname"], r["uprn"]) for r in held["Council tax"]}
    register_homes = {(r["surname"], r["uprn"]) for r in held["Electoral register (full)"]}
    assert len(tax_homes & register_homes) > 50
    assert SourceRecord.objects.filter(source__council__slug="northfield").exists()
    # Loading again changes nothing; --if-empty does nothing at all.
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", if_empty=True, stdout=io.StringIO())
    assert Council.objects.count() == 2


def test_catalogue_commands_round_trip(council, other_council, missed_bin, tmp_path):
    path = tmp_path / "catalogue.yaml"
    call_command("catalogue_export", council=council.slug, output=str(path), stdout=io.StringIO())
    out = io.StringIO()
    call_command("catalogue_import", str(path), council=other_council.slug, stdout=out)
    assert "1 services created" in out.getvalue()
    assert Service.objects.filter(council=other_council, code="missed-bin").exists()


def test_the_console_command_is_manage_py():
    onecouncil = Path(sys.executable).parent / "onecouncil"
    result = subprocess.run(
        [str(onecouncil), "help", "catalogue_import"], capture_output=True, text=True, check=True
    )
    assert "all or" in result.stdout and "--council" in result.stdout


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.CASE_OFFICER])
def test_admin_shows_only_the_administrators_own_council(
    client, council, other_council, missed_bin, role
):
    from tests.factories import ServiceFactory

    theirs = ServiceFactory(council=other_council, code="theirs", name="Their service")
    user = get_user_model().objects.create_user("officer", password="x" * 16, is_staff=True)
    Membership.objects.create(council=council, user=user, role=role)
    client.force_login(user)
    listing = client.get("/admin/catalogue/service/")
    other = client.get(f"/admin/catalogue/service/{theirs.pk}/change/")
    if role == Role.ADMINISTRATOR:
        assert listing.status_code == 200
        assert "Report a missed bin collection" in listing.text
        assert "Their service" not in listing.text
        assert other.status_code in (302, 403, 404)
        assert client.get(f"/admin/catalogue/service/{missed_bin.pk}/change/").status_code == 200
    else:
        assert listing.status_code == 403


def test_council_administrator_exports_and_imports_yaml_in_the_admin(
    client, council, other_council, missed_bin
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = get_user_model().objects.create_user("admin1", password="x" * 16, is_staff=True)
    Membership.objects.create(council=council, user=user, role=Role.ADMINISTRATOR)
    client.force_login(user)
    exported = client.post("/admin/catalogue/service/export/", {"council": council.pk})
    assert exported["Content-Type"].startswith("application/yaml")
    text = exported.content.decode()
    assert "missed-bin" in text
    # Not another council's catalogue.
    refused = client.post("/admin/catalogue/service/export/", {"council": other_council.pk})
    assert refused.status_code == 200 and "Select a valid choice" in refused.text
    changed = text.replace("Report a missed bin collection", "Report a missed collection")
    response = client.post(
        "/admin/catalogue/service/import/",
        {"council": council.pk, "file": SimpleUploadedFile("c.yaml", changed.encode())},
    )
    assert response.status_code == 302
    missed_bin.refresh_from_db()
    assert missed_bin.name == "Report a missed collection"
    broken = client.post(
        "/admin/catalogue/service/import/",
        {"council": council.pk, "file": SimpleUploadedFile("c.yaml", b"services: [{code: x}]")},
    )
    assert "Nothing was imported" in broken.text and "services[0].group" in broken.text


def test_optimise_database_command_and_worker_job(db):
    from django.db import connection

    from onecouncil.core import database

    out = io.StringIO()
    call_command("optimise_database", stdout=out)
    assert "statistics refreshed" in out.getvalue()
    database._last_run = None  # a worker just started, however long ago the machine booted
    assert database.database_optimise_job() == 0
    ran = database._last_run
    assert (ran is not None) == (connection.vendor == "sqlite")
    database.database_optimise_job()
    assert database._last_run == ran  # at most hourly


def test_demo_requests_have_a_realistic_spread_of_states_and_dated_histories(db):
    from django.utils import timezone

    from onecouncil.cases.models import CaseEvent

    call_command("load_demo", requests=40, stdout=io.StringIO())
    cases = list(
        Case.objects.filter(council__slug="riverbend", received_service__isnull=True).exclude(
            channel="sensor"
        )
    )
    assert len(cases) == 40
    statuses = {c.status for c in cases}
    assert {"received", "in_progress", "fixed"} <= statuses, statuses
    closed = [c for c in cases if c.closed_at]
    assert 8 <= len(closed) <= 36
    assert sum(1 for c in cases if c.assignee_id) >= 20
    now = timezone.now()
    for case in cases:
        events = list(CaseEvent.objects.filter(case=case).order_by("id"))
        times = [e.created_at for e in events]
        assert times == sorted(times), case.reference  # the history reads in order
        assert times[0] == case.created_at and times[-1] <= now
        if case.closed_at:
            assert case.created_at < case.closed_at <= now


def test_the_demo_history_never_messages_a_reporter_who_left_no_way_to_reach_them(
    council, missed_bin
):
    """`make run`'s demo once stopped on an anonymous request of a private service: its
    history tried to send the reporter a private message. A history that does every step
    (closed, worked, with an update) must pass such a request by."""
    import datetime as dt
    import random

    from django.utils import timezone

    from onecouncil.cases.inputs import Contact
    from onecouncil.catalogue.models import Pattern
    from onecouncil.core.models import Membership, Role
    from onecouncil.demo.management.commands.load_demo import Command
    from tests.backoffice_helpers import staff
    from tests.factories import make_case

    missed_bin.visibility = "private"
    missed_bin.pattern = Pattern.REPORT
    missed_bin.anonymous_allowed = True
    missed_bin.save()
    case = make_case(
        missed_bin,
        answers={"which_bin": "general", "out_by_7am": "yes"},
        contact=Contact(anonymous=True),
    ).case
    staff(council, Role.CASE_OFFICER)

    class EveryStep(random.Random):
        def random(self) -> float:
            return 0.0

    reported = timezone.now() - dt.timedelta(days=30)
    Command()._history(case, reported, list(Membership.objects.all()), EveryStep(1))
    case.refresh_from_db()
    assert case.status in ("fixed", "closed")
