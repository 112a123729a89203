"""Working a request: routing, transitions, SLA pausing, duplicates, notifications."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from onecouncil.cases.actions import (
    WorkflowError,
    case_add_note,
    case_add_update,
    case_assign,
    case_change_status,
    case_mark_duplicate,
    case_reopen_by_resident,
    render_template,
)
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Case, EventKind, Follower, ResponseTemplate, RoutingRule
from onecouncil.core.actors import Actor
from onecouncil.core.models import Membership, Role
from onecouncil.notify.models import Notification
from onecouncil.notify.services import outbox_process
from tests.factories import AddressFactory, TeamFactory, WardFactory, make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


@pytest.fixture
def officer(council):
    user = get_user_model().objects.create_user("officer@riverbend.example", password="x" * 16)
    membership = Membership.objects.create(council=council, user=user, role=Role.CASE_OFFICER)
    return Actor(user=user, label="Officer Olu", ip="192.0.2.10", membership=membership)


@pytest.fixture
def case(missed_bin):
    return make_case(missed_bin, answers=ANSWERS).case


def test_routing_rules_by_ward_then_service_then_default(missed_bin, council):
    north, south = WardFactory(council=council), WardFactory(council=council)
    north_team, any_team = TeamFactory(council=council), TeamFactory(council=council)
    RoutingRule.objects.create(council=council, service=missed_bin, ward=north, team=north_team)
    in_north = make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(address=AddressFactory(council=council, ward=north)),
    )
    in_south = make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(address=AddressFactory(council=council, ward=south)),
    )
    assert in_north.case.team == north_team
    assert in_south.case.team == missed_bin.team
    RoutingRule.objects.create(council=council, service=missed_bin, ward=None, team=any_team)
    again = make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(address=AddressFactory(council=council, ward=south)),
    )
    assert again.case.team == any_team
    routed = again.case.events.get(kind=EventKind.ROUTED)
    assert routed.data["team"] == any_team.name and not routed.is_public


def test_allowed_transitions_and_reasons(case, officer):
    with pytest.raises(WorkflowError):
        case_change_status(case=case, status="reopened", actor=officer)
    with pytest.raises(WorkflowError) as excinfo:
        case_change_status(case=case, status="closed", actor=officer)
    assert "reason" in excinfo.value.messages[0]
    case = case_change_status(case=case, status="in_progress", actor=officer)
    case = case_change_status(case=case, status="closed", actor=officer, closure_reason="no_action")
    assert case.closed_at is not None and case.closure_reason.code == "no_action"
    assert case.open311_status == "closed"
    event = case.events.filter(kind=EventKind.STATUS_CHANGED).last()
    assert event.is_public and event.actor == officer.user and event.source_ip == "192.0.2.10"
    assert event.message == "We looked into it and no action is needed."


def test_change_pattern_has_no_scheduled_action(case, officer):
    case.service.pattern = "change"
    case.service.save()
    with pytest.raises(WorkflowError):
        case_change_status(case=case, status="action_scheduled", actor=officer)


def test_clock_pauses_while_waiting_for_the_resident(case, officer):
    due = case.due_at
    case = case_change_status(case=case, status="awaiting_resident", actor=officer)
    assert case.paused_at is not None
    # Three working days pass while the resident is silent.
    Case.objects.filter(pk=case.pk).update(paused_at=case.paused_at - dt.timedelta(days=5))
    case.refresh_from_db()
    case = case_change_status(case=case, status="in_progress", actor=officer)
    assert case.paused_at is None
    assert case.due_at > due


def test_public_updates_and_status_changes_notify_the_reporter(case, officer):
    outbox_process()
    mail.outbox.clear()
    case_add_update(case=case, message="A crew is on the way.", actor=officer)
    case_add_note(case=case, message="Crew 4 has it", actor=officer)
    outbox_process()
    assert len(mail.outbox) == 1
    assert "A crew is on the way." in mail.outbox[0].body
    assert "Crew 4" not in mail.outbox[0].body
    kinds = [(e.kind, e.is_public) for e in case.events.all()]
    assert (EventKind.PUBLIC_UPDATE, True) in kinds and (EventKind.NOTE, False) in kinds
    # Each delivery is recorded on the timeline, for staff only.
    notes = case.events.filter(kind=EventKind.NOTIFICATION)
    assert notes.count() == 2 and not notes.filter(is_public=True).exists()
    assert "sent by email to sam@example.com" in notes.last().message


def test_failed_delivery_is_visible_on_the_case(missed_bin, officer):
    case = make_case(
        missed_bin,
        answers=ANSWERS,
        contact=Contact(name="Ann", phone="07700 900123"),
        updates_by_sms=True,
    ).case
    assert case.updates_by_sms
    outbox_process()  # SMS without GOV.UK Notify configured cannot be sent
    event = case.events.get(kind=EventKind.NOTIFICATION)
    assert "could not be sent" in event.message
    assert "GOV.UK Notify" in event.data["error"]


def test_assignment_only_to_staff_of_the_council(case, officer, other_council):
    stranger = get_user_model().objects.create_user("stranger", password="x" * 16)
    Membership.objects.create(council=other_council, user=stranger, role=Role.CASE_OFFICER)
    with pytest.raises(WorkflowError):
        case_assign(case=case, assignee=stranger, actor=officer)
    case = case_assign(case=case, assignee=officer.user, actor=officer)
    assert case.assignee == officer.user
    assert case.events.filter(kind=EventKind.ASSIGNED, is_public=False).count() == 1


def test_duplicate_reporter_follows_the_original(missed_bin, officer):
    original = make_case(missed_bin, answers=ANSWERS).case
    duplicate = make_case(
        missed_bin, answers=ANSWERS, contact=Contact(name="Bea", email="bea@example.com")
    ).case
    duplicate = case_mark_duplicate(case=duplicate, original=original, actor=officer)
    assert duplicate.status == "closed" and duplicate.duplicate_of == original
    assert duplicate.closure_reason.code == "duplicate"
    assert Follower.objects.filter(case=original, email="bea@example.com").exists()
    outbox_process()
    mail.outbox.clear()
    case_add_update(case=original, message="Collected today.", actor=officer)
    outbox_process()
    assert sorted(m.to[0] for m in mail.outbox) == ["bea@example.com", "sam@example.com"]
    with pytest.raises(WorkflowError):
        case_mark_duplicate(case=original, original=original, actor=officer)


def test_resident_reopens_within_the_window_only(case, officer):
    case = case_change_status(case=case, status="fixed", actor=officer)
    with pytest.raises(WorkflowError):
        case_reopen_by_resident(case=case, reason="  ")
    case = case_reopen_by_resident(case=case, reason="Still not collected")
    assert case.status == "reopened" and case.is_open
    case = case_change_status(case=case, status="fixed", actor=officer)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=60))
    case.refresh_from_db()
    with pytest.raises(WorkflowError) as excinfo:
        case_reopen_by_resident(case=case, reason="Again")
    assert "more than 28 days" in excinfo.value.messages[0]


def test_response_templates_fill_placeholders(case):
    template = ResponseTemplate.objects.create(
        council=case.council,
        name="Crew sent",
        use="message",
        body="Dear {name}, we will collect for {reference} by {due_date}. {unknown} {reference.x}",
    )
    text = render_template(template, case)
    assert text.startswith("Dear Sam Resident, we will collect for RVB-")
    assert "{unknown}" in text and "{reference.x}" in text
    # A public update's template never names the resident, even if saved around clean().
    template.use = "public_update"
    assert render_template(template, case).startswith("Dear {name}, we will")


def test_notifications_written_with_the_change_or_not_at_all(case, officer):
    before = Notification.objects.count()
    with pytest.raises(WorkflowError):
        case_change_status(case=case, status="closed", actor=officer, closure_reason="nonsense")
    assert Notification.objects.count() == before
