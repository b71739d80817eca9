"""The warning rule sources: each fires when it should and not when it should not, on a frozen clock;
running the scan again changes nothing; a triage to red raises at once; anonymity holds."""

from __future__ import annotations

import datetime as dt
import sys
import types
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from lianxin.appeals import services as appeals
from lianxin.appeals.codes import Channel
from lianxin.appeals.models import Appeal
from lianxin.care import plans, services
from lianxin.care.codes import ContactKind
from lianxin.care.models import CarePlan
from lianxin.insight import watch
from lianxin.insight.codes import TargetKind, WarningEventKind, WarningLevel, WarningSource, WarningStatus
from lianxin.insight.models import Warning, WarningEvent
from lianxin.insight.warnings import warning_close
from lianxin.org.models import Person
from tests.factories import Org

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 20, 10, 0, tzinfo=TZ)


def submit(person: Person | None, days_ago: float, *, anonymous: bool = False, text: str = "") -> Appeal:
    return appeals.appeal_submit(
        text=text or "宿舍热水器坏了一周，夜班下来没法洗澡。",
        channel=Channel.WEB,
        submitter=person,
        anonymous=anonymous,
        received_at=NOW - dt.timedelta(days=days_ago),
    ).appeal


def triage(appeal: Appeal, org: Org, grade: str) -> Appeal:
    return appeals.appeal_triage(appeal=appeal, actor=org.department, category="conditions", grade=grade)


# --- appeal grade -----------------------------------------------------------------------------------


def test_red_and_orange_appeals_raise_warnings_of_their_level_and_yellow_does_not(org: Org) -> None:
    red = triage(submit(org.stranger, 1), org, "red")
    orange = triage(submit(org.paired_person, 1), org, "orange")
    triage(submit(org.employee_person, 1), org, "yellow")
    submit(org.grid_person, 1)  # not triaged: no grade yet
    result = watch.watch_appeal_grades(now=NOW)
    assert result.raised == 2
    by_appeal = {w.appeal_id: w for w in Warning.objects.all()}
    assert set(by_appeal) == {red.pk, orange.pk}
    assert by_appeal[red.pk].level == WarningLevel.RED and by_appeal[red.pk].person == org.stranger
    assert by_appeal[red.pk].source == WarningSource.APPEAL
    assert by_appeal[red.pk].unit == org.grid_b1  # the person's unit: branch B's secretary sees it
    assert by_appeal[orange.pk].level == WarningLevel.ORANGE
    # The disposal plan and the deadline come from the level's principles (red: 2 hours).
    assert "立即响应" in by_appeal[red.pk].disposal_plan
    assert by_appeal[red.pk].respond_by == NOW + dt.timedelta(hours=2)


def test_an_anonymous_red_appeal_warns_its_unit_and_names_nobody(org: Org) -> None:
    appeal = triage(submit(None, 1, anonymous=True), org, "red")
    watch.watch_appeal_grades(now=NOW)
    warning = Warning.objects.get()
    assert warning.target_kind == TargetKind.UNIT and warning.person is None
    assert warning.unit_id == appeal.unit_id and warning.appeal_id == appeal.pk
    for person in Person.objects.all():
        assert person.name not in warning.title
        assert person.name not in str(warning.evidence)


def test_the_scan_is_idempotent_and_a_regrade_to_red_raises_the_level(org: Org) -> None:
    appeal = triage(submit(org.stranger, 1), org, "orange")
    for _ in range(3):
        watch.watch_scan(now=NOW)
    warning = Warning.objects.get()
    assert warning.level == WarningLevel.ORANGE
    assert list(warning.events.values_list("kind", flat=True)) == [WarningEventKind.OPENED]
    triage(appeal, org, "red")
    watch.watch_scan(now=NOW)
    warning.refresh_from_db()
    assert Warning.objects.count() == 1 and warning.level == WarningLevel.RED
    assert warning.events.filter(kind=WarningEventKind.RECURRED).count() == 1


