"""Drawing one person of the demo plant: name, gender, dates, position, political status, file notes."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from lianxin.org.demo.names import NameMaker, name_initials
from lianxin.org.models import PersonStatus, PoliticalStatus

PARTY = frozenset({PoliticalStatus.CPC_MEMBER, PoliticalStatus.PROBATIONARY})

HOUSEHOLDS = (
    "已婚，育有一子，配偶在本厂工作",
    "已婚，育有一女，配偶在天峨县城工作",
    "未婚，父母在老家务农",
    "已婚，育有二孩，与父母同住",
    "夫妻两地分居，子女在南宁上学",
    "已婚，配偶待业，育有一子在读高中",
    "未婚，独生子女，父母已退休",
    "丧偶，与女儿同住",
)
HARDSHIP = {
    "困难职工": "家庭人均收入低于当地最低生活保障线的 1.5 倍",
    "大病医疗": "配偶患慢性肾病，每周透析，医疗支出较大",
    "单亲家庭": "离异，独自抚养正在读小学的孩子",
    "子女就学": "两个孩子同时上大学，学费压力较大",
    "住房困难": "租住县城老旧房屋，暂无自有住房",
    "赡养老人": "父亲中风后卧床，需要长期照护",
    "因灾受困": "老家房屋在今年汛期受损，正在修缮",
}
KEY_REASONS = (
    "近期家庭变故，情绪低落，需重点关心",
    "对岗位调整有意见，多次反映诉求",
    "发生违章作业（三违），正在帮教期内",
    "长期夜班，自述睡眠差、压力大",
    "涉及劳动合同续签争议，情绪波动",
)
HEALTH = (
    "高血压，定期复查",
    "腰椎间盘突出，不宜重体力劳动",
    "糖尿病，需按时用药",
    "术后康复期，已调整为白班",
    "轻度焦虑，已转介心理咨询",
)


@dataclass(frozen=True)
class Drawn:
    row: tuple[object, ...]
    is_party: bool


PERSON_FIELDS = (
    "id",
    "employee_no",
    "name",
    "name_initials",
    "gender",
    "birth_date",
    "unit_id",
    "position",
    "political_status",
    "hire_date",
    "phone",
    "household",
    "status",
    "health_notes",
    "hardship_details",
    "is_key_person",
    "key_person_reason",
    "user_id",
)


class PersonMaker:
    """Draws people from one seeded generator; `today` anchors ages and dates."""

    def __init__(self, rng: random.Random, today: dt.date, number_width: int) -> None:
        self.rng = rng
        self.today = today
        self.names = NameMaker(rng)
        self.width = number_width

    def _political(self, age: float, retired: bool) -> str:
        r = self.rng.random()
        # Chiefs and heads are always members, so ordinary staff sit lower to keep the plant at 30–40 %.
        if retired:
            return PoliticalStatus.CPC_MEMBER if r < 0.36 else PoliticalStatus.MASSES
        if age < 28:
            if r < 0.08:
                return PoliticalStatus.CPC_MEMBER
            if r < 0.12:
                return PoliticalStatus.PROBATIONARY
            return PoliticalStatus.CYL_MEMBER if r < 0.6 else PoliticalStatus.MASSES
        if r < 0.25:
            return PoliticalStatus.CPC_MEMBER
        if r < 0.26:
            return PoliticalStatus.PROBATIONARY
        return PoliticalStatus.OTHER if r < 0.275 else PoliticalStatus.MASSES

    def draw(
        self,
        *,
        pk: int,
        ordinal: int,
        unit_id: int,
        position: str,
        male_share: float,
        retired: bool,
        party: bool | None,
        senior: bool = False,
        hardship: str = "",
        key_person: bool = False,
        health: bool = False,
    ) -> Drawn:
        """party: True forces a member, False forces the masses, None draws it."""
        rng = self.rng
        gender = "M" if rng.random() < male_share else "F"
        if retired:
            age = rng.uniform(60, 82)
        elif senior:
            age = rng.uniform(38, 57)
        else:
            age = rng.triangular(22, 59, 35)
        birth = self.today - dt.timedelta(days=int(age * 365.25) + rng.randint(0, 364))
        hire_age = rng.uniform(20, min(age - 0.5, 30 if rng.random() < 0.85 else 45))
        hire = min(birth + dt.timedelta(days=int(hire_age * 365.25)), self.today)
        status: str
        if party is True:
            status = PoliticalStatus.CPC_MEMBER
        elif party is False:
            status = PoliticalStatus.MASSES
        else:
            status = self._political(age, retired)
        name = self.names.name(gender, birth.year)
        household = rng.choice(HOUSEHOLDS) if rng.random() < 0.25 or hardship else ""
        row = (
            pk,
            f"QJ{ordinal + 1:0{self.width}d}",
            name,
            name_initials(name),
            gender,
            birth,
            unit_id,
            position,
            status,
            hire,
            f"1380000{ordinal % 10_000:04d}",
            household,
            PersonStatus.RETIRED if retired else PersonStatus.ACTIVE,
            rng.choice(HEALTH) if health else "",
            HARDSHIP.get(hardship, "") if hardship else "",
            key_person,
            rng.choice(KEY_REASONS) if key_person else "",
            None,
        )
        return Drawn(row, status in PARTY)
