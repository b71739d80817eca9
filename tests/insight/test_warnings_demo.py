"""The demo shows warnings of several levels from the rule scan, one taken up and one closed with its
outcome, and a red talk that names its words but never copies the summary."""

from __future__ import annotations

import sys
import types

import pytest

from lianxin.appeals.demo import seed_demo_appeals
from lianxin.appeals.triage import Suggestion
from lianxin.care.demo import seed_demo_care
from lianxin.insight.codes import WarningLevel, WarningSource, WarningStatus
from lianxin.insight.demo import RED_TALK, seed_demo_insight
from lianxin.insight.models import Warning
from lianxin.insight.watch import watch_scan
from lianxin.org.demo.build import seed_demo


@pytest.fixture
def lexicon(monkeypatch: pytest.MonkeyPatch) -> None:
    def rules_suggest(text: str) -> Suggestion:
        if "活着没意思" in text:
            return Suggestion(category="wellbeing", grade="red", evidence=["活着没意思"])
        return Suggestion(category="other", grade="yellow", evidence=[])

    module = types.ModuleType("lianxin.insight.suggest.rules")
    module.rules_suggest = rules_suggest  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lianxin.insight.suggest.rules", module)


def test_the_demo_shows_warnings_of_several_levels_and_their_handling(db: None, lexicon: None) -> None:
    seed_demo(people=230, seed=2026)
    seed_demo_appeals(seed=2026)
    seed_demo_care(seed=2026)
    counts = seed_demo_insight(seed=2026)
    assert counts[WarningLevel.RED] >= 2  # the informant's red appeal and the red talk
    assert counts[WarningLevel.ORANGE] >= 2
    assert counts[WarningLevel.BLUE] >= 1
    sources = set(Warning.objects.values_list("source", flat=True))
    assert {WarningSource.APPEAL, WarningSource.RULE, WarningSource.MANUAL} <= sources
    assert Warning.objects.filter(rule="key_cadence").exists()
    assert Warning.objects.filter(status=WarningStatus.HANDLING, responsible__isnull=False).exists()
    closed = Warning.objects.get(status=WarningStatus.CLOSED)
    assert closed.outcome
    talk = Warning.objects.get(rule="talk_red_phrase")
    assert talk.evidence["words"] == ["活着没意思"] and RED_TALK[:10] not in str(talk.evidence)
    # The informant's red appeal names nobody: its warning is on the unit.
    red_appeal = Warning.objects.get(rule="appeal_grade", level=WarningLevel.RED)
    assert red_appeal.person is None
    before = Warning.objects.count()
    watch_scan()
    assert Warning.objects.count() == before
