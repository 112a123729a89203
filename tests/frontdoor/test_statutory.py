"""The statutory pages every council needs: accessibility statement, privacy notice (from
the catalogue, linked where details are collected), cookies, and the record of processing
(Article 30) for administrators."""

import csv
import io

from onecouncil.core.models import Role
from tests.backoffice_helpers import staff
from tests.factories import ServiceFactory


def test_every_footer_links_the_three_pages(client, council, missed_bin):
    client.force_login(staff(council, Role.CASE_OFFICER))
    for url in ("/riverbend/", "/riverbend/track/", "/riverbend/staff/queue/"):
        page = client.get(url).text
        for link in ("/riverbend/accessibility/", "/riverbend/privacy/", "/riverbend/cookies/"):
            assert f'href="{link}"' in page, (url, link)


def test_the_privacy_notice_comes_from_the_catalogue(client, council, missed_bin):
    missed_bin.purpose = "To collect the bin we missed."
    missed_bin.retention_days = 2 * 365
    missed_bin.save()
    ServiceFactory(
        council=council,
        code="ctax",
        name="Council tax discount",
        lawful_basis="legal_obligation",
        retention_days=400,
        keep_reason="Council tax records are kept for six years.",
    )
    ServiceFactory(council=council, code="gone", name="Old service", is_active=False)
    page = client.get("/riverbend/privacy/").text
    assert 'id="service-missed-bin"' in page and "To collect the bin we missed." in page
    assert "2 years after it is closed" in page and "400 days after it is closed" in page
    assert "Legal obligation" in page and "kept for six years" in page
    assert "Which bin was missed?" in page  # what the form asks is what the notice says
    assert "Old service" not in page


def test_the_contact_step_links_its_service_in_the_notice(client, council, missed_bin, address):
    from tests.frontdoor.test_journey import BASE, answer_questions, choose_address

    answer_questions(client)
    choose_address(client, address)
    client.post(f"{BASE}/photos/", {"action": "continue"})
    contact = client.get(f"{BASE}/contact/").text
    assert 'href="/riverbend/privacy/#service-missed-bin"' in contact


def test_cookies_and_accessibility_pages(client, council):
    cookies = client.get("/riverbend/cookies/").text
    assert "sessionid" in cookies and "csrftoken" in cookies and "analytics" in cookies
    statement = client.get("/riverbend/accessibility/").text
    assert "WCAG" in statement or "Web Content Accessibility Guidelines" in statement
    assert council.phone in statement and "Equality and Human Rights Commission" in statement


def test_the_record_of_processing_is_for_administrators(client, council, missed_bin):
    client.force_login(staff(council, Role.SERVICE_MANAGER))
    assert client.get("/riverbend/staff/privacy/record/").status_code == 403
    client.force_login(staff(council, Role.ADMINISTRATOR, username="a@x.example"))
    page = client.get("/riverbend/staff/privacy/record/").text
    assert missed_bin.name in page and "outbox" in page
    download = client.get("/riverbend/staff/privacy/record/?format=csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0][0] == "Processing activity" and rows[1][0] == missed_bin.name
