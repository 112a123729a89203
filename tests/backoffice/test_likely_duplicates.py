"""Staff see likely duplicates on a case, ranked by distance and by how alike the words
are, and mark one with a click; queues show and sort by how many follow a request."""

import datetime as dt

from django.utils import timezone

from onecouncil.backoffice.duplicates import likely_duplicates_for_staff
from onecouncil.cases.inputs import Location
from onecouncil.cases.models import Case, Follower
from onecouncil.core.models import Membership
from tests.backoffice_helpers import staff
from tests.factories import ServiceFactory, make_case

HERE = (52.486200, -1.890400)
ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


def _at(service, metres_north, where="", answers=ANSWERS):
    return make_case(
        service,
        answers=answers,
        location=Location(
            latitude=HERE[0] + metres_north / 111_195, longitude=HERE[1], description=where
        ),
    ).case


def test_likely_duplicates_rank_by_distance_and_words(council, missed_bin):
    member = Membership.objects.get(user=staff(council, "case_officer"))
    case = _at(missed_bin, 0, "bins left outside the church gate")
    alike = _at(missed_bin, 30, "bins left outside the church gate again")
    closer = _at(missed_bin, 10, "round the back of the shops")
    _at(missed_bin, 120, "bins left outside the church gate")  # beyond the 50 m radius
    old = _at(missed_bin, 5)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    other = ServiceFactory(council=council, code="graffiti", location_required=False)
    unrelated = _at(other, 2, answers={})
    found = likely_duplicates_for_staff(membership=member, case=case)
    assert [d.case for d in found] == [alike, closer]
    assert found[0].similarity > 0.8 and 29 < found[0].metres < 31
    missed_bin.related_services.add(other)
    assert unrelated in [d.case for d in likely_duplicates_for_staff(membership=member, case=case)]


def test_one_click_marks_the_duplicate(client, council, missed_bin):
    user = staff(council, "case_officer")
    client.force_login(user)
    case = _at(missed_bin, 0, "by the gate")
    original = _at(missed_bin, 20, "by the gate")
    page = client.get(f"/riverbend/staff/cases/{case.reference}/").text
    assert "Likely duplicates" in page and original.reference in page and "About 20 metres" in page
    client.post(
        f"/riverbend/staff/cases/{case.reference}/duplicate/", {"original": original.reference}
    )
    case.refresh_from_db()
    assert case.duplicate_of == original and not case.is_open


def test_queues_show_and_sort_by_followers(client, council, missed_bin):
    client.force_login(staff(council, "case_officer"))
    quiet = _at(missed_bin, 0)
    busy = _at(missed_bin, 500)
    for n in range(3):
        Follower.objects.create(
            council=council, case=busy, email=f"f{n}@example.com", confirmed_at=timezone.now()
        )
    Follower.objects.create(
        council=council, case=quiet, email="x@example.com"
    )  # never confirmed: not counted
    by_due = client.get("/riverbend/staff/queue/", {"status": "open"}).text
    assert by_due.index(quiet.reference) < by_due.index(busy.reference)
    by_followers = client.get(
        "/riverbend/staff/queue/", {"status": "open", "sort": "followers"}
    ).text
    assert by_followers.index(busy.reference) < by_followers.index(quiet.reference)
    assert 'data-label="Followers">3<' in by_followers