def test_a_closed_appeal_warning_stays_closed(org: Org) -> None:
    triage(submit(org.stranger, 1), org, "red")
    watch.watch_scan(now=NOW)
    warning_close(warning=Warning.objects.get(), actor=org.secretary_b, outcome="已当面谈心，情绪稳定。")
    watch.watch_scan(now=NOW)
    assert Warning.objects.count() == 1 and Warning.objects.get().status == WarningStatus.CLOSED


def test_triage_to_red_raises_the_warning_as_soon_as_it_commits(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    appeal = submit(None, 0.01, anonymous=True)
    with django_capture_on_commit_callbacks(execute=True):
        triage(appeal, org, "red")
    warning = Warning.objects.get()
    assert warning.appeal_id == appeal.pk and warning.level == WarningLevel.RED
    with django_capture_on_commit_callbacks(execute=True):
        triage(submit(org.stranger, 0.01), org, "yellow")
    assert Warning.objects.count() == 1


# --- repeat appeals ---------------------------------------------------------------------------------


def test_three_appeals_in_thirty_days_warn_and_two_do_not(org: Org) -> None:
    submit(org.stranger, 2)
    submit(org.stranger, 29)
    submit(org.employee_person, 1)
    submit(org.employee_person, 3)
    submit(org.employee_person, 31)  # outside the window
    assert watch.watch_repeat_appeals(now=NOW).raised == 0
    assert not Warning.objects.exists()
    third = submit(org.stranger, 10)
    assert watch.watch_repeat_appeals(now=NOW).raised == 1
    warning = Warning.objects.get()
    assert warning.person == org.stranger and warning.level == WarningLevel.YELLOW
    assert warning.evidence["count"] == 3 and third.pk in warning.evidence["appeal_ids"]
    assert watch.watch_repeat_appeals(now=NOW).raised == 0
    assert warning.events.count() == 1


def test_anonymous_appeals_never_count_towards_a_person(org: Org) -> None:
    for days in (1, 2, 3, 4):
        submit(None, days, anonymous=True)
    assert watch.watch_repeat_appeals(now=NOW).raised == 0


def test_the_repeat_thresholds_come_from_settings(org: Org, settings: Any) -> None:
    settings.WARNING_REPEAT_APPEALS = 2
    settings.WARNING_REPEAT_DAYS = 7
    submit(org.stranger, 1)
    submit(org.stranger, 8)
    assert watch.watch_repeat_appeals(now=NOW).raised == 0
    submit(org.stranger, 6)
    assert watch.watch_repeat_appeals(now=NOW).raised == 1


def test_a_new_appeal_after_closure_raises_again_but_the_same_ones_do_not(org: Org) -> None:
    for days in (1, 2, 3):
        submit(org.stranger, days)
    watch.watch_repeat_appeals(now=NOW)
    warning_close(warning=Warning.objects.get(), actor=org.secretary_b, outcome="已逐件答复。")
    assert watch.watch_repeat_appeals(now=NOW).raised == 0
    submit(org.stranger, 0.5)
    assert watch.watch_repeat_appeals(now=NOW).raised == 1
    assert Warning.objects.filter(status=WarningStatus.CLOSED).count() == 1
    assert Warning.objects.filter(status=WarningStatus.OPEN).count() == 1


# --- key people's cadence ------------------------------------------------------------------------------


def plan_for(org: Org, person: Person, cadence: int, opened_days_ago: int) -> CarePlan:
    with time_machine.travel(NOW - dt.timedelta(days=opened_days_ago), tick=False):
        return plans.care_plan_open(
            actor=org.department, person=person, responsible=org.department, cadence_days=cadence
        )


def contact(org: Org, person: Person, days_ago: int) -> None:
    with time_machine.travel(NOW, tick=False):
        services.contact_record(
            actor=org.secretary_a,
            kind=ContactKind.TALK,
            date=timezone.localdate(NOW) - dt.timedelta(days=days_ago),
            people=[person],
            summary="谈了谈近况。",
        )


def test_a_key_person_contacted_just_within_the_cadence_is_not_warned(org: Org) -> None:
    plan_for(org, org.paired_person, 14, opened_days_ago=60)
    contact(org, org.paired_person, 14)  # today is exactly the cadence: met
    assert watch.watch_key_cadence(now=NOW).raised == 0


def test_a_key_person_contacted_a_day_too_late_is_warned_orange(org: Org) -> None:
    plan = plan_for(org, org.paired_person, 14, opened_days_ago=60)
    contact(org, org.paired_person, 15)
    assert watch.watch_key_cadence(now=NOW).raised == 1
    warning = Warning.objects.get()
    assert warning.level == WarningLevel.ORANGE and warning.person == org.paired_person
    assert warning.evidence["plan_id"] == plan.pk and warning.evidence["cadence_days"] == 14
    assert warning.unit == org.grid_a2
    assert watch.watch_key_cadence(now=NOW).raised == 0 and Warning.objects.count() == 1


def test_a_new_plan_counts_from_its_opening_and_a_closed_plan_never_warns(org: Org) -> None:
    plan_for(org, org.paired_person, 30, opened_days_ago=30)  # just met
    assert watch.watch_key_cadence(now=NOW).raised == 0
    late = plan_for(org, org.stranger, 30, opened_days_ago=31)  # missed by a day
    other = plan_for(org, org.grid_person, 7, opened_days_ago=40)
    CarePlan.objects.filter(pk=other.pk).update(closed_at=NOW)
    assert watch.watch_key_cadence(now=NOW).raised == 1
    assert Warning.objects.get().evidence["plan_id"] == late.pk


def test_the_enterprise_wide_rule_agrees_with_the_per_user_selector(org: Org) -> None:
    from lianxin.care.selectors import key_people_due

    for index, person in enumerate([org.paired_person, org.grid_person, org.employee_person]):
        plan_for(org, person, 7 + index * 7, opened_days_ago=50)
        contact(org, person, 6 + index * 8)
    today = timezone.localdate(NOW)
    expected = {due.plan.pk for due in key_people_due(org.department, today=today)}
    assert {row["pk"] for row in watch.key_plans_due(today=today)} == expected
    assert expected  # the case is not vacuous


# --- red phrases in talk summaries ------------------------------------------------------------------------


@pytest.fixture
def lexicon(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in for the lexicon rules that grades red on one phrase."""
    from lianxin.appeals.triage import Suggestion

    def rules_suggest(text: str) -> Suggestion | None:
        if "活着没意思" in text:
            return Suggestion(category="wellbeing", grade="red", evidence=["活着没意思"])
        return Suggestion(category="conditions", grade="yellow", evidence=["宿舍"])

    module = types.ModuleType("lianxin.insight.suggest.rules")
    module.rules_suggest = rules_suggest  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lianxin.insight.suggest.rules", module)


SECRET = "他说最近活着没意思，还把自己的东西都送人了，家里欠了十几万。"


def record(org: Org, people: list[Person], summary: str) -> int:
    made = services.contact_record(
        actor=org.secretary_a,
        kind=ContactKind.TALK,
        date=timezone.localdate(),
        people=people,
        summary=summary,
    )
    return int(made.pk)


def test_a_red_phrase_in_a_talk_warns_each_person_without_copying_the_summary(
    org: Org, lexicon: None
) -> None:
    now = timezone.now() + dt.timedelta(minutes=1)
    record(org, [org.grid_person], "聊了聊孩子上学的事，宿舍热水器也坏了。")
    red_id = record(org, [org.paired_person, org.employee_person], SECRET)
    assert watch.watch_talk_summaries(now=now).raised == 2
    warnings = list(Warning.objects.order_by("person_id"))
    assert {w.person_id for w in warnings} == {org.paired_person.pk, org.employee_person.pk}
    for warning in warnings:
        assert warning.level == WarningLevel.RED
        assert warning.evidence["record_id"] == red_id and warning.evidence["words"] == ["活着没意思"]
        stored = f"{warning.title} {warning.evidence} {warning.disposal_plan}"
        assert "送人" not in stored and "十几万" not in stored
        assert not WarningEvent.objects.filter(text__contains="十几万").exists()
    assert watch.watch_talk_summaries(now=now).raised == 0


def test_only_talks_saved_since_the_last_scan_are_read(org: Org, lexicon: None) -> None:
    now = timezone.now() + dt.timedelta(minutes=1)
    assert watch.watch_talk_summaries(now=now).raised == 0
    record(org, [org.paired_person], SECRET)
    later = timezone.now() + dt.timedelta(minutes=2)
    assert watch.watch_talk_summaries(now=later).raised == 1
    Warning.objects.update(status=WarningStatus.CLOSED)
    assert watch.watch_talk_summaries(now=later).raised == 0


def test_the_talk_rule_is_skipped_with_a_note_when_the_lexicon_is_missing(
    org: Org, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "lianxin.insight.suggest.rules", None)
    record(org, [org.paired_person], SECRET)
    with caplog.at_level("WARNING"):
        report = watch.watch_scan(now=timezone.now() + dt.timedelta(minutes=1))
    assert report[watch.RULE_TALK_RED] == {"raised": 0, "refreshed": 0, "skipped": 0}
    assert "talk rule skipped" in caplog.text
    assert not Warning.objects.exists()


def test_the_periodic_task_runs_every_rule(org: Org, lexicon: None) -> None:
    from lianxin.insight.watch_tasks import insight_watch_scan_task

    triage(submit(org.stranger, 0.01, text="我们二十多个人准备明天一起去集团上访。"), org, "red")
    report = insight_watch_scan_task.call_local()
    assert set(report) == set(watch.RULES)
    assert Warning.objects.filter(rule=watch.RULE_APPEAL_GRADE).count() == 1


def test_the_shipped_lexicon_grades_a_red_talk_and_the_warning_keeps_only_its_words(org: Org) -> None:
    pytest.importorskip("lianxin.insight.suggest.rules")
    from lianxin.insight.demo import RED_TALK

    record(org, [org.paired_person], RED_TALK)
    record(org, [org.grid_person], "聊了聊孩子明年上小学的事，本人情绪平稳。")
    assert watch.watch_talk_summaries(now=timezone.now() + dt.timedelta(minutes=1)).raised == 1
    warning = Warning.objects.get()
    assert warning.person == org.paired_person and warning.level == WarningLevel.RED
    assert warning.evidence["words"] and all(word in RED_TALK for word in warning.evidence["words"])
    assert "拖累家里人" not in warning.title


def test_a_red_talk_alerts_the_secretary_and_above_at_once_and_a_red_appeal_is_not_alerted_twice(
    org: Org, lexicon: None
) -> None:
    from lianxin.appeals.models import Notification

    record(org, [org.paired_person], SECRET)
    watch.watch_talk_summaries(now=timezone.now() + dt.timedelta(minutes=1))
    alerted = Notification.objects.filter(kind="warning_red")
    assert set(alerted.values_list("user__username", flat=True)) == {"secretary_a", "department", "leader"}
    assert all("十几万" not in n.message for n in alerted)
    triage(submit(org.stranger, 0.01), org, "red")  # the appeal's own red alert goes out here
    before = Notification.objects.count()
    watch.watch_appeal_grades(now=timezone.now())
    assert Notification.objects.count() == before


def test_the_words_quoted_from_a_talk_go_when_its_summary_is_purged(org: Org) -> None:
    """Retention: once a talk's summary is purged, its warning keeps the record's number but not the words."""
    from lianxin.care.models import ContactRecord
    from lianxin.care.services import contact_summaries_purge
    from lianxin.insight.demo import RED_TALK
    from lianxin.insight.watch_tasks import insight_watch_scan_task

    record(org, [org.paired_person], RED_TALK)
    assert watch.watch_talk_summaries(now=timezone.now() + dt.timedelta(minutes=1)).raised == 1
    assert watch.talk_words_purge() == 0  # the summary is still kept: so are the words
    assert Warning.objects.get().evidence["words"]
    ContactRecord.objects.update(date=timezone.localdate() - dt.timedelta(days=4 * 365))
    assert contact_summaries_purge() == 1
    insight_watch_scan_task.call_local()
    evidence = Warning.objects.get().evidence
    assert evidence["words"] == [] and evidence["record_id"] == ContactRecord.objects.get().pk
