"""The red net (lianxin.insight.suggest.rednet): red found by families of cues, on our development set, the
organisation's history and a separately written check set, without raising the well-known false reds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lianxin.insight.suggest import rednet, rules
from lianxin.insight.suggest.evaluate import measure
from lianxin.insight.suggest.lexicon_data import RULES
from lianxin.insight.suggest.rules import compile_rules

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def shipped() -> rules.RuleSet:
    return compile_rules(RULES)


def _rows(name: str) -> list[dict[str, str]]:
    path = DATA / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["dev_rules.jsonl", "history.jsonl", "redcheck.jsonl"])
def test_red_recall_and_precision(shipped: rules.RuleSet, name: str) -> None:
    rows = _rows(name)
    found = measure(rows, shipped.suggest)
    missed = [r["text"] for r in rows if r["grade"] == "red" and shipped.suggest(r["text"]).grade != "red"]
    print(
        f"\n{name}: red recall {found['red_recall']:.3f}, red precision {found['red_precision']:.3f} "
        f"({found['red_true']} red, {found['red_found']} suggested), category accuracy "
        f"{found['category_accuracy']:.3f}"
    )
    assert found["red_recall"] >= 0.98, missed
    assert found["red_precision"] >= 0.6


def test_category_accuracy_on_history_is_kept(shipped: rules.RuleSet) -> None:
    # 0.622 before the red net; the net must not cost the categories anything.
    assert measure(_rows("history.jsonl"), shipped.suggest)["category_accuracy"] >= 0.62


def test_check_set_is_varied() -> None:
    rows = _rows("redcheck.jsonl")
    red = [r for r in rows if r["grade"] == "red"]
    assert len(rows) >= 150
    assert 0.35 <= len(red) / len(rows) <= 0.45
    assert {r["category"] for r in red} >= {"wellbeing", "hardship", "safety", "pay", "conduct", "reform"}
    assert {r["grade"] for r in rows} == {"red", "orange", "yellow", "blue"}
    assert len({r["text"] for r in rows}) == len(rows)


@pytest.mark.parametrize(
    "text",
    [
        # machines, not people
        "咖啡机又罢工了，一上午喝不上咖啡",
        "彩排的时候音响炸了，还好没人受伤",
        "宿舍床垫塌了，睡着腰疼",
        "热水壶炸了，插头都烧黑了",
        # a group outing
        "我们几个约好一起去找书记汇报班组的情况",
        "几个同事约好一起去社保局问养老保险",
        "大家约好周末一起去银行办工资卡",
        # someone else's hypothetical, a training question
        "假如有同事说他不想活了，我该怎么说？想要一次这方面的培训",
        "如果有人在坝上晕倒，AED放在哪里",
        # past and settled
        "上回吵架我说要去跳河，那是气话，早就和好了",
        "去年车间打架的事已经处理了，想问处分能不能撤销",
        # places and objects in ordinary use
        "楼顶天台的门锁了，被子没地方晒",
        "工会群里接龙报名羽毛球比赛，已经30人了",
        "周六早上7点大门口集合，参加义务植树",
        "天天夜班真撑不住了，能不能调白班",
        "调岗后原来的工具用不上了，可以交回仓库吗",
        "保险受益人怎么变更，需要什么材料",
        "我下个月退休了，跟大家说声再见，感谢多年照顾",
        "领导说出了事我担着，结果真出了事又不认账",
    ],
)
def test_false_reds_stay_below_red(shipped: rules.RuleSet, text: str) -> None:
    found = shipped.suggest(text)
    assert found.grade != "red", (text, found.evidence)


@pytest.mark.parametrize(
    "text",
    [
        # each family on its own, worded unlike the data sets
        "等发了这个月工资我就彻底离开这个世界",
        "这个月的奖金你们直接打给我妈吧，我用不着了",
        "存折和密码我压在衣柜里了，回头告诉我媳妇",
        "最近在网上查什么法子不疼",
        "这条命留着有啥用",
        "别给我排下周的班了，没必要",
        "宿舍钥匙交给舍友了，以后别惦记我",
        "昨晚又去了水库边，站了很久，下去就清净了",
        "他再敢克扣，我拿锤子砸他脑袋",
        "明天上午九点全体检修工到厂部楼前集合，不见厂长不散",
        "群里五十多人接龙，下月起一起不签新合同",
        "卸油区有人在打电焊，没有动火票",
        "电缆隧道里有人晕倒了，没回应，快来人",
        "液化气瓶阀门漏气了，厨房还有人在点火",
    ],
)
def test_unseen_wording_of_each_family_is_red(shipped: rules.RuleSet, text: str) -> None:
    assert shipped.suggest(text).grade == "red", text


def test_two_weak_cues_make_red_and_one_does_not(shipped: rules.RuleSet) -> None:
    assert shipped.suggest("这阵子真熬不住了").grade != "red"
    assert shipped.suggest("聊天记录都删干净了").grade != "red"
    assert shipped.suggest("这阵子真熬不住了，聊天记录都删干净了").grade == "red"


def test_a_damper_cancels_only_its_own_sentence(shipped: rules.RuleSet) -> None:
    assert shipped.suggest("假如有同事说他想跳楼，我该怎么劝？").grade != "red"
    assert (
        shipped.suggest("假如有同事说他想跳楼，我该怎么劝？我自己也在楼顶站了很久，下去就解脱了").grade
        == "red"
    )


def test_a_regular_expression_counts_once_per_text() -> None:
    ruleset = compile_rules([("regex", "熬不住|撑不住", "", "red", 1.0)])
    assert ruleset.suggest("熬不住了，真的撑不住了，熬不住").grade != "red"
    _norm, scores = ruleset.scores("熬不住了，撑不住了")
    assert scores.grades == {"red": 1.0}
    assert [(start, end) for start, end, _rule in scores.hits] == [(0, 3), (5, 8)]


def test_the_net_is_lexicon_rows_administrators_can_edit() -> None:
    net = [row for row in RULES if row[5].startswith(rednet.NOTE)]
    assert len(net) >= 100
    for kind, pattern, category, grade, _weight, note in net:
        assert kind == "regex" and len(pattern) <= 500, note
        re.compile(pattern)
        assert (grade == "red") != (category != "" and not grade), note
        assert len(note) <= 200
    assert any(weight < 0 for *_, weight, _note in net)
    # Without the net the shipped rules miss red that it finds.
    without = compile_rules([row for row in RULES if not row[5].startswith(rednet.NOTE)])
    assert without.suggest("车钥匙交给班长了，以后不麻烦大家了").grade != "red"
    assert compile_rules(RULES).suggest("车钥匙交给班长了，以后不麻烦大家了").grade == "red"


@pytest.mark.django_db
def test_an_administrator_adds_a_cue(shipped: rules.RuleSet) -> None:
    from lianxin.insight.models import LexiconRule

    text = "打算去后山的老矿洞里待着，不出来了"
    # The fitted red-signal strings already see this one; the hand-written cue is what is tested here.
    LexiconRule.objects.filter(kind="ngram").update(active=False)
    rules.forget_rules()
    before = rules.rules_suggest(text).grade
    LexiconRule.objects.create(
        kind="regex",
        pattern="矿洞[^.!?;]{0,8}不出来",
        grade="red",
        weight=2,
        note=f"{rednet.NOTE}·自伤·方法与地点",
    )
    assert before != "red"
    assert rules.rules_suggest(text).grade == "red"
    rules.forget_rules()
