"""Ratings, "Is this page useful?", journey counts, forecasts and the public performance
page: each worked through the real writer, store and views."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.urls import reverse

from onecouncil.cases.access import CaseNotFound, access_case_for_rating
from onecouncil.cases.actions import case_change_status
from onecouncil.cases.models import Status
from onecouncil.cases.tokens import rating_token
from onecouncil.core.actors import Actor
from onecouncil.core.masking import mask_personal
from onecouncil.core.privacy import PersonKeys, erase_everywhere, export_everywhere
from onecouncil.insight import forecasts
from onecouncil.insight.access import Scope
from onecouncil.insight.feedback import rating_comments, rating_record
from onecouncil.insight.models import JourneyCount, PageFeedback, Rating
from onecouncil.insight.store import refresh
from onecouncil.notify.models import Notification
from tests.factories import make_case
from tests.insight.test_figures import MARCH, fixture, rows, tables  # noqa: F401


def at(council, name, *args):
    """A front-door address, under the council's path."""
    return f"/{council.slug}" + reverse(name, args=args)


ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


def close(case):
    return case_change_status(
        case=case, status=Status.CLOSED, actor=Actor.system("Test"), closure_reason="no_action"
    )


def test_masking_emails_phones_and_postcodes():
    text = "Ring 07700 900123 or +44 20 7946 0958, write to a.b+c@example.co.uk at SW1A 1AA"
    masked = mask_personal(text)
    assert "07700" not in masked and "7946" not in masked and "example" not in masked
    assert "SW1A" not in masked
    assert masked.count("[phone number removed]") == 2
    # Dates, references and counts are not mistaken for numbers to hide.
    assert (
        mask_personal("RB-2025-00012 on 12/03/2025, 3 weeks")
        == "RB-2025-00012 on 12/03/2025, 3 weeks"
    )


def test_the_closing_update_carries_the_reporters_rating_link(council, missed_bin):
    case = make_case(missed_bin, answers=ANSWERS).case
    close(case)
    updates = Notification.objects.filter(kind="case_update", recipient="sam@example.com")
    assert updates.count() == 1
    link = updates.get().context["rating_url"]
    token = link.rstrip("/").split("/")[-1]
    assert link.startswith(council.public_base_url)
    assert access_case_for_rating(council=council, reference=case.reference, token=token) == case
    # A token is for one request only, and a forged one opens nothing.
    with pytest.raises(CaseNotFound):
        access_case_for_rating(council=council, reference="XX-0000-00001", token=token)
    with pytest.raises(CaseNotFound):
        access_case_for_rating(council=council, reference=case.reference, token=token + "x")


def test_rating_a_closed_request(client, council, missed_bin):
    case = close(make_case(missed_bin, answers=ANSWERS).case)
    url = at(council, "frontdoor:rate", case.reference, rating_token(case))
    page = client.get(url)
    assert page.status_code == 200 and Rating.objects.count() == 0  # a GET never records
    assert client.post(url, {"comment": "no score"}).status_code == 200
    assert Rating.objects.count() == 0
    answer = {"score": "2", "comment": "Slow. Call 07700 900123 or email me@example.com"}
    response = client.post(url, answer)
    assert response.status_code == 302
    client.post(url, {**answer, "score": "4"})  # a second press, or a change of mind
    rating = Rating.objects.get()
    assert rating.score == 4 and rating.case_id == case.pk
    assert "07700" not in rating.comment and "example.com" not in rating.comment


def test_an_open_request_cannot_be_rated(client, council, missed_bin):
    case = make_case(missed_bin, answers=ANSWERS).case
    url = at(council, "frontdoor:rate", case.reference, rating_token(case))
    response = client.post(url, {"score": "5"})
    assert response.status_code == 200 and b"open again" in response.content
    assert Rating.objects.count() == 0


