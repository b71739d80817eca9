"""Layer one of the triage suggester: the shipped lexicon on our own development set, hard negatives, the
evidence, and administrators' edits taking effect on the next suggestion."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lianxin.insight.models import LexiconRule
from lianxin.insight.suggest import rules
from lianxin.insight.suggest.lexicon_data import RULES
from lianxin.insight.suggest.rules import Rule, compile_rules, rules_suggest

DEV_SET = Path(__file__).parent / "data" / "dev_rules.jsonl"
CATEGORIES = {
    "pay",
    "career",
    "safety",
    "conditions",
    "hardship",
    "wellbeing",
    "conduct",
    "reform",
    "suggestion",
    "other",
}
GRADES = {"red", "orange", "yellow", "blue"}


@pytest.fixture(scope="module")
def shipped() -> rules.RuleSet:
    return compile_rules(RULES)


@pytest.fixture(autouse=True)
def _fresh_rules() -> Iterator[None]:
    """A test's rolled-back rule edits never reach the next test through the process's compiled copy."""
    rules.forget_rules()
    yield
    rules.forget_rules()


def _dev_set() -> list[dict[str, str]]:
    return [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_dev_set_is_varied_and_labelled_with_the_taxonomy() -> None:
    rows = _dev_set()
    assert len(rows) >= 300
    assert {row["category"] for row in rows} == CATEGORIES
    assert {row["grade"] for row in rows} == GRADES
    assert sum(row["grade"] == "red" for row in rows) >= 100
    assert len({row["text"] for row in rows}) == len(rows)


def test_red_recall_and_precision_on_the_dev_set(shipped: rules.RuleSet) -> None:
    rows = _dev_set()
    predicted = [shipped.suggest(row["text"]) for row in rows]
    true_red = sum(row["grade"] == "red" and s.grade == "red" for row, s in zip(rows, predicted, strict=True))
    said_red = sum(s.grade == "red" for s in predicted)
    is_red = sum(row["grade"] == "red" for row in rows)
    missed = [row["text"] for row, s in zip(rows, predicted, strict=True) if row["grade"] == "red" != s.grade]
    recall, precision = true_red / is_red, true_red / said_red
    print(f"\nred recall {recall:.3f}, red precision {precision:.3f} ({is_red} red of {len(rows)})")
    assert recall >= 0.98, missed
    assert precision >= 0.6


def test_category_and_grade_accuracy_on_the_dev_set(shipped: rules.RuleSet) -> None:
    rows = _dev_set()
    predicted = [shipped.suggest(row["text"]) for row in rows]
    category = sum(row["category"] == s.category for row, s in zip(rows, predicted, strict=True)) / len(rows)
    grade = sum(row["grade"] == s.grade for row, s in zip(rows, predicted, strict=True)) / len(rows)
    print(f"\ncategory accuracy {category:.3f}, grade accuracy {grade:.3f}")
    assert category >= 0.85
    assert grade >= 0.85


@pytest.mark.parametrize(
    "text",
    [
        "夏天车间里热死了，能不能多装几台风扇",
        "天天加班累死了，希望合理排班",
        "笑死，班组群里天天发段子",
        "办公室的电脑又死机了，申请换一台",
        "安全帽的帽带断了，申请更换",
        "我想跳槽到别的单位，违约金怎么算",
        "工具间的刀具管理不规范，随便拿",
        "宿舍的空调又罢工了，报修三次没人来",
        "机器罢工了一上午，影响产量",
        "周五同事聚餐，大家约好一起去吃火锅",
        "不想加班，周末也要开会",
        "停工检修期间的工资怎么算",
        "报复性熬夜一个月，白天没精神",
        "怕反映问题以后被打击报复，请为我保密",
        "群里炸了锅，都在议论评优名单",
        "消防演练的时候应急灯不亮",
        "热得要死，配电室空调坏了",
        "集体宿舍的热水器坏了",
        "漏电保护器按了没反应，需要检修",
    ],
)
def test_hard_negatives_are_not_red(shipped: rules.RuleSet, text: str) -> None:
    found = shipped.suggest(text)
    assert found.grade != "red", found


@pytest.mark.parametrize(
    "text",
    [
        "活着没意思，不想拖累家人",
        "实在撑不下去了，想一了百了",
        "我已经把后事交代好了",
        "攒了一瓶安眠药",
        "昨晚在楼顶站了很久",
        "真想永远睡下去",
        "想去另一个世界陪我妈",
        "他再欺负人我就跟他同归于尽",
        "我带了刀，明天去找他",
        "大家约好明天全体不上班",
        "几十个人准备联名上访",
        "工友们商量好一起去市政府讨说法",
        "明天早上去堵厂门拉横幅",
        "瓦斯超限了还让我们继续干",
        "有人被困在井下",
        "配电室着火了，快来人",
        "顶板随时要塌，里面还有人",
    ],
)
def test_red_signals_of_every_kind(shipped: rules.RuleSet, text: str) -> None:
    assert shipped.suggest(text).grade == "red"


def test_evidence_holds_the_words_as_written_red_first(shipped: rules.RuleSet) -> None:
    found = shipped.suggest("工资拖欠三个月了，我 不 想 活 了")
    assert found.grade == "red"
    assert found.evidence[0].startswith("不 想 活")  # red first, as written
    assert any("三个月" in word for word in found.evidence)
    assert all(word in "工资拖欠三个月了，我 不 想 活 了" for word in found.evidence)

    traditional = shipped.suggest("我現在活著沒意思")
    assert traditional.grade == "red"
    assert traditional.evidence == ["活著沒意思"]

    fullwidth = shipped.suggest("ＩＣＵ里住了一周，每天好几千")
    assert fullwidth.category == "hardship"
    assert "ＩＣＵ" in fullwidth.evidence


def test_nothing_matched_is_an_ordinary_appeal_of_no_category(shipped: rules.RuleSet) -> None:
    found = shipped.suggest("")
    assert (found.category, found.grade, found.evidence) == ("other", "yellow", [])


def test_grades_and_categories_of_ordinary_appeals(shipped: rules.RuleSet) -> None:
    assert shipped.suggest("爱人确诊肺癌，需要化疗，申请困难补助").grade == "orange"
    assert shipped.suggest("工资已经两个月没发了").grade == "orange"
    assert shipped.suggest("食堂的菜太咸了").grade == "yellow"
    suggestion = shipped.suggest("建议在井口增加热水供应点")
    assert (suggestion.category, suggestion.grade) == ("suggestion", "blue")
    assert shipped.suggest("请问今年的取暖费什么时候发？").grade == "blue"


def test_exclusions_cancel_only_what_they_overlap() -> None:
    ruleset = compile_rules(
        [
            Rule("keyword", "罢工", "", "red", 3),
            Rule("regex", "(电脑|空调)罢工", "", "red", -1),
            Rule("keyword", "工资", "pay", "", 1),
        ],
        red_model=None,
    )
    assert ruleset.suggest("空调罢工了").grade == "yellow"
    assert ruleset.suggest("空调罢工了，明天大家罢工").grade == "red"
    assert ruleset.suggest("工资不发就罢工").evidence == ["罢工", "工资"]


def test_a_broken_regex_is_skipped_not_fatal() -> None:
    ruleset = compile_rules(
        [("regex", "(未闭合", "pay", "", 1.0, ""), ("keyword", "工资", "pay", "", 1.0, "")]
    )
    assert ruleset.suggest("工资少了").category == "pay"


def test_the_shipped_rules_are_in_the_database(db: None) -> None:
    assert LexiconRule.objects.exclude(kind="ngram").count() == len(RULES)
    found = rules_suggest("最近总觉得活着没意思")
    assert found.grade == "red"
    assert found.evidence == ["活着没意思"]


def test_an_administrators_new_rule_changes_the_next_suggestion(db: None) -> None:
    text = "最近井下的风门一直关不严"
    before = rules_suggest(text)
    assert before.category != "safety" or before.grade != "orange"

    LexiconRule.objects.create(kind="keyword", pattern="风门", category="safety", grade="orange", weight=2)
    after = rules_suggest(text)
    assert (after.category, after.grade) == ("safety", "orange")
    assert "风门" in after.evidence


def test_an_inactive_rule_is_ignored_and_edits_apply(db: None) -> None:
    rule = LexiconRule.objects.create(
        kind="regex", pattern="风门.{0,4}关不严", category="safety", grade="red", weight=3, active=False
    )
    assert rules_suggest("风门一直关不严").grade != "red"

    rule.active = True
    rule.save(update_fields=["active"])
    assert rules_suggest("风门一直关不严").grade == "red"

    rule.delete()
    assert rules_suggest("风门一直关不严").grade != "red"


def test_a_change_made_elsewhere_is_seen_within_the_check_interval(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process's edit sends no signal here; the periodic comparison with the database finds it."""
    assert rules_suggest("风门关不严").grade != "red"
    LexiconRule.objects.bulk_create(
        [LexiconRule(kind="keyword", pattern="风门关不严", category="safety", grade="red", weight=3)]
    )  # bulk_create sends no post_save
    rules.current_ruleset()  # compiled, checked just now: not yet re-read
    monkeypatch.setattr(rules, "CHECK_SECONDS", 0.0)
    assert rules_suggest("风门关不严").grade == "red"
