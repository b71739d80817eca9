"""Bad input to train_suggester and train_red_model is refused with a message, nothing saved or written."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lianxin.insight.models import SuggesterModel
from tests.insight.test_commands import DATA, train, write

pytestmark = pytest.mark.django_db


def test_train_suggester_reports_a_list_or_object_label_by_its_line(tmp_path: Path) -> None:
    history = (DATA / "history.jsonl").read_text(encoding="utf-8").splitlines()[:300]
    history[1] = json.dumps({"text": "加班费没发", "category": ["pay"], "grade": "red"}, ensure_ascii=False)
    history[3] = json.dumps({"text": "加班费没发", "category": "pay", "grade": {"v": 1}}, ensure_ascii=False)
    with pytest.raises(CommandError) as caught:
        train(write(tmp_path / "bad.jsonl", history))
    message = str(caught.value)
    assert "第 2 行" in message and "第 4 行" in message and "未保存" in message
    assert not SuggesterModel.objects.exists()


def test_train_red_model_refuses_a_folder_without_the_real_sources_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "sos_dev.jsonl").write_text('{"text": "x", "level": 7}\n', encoding="utf-8")
    out = tmp_path / "red.json"
    with pytest.raises(CommandError, match="missing") as caught:
        call_command("train_red_model", real=str(tmp_path), out=str(out), stdout=StringIO())
    assert "gov_dev.jsonl" in str(caught.value)
    assert not out.exists()


def test_train_red_model_refuses_unreadable_rows_and_writes_nothing(tmp_path: Path) -> None:
    for name in ("sos_dev.jsonl", "die_dev.jsonl", "weibo_dev.jsonl", "gov_dev.jsonl", "cold_dev.jsonl"):
        (tmp_path / name).write_text('{"text": "x"}\n', encoding="utf-8")  # no level, no label
    out = tmp_path / "red.json"
    with pytest.raises(CommandError, match="could not fit"):
        call_command("train_red_model", real=str(tmp_path), out=str(out), stdout=StringIO())
    assert not out.exists()


def test_a_file_not_in_utf8_is_refused_with_a_message(tmp_path: Path) -> None:
    """Ledgers exported from Excel are often GBK: both commands say so and leave nothing behind."""
    source = tmp_path / "gbk.jsonl"
    source.write_bytes(
        json.dumps({"id": 1, "text": "食堂饭菜太差"}, ensure_ascii=False).encode("gbk") + b"\n"
    )
    out = tmp_path / "out.jsonl"
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("suggest", jsonl=str(source), out=str(out), stdout=StringIO(), stderr=StringIO())
    assert list(tmp_path.iterdir()) == [source]
    with pytest.raises(CommandError, match="UTF-8"):
        train(source)
    assert not SuggesterModel.objects.exists()
