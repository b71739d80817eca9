"""Forms of the consultation pages: they only parse input; the services decide what is allowed, so an empty
decision or minutes reaches the service and is refused there with its own message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.selectors import display_name
from lianxin.consult.models import ItemSource, MeetingKind

DATE_ATTRS = {"type": "date", "class": "form-control"}


class PeopleChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class MeetingForm(forms.Form):
    unit = forms.TypedChoiceField(
        label=_("召开单位"), coerce=int, widget=forms.Select(attrs={"class": "form-select"})
    )
    kind = forms.ChoiceField(
        label=_("会议类型"),
        choices=MeetingKind.choices,
        initial=MeetingKind.WEEKLY,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    date = forms.DateField(label=_("会议日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs=DATE_ATTRS))
    title = forms.CharField(
        label=_("会议名称（可不填）"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = units  # type: ignore[attr-defined]
        if not self.is_bound:
            self.fields["date"].initial = timezone.localdate()


class ItemForm(forms.Form):
    source = forms.ChoiceField(choices=ItemSource.choices)
    ref = forms.IntegerField(required=False, min_value=1)
    title = forms.CharField(
        label=_("其他议题"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class AttendeesForm(forms.Form):
    attendees = PeopleChoice(
        label=_("参会人员"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    """The people come as a list loaded once for the page, so each agenda item's form adds no query."""

    text = forms.CharField(
        label=_("决定事项"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
    responsible = forms.TypedChoiceField(
        label=_("责任人"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    due = forms.DateField(
        label=_("完成时限"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs=DATE_ATTRS)
    )

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._people = {int(u.pk): u for u in people}
        choices = [("", _("请选择")), *((u.pk, display_name(u)) for u in people)]
        self.fields["responsible"].choices = choices  # type: ignore[attr-defined]

    def responsible_user(self) -> Any:
        return self._people.get(self.cleaned_data.get("responsible") or 0)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("会议纪要"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 6}),
    )
