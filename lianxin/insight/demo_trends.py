"""The demo's trend story (见微知著): thirteen weeks of ordinary appeals across the plant, then, in the
current window, a dozen appeals about the shuttle bus from four teams of one branch — the tendency that no
single appeal shows. Trend detection then runs, so the demo opens with the warning and its evidence."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from lianxin.appeals.codes import Channel
from lianxin.appeals.services import appeal_submit
from lianxin.insight.trends import trend_config, trend_window, trends_detect
from lianxin.org.models import Person, Unit

BACKGROUND = [
    "食堂晚餐的菜量越来越少，希望能改善一下",
    "宿舍空调制冷效果差，报修两次了还没修好",
    "这个月的绩效工资比上月少了不少，想了解一下怎么核算的",
    "想报名参加明年的技师培训，不知道今年还有没有名额",
    "倒班后休息时间不够，希望调整一下排班",
    "孩子今年上小学，想问问厂里有没有子女入学的政策",
    "建议在主厂房入口加装一个工具柜，取用方便",
    "劳保鞋发的尺码不对，能不能换一双",
    "最近压力比较大，晚上睡不好，想找人聊一聊",
    "班组评先进的结果没有公示，大家有些意见",
    "住房公积金的缴存比例今年有没有调整",
    "检修现场照明不足，晚上作业不安全",
    "职工书屋的书很久没更新了，建议补充一些技术书籍",
    "夜班补贴什么时候发放，上个月的还没到账",
]

STORY = [
    "这周班车连续三天晚点二十多分钟，交接班都赶不上",
    "早上七点那趟班车没来，我们几个只能打车上班",
    "班车改了发车时间也没提前通知，好多人没赶上",
    "班车座位不够，站了四十分钟，能不能加一辆车",
    "晚班下班后等班车等了半个小时，冬天太冷了",
    "班车司机开得太急，几次急刹车，坐着害怕",
    "新的班车线路绕远了，单程多了二十分钟",
    "班车站点取消了我们小区那一站，走过去要二十分钟",
    "周一的班车又晚点了，考勤算迟到不合理",
    "这几天班车车内空调坏了，车窗也打不开",
    "班车时刻表和交接班时间对不上，希望调整",
    "班车晚点导致错过班前会，被班长批评了",
]


def seed_demo_trend_story(*, seed: int = 2026, branch_name: str = "运行部") -> int:
    """Seed the background and the story, run trend detection; returns how many trend warnings it raised."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    people = list(Person.objects.filter(user__isnull=True).select_related("unit").order_by("pk")[:400])
    branch = Unit.objects.filter(name=branch_name).first()
    if not people or branch is None:
        return 0
    # Thirteen weeks of ordinary appeals, about eight a week, across the plant.
    for days_ago in sorted((rng.uniform(1, 91) for _ in range(104)), reverse=True):
        appeal_submit(
            text=rng.choice(BACKGROUND),
            channel=Channel.WEB,
            submitter=rng.choice(people),
            received_at=now - dt.timedelta(days=days_ago),
        )
    # The story: inside the window trend detection looks at, from four teams of the branch.
    window = trend_window(week_start=None, now=now, cfg=trend_config())
    if window is None:
        return 0
    teams = [u for u in Unit.objects.filter(path__startswith=branch.path, is_grid=True).order_by("path")[:4]]
    members = {t.pk: [p for p in people if p.unit.path.startswith(t.path)] for t in teams}
    span = (window.end - window.start).total_seconds()
    for index, text in enumerate(STORY):
        team = teams[index % len(teams)]
        who = members[team.pk]
        moment = window.start + dt.timedelta(seconds=span * (0.1 + 0.8 * index / len(STORY)))
        if who and index % 4 != 3:
            appeal_submit(text=text, channel=Channel.WEB, submitter=rng.choice(who), received_at=moment)
        else:
            appeal_submit(text=text, channel=Channel.WEB, anonymous=True, unit=team, received_at=moment)
    return len(trends_detect(now=now))
