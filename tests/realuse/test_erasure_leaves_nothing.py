"""After an erasure, the person's email, phone and name are nowhere: not in any table
(events on other people's requests, the audit trail of a subject access request, page
comments, the sent confirmation in the outbox) and not in any file under var/."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from onecouncil.cases.actions import case_follow
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.privacy import PersonQuery, person_erase, subject_access_export
from onecouncil.insight.feedback import page_feedback_record
from onecouncil.notify.services import outbox_process
from tests.factories import make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}
EMAIL = "oliver.khan@example.com"
PHONE = "07700 900987"
NAME = "Oliver Quentin Khan"
# Kept where the law keeps them (docs/privacy.md): none of these hold them in this test.
LAW_KEEPS: set[str] = set()


def _tables_holding(values: list[str]) -> list[str]:
    found = []
    for model in apps.get_models():
        text_fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
            and not f.is_relation
        ]
        for value in values:
            for name in text_fields:
                if model.objects.filter(**{f"{name}__icontains": value}).exists():
                    found.append(f"{model._meta.label}.{name} holds {value!r}")
    return [f for f in found if f.split(".")[0] not in LAW_KEEPS]


def _files_holding(values: list[str]) -> list[str]:
    found = []
    for root in (settings.MEDIA_ROOT, settings.INSIGHT_DIR, settings.OPENDATA_DIR):
        for path in root.rglob("*") if root.exists() else []:
            if path.is_file():
                data = path.read_bytes().lower()
                found += [f"{path} holds {v!r}" for v in values if v.lower().encode() in data]
    return found


@pytest.mark.django_db(transaction=True)
def test_an_erased_person_is_found_nowhere(council, missed_bin, address, django_user_model):
    theirs = make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(address=address),
        contact=Contact(name=NAME, email=EMAIL, phone=PHONE),
    ).case
    someone_elses = make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(street="Mill Lane", description="By the gate"),
        contact=Contact(name="Zed Other", email="zed@example.com"),
    ).case
    case_follow(case=someone_elses, email=EMAIL, name=NAME)
    page_feedback_record(
        council=council, page="frontdoor:home", useful=False, comment=f"I am {NAME}, ring me"
    )
    outbox_process()
    assert any(EMAIL in (e.message or "") for e in someone_elses.events.all())
    admin = django_user_model.objects.create_user("dpo@riverbend.example", password="x" * 20)
    exported = subject_access_export(council=council, query=PersonQuery(email=EMAIL), user=admin)
    assert NAME in exported and "ring me" in exported  # the page comment is theirs to see
    person_erase(council=council, query=PersonQuery(email=EMAIL), user=admin)
    assert outbox_process() >= 1  # the confirmation of their erasure goes to them
    values = [EMAIL, PHONE, PHONE.replace(" ", ""), NAME]
    assert _tables_holding(values) == []
    assert _files_holding(values) == []
    theirs.refresh_from_db()
    assert theirs.anonymised_at is not None
