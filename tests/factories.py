"""Test data built through the real models (and, for cases, the real service function)."""

from __future__ import annotations

import uuid
from typing import Any

import factory

from onecouncil.cases.actions import CaseCreated, case_create
from onecouncil.cases.inputs import Contact, Location, NewRequest, Preferences, Submitter
from onecouncil.cases.models import Case, Channel
from onecouncil.catalogue.models import Question, Service, ServiceGroup
from onecouncil.core.models import Council, Team
from onecouncil.residents.models import Address, Ward
from onecouncil.residents.postcodes import postcode_key

PREFIXES = iter(f"{a}{b}{c}" for a in "ABCDEFGH" for b in "JKMNPQRS" for c in "TVWXYZ")


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council

    name = factory.Sequence(lambda n: f"Testshire Council {n}")
    slug = factory.Sequence(lambda n: f"testshire-{n}")
    reference_prefix = factory.LazyFunction(lambda: next(PREFIXES))
    public_base_url = factory.LazyAttribute(lambda o: f"https://report.{o.slug}.example")
    logo_text = factory.LazyAttribute(lambda o: o.name)
    brand_colour = "#1d70b8"
    phone = "01632 960 000"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceGroup

    council = factory.SubFactory(CouncilFactory)
    name = "Bins and recycling"
    slug = factory.Sequence(lambda n: f"group-{n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    council = factory.SubFactory(CouncilFactory)
    group = factory.LazyAttribute(lambda o: GroupFactory(council=o.council))
    team = factory.LazyAttribute(lambda o: TeamFactory(council=o.council))
    code = factory.Sequence(lambda n: f"service-{n}")
    name = "Report a missed bin collection"
    pattern = "report"
    description = "Your bin was not emptied."
    keywords = "bin, rubbish"
    sla_amount = 2
    # Most tests are of street problems; tests of private services say so. (The model's
    # own default is private: tests/cases/test_visibility.py.)
    visibility = "public"


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    service = factory.SubFactory(ServiceFactory)
    code = factory.Sequence(lambda n: f"q{n}")
    label = factory.Sequence(lambda n: f"Question {n}?")
    kind = "short_text"
    required = True
    order = factory.Sequence(int)


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ward

    council = factory.SubFactory(CouncilFactory)
    code = factory.Sequence(lambda n: f"E0590{n:04d}")
    name = factory.Sequence(lambda n: f"Ward {n}")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    council = factory.SubFactory(CouncilFactory)
    uprn = factory.Sequence(lambda n: 100_000_000 + n)
    line1 = factory.Sequence(lambda n: f"{n} High Street")
    street = "High Street"
    town = "Testtown"
    postcode = "RB1 2AB"
    postcode_key = factory.LazyAttribute(lambda o: postcode_key(o.postcode))
    ward = factory.LazyAttribute(lambda o: WardFactory(council=o.council))
    latitude = 52.48
    longitude = -1.89


def new_request(**given: Any) -> tuple[Council, NewRequest]:
    """A council and a ``NewRequest`` from flat keywords, as tests like to write them:
    ``updates_by_sms``/``councillor_consent`` go into its preferences and
    ``actor``/``account``/``client_id`` into its submitter."""
    preferences = {k: given.pop(k) for k in ("updates_by_sms", "councillor_consent") if k in given}
    submitter = {k: given.pop(k) for k in ("actor", "account", "client_id") if k in given}
    council = given.pop("council")
    if "internal_notes" in given:
        given["internal_notes"] = tuple(given["internal_notes"])
    return council, NewRequest(
        **given, preferences=Preferences(**preferences), submitter=Submitter(**submitter)
    )


def make_case(service: Service, **overrides: Any) -> CaseCreated:
    """A request created through case_create, as every channel does."""
    kwargs: dict[str, Any] = {
        "council": service.council,
        "service": service,
        "answers": {},
        "location": Location(street="High Street", description="Outside number 4"),
        "contact": Contact(name="Sam Resident", email="sam@example.com"),
        "channel": Channel.WEB,
        "submission_key": uuid.uuid4(),
    }
    kwargs.update(overrides)
    council, request = new_request(**kwargs)
    return case_create(council=council, request=request)


__all__ = ["Case"]


def answers_posted(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as a browser posts them: each question's field in the ``answer-`` namespace
    (``when_day`` becomes ``answer-when_day``)."""
    return {f"answer-{name}": value for name, value in answers.items()}
