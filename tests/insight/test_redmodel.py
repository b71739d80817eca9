"""The red decision on wording written for these tests: figurative and everyday speech is not red, indirect
hints of self-harm are, negation and hypotheticals are handled, and the evidence reads as words."""

from __future__ import annotations

import json
import pickle

import pytest

from lianxin.insight.suggest import redmodel
from lianxin.insight.suggest.lexicon_data import RULES
from lianxin.insight.suggest.rules import RuleSet, compile_rules

# Signs of danger, one of each kind: indirect and direct self-harm, a threat, collective action, a hazard now.
DANGER = [
    "活着没意思，每天都不知道为了什么",
    "我不想拖累家人了，他们没有我会过得更好",
    "我已经想好了，这个月底就从大坝上跳下去",
    "你们别找我了，替我照顾好我妈",
    "工资再不发，我明天就拿刀去找那个包工头算账",
    "明早八点全体运行工在厂门口集合，不见总经理不散",
    "变压器正在冒烟，里面还有人在作业，快来人",
    "我把存款都转给我女儿了，以后也用不上了",
    "真的撑不下去了，想一了百了",
]


@pytest.fixture(scope="module")
def shipped() -> RuleSet:
    return compile_rules(RULES)


@pytest.mark.parametrize(
    "text",
    [
        "这周连着三个夜班，累死了，下周能不能调一下班",
        "看了班组群里的段子笑死我了，大家也放松一下",
        "好久没回家，想死你们了，过年一定回去",
        "楼下超市跳楼价清仓，大家可以去看看",
        "采购跟供应商杀价杀得太狠，对方不愿意送货了",
        "打死也不去那个偏远站点值班，路太远了",
        "食堂的咖啡机又罢工了，能不能找人修一下",
        "这个群体的职工住房问题希望能统一考虑",
        "新闻里说外地有人跳楼了，大家要关心身边的人",
        "安全培训题：发现有人站在楼顶边缘想不开，第一步应该怎么做",
        "按照规程，发现火情应立即报告并切断电源",
        "消防演练定在周五下午，全体人员到楼下集合",
        "双方同意按规程交接，下次谈话安排在月底",
        "本月谈心谈话已完成，职工情绪稳定，表示会安心工作",
        "班长排班偏心，好的班都给了他的老乡，希望公平一点",
    ],
)
def test_everyday_and_figurative_speech_is_not_red(shipped: RuleSet, text: str) -> None:
    assert shipped.suggest(text).grade != "red"


@pytest.mark.parametrize("text", DANGER)
def test_signs_of_danger_are_red_with_a_confidence_and_a_reason(shipped: RuleSet, text: str) -> None:
    found = shipped.suggest(text)
    assert found.grade == "red"
    assert found.confidence is not None and found.confidence >= shipped.red_model.threshold  # type: ignore[union-attr]
    assert 1 <= len(found.evidence) <= redmodel.MAX_EVIDENCE
    assert all(word in text for word in found.evidence)
    assert any(reason != redmodel.MODEL_REASON for reason in found.reasons.values())


@pytest.mark.parametrize(
    "text",
    [
        "我不是想不开，就是最近压力有点大，想找人聊聊",
        "如果有同事说不想活了，我们应该怎么劝",
        "去年老王说过想轻生，后来早就好了，现在一切正常",
    ],
)
def test_negation_hypotheticals_and_settled_past_are_not_red(shipped: RuleSet, text: str) -> None:
    assert shipped.suggest(text).grade != "red"


@pytest.mark.parametrize(
    ("text", "positive"),
    [
        ("活着没意思", True),
        ("老是失眠，活着没意思", True),
        ("我就是觉得活着没意思", True),
        ("如果有人说活着没意思，该怎么回应他", False),
    ],
)
def test_the_same_hint_in_and_out_of_a_hypothetical(shipped: RuleSet, text: str, positive: bool) -> None:
    assert (shipped.suggest(text).grade == "red") is positive


@pytest.mark.parametrize(
    "word",
    ["。", "，", "在", "了", "还", "别", "下", " 我", "...", "12", "ab", "死", "的了", "自己", "好 ", "啊我"],
)
def test_punctuation_and_bare_function_characters_are_never_evidence(word: str) -> None:
    assert redmodel.readable(word) == ""


def test_readable_words_stay_as_written() -> None:
    assert redmodel.readable("不想活了") == "不想活了"
    assert redmodel.readable("。跳下去，") == "跳下去"
    assert redmodel.readable("在江边坐着") == "江边坐着"


def test_no_red_evidence_holds_a_function_character_or_punctuation(shipped: RuleSet) -> None:
    texts = [
        *DANGER,
        "我真的受不了了 真的 想死",
        "。。。活着，没意思。。。",
    ]
    for text in texts:
        found = shipped.suggest(text)
        assert found.grade == "red", text
        for word in found.evidence:
            assert redmodel.readable(word) == word, (text, word)


def test_the_shipped_model_is_json_and_records_its_measured_figures() -> None:
    data = json.loads(redmodel.SHIPPED.read_text(encoding="utf-8"))
    assert data["format"] == redmodel.FORMAT
    held = data["figures"]["held_out"]
    assert held["weibo"]["rate"] <= 0.02 and held["gov"]["rate"] <= 0.02 and held["cold_safe"]["rate"] <= 0.02


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("loaded code ran",))


def test_loading_a_stored_model_cannot_run_code(capsys: pytest.CaptureFixture[str]) -> None:
    crafted = pickle.dumps(_Boom())
    with pytest.raises(ValueError):
        redmodel.RedModel.from_json(crafted)
    assert "loaded code ran" not in capsys.readouterr().out
    # A JSON document with unexpected members is refused too, not executed or half-loaded.
    with pytest.raises(ValueError):
        redmodel.RedModel.from_json(json.dumps({"format": "something else", "__reduce__": "os.system"}))


def test_without_a_model_the_hand_score_decides() -> None:
    bare = compile_rules(RULES, red_model=None)
    assert bare.suggest("真的撑不下去了，想一了百了").grade == "red"
    assert bare.suggest("食堂的饭菜能不能换换花样").grade != "red"
