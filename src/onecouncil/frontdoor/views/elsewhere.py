"""A place in another council's area: offered to the resident and handed over with what
they said."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onecouncil.cases.actions import (
    photos_hand_over,
)
from onecouncil.catalogue.answers import (
    journey_steps,
    validate_answers,
)
from onecouncil.catalogue.models import Service
from onecouncil.catalogue.selectors import (
    service_for_resident,
)
from onecouncil.core.links import public_url
from onecouncil.core.models import Council
from onecouncil.frontdoor.drafts import Draft
from onecouncil.frontdoor.handoff import handoff_offers, handoff_start, handoff_take
from onecouncil.frontdoor.http import journey_step, step_url, with_council


def outside_message(council: Council, elsewhere: list[Council]) -> str:
    if elsewhere:
        return _(
            "That place is in %(other)s's area, not %(council)s's: continue with %(other)s "
            "below, without starting again, or move the pin"
        ) % {"other": elsewhere[0].name, "council": council.name}
    return _(
        "That place is outside %(council)s's area, and no council on this website looks "
        "after it: move the pin, or contact the council for that area"
    ) % {"council": council.name}


def offer_elsewhere(council: Council, draft: Draft, data: dict[str, Any]) -> list[Council]:
    """When the point is outside this council but inside another on this deployment,
    offer to carry on there; the place tried is kept in the draft for that."""
    if data.get("latitude") in (None, "") or data.get("longitude") in (None, ""):
        return []
    try:
        latitude, longitude = float(data["latitude"]), float(data["longitude"])
    except (TypeError, ValueError):
        return []
    offers = handoff_offers(council=council, latitude=latitude, longitude=longitude)
    if offers:
        draft.data["tried_place"] = {
            "latitude": latitude,
            "longitude": longitude,
            "street": data.get("street", ""),
            "description": data.get("description", ""),
        }
        draft.session.modified = True
    return offers


def handed_place(request: HttpRequest, council: Council) -> dict[str, Any]:
    """A place handed over from another council, for whichever service is chosen here."""
    place = request.session.get(f"handed_place:{council.pk}")
    return dict(place) if isinstance(place, dict) else {}


@require_POST
@journey_step("location")
def report_elsewhere(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    """Carry on at the council whose area the place is in (see ``frontdoor.handoff``)."""
    tried = draft.data.get("tried_place") or {}
    target = None
    if tried:
        offers = handoff_offers(
            council=council, latitude=tried["latitude"], longitude=tried["longitude"]
        )
        target = next((c for c in offers if c.slug == request.POST.get("council")), None)
    if target is None:
        return redirect(step_url(service, "location"))
    token, _matched = handoff_start(
        council=council,
        service=service,
        target=target,
        answers=draft.get("answers"),
        place=tried,
        draft_key=str(draft.key),
    )
    draft.discard()
    return redirect(public_url(target, "handoff", token))


@require_GET
@with_council
def handoff_arrive(request: HttpRequest, council: Council, token: str) -> HttpResponseBase:
    """The other end: the answers and place go into this council's draft."""
    handed = handoff_take(council=council, token=token)
    if handed is None:
        return redirect("frontdoor:services")
    place = {**handed.place, "postcode": ""}
    request.session[f"handed_from:{council.pk}"] = handed.from_council
    service = service_for_resident(council=council, code=handed.service_code)
    if service is None:
        request.session[f"handed_place:{council.pk}"] = place
        return redirect("frontdoor:services")
    draft = Draft(request.session, council.pk, service.code)
    if handed.photos_from:
        photos_hand_over(
            from_council_id=handed.photos_from["council_id"],
            draft_key=uuid.UUID(handed.photos_from["draft_key"]),
            to_council=council,
            to_draft_key=draft.key,
        )
    draft.data["answers"] = handed.answers
    if "questions" in journey_steps(service):
        try:
            draft.data["answers"] = validate_answers(service, handed.answers)
        except ValidationError:
            pass  # the questions step opens with what was kept, to finish there
        else:
            draft.mark_done("questions")
    draft.data["location"] = place
    draft.session.modified = True
    # The first step still to do: the questions when the answers did not all fit.
    step = next((s for s in journey_steps(service) if not draft.is_done(s)), "check")
    return redirect(step_url(service, step))
