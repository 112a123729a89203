"""What every action shares: the lock, the workflow error and the permission check."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from onecouncil.cases.models import Case
from onecouncil.core.actors import Actor
from onecouncil.core.masking import mentions, personal_found
from onecouncil.core.permissions import Permission, role_has


class WorkflowError(ValidationError):
    """A change the workflow does not allow; the message says why."""


def authorise(actor: Actor, *, council_id: int, permission: Permission) -> None:
    """The one rule for who may make a staff change, checked by each staff action before
    it changes anything (as Wagtail's actions do), so a view, the REST API and a
    management command cannot disagree: the system may (``Actor.system``); anyone else
    only as a member of the council's staff whose role grants ``permission``.
    Raises ``PermissionDenied``."""
    if actor.is_system:
        return
    membership = actor.membership
    if (
        membership is None
        or membership.council_id != council_id
        or not role_has(membership.role, permission)
    ):
        raise PermissionDenied


P = ParamSpec("P")
R = TypeVar("R")


def staff_action(permission: Permission) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare the permission a staff action needs, and check it on every call, before
    anything changes (``authorise``, with the ``case`` and ``actor`` keywords every staff
    action takes). The one statement of who may do it: a page that offers the action asks
    ``may(membership, action)`` rather than naming the permission again."""

    def decorate(action: Callable[P, R]) -> Callable[P, R]:
        @wraps(action)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            case = kwargs["case"]
            actor = kwargs["actor"]
            assert isinstance(case, Case) and isinstance(actor, Actor)
            authorise(actor, council_id=case.council_id, permission=permission)
            return action(*args, **kwargs)

        setattr(checked, "permission", permission)  # noqa: B010  # read by ``may``
        return checked

    return decorate


def declares(permission: Permission) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare the permission of an action that checks it itself (over many requests, or
    only for some submitters), so pages can ask ``may`` as for any staff action."""

    def decorate(action: Callable[P, R]) -> Callable[P, R]:
        setattr(action, "permission", permission)  # noqa: B010  # read by ``may``
        return action

    return decorate


def permission_of(action: Callable[..., Any]) -> Permission:
    permission = getattr(action, "permission", None)
    if not isinstance(permission, Permission):
        raise TypeError(f"{action.__name__} is not a staff action")
    return permission


def may(membership: Any, action: Callable[..., Any]) -> bool:
    """Whether this member of staff may take this staff action (on their council's
    requests): for pages deciding what to offer, and for refusing early."""
    return membership is not None and role_has(membership.role, permission_of(action))


def locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("service", "council")
        .get(pk=case.pk)
    )


def names_the_reporter(case: Case, message: str) -> bool:
    """Whether ``message`` holds the reporter's full name, email or phone number."""
    return mentions(
        message,
        names=[case.contact_name],
        emails=[case.contact_email],
        phones=[case.contact_phone],
    )


def public_words_refused(case: Case, text: str) -> str:
    """Why ``text`` may not be shown to the public, or "": nothing personal may be in it
    (the one masking module's finds, or the reporter's own name or details)."""
    found = personal_found(text)
    if found:
        return _("It still holds %(found)s: take them out first") % {"found": ", ".join(found)}
    if names_the_reporter(case, text):
        return _("It names the person who made the request: take their name out first")
    return ""
