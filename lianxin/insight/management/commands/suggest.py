"""`manage.py suggest --jsonl IN --out OUT`: suggest a category, a grade and the evidence for each line
{"id": ..., "text": ...} of IN, for migrating historical ledgers and for evaluation.

Lines are read and written one at a time. The output goes to a temporary file beside OUT that replaces OUT
only when every line was good; bad lines are reported with their numbers and nothing is written."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.insight.suggest.engine import current_engine

MAX_REPORTED = 50


class Command(BaseCommand):
    help = "为 JSONL 文件中的每条诉求建议类别、等级及依据词语（建议须由办理人确认）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jsonl", required=True, help='输入文件，每行 {"id": ..., "text": ...}')
        parser.add_argument("--out", required=True, help="输出文件，每行 id、category、grade、evidence")

    def handle(self, *args: Any, jsonl: str, out: str, **options: Any) -> None:
        source = Path(jsonl)
        target = Path(out)
        if not source.is_file():
            raise CommandError(f"输入文件不存在：{source}")
        if not target.parent.is_dir():
            raise CommandError(f"输出目录不存在：{target.parent}")
        engine = current_engine()
        problems: list[str] = []
        written = 0
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        try:
            with source.open(encoding="utf-8") as lines, os.fdopen(handle, "w", encoding="utf-8") as sink:
                for number, line in enumerate(lines, start=1):
                    if not line.strip():
                        continue
                    item, problem = _parse(line)
                    if problem:
                        problems.append(f"第 {number} 行：{problem}")
                        continue
                    if problems:
                        continue  # nothing will be kept; only look for further bad lines
                    found = engine.suggest(item["text"])
                    record = {
                        "id": item["id"],
                        "category": found.category,
                        "grade": found.grade,
                        "evidence": list(found.evidence),
                    }
                    sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                    written += 1
            if problems:
                raise CommandError(_report(problems, source))
            os.replace(temp_name, target)
        except UnicodeDecodeError:
            Path(temp_name).unlink(missing_ok=True)
            raise CommandError(f"{source} 不是 UTF-8 编码，请先转换为 UTF-8；未写出任何结果。") from None
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        model = f"学习模型 #{engine.model_id}" if engine.model_id else "词典规则"
        self.stderr.write(f"已写入 {written} 条建议到 {target}（{model}）。")


def _parse(line: str) -> tuple[dict[str, Any], str]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {}, f"不是有效的 JSON（{exc.msg}）"
    if not isinstance(item, dict):
        return {}, "不是 JSON 对象"
    if "id" not in item or item["id"] is None:
        return {}, "缺少 id"
    if not isinstance(item.get("text"), str):
        return {}, "缺少内容（text）"
    return item, ""


def _report(problems: list[str], source: Path) -> str:
    shown = problems[:MAX_REPORTED]
    more = len(problems) - len(shown)
    tail = [f"……另有 {more} 行有误"] if more else []
    return "\n".join([f"{source} 有 {len(problems)} 行无法处理，未写出任何结果：", *shown, *tail])
