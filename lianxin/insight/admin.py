"""Insight configuration in the Django admin: disposal principles per warning level and the lexicon of
the triage suggester, edited by system administrators (the appeals' ConfigAdmin rules apply); the trained
suggesters with their measured accuracy against the rules and their learning curve, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.admin import ConfigAdmin
from lianxin.insight.models import DisposalPrinciple, LexiconRule, SuggesterModel


@admin.register(DisposalPrinciple)
class DisposalPrincipleAdmin(ConfigAdmin):
    list_display = ["level", "respond_hours", "notify_leadership"]


@admin.register(LexiconRule)
class LexiconRuleAdmin(ConfigAdmin):
    list_display = ["pattern", "kind", "category", "grade", "weight", "active"]
    list_filter = ["category", "grade", "kind", "active"]
    list_editable = ["weight", "active"]
    search_fields = ["pattern", "note"]


def _figure(model: SuggesterModel, side: str, key: str) -> str:
    value = (model.metrics or {}).get(side, {}).get(key)
    return f"{value:.3f}" if isinstance(value, int | float) else "—"


@admin.register(SuggesterModel)
class SuggesterModelAdmin(ConfigAdmin):
    """Trained suggesters with what was measured on held-out confirmed appeals, the model against the rules
    on the same rows. Read-only: models come from training, which alone decides which one is in use."""

    list_display = [
        "trained_at",
        "trained_on",
        "held_out",
        "model_f1",
        "rules_f1",
        "model_grade",
        "rules_grade",
        "rules_red_recall",
        "in_use",
    ]
    fields = ("trained_at", "trained_on", "held_out", "in_use", "figures", "learning_curve")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[SuggesterModel]:
        return super().get_queryset(request).defer("blob")

    @admin.display(description=_("类别F1（模型）"))
    def model_f1(self, obj: SuggesterModel) -> str:
        return _figure(obj, "model", "category_macro_f1")

    @admin.display(description=_("类别F1（词典规则）"))
    def rules_f1(self, obj: SuggesterModel) -> str:
        return _figure(obj, "rules", "category_macro_f1")

    @admin.display(description=_("等级准确率（模型）"))
    def model_grade(self, obj: SuggesterModel) -> str:
        return _figure(obj, "model", "grade_accuracy")

    @admin.display(description=_("等级准确率（词典规则）"))
    def rules_grade(self, obj: SuggesterModel) -> str:
        return _figure(obj, "rules", "grade_accuracy")

    @admin.display(description=_("红色召回率（词典规则）"))
    def rules_red_recall(self, obj: SuggesterModel) -> str:
        return _figure(obj, "rules", "red_recall")

    @admin.display(description=_("当前使用"))
    def in_use(self, obj: SuggesterModel) -> str:
        return str(_("学习模型（优于词典规则）") if obj.active else _("未使用"))

    @admin.display(description=_("留出验证结果"))
    def figures(self, obj: SuggesterModel) -> str:
        rows = [
            (_("类别宏平均F1"), "category_macro_f1"),
            (_("类别准确率"), "category_accuracy"),
            (_("等级准确率"), "grade_accuracy"),
            (_("红色召回率"), "red_recall"),
            (_("红色精确率"), "red_precision"),
        ]
        return format_html(
            "<table><tr><th></th><th>{}</th><th>{}</th></tr>{}</table>",
            _("学习模型"),
            _("词典规则"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((label, _figure(obj, "model", key), _figure(obj, "rules", key)) for label, key in rows),
            ),
        )

    @admin.display(description=_("学习曲线"))
    def learning_curve(self, obj: SuggesterModel) -> str:
        """The rules alone and the blend fitted on 50, 100, 200 and 400 confirmed labels, all measured on
        the same held-out confirmed appeals: a sentence, then a small table."""
        points = [p for p in (obj.metrics or {}).get("curve", []) if isinstance(p, dict)]
        if not points:
            return str(_("本模型训练时确认样本不足 50 条，没有学习曲线。"))
        return format_html(
            "<p>{}</p><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            curve_sentence(points, obj.held_out),
            _("确认样本数"),
            _("类别F1（词典规则）"),
            _("类别F1（规则+学习）"),
            _("等级准确率（词典规则）"),
            _("等级准确率（规则+学习）"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        p["labels"],
                        _number(p["rules"]["category_macro_f1"]),
                        _number(p["blend"]["category_macro_f1"]),
                        _number(p["rules"]["grade_accuracy"]),
                        _number(p["blend"]["grade_accuracy"]),
                    )
                    for p in points
                ),
            ),
        )


def _number(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else "—"


def curve_sentence(points: list[dict[str, Any]], held_out: int) -> str:
    """The learning curve in words: where the rules stand, and what the labels added."""
    rules = points[0]["rules"]["category_macro_f1"]
    steps = "，".join(
        str(_("%(n)d 条后为 %(f1)s") % {"n": p["labels"], "f1": _number(p["blend"]["category_macro_f1"])})
        for p in points
    )
    last = points[-1]
    gain = last["blend"]["category_macro_f1"] - rules
    verdict = (
        _("学习 %(n)d 条后比词典规则高 %(gain)s。") % {"n": last["labels"], "gain": f"{gain:.3f}"}
        if gain > 0
        else _("学习 %(n)d 条后仍未超过词典规则。") % {"n": last["labels"]}
    )
    return str(
        _("在 %(held)d 条留出的已确认诉求上，仅用词典规则时类别宏平均F1为 %(rules)s；用本单位确认样本学习，")
        % {"held": held_out, "rules": _number(rules)}
        + steps
        + "。"
        + verdict
    )
