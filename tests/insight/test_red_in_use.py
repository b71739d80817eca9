"""Red in use: the suggestion proposes and the person decides; red alerts follow only a person's red; the
talk scan raises red only where the red model finds it, once per record."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel, Grade
from lianxin.appeals.demo import seed_demo_appeals
from lianxin.appeals.models import Appeal
from lianxin.care.demo import seed_demo_care
from lianxin.care.models import ContactRecord
from lianxin.insight.codes import WarningLevel
from lianxin.insight.demo import RED_TALK, seed_demo_insight
from lianxin.insight.models import Warning
from lianxin.insight.watch import RULE_TALK_RED, TALK_HWM_KEY, watch_talk_summaries
from lianxin.org.demo.build import seed_demo
from tests.factories import Org

RED_TEXT = "我实在撑不下去了，有时候想干脆一了百了，工资也拖欠好几个月了"


@pytest.mark.django_db
def test_the_triage_form_shows_the_red_suggestion_but_never_selects_red(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        appeal = s.appeal_submit(text=RED_TEXT, channel=Channel.WEB, submitter=org.employee_person).appeal
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.suggested_grade == Grade.RED
    # A suggestion alone raises no red alert.
    assert not Warning.objects.filter(appeal=appeal).exists()

    client = Client()
    client.force_login(org.secretary_a)
    html = client.get(reverse("appeal_detail", args=[appeal.pk])).content.decode()
    grade_select = re.search(r'<select name="triage-grade".*?</select>', html, re.S)
    assert grade_select is not None
    chosen = re.findall(r'<option value="(\w*)"[^>]*selected', grade_select.group(0))
    assert chosen in ([], [""])  # no grade chosen for the handler: the blank choice shows
    # The suggestion stands beside the form: red with its confidence, and each word with its reason.
    assert "（把握很高，约 " in html and "自伤意念：“" in html
    assert '<mark class="lx-evidence">' in html

    # The handler chooses red; the alert follows that choice.
    with django_capture_on_commit_callbacks(execute=True):
        s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="wellbeing", grade=Grade.RED)
    assert Warning.objects.filter(appeal=appeal, level=WarningLevel.RED).count() == 1


@pytest.mark.django_db
def test_a_handler_who_chooses_otherwise_raises_no_red_alert(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        appeal = s.appeal_submit(text=RED_TEXT, channel=Channel.WEB, submitter=org.employee_person).appeal
        s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="pay", grade=Grade.YELLOW)
    assert not Warning.objects.filter(level=WarningLevel.RED).exists()


@pytest.mark.django_db
def test_the_talk_scan_over_the_demo_raises_red_only_for_its_real_red_talk_and_only_once() -> None:
    seed_demo(people=230, seed=2026)
    seed_demo_appeals(seed=2026)
    seed_demo_care(seed=2026)
    seed_demo_insight(seed=2026)
    routine = ContactRecord.objects.exclude(summary="").exclude(summary=RED_TALK)
    assert routine.count() >= 10  # the demo's routine notes are there to be read
    Warning.objects.filter(rule=RULE_TALK_RED).delete()
    cache.set(TALK_HWM_KEY, 0, timeout=None)  # read every talk the demo holds, as an hour of scans would
    watch_talk_summaries()
    raised = Warning.objects.filter(rule=RULE_TALK_RED)
    red_records = {w.evidence["record_id"] for w in raised}
    assert red_records  # the real red talk is found
    assert red_records == set(ContactRecord.objects.filter(summary=RED_TALK).values_list("pk", flat=True))
    assert all(w.level == WarningLevel.RED for w in raised)
    before = raised.count()
    cache.set(TALK_HWM_KEY, 0, timeout=None)
    watch_talk_summaries()
    assert Warning.objects.filter(rule=RULE_TALK_RED).count() == before  # never twice for one record
