"""`manage.py train_suggester --jsonl FILE`: train the learned suggester on confirmed history, lines
{"text": ..., "category": ..., "grade": ...}. Prints the held-out figures of the model and of the rules,
the learning curve (the rules and the blend at 50, 100, 200 and 400 labels) and whether the model is now in
use. Any bad line is reported with its number and nothing is saved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.insight.suggest.training import known_categories, row_problems, suggester_train

MAX_REPORTED = 50
FIGURES = (
    ("category_macro_f1", "类别宏平均 F1"),
    ("category_accuracy", "类别准确率"),
    ("grade_accuracy", "等级准确率"),
    ("red_recall", "红色召回率"),
    ("red_precision", "红色精确率"),
)


class Command(BaseCommand):
    help = "用已确认的历史诉求（JSONL：text、category、grade）训练分类建议模型，并与词典规则比较。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--jsonl", required=True, help='每行 {"text": ..., "category": ..., "grade": ...}'
        )

    def handle(self, *args: Any, jsonl: str, **options: Any) -> None:
        source = Path(jsonl)
        if not source.is_file():
            raise CommandError(f"文件不存在：{source}")
        categories = known_categories()
        rows: list[dict[str, Any]] = []
        problems: list[str] = []
        try:
            with source.open(encoding="utf-8") as lines:
                for number, line in enumerate(lines, start=1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as exc:
                        problems.append(f"第 {number} 行：不是有效的 JSON（{exc.msg}）")
                        continue
                    found = row_problems(row, categories)
                    problems.extend(f"第 {number} 行：{p}" for p in found)
                    if not found:
                        rows.append({"text": row["text"], "category": row["category"], "grade": row["grade"]})
        except UnicodeDecodeError:
            raise CommandError(f"{source} 不是 UTF-8 编码，请先转换为 UTF-8；未训练、未保存。") from None
        if problems:
            shown = problems[:MAX_REPORTED]
            more = [f"……另有 {len(problems) - len(shown)} 处错误"] if len(problems) > len(shown) else []
            raise CommandError("\n".join([f"{source} 有错误，未训练、未保存：", *shown, *more]))
        try:
            saved = suggester_train(rows=rows)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        model, rules = saved.metrics["model"], saved.metrics["rules"]
        self.stdout.write(
            f"模型 #{saved.pk}：训练 {saved.trained_on} 条，留出验证 {saved.held_out} 条，"
            f"耗时 {saved.metrics['fit_seconds']} 秒"
        )
        self.stdout.write(f"{'指标':<12}{'学习模型':>10}{'词典规则':>10}")
        for key, label in FIGURES:
            self.stdout.write(f"{label:<12}{model[key]:>10.3f}{rules[key]:>10.3f}")
        curve = saved.metrics.get("curve", [])
        if curve:
            self.stdout.write("学习曲线（同一批留出样本上的类别宏平均 F1 / 等级准确率）：")
            self.stdout.write(f"{'确认样本数':<8}{'词典规则':>16}{'规则+学习':>16}")
            for point in curve:
                rules_point, blend_point = point["rules"], point["blend"]
                self.stdout.write(
                    f"{point['labels']:<12}"
                    f"{rules_point['category_macro_f1']:>9.3f} / {rules_point['grade_accuracy']:.3f}"
                    f"{blend_point['category_macro_f1']:>9.3f} / {blend_point['grade_accuracy']:.3f}"
                )
        if saved.active:
            self.stdout.write("学习模型优于词典规则，已启用。")
        else:
            self.stdout.write("学习模型未优于词典规则，未启用；继续使用现有建议方式。")
