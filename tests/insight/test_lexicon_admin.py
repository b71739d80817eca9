"""Administrators edit the lexicon: a broken regular expression or a rule pointing nowhere is refused
with a clear message and saves nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from lianxin.insight.models import LexiconRule

pytestmark = pytest.mark.django_db


def test_a_broken_regular_expression_is_refused() -> None:
    rule = LexiconRule(kind=LexiconRule.Kind.REGEX, pattern="(不想活", grade="red")
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    assert "正则表达式有误" in str(caught.value.message_dict["pattern"])


def test_a_rule_must_point_to_a_category_or_a_grade() -> None:
    with pytest.raises(ValidationError) as caught:
        LexiconRule(kind=LexiconRule.Kind.KEYWORD, pattern="班车").full_clean()
    assert "至少指定类别或等级" in str(caught.value)
    LexiconRule(kind=LexiconRule.Kind.KEYWORD, pattern="摆渡船", category="conditions").full_clean()
