"""One access helper per care resource: the object within the user's reach, or 404.

Out of scope and missing are the same 404, so a refusal never confirms that something exists.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from lianxin.care.models import CarePlan, ContactRecord, CounsellingReferral, DueItem, ViolationCase
from lianxin.care.scope import (
    care_plans_visible_to,
    contacts_visible_to,
    due_items_visible_to,
    referrals_visible_to,
    violation_cases_visible_to,
)
from lianxin.care.selectors import my_people
from lianxin.org.models import SCOPE_ROLES, Person, Role
from lianxin.org.scope import UserLike, has_role, scope_paths


def require_care_staff(user: UserLike) -> None:
    """Talks, visits and due items are staff work (grid member and above): anyone else, an informant or
    a counsellor included, gets 404 from the page and the API alike."""
    if not scope_paths(user, SCOPE_ROLES):
        raise Http404("care")


def my_people_for(user: UserLike) -> QuerySet[Person]:
    """A grid member's paired people (selectors.my_people). Nobody else keeps such a list, even when
    paired with someone (an informant, an ordinary party member): the page and the API are 404 for them."""
    if not has_role(user, Role.GRID_MEMBER):
        raise Http404("my people")
    return my_people(user)


def contact_for(user: UserLike, pk: int) -> ContactRecord:
    """A talk or visit record the user sees; topic and summary only via selectors.contact_summary_for."""
    try:
        return contacts_visible_to(user).select_related("conducted_by", "follow_up_appeal").get(pk=pk)
    except (ContactRecord.DoesNotExist, ValueError, TypeError):
        raise Http404("contact") from None


def due_item_for(user: UserLike, pk: int) -> DueItem:
    try:
        return (
            due_items_visible_to(user)
            .select_related("person", "person__unit", "event__kind", "responsible")
            .get(pk=pk)
        )
    except (DueItem.DoesNotExist, ValueError, TypeError):
        raise Http404("due item") from None


def care_plan_for(user: UserLike, pk: int) -> CarePlan:
    try:
        return care_plans_visible_to(user).select_related("person", "person__unit", "responsible").get(pk=pk)
    except (CarePlan.DoesNotExist, ValueError, TypeError):
        raise Http404("care plan") from None


def violation_case_for(user: UserLike, pk: int) -> ViolationCase:
    try:
        return (
            violation_cases_visible_to(user)
            .select_related("person", "person__unit", "helper", "reported_by_unit")
            .get(pk=pk)
        )
    except (ViolationCase.DoesNotExist, ValueError, TypeError):
        raise Http404("violation case") from None


def referral_for(user: UserLike, pk: int) -> CounsellingReferral:
    """A referral whose status the user may see; its details go through selectors.counselling_details_for."""
    try:
        return referrals_visible_to(user).select_related("person", "person__unit", "consent").get(pk=pk)
    except (CounsellingReferral.DoesNotExist, ValueError, TypeError):
        raise Http404("referral") from None
