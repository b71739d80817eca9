"""Training the learned suggester from confirmed labels, and the rule that puts it in use.

A fixed part of the confirmed rows is held out; the model is fitted on the rest (its blend with the rules
chosen on those rows alone); model and rules are then measured on the same held-out rows. The model becomes
the one in use only when its category macro-F1 beats the rules' there. Every trained model is kept with its
figures and a learning curve (the rules and the blend fitted on 50, 100, 200 and 400 of the training rows,
measured on the same held-out rows), so administrators see what was measured and how it grows with labels.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.codes import EventKind, Grade
from lianxin.insight.codes import SuggesterKind
from lianxin.insight.models import SuggesterModel
from lianxin.insight.suggest import learned
from lianxin.insight.suggest.engine import Engine, forget_model
from lianxin.insight.suggest.evaluate import Metrics, measure
from lianxin.insight.suggest.rules import RuleSet, current_ruleset

logger = logging.getLogger(__name__)

HOLD_OUT = 0.2
MAX_HELD_OUT = 5_000
SEED = 20261121
# Fewer rows than this cannot be split into a useful training and held-out part.
MIN_ROWS = 30
# The weekly retraining from the database waits until the organisation has confirmed this many appeals.
MIN_CONFIRMED = 200
# Points of the learning curve: numbers of confirmed labels the blend is fitted on.
CURVE_SIZES = (50, 100, 200, 400)


def known_categories() -> set[str]:
    from lianxin.appeals.models import Category

    return set(Category.objects.values_list("code", flat=True))


def row_problems(row: Any, categories: set[str]) -> list[str]:
    """What is wrong with one labelled row {"text", "category", "grade"}; empty when nothing."""
    if not isinstance(row, dict):
        return [_("不是 JSON 对象。")]
    problems: list[str] = []
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append(_("缺少内容（text）。"))
    category = row.get("category")
    if not isinstance(category, str) or category not in categories:
        problems.append(_("未知的类别 %(v)s。") % {"v": json.dumps(row.get("category"), ensure_ascii=False)})
    if row.get("grade") not in Grade.values:
        problems.append(_("未知的等级 %(v)s。") % {"v": json.dumps(row.get("grade"), ensure_ascii=False)})
    return problems


def check_rows(rows: Sequence[Any], categories: set[str] | None = None) -> list[str]:
    """Problems with labelled rows, each naming its row (1-based); empty when all is well."""
    categories = known_categories() if categories is None else categories
    return [
        _("第 %(n)d 条：%(problem)s") % {"n": number, "problem": problem}
        for number, row in enumerate(rows, start=1)
        for problem in row_problems(row, categories)
    ]


def lexicon_prior() -> list[tuple[str, str]]:
    """The active lexicon's category keywords, which the model learns from besides the confirmed rows."""
    from lianxin.insight.models import LexiconRule

    rows = LexiconRule.objects.filter(active=True).values_list(
        "kind", "pattern", "category", "grade", "weight"
    )
    return learned.prior_from_rules(rows)


