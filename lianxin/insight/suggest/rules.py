"""Layer one of the triage suggester: the administrators' lexicon (LexiconRule) compiled into a fast matcher.

`compile_rules(rows)` is pure and needs no database (benchmarks, the command line, evaluation);
`rules_suggest(text)` uses the active rules, compiled once per process and recompiled when they change.

How a text is scored:
- The text is normalised once: full-width to half-width, the traditional characters in `_TRADITIONAL` to
  simplified, ASCII letters to lower case, spaces removed, sentence punctuation unified (, . ! ? ;), a line
  break counts as a full stop. Keywords are normalised the same way; a regular expression is matched
  against the normalised text, so it can use `[^.!?;]` for "within one sentence".
- Every keyword found (the longest at each position, overlapping positions allowed) and every regular
  expression match adds its rule's weight to the rule's category and to its grade.
- A rule with a negative weight is an exclusion (排除): it cancels the matches of its grade and/or its
  category (all of them when it names neither) that overlap it, e.g. "电脑罢工" cancels the red of "罢工".
- Grade: red when red reaches RED_AT, else orange when orange reaches ORANGE_AT, else blue when blue reaches
  BLUE_AT and outweighs yellow, else yellow (an ordinary personal appeal).
- Category: the highest score; ties go to the first in CATEGORY_ORDER; "other" when nothing matched.
- Red is decided by the red model (`redmodel.py`): the red families that matched, the hand red score and
  the words of the text outside the exclusions' spans go into a linear model fitted on real wording; without
  a model the hand score decides (red when it reaches RED_AT). Rows of the retired kind "ngram" are ignored.
- Evidence: for red, at most five readable words or phrases with their reason; otherwise the matched words as
  written in the text. Never punctuation, a bare function character or a single character.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lianxin.appeals.triage import Suggestion
from lianxin.insight.suggest.redmodel import (
    MAX_EVIDENCE,
    Evidence,
    HandCues,
    RedModel,
    readable,
    shipped_model,
)

logger = logging.getLogger(__name__)

RED_AT = 2.0
ORANGE_AT = 2.0
BLUE_AT = 1.0
GRADES = ("red", "orange", "yellow", "blue")
# Ties between categories go to the first: the more urgent kinds of work first.
CATEGORY_ORDER = (
    "safety",
    "pay",
    "hardship",
    "wellbeing",
    "conduct",
    "career",
    "conditions",
    "reform",
    "suggestion",
    "other",
)
OTHER = "other"
# How often a process compares its compiled rules with the database (saves in this process are seen at once).
CHECK_SECONDS = 5.0

# Traditional characters met in appeals, mapped to simplified (one character to one character).
_TRADITIONAL = (
    "們们個个這这說说話话會会來来時时為为爲为沒没還还過过對对從从讓让給给應应該该開开關关門门問问題题見见"
    "覺觉學学東东車车長长張张將将與与實实當当點点樣样麼么現现後后發发髮发錢钱資资補补貼贴獎奖險险準准備备"
    "經经濟济難难艱艰醫医療疗藥药癥症腦脑臟脏腎肾腫肿術术診诊護护顧顾養养兒儿親亲媽妈爺爷歲岁愛爱婦妇喪丧"
    "禮礼災灾塊块壞坏廠厂礦矿電电線线氣气煙烟爐炉鍋锅閥阀壓压機机組组設设檢检維维陣阵邊边頂顶樓楼層层場场"
    "滅灭燒烧傷伤殺杀亂乱鬥斗報报復复槍枪彈弹農农絕绝厭厌煩烦憂忧鬱郁慮虑緒绪夢梦淚泪聯联訪访體体罷罢罰罚"
    "議议願愿遊游橫横標标語语眾众衆众齊齐約约團团隊队幫帮員员領领導导書书記记黨党紀纪態态罵骂貪贪汙污賄贿"
    "賂赂風风評评優优級级職职稱称調调動动轉转崗岗訓训練练證证續续簽签勞劳務务權权環环飯饭間间廳厅廁厕熱热"
    "涼凉燈灯衛卫嗎吗無无連连夠够幾几萬万億亿兩两號号雙双單单貸贷債债帳账賬账價价費费稅税購购買买賣卖貨货"
    "負负擔担歡欢樂乐謝谢贊赞讚赞條条規规範范辦办處处區区縣县頭头臉脸腳脚鬧闹嚇吓驚惊緊紧斷断鐵铁鋼钢銀银"
    "錯错鎖锁閉闭閘闸壩坝庫库漲涨潰溃湧涌滲渗搶抢協协舉举離离滿满嚴严廢废棄弃遷迁併并減减構构際际產产産产"
    "銷销營营運运輸输統统計计劃划畫画溝沟傳传遞递達达遲迟適适選选進进遠远違违則则測测驗验試试讀读課课誤误"
    "認认識识請请誰谁談谈論论講讲訴诉詳详細细紙纸結结終终總总編编織织網网絡络紅红綠绿藍蓝黃黄顏颜劇剧業业"
    "專专輛辆軟软輕轻較较載载輪轮郵邮鄰邻釋释錄录鐘钟閒闲閃闪陸陆隱隐隻只雜杂雞鸡靜静響响頁页項项順顺須须"
    "預预頻频類类顯显飽饱餓饿館馆驅驱髒脏鬆松憑凭懷怀慘惨慣惯戰战擾扰據据擊击擋挡擠挤擴扩擺摆攔拦數数暈晕"
    "曬晒殘残毀毁溫温滾滚潔洁濕湿爛烂獄狱獨独異异癢痒盡尽盤盘礙碍禍祸穩稳窮穷競竞筆笔節节築筑簡简糧粮糾纠"
    "納纳純纯紛纷綁绑綜综緩缓緣缘縮缩績绩繳缴聞闻聲声聽听脅胁膽胆臨临興兴藝艺葉叶蘭兰虛虚蟲虫裝装製制複复"
    "觀观觸触訂订討讨設设許许詢询誠诚諮咨謀谋譯译變变財财貧贫責责貴贵賠赔賭赌賽赛贈赠趕赶跡迹踐践軍军輔辅"
    "辭辞遺遗鄉乡醜丑針针鈔钞銷销鋪铺鍛锻鎮镇鏈链鑑鉴鑒鉴閱阅闆板階阶隨随雖虽雲云靈灵頓顿額额飄飘飲饮餘余"
    "騙骗鳳凤麗丽裡里裏里著着乾干幹干於于臺台檯台颱台僅仅債债價价儲储兇凶內内凍冻劑剂勁劲勢势勵励勸劝卻却"
    "參参員员啟启單单圍围圖图圓圆執执堅坚塗涂墳坟奪夺奮奋孫孙寧宁寫写審审寶宝屆届屬属巖岩幣币廣广彈弹徵征"
    "憤愤懲惩戶户掃扫掙挣換换損损搖摇撥拨擇择擬拟攢攒敵敌暫暂曆历歷历棄弃極极樹树橋桥滯滞漁渔潛潜濃浓爭争"
    "牆墙狀状猶犹獲获疊叠癱瘫盜盗監监確确禱祷種种積积竊窃紋纹綱纲習习脫脱膚肤舊旧蓋盖薦荐衝冲視视託托訊讯"
    "詞词謹谨譽誉豐丰質质賴赖軌轨輩辈醬酱釘钉鏡镜鑰钥陰阴陽阳隸隶頸颈駕驾鬍胡魚鱼鳥鸟齡龄龍龙燙烫瘋疯睏困"
    "碼码繩绳膩腻臉脸虧亏註注誘诱謠谣賤贱賺赚轟轰週周鑄铸闖闯霧雾頗颇饅馒驟骤黴霉纔才麵面鹽盐殺杀"
)


class _Table(dict[int, "int | None"]):
    """str.translate looks every character up; a miss would raise and catch an exception per character, so
    a miss maps the character to itself and is remembered."""

    def __missing__(self, code: int) -> int:
        self[code] = code
        return code


_TABLE = _Table()
for _i in range(0, len(_TRADITIONAL) - 1, 2):
    _TABLE[ord(_TRADITIONAL[_i])] = ord(_TRADITIONAL[_i + 1])
for _code in range(0xFF01, 0xFF5F):  # full-width ASCII
    _TABLE[_code] = _code - 0xFEE0
for _code in range(ord("A"), ord("Z") + 1):
    _TABLE[_code] = _code + 32
for _code in range(0xFF21, 0xFF3B):  # full-width capitals straight to lower case
    _TABLE[_code] = _code - 0xFEE0 + 32
for _src, _dst in {"。": ".", "、": ",", "…": ".", "！": "!", "？": "?", "\n": ".", "\r": "."}.items():
    _TABLE[ord(_src)] = ord(_dst)
_DELETED = frozenset(ord(c) for c in " \t\u3000\xa0\u200b\u200c\u200d\ufeff\x0b\x0c")
for _code in _DELETED:
    _TABLE[_code] = None


def normalise(text: str) -> str:
    """The text as the rules see it (one character in, at most one out)."""
    return text.translate(_TABLE)


def _positions(text: str) -> list[int]:
    """For each character of the normalised text, its index in the original (spaces were dropped)."""
    return [i for i, ch in enumerate(text) if ord(ch) not in _DELETED]


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: str
    category: str = ""
    grade: str = ""
    weight: float = 1.0
    note: str = ""


@dataclass
class Scores:
    """What a text matched: scores per category and grade and the contributing spans (normalised text)."""

    categories: dict[str, float] = field(default_factory=dict)
    grades: dict[str, float] = field(default_factory=dict)
    # (start, end, rule) for every match that counted, in text order.
    hits: list[tuple[int, int, Rule]] = field(default_factory=list)
    # (start, end, rule) for every exclusion that matched.
    exclusions: list[tuple[int, int, Rule]] = field(default_factory=list)


def _as_rule(row: Any) -> Rule | None:
    if isinstance(row, Rule):
        return row
    note: Any = ""
    if isinstance(row, tuple | list):
        kind, pattern, category, grade, weight = row[:5]
        note = row[5] if len(row) > 5 and isinstance(row[5], str) else ""
    else:
        if not getattr(row, "active", True):
            return None
        kind, pattern, category, grade, weight, note = (
            row.kind,
            row.pattern,
            row.category,
            row.grade,
            row.weight,
            getattr(row, "note", ""),
        )
    return Rule(
        str(kind), str(pattern), str(category or ""), str(grade or ""), float(weight), str(note or "")
    )


def _anchors(pattern: str) -> frozenset[str] | None:
    """Literal strings one of which every match of `pattern` contains, or None when none are simply known.
    A regular expression is run only on texts where one of its anchors was seen."""
    try:
        from re import _constants as c  # type: ignore[attr-defined,unused-ignore]
        from re import _parser  # type: ignore[attr-defined,unused-ignore]

        parsed = _parser.parse(pattern)
    except Exception:  # noqa: BLE001 - an unusual pattern is simply always run
        return None
    limit = 256

    def expand_sequence(items: Any) -> set[str] | None:
        strings = {""}
        for op, av in items:
            found = expand(op, av)
            if found is None:
                return None
            strings = {a + b for a in strings for b in found}
            if len(strings) > limit:
                return None
        return strings

    def expand(op: Any, av: Any) -> set[str] | None:
        """Every string the item can match, when that is a small set of literals."""
        if op is c.LITERAL:
            return {chr(av)}
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            return {""}
        if op is c.IN:
            chars: set[str] = set()
            for iop, iav in av:
                if iop is c.LITERAL:
                    chars.add(chr(iav))
                elif iop is c.RANGE and iav[1] - iav[0] < 16:
                    chars.update(chr(code) for code in range(iav[0], iav[1] + 1))
                else:
                    return None
            return chars
        if op is c.SUBPATTERN:
            return expand_sequence(av[-1])
        if op is c.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                found = expand_sequence(branch)
                if found is None:
                    return None
                union |= found
            return union
        if op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[1] == 1:
            found = expand_sequence(av[2])
            return None if found is None else found | ({""} if av[0] == 0 else set())
        return None

    def best(candidates: list[set[str]]) -> frozenset[str] | None:
        usable: list[set[str]] = [found for found in candidates if found and "" not in found]
        if not usable:
            return None

        # The most selective: the longest shortest string, then the longer on average, then the fewest.
        def selectivity(found: set[str]) -> tuple[int, float, int]:
            return min(map(len, found)), sum(map(len, found)) / len(found), -len(found)

        return frozenset(sorted(usable, key=selectivity)[-1])

    def of_sequence(items: Any) -> frozenset[str] | None:
        candidates: list[set[str]] = []
        run: set[str] = {""}
        for op, av in items:
            found = expand(op, av)
            if found is not None:
                run = {a + b for a in run for b in found}
                if len(run) <= limit:
                    continue
            candidates.append(run)
            run = {""}
            # Not a literal: perhaps anchors inside it (a group, or every branch of an alternation).
            inner: frozenset[str] | None = None
            if op is c.SUBPATTERN:
                inner = of_sequence(av[-1])
            elif op is c.BRANCH:
                parts = [of_sequence(branch) for branch in av[1]]
                if all(part is not None for part in parts):
                    inner = frozenset().union(*parts)  # type: ignore[arg-type]
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
                inner = of_sequence(av[2])
            if inner is not None:
                candidates.append(set(inner))
        candidates.append(run)
        return best(candidates)

    return of_sequence(parsed)


class RuleSet:
    """The compiled lexicon. Immutable; build a new one when the rules change."""

    def __init__(self, rules: Iterable[Rule], red_model: RedModel | None = None) -> None:
        self.red_model = red_model
        self.rules: list[Rule] = []
        keywords: dict[str, list[Rule]] = {}
        regexes: dict[str, tuple[re.Pattern[str], list[Rule]]] = {}
        for rule in rules:
            if not rule.pattern or rule.weight == 0 or (rule.grade and rule.grade not in GRADES):
                continue
            if rule.kind == "ngram":
                continue  # the retired red-signal strings: the red model decides red now
            if rule.kind == "regex":
                if rule.pattern not in regexes:
                    try:
                        regexes[rule.pattern] = (re.compile(rule.pattern), [])
                    except re.error as exc:
                        logger.warning("lexicon rule %r skipped: %s", rule.pattern, exc)
                        continue
                regexes[rule.pattern][1].append(rule)
            else:
                word = normalise(rule.pattern)
                if not word:
                    continue
                keywords.setdefault(word, []).append(rule)
            self.rules.append(rule)
        self._keywords = {word: tuple(found) for word, found in keywords.items()}
        # A regular expression is run only on texts where one of its anchors (literal strings one of which
        # every match contains) was seen, found along with the keywords.
        self._regexes = [(pattern, tuple(rules)) for pattern, rules in regexes.values()]
        self._always: list[int] = []
        anchors: dict[str, list[int]] = {}
        for index, (pattern, _rules) in enumerate(self._regexes):
            found = _anchors(pattern.pattern)
            if found is None:
                self._always.append(index)
            else:
                for anchor in found:
                    anchors.setdefault(anchor, []).append(index)
        self._anchors = {anchor: tuple(indexes) for anchor, indexes in anchors.items()}
        # Keywords and anchors are found through their first two characters: for each such pair, the lengths
        # of the words that start with it, longest first. One-character words are looked up on their own.
        lengths: dict[str, set[int]] = {}
        for word in [*self._keywords, *self._anchors]:
            if len(word) > 1:
                lengths.setdefault(word[:2], set()).add(len(word))
        self._pairs = {pair: tuple(sorted(found, reverse=True)) for pair, found in lengths.items()}
        self._singles = {
            word: (self._keywords.get(word), self._anchors.get(word))
            for word in [*self._keywords, *self._anchors]
            if len(word) == 1
        }

    def _matches(self, norm: str) -> list[tuple[int, int, Rule]]:
        found: list[tuple[int, int, Rule]] = []
        keywords, anchors, pairs, singles = self._keywords, self._anchors, self._pairs, self._singles
        wanted: set[int] = set(self._always)
        size = len(norm)
        for start in range(size):
            hidden = False
            lengths = pairs.get(norm[start : start + 2])
            if lengths is not None:
                for length in lengths:
                    if start + length > size:
                        continue
                    word = norm[start : start + length]
                    indexes = anchors.get(word)
                    if indexes is not None:
                        wanted.update(indexes)
                    if hidden:
                        continue
                    rules = keywords.get(word)
                    if rules is not None:
                        found.extend((start, start + length, rule) for rule in rules)
                        # The longest word at a position hides the shorter ones ("安全奖" is pay, not safety),
                        # except that an exclusion hides nothing: it cancels what it overlaps ("炸了锅"
                        # cancels the "炸了" in it).
                        hidden = not any(rule.weight < 0 for rule in rules)
            single = singles.get(norm[start])
            if single is not None:
                rules, indexes = single
                if indexes is not None:
                    wanted.update(indexes)
                if rules is not None and not hidden:
                    found.extend((start, start + 1, rule) for rule in rules)
        regexes = self._regexes
        for index in wanted:
            pattern, rules = regexes[index]
            search = pattern.search
            m = search(norm)
            while m is not None:
                start, end = m.span()
                if end > start:
                    found.extend((start, end, rule) for rule in rules)
                m = search(norm, start + 1)
        return found

    def scores(self, text: str) -> tuple[str, Scores]:
        """The normalised text and what it scored."""
        norm = normalise(text)
        result = Scores()
        found = self._matches(norm)
        if not found:
            return norm, result
        exclusions = [(s, e, r) for s, e, r in found if r.weight < 0]
        categories = result.categories
        grades = result.grades
        counted: set[int] = set()
        result.exclusions = sorted(exclusions, key=lambda f: (f[0], f[1]))
        for start, end, rule in sorted(found, key=lambda f: (f[0], f[1])):
            if rule.weight < 0:
                continue
            category, grade = rule.category, rule.grade
            for xs, xe, x in exclusions:
                if xs < end and start < xe:
                    everything = not x.category and not x.grade
                    if everything or (x.grade and x.grade == grade):
                        grade = ""
                    if everything or (x.category and x.category == category):
                        category = ""
            if not category and not grade:
                continue
            # A regular expression adds its weight once per text however often it matches (its alternatives
            # are one cue); every match is still evidence.
            weight = rule.weight
            if rule.kind == "regex":
                if id(rule) in counted:
                    weight = 0.0
                counted.add(id(rule))
            if category:
                categories[category] = categories.get(category, 0.0) + weight
            if grade:
                grades[grade] = grades.get(grade, 0.0) + weight
            result.hits.append(
                (start, end, Rule(rule.kind, rule.pattern, category, grade, rule.weight, rule.note))
            )
        return norm, result

    @staticmethod
    def cues(scores: Scores) -> HandCues:
        """What the red model reads from the lexicon: the red families that matched with their spans, the hand
        red score, and the spans the red exclusions hide from it."""
        families: dict[str, list[tuple[int, int]]] = {}
        for start, end, rule in scores.hits:
            if rule.grade == "red":
                families.setdefault(rule.note or rule.pattern, []).append((start, end))
        hidden = [
            (start, end)
            for start, end, rule in scores.exclusions
            if rule.grade == "red" or (not rule.grade and not rule.category)
        ]
        return HandCues(families=families, score=scores.grades.get("red", 0.0), hidden=hidden)

    def suggest(self, text: str) -> Suggestion:
        norm, scores = self.scores(text)
        grades = scores.grades
        cues = self.cues(scores)
        model = self.red_model
        confidence: float | None = None
        red_evidence: list[Evidence] = []
        if model is not None:
            decision = model.decide(text, norm, cues)
            red = decision.red
            confidence = round(decision.probability, 3) if red else None
            red_evidence = decision.evidence
        else:
            red = cues.score >= RED_AT
        if red:
            grade = "red"
        elif grades.get("orange", 0.0) >= ORANGE_AT:
            grade = "orange"
        elif grades.get("blue", 0.0) >= BLUE_AT and grades.get("blue", 0.0) > grades.get("yellow", 0.0):
            grade = "blue"
        else:
            grade = "yellow"
        category = OTHER
        best = 0.0
        for code in CATEGORY_ORDER:
            value = scores.categories.get(code, 0.0)
            if value > best:
                category, best = code, value
        if red and model is not None:
            evidence = [ev.word for ev in red_evidence]
            reasons = {ev.word: ev.reason for ev in red_evidence}
            for word in self._evidence(text, norm, scores, "", category):
                if len(evidence) >= MAX_EVIDENCE:
                    break
                if not any(word in taken or taken in word for taken in evidence):
                    evidence.append(word)
            return Suggestion(
                category=category, grade=grade, evidence=evidence, reasons=reasons, confidence=confidence
            )
        return Suggestion(
            category=category, grade=grade, evidence=self._evidence(text, norm, scores, grade, category)
        )

    @staticmethod
    def _evidence(text: str, norm: str, scores: Scores, grade: str, category: str) -> list[str]:
        """The words that led to the grade and the category, as written, red first, each span once."""
        red = [(s, e) for s, e, r in scores.hits if r.grade == "red"] if grade == "red" else []
        rest = [
            (s, e)
            for s, e, r in scores.hits
            if (r.grade == grade and grade != "red") or (r.category == category and r.grade != "red")
        ]
        # Each span once, and not when it lies in a wider one ("拖欠工资" says it, "工资" need not follow).
        wide = sorted(set(red) | set(rest), key=lambda span: (span[0], -span[1]))
        covered: set[tuple[int, int]] = set()
        reach = -1
        for start, end in wide:
            if end <= reach:
                covered.add((start, end))
            reach = max(reach, end)
        spans = [span for span in dict.fromkeys(sorted(red) + sorted(rest)) if span not in covered]
        if not spans:
            return []
        positions = _positions(text) if len(norm) != len(text) else None
        words: list[str] = []
        for start, end in spans:
            word = readable(
                text[start:end] if positions is None else text[positions[start] : positions[end - 1] + 1]
            )
            if word and word not in words:
                words.append(word)
        return words


_SHIPPED: Any = object()


def compile_rules(rows: Iterable[Any], red_model: RedModel | None = _SHIPPED) -> RuleSet:
    """Compile rules given as LexiconRule rows (inactive ones are skipped), `Rule`s, or tuples
    (kind, pattern, category, grade, weight, note) such as lexicon_data.RULES. Red is decided by the shipped
    red model unless another (or None: the hand score alone) is given."""
    rules = [rule for rule in map(_as_rule, rows) if rule is not None]
    return RuleSet(rules, shipped_model() if red_model is _SHIPPED else red_model)


# ---- the process's compiled copy of the active rules ----

_lock = threading.Lock()
_cache: dict[str, Any] = {"ruleset": None, "stamp": None, "checked": 0.0, "dirty": True}


def _active_rows() -> list[tuple[Any, ...]]:
    from lianxin.insight.models import LexiconRule

    return list(
        LexiconRule.objects.filter(active=True)
        .order_by("pk")
        .values_list("kind", "pattern", "category", "grade", "weight", "note", "pk")
    )


def current_ruleset() -> RuleSet:
    """The active rules, compiled. Re-read when a rule was saved or deleted in this process, and otherwise
    at most every CHECK_SECONDS (another process may have edited them); recompiled only when they differ."""
    now = time.monotonic()
    ruleset = _cache["ruleset"]
    if ruleset is not None and not _cache["dirty"] and now - _cache["checked"] < CHECK_SECONDS:
        return ruleset  # type: ignore[no-any-return]
    with _lock:
        _cache["dirty"] = False
        rows = _active_rows()
        stamp = hash(tuple(rows))
        if _cache["ruleset"] is None or stamp != _cache["stamp"]:
            _cache["ruleset"] = compile_rules(rows)
            _cache["stamp"] = stamp
        _cache["checked"] = now
        return _cache["ruleset"]  # type: ignore[no-any-return]


def forget_rules() -> None:
    """Make the next suggestion re-read the rules (a rule changed, or a test rolled its rules back)."""
    _cache["dirty"] = True


def rules_suggest(text: str) -> Suggestion:
    """Category, grade and evidence for an appeal's text from the active lexicon rules."""
    return current_ruleset().suggest(text)


def _connect_invalidation() -> None:
    from django.db.models.signals import post_delete, post_save

    from lianxin.insight.models import LexiconRule

    def changed(**kwargs: Any) -> None:
        forget_rules()

    post_save.connect(changed, sender=LexiconRule, weak=False, dispatch_uid="insight_lexicon_changed_save")
    post_delete.connect(
        changed, sender=LexiconRule, weak=False, dispatch_uid="insight_lexicon_changed_delete"
    )


_connect_invalidation()
