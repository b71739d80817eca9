"""The red decision: a calibrated linear model over words and the lexicon's cue families.

Red pages the branch secretary and leadership at once, so it must be right for the right reason:
- Words, not characters: the text is cut into words with jieba (no HMM); each word and each pair of
  neighbouring words is a feature (tf-idf, sublinear, l2-normalised). Words carry meaning across styles where
  character strings learned the style of whoever wrote the examples.
- The hand-written cue families (the lexicon's red rules and the red net) are features too: each family that
  matched is one feature, and so is the hand score reaching 2 and 4. The weights say how far each family can
  be
  trusted on real wording; a family an administrator adds later still counts through the hand score.
- The lexicon's exclusions hide their words from the model as well: "想死你了", "跳楼价" and a sentence that
  is
  a hypothetical, a drill or someone else's story add nothing, in either layer.
- Fitted by `manage.py train_red_model` on real public text (risk posts against ordinary posts, messages to
  a government board and comments) together with the project's labelled appeals in every class, so that
  neither the style of one source nor our own wording stands in for the signal. A fixed part of each real
  source is held out by a hash of the text and never used for fitting (`held_out`).

The stored model is plain JSON (nothing in it can run code when loaded); the decision threshold was chosen
for recall and its measured precision is stored beside it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

FORMAT = "lianxin-red-model"
FORMAT_VERSION = 1
SHIPPED = Path(__file__).resolve().parent / "red_model.json"
# At most this many words or phrases are shown as a red suggestion's evidence.
MAX_EVIDENCE = 5
HAND_AT = (2.0, 4.0)

# Characters that never stand alone as evidence, and never start or end it.
FUNCTION_CHARS = frozenset(
    "的了在还也就都是和与而又很呢吗吧啊着过把被给让从向对于之其或及但却才再更最太已这那我你他她它们个"
    "一不没有人要会能可说去来上下中里后前时地得所以因为如果就是别啦呀哦嘛吧呢啊哈嗯"
)
# Particles a span never starts with ("在江边坐着" reads as "江边坐着"); negation is kept ("不想活了").
LEADING_PARTICLES = frozenset(
    "的了在还也就都是和与而又很呢吗吧啊着过把被给让从向对于之其或及但却才再更最太已这那啦呀哦嘛哈嗯"
)
# Common words that carry no signal of their own, never shown as evidence however the model weighs them.
PLAIN_WORDS = frozenset(
    "自己 我们 你们 他们 她们 什么 这样 那样 真的 就是 还是 但是 因为 所以 没有 可以 一个 这个 "
    "那个 现在 今天 明天 大家 时候 知道 觉得 怎么 为什么 一下 一直 已经 还有 如果 不是 这么 "
    "那么 这些 那些 东西 事情 感觉".split()
)
_NOT_A_WORD = re.compile(r"^[\W\d_a-zA-Z]+$")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_BREAK = re.compile(r"[,.!?;:，。！？；：、\n]")
# A cue's span longer than this (a regular expression with a gap) is shown as the strong words inside it.
MAX_WORD = 10
# Only words among this top share of the model's positive weights are shown as evidence.
EVIDENCE_SHARE = 0.05

# The reason shown with a word, from the family of the cue that found it (stored in Chinese, translated when
# shown).
REASONS: tuple[tuple[str, str], ...] = (
    ("自伤", gettext_noop("自伤意念")),
    ("自杀", gettext_noop("自伤意念")),
    ("暴力", gettext_noop("暴力威胁")),
    ("群体", gettext_noop("群体行动")),
    ("危险", gettext_noop("现场紧急危险")),
)
MODEL_REASON = gettext_noop("高风险用语")
OTHER_REASON = gettext_noop("红色信号")


def held_out(text: str) -> bool:
    """The fixed 30 % of each real source that fitting never sees (by a hash of the text)."""
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16) % 10 < 3  # noqa: S324 - a split


def reason_for(note: str) -> str:
    for marker, reason in REASONS:
        if marker in note:
            return reason
    return OTHER_REASON


def readable(word: str) -> str:
    """The word trimmed of punctuation (and of function characters it starts with), or "" when what is left
    is no word a person would underline: punctuation, digits or Latin letters alone, a bare function
    character, a single character, or a span with a break inside."""
    previous = None
    while word != previous:
        previous = word
        word = _EDGE.sub("", word)
        if len(word) > 2 and word[0] in LEADING_PARTICLES:
            word = word[1:]
    if len(word) < 2 or len(word) > MAX_WORD or _NOT_A_WORD.match(word) or _BREAK.search(word):
        return ""
    if all(ch in FUNCTION_CHARS for ch in word) or word in PLAIN_WORDS:
        return ""
    return word


_jieba_lock = threading.Lock()
_jieba: Any = None


def _cut(text: str) -> list[str]:
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba  # type: ignore[import-untyped]

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return list(_jieba.cut(text, HMM=False))


def words(norm: str, hidden: Sequence[tuple[int, int]] = ()) -> list[tuple[str, int, int]]:
    """The words of a normalised text with their spans, leaving out punctuation and anything inside a hidden
    span (an exclusion's words)."""
    out: list[tuple[str, int, int]] = []
    position = 0
    for token in _cut(norm):
        start, end = position, position + len(token)
        position = end
        if _NOT_A_WORD.match(token):
            continue
        if any(hs < end and start < he for hs, he in hidden):
            continue
        out.append((token, start, end))
    return out


def word_features(found: Sequence[tuple[str, int, int]]) -> list[str]:
    """Each word, and each pair of neighbouring words joined by "_"."""
    terms = [w for w, _s, _e in found]
    return terms + [a + "_" + b for a, b in zip(terms, terms[1:], strict=False)]


@dataclass(frozen=True)
class Evidence:
    word: str
    reason: str


@dataclass(frozen=True)
class Decision:
    red: bool
    probability: float
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class HandCues:
    """What the lexicon found that the model reads: red families that matched, with their spans, the hand
    red score, and the spans the exclusions hide."""

    families: dict[str, list[tuple[int, int]]]
    score: float
    hidden: list[tuple[int, int]]

    def features(self) -> list[str]:
        found = ["R:" + note for note in self.families]
        found += [f"HAND{int(at)}" for at in HAND_AT if self.score >= at]
        return found or ["NONE"]


class RedModel:
    """The fitted weights. Immutable once built."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise ValueError("not a red model of this version")
        self.threshold = float(data["threshold"])
        self.intercept = float(data["intercept"])
        self.terms: dict[str, tuple[float, float]] = {
            str(term): (float(pair[0]), float(pair[1])) for term, pair in data["terms"].items()
        }
        self.cues: dict[str, float] = {str(k): float(v) for k, v in data["cues"].items()}
        self.figures: dict[str, Any] = dict(data.get("figures") or {})
        positive = sorted((w for _idf, w in self.terms.values() if w > 0), reverse=True)
        self.evidence_floor = positive[int(len(positive) * EVIDENCE_SHARE)] if positive else 0.0

    @classmethod
    def from_json(cls, raw: str | bytes) -> RedModel:
        return cls(json.loads(raw))

    @classmethod
    def load(cls, path: Path = SHIPPED) -> RedModel:
        return cls.from_json(path.read_bytes())

    def _contributions(self, features: Iterable[str], cues: HandCues) -> tuple[float, dict[str, float]]:
        counts: dict[str, int] = {}
        for term in features:
            if term in self.terms:
                counts[term] = counts.get(term, 0) + 1
        values = {t: (1.0 + math.log(n)) * self.terms[t][0] for t, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        parts = {t: v / norm * self.terms[t][1] for t, v in values.items()}
        for feature in cues.features():
            weight = self.cues.get(feature)
            if weight is not None:
                parts[feature] = parts.get(feature, 0.0) + weight
        return self.intercept + sum(parts.values()), parts

    def decide(self, text: str, norm: str, cues: HandCues) -> Decision:
        """Red or not for a text (given as written and normalised) with the lexicon's cues, and the
        evidence: the cue words that counted, then the model's weightiest words."""
        found = words(norm, cues.hidden)
        score, parts = self._contributions(word_features(found), cues)
        probability = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))
        if probability < self.threshold:
            return Decision(red=False, probability=probability)
        return Decision(
            red=True, probability=probability, evidence=self._evidence(text, norm, found, parts, cues)
        )

    def _evidence(
        self,
        text: str,
        norm: str,
        found: Sequence[tuple[str, int, int]],
        parts: dict[str, float],
        cues: HandCues,
    ) -> list[Evidence]:
        spans: list[tuple[float, int, int, str]] = []
        strong: list[tuple[str, int, int]] = []
        for index, (w, s, e) in enumerate(found):
            if self.terms.get(w, (0.0, 0.0))[1] < self.evidence_floor or w in FUNCTION_CHARS:
                continue
            if len(w) == 1:  # a strong character is shown with the word beside it: 死 → 死掉
                if index + 1 < len(found) and found[index + 1][1] == e:
                    e = found[index + 1][2]
                elif index > 0 and found[index - 1][2] == s:
                    s = found[index - 1][1]
            strong.append((w, s, e))
        for note, where in cues.families.items():
            weight = parts.get("R:" + note, 0.0)
            if weight <= 0:
                continue
            for start, end in where:
                if end - start <= MAX_WORD:
                    spans.append((weight + 10.0, start, end, reason_for(note)))
                else:  # a long window: the strong words inside it
                    spans.extend(
                        (weight + 5.0, s, e, reason_for(note))
                        for _w, s, e in strong
                        if start <= s and e <= end
                    )
        for word, start, end in strong:
            if parts.get(word, 0.0) > 0:
                spans.append((parts[word], start, end, MODEL_REASON))
        picked = pick_evidence(text, norm, spans)
        if picked:
            return picked
        # Nothing strong read as a word: the cues' spans, then the dictionary words that weighed for red.
        spans = [(1.0, s, e, reason_for(note)) for note, where in cues.families.items() for s, e in where]
        spans += [(parts[w], s, e, MODEL_REASON) for w, s, e in found if parts.get(w, 0.0) > 0 and len(w) > 1]
        return pick_evidence(text, norm, spans)


