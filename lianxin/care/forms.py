"""Forms of the care pages: they only parse input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.care.codes import ContactKind, KeyLevel, KeyReason, Severity, ViolationKind

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control form-control-lg"})


class ContactForm(forms.Form):
    """A talk or visit: the people come as checked ids (my people, ?person=) or a typed number or name."""

    kind = forms.ChoiceField(
        label=_("方式"),
        choices=ContactKind.choices,
        initial=ContactKind.TALK,
        widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
    )
    date = forms.DateField(label=_("日期"), widget=DATE)
    people = forms.TypedMultipleChoiceField(
        label=_("谈话对象"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    lookup = forms.CharField(
        label=_("添加人员（工号或姓名）"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-lg", "list": "lx-care-people", "autocomplete": "off"}
        ),
    )
    due = forms.TypedMultipleChoiceField(
        label=_("本次完成的待办谈访"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    place = forms.CharField(
        label=_("地点"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    topic = forms.CharField(
        label=_("主题"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    summary = forms.CharField(
        label=_("内容摘要"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}),
        help_text=_("仅本人、所在支部书记及以上可见，每次查看都会留痕。"),
    )
    appeal_text = forms.CharField(
        label=_("代为提出诉求（可选）"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
    next_due = forms.DateField(label=_("下次联系日期（可选）"), required=False, widget=DATE)

    def __init__(
        self,
        *args: object,
        people_choices: list[tuple[int, str]],
        due_choices: list[tuple[int, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["people"].choices = people_choices  # type: ignore[attr-defined]
        self.fields["due"].choices = due_choices  # type: ignore[attr-defined]
        if not self.is_bound:
            self.fields["date"].initial = timezone.localdate()


class LifeEventForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("事件类型"), widget=forms.Select(attrs={"class": "form-select form-select-lg"})
    )
    date = forms.DateField(label=_("日期"), widget=DATE)
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: object, kinds: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        if not self.is_bound:
            self.fields["date"].initial = timezone.localdate()


TEXT = forms.TextInput(attrs={"class": "form-control"})
AREA = forms.Textarea(attrs={"class": "form-control", "rows": 3})
SELECT = forms.Select(attrs={"class": "form-select"})


class KeyFlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("原因类别"), choices=KeyReason.choices, widget=SELECT)
    level = forms.TypedChoiceField(label=_("关注等级"), choices=KeyLevel.choices, coerce=int, widget=SELECT)
    note = forms.CharField(label=_("说明"), required=False, widget=AREA)


class CarePlanForm(forms.Form):
    responsible = forms.TypedChoiceField(label=_("责任人"), coerce=int, widget=SELECT)
    cadence_days = forms.IntegerField(
        label=_("谈访周期（天）"), initial=14, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    goal = forms.CharField(label=_("帮扶目标"), required=False, widget=AREA)

    def __init__(self, *args: object, responsible: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["responsible"].choices = responsible  # type: ignore[attr-defined]


class StepForm(forms.Form):
    due_date = forms.DateField(label=_("计划日期"), widget=DATE)
    # Not "action": the pages' buttons already post that name.
    measure = forms.CharField(label=_("措施"), max_length=200, widget=TEXT)


class TextForm(forms.Form):
    """One text: a step's note, a plan's review or outcome, a referral's details."""

    text = forms.CharField(label=_("内容"), required=False, widget=AREA)


class ViolationForm(forms.Form):
    date = forms.DateField(label=_("违章日期"), widget=DATE)
    kind = forms.ChoiceField(label=_("类型"), choices=ViolationKind.choices, widget=SELECT)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices, widget=SELECT)
    reported_by_unit = forms.TypedChoiceField(label=_("通报部门"), coerce=int, widget=SELECT)
    helper = forms.TypedChoiceField(label=_("帮教人"), coerce=int, widget=SELECT)
    description = forms.CharField(label=_("情况"), required=False, max_length=500, widget=AREA)

    def __init__(
        self, *args: object, units: list[tuple[int, str]], helpers: list[tuple[int, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reported_by_unit"].choices = units  # type: ignore[attr-defined]
        self.fields["helper"].choices = helpers  # type: ignore[attr-defined]


class ReferralForm(forms.Form):
    consent = forms.BooleanField(
        label=_("本人已签署心理咨询单独同意书"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    version = forms.CharField(label=_("同意书版本"), initial="v1", max_length=20, widget=TEXT)
    details = forms.CharField(label=_("需要帮助的情况（仅心理咨询协调员可见）"), required=False, widget=AREA)