def split_held_out(
    rows: Sequence[dict[str, Any]], share: float = HOLD_OUT, seed: int = SEED, cap: int = MAX_HELD_OUT
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Stratified by category: the same share of every category is held out (at least one of each category
    with two or more rows), chosen with a fixed seed so that a retraining on the same rows is repeatable.
    Beyond `cap` held-out rows the figures gain no precision worth their time, so the share shrinks."""
    share = min(share, cap / len(rows)) if rows else share
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_category[row["category"]].append(row)
    rng = random.Random(seed)  # noqa: S311 (a repeatable split, not a secret)
    train: list[dict[str, Any]] = []
    held: list[dict[str, Any]] = []
    for category in sorted(by_category):
        group = by_category[category][:]
        rng.shuffle(group)
        take = max(round(len(group) * share), 1) if len(group) > 1 else 0
        held.extend(group[:take])
        train.extend(group[take:])
    return train, held


def suggester_train(*, rows: list[dict[str, Any]], now: dt.datetime | None = None) -> SuggesterModel:
    """Fit a model on confirmed rows {"text", "category", "grade"}, measure it and the rules on held-out
    rows, store both figures, and put the model in use only if it beats the rules. The fitting happens
    before the transaction, which only stores the model and moves the "in use" mark."""
    problems = check_rows(rows)
    if problems:
        raise ValidationError(problems, code="invalid_rows")
    if len(rows) < MIN_ROWS:
        raise ValidationError(
            _("确认样本只有 %(n)d 条，至少需要 %(min)d 条才能训练。") % {"n": len(rows), "min": MIN_ROWS},
            code="too_few_rows",
        )
    train, held = split_held_out(rows)
    if len({r["category"] for r in train}) < 2 or len({r["grade"] for r in train}) < 2:
        raise ValidationError(_("确认样本至少须包含两个类别和两个等级。"), code="too_uniform")

    rules = current_ruleset()
    prior = lexicon_prior()
    started = time.perf_counter()
    model, blend_measured = fit_with_rules(train, rules, prior)
    fit_seconds = time.perf_counter() - started

    rules_metrics = measure(held, rules.suggest)
    # The model as it would be used: through the engine, with the rules' red standing.
    model_metrics = measure(held, Engine(rules=rules, model=model).suggest)
    better = model_metrics["category_macro_f1"] > rules_metrics["category_macro_f1"]
    curve = learning_curve(train, held, rules, prior, rules_metrics)
    extra = {"blend": {"weight": model.blend_weight, "grade_from_model": model.grade_from_model}}
    extra["blend"].update(blend_measured)

    with transaction.atomic():
        saved = _store(
            model,
            train,
            held,
            model_metrics,
            rules_metrics,
            better,
            fit_seconds,
            now,
            {**extra, "curve": curve},
        )
    transaction.on_commit(forget_model)
    forget_model()
    logger.info(
        "suggester %s trained on %d, held out %d: model F1 %.3f, rules F1 %.3f, in use: %s",
        saved.pk,
        len(train),
        len(held),
        model_metrics["category_macro_f1"],
        rules_metrics["category_macro_f1"],
        better,
    )
    return saved


def fit_with_rules(
    rows: Sequence[dict[str, Any]], rules: RuleSet, prior: Sequence[tuple[str, str]]
) -> tuple[learned.LearnedModel, dict[str, float]]:
    """The blended model fitted on confirmed rows, with what choosing its blend measured."""
    texts = [r["text"] for r in rows]
    return learned.fit_blended(
        texts,
        [r["category"] for r in rows],
        [r["grade"] for r in rows],
        [rules.scores(t)[1].categories for t in texts],
        [rules.suggest(t).grade for t in texts],
        prior=prior,
    )


def _figures(metrics: Metrics) -> dict[str, float]:
    return {"category_macro_f1": metrics["category_macro_f1"], "grade_accuracy": metrics["grade_accuracy"]}


def learning_curve(
    train: Sequence[dict[str, Any]],
    held: Sequence[dict[str, Any]],
    rules: RuleSet,
    prior: Sequence[tuple[str, str]],
    rules_metrics: Metrics,
    sizes: Sequence[int] = CURVE_SIZES,
) -> list[dict[str, Any]]:
    """The rules and the blend fitted on the first n of the training rows (in a fixed random order), each
    measured on the same held-out rows, for every n of `sizes` the training rows reach."""
    shuffled = list(train)
    random.Random(SEED).shuffle(shuffled)  # noqa: S311 (a repeatable sample, not a secret)
    points: list[dict[str, Any]] = []
    for size in sizes:
        if size > len(shuffled):
            break
        subset = shuffled[:size]
        try:
            model, _measured = fit_with_rules(subset, rules, prior)
        except ValueError:  # fewer than two categories or grades among the first rows
            continue
        blended = measure(held, Engine(rules=rules, model=model).suggest)
        points.append(
            {
                "labels": size,
                "rules": _figures(rules_metrics),
                "blend": _figures(blended),
                "blend_weight": model.blend_weight,
            }
        )
    return points


def _store(
    model: learned.LearnedModel,
    train: list[dict[str, Any]],
    held: list[dict[str, Any]],
    model_metrics: Metrics,
    rules_metrics: Metrics,
    better: bool,
    fit_seconds: float,
    now: dt.datetime | None,
    extra: dict[str, Any],
) -> SuggesterModel:
    saved = SuggesterModel.objects.create(
        kind=SuggesterKind.LEARNED,
        trained_at=now or timezone.now(),
        trained_on=len(train),
        held_out=len(held),
        metrics={
            "model": dict(model_metrics),
            "rules": dict(rules_metrics),
            "better_than_rules": better,
            "fit_seconds": round(fit_seconds, 2),
            "features": len(model.terms),
            **extra,
        },
        blob=model.to_bytes(),
        active=better,
    )
    if better:
        SuggesterModel.objects.filter(active=True).exclude(pk=saved.pk).update(active=False)
    return saved


def confirmed_rows() -> list[dict[str, str]]:
    """Appeals whose category and grade a person set (a triage event exists), with those labels. Only the
    text and the labels: no names, no ids."""
    from lianxin.appeals.models import Appeal, AppealEvent

    triaged = AppealEvent.objects.filter(kind=EventKind.TRIAGED).values("appeal_id")
    rows = (
        Appeal.objects.filter(pk__in=triaged, category__isnull=False)
        .exclude(grade="")
        .order_by("pk")
        .values_list("text", "category_id", "grade")
    )
    return [{"text": t, "category": c, "grade": g} for t, c, g in rows if t and t.strip()]


def suggester_retrain(*, now: dt.datetime | None = None) -> SuggesterModel | None:
    """Retrain from the database's confirmed appeals; skipped (None) while there are too few of them."""
    rows = confirmed_rows()
    if len(rows) < MIN_CONFIRMED:
        logger.info(
            "suggester retraining skipped: %d confirmed appeals, at least %d needed", len(rows), MIN_CONFIRMED
        )
        return None
    return suggester_train(rows=rows, now=now)
