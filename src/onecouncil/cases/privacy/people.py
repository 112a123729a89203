"""Finding one person's requests and what identifies them (for subject access and
erasure)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from onecouncil.cases.inputs import phone_key
from onecouncil.cases.models import (
    Case,
    Follower,
)
from onecouncil.core.models import Council
from onecouncil.core.privacy import (
    PersonKeys,
)
from onecouncil.residents.models import Account

# --- Finding a person -------------------------------------------------------------------


@dataclass(frozen=True)
class PersonQuery:
    email: str = ""
    phone: str = ""
    name: str = ""
    uprn: int | None = None

    @property
    def empty(self) -> bool:
        return not (self.email or self.phone or self.name or self.uprn)


def own_requests(council: Council, query: PersonQuery) -> QuerySet[Case]:
    """Requests the person made: by their email, phone or name as given."""
    match = Q(pk__in=[])
    if query.email:
        match |= Q(email_key=query.email.strip().lower())
    if phone_key(query.phone):
        match |= Q(phone_key=phone_key(query.phone))
    if query.name:
        match |= Q(contact_name__iexact=query.name.strip())
    return Case.objects.filter(match, council=council)


def about_requests(council: Council, query: PersonQuery) -> QuerySet[Case]:
    """Requests made by others about the person's home (a neighbour's complaint)."""
    if not query.uprn:
        return Case.objects.none()
    return Case.objects.filter(council=council, uprn=query.uprn).exclude(
        pk__in=own_requests(council, query).values("pk")
    )


def person_keys(council: Council, query: PersonQuery) -> PersonKeys:
    own = list(
        own_requests(council, query).values("email_key", "phone_key", "reference", "contact_name")
    )
    emails = {row["email_key"] for row in own if row["email_key"]}
    phones = {row["phone_key"] for row in own if row["phone_key"]}
    if query.email:
        emails.add(query.email.strip().lower())
    if phone_key(query.phone):
        phones.add(phone_key(query.phone))
    accounts = Account.objects.filter(council=council, email__in=emails)
    for account in accounts:
        if account.phone:
            phones.add(phone_key(account.phone) or account.phone)
    raw_phones = set(
        own_requests(council, query)
        .exclude(contact_phone="")
        .values_list("contact_phone", flat=True)
    )
    names = {row["contact_name"].strip() for row in own if row["contact_name"].strip()}
    names |= {a.name.strip() for a in accounts if a.name.strip()}
    if query.name.strip():
        names.add(query.name.strip())
    return PersonKeys(
        council_id=council.pk,
        emails=frozenset(emails),
        phones=frozenset(phones | raw_phones),
        references=frozenset(row["reference"] for row in own),
        names=frozenset(names),
    )


@dataclass(frozen=True)
class PersonSummary:
    own: list[Case]
    about: list[Case]
    accounts: int
    follows: int


def person_summary(*, council: Council, query: PersonQuery) -> PersonSummary:
    """What is held about a person, in outline, before an export or an erasure."""
    keys = person_keys(council, query)
    accounts = Account.objects.filter(council=council, email__in=keys.emails)
    follows = Follower.objects.filter(council=council).filter(
        Q(email__in=keys.emails) | Q(phone__in=keys.phones) | Q(account__in=accounts)
    )
    return PersonSummary(
        own=list(own_requests(council, query).select_related("service").order_by("-created_at")),
        about=list(
            about_requests(council, query).select_related("service").order_by("-created_at")
        ),
        accounts=accounts.count(),
        follows=follows.count(),
    )
