"""Shared data of the consultation tests: in branch A an open warning, an overdue appeal and a red appeal;
in branch B the same kinds, which branch A's meeting must never see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel
from lianxin.appeals.models import Appeal
from lianxin.consult import services as cs
from lianxin.consult.models import Meeting
from lianxin.insight.codes import TargetKind, WarningLevel, WarningSource
from lianxin.insight.models import Warning
from lianxin.insight.warnings import warning_raise
from lianxin.org.models import Unit
from tests.factories import Org


def raise_warning(unit: Unit, title: str, level: str = WarningLevel.ORANGE, key: str = "") -> Warning:
    warning, _new = warning_raise(
        level=level,
        source=WarningSource.MANUAL,
        rule="manual",
        target_kind=TargetKind.UNIT,
        unit=unit,
        title=title,
        dedupe_key=key or f"test:{unit.pk}:{title}",
    )
    return warning


def appeal(
    org: Org, text: str, *, grade: str = "yellow", submitter: Any = None, anonymous: bool = False
) -> Appeal:
    fields: dict[str, Any] = {"channel": Channel.WEB}
    if anonymous:
        fields.update(anonymous=True, unit=org.grid_a1)
    else:
        fields["submitter"] = submitter or org.employee_person
    made = s.appeal_submit(text=text, **fields).appeal
    return s.appeal_triage(appeal=made, actor=org.leader, category="conditions", grade=grade)


def make_overdue(target: Appeal) -> Appeal:
    target.closure_due = timezone.now() - dt.timedelta(days=2)
    target.save(update_fields=["closure_due"])
    return target


@dataclass
class Scene:
    org: Org
    warning: Warning
    overdue: Appeal
    red: Appeal
    fresh: Appeal  # open, yellow, not overdue: not a candidate
    closed_warning: Warning
    other_warning: Warning  # branch B
    other_overdue: Appeal  # branch B
    other_red: Appeal  # branch B


@pytest.fixture
def scene(org: Org) -> Scene:
    warning = raise_warning(org.grid_a1, "运行一班连续三周反映班车拥挤", WarningLevel.ORANGE)
    closed_warning = raise_warning(org.grid_a2, "已处置的预警", WarningLevel.YELLOW)
    closed_warning.status = "closed"
    closed_warning.save(update_fields=["status"])
    return Scene(
        org=org,
        warning=warning,
        overdue=make_overdue(appeal(org, "宿舍热水器坏了一周了，夜班下来没法洗澡。")),
        red=appeal(org, "同事说活着没意思，把东西都送人了，请赶紧关心一下。", grade="red"),
        fresh=appeal(org, "建议食堂晚饭时间延长半小时。", grade="blue"),
        closed_warning=closed_warning,
        other_warning=raise_warning(org.grid_b1, "检修一班加班过多", WarningLevel.RED),
        other_overdue=make_overdue(appeal(org, "检修班劳保鞋尺码不全。", submitter=org.stranger)),
        other_red=appeal(org, "检修班有人说要去集体上访。", grade="red", submitter=org.stranger),
    )


def planned(scene: Scene, **extra: Any) -> Meeting:
    fields: dict[str, Any] = {
        "actor": scene.org.secretary_a,
        "unit": scene.org.branch_a,
        "kind": "weekly",
        "date": timezone.localdate(),
        **extra,
    }
    return cs.meeting_plan(**fields)
