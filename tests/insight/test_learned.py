"""The learned suggester: its features and storage, training that puts a model in use only when it beats
the rules on held-out confirmed appeals, and the weekly retraining from the appeals people confirmed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel
from lianxin.insight.models import SuggesterModel
from lianxin.insight.suggest import learned, training
from lianxin.insight.suggest.engine import forget_model
from lianxin.insight.suggest.rules import rules_suggest
from lianxin.insight.suggest_tasks import suggester_retrain_task
from tests.factories import Org

DATA = Path(__file__).parent / "data"
TZ = ZoneInfo("Asia/Shanghai")
CATEGORIES = [
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
]


def load(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(autouse=True)
def _no_stale_model() -> Iterator[None]:
    # A rolled-back test leaves no trace in the process's copy of the active model.
    forget_model()
    yield
    forget_model()


@pytest.fixture(scope="module")
def history() -> list[dict[str, Any]]:
    return load("history.jsonl")


def labelled_like_the_rules(rows: list[dict[str, Any]], n: int = 120) -> list[dict[str, Any]]:
    """Confirmed labels that always agree with the rules: on such held-out rows the rules are perfect, so a
    model can at best tie with them, and a tie does not put it in use."""
    out = []
    for row in rows[:n]:
        found = rules_suggest(row["text"])
        out.append({"text": row["text"], "category": found.category, "grade": found.grade})
    return out


# --- the model itself ---------------------------------------------------------------------------------


def test_features_are_the_tf_idf_weights_of_training(history: list[dict[str, Any]]) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

    texts = [r["text"] for r in history[:300]]
    model = learned.fit(texts, [r["category"] for r in history[:300]], [r["grade"] for r in history[:300]])
    reference = TfidfVectorizer(analyzer=learned.char_grams, sublinear_tf=True, dtype=np.float32).fit(texts)
    assert reference.vocabulary_ == model.index
    for text in [*texts[:20], "工资拖欠 3 个月了，ＡＢＣ，怎么办？", ""]:
        expected = reference.transform([text]).toarray()[0]
        idx, weights = model.features(text)
        got = np.zeros(len(model.terms), dtype=np.float32)
        got[idx] = weights
        assert np.allclose(got, expected, atol=1e-6)


def test_model_survives_storage_and_explains_itself(history: list[dict[str, Any]]) -> None:
    model = learned.fit(
        [r["text"] for r in history], [r["category"] for r in history], [r["grade"] for r in history]
    )
    blended = model.with_blend(0.5, grade_from_model=False)
    again = learned.LearnedModel.from_bytes(blended.to_bytes())
    assert (again.blend_weight, again.grade_from_model) == (0.5, False)
    rules_scores = {"pay": 1.0, "safety": 2.0}
    for row in history[:50]:
        assert again.predict(row["text"], rules_scores) == blended.predict(row["text"], rules_scores)
    text = "工资已经拖欠三个月了，加班费也一直没发"
    prediction, terms = model.explain(text, 4)
    assert prediction.category == "pay"
    assert terms and len(terms) <= 4
    for term in terms:  # readable words of the text itself, none inside another
        assert term in learned.normalise(text) and len(term) >= 2
        assert not any(term != other and term in other for other in terms)


class _RunsCode:
    """Unpickling this would write a file: what an attacker with write access to the table would plant."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.write_text, (self.marker, "code ran"))


def test_loading_a_stored_model_cannot_run_code(tmp_path: Path) -> None:
    import io
    import pickle

    marker = tmp_path / "ran"
    # A pickle, as models were stored before, crafted to run code: refused without being unpickled.
    with pytest.raises(learned.UnreadableModel, match="format"):
        learned.LearnedModel.from_bytes(pickle.dumps({"version": 1, "terms": _RunsCode(marker)}))
    # The same inside the archive format, as an object array: numpy refuses it (allow_pickle=False).
    archive = io.BytesIO()
    np.savez(archive, header=np.array([_RunsCode(marker)], dtype=object), terms=np.zeros(1, np.uint8))
    with pytest.raises(learned.UnreadableModel):
        learned.LearnedModel.from_bytes(archive.getvalue())
    assert not marker.exists()
    # Damaged or unknown archives are refused the same way.
    for blob in (b"PK\x03\x04 damaged", b"", archive.getvalue()[:100]):
        with pytest.raises(learned.UnreadableModel):
            learned.LearnedModel.from_bytes(blob)


@pytest.mark.django_db
def test_an_old_pickled_model_in_use_is_refused_and_the_rules_suggest(tmp_path: Path) -> None:
    import pickle

    from lianxin.insight.suggest.engine import suggest_text

    marker = tmp_path / "ran"
    SuggesterModel.objects.create(
        trained_on=1, held_out=1, blob=pickle.dumps({"version": 1, "x": _RunsCode(marker)}), active=True
    )
    text = "工资已经拖欠三个月了，加班费也一直没发"
    assert suggest_text(text) == rules_suggest(text)
    assert not marker.exists()


