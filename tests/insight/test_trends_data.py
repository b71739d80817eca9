"""Appeals for the trend tests: a quiet background over many weeks and the injected shuttle-bus story."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass

from django.utils import timezone

from lianxin.appeals.demo import TEXTS
from lianxin.appeals.models import Appeal
from lianxin.org.models import Person, Unit
from tests.factories import make_person, make_unit

_numbers = itertools.count(1)

SHUTTLE_TEXTS = (
    "班车早上七点就开走了，夜班下来根本赶不上，只能自己打车回家。",
    "新调整的班车时刻表太不合理，好多人上班迟到被扣钱。",
    "班车取消了城南站点，住在城南的同事每天要多走两公里。",
    "班车座位不够，每天都有十几个人站着走山路，很危险。",
    "周末加班没有班车，来回打车一趟要八十多块。",
    "班车司机开得太快，山路转弯的时候好几个人都吓坏了。",
    "班车空调坏了一个多星期，车里闷得受不了。",
    "能不能恢复晚上九点那趟班车，中班下班后没车回城。",
    "班车改到新停车场上车以后，从车间走过去要二十分钟。",
    "班车经常晚点，交班的时候接班的人到不了。",
    "班车站点调整没有提前通知，今天早上很多人没赶上。",
    "班车票价涨了，一个月多花两百块，希望厂里补贴。",
)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def at(day: dt.date, hour: float) -> dt.datetime:
    base = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return base + dt.timedelta(hours=hour)


def appeal(
    text: str,
    received_at: dt.datetime,
    *,
    person: Person | None = None,
    unit: Unit | None = None,
    category: str | None = None,
    suggested: str = "",
) -> Appeal:
    """An appeal as submission and triage leave it: a named one routed to the submitter's branch, an
    anonymous one to the unit it names. Written directly, as the tests need many at chosen times."""
    routed = unit
    if person is not None:
        path = person.unit.path
        prefixes = [path[:end] for end in range(Unit.steplen, len(path) + 1, Unit.steplen)]
        routed = Unit.objects.filter(path__in=prefixes, kind__is_branch=True).order_by("-depth").first()
    assert routed is not None
    return Appeal(
        number=f"LXT-{next(_numbers):08d}",
        text=text,
        channel="web",
        received_at=received_at,
        submitter=person,
        is_anonymous=person is None,
        unit=routed,
        category_id=category,
        suggested_category=suggested or (category or ""),
    )


@dataclass
class Plant:
    """Two branches: A with four teams, B with two; three people per team."""

    root: Unit
    branch_a: Unit
    branch_b: Unit
    teams_a: list[Unit]
    teams_b: list[Unit]
    people: dict[int, list[Person]]  # team id → its people


def build_plant(org: object) -> Plant:
    root, branch_a, branch_b = org.root, org.branch_a, org.branch_b  # type: ignore[attr-defined]
    teams_a = [org.grid_a1, org.grid_a2]  # type: ignore[attr-defined]
    teams_a += [make_unit(n, "team", branch_a, is_grid=True) for n in ("运行三班", "运行四班")]
    teams_b = [org.grid_b1, make_unit("检修二班", "team", branch_b, is_grid=True)]  # type: ignore[attr-defined]
    people = {team.pk: [make_person(team) for _ in range(3)] for team in [*teams_a, *teams_b]}
    for team in [*teams_a, *teams_b]:
        team.refresh_from_db()
    return Plant(root, branch_a, branch_b, teams_a, teams_b, people)


# Weekly background per branch and category: a few ordinary appeals, as a plant of this size sends.
BACKGROUND_RATE = {"pay": 0.6, "career": 0.3, "safety": 0.4, "conditions": 0.5, "hardship": 0.2, "other": 0.2}


def background(plant: Plant, first_week: dt.date, weeks: int, *, seed: int = 7) -> list[Appeal]:
    """Poisson background per team and category (half confirmed, half only suggested), one in five
    anonymous and routed to the branch, over `weeks` weeks from `first_week`."""
    rng = random.Random(seed)  # noqa: S311 - test data
    by_category: dict[str, list[str]] = {}
    for category, _grade, text in TEXTS:
        by_category.setdefault(category, []).append(text)
    rows = []
    teams = [*plant.teams_a, *plant.teams_b]
    for week in range(weeks):
        start = first_week + dt.timedelta(weeks=week)
        for team in teams:
            for category, rate in BACKGROUND_RATE.items():
                for _ in range(_poisson(rng, rate / 2)):
                    text = rng.choice(by_category[category])
                    when = at(start, rng.uniform(0, 7 * 24))
                    confirmed = category if rng.random() < 0.5 else None
                    if rng.random() < 0.2:
                        branch = plant.branch_a if team in plant.teams_a else plant.branch_b
                        rows.append(appeal(text, when, unit=branch, category=confirmed, suggested=category))
                    else:
                        who = rng.choice(plant.people[team.pk])
                        rows.append(appeal(text, when, person=who, category=confirmed, suggested=category))
    Appeal.objects.bulk_create(rows)
    return rows


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method: small rates only.
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def inject_shuttle(
    plant: Plant, week: dt.date, *, anonymous: int = 2, hours_apart: float = 10
) -> list[Appeal]:
    """Twelve appeals about the shuttle bus from the four teams of branch A in one week: ten named (three,
    three, two, two), `anonymous` without a name routed to the branch; half confirmed as conditions, half
    only suggested so."""
    rows: list[Appeal] = []
    spread = [3, 3, 2, 2]
    texts = iter(SHUTTLE_TEXTS)
    for team, n in zip(plant.teams_a, spread, strict=True):
        for i in range(n):
            who = plant.people[team.pk][i % 3]
            confirmed = "conditions" if i % 2 == 0 else None
            rows.append(
                appeal(
                    next(texts),
                    at(week, 8 + hours_apart * len(rows)),
                    person=who,
                    category=confirmed,
                    suggested="conditions",
                )
            )
    for _ in range(anonymous):
        rows.append(
            appeal(
                next(texts), at(week, 8 + hours_apart * len(rows)), unit=plant.branch_a, category="conditions"
            )
        )
    Appeal.objects.bulk_create(rows)
    return rows
