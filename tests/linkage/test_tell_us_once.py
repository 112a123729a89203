"""Tell us once, across systems: a resident's change of details lists the council's systems
that hold them (as linkage found), they choose which to tell, and each chosen system's
team gets a task with the system's reference and lawful basis. A restricted system, or
one that has not agreed to be told, is never offered."""

from __future__ import annotations

from onecouncil.cases.models import Case
from onecouncil.core.models import Membership, Role
from onecouncil.linkage.contact import records_link
from onecouncil.linkage.models import LinkRecord, PairReview, SourceRecord, SourceSystem
from onecouncil.linkage.review import pair_decide
from onecouncil.linkage.single_view import systems_to_tell
from onecouncil.linkage.sources import source_import
from tests.backoffice_helpers import staff
from tests.factories import ServiceFactory
from tests.frontdoor.test_accounts import ACCOUNT, make_account, signed_in_client


def _system(council, tmp_path, name, service, *, purposes, restricted=False):
    source = SourceSystem.objects.create(
        council=council,
        name=name,
        owner="A team",
        lawful_basis="legal_obligation",
        purposes=purposes,
        restricted=restricted,
        id_column="REF",
        mapping={"first_name": "FIRST", "surname": "LAST", "email": "EMAIL"},
        service=service,
    )
    path = tmp_path / f"{source.pk}.csv"
    path.write_text("REF,FIRST,LAST,EMAIL\nX-77,Priya,Patel,priya@example.com\n")
    source_import(source=source, path=path)
    return source


def _linked(council, account, source):
    """The account and the system's record, decided by data staff to be one person."""
    records_link(council, "account", [account.pk])
    mine = LinkRecord.objects.get(kind="account", ref_id=account.pk)
    record = SourceRecord.objects.get(source=source)
    records_link(council, "source", [record.pk])
    theirs = LinkRecord.objects.filter(kind="source", ref_id=record.pk).first()
    if theirs is None:  # a restricted system's records are never in the index
        return
    if (
        LinkRecord.objects.get(pk=mine.pk).person_id
        == LinkRecord.objects.get(pk=theirs.pk).person_id
    ):
        return
    staff(council, Role.DATA_OFFICER, username=f"data{source.pk}@example.com")
    officer = Membership.objects.filter(council=council, role=Role.DATA_OFFICER).last()
    left, right = sorted((mine.pk, theirs.pk))
    pair = PairReview.objects.create(council=council, left_id=left, right_id=right)
    pair_decide(membership=officer, pair_id=pair.pk, same=True)


def test_a_change_is_told_to_the_systems_the_resident_chooses(council, tmp_path):
    ctax_team = ServiceFactory(council=council, code="ctax-change", name="Council tax changes")
    waste_team = ServiceFactory(council=council, code="waste-account", name="Waste accounts")
    ctax = _system(council, tmp_path, "Council tax", ctax_team, purposes=["tell_us_once"])
    waste = _system(council, tmp_path, "Garden waste", waste_team, purposes=["tell_us_once"])
    register = _system(
        council, tmp_path, "Electoral register", ctax_team, purposes=["electoral"], restricted=True
    )
    quiet = _system(council, tmp_path, "Parking", waste_team, purposes=["single_view"])
    account = make_account(council, name="Priya Patel", phone="07700 900123")
    for source in (ctax, waste, register, quiet):
        _linked(council, account, source)
    offered = [system.name for _pk, system in systems_to_tell(account)]
    assert offered == ["Council tax", "Garden waste"]

    client = signed_in_client(account)
    page = client.get(f"{ACCOUNT}/change/")
    assert "Also tell these council systems" in page.text
    assert "Electoral register" not in page.text and "Parking" not in page.text
    response = client.post(
        f"{ACCOUNT}/change/",
        {"phone": "07700 900999", "action": "save", "tell_systems": [str(ctax.pk)]},
    )
    assert response.status_code == 302, response.text
    task = Case.objects.get(service=ctax_team)
    assert task.change_details["system"] == {
        "name": "Council tax",
        "their_reference": "X-77",
        "lawful_basis": "Legal obligation (article 6(1)(c))",
    }
    assert task.change_details["phone"]["new"] == "07700 900999"
    assert not Case.objects.filter(service=waste_team).exists()  # not chosen: not told
    done = client.get(response["Location"])
    assert "Council tax" in done.text


def test_a_system_not_offered_cannot_be_told_by_a_crafted_post(council, tmp_path):
    team = ServiceFactory(council=council, code="parking", name="Parking")
    parking = _system(council, tmp_path, "Parking", team, purposes=["single_view"])
    account = make_account(council, name="Priya Patel")
    _linked(council, account, parking)
    client = signed_in_client(account)
    response = client.post(
        f"{ACCOUNT}/change/",
        {"phone": "07700 900999", "action": "save", "tell_systems": [str(parking.pk)]},
    )
    assert response.status_code == 200
    assert "tell_systems" in response.text or "Select a valid choice" in response.text
    assert not Case.objects.filter(service=team).exists()
