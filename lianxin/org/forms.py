"""Forms for the organisation pages; they only check shape, the services enforce the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lianxin.org.models import CorrectionRequest, Person


def correctable_field_choices() -> list[tuple[str, str]]:
    fields = (Person._meta.get_field(name) for name in CorrectionRequest.CORRECTABLE_FIELDS)
    return [(field.name, str(getattr(field, "verbose_name", field.name))) for field in fields]


class CorrectionRequestForm(forms.Form):
    field = forms.ChoiceField(
        label=_("要更正的项目"),
        choices=correctable_field_choices,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "required": _("请选择要更正的项目。"),
            "invalid_choice": _("该字段不能在线申请更正。"),
        },
    )
    proposed_value = forms.CharField(
        label=_("更正为"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": _("请填写更正后的内容。"), "max_length": _("内容过长。")},
    )
    reason = forms.CharField(
        label=_("理由"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"max_length": _("内容过长。")},
    )


class CorrectionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理结果"),
        choices=[("accept", _("采纳")), ("decline", _("不予采纳"))],
        error_messages={"required": _("请选择处理结果。"), "invalid_choice": _("请选择处理结果。")},
    )
    reason = forms.CharField(
        label=_("处理意见"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("内容过长。")},
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("decision") == "decline" and not str(data.get("reason") or "").strip():
            self.add_error("reason", _("不予采纳时请说明理由。"))
        return data
