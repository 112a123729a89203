"""Subscribing to area alerts, confirming, stopping, and the worker's job that sends them.

Anyone may ask for an alert, so nothing is sent but one confirmation email until the
address's owner confirms (nobody can subscribe someone else), asking is rate-limited per
client and per address, and every alert email has a link that stops it. Alerts are sent
by the worker at most once an hour each, listing every new report since the last one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.alerts.models import AreaAlert
from onecouncil.alerts.reports import (
    ALERT_LIST_LIMIT,
    AlertReports,
    reports_for_area_alert,
    reports_for_ward_alert,
)
from onecouncil.cases.links import tracking_url
from onecouncil.cases.models import Case
from onecouncil.core.links import public_url, staff_url
from onecouncil.core.models import Council, Membership, Role
from onecouncil.core.privacy import PersonalValues, PersonKeys
from onecouncil.core.throttles import digest, within_limit
from onecouncil.notify.models import Channel
from onecouncil.notify.services import notification_enqueue
from onecouncil.places.lookup import covers, place_name_at, ward_id_at
from onecouncil.residents.accounts import clean_email
from onecouncil.residents.models import Ward

RADII = (100, 250, 500, 1000)
SUBSCRIBES_PER_CLIENT_HOUR = 10
CONFIRM_EMAILS_PER_ADDRESS_DAY = 3
EVERY = dt.timedelta(hours=1)
# Reports are told once they are a minute old, so a request still being saved (its
# transaction open, its time already set) is never skipped by the window moving past it.
SETTLE = dt.timedelta(minutes=1)
UNCONFIRMED_KEPT = dt.timedelta(days=7)


def _valid_email(email: str) -> str:
    try:
        return clean_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from None


@dataclass(frozen=True)
class Subscribed:
    alert: AreaAlert
    already_confirmed: bool


@transaction.atomic
def alert_subscribe(
    *,
    council: Council,
    email: str,
    place_name: str,
    point: tuple[float, float] | None = None,
    radius: int | None = None,
    ward: Ward | None = None,
    ip: str = "",
) -> Subscribed:
    """Ask for alerts about new reports within ``radius`` metres of ``point``, or in
    ``ward``. The same address asking for the same area again gets the same alert (a
    double submit makes one), and one confirmation email at most a few times a day."""
    email = _valid_email(email)
    if ward is None:
        if point is None or radius not in RADII:
            raise ValidationError({"radius": _("Choose how far from the place")})
        if covers(council.pk, point[0], point[1]) is False:
            raise ValidationError(
                {"place": _("That place is outside %(council)s's area") % {"council": council.name}}
            )
    elif ward.council_id != council.pk:
        raise ValidationError({"ward": _("Choose a ward from the list")})
    if not within_limit(f"alert-client:{digest(ip)}", SUBSCRIBES_PER_CLIENT_HOUR, 3600):
        raise ValidationError(
            {"email": _("You have asked for a lot of alerts in the last hour. Try again later.")}
        )
    latitude = longitude = None
    if ward is None and point is not None:
        latitude, longitude = round(point[0], 6), round(point[1], 6)
    area = (
        Q(ward=ward)
        if ward is not None
        else Q(latitude=latitude, longitude=longitude, radius_metres=radius)
    )
    alert = (
        AreaAlert.objects.select_for_update()
        .filter(area, council=council, email=email, unsubscribed_at__isnull=True)
        .first()
    )
    if alert is None:
        alert = AreaAlert.objects.create(
            council=council,
            email=email,
            place_name=place_name[:200],
            ward=ward,
            latitude=latitude,
            longitude=longitude,
            radius_metres=None if ward else radius,
        )
    if alert.confirmed_at is not None:
        return Subscribed(alert, already_confirmed=True)
    # One confirmation per alert in ten minutes (a double submit sends one), and a few
    # a day to any one address (nobody can flood someone else's inbox).
    if within_limit(f"alert-confirm:{alert.pk}", 1, 600) and within_limit(
        f"alert-email:{council.pk}:{digest(email)}", CONFIRM_EMAILS_PER_ADDRESS_DAY, 86400
    ):
        notification_enqueue(
            council=council,
            kind="alert_confirm",
            channel=Channel.EMAIL,
            recipient=email,
            context={
                "council_name": council.name,
                "area": describe_area(alert),
                "confirm_url": public_url(council, "alert_confirm", alert.token),
                # Every alert email can be stopped in one click, this one included.
                "unsubscribe_url": public_url(council, "alert_stop", alert.token),
            },
        )
    return Subscribed(alert, already_confirmed=False)


def alert_subscribe_at(
    *,
    council: Council,
    email: str,
    point: tuple[float, float],
    radius: int,
    whole_ward: bool,
    ip: str = "",
) -> Subscribed:
    """``alert_subscribe`` for a place a resident found: within ``radius`` of it, or
    anywhere in its ward; the place is named by the nearest street, never by the form."""
    ward = None
    if whole_ward:
        ward_id = ward_id_at(council.pk, point[0], point[1])
        ward = Ward.objects.filter(pk=ward_id, council=council).first() if ward_id else None
        if ward is None:
            raise ValidationError({"area": _("Choose where to be told about")})
    return alert_subscribe(
        council=council,
        email=email,
        place_name=place_name_at(council, point[0], point[1]),
        point=point,
        radius=radius,
        ward=ward,
        ip=ip,
    )


def describe_area(alert: AreaAlert) -> str:
    if alert.membership_id is not None:
        return _("in the wards you represent")
    if alert.ward_id is not None:
        assert alert.ward is not None
        return _("in %(ward)s ward") % {"ward": alert.ward.name}
    return _("within %(metres)s metres of %(place)s") % {
        "metres": alert.radius_metres,
        "place": alert.place_name,
    }


def _emailed(council: Council, token: str) -> QuerySet[AreaAlert]:
    """The alert an emailed link names (a councillor's ward alert has no such link)."""
    return AreaAlert.objects.filter(council=council, token=token, membership__isnull=True)


def alert_by_token(*, council: Council, token: str) -> AreaAlert | None:
    return _emailed(council, token).select_related("ward").first()


@transaction.atomic
def alert_confirm(*, council: Council, token: str) -> AreaAlert | None:
    """The address's owner confirmed from the email: alerts start with reports made now."""
    alert = (
        _emailed(council, token).select_for_update().filter(unsubscribed_at__isnull=True).first()
    )
    if alert is not None and alert.confirmed_at is None:
        alert.confirmed_at = alert.sent_up_to = timezone.now()
        alert.save(update_fields=["confirmed_at", "sent_up_to"])
    return alert


def alert_unsubscribe(*, council: Council, token: str) -> AreaAlert | None:
    """Stop an alert from its email's link. The address is forgotten at once; the row
    stays (without it) so the link still says it is stopped."""
    alert = _emailed(council, token).first()
    if alert is not None and alert.unsubscribed_at is None:
        alert.unsubscribed_at = timezone.now()
        alert.email = ""
        alert.save(update_fields=["unsubscribed_at", "email"])
    return alert


def alerts_of_email(*, council: Council, email: str) -> list[AreaAlert]:
    """The alerts an address has asked for and not stopped (a signed-in resident's list)."""
    if not email:
        return []
    return list(
        AreaAlert.objects.filter(
            council=council, email__iexact=email, unsubscribed_at__isnull=True, membership=None
        )
        .select_related("ward")
        .order_by("-created_at")
    )


def alert_stop_for_email(*, council: Council, email: str, alert_id: int) -> AreaAlert | None:
    """Stop one of the alerts of ``email`` (from the resident's account page)."""
    if not email:
        return None
    alert = AreaAlert.objects.filter(
        pk=alert_id,
        council=council,
        email__iexact=email,
        unsubscribed_at__isnull=True,
        membership=None,
    ).first()
    if alert is None:
        return None
    return alert_unsubscribe(council=council, token=alert.token)


# How far back a feed of public reports looks, and how many entries it holds.
FEED_DAYS = 30


def feed_reports(
    *,
    council: Council,
    point: tuple[float, float] | None = None,
    radius: int | None = None,
    ward: Ward | None = None,
    now: dt.datetime | None = None,
) -> list[Case]:
    """The public reports an area or ward alert would tell of, from the last FEED_DAYS,
    newest first: the same rule as the emails (``reports_for_area_alert``), for an Atom
    feed anyone may read."""
    if ward is None and (point is None or radius not in RADII):
        raise ValidationError(_("Give a place and a distance of 100, 250, 500 or 1000 metres"))
    now = now or timezone.now()
    found = reports_for_area_alert(
        council=council,
        since=now - dt.timedelta(days=FEED_DAYS),
        until=now,
        point=point if ward is None else None,
        radius=radius if ward is None else None,
        ward_id=ward.pk if ward is not None else None,
    )
    return sorted(found.described, key=lambda c: c.created_at, reverse=True)[:ALERT_LIST_LIMIT]


def ward_alert_set(*, membership: Membership, on: bool) -> AreaAlert | None:
    """A councillor's alert for the wards they represent: on or off. Their address is
    their staff account's, which the council already checked, so no confirmation."""
    if membership.role != Role.COUNCILLOR:
        raise ValidationError(_("Only councillors have ward alerts"))
    alert = AreaAlert.objects.filter(membership=membership).first()
    now = timezone.now()
    if on:
        if alert is None:
            return AreaAlert.objects.create(
                council_id=membership.council_id,
                membership=membership,
                confirmed_at=now,
                sent_up_to=now,
            )
        if alert.unsubscribed_at is not None:
            alert.unsubscribed_at = None
            alert.confirmed_at = alert.sent_up_to = now
            alert.save(update_fields=["unsubscribed_at", "confirmed_at", "sent_up_to"])
        return alert
    if alert is not None and alert.unsubscribed_at is None:
        alert.unsubscribed_at = now
        alert.save(update_fields=["unsubscribed_at"])
    return alert


def ward_alert_of(membership: Membership) -> AreaAlert | None:
    return AreaAlert.objects.active().filter(membership=membership).first()


# --- Sending (the worker's job) ---------------------------------------------------------


def _recipient(alert: AreaAlert) -> str:
    if alert.membership is not None:
        return str(alert.membership.user.email or "")
    return alert.email


def _reports(alert: AreaAlert, since: dt.datetime, until: dt.datetime) -> AlertReports:
    if alert.membership is not None:
        return reports_for_ward_alert(membership=alert.membership, since=since, until=until)
    if alert.ward_id is not None:
        return reports_for_area_alert(
            council=alert.council, since=since, until=until, ward_id=alert.ward_id
        )
    assert alert.latitude is not None and alert.longitude is not None
    return reports_for_area_alert(
        council=alert.council,
        since=since,
        until=until,
        point=(alert.latitude, alert.longitude),
        radius=alert.radius_metres,
    )


def _line(case: Case, for_staff: bool) -> dict[str, Any]:
    place = case.street if case.service.shows_exact_place and case.street else ""
    return {
        "reference": case.reference,
        "service_name": case.service.name,
        "place": ", ".join(p for p in (place, case.ward.name if case.ward else "") if p),
        "url": staff_url(case.council, "backoffice:case", case.reference)
        if for_staff
        else tracking_url(case),
    }


def _send_one(alert_id: int, now: dt.datetime) -> int:
    with transaction.atomic():
        alert = (
            AreaAlert.objects.select_for_update(skip_locked=True, of=("self",))
            .active()
            .select_related("council", "ward", "membership", "membership__user")
            .filter(pk=alert_id, sent_up_to__lte=now - EVERY)
            .first()
        )
        if alert is None:
            return 0
        assert alert.sent_up_to is not None
        until = now - SETTLE
        found = _reports(alert, alert.sent_up_to, until)
        alert.sent_up_to = until
        alert.save(update_fields=["sent_up_to"])
        recipient = _recipient(alert)
        if not (found.described or found.counted) or not recipient:
            return 0
        for_staff = alert.membership is not None
        notification_enqueue(
            council=alert.council,
            kind="area_alert",
            channel=Channel.EMAIL,
            recipient=recipient,
            context={
                "council_name": alert.council.name,
                "area": describe_area(alert),
                "reports": [_line(c, for_staff) for c in found.described[:ALERT_LIST_LIMIT]],
                "more": len(found.described) > ALERT_LIST_LIMIT,
                "counted": found.counted,
                "near_url": _near_url(alert),
                # A resident's alert stops in one click (List-Unsubscribe); a councillor's
                # is switched off on their staff page, after signing in.
                "unsubscribe_url": ""
                if for_staff
                else public_url(alert.council, "alert_stop", alert.token),
                "manage_url": staff_url(alert.council, "backoffice:home") if for_staff else "",
            },
        )
        return 1


def _near_url(alert: AreaAlert) -> str:
    url = public_url(alert.council, "reports_near")
    if alert.latitude is not None and alert.longitude is not None:
        url += f"?lat={alert.latitude:.6f}&lon={alert.longitude:.6f}&distance={alert.radius_metres}"
    return url


def alerts_send(*, now: dt.datetime | None = None) -> int:
    """Send every alert that is due (one email each, listing what is new), and forget
    requests for alerts nobody confirmed within a week."""
    now = now or timezone.now()
    AreaAlert.objects.filter(
        confirmed_at__isnull=True, created_at__lt=now - UNCONFIRMED_KEPT
    ).delete()
    due = list(
        AreaAlert.objects.active()
        .filter(sent_up_to__lte=now - EVERY)
        .order_by("sent_up_to")
        .values_list("pk", flat=True)[:500]
    )
    return sum(_send_one(pk, now) for pk in due)


def alerts_erase_person(person: PersonKeys) -> int:
    if not person.emails:
        return 0
    deleted, _by_model = AreaAlert.objects.filter(
        council_id=person.council_id, email__in=list(person.emails)
    ).delete()
    return deleted


def alerts_of_person(person: PersonKeys) -> tuple[str, list[dict[str, Any]]]:
    """The person's area alerts, for a subject access export."""
    found = AreaAlert.objects.filter(
        council_id=person.council_id, email__in=list(person.emails)
    ).select_related("ward")
    return "area_alerts", [
        {
            "email": alert.email,
            "place": alert.place_name or (alert.ward.name if alert.ward else ""),
            "within_metres": alert.radius_metres,
            "asked": alert.created_at.isoformat(),
            "confirmed": alert.confirmed_at.isoformat() if alert.confirmed_at else None,
            "stopped": alert.unsubscribed_at.isoformat() if alert.unsubscribed_at else None,
        }
        for alert in found
    ]


def alerts_held(council_id: int) -> Iterator[PersonalValues]:
    """Subscribers' email addresses (for the open data publication check)."""
    emails = AreaAlert.objects.filter(council_id=council_id).exclude(email="")
    for email in emails.values_list("email", flat=True).iterator(chunk_size=2000):
        yield PersonalValues(emails=(email,))
