"""Each staff action checks its own permission (the access matrix, called directly): the
staff pages, the REST API and a management command are refused alike, by the action.

Every staff action the writer exports is found here by what it declares, so a new one is
covered without listing it; the test fails if none are found."""

from __future__ import annotations

import inspect

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

import onecouncil.cases.actions as actions
from onecouncil.core.actors import Actor
from onecouncil.core.models import Membership, Role
from onecouncil.core.permissions import Permission, role_has
from onecouncil.sendon import services as sendon
from tests.factories import make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


def _staff_actions():
    found = []
    for module in (actions, sendon):
        for name, value in vars(module).items():
            if not callable(value) or not isinstance(getattr(value, "permission", None), str):
                continue
            if "case" in inspect.signature(value).parameters:
                found.append((f"{module.__name__}.{name}", value))
    return sorted(set(found), key=lambda item: item[0])


STAFF_ACTIONS = _staff_actions()


def test_the_writer_declares_its_staff_actions():
    names = {name.rsplit(".", 1)[1] for name, _action in STAFF_ACTIONS}
    assert {
        "case_assign",
        "case_change_status",
        "case_add_update",
        "case_send_message",
        "case_add_note",
        "case_mark_duplicate",
        "case_publish_description",
        "case_hide_description",
        "case_show_photos",
        "case_add_photo",
        "case_record_internal",
        "sending_resend",
        "sending_take_back",
    } <= names


def _member(council, role, n=[0]):  # noqa: B006  # a counter for unique usernames
    n[0] += 1
    user = get_user_model().objects.create_user(f"staff{n[0]}@example.com", password="x" * 16)
    return Membership.objects.create(council=council, user=user, role=role, ward_codes=[])


def _attempt(action, case, actor):
    """Call the action with only what the check needs: past the check, the action fails
    for want of its other arguments (or does its work), which is not a refusal."""
    try:
        action(case=case, actor=actor)
    except PermissionDenied:
        return "refused"
    except Exception:  # anything after the check means it was allowed
        return "allowed"
    return "allowed"


@pytest.mark.parametrize("role", list(Role))
def test_each_staff_action_refuses_a_role_without_its_permission(role, missed_bin):
    case = make_case(missed_bin, answers=ANSWERS).case
    membership = _member(case.council, role)
    actor = Actor(user=membership.user, label="Staff", membership=membership)
    outcomes = {name: _attempt(action, case, actor) for name, action in STAFF_ACTIONS}
    expected = {
        name: "allowed" if role_has(role, Permission(action.permission)) else "refused"
        for name, action in STAFF_ACTIONS
    }
    assert outcomes == expected


def test_staff_of_another_council_and_people_without_a_membership_are_refused(
    missed_bin, other_council
):
    case = make_case(missed_bin, answers=ANSWERS).case
    elsewhere = _member(other_council, Role.ADMINISTRATOR)
    strangers = [
        Actor(user=elsewhere.user, label="Elsewhere", membership=elsewhere),
        Actor(user=elsewhere.user, label="Signed in, no membership"),
        Actor(label="Nobody in particular"),
    ]
    for actor in strangers:
        assert {_attempt(a, case, actor) for _n, a in STAFF_ACTIONS} == {"refused"}
    # The system (workers, imports) is never refused.
    system = Actor.system("Worker")
    assert {_attempt(a, case, system) for _n, a in STAFF_ACTIONS} == {"allowed"}


def test_bulk_change_and_staff_requests_need_their_own_permissions(missed_bin):
    from onecouncil.cases.inputs import Contact, Location, NewRequest, Submitter
    from onecouncil.cases.models import Channel

    case = make_case(missed_bin, answers=ANSWERS).case
    officer = _member(case.council, Role.CASE_OFFICER)  # no BULK_CHANGE
    as_officer = Actor(user=officer.user, label="Officer", membership=officer)
    with pytest.raises(PermissionDenied):
        actions.cases_bulk_change(cases=[case], actor=as_officer, assign=True)
    councillor = _member(case.council, Role.COUNCILLOR)  # no CREATE_ON_BEHALF
    request = NewRequest(
        service=missed_bin,
        answers=ANSWERS,
        location=Location(street="High Street", description="Outside number 4"),
        contact=Contact(name="Pat", email="pat@example.com"),
        channel=Channel.PHONE,
        submission_key=__import__("uuid").uuid4(),
        submitter=Submitter(actor=Actor(user=councillor.user, label="Cllr", membership=councillor)),
    )
    with pytest.raises(PermissionDenied):
        actions.case_create(council=case.council, request=request)
    # A phone request needs a member of staff (or the system) behind it.
    from dataclasses import replace

    with pytest.raises(PermissionDenied):
        actions.case_create(council=case.council, request=replace(request, submitter=Submitter()))
    made = actions.case_create(
        council=case.council,
        request=replace(request, submitter=Submitter(actor=as_officer)),
    )
    assert made.created and made.case.channel == Channel.PHONE