def test_held_out_split_is_stratified_and_repeatable(history: list[dict[str, Any]]) -> None:
    train, held = training.split_held_out(history)
    assert len(train) + len(held) == len(history)
    assert 0.15 < len(held) / len(history) < 0.25
    assert {r["category"] for r in held} == {r["category"] for r in history}
    assert training.split_held_out(history) == (train, held)


# --- training and the rule for using the model ---------------------------------------------------------


@pytest.mark.django_db
def test_a_model_better_than_the_rules_is_put_in_use(history: list[dict[str, Any]]) -> None:
    old = SuggesterModel.objects.create(trained_on=1, held_out=1, blob=b"", active=True)
    saved = training.suggester_train(rows=history)
    model, rules = saved.metrics["model"], saved.metrics["rules"]
    figures = f"F1 model {model['category_macro_f1']}, rules {rules['category_macro_f1']}"
    print(f"\nheld out {saved.held_out}: {figures}")
    assert saved.trained_on + saved.held_out == len(history)
    for figures in (model, rules):
        assert figures["n"] == saved.held_out
        for key in ("category_macro_f1", "grade_accuracy", "red_recall", "red_precision"):
            assert 0.0 <= figures[key] <= 1.0
    assert model["category_macro_f1"] > rules["category_macro_f1"]
    assert saved.metrics["better_than_rules"] is True
    assert saved.active
    old.refresh_from_db()
    assert not old.active  # one model in use at a time
    # The blend weight was chosen on the training rows alone, and the model never suggests red itself.
    assert 0.0 <= saved.metrics["blend"]["weight"] <= 1.0
    stored = learned.LearnedModel.from_bytes(bytes(saved.blob))
    assert all(stored.predict(row["text"]).grade != "red" for row in history[:200])
    # The engine uses it: a stored model's figures are what administrators see.
    assert list(SuggesterModel.objects.filter(active=True)) == [saved]


@pytest.mark.django_db
def test_training_stores_a_learning_curve_on_held_out_labels(history: list[dict[str, Any]]) -> None:
    saved = training.suggester_train(rows=history)
    curve = saved.metrics["curve"]
    print("\n" + "\n".join(f"{p['labels']}: rules {p['rules']} blend {p['blend']}" for p in curve))
    assert [p["labels"] for p in curve] == [50, 100, 200, 400]
    rules = saved.metrics["rules"]
    for point in curve:
        # The rules are measured once, on the same held-out rows as every point of the blend.
        assert point["rules"] == {k: rules[k] for k in ("category_macro_f1", "grade_accuracy")}
        assert 0.0 <= point["blend"]["category_macro_f1"] <= 1.0
        assert 0.0 <= point["blend"]["grade_accuracy"] <= 1.0
    # Labels help: 400 confirmed appeals lift category macro-F1 clearly above the rules (measured: +0.07 to
    # +0.10 on held-out history), and the grade is never worse than the rules' by more than noise.
    assert curve[-1]["blend"]["category_macro_f1"] >= rules["category_macro_f1"] + 0.04
    assert curve[-1]["blend"]["grade_accuracy"] >= rules["grade_accuracy"] - 0.03
    # Fewer rows than a point needs: the curve stops there.
    small = training.suggester_train(rows=history[:160])
    assert [p["labels"] for p in small.metrics["curve"]] == [50, 100]


@pytest.mark.django_db
def test_a_model_worse_than_the_rules_is_kept_but_not_used(history: list[dict[str, Any]]) -> None:
    good = training.suggester_train(rows=history)
    assert good.active
    worse = training.suggester_train(rows=labelled_like_the_rules(history))
    model, rules = worse.metrics["model"], worse.metrics["rules"]
    assert rules["category_macro_f1"] == 1.0
    assert model["category_macro_f1"] <= rules["category_macro_f1"]
    assert worse.metrics["better_than_rules"] is False
    assert not worse.active
    good.refresh_from_db()
    assert good.active  # the better model stays in use


@pytest.mark.django_db
def test_bad_rows_are_refused_and_nothing_saved(history: list[dict[str, Any]]) -> None:
    rows = [*history[:100], {"text": "食堂太差", "category": "canteen", "grade": "yellow"}]
    rows.append({"text": "", "category": "pay", "grade": "purple"})
    with pytest.raises(ValidationError) as caught:
        training.suggester_train(rows=rows)
    messages = caught.value.messages
    assert any("第 101 条" in m and "canteen" in m for m in messages)
    assert any("第 102 条" in m and "purple" in m for m in messages)
    assert any("第 102 条" in m and "text" in m for m in messages)
    with pytest.raises(ValidationError, match="至少需要"):
        training.suggester_train(rows=history[:10])
    assert not SuggesterModel.objects.exists()


