"""Forms for the handling actions. They only read input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.codes import Grade, Rating, Track
from lianxin.appeals.models import MAX_TEXT, Category


class UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        person = getattr(obj, "person", None)
        name = person.name if person is not None else (obj.get_full_name() or obj.get_username())
        return f"{name}（{obj.get_username()}）"


class UsersChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return UserChoiceField.label_from_instance(self, obj)  # type: ignore[arg-type]


def _text(label: Any, *, rows: int = 3, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=MAX_TEXT,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows, "class": "form-control"}),
    )


class TriageForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=Category.objects.filter(active=True).order_by("order", "code"),
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    # A blank first choice: a select without one shows (and submits) its first grade, which is red.
    grade = forms.ChoiceField(
        label=_("等级"),
        choices=[("", _("请选择等级")), *Grade.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    track = forms.ChoiceField(
        label=_("办理轨道"), choices=Track.choices, widget=forms.Select(attrs={"class": "form-select"})
    )


class AssignForm(forms.Form):
    handler = UserChoiceField(
        label=_("责任人"),
        queryset=get_user_model().objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    measure = _text(_("措施"))
    deadline = forms.DateTimeField(
        label=_("办结时限"),
        required=False,
        help_text=_("留空则按等级时限计算"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    co_handlers = UsersChoiceField(
        label=_("协办人"),
        required=False,
        queryset=get_user_model().objects.none(),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 4}),
    )

    def __init__(self, *args: Any, users: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = users  # type: ignore[attr-defined]
        self.fields["co_handlers"].queryset = users  # type: ignore[attr-defined]


class TransferForm(forms.Form):
    handler = UserChoiceField(
        label=_("新责任人"),
        queryset=get_user_model().objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reason = _text(_("转办原因"), rows=2)

    def __init__(self, *args: Any, users: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = users  # type: ignore[attr-defined]


class ProgressForm(forms.Form):
    text = _text(_("办理进展"))
    public = forms.BooleanField(
        label=_("诉求人可见"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class NoteForm(forms.Form):
    text = _text(_("内部备注"), rows=2)


class ReplyForm(forms.Form):
    text = _text(_("答复内容"), rows=4)


class ReturnVisitForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("回访满意度"), choices=Rating.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    text = _text(_("回访情况"), rows=2)


class CloseForm(forms.Form):
    pass


class ReopenForm(forms.Form):
    reason = _text(_("重新办理原因"), rows=2)


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("合并到诉求编号"),
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("说明"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