def test_rating_comments_follow_the_scope_and_erasure(council, missed_bin):
    case = close(make_case(missed_bin, answers=ANSWERS).case)
    rating_record(case=case, score=1, comment="The crew were rude")
    today = dt.date.today()
    admin = Scope(council_id=council.pk)
    assert [c.text for c in rating_comments(scope=admin, start=today, end=today)] == [
        "The crew were rude"
    ]
    others = Scope(council_id=council.pk, service_ids=frozenset({missed_bin.pk + 1000}))
    assert rating_comments(scope=others, start=today, end=today) == []
    councillor = Scope(council_id=council.pk, suppress_below=10)
    assert rating_comments(scope=councillor, start=today, end=today) == []
    person = PersonKeys(council_id=council.pk, references=frozenset({case.reference}))
    assert export_everywhere(person)["ratings"][0]["comment"] == "The crew were rude"
    assert erase_everywhere(person)["feedback"] == 1
    rating = Rating.objects.get()
    assert rating.comment == "" and rating.score == 1  # the score identifies nobody


def test_page_feedback_is_rate_limited_and_masked(client, council):
    url = at(council, "frontdoor:page_feedback") + "?page=frontdoor:track_case"
    form = client.get(url)
    assert b'value="frontdoor:track_case"' in form.content
    assert client.post(url, {"page": "frontdoor:track_case"}).status_code == 200  # no answer
    sent = {"page": "frontdoor:track_case", "useful": "no", "comment": "Post code BS1 6QT"}
    assert client.post(url, sent).status_code == 302
    saved = PageFeedback.objects.get()
    assert saved.page == "frontdoor:track_case" and not saved.useful
    assert "BS1" not in saved.comment
    # An address (which may hold a token) is never stored as the page.
    client.post(url, {**sent, "page": "/riverbend/track/RB-1/secret/"})
    assert PageFeedback.objects.latest("pk").page == "other"
    statuses = [client.post(url, sent).status_code for _n in range(25)]
    assert statuses.count(429) >= 5 and PageFeedback.objects.count() <= 20


def test_every_resident_page_asks_if_it_is_useful(client, council):
    home = client.get(at(council, "frontdoor:home"))
    assert b"Is this page useful?" in home.content
    assert b"page=frontdoor%3Ahome" in home.content


def test_journeys_are_counted_once_per_step(client, council, missed_bin):
    first = at(council, "frontdoor:report_questions", missed_bin.code)
    steps_url = client.get(at(council, "frontdoor:service", missed_bin.code))
    assert steps_url.status_code == 200
    client.get(first)
    client.get(first)  # a reload counts nothing more
    counts = {(c.step, c.event): c.count for c in JourneyCount.objects.all()}
    assert counts == {("start", "started"): 1, ("questions", "reached"): 1}


def seasonal(weeks, seed=3):
    rng = np.random.default_rng(seed)
    w = np.arange(weeks)
    holidays = np.zeros(weeks + forecasts.HORIZON)
    days = [0, 13, 21, 34, 51, 52, 65, 73, 86, 103, 104, 117, 125, 138, 155, 156, 160]
    holidays[[d for d in days if d < len(holidays)]] = 1
    y = 80 + 0.1 * w + 35 * np.sin(2 * np.pi * w / 52) + 20 * holidays[:weeks]
    return np.maximum(y + rng.normal(0, 4, weeks), 0), holidays


def test_a_forecast_of_a_seasonal_series_beats_the_seasonal_naive_forecast():
    y, holidays = seasonal(156)
    fit = forecasts.fit_series(y, holidays)
    assert fit.status == forecasts.OK and len(fit.forecast) == 13
    assert fit.mase is not None and fit.mase_naive is not None
    assert fit.mase < fit.mase_naive
    for mean, lo80, hi80, lo95, hi95 in fit.forecast:
        assert lo95 <= lo80 <= mean <= hi80 <= hi95


def test_a_short_series_is_not_forecast():
    y, holidays = seasonal(100)
    assert forecasts.fit_series(y, holidays).status == forecasts.TOO_SHORT
    sparse = np.zeros(156)
    sparse[::20] = 1
    assert forecasts.fit_series(sparse, holidays).status == forecasts.TOO_FEW


def test_the_forecasts_dashboard_explains_a_series_too_short(council, fixture):  # noqa: F811
    refresh(full=True, refit=True)
    found = tables(council)
    verdicts = found["forecast-accuracy"].column("verdict")
    assert verdicts and all("Not forecast" in v for v in verdicts)
    assert found["forecast-weeks"].rows == []


