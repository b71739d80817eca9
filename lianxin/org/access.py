"""One access helper per resource: return the object within the user's scope or raise 404.

Out of scope and missing are the same 404, so a refusal never confirms that something exists.
"""

from __future__ import annotations

from django.http import Http404

from lianxin.org.models import CorrectionRequest, Person, Unit
from lianxin.org.scope import UserLike, can_decide_corrections, people_visible_to, units_visible_to


def person_for(user: UserLike, pk: int) -> Person:
    try:
        return people_visible_to(user).select_related("unit", "unit__kind").get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("person") from None


def unit_for(user: UserLike, pk: int) -> Unit:
    try:
        return units_visible_to(user).select_related("kind").get(pk=pk)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise Http404("unit") from None


def correction_for(user: UserLike, pk: int, *, decide: bool = False) -> CorrectionRequest:
    """A correction request the user may see; with decide=True, one they may accept or decline."""
    try:
        request = CorrectionRequest.objects.select_related("person", "person__unit").get(pk=pk)
    except (CorrectionRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("correction") from None
    if decide:
        if not can_decide_corrections(user, request.person):
            raise Http404("correction")
    elif not people_visible_to(user).filter(pk=request.person_id).exists():
        raise Http404("correction")
    return request
