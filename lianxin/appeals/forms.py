"""Intake and follow-up forms: they check shape and give Chinese messages; the services enforce the rules."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.attachments import MAX_FILES, max_bytes
from lianxin.appeals.codes import STAFF_CHANNELS, Rating
from lianxin.appeals.models import MAX_TEXT
from lianxin.org.models import Unit

TEXT_ERRORS = {
    "required": _("请填写诉求内容，内容不能为空。"),
    "max_length": _("内容不能超过 %(limit_value)d 个字（现在是 %(show_value)d 个字）。"),
}
ACCEPT = "image/jpeg,image/png,image/webp,image/gif,application/pdf"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Up to MAX_FILES files; each is checked by lianxin.appeals.attachments before anything is saved."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"class": "form-control form-control-lg", "accept": ACCEPT})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in files if item]


def _text_field(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("诉求内容"),
        max_length=MAX_TEXT,
        error_messages=TEXT_ERRORS,
        widget=forms.Textarea(
            attrs={"rows": 6, "class": "form-control form-control-lg", "maxlength": MAX_TEXT}
        ),
    )


def _attachments_field() -> MultipleFileField:
    return MultipleFileField(label=_("附件（可选）"))


def _describe_attachments(form: forms.Form) -> None:
    # Drawn per request: the limit comes from settings and the text from the active language.
    field = form.fields.get("attachments")
    if field is not None:
        template = gettext("最多 %(n)d 个，每个不超过 %(mb)d MB；只接受 JPEG、PNG、WebP、GIF 图片和 PDF。")
        field.help_text = template % {"n": MAX_FILES, "mb": max_bytes() // (1024 * 1024)}


class _KeyedForm(forms.Form):
    """A fresh idempotency key each time the form is drawn: submitting the same page twice is one appeal."""

    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("页面已过期，请刷新后重新提交。"),
            "invalid": _("页面已过期，请刷新后重新提交。"),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _describe_attachments(self)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())


class EmployeeAppealForm(_KeyedForm):
    NAMED, ANONYMOUS = "named", "anonymous"

    identity = forms.ChoiceField(
        label=_("提交方式"),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("请选择实名或匿名。"), "invalid_choice": _("请选择实名或匿名。")},
    )
    route_to_branch = forms.BooleanField(
        label=_("匿名时交给我所在的支部办理"),
        required=False,
        help_text=_("不勾选时由公司党群工作部办理。交给支部更快，但支部人数少时，别人可能据此猜出是谁。"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    text = _text_field()
    attachments = _attachments_field()

    def __init__(self, *args: Any, can_be_named: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(self.ANONYMOUS, _("匿名：办理人员看不到您是谁，凭回执码查看进展"))]
        if can_be_named:
            choices.insert(0, (self.NAMED, _("实名：办理人员知道是您提出的，可在“我的诉求”中查看进展")))
            self.initial.setdefault("identity", self.NAMED)
        else:
            self.initial["identity"] = self.ANONYMOUS
            del self.fields["route_to_branch"]  # without a file there is no branch to route to
        identity: Any = self.fields["identity"]
        identity.choices = choices


def branch_choices() -> Any:
    return Unit.objects.filter(kind__is_branch=True).order_by("path")


class PublicAppealForm(_KeyedForm):
    branch = forms.ModelChoiceField(
        label=_("交给哪个支部办理（可选）"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("不指定：由公司党群工作部办理"),
        help_text=_("指定支部办理更快，但支部人数少时，别人可能据此猜出是谁。"),
        widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
        error_messages={"invalid_choice": _("请选择列表中的支部。")},
    )
    text = _text_field()
    attachments = _attachments_field()

    def __init__(self, *args: Any, branches: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["branch"]
        field.queryset = branches if branches is not None else branch_choices()


class StaffAppealForm(PublicAppealForm):
    channel = forms.ChoiceField(
        label=_("来源渠道"),
        choices=[(c.value, c.label) for c in STAFF_CHANNELS],
        widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
        error_messages={"required": _("请选择来源渠道。"), "invalid_choice": _("请选择列表中的渠道。")},
    )
    employee_no = forms.CharField(
        label=_("诉求人工号"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg", "autocomplete": "off"}),
        error_messages={"max_length": _("工号过长。")},
    )
    anonymous = forms.BooleanField(
        label=_("匿名（例如未署名的意见箱纸条）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    field_order = ["channel", "employee_no", "anonymous", "branch", "text", "attachments"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = (data.get("employee_no") or "").strip()
        data["employee_no"] = number
        if data.get("anonymous") and number:
            self.add_error("employee_no", _("匿名诉求不能填写工号。"))
        elif not data.get("anonymous") and not number:
            self.add_error("employee_no", _("请填写诉求人工号，或勾选匿名。"))
        return data


class InformantAppealForm(_KeyedForm):
    text = _text_field(_("报送内容"))
    attachments = _attachments_field()


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("回执码"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX-XXXX-XXXX-XXXX-XXXX",
            }
        ),
        error_messages={"required": _("请输入回执码。"), "max_length": _("回执码格式不正确。")},
    )


class AddInfoForm(forms.Form):
    text = _text_field(_("补充内容"))
    attachments = _attachments_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _describe_attachments(self)


class RateForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("满意度"),
        choices=Rating.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("请选择满意度。"), "invalid_choice": _("请选择满意度。")},
    )
    comment = forms.CharField(
        label=_("评价意见（可选）"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control form-control-lg"}),
        error_messages={"max_length": _("内容过长。")},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回原因（可选）"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg"}),
        error_messages={"max_length": _("内容过长。")},
    )