# --- retraining from the database ---------------------------------------------------------------------


def test_retraining_runs_sunday_at_three() -> None:
    task = suggester_retrain_task.task_class()
    sunday = dt.datetime(2026, 11, 22, 3, 0, tzinfo=TZ).replace(tzinfo=None)  # Huey checks naive local times
    assert task.validate_datetime(sunday)
    assert not task.validate_datetime(sunday + dt.timedelta(days=1))
    assert not task.validate_datetime(sunday + dt.timedelta(hours=1))


def run_task() -> None:
    # Immediate mode in tests: runs now, in this process (a periodic task keeps no return value).
    result = suggester_retrain_task()
    if result is not None and hasattr(result, "get"):
        result.get()


@pytest.mark.django_db
def test_retraining_learns_from_confirmed_appeals_only(
    org: Org, history: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(training, "MIN_CONFIRMED", 60)
    confirmed = history[:70]
    for row in confirmed:
        appeal = s.appeal_submit(text=row["text"], channel=Channel.WEB, submitter=org.employee_person).appeal
        s.appeal_triage(appeal=appeal, actor=org.secretary_a, category=row["category"], grade=row["grade"])
    # Submitted but never confirmed by a person: its suggestion is not a label.
    s.appeal_submit(text="宿舍空调坏了一周", channel=Channel.WEB, submitter=org.employee_person)

    rows = training.confirmed_rows()
    assert sorted(r["text"] for r in rows) == sorted(r["text"] for r in confirmed)
    assert all(set(r) == {"text", "category", "grade"} for r in rows)  # no names, no ids

    run_task()
    saved = SuggesterModel.objects.get()
    assert saved.trained_on + saved.held_out == 70
    assert {"model", "rules"} <= set(saved.metrics)
    assert saved.active == (
        saved.metrics["model"]["category_macro_f1"] > saved.metrics["rules"]["category_macro_f1"]
    )


@pytest.mark.django_db
def test_retraining_waits_for_enough_confirmed_appeals(org: Org, history: list[dict[str, Any]]) -> None:
    for row in history[:5]:
        appeal = s.appeal_submit(text=row["text"], channel=Channel.WEB, submitter=org.employee_person).appeal
        s.appeal_triage(appeal=appeal, actor=org.secretary_a, category=row["category"], grade=row["grade"])
    run_task()
    assert not SuggesterModel.objects.exists()


def test_a_large_history_holds_out_at_most_the_cap(history: list[dict[str, Any]]) -> None:
    rows = [{**row, "text": f"{row['text']} {n}"} for n in range(10) for row in history]
    train, held = training.split_held_out(rows, cap=1_000)
    assert 990 <= len(held) <= 1_010
    assert len(train) + len(held) == len(rows)


# --- what administrators see ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_administrators_see_the_measured_accuracy_and_which_is_in_use(
    org: Org, history: list[dict[str, Any]]
) -> None:
    from django.test import Client
    from django.urls import reverse

    from tests.factories import make_user

    saved = training.suggester_train(rows=history)
    admin_user = make_user("sysadmin", system_admin=org.root)
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:insight_suggestermodel_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert f"{saved.metrics['model']['category_macro_f1']:.3f}" in html
    assert f"{saved.metrics['rules']['category_macro_f1']:.3f}" in html
    assert "学习模型（优于词典规则）" in html
    page = client.get(reverse("admin:insight_suggestermodel_change", args=[saved.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"{saved.metrics['rules']['red_recall']:.3f}" in html
    # The learning curve, in words and in a table: the rules alone, then the blend at each number of labels.
    assert "学习曲线" in html and "仅用词典规则时类别宏平均F1为" in html
    for point in saved.metrics["curve"]:
        assert f"<td>{point['labels']}</td>" in html
        assert f"{point['labels']} 条后为 {point['blend']['category_macro_f1']:.3f}" in html
        assert f"<td>{point['blend']['grade_accuracy']:.3f}</td>" in html
    # Read-only: training alone decides which model is in use.
    post = client.post(reverse("admin:insight_suggestermodel_change", args=[saved.pk]), {"active": ""})
    assert post.status_code == 403
    assert client.get(reverse("admin:insight_suggestermodel_add")).status_code == 403
    saved.refresh_from_db()
    assert saved.active
    # An ordinary staff member without the role sees nothing of it.
    staff = make_user("staff_only")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)
    assert client.get(reverse("admin:insight_suggestermodel_changelist")).status_code == 403
