"""The subject access file is something a data protection officer can send: a readable,
printable document beside the JSON, answers by their labels, dates as people read them,
and nothing about other people (not even references a staff search listed with theirs)."""

import json
import re

from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.privacy import PersonQuery, subject_access_export
from onecouncil.core.models import Role
from tests.backoffice_helpers import staff
from tests.factories import make_case

ANSWERS = {"which_bin": "recycling", "out_by_7am": "yes"}
STAFF = "/riverbend/staff"


def test_the_document_reads_as_a_person_reads_and_names_nobody_else(
    client, council, missed_bin, address
):
    theirs = make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(address=address),
        contact=Contact(name="Jo Home", email="jo@example.com"),
    ).case
    other = make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(street="Mill Lane", description="By the gate"),
        contact=Contact(name="Jo Homer", email="joh@example.com"),
    ).case
    officer = staff(council, Role.CASE_OFFICER, username="owen@riverbend.example")
    client.force_login(officer)
    client.get(f"{STAFF}/search/", {"q": "Jo Home"})  # a search listing both
    admin = staff(council, Role.ADMINISTRATOR)
    client.force_login(admin)
    page = client.post(
        f"{STAFF}/privacy/export/", {"email": "jo@example.com", "format": "document"}
    )
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    text = page.text
    assert "The personal information we hold about you" in text
    assert "Which bin was missed?" in text and "Recycling" in text  # labels, not codes
    assert "which_bin" not in text
    assert re.search(r"\d{1,2} [A-Z][a-z]+ 20\d\d, \d\d:\d\d", text)  # "7 December 2026, 09:05"
    assert theirs.reference in text
    assert other.reference not in text and "joh@example.com" not in text
    document = json.loads(
        subject_access_export(
            council=council, query=PersonQuery(email="jo@example.com"), user=admin
        )
    )
    assert other.reference not in json.dumps(document)
    (own,) = document["requests_they_made"]
    answers = {a["question"]: a["answer"] for a in own["answers"]}
    assert answers["Which bin was missed?"].startswith("Recycling")