def _original(text: str, norm: str, start: int, end: int) -> str:
    """The span of the normalised text as written (normalising dropped spaces, nothing else moves)."""
    if len(norm) == len(text):
        return text[start:end]
    from lianxin.insight.suggest.rules import _positions

    positions = _positions(text)
    return text[positions[start] : positions[end - 1] + 1]


def pick_evidence(text: str, norm: str, spans: Sequence[tuple[float, int, int, str]]) -> list[Evidence]:
    """The strongest readable spans, none inside another already taken, in the order they occur."""
    taken: list[tuple[int, int, Evidence]] = []
    for _weight, start, end, reason in sorted(spans, key=lambda s: (-s[0], s[1])):
        if any(ts <= start and end <= te for ts, te, _ev in taken):
            continue
        word = readable(_original(text, norm, start, end))
        if not word or any(word == ev.word for _s, _e, ev in taken):
            continue
        taken = [(ts, te, ev) for ts, te, ev in taken if not (start <= ts and te <= end)]
        taken.append((start, end, Evidence(word, reason)))
        if len(taken) >= MAX_EVIDENCE:
            break
    return [ev for _s, _e, ev in sorted(taken, key=lambda t: t[0])]


_lock = threading.Lock()
_shipped: dict[str, RedModel | None] = {}


def shipped_model() -> RedModel | None:
    """The model shipped with the code, loaded once per process; None (and the hand score decides alone,
    with a warning in the log) when the file is missing or unreadable."""
    if "model" not in _shipped:
        with _lock:
            if "model" not in _shipped:
                try:
                    _shipped["model"] = RedModel.load()
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    logger.warning(
                        "red model %s could not be loaded (%s); the hand score decides red", SHIPPED, exc
                    )
                    _shipped["model"] = None
    return _shipped["model"]
