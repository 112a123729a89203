"""Record linkage in a real browser: a data officer registers a source system, maps its
columns, imports its extract (a bad one first) and works the review queue; an adviser
finds a caller by name and opens their single view."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path("var/screenshots")


def _signed_in(browser, demo, username):
    from django.contrib.auth import get_user_model

    from tests.e2e.test_staff_journey import PASSWORD, sign_in_with_keyboard

    user = get_user_model().objects.get(username=username)
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in_with_keyboard(page, demo, username)
    return context, page


def _shots(page, name):
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_a_data_officer_registers_and_imports_a_source_and_works_the_review_queue(
    demo, browser, tmp_path
):
    from onecouncil.linkage.models import LinkRecord, PairReview, ReviewStatus, SourceRecord

    known = next(
        r.values
        for r in SourceRecord.objects.filter(
            source__council__slug="riverbend", source__name="Council tax", gone_at=None
        ).order_by("pk")
        if r.values.get("dob") and r.values.get("postcode") and r.values.get("first_name")
    )
    context, page = _signed_in(browser, demo, "data@riverbend.example")
    page.get_by_role("link", name="Linkage").click()
    expect(page.get_by_role("heading", name=re.compile("The council's systems"))).to_be_visible()
    assert_accessible(page)

    # Registering: nothing is saved until the mapping names a surname (or an email).
    page.get_by_label("Name of the system").fill("Parking permits")
    page.get_by_label("Owner").fill("Parking services")
    page.get_by_label("Lawful basis").select_option("public_task")
    page.get_by_label("A single view of the resident for staff").check()
    page.get_by_label("The extract's column holding the system's own record number").fill("PERMIT")
    page.get_by_role("button", name="Register the system").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("column for the surname")
    assert_accessible(page)
    page.get_by_label("Column for: First name").fill("FORENAME")
    page.get_by_label("Column for: Surname").fill("SURNAME")
    page.get_by_label("Column for: Date of birth").fill("DOB")
    page.get_by_label("Column for: Postcode").fill("POSTCODE")
    page.get_by_role("button", name="Register the system").click()
    expect(page.get_by_role("heading", name="Parking permits")).to_be_visible()
    expect(page.locator(".govuk-notification-banner, #flash, .govuk-panel").first).to_contain_text(
        "registered"
    )

    # A bad extract: refused, with the row named, and nothing imported.
    bad = tmp_path / "permits-bad.csv"
    bad.write_text("PERMIT,FORENAME,SURNAME,DOB,POSTCODE\nP1,Ann,Lee,31/02/1990,RB1 1AA\n")
    page.get_by_label("The extract").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Row 2: DOB 31/02/1990")
    assert_accessible(page)
    good = tmp_path / "permits.csv"
    dob = known["dob"].split("-")
    good.write_text(
        "PERMIT,FORENAME,SURNAME,DOB,POSTCODE\n"
        f"P1,{known['first_name'].title()},{known['surname'].title()},"
        f"{dob[2]}/{dob[1]}/{dob[0]},{known['postcode'] or ''}\n"
        "P2,Zebedee,Quarrington,01/01/1970,\n"
    )
    page.get_by_label("The extract").set_input_files(str(good))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("body")).to_contain_text("Imported 2 rows: 2 new")
    expect(page.locator("#imports")).to_contain_text("permits.csv")
    assert_accessible(page)
    _shots(page, "linkage-source")

    # The model page, then the review queue: the first pair is decided, and binds.
    page.get_by_role("link", name="The linkage model").first.click()
    expect(page.get_by_role("heading", name=re.compile("Version 1"))).to_be_visible()
    assert_accessible(page)
    _shots(page, "linkage-model")
    page.get_by_role("link", name=re.compile("Review queue")).first.click()
    first = page.locator("form[id^=pair-]").first
    pair_id = int(first.get_attribute("id").split("-")[1])
    assert_accessible(page)
    _shots(page, "linkage-review")
    first.get_by_label("No, different people").check()
    first.get_by_label("Why (optional)").fill("Different dates of birth on the register")
    first.get_by_role("button", name="Save decision").click()
    expect(page.locator("body")).to_contain_text("Decision saved")
    decided = PairReview.objects.get(pk=pair_id)
    assert decided.status == ReviewStatus.DIFFERENT
    assert decided.decided_by == "data@riverbend.example"
    left, right = (
        LinkRecord.objects.get(pk=decided.left_id),
        LinkRecord.objects.get(pk=decided.right_id),
    )
    assert left.person_id != right.person_id
    expect(page.locator(f"#pair-{pair_id}")).to_have_count(0)

    # A wrong link undone: one record of a person split off, with the reason.
    person = next(
        p
        for p in LinkRecord.objects.filter(council__slug="riverbend")
        .values_list("person_id", flat=True)
        .distinct()
        if p and LinkRecord.objects.filter(person_id=p).count() >= 2
    )
    moved = LinkRecord.objects.filter(person_id=person).order_by("pk").last()
    page.goto(f"{demo}/riverbend/staff/single-view/{person}/")
    page.get_by_role("button", name="Split into another person").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()  # nothing chosen, no reason
    assert_accessible(page)
    page.get_by_label(moved.key).check()
    page.get_by_label("Why they are someone else").fill("A different Robert at the same address")
    page.get_by_role("button", name="Split into another person").click()
    expect(page.locator("body")).to_contain_text("split into a person of their own")
    moved.refresh_from_db()
    assert moved.person_id != person
    assert PairReview.objects.filter(
        status=ReviewStatus.DIFFERENT, reason="A different Robert at the same address"
    ).exists()

    # A new run asked for from the model page: the worker takes it.
    page.get_by_role("link", name="Linkage").click()
    page.get_by_role("link", name="The linkage model").first.click()
    page.get_by_label("Train a new model on today's records first").check()
    page.get_by_role("button", name="Run linkage again").click()
    expect(page.locator("body")).to_contain_text("Linkage will run again")
    from onecouncil.linkage.models import IndexState

    state = IndexState.objects.get(council__slug="riverbend")
    assert state.run_requested and state.retrain_requested
    context.close()


def test_an_adviser_finds_a_caller_and_opens_their_single_view(demo, browser):
    from django.db.models import Count

    from onecouncil.linkage.models import LinkRecord
    from onecouncil.residents.models import Person

    linked = (
        LinkRecord.objects.filter(council__slug="riverbend", kind="source")
        .values("person_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("person_id")
        .first()
    )
    person = Person.objects.get(pk=linked["person_id"])
    context, page = _signed_in(browser, demo, "adviser@riverbend.example")
    page.get_by_role("link", name="Search", exact=True).click()
    page.locator("#id_q").fill(person.name)
    page.keyboard.press("Enter")
    expect(page.locator("#people-found")).to_be_visible()
    assert_accessible(page)
    page.locator("#people-found").get_by_role("link", name=person.name).first.click()
    expect(page.get_by_role("heading", name=person.name)).to_be_visible()
    expect(page.locator("#golden-record")).to_contain_text("Date of birth")
    expect(page.locator("#holdings")).to_contain_text("Council tax")
    # An adviser reads the view; splitting is for data staff.
    expect(page.get_by_role("button", name="Split into another person")).to_have_count(0)
    # The full electoral register is for electoral purposes only: never in the view.
    expect(page.locator("body")).not_to_contain_text("Electoral register")
    assert_accessible(page)
    _shots(page, "single-view")

    # The same person rings: they reported something before, which the worker linked.
    from onecouncil.cases.inputs import Contact, Location
    from onecouncil.catalogue.models import Service
    from onecouncil.linkage.contact import follow
    from onecouncil.residents.models import Address
    from tests.factories import ServiceFactory, make_case

    service = ServiceFactory(
        council=Service.objects.filter(council__slug="riverbend").first().council,
        code="general-enquiry",
        name="General enquiry",
    )
    made = make_case(
        service,
        location=Location(address=Address.objects.filter(council__slug="riverbend").first()),
        contact=Contact(name=person.name, email="caller@example.com"),
    ).case
    follow(made.council)
    page.goto(f"{demo}/riverbend/staff/new/{service.code}/")
    page.locator("#find").fill(person.name)
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.locator("#caller-matches")).to_contain_text(made.reference)
    assert_accessible(page)
    page.locator("#caller-matches").get_by_role(
        "link", name=f"{person.name}'s single view"
    ).first.click()
    expect(page.get_by_role("heading", name=re.compile(person.name))).to_be_visible()
    # Their request is in the view (the adviser's door to it is the same as the queue's).
    expect(page.locator("body")).to_contain_text(made.reference)
    context.close()


def test_a_resident_tells_the_council_tax_system_of_a_move_once(demo, page):
    """The resident's account is linked to their council tax record (a data officer
    decided it); telling us of a new phone number offers Council tax, and choosing it
    gives the council tax team a task with the system's reference."""
    from onecouncil.cases.models import Case
    from onecouncil.core.models import Membership, Role
    from onecouncil.linkage.contact import records_link
    from onecouncil.linkage.models import LinkRecord, PairReview, SourceRecord
    from onecouncil.linkage.review import pair_decide
    from onecouncil.residents.accounts import account_signup, account_verify
    from onecouncil.residents.models import Account
    from tests.frontdoor.test_accounts import GOOD_PASSWORD

    record = (
        SourceRecord.objects.filter(
            source__council__slug="riverbend", source__name="Council tax", gone_at=None
        )
        .order_by("pk")
        .first()
    )
    council = record.source.council
    issued = account_signup(council=council, email="told.once@example.com", password=GOOD_PASSWORD)
    account = account_verify(
        council=council, token=issued.token, chosen=(issued.account.email, issued.password_hash)
    )
    Account.objects.filter(pk=account.pk).update(
        name=f"{record.values['first_name']} {record.values['surname']}".title()
    )
    records_link(council, "account", [account.pk])
    mine = LinkRecord.objects.get(kind="account", ref_id=account.pk)
    theirs = LinkRecord.objects.get(kind="source", ref_id=record.pk)
    if mine.person_id != theirs.person_id:
        left, right = sorted((mine.pk, theirs.pk))
        pair, _new = PairReview.objects.get_or_create(council=council, left_id=left, right_id=right)
        officer = Membership.objects.get(council=council, role=Role.DATA_OFFICER)
        pair_decide(membership=officer, pair_id=pair.pk, same=True, reason="Same person")

    page.goto(f"{demo}/riverbend/account/sign-in/")
    page.get_by_label("Email address").fill("told.once@example.com")
    page.get_by_label("Password").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{demo}/riverbend/account/change/")
    page.get_by_label("New phone number").fill("07700 900321")
    page.get_by_label("Council tax").check()
    assert_accessible(page)
    _shots(page, "tell-systems")
    page.get_by_role("button", name="Tell us").click()
    expect(page.locator("#passed-to")).to_contain_text("Council tax")
    task = Case.objects.get(account=account, change_details__system__name="Council tax")
    assert task.change_details["system"]["their_reference"] == record.source_key
    assert task.service == record.source.service
