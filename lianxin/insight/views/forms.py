"""Forms of the warning pages: input checks only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lianxin.insight.codes import WarningLevel, WarningSource, WarningStatus

STATUS_ALL = "all"
STATUS_UNCLOSED = ""


class WarningFilterForm(forms.Form):
    level = forms.ChoiceField(
        label=_("等级"), required=False, choices=[("", _("全部")), *WarningLevel.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[(STATUS_UNCLOSED, _("未关闭")), *WarningStatus.choices, (STATUS_ALL, _("全部"))],
    )
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部")), *WarningSource.choices]
    )
    unit = forms.IntegerField(label=_("单位（含下级）"), required=False, min_value=1)


class WarningReportForm(forms.Form):
    level = forms.ChoiceField(label=_("预警等级"), choices=WarningLevel.choices)
    unit = forms.TypedChoiceField(label=_("单位"), coerce=int, required=False)
    employee_no = forms.CharField(
        label=_("人员工号"),
        required=False,
        max_length=32,
        help_text=_("针对个人的预警请填写工号；否则针对所选单位。"),
    )
    title = forms.CharField(label=_("标题"), max_length=200)
    note = forms.CharField(
        label=_("情况说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        if isinstance(unit_field, forms.TypedChoiceField):
            unit_field.choices = [("", _("（按人员所在单位）")), *units]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("unit") and not (data.get("employee_no") or "").strip():
            raise forms.ValidationError(_("请选择单位或填写人员工号。"))
        return data
