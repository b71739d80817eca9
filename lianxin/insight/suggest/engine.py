"""The triage suggester registered with appeals: the lexicon rules, and the learned model when one is in use.

- Red from the rules always stands: the model may never lower a red the rules found, so red recall rests on
  the rules alone.
- With an active model (one that beat the rules on held-out confirmed appeals), the category is the blend of
  the model's and the rules' category scores that training measured best, and a grade other than the
  rules' red comes from the model when training measured it better than the rules' grade (the model never
  suggests red itself); without one, everything comes from the rules.
- Evidence: the words the rules matched first, then the model's weightiest terms.

The active model is loaded once per process and kept by its id; which model is active is re-read when a
model is saved in this process and otherwise at most every CHECK_SECONDS (training runs in the worker).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from lianxin.appeals.triage import Suggestion
from lianxin.insight.suggest.learned import LearnedModel, UnreadableModel
from lianxin.insight.suggest.rules import RuleSet, current_ruleset

logger = logging.getLogger(__name__)

RED = "red"
CHECK_SECONDS = 5.0
MAX_EVIDENCE = 8
MODEL_TERMS = 4


@dataclass(frozen=True)
class Engine:
    """The rules and (maybe) a model, fixed at construction: for a batch, build one and call it."""

    rules: RuleSet
    model: LearnedModel | None = None
    model_id: int | None = None

    def suggest(self, text: str) -> Suggestion:
        ruled = self.rules.suggest(text)
        if self.model is None:
            return ruled
        # The category blends the model with the rules' category scores, weighted as training measured.
        _norm, scores = self.rules.scores(text)
        predicted, terms = self.model.explain(text, MODEL_TERMS, scores.categories)
        grade = RED if ruled.grade == RED else (predicted.grade or ruled.grade)
        evidence = list(ruled.evidence)
        for term in terms:
            if len(evidence) >= MAX_EVIDENCE:
                break
            if not any(term in word or word in term for word in evidence):
                evidence.append(term)
        return Suggestion(category=predicted.category, grade=grade, evidence=evidence)


# ---- the process's copy of the active model ----

_lock = threading.Lock()
_models: dict[tuple[int, str], LearnedModel] = {}
_unreadable: set[tuple[int, str]] = set()
_state: dict[str, Any] = {"key": None, "checked": 0.0, "dirty": True}


def _active_key() -> tuple[int, str] | None:
    from lianxin.insight.codes import SuggesterKind
    from lianxin.insight.models import SuggesterModel

    found = (
        SuggesterModel.objects.filter(active=True, kind=SuggesterKind.LEARNED)
        .order_by("-trained_at", "-pk")
        .values_list("pk", "trained_at")
        .first()
    )
    # The time as well as the id: a test database may hand the same id to another model.
    return (found[0], found[1].isoformat()) if found else None


def _load(key: tuple[int, str]) -> LearnedModel | None:
    """The stored model, or None when it cannot be read: an appeal is never refused because its
    suggestion failed; the rules then suggest alone."""
    from lianxin.insight.models import SuggesterModel

    blob = SuggesterModel.objects.filter(pk=key[0]).values_list("blob", flat=True).first()
    if blob is None:
        return None
    try:
        return LearnedModel.from_bytes(bytes(blob))
    except UnreadableModel as exc:
        logger.warning("suggester model %s not used, the rules suggest alone: %s", key[0], exc)
        return None
    except Exception:
        logger.exception("suggester model %s could not be loaded; the rules suggest alone", key[0])
        return None


def active_model() -> tuple[int | None, LearnedModel | None]:
    """The model in use and its id, or (None, None) when the rules alone suggest."""
    now = time.monotonic()
    if not _state["dirty"] and now - _state["checked"] < CHECK_SECONDS:
        key = _state["key"]
    else:
        with _lock:
            _state["dirty"] = False
            key = _active_key()
            _state["key"] = key
            _state["checked"] = now
    if key is None:
        return None, None
    if key in _unreadable:
        return None, None
    model = _models.get(key)
    if model is None:
        with _lock:
            model = _models.get(key)
            if model is None:
                model = _load(key)
                if model is None:
                    _unreadable.add(key)  # not tried again on every appeal
                    return None, None
                _models.clear()  # one model in use at a time; an old one is not kept in memory
                _models[key] = model
    return key[0], model


def forget_model() -> None:
    """Make the next suggestion re-read which model is active (one was trained, or a test rolled back)."""
    _state["dirty"] = True


def current_engine() -> Engine:
    model_id, model = active_model()
    return Engine(rules=current_ruleset(), model=model, model_id=model_id)


def suggest_text(text: str) -> Suggestion:
    """Category, grade and evidence for an appeal's text; registered with appeals in InsightConfig.ready."""
    return current_engine().suggest(text)


def _connect_invalidation() -> None:
    from django.db.models.signals import post_delete, post_save

    from lianxin.insight.models import SuggesterModel

    def changed(**kwargs: Any) -> None:
        forget_model()

    post_save.connect(changed, sender=SuggesterModel, weak=False, dispatch_uid="insight_suggester_saved")
    post_delete.connect(changed, sender=SuggesterModel, weak=False, dispatch_uid="insight_suggester_deleted")


_connect_invalidation()
