"""Every form that posts, submitted once in Chromium by clicking the page's own button.

Django's test client sends no Origin header and skips what a browser does with
Referrer-Policy, so a form can pass every other test and still fail for real people
with a CSRF 403. The resident, staff and admin journeys elsewhere cover the report
forms, the account, the assisted channel and the case actions they use; this file
covers the rest: following and stopping, reopening from the private link, people and
invitations, the invitation's password page, notes, photos, duplicates, bulk changes,
signing out, and the staff admin's sign-in, service editing and catalogue import.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from onecouncil.cases.actions import case_change_status
from onecouncil.cases.inputs import Contact, Location, NewRequest
from onecouncil.cases.models import EventKind, Follower, Status
from onecouncil.catalogue.models import Question, Service
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council, Membership
from onecouncil.notify.models import Notification
from onecouncil.residents.models import Address
from tests.e2e.conftest import assert_accessible, pass_two_factor
from tests.factories import make_case

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
MEDWAY_WARDS = Path(__file__).resolve().parents[1] / "data/boundaries/medway-wards-2013.geojson"
PASSWORD = "a-long-demo-password-2026"
NEW_PASSWORD = "heron-kettle-orchard-9"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context


def _missed_bin_case(council, **contact):
    service = Service.objects.get(council=council, code="missed-bin")
    address = Address.objects.filter(council=council).first()
    return make_case(
        service,
        answers={"which_bin": "general", "out_by_7am": "yes"},
        location=Location(address=address),
        contact=Contact(**contact) if contact else Contact(name="Ola Nowak", email="ola@x.example"),
    )


def _staff_sign_in(page, base, username, password):
    page.goto(f"{base}/riverbend/staff/sign-in/")
    page.get_by_label("Email address or username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    pass_two_factor(page, username)
    page.wait_for_url(re.compile(r"/staff/queue/"))


def test_resident_forms_follow_stop_and_reopen(demo, browser):
    council = Council.objects.get(slug="riverbend")
    made = _missed_bin_case(council)
    case = made.case
    context = _context(browser)
    page = context.new_page()

    # A neighbour follows the request from its public page, then stops from the email.
    page.goto(f"{demo}/riverbend/track/{case.reference}/")
    page.get_by_label("Your email address").fill("neighbour@x.example")
    page.get_by_role("button", name=re.compile("Follow")).click()
    expect(page.get_by_text("Check your email")).to_be_visible()
    follower = Follower.objects.get(case=case, email="neighbour@x.example")
    assert follower.confirmed_at is None
    page.goto(f"{demo}/riverbend/follow/confirm/{follower.unsubscribe_token}/")
    page.get_by_role("button", name="Yes, send me the updates").click()
    expect(page.get_by_text("You are following this request")).to_be_visible()
    assert_accessible(page)
    follower.refresh_from_db()
    assert follower.confirmed_at is not None
    page.goto(f"{demo}/riverbend/unfollow/{follower.unsubscribe_token}/")
    page.get_by_role("button", name="Stop following").click()
    expect(page.get_by_text("You have stopped following this request")).to_be_visible()
    follower.refresh_from_db()
    assert follower.unsubscribed_at is not None

    # The reporter reopens it from the private link (Referrer-Policy: strict-origin, so
    # Chromium sends a real Origin and the CSRF check passes).
    for status in (Status.IN_PROGRESS, Status.FIXED):
        case = case_change_status(case=case, status=status, actor=Actor.system("Crew"))
    page.goto(f"{demo}/riverbend/track/{case.reference}/{made.private_token}/")
    page.get_by_role("button", name="Reopen request").click()
    expect(page.locator("#reason-error")).to_contain_text("Tell us why")
    page.get_by_label("Not sorted? Reopen this request").fill("The bin is still full.")
    page.get_by_role("button", name="Reopen request").click()
    expect(page.get_by_text("We have reopened your request")).to_be_visible()
    assert_accessible(page)
    case.refresh_from_db()
    assert case.status == Status.REOPENED
    context.close()


def test_resident_rates_a_closed_request_and_says_whether_a_page_is_useful(demo, browser):
    from onecouncil.insight.models import PageFeedback, Rating
    from onecouncil.insight.store import refresh

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    council = Council.objects.get(slug="riverbend")
    case = _missed_bin_case(council).case
    for status in (Status.IN_PROGRESS, Status.FIXED):
        case = case_change_status(case=case, status=status, actor=Actor.system("Crew"))
    closing = Notification.objects.filter(kind="case_update", recipient="ola@x.example").latest(
        "pk"
    )
    link = closing.context["rating_url"]
    assert link.startswith(demo)
    context = _context(browser)
    page = context.new_page()
    page.goto(link)
    assert Rating.objects.count() == 0  # opening the link records nothing
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose how satisfied you are")
    page.get_by_label("Satisfied", exact=True).check()
    page.get_by_label("Tell us more").fill("Quick, thanks. Reply to ola@x.example if needed.")
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"rate-{width}.png"), full_page=True)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    rating = Rating.objects.get(case=case)
    assert rating.score == 4 and "ola@" not in rating.comment

    # "Is this page useful?" from the foot of the home page.
    page.goto(f"{demo}/riverbend/")
    page.get_by_role("link", name="Is this page useful? Tell us").click()
    page.get_by_label("No", exact=True).check()
    page.get_by_label("What were you trying to do").fill("Find bin days. Ring 07700 900123.")
    assert_accessible(page)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you for your feedback")).to_be_visible()
    said = PageFeedback.objects.get()
    assert said.page == "frontdoor:home" and not said.useful and "07700" not in said.comment

    # The public performance page, from the footer.
    refresh(full=True, refit=False)
    page.goto(f"{demo}/riverbend/")
    page.get_by_role("link", name="How we are doing").click()
    expect(page.get_by_role("heading", name="How each service is doing")).to_be_visible()
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"performance-{width}.png"), full_page=True)
    context.close()


def test_staff_forms_people_invitation_and_case_tools(demo, browser):
    council = Council.objects.get(slug="riverbend")
    users = get_user_model().objects
    admin = users.get(username="admin@riverbend.example")
    admin.set_password(PASSWORD)
    admin.save()
    first = _missed_bin_case(council).case
    second = _missed_bin_case(council, name="Ola Nowak", email="ola@x.example").case
    third = _missed_bin_case(council, name="Ola Nowak", email="ola@x.example").case

    context = _context(browser)
    page = context.new_page()
    _staff_sign_in(page, demo, "admin@riverbend.example", PASSWORD)
    page.get_by_role("link", name="People").click()
    assert_accessible(page)
    page.get_by_role("link", name="Invite a member of staff").click()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter their full name")
    page.get_by_label("Full name").fill("Priya Shah")
    page.get_by_label("Work email address").fill("priya@riverbend.example")
    page.get_by_label("Case officer").check()
    page.locator("#id_teams_0").check()
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SCREENSHOTS / "invite-375.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("#flash")).to_contain_text("An invitation has been sent to priya@")
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SCREENSHOTS / f"people-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/staff/sign-in/"))
    context.close()

    # The invitee, in their own browser, from the email.
    link = Notification.objects.get(kind="staff_invite").context["link"]
    context = _context(browser)
    page = context.new_page()
    page.goto(link)
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "welcome-1280.png"), full_page=True)
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    page.wait_for_url(re.compile(r"/staff/sign-in/"))
    expect(page.get_by_text("Your password is set")).to_be_visible()
    _staff_sign_in(page, demo, "priya@riverbend.example", NEW_PASSWORD)
    priya = users.get(username="priya@riverbend.example")
    assert Membership.objects.get(user=priya, council=council).role == "case_officer"

    # Case tools: a note, a photo, marking a duplicate.
    page.goto(f"{demo}/riverbend/staff/cases/{second.reference}/")
    page.get_by_label("Note for staff").fill("Called the crew; they will go back today.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#flash")).to_be_visible()
    page.get_by_label("Add a photo").set_input_files(
        {"name": "bin.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="Upload photo").click()
    expect(page.locator("#flash")).to_be_visible()
    page.get_by_label("Reference of the original request").fill(first.reference)
    page.get_by_role("button", name="Mark as duplicate").click()
    expect(page.locator("#flash")).to_be_visible()
    second.refresh_from_db()
    assert second.duplicate_of_id == first.pk
    # The same at one click, from the likely duplicates (the same place, the same day).
    page.goto(f"{demo}/riverbend/staff/cases/{third.reference}/")
    expect(page.locator("#likely-duplicates")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=f"Mark this as a duplicate of {first.reference}").click()
    expect(page.locator("#flash")).to_be_visible()
    third.refresh_from_db()
    assert third.duplicate_of_id == first.pk
    assert second.events.filter(kind=EventKind.NOTE).exists()
    assert second.photos.count() == 1
    context.close()

    # A team leader's bulk change from the queue.
    leader = users.get(username="leader@riverbend.example")
    leader.set_password(PASSWORD)
    leader.save()
    context = _context(browser)
    page = context.new_page()
    _staff_sign_in(page, demo, "leader@riverbend.example", PASSWORD)
    page.goto(f"{demo}/riverbend/staff/queue/?status=open&team=")
    page.locator(f"input[name=references][value='{first.reference}']").check()
    page.get_by_label("Change status to").select_option("in_progress")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator("#flash")).to_be_visible()
    first.refresh_from_db()
    assert first.status == Status.IN_PROGRESS
    context.close()


def test_admin_forms_sign_in_edit_a_service_and_import(demo, browser, tmp_path):
    users = get_user_model().objects
    admin = users.get(username="admin@riverbend.example")
    admin.set_password(PASSWORD)
    admin.save()
    council = Council.objects.get(slug="riverbend")
    service = Service.objects.get(council=council, code="missed-bin")
    question = Question.objects.filter(service=service, kind="several_of").first() or (
        Question.objects.filter(service=service, kind="one_of").first()
    )
    assert question is not None
    labels = [o["label"] for o in question.options]

    context = _context(browser)
    page = context.new_page()
    page.goto(f"{demo}/admin/")
    page.get_by_label("Username").fill("admin@riverbend.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    pass_two_factor(page, "admin@riverbend.example")  # the admin needs the second step too
    page.wait_for_url(re.compile(r"/admin/$"))
    page.goto(f"{demo}/admin/catalogue/service/{service.pk}/change/")
    editor = page.locator(f"table.oc-options-editor >> nth={_question_index(service, question)}")
    # Put the last option first and add one.
    count = len(labels)
    editor.get_by_label(f"Order of option {count}").fill("0")
    editor.get_by_label(f"Value of option {count + 1}").fill("bulky")
    editor.get_by_label(f"Label of option {count + 1}").fill("Bulky waste")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    question.refresh_from_db()
    assert question.options[0]["label"] == labels[-1]
    assert question.options[-1] == {"value": "bulky", "label": "Bulky waste"}

    # Export the catalogue, then import the same file: everything updated, nothing lost.
    page.goto(f"{demo}/admin/catalogue/service/export/")
    page.get_by_label("Council").select_option(label=council.name)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download YAML").click()
    path = tmp_path / "catalogue.yaml"
    download.value.save_as(path)
    assert "bulky" in path.read_text()
    page.goto(f"{demo}/admin/catalogue/service/import/")
    page.get_by_label("Council").select_option(label=council.name)
    page.get_by_label("Catalogue file (YAML)").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".messagelist")).to_contain_text("updated")
    assert urlsplit(page.url).path == "/admin/catalogue/service/"

    # Boundaries and streets: the import page, from the list's button.
    page.goto(f"{demo}/admin/places/councilboundary/")
    page.get_by_role("link", name="Import boundaries and streets").click()
    page.get_by_label("Council:", exact=True).select_option(label=council.name)
    page.get_by_label("Ward boundaries").set_input_files(str(MEDWAY_WARDS))
    page.get_by_label("Attribution shown on maps").fill(
        "Contains OS data © Crown copyright and database right 2013"
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".messagelist")).to_contain_text("22 wards created")
    council.refresh_from_db()
    assert council.geography_attribution.endswith("2013")

    # A system requests are sent on to: its key is kept to send with, never shown again.
    from onecouncil.catalogue.models import Backend

    page.goto(f"{demo}/admin/catalogue/backend/add/")
    page.get_by_label("Council:", exact=True).select_option(label=council.name)
    page.get_by_label("Name:", exact=True).fill("Highways asset system")
    page.get_by_label("Open311 base address:").fill("https://assets.example.gov.uk/open311/v2/")
    page.get_by_label("API key:").fill("secret-key-123")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    backend = Backend.objects.get(council=council, name="Highways asset system")
    assert backend.api_key == "secret-key-123"
    page.goto(f"{demo}/admin/catalogue/backend/{backend.pk}/change/")
    expect(page.get_by_label("API key:")).to_have_value("")
    page.get_by_label("check for updates every (minutes):", exact=False).fill("10")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    backend.refresh_from_db()
    assert backend.api_key == "secret-key-123" and backend.poll_minutes == 10
    # A key that speaks for that system: its posted updates are the system's word.
    from onecouncil.api.keys import api_key_issue
    from onecouncil.api.models import ApiKey

    api_key_issue(council=council, name="County highways")
    key = ApiKey.objects.get(council=council, name="County highways")
    page.goto(f"{demo}/admin/api/apikey/{key.pk}/change/")
    page.get_by_label("the system it speaks for:").select_option(label="Highways asset system")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    key.refresh_from_db()
    assert key.backend == backend
    # A new key issued in the admin: shown once, on its own page.
    page.goto(f"{demo}/admin/api/apikey/add/")
    page.get_by_label("client application:").fill("Street crew app")
    page.get_by_label("kind:").select_option("rest")
    page.get_by_label("acts with the permissions of:").select_option("case_officer")
    page.get_by_role("button", name="Save", exact=True).click()
    shown = page.locator("#issued-key").input_value()
    assert (
        shown.startswith("oc_") and ApiKey.objects.get(name="Street crew app").prefix == shown[:11]
    )
    # The council's Open311 setting: a client's OPEN reopens a closed request.
    page.goto(f"{demo}/admin/core/council/{council.pk}/change/")
    page.get_by_label("an Open311 client's OPEN reopens a closed request").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    council.refresh_from_db()
    assert council.open311_open_reopens
    # The council's insight settings: a threshold below 5 is refused, then a cost saved.
    from onecouncil.insight.models import settings_for

    insight = settings_for(council)
    page.goto(f"{demo}/admin/insight/insightsettings/{insight.pk}/change/")
    page.get_by_label("smallest count shown").fill("3")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("greater than or equal to 5")
    page.get_by_label("smallest count shown").fill("12")
    page.get_by_label("cost of an email transaction (£)").fill("3.40")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    insight.refresh_from_db()
    assert insight.suppression_threshold == 12 and str(insight.cost_email) == "3.40"
    context.close()


def _question_index(service: Service, question: Question) -> int:
    """Which options editor on the page belongs to ``question`` (every question's form
    has one, in the inline's order)."""
    return list(service.questions.order_by("order", "id").values_list("pk", flat=True)).index(
        question.pk
    )


def test_privacy_forms_legal_hold_description_two_factor_reset_and_erasure(demo, browser):
    """The forms this issue added, each clicked once in Chromium: publishing a caller's
    description, a legal hold placed and lifted, a colleague's two-factor reset, the data
    protection search, subject access download and erasure; and the statutory pages."""
    from onecouncil.cases.actions import case_create
    from onecouncil.cases.inputs import Submitter
    from onecouncil.cases.models import Case
    from onecouncil.catalogue.models import Service as CatalogueService
    from onecouncil.core.actors import Actor
    from tests.two_factor import enrolled

    users = get_user_model().objects
    admin = users.get(username="admin@riverbend.example")
    admin.set_password(PASSWORD)
    admin.save()
    council = Council.objects.get(slug="riverbend")
    pothole = CatalogueService.objects.get(council=council, code="pothole")
    made = case_create(
        council=council,
        request=NewRequest(
            service=pothole,
            answers=dict(
                (q.code, q.options[0]["value"]) for q in pothole.questions.all() if q.options
            ),
            location=Location(street="Weir Road", description="By the bridge"),
            contact=Contact(name="Ola Nowak", email="ola@x.example"),
            channel="phone",
            submission_key=__import__("uuid").uuid4(),
            description="Caller Ola Nowak says the hole is by the bridge",
            submitter=Submitter(actor=Actor.system("Phone")),
        ),
    ).case
    officer = users.get(username="officer@riverbend.example")
    enrolled(officer)

    context = _context(browser)
    page = context.new_page()
    _staff_sign_in(page, demo, "admin@riverbend.example", PASSWORD)

    # The caller's words are staff-only until published.
    page.goto(f"{demo}/riverbend/staff/cases/{made.reference}/")
    # As it is, it names the caller: refused; with the name taken out, published.
    page.get_by_role("button", name="Publish the description").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("names the person")
    page.get_by_label("The words anyone will read").fill("The hole is by the bridge")
    page.get_by_role("button", name="Publish the description").click()
    expect(page.locator("#flash")).to_contain_text("Description published")
    assert_accessible(page)
    page.goto(f"{demo}/riverbend/track/{made.reference}/")
    expect(page.locator("#what")).to_be_visible()
    assert "Ola" not in page.content()
    page.goto(f"{demo}/riverbend/staff/cases/{made.reference}/")
    # A legal hold, placed with a reason and lifted.
    page.get_by_label("Reason (for example a claim or an investigation)").fill("Claim 114")
    page.get_by_role("button", name="Place a legal hold").click()
    expect(page.locator("#legal-hold-notice")).to_contain_text("Claim 114")
    page.get_by_role("button", name="Lift the legal hold").click()
    expect(page.locator("#flash")).to_contain_text("Legal hold lifted")

    # A colleague lost their phone.
    page.goto(f"{demo}/riverbend/staff/people/")
    page.get_by_role("link", name=re.compile("Reset two-factor sign-in for Owen")).click()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, reset two-factor sign-in").click()
    expect(page.locator("#flash")).to_contain_text("set up two-factor sign-in again")

    # Subject access and erasure.
    page.goto(f"{demo}/riverbend/staff/privacy/")
    page.get_by_role("button", name="Find").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter an email address")
    page.get_by_label("Email address").fill("ola@x.example")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#found")).to_be_visible()
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SCREENSHOTS / f"data-protection-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_download() as download:
        page.get_by_role("button", name="Download everything we hold").click()
    assert made.reference in Path(download.value.path()).read_text()
    page.get_by_role("button", name="Erase their details").click()
    expect(page.locator("#confirm-error")).to_be_visible()
    page.get_by_label("I have checked who is asking, and this cannot be undone").check()
    page.get_by_role("button", name="Erase their details").click()
    expect(page.locator("#erasure")).to_contain_text(made.reference)
    assert Case.objects.get(pk=made.pk).contact_email == ""
    page.goto(f"{demo}/riverbend/staff/privacy/record/")
    assert_accessible(page)
    context.close()

    # The statutory pages, from any footer, on a phone and a desktop.
    context = _context(browser)
    page = context.new_page()
    for name, path in (
        ("Accessibility statement", "accessibility"),
        ("Privacy", "privacy"),
        ("Cookies", "cookies"),
    ):
        page.goto(f"{demo}/riverbend/")
        page.locator("footer").get_by_role("link", name=name, exact=True).click()
        page.wait_for_url(re.compile(f"/riverbend/{path}/"))
        assert_accessible(page)
        for width in (375, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(SCREENSHOTS / f"{path}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
    context.close()


def test_sent_on_forms_send_again_and_take_back(demo, browser):
    """A request of a service sent on to another system that could not be sent: staff
    see why, send it again, then take it back in house, each by the page's own button."""
    import socket

    from onecouncil.catalogue.models import Backend
    from onecouncil.sendon.models import Sending, SendingStatus
    from onecouncil.sendon.services import sendings_process

    council = Council.objects.get(slug="riverbend")
    with socket.socket() as closed:  # a port nothing listens on: it cannot be reached
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    backend = Backend.objects.create(
        council=council, name="Highways asset system", base_url=f"http://127.0.0.1:{port}/o/"
    )
    Service.objects.filter(council=council, code="missed-bin").update(sent_to=backend)
    made = _missed_bin_case(council)
    assert sendings_process() == 0
    leader = get_user_model().objects.get(username="leader@riverbend.example")
    leader.set_password(PASSWORD)
    leader.save()

    context = _context(browser)
    page = context.new_page()
    _staff_sign_in(page, demo, "leader@riverbend.example", PASSWORD)
    page.goto(f"{demo}/riverbend/staff/cases/{made.case.reference}/")
    expect(page.locator("#sent-on")).to_be_visible()
    expect(page.get_by_text(re.compile("^Last error: It could not be reached"))).to_be_visible()
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SCREENSHOTS / f"sent-on-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Send again").click()
    expect(page.locator("#flash")).to_contain_text("It will be sent again in a moment")
    assert Sending.objects.get(case=made.case).attempts == 0
    page.get_by_role("button", name="Take back in house").click()
    expect(page.locator("#flash")).to_contain_text("handled here from now on")
    assert Sending.objects.get(case=made.case).status == SendingStatus.TAKEN_BACK
    context.close()
