"""Early warnings for the demo plant: the rule scan over the demo's appeals, key people and talks (one talk
carries a red phrase), a secretary's own report, and the work on them: one taken up and assigned with a
disposal note, one closed with its outcome. Everything goes through the services."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lianxin.care import services as care
from lianxin.care.codes import ContactKind
from lianxin.insight.codes import WarningLevel, WarningStatus
from lianxin.insight.models import SuggesterModel, Warning
from lianxin.insight.suggest.training import suggester_train
from lianxin.insight.warnings import (
    can_supervise_warning,
    responsible_candidates,
    warning_assign,
    warning_close,
    warning_note,
    warning_report,
    warning_take_up,
)
from lianxin.insight.watch import watch_scan
from lianxin.org.models import PersonStatus, Unit
from lianxin.org.scope import people_visible_to

RED_TALK = "谈话中他说最近觉得活着没意思，晚上睡不着，还说不想再拖累家里人。已约定明天再谈，并告知支部书记。"


def _user(username: str) -> Any:
    return get_user_model().objects.filter(username=username).first()


@transaction.atomic
def seed_demo_insight(*, seed: int = 2026) -> dict[str, int]:
    """Returns how many warnings there are per level after the scan and the demo's own work."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    grid_member, secretary = _user("grid_member"), _user("secretary_yunxing")
    department = _user("department")
    if grid_member is None or secretary is None:
        return {}
    # A talk whose summary the lexicon grades red: the scan warns about the person, never copying it.
    people = list(people_visible_to(grid_member).exclude(status=PersonStatus.LEFT).order_by("pk")[:20])
    if people:
        care.contact_record(
            actor=grid_member,
            kind=ContactKind.TALK,
            date=timezone.localdate(),
            people=[rng.choice(people)],
            place="中控室休息间",
            topic="情绪状况",
            summary=RED_TALK,
        )
    now = timezone.now()
    watch_scan(now=now)

    # A secretary's own report of an early sign in a unit of the branch.
    unit = _secretary_unit(secretary)
    if unit is not None:
        warning_report(
            actor=secretary,
            level=WarningLevel.BLUE,
            unit=unit,
            title="倒班调整方案公布后班组议论较多",
            note="近两周交接班时多名职工议论新倒班方案，暂无过激言行，建议纳入月度思想动态分析。",
        )

    open_warnings = list(
        Warning.objects.filter(status=WarningStatus.OPEN).select_related("unit").order_by("opened_at", "pk")
    )
    # Taken up by the secretary, assigned to a grid member or the secretary, with a disposal note.
    taken = next(
        (w for w in open_warnings if w.level == WarningLevel.ORANGE and can_supervise_warning(secretary, w)),
        None,
    )
    if taken is not None:
        warning_take_up(warning=taken, actor=secretary)
        helper = (
            grid_member if responsible_candidates(taken).filter(pk=grid_member.pk).exists() else secretary
        )
        warning_assign(
            warning=taken, actor=secretary, responsible=helper, note="本周内上门走访，了解实际困难。"
        )
        warning_note(warning=taken, actor=helper, text="已电话联系本人，约定周五上门走访。")
    # Closed with its outcome by whoever supervises it.
    closable = [
        w for w in open_warnings if w != taken and w.level in (WarningLevel.ORANGE, WarningLevel.YELLOW)
    ]
    if closable:
        closing = closable[0]
        closer = secretary if can_supervise_warning(secretary, closing) else department
        if closer is not None and can_supervise_warning(closer, closing):
            warning_note(warning=closing, actor=closer, text="已与当事人当面沟通，协调相关部门落实。")
            warning_close(
                warning=closing,
                actor=closer,
                outcome="问题已协调解决，当事人表示满意，转入日常谈心谈话关注。",
            )
    return {
        level: Warning.objects.filter(level=level).count()
        for level in (WarningLevel.RED, WarningLevel.ORANGE, WarningLevel.YELLOW, WarningLevel.BLUE)
    }


def _secretary_unit(secretary: Any) -> Unit | None:
    from lianxin.org.models import Role, RoleAssignment

    grant = RoleAssignment.objects.filter(user=secretary, role=Role.SECRETARY).select_related("unit").first()
    return grant.unit if grant is not None else None


# The plant's confirmed history of triaged appeals (the same file the suggester's quality tests learn from).
DEMO_HISTORY = Path(__file__).resolve().parents[2] / "tests" / "insight" / "data" / "history.jsonl"


def train_demo_suggester() -> SuggesterModel | None:
    """Train the demo's suggester model on the plant's confirmed history, so the administrators' page shows
    a model with its measured quality against the rules (it is used only if it beats them)."""
    if not DEMO_HISTORY.is_file():
        return None
    rows = [
        json.loads(line) for line in DEMO_HISTORY.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return suggester_train(rows=rows)
