"""Who sees which care records, and who sees their restricted parts.

- A talk or visit record is seen by its recorder and by whoever sees one of its people; its topic and
  summary only by the recorder and the secretary of every person's branch and above (never the people
  themselves, never their peers).
- Life events and due items: the responsible user, and the secretary of the person's branch and above.
- Key status, care plans and violation cases: the secretary of the person's branch and above, the plan's
  responsible user or the case's helper, and the person themself (their own file, as Person.is_key_person
  already is under org.scope.can_see_sensitive); never the person's peers.
- Counselling details: only the counsellor role held at the person's unit or above, and only while the
  person's counselling consent stands. Others who may see the person's key status see only the status.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lianxin.care.models import (
    CarePlan,
    ContactPerson,
    ContactRecord,
    CounsellingReferral,
    DueItem,
    LifeEvent,
    ViolationCase,
)
from lianxin.org.models import SENSITIVE_ROLES, Person, Role
from lianxin.org.scope import UserLike, own_person_id, paths_q, people_visible_to, scope_paths

COUNSELLOR_ROLES = frozenset({Role.COUNSELLOR})


def _authenticated(user: UserLike) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def _under(paths: list[str], unit_path: str) -> bool:
    return any(unit_path.startswith(p) for p in paths)


def supervises(user: UserLike, person: Person) -> bool:
    """The secretary of the person's branch and above (and not merely the person themself)."""
    return _authenticated(user) and _under(scope_paths(user, SENSITIVE_ROLES), person.unit.path)


def is_self(user: UserLike, person: Person) -> bool:
    return person.user_id is not None and person.user_id == getattr(user, "pk", None)


def is_counsellor_for(user: UserLike, person: Person) -> bool:
    return _authenticated(user) and _under(scope_paths(user, COUNSELLOR_ROLES), person.unit.path)


# --- talks and visits -------------------------------------------------------------------------------


def contacts_visible_to(user: UserLike) -> QuerySet[ContactRecord]:
    if not _authenticated(user):
        return ContactRecord.objects.none()
    linked = ContactPerson.objects.filter(person__in=people_visible_to(user)).values("record_id")
    return ContactRecord.objects.filter(Q(conducted_by=user) | Q(pk__in=linked))


def can_read_summary(user: UserLike, record: ContactRecord, people: list[Person] | None = None) -> bool:
    """The recorder, or the secretary (and above) of every person in the record."""
    if not _authenticated(user):
        return False
    if record.conducted_by_id == user.pk:
        return True
    paths = scope_paths(user, SENSITIVE_ROLES)
    if not paths:
        return False
    members = people if people is not None else list(record.people.select_related("unit"))
    return bool(members) and all(_under(paths, p.unit.path) for p in members)


# --- events and due items ---------------------------------------------------------------------------


def due_items_visible_to(user: UserLike) -> QuerySet[DueItem]:
    if not _authenticated(user):
        return DueItem.objects.none()
    return DueItem.objects.filter(
        Q(responsible=user) | paths_q(scope_paths(user, SENSITIVE_ROLES), "person__unit__")
    )


def life_events_visible_to(user: UserLike) -> QuerySet[LifeEvent]:
    if not _authenticated(user):
        return LifeEvent.objects.none()
    return LifeEvent.objects.filter(
        Q(due_item__responsible=user) | paths_q(scope_paths(user, SENSITIVE_ROLES), "person__unit__")
    )


# --- key people, plans, violation cases ---------------------------------------------------------------


def can_see_key_status(user: UserLike, person: Person) -> bool:
    return _authenticated(user) and (is_self(user, person) or supervises(user, person))


def _sensitive_or_self(user: UserLike, relation: str) -> Q:
    q = paths_q(scope_paths(user, SENSITIVE_ROLES), "person__unit__") | Q(**{relation: user})
    me = own_person_id(user)
    if me is not None:
        q |= Q(person_id=me)
    return q


def care_plans_visible_to(user: UserLike) -> QuerySet[CarePlan]:
    if not _authenticated(user):
        return CarePlan.objects.none()
    return CarePlan.objects.filter(_sensitive_or_self(user, "responsible"))


def violation_cases_visible_to(user: UserLike) -> QuerySet[ViolationCase]:
    if not _authenticated(user):
        return ViolationCase.objects.none()
    return ViolationCase.objects.filter(_sensitive_or_self(user, "helper"))


# --- counselling ------------------------------------------------------------------------------------


def referrals_visible_to(user: UserLike) -> QuerySet[CounsellingReferral]:
    """Referrals whose status the user may see: counsellors, supervisors, the person, the requester."""
    if not _authenticated(user):
        return CounsellingReferral.objects.none()
    paths = scope_paths(user, SENSITIVE_ROLES | COUNSELLOR_ROLES)
    q = paths_q(paths, "person__unit__") | Q(requested_by=user)
    me = own_person_id(user)
    if me is not None:
        q |= Q(person_id=me)
    return CounsellingReferral.objects.filter(q)


def can_read_counselling(user: UserLike, referral: CounsellingReferral) -> bool:
    """Only the counsellor, and only while the consent the referral rests on stands."""
    return referral.consent.withdrawn_at is None and is_counsellor_for(user, referral.person)
