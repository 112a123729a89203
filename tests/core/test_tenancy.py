"""Councils are resolved by host name or path prefix, and nothing crosses between them."""

import pytest

from onecouncil.core.models import CouncilHostname
from tests.factories import ServiceFactory, make_case


@pytest.fixture
def two_councils(council, other_council):
    ServiceFactory(council=council, code="pothole", name="Report a pothole")
    ServiceFactory(council=other_council, code="dead-animal", name="Report a dead animal")
    return council, other_council


def test_path_prefix_selects_the_council(client, two_councils):
    response = client.get("/riverbend/")
    assert response.status_code == 200
    assert "Riverbend Borough Council" in response.text
    assert "Report a pothole" in response.text
    assert "Report a dead animal" not in response.text


def test_links_keep_the_council_prefix(client, two_councils):
    response = client.get("/northfield/")
    assert 'href="/northfield/services/' in response.text


def test_host_name_selects_the_council(client, two_councils, settings):
    CouncilHostname.objects.create(council=two_councils[1], hostname="report.northfield.example")
    settings.ALLOWED_HOSTS = ["report.northfield.example", "testserver"]
    response = client.get("/", HTTP_HOST="report.northfield.example")
    assert "Report a dead animal" in response.text
    assert 'href="/services/' in response.text


def test_root_without_a_council_lists_councils(client, two_councils):
    response = client.get("/")
    assert "Choose your council" in response.text
    assert "/riverbend/" in response.text and "/northfield/" in response.text


def test_another_councils_service_is_not_found(client, two_councils):
    assert client.get("/riverbend/services/dead-animal/").status_code == 404
    assert client.get("/northfield/services/dead-animal/").status_code == 200


def test_a_request_cannot_be_tracked_through_another_council(client, two_councils):
    service = ServiceFactory(council=two_councils[0], code="missed", name="Missed bin")
    case = make_case(service).case
    assert client.get(f"/riverbend/track/{case.reference}/").status_code == 200
    assert client.get(f"/northfield/track/{case.reference}/").status_code == 404
    response = client.get("/northfield/track/", {"reference": case.reference})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Missed bin" not in response.text


def test_unknown_council_is_not_found(client, two_councils):
    assert client.get("/nowhere/").status_code == 404


def test_times_are_shown_in_the_councils_time_zone(client, council):
    import datetime as dt

    from onecouncil.cases.models import Case, CaseEvent

    service = ServiceFactory(council=council, code="bins", name="Bins")
    case = make_case(service).case
    summer = dt.datetime(2026, 7, 1, 12, 30, tzinfo=dt.UTC)
    Case.objects.filter(pk=case.pk).update(created_at=summer)
    CaseEvent.objects.filter(case=case).update(created_at=summer)
    response = client.get(f"/riverbend/track/{case.reference}/")
    assert "1 July 2026 at 1:30pm" in response.text  # British Summer Time
    council.time_zone = "UTC"
    council.save()
    response = client.get(f"/riverbend/track/{case.reference}/")
    assert "1 July 2026 at 12:30pm" in response.text
