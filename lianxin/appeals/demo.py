"""Appeals for the demo plant: every channel, every state, a red one, an overdue one and a reopened one,
all made through the services so that their events are the real thing."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel, State, Track
from lianxin.appeals.models import Appeal
from lianxin.org.models import InformantKind, Person, Role, RoleAssignment

# (category, grade, text): the words employees of a hydropower plant might use.
TEXTS: tuple[tuple[str, str, str], ...] = (
    ("pay", "yellow", "十月份的夜班补贴到现在还没有发，问了班长说等通知，想知道具体什么时候能发。"),
    ("pay", "orange", "我们班组五个人的加班费已经拖了两个月了，家里等着用钱，希望尽快解决。"),
    ("pay", "blue", "想咨询一下今年住房公积金缴存基数调整的政策，什么时候开始执行？"),
    ("career", "yellow", "我考取了中级职称证书快半年了，岗位聘任一直没有动静，请问是什么原因？"),
    ("career", "blue", "希望厂里多组织一些水轮机检修方面的技术培训，年轻人想多学点东西。"),
    ("safety", "orange", "3号机组水车室的照明坏了好几盏，晚上巡检看不清楚，存在安全隐患。"),
    ("safety", "yellow", "劳保鞋发下来尺码不全，有几个同事穿着不合脚的鞋上现场。"),
    ("conditions", "yellow", "值班宿舍的热水器坏了一周了，夜班下来没法洗澡。"),
    ("conditions", "blue", "建议食堂晚饭时间延长半小时，中班交班后赶不上吃饭。"),
    ("conditions", "yellow", "早上通勤班车太挤了，很多人只能站着，路上有一段山路不安全。"),
    ("conditions", "blue", "倒班排班表能不能提前一周公布，方便大家安排家里的事。"),
    ("hardship", "orange", "我母亲查出肺癌要做手术，手术费还差不少，想问问厂里有没有困难补助。"),
    ("hardship", "yellow", "孩子明年上小学，户口不在这边，想请组织帮忙咨询一下入学政策。"),
    ("wellbeing", "yellow", "最近连续倒夜班睡不好觉，白天精神很差，想找心理老师聊一聊。"),
    ("wellbeing", "yellow", "和班里一位老师傅闹了矛盾，现在天天一起上班很尴尬，不知道怎么办。"),
    ("conduct", "yellow", "考核打分不公开，感觉有些人平时不怎么干活分数反而高，希望公开评分标准。"),
    ("conduct", "orange", "反映物资采购中有人收受供应商好处的情况，有具体线索，希望保密处理。"),
    ("reform", "blue", "听说明年要搞机构改革，班组要合并，大家心里没底，希望领导给讲讲政策。"),
    ("reform", "yellow", "集控中心搬迁以后上班路程多了四十分钟，能不能增加班车或者给交通补贴？"),
    ("suggestion", "blue", "建议在大坝巡检通道加装几个应急呼叫按钮，一个人巡检时更安全。"),
    ("suggestion", "blue", "建议把设备缺陷登记改成手机扫码，现在纸质登记经常漏记。"),
    ("other", "blue", "感谢检修班上周连夜抢修2号机组，辛苦了，建议给予表扬。"),
)
RED_TEXT = "班里小王这几天说活着没意思，还把自己的东西都送人了，我很担心他，请组织赶紧关心一下。"

User = get_user_model()


def _user(username: str) -> Any:
    return User.objects.filter(username=username).first()


def _employee_users() -> list[Any]:
    ids = RoleAssignment.objects.filter(role=Role.EMPLOYEE).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def seed_demo_appeals(*, seed: int = 2026) -> int:
    """About thirty appeals spread over the last six weeks; returns how many were made."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    secretary, department = _user("secretary_yunxing"), _user("department")
    grid_member, informant = _user("grid_member"), _user("informant")
    if secretary is None or department is None:
        return 0
    people = list(Person.objects.filter(user__isnull=True).order_by("pk")[:200])
    employees = [p for p in (getattr(u, "person", None) for u in _employee_users()) if p is not None]
    now = timezone.now()
    made = 0

    def submit(text: str, *, days_ago: float, **kwargs: Any) -> Appeal:
        nonlocal made
        made += 1
        return s.appeal_submit(text=text, received_at=now - dt.timedelta(days=days_ago), **kwargs).appeal

    channels = [
        Channel.WEB,
        Channel.WEB,
        Channel.WEB,
        Channel.BOX,
        Channel.HOTLINE,
        Channel.TALK,
        Channel.SURVEY,
        Channel.EMAIL,
    ]
    for index, (category, grade, text) in enumerate(TEXTS):
        channel = channels[index % len(channels)]
        days_ago = rng.uniform(1, 40)
        if channel == Channel.WEB and index % 3 == 0:
            appeal = submit(text, days_ago=days_ago, channel=channel, anonymous=True)
        elif channel == Channel.WEB:
            who = employees[index % len(employees)] if employees and index < 4 else rng.choice(people)
            appeal = submit(text, days_ago=days_ago, channel=channel, submitter=who)
        else:
            entered = grid_member if channel in (Channel.TALK, Channel.BOX) else department
            appeal = submit(
                text, days_ago=days_ago, channel=channel, submitter=rng.choice(people), entered_by=entered
            )
        stage = index % 6
        if stage == 0:
            continue  # waits to be accepted
        supervisor = (
            secretary if appeal.track == Track.BRANCH and _supervises(secretary, appeal) else department
        )
        s.appeal_triage(appeal=appeal, actor=supervisor, category=category, grade=grade)
        if stage == 1:
            continue
        handler = grid_member if grid_member is not None and supervisor == secretary else supervisor
        s.appeal_assign(
            appeal=appeal,
            actor=supervisor,
            handler=handler,
            measure="了解情况，协调相关部门在时限内解决并答复本人。",
            deadline=None if appeal.closure_due and appeal.closure_due > now else now + dt.timedelta(days=3),
        )
        s.appeal_progress(appeal=appeal, actor=handler, text="已与相关部门沟通，正在落实。")
        if stage == 2:
            continue
        s.appeal_reply(appeal=appeal, actor=handler, text="经核实，问题已协调解决，具体情况已当面说明。")
        if stage == 3:
            continue
        rating = "dissatisfied" if stage == 5 and index % 2 else rng.choice(["very_satisfied", "satisfied"])
        appeal = s.appeal_rate(appeal=appeal, rating=rating, comment="")
        if appeal.state == State.RATED and stage == 4:
            s.appeal_close(appeal=appeal, actor=supervisor)

    # A red signal from an informant: alerts the secretary, the department and leadership at once.
    # The informant reports what they saw; the appeal names nobody, so the colleague never finds it in
    # "my appeals", and it goes to the informant's branch.
    informant_unit = RoleAssignment.objects.filter(user=informant, role=Role.INFORMANT).first()
    red = submit(
        RED_TEXT,
        days_ago=0.1,
        channel=Channel.INFORMANT,
        entered_by=informant,
        informant_kind=InformantKind.THOUGHT,
        unit=informant_unit.unit if informant_unit is not None else None,
    )
    s.appeal_triage(
        appeal=red,
        actor=secretary if _supervises(secretary, red) else department,
        category="wellbeing",
        grade="red",
    )
    # Overdue work for the escalation sweep to find.
    late = submit(
        "配电室门锁坏了半个月没人修，外人能随便进出。",
        days_ago=20,
        channel=Channel.WEB,
        submitter=rng.choice(people),
    )
    late_supervisor = secretary if _supervises(secretary, late) else department
    s.appeal_triage(appeal=late, actor=late_supervisor, category="safety", grade="yellow")
    s.appeals_escalate_overdue()
    return made


def _supervises(user: Any, appeal: Appeal) -> bool:
    from lianxin.appeals.scope import can_supervise

    return can_supervise(user, appeal)
