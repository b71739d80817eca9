"""The suggester registered with appeals: the rules' red always stands, only an active model is used, and a
suggestion never changes an appeal until a person confirms it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lianxin.appeals import services as s
from lianxin.appeals import triage
from lianxin.appeals.codes import Channel, EventKind, Grade
from lianxin.appeals.models import Appeal
from lianxin.insight.models import SuggesterModel
from lianxin.insight.suggest import learned
from lianxin.insight.suggest.engine import Engine, active_model, forget_model, suggest_text
from lianxin.insight.suggest.lexicon_data import RULES
from lianxin.insight.suggest.rules import compile_rules, rules_suggest
from tests.factories import Org

DATA = Path(__file__).parent / "data"
RED_TEXT = "我实在撑不下去了，有时候想干脆一了百了，工资也拖欠好几个月了"


def load(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(autouse=True)
def _no_stale_model() -> Iterator[None]:
    forget_model()
    yield
    forget_model()


@pytest.fixture(scope="module")
def history() -> list[dict[str, Any]]:
    return load("history.jsonl")


def fit(rows: list[dict[str, Any]]) -> learned.LearnedModel:
    return learned.fit([r["text"] for r in rows], [r["category"] for r in rows], [r["grade"] for r in rows])


def store(model: learned.LearnedModel, active: bool) -> SuggesterModel:
    return SuggesterModel.objects.create(trained_on=1, held_out=1, blob=model.to_bytes(), active=active)


def test_the_engine_is_what_appeals_ask() -> None:
    assert suggest_text in triage._suggesters


def test_a_red_the_rules_find_stays_red_whatever_the_model_says(history: list[dict[str, Any]]) -> None:
    rules = compile_rules(RULES)
    assert rules.suggest(RED_TEXT).grade == Grade.RED
    # A model that has never seen a red: every red of its history was labelled blue.
    never_red = fit([{**r, "grade": "blue" if r["grade"] == "red" else r["grade"]} for r in history])
    assert never_red.predict(RED_TEXT).grade != Grade.RED
    found = Engine(rules=rules, model=never_red).suggest(RED_TEXT)
    assert found.grade == Grade.RED
    # The rules' words come first in the evidence, then the model's.
    red_words = rules.suggest(RED_TEXT).evidence
    assert found.evidence[: len(red_words)] == red_words
    assert len(found.evidence) > len(red_words)
    # Over the whole history: wherever the rules say red, the engine says red.
    for row in history:
        if rules.suggest(row["text"]).grade == Grade.RED:
            assert Engine(rules=rules, model=never_red).suggest(row["text"]).grade == Grade.RED


def test_without_a_model_the_rules_suggest_alone() -> None:
    rules = compile_rules(RULES)
    for text in (RED_TEXT, "食堂的饭菜越来越差，价格还涨了", "建议在巡检路线上加装照明"):
        assert Engine(rules=rules).suggest(text) == rules.suggest(text)


@pytest.mark.django_db
def test_an_inactive_model_is_not_used(history: list[dict[str, Any]]) -> None:
    # A model that learned a wrong mapping: "pay" appeals labelled "reform" and so on.
    order = [
        "pay",
        "reform",
        "safety",
        "suggestion",
        "conditions",
        "conduct",
        "career",
        "hardship",
        "wellbeing",
        "other",
    ]
    shifted = fit([{**r, "category": order[(order.index(r["category"]) + 1) % len(order)]} for r in history])
    text = "工资已经拖欠三个月了，加班费也一直没发，家里等着用钱"
    assert rules_suggest(text).category == "pay"
    assert shifted.predict(text).category == "reform"

    stored = store(shifted, active=False)
    assert active_model() == (None, None)
    assert suggest_text(text) == rules_suggest(text)

    stored.active = True
    stored.save(update_fields=["active"])
    assert active_model()[0] == stored.pk
    assert suggest_text(text).category == "reform"

    stored.active = False
    stored.save(update_fields=["active"])
    assert suggest_text(text).category == "pay"


@pytest.mark.django_db
def test_suggestions_never_change_an_appeal_without_a_persons_confirmation(
    org: Org, history: list[dict[str, Any]]
) -> None:
    store(fit(history), active=True)
    appeal = s.appeal_submit(text=RED_TEXT, channel=Channel.WEB, submitter=org.employee_person).appeal
    appeal = Appeal.objects.get(pk=appeal.pk)
    # Only the suggestion and its words are stored.
    assert appeal.suggested_grade == Grade.RED
    assert appeal.suggested_category
    assert appeal.suggestion_evidence and all(
        isinstance(w["word"], str) for w in appeal.suggestion_evidence["words"]
    )
    assert appeal.category is None and appeal.grade == ""
    assert appeal.response_due is None and appeal.closure_due is None
    assert not appeal.events.filter(kind__in=[EventKind.TRIAGED, EventKind.ALERTED]).exists()

    # The handler decides, and may decide otherwise.
    s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="pay", grade="orange")
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.category_id == "pay" and appeal.grade == "orange"
    event = appeal.events.get(kind=EventKind.TRIAGED)
    assert event.actor_id == org.secretary_a.pk
    assert event.data["suggested"] == [appeal.suggested_category, Grade.RED]


@pytest.mark.django_db
def test_the_handler_sees_the_suggestion_with_its_words_and_decides(org: Org) -> None:
    appeal = s.appeal_submit(text=RED_TEXT, channel=Channel.WEB, submitter=org.employee_person).appeal
    words = rules_suggest(RED_TEXT).evidence
    client = Client()
    client.force_login(org.secretary_a)
    response = client.get(reverse("appeal_detail", args=[appeal.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "系统建议（须由办理人确认）" in html and "红 I" in html
    assert "依据：" in html and all(word in html for word in words)
    # The page only proposes; the appeal is unchanged until the handler submits the triage.
    assert Appeal.objects.get(pk=appeal.pk).grade == ""
    # Someone outside the appeal's scope sees neither the appeal nor its suggestion.
    other = Client()
    other.force_login(org.secretary_b)
    assert other.get(reverse("appeal_detail", args=[appeal.pk])).status_code == 404


@pytest.mark.django_db
def test_an_unreadable_model_leaves_the_rules_suggesting(org: Org) -> None:
    SuggesterModel.objects.create(trained_on=1, held_out=1, blob=b"not a model", active=True)
    text = "食堂的饭菜越来越差，价格还涨了"
    assert active_model() == (None, None)
    assert suggest_text(text) == rules_suggest(text)
    appeal = s.appeal_submit(text=text, channel=Channel.WEB, submitter=org.employee_person).appeal
    assert appeal.suggested_category == rules_suggest(text).category  # the appeal is still taken