def test_satisfaction_and_journeys_in_the_figures(council, fixture):  # noqa: F811
    from onecouncil.insight.feedback import ratings_bulk_load
    from onecouncil.insight.rows import requests_for_insight

    closed = [r.fields[0] for r in requests_for_insight() if r.fields[6] == Status.FIXED]
    ratings_bulk_load(
        council=council,
        ratings=[(closed[0], 5, "", dt.datetime(2025, 4, 1, tzinfo=dt.UTC))]
        + [(case_id, 2, "", dt.datetime(2025, 4, 1, tzinfo=dt.UTC)) for case_id in closed[1:]],
    )
    pothole = fixture["pothole"]
    JourneyCount.objects.bulk_create(
        [
            JourneyCount(
                council=council,
                service=pothole,
                channel="web",
                day=dt.date(2025, 3, 3),
                step=step,
                event=event,
                count=n,
            )
            for step, event, n in (
                ("start", "started", 10),
                ("location", "reached", 10),
                ("location", "submitted", 8),
                ("contact", "reached", 8),
                ("contact", "submitted", 5),
                ("check", "reached", 5),
                ("check", "submitted", 4),
                ("check", "completed", 4),
            )
        ]
    )
    refresh(full=True, refit=False)
    found = tables(council)
    # Closed in March: pothole (5 and 2: one satisfied of two), housing (2).
    assert rows(found["satisfaction-by-service"]) == [
        ["Pothole", 2, 3.5, 50.0],
        ["Housing repair", 1, 2.0, 0.0],
    ]
    assert rows(found["journey-steps"]) == [
        ["Where it is", 10, 8, 100.0, 20.0],
        ["Contact details", 8, 5, 80.0, 37.5],
        ["Check and send", 5, 4, 50.0, 20.0],
    ]
    assert "10 online journeys started and 4 finished (40%)" in found["journey-steps"].summary


def test_the_public_performance_page_withholds_small_numbers(client, council, missed_bin):
    cases = [make_case(missed_bin, answers=ANSWERS).case for _n in range(3)]
    rating_record(case=close(cases[0]), score=5, comment="Brilliant, thanks Pat Example")
    refresh(full=True, refit=False)
    page = client.get(at(council, "frontdoor:performance"))
    assert page.status_code == 200
    text = page.content.decode()
    assert missed_bin.name in text and "withheld" in text
    assert "Sam Resident" not in text and "Pat Example" not in text and "Brilliant" not in text
    csv = client.get(at(council, "frontdoor:performance") + "?download=performance-by-service")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("Service,Requests")
    assert lines[1].startswith(f"{missed_bin.name},[c],")  # three requests: fewer than 10


def test_the_public_figures_count_one_population_and_chart_it(client, council, missed_bin):
    """Every column counts the requests made in the period, so "closed with a target"
    is never more than "requests" (before, requests closed in the period but made before
    it were counted against fewer requests made in it); a chart of volumes by month."""
    from django.utils import timezone

    from onecouncil.cases.models import Case
    from onecouncil.insight.services import public_performance, today_for

    old = [make_case(missed_bin, answers=ANSWERS).case for _n in range(12)]
    Case.objects.filter(pk__in=[c.pk for c in old]).update(
        created_at=timezone.now() - dt.timedelta(days=500)
    )
    for case in old:
        close(case)
    for _n in range(11):
        make_case(missed_bin, answers=ANSWERS)
    refresh(full=True, refit=False)
    report = public_performance(council=council, today=today_for(council))
    by_id = {t.id: t for t in report.tables}
    (row,) = by_id["performance-by-service"].rows
    assert row[1] == 11 and row[2] == 0 and row[5] == 0  # the twelve closed: made before
    assert by_id["performance-by-month"].chart == "line"
    page = client.get(at(council, "frontdoor:performance")).text
    assert "<svg" in page and 'role="region"' in page and 'tabindex="0"' in page
    assert "Every figure on this page counts the same requests" in page
