"""Care work for the demo plant: three months of talks and visits, life events with their due items (done,
open and overdue), key people with care plans, a 三违 case and a counselling referral, all through the
services so that due items, fulfilment and escalation are the real thing."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lianxin.care import plans, services
from lianxin.care.codes import (
    ConsentPurpose,
    ContactKind,
    EventSource,
    KeyLevel,
    KeyReason,
    Severity,
    ViolationKind,
    ViolationStepKind,
)
from lianxin.care.models import CarePlanStep
from lianxin.care.selectors import my_people
from lianxin.org.models import Person, PersonStatus, Unit
from lianxin.org.scope import own_person_id, people_visible_to

User = get_user_model()

# (kind, place, topic, summary): what grid members and secretaries of a hydropower plant talk about.
TALKS: tuple[tuple[str, str, str, str], ...] = (
    (
        ContactKind.TALK,
        "中控室休息间",
        "倒班作息",
        "连续夜班后睡眠不好，白天头晕。已建议调整轮休，并提醒注意饮食。",
    ),
    (
        ContactKind.TALK,
        "班组学习室",
        "岗位技能提升",
        "想考水轮机检修中级工，缺少复习资料。已联系技培中心借阅教材。",
    ),
    (
        ContactKind.HOME_VISIT,
        "职工家中",
        "家庭近况",
        "爱人在县城上班，两地通勤辛苦，孩子由老人照看。情绪总体平稳。",
    ),
    (ContactKind.PHONE, "", "子女入学", "孩子明年上小学，户口不在本地，担心入学。已告知可向工会咨询政策。"),
    (
        ContactKind.TALK,
        "大坝巡检通道",
        "安全思想动态",
        "对近期两票执行检查有些抵触，经沟通认识到规范操作的必要性。",
    ),
    (
        ContactKind.GROUP_TALK,
        "运行一值会议室",
        "机构改革",
        "班组合并传闻较多，大家心里没底。已讲解改革方案和人员安置原则。",
    ),
    (ContactKind.TALK, "厂区食堂", "同事关系", "与老师傅在交接班时有分歧，已分别谈话，双方同意按规程交接。"),
    (
        ContactKind.HOME_VISIT,
        "职工家中",
        "老人赡养",
        "父亲中风后行动不便，本人压力较大。已告知困难帮扶申请流程。",
    ),
    (ContactKind.PHONE, "", "休假安排", "春节想回老家探亲，担心排班冲突。已协调与同组人员调换班次。"),
    (
        ContactKind.TALK,
        "集控中心",
        "通勤与补贴",
        "集控中心搬迁后通勤多四十分钟，希望增加班车。已记录并向综合部反映。",
    ),
    (
        ContactKind.HOSPITAL_VISIT,
        "县人民医院",
        "病后恢复",
        "阑尾炎手术后恢复良好，关心复工时间。已转达班组问候，嘱安心休养。",
    ),
    (
        ContactKind.TALK,
        "检修车间",
        "职业发展",
        "对职称聘任进度有疑问，已解释今年聘任时间安排，本人表示理解。",
    ),
)

# (event kind, days ago, by the grid member?, then: "done" with the kind that fulfils it, "open", "late")
EVENTS: tuple[tuple[str, int, bool, str], ...] = (
    ("job_change", 40, True, ContactKind.TALK),
    ("newly_joined", 20, True, ContactKind.TALK),
    ("hospitalised", 10, True, ContactKind.HOSPITAL_VISIT),
    ("childbirth", 30, True, ContactKind.HOME_VISIT),
    ("conflict", 15, False, ContactKind.TALK),
    ("family_wedding_funeral", 4, True, "open"),  # a bereavement: the visit is still to come
    ("commended", 1, False, "open"),
    ("task_failure", 3, True, "open"),
    ("retirement", 5, False, "open"),
    ("discipline", 2, False, "open"),
    ("mood_change", 8, True, "late"),  # just past its deadline: the secretary is told
    ("family_hardship", 12, False, "late"),  # days past it: up to leadership
)
EVENT_NOTES = {
    "job_change": "由运行值班员调任集控中心副值",
    "newly_joined": "应届毕业生，分配至运行一值",
    "hospitalised": "急性阑尾炎住院手术",
    "childbirth": "爱人顺产一子",
    "conflict": "交接班时与同事发生争执",
    "family_wedding_funeral": "父亲病故",
    "commended": "获评年度安全生产先进个人",
    "task_failure": "机组检修工期未按计划完成",
    "retirement": "本月办理退休手续",
    "discipline": "无故迟到三次，受到通报批评",
    "mood_change": "近期沉默寡言，班组同事反映情绪低落",
    "family_hardship": "爱人失业，孩子就医费用较高",
}


def _user(username: str) -> Any:
    return User.objects.filter(username=username).first()


@transaction.atomic
def seed_demo_care(*, seed: int = 2026) -> int:
    """About forty talks and visits over three months, a dozen events with due items, two care plans, a 三违
    case and a counselling referral; returns how many talks and visits were recorded."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    grid_member, secretary = _user("grid_member"), _user("secretary_yunxing")
    if grid_member is None or secretary is None:
        return 0
    today = timezone.localdate()
    # The grid member's own paired people first, then the rest of the grid.
    me = own_person_id(grid_member) or 0
    paired = [p for p in my_people(grid_member) if p.status != PersonStatus.LEFT]
    rest = people_visible_to(grid_member).exclude(status=PersonStatus.LEFT).exclude(pk=me).order_by("pk")
    grid_people = (paired + [p for p in rest if p not in paired])[:12]
    taken = {p.pk for p in grid_people} | {own_person_id(secretary), me}
    branch_people = [
        p
        for p in people_visible_to(secretary).exclude(status=PersonStatus.LEFT).order_by("pk")[:80]
        if p.pk not in taken
    ][::3][:16]
    if len(grid_people) < 7 or len(branch_people) < 8:
        return 0
    made = 0

    def talk(actor: Any, person: Person, days_ago: int, kind: str | None = None, **extra: Any) -> Any:
        nonlocal made
        talk_kind, place, topic, summary = rng.choice(TALKS)
        made += 1
        return services.contact_record(
            actor=actor,
            kind=kind or talk_kind,
            date=today - dt.timedelta(days=days_ago),
            people=[person],
            place=place,
            topic=topic,
            summary=summary,
            **extra,
        )

    # Routine talks and visits over the last three months, before any event asks for one.
    for index in range(26):
        by_grid = index % 3 != 2
        actor, pool = (grid_member, grid_people) if by_grid else (secretary, branch_people)
        talk(actor, pool[(index * 5) % len(pool)], rng.randint(45, 90))

    # Life events and their due items: fulfilled, open and overdue.
    grid_queue, branch_queue = list(grid_people), list(branch_people)
    for code, days_ago, by_grid, then in EVENTS:
        person = (grid_queue if by_grid else branch_queue).pop()
        actor = grid_member if by_grid else secretary
        services.life_event_raise(
            person=person,
            kind=code,
            date=today - dt.timedelta(days=days_ago),
            source=EventSource.STAFF if not by_grid else EventSource.ROSTER,
            actor=secretary if not by_grid else None,
            note=EVENT_NOTES[code],
        )
        if then not in ("open", "late"):
            talk(actor, person, max(days_ago - rng.randint(1, 4), 0), kind=then)
    services.due_items_escalate_overdue()

    # Key people with care plans (谈访帮): one for hardship, one for health with the person's consent.
    hardship, health = branch_queue.pop(), grid_people[0]
    flag = plans.key_flag_open(
        actor=secretary,
        person=hardship,
        reason=KeyReason.DIFFICULTY,
        level=KeyLevel.CLOSE,
        note="爱人长期患病，两个孩子上学，家庭负担重",
    )
    plan = plans.care_plan_open(
        actor=secretary,
        person=hardship,
        responsible=secretary,
        cadence_days=14,
        flag=flag,
        goal="帮助申请困难补助，协调子女助学，每两周谈心一次",
        steps=[
            (today - dt.timedelta(days=20), "入户走访，了解家庭收支"),
            (today - dt.timedelta(days=6), "协助提交困难职工补助申请"),
            (today + dt.timedelta(days=10), "回访补助落实情况"),
        ],
    )
    first, second, _third = CarePlanStep.objects.filter(plan=plan).order_by("due_date")
    talk(secretary, hardship, 19, kind=ContactKind.HOME_VISIT, fulfils=[first])
    plans.care_plan_step_complete(actor=secretary, step=second, note="补助申请已提交工会")
    plans.consent_give(actor=secretary, person=health, purpose=ConsentPurpose.HEALTH, version="2026-01")
    health_flag = plans.key_flag_open(
        actor=secretary, person=health, reason=KeyReason.HEALTH, note="腰椎间盘突出，不宜长时间巡检"
    )
    plans.care_plan_open(
        actor=secretary,
        person=health,
        responsible=grid_member,
        cadence_days=30,
        flag=health_flag,
        goal="协调调整巡检任务，关注康复情况",
        steps=[(today + dt.timedelta(days=7), "与班长沟通调整巡检线路")],
    )

    # One 三违 case: reported by the safety department, two of its four steps done.
    violator = branch_queue.pop()
    safety = Unit.objects.filter(name="安全监察部").first() or Unit.objects.get(pk=violator.unit_id)
    case = plans.violation_case_open(
        actor=secretary,
        person=violator,
        date=today - dt.timedelta(days=6),
        kind=ViolationKind.OPERATION,
        severity=Severity.GENERAL,
        reported_by_unit=safety,
        helper=secretary,
        description="2号机组检修时未办理工作票即进入水车室作业",
    )
    talk(secretary, violator, 5, kind=ContactKind.TALK)
    plans.violation_step_complete(
        actor=secretary, case=case, step=ViolationStepKind.TALK, note="本人认识到未办票作业的危险"
    )
    plans.violation_step_complete(
        actor=secretary, case=case, step=ViolationStepKind.STUDY, note="已学习《电业安全工作规程》相关章节"
    )

    # A counselling referral asked for by the secretary with the person's separate consent.
    referred = branch_queue.pop()
    plans.consent_give(
        actor=secretary, person=referred, purpose=ConsentPurpose.COUNSELLING, version="2026-01"
    )
    plans.counselling_refer(
        actor=secretary, person=referred, details="长期倒班后失眠、焦虑，本人希望与心理咨询师面谈"
    )

    # Recent talks to round off the three months.
    while made < 40:
        by_grid = made % 2 == 0
        actor, pool = (grid_member, grid_people) if by_grid else (secretary, branch_people)
        talk(
            actor,
            rng.choice(pool),
            rng.randint(0, 40),
            kind=rng.choice([ContactKind.PHONE, ContactKind.GROUP_TALK]),
        )
    return made
