"""`manage.py suggest` and `manage.py train_suggester`, end to end with files, good and bad."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from lianxin.appeals.codes import Grade
from lianxin.insight.models import SuggesterModel
from lianxin.insight.suggest.engine import forget_model

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
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


@pytest.fixture(autouse=True)
def _no_stale_model() -> Iterator[None]:
    forget_model()
    yield
    forget_model()


def write(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "".join(
            (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines
        ),
        encoding="utf-8",
    )
    return path


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def suggest(source: Path, out: Path) -> str:
    err = StringIO()
    call_command("suggest", jsonl=str(source), out=str(out), stdout=StringIO(), stderr=err)
    return err.getvalue()


def train(source: Path) -> str:
    out = StringIO()
    call_command("train_suggester", jsonl=str(source), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_suggest_writes_one_line_per_appeal(tmp_path: Path) -> None:
    source = write(
        tmp_path / "in.jsonl",
        [
            {"id": "A-1", "text": "我实在撑不下去了，想一了百了"},
            "",
            {"id": 2, "text": "食堂的饭菜越来越差，价格还涨了"},
            {"id": 3, "text": "工资拖欠了三个月，加班费也没有发"},
        ],
    )
    message = suggest(source, tmp_path / "out.jsonl")
    rows = read(tmp_path / "out.jsonl")
    assert [r["id"] for r in rows] == ["A-1", 2, 3]
    for row in rows:
        assert set(row) == {"id", "category", "grade", "evidence"}
        assert row["category"] in CATEGORIES and row["grade"] in Grade.values
        assert isinstance(row["evidence"], list)
    assert rows[0]["grade"] == Grade.RED and rows[0]["evidence"]
    assert rows[1]["category"] == "conditions"
    assert rows[2]["category"] == "pay"
    assert "3" in message and "词典规则" in message


def test_suggest_reports_bad_lines_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("earlier results\n", encoding="utf-8")
    source = write(
        tmp_path / "in.jsonl",
        [
            {"id": 1, "text": "班车太挤"},
            "{not json",
            {"text": "没有编号"},
            ["a", "list"],
            {"id": 5, "text": 42},
            {"id": 6, "text": "宿舍热水不足"},
        ],
    )
    with pytest.raises(CommandError) as caught:
        suggest(source, out)
    message = str(caught.value)
    for number in (2, 3, 4, 5):
        assert f"第 {number} 行" in message
    assert "第 1 行" not in message and "第 6 行" not in message
    assert out.read_text(encoding="utf-8") == "earlier results\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]  # no partial file left


def test_suggest_refuses_missing_input(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="不存在"):
        suggest(tmp_path / "nowhere.jsonl", tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()


def test_train_suggester_prints_both_figures_and_uses_a_better_model(tmp_path: Path) -> None:
    history = (DATA / "history.jsonl").read_text(encoding="utf-8").splitlines()
    printed = train(write(tmp_path / "history.jsonl", history))
    saved = SuggesterModel.objects.get()
    assert saved.active
    assert "学习模型" in printed and "词典规则" in printed
    assert f"{saved.metrics['model']['category_macro_f1']:.3f}" in printed
    assert f"{saved.metrics['rules']['category_macro_f1']:.3f}" in printed
    assert "已启用" in printed
    # The learning curve: each number of labels with the blend's category macro-F1 beside the rules'.
    assert "学习曲线" in printed
    for point in saved.metrics["curve"]:
        assert f"{point['labels']:<12}" in printed
        assert f"{point['blend']['category_macro_f1']:>9.3f}" in printed

    # The suggest command now uses it.
    source = write(tmp_path / "in.jsonl", [{"id": 1, "text": "工资拖欠了三个月，加班费也没有发"}])
    message = suggest(source, tmp_path / "out.jsonl")
    assert f"学习模型 #{saved.pk}" in message
    assert read(tmp_path / "out.jsonl")[0]["category"] == "pay"


def test_train_suggester_rejects_bad_lines_and_saves_nothing(tmp_path: Path) -> None:
    history = (DATA / "history.jsonl").read_text(encoding="utf-8").splitlines()[:300]
    history[2] = json.dumps(
        {"text": "食堂太差", "category": "canteen", "grade": "yellow"}, ensure_ascii=False
    )
    history[4] = "{broken"
    history[6] = json.dumps({"text": "加班费没发", "category": "pay", "grade": "urgent"}, ensure_ascii=False)
    with pytest.raises(CommandError) as caught:
        train(write(tmp_path / "bad.jsonl", history))
    message = str(caught.value)
    assert "第 3 行" in message and "canteen" in message
    assert "第 5 行" in message and "JSON" in message
    assert "第 7 行" in message and "urgent" in message
    assert "未保存" in message
    assert not SuggesterModel.objects.exists()


def test_train_suggester_refuses_too_little_history(tmp_path: Path) -> None:
    history = (DATA / "history.jsonl").read_text(encoding="utf-8").splitlines()[:5]
    with pytest.raises(CommandError, match="至少需要"):
        train(write(tmp_path / "few.jsonl", history))
    assert not SuggesterModel.objects.exists()
