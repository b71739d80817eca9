"""Appeals raise care events: a named appeal graded red or orange asks for a talk or a visit with its
submitter, once; yellow or blue appeals and anonymous ones raise nothing."""

from __future__ import annotations

from typing import Any

from lianxin.appeals.services import appeal_submit, appeal_triage
from lianxin.care.models import DueItem, LifeEvent
from tests.factories import Org


def triaged(
    org: Org, django_capture_on_commit_callbacks: Any, *, category: str, grade: str, **kw: Any
) -> Any:
    appeal = appeal_submit(text="家里老人重病，已经借遍了亲戚", channel="web", **kw).appeal
    with django_capture_on_commit_callbacks(execute=True):
        appeal_triage(appeal=appeal, actor=org.secretary_a, category=category, grade=grade)
    return appeal


def test_an_orange_hardship_appeal_asks_for_a_visit_to_its_submitter(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    appeal = triaged(
        org,
        django_capture_on_commit_callbacks,
        category="hardship",
        grade="orange",
        submitter=org.paired_person,
    )
    event = LifeEvent.objects.get()
    assert (event.person, event.kind_id, event.source) == (org.paired_person, "family_hardship", "appeal")
    assert appeal.number in event.note
    item = DueItem.objects.get()
    # The secretary, who may read the appeal; not the paired contact (the grid member), who may not.
    assert item.action == "visit" and item.responsible == org.secretary_a
    # Graded again (orange → red): still one event.
    with django_capture_on_commit_callbacks(execute=True):
        appeal_triage(appeal=appeal, actor=org.secretary_a, category="hardship", grade="red")
    assert LifeEvent.objects.count() == 1


def test_distress_asks_for_a_talk_and_ordinary_or_anonymous_appeals_raise_nothing(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    triaged(
        org,
        django_capture_on_commit_callbacks,
        category="wellbeing",
        grade="red",
        submitter=org.employee_person,
    )
    assert LifeEvent.objects.get().kind_id == "mood_change"
    triaged(
        org, django_capture_on_commit_callbacks, category="pay", grade="yellow", submitter=org.paired_person
    )
    triaged(org, django_capture_on_commit_callbacks, category="wellbeing", grade="red", anonymous=True)
    assert LifeEvent.objects.count() == 1


def test_a_complaint_about_management_conduct_approaches_no_one(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    triaged(
        org,
        django_capture_on_commit_callbacks,
        category="conduct",
        grade="orange",
        submitter=org.paired_person,
    )
    assert not LifeEvent.objects.exists() and not DueItem.objects.exists()
