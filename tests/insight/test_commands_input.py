"""Bad input to train_suggester and build_red_lexicon is refused with a message, nothing saved or written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError

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
