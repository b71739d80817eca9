"""Realistic Chinese names: surnames weighted by frequency, given names from common characters."""

from __future__ import annotations

import random
from functools import lru_cache

from lianxin.org.pinyin import initials

# Surname frequencies (per mille, rounded) after the national census; 覃, 韦, 蒙, 莫 are frequent in
# Guangxi, where the seeds' hydropower plant stands.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71),
    ("李", 70),
    ("张", 67),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 22),
    ("赵", 20),
    ("吴", 19),
    ("周", 19),
    ("徐", 15),
    ("孙", 14),
    ("马", 13),
    ("朱", 12),
    ("胡", 12),
    ("郭", 11),
    ("何", 11),
    ("林", 10),
    ("罗", 9),
    ("高", 9),
    ("郑", 8),
    ("梁", 8),
    ("谢", 7),
    ("宋", 6),
    ("唐", 6),
    ("许", 6),
    ("韩", 6),
    ("冯", 5),
    ("邓", 5),
    ("曹", 5),
    ("彭", 5),
    ("曾", 5),
    ("肖", 5),
    ("田", 4),
    ("董", 4),
    ("袁", 4),
    ("潘", 4),
    ("于", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("余", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("苏", 3),
    ("魏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 3),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 2),
    ("范", 2),
    ("金", 2),
    ("石", 2),
    ("廖", 2),
    ("贾", 2),
    ("夏", 2),
    ("韦", 3),
    ("付", 2),
    ("方", 2),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 1),
    ("黎", 1),
    ("贺", 1),
    ("顾", 1),
    ("毛", 1),
    ("郝", 1),
    ("龚", 1),
    ("邵", 1),
    ("万", 1),
    ("钱", 1),
    ("覃", 2),
    ("蒙", 1),
    ("莫", 1),
    ("武", 1),
    ("戴", 1),
    ("孔", 1),
    ("汤", 1),
    ("庞", 1),
    ("欧阳", 0.3),
    ("司马", 0.1),
)

MALE_CHARS = (
    "伟刚勇毅俊峰强军平东文辉力明永健广志义兴良海山波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信"
    "杰涛昌成康星光天达安岩中茂进林有坚和博诚先敬震振壮思群豪邦承乐绍功松善厚庆磊民友裕河哲江超浩"
    "亮政谦奇翰朗宏鸣朋斌栋维启克伦翔旭鹏泽晨辰建家致树德行泰盛雄钧冠腾楠航弘宇凯锋鑫帅"
)
FEMALE_CHARS = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红玲芬芳燕彩春菊兰凤洁梅琳素云莲雪荣爱霞香月媛艳瑞佳嘉琼"
    "勤珍莉桂晶妍茜秋珊莎锦青倩婷婉娴瑾颖露瑶怡雁蓓仪荷丹蓉君琴蕊薇菁梦岚馨韵园艺悦冰爽欣滢筠晓"
    "欢芸菲宜可舒丽妮璐琦雯萱雨曼紫蝶"
)
# Characters that suit either gender, used now and then.
SHARED_CHARS = "文明华军平安宁静春晓林海玉丽红云鹏思嘉子"


class NameMaker:
    """Draws names from one seeded generator, so the same seed always gives the same people."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._surnames = [s for s, _ in SURNAMES]
        self._cum_weights: list[float] = []
        total = 0.0
        for _, weight in SURNAMES:
            total += weight
            self._cum_weights.append(total)

    def surname(self) -> str:
        return self.rng.choices(self._surnames, cum_weights=self._cum_weights)[0]

    def given(self, gender: str, born: int) -> str:
        rng = self.rng
        pool = MALE_CHARS if gender == "M" else FEMALE_CHARS
        # Single-character given names were commoner among people born before the 1980s.
        single = rng.random() < (0.45 if born < 1975 else 0.25)
        first = rng.choice(SHARED_CHARS) if rng.random() < 0.1 else rng.choice(pool)
        if single:
            return first
        second = rng.choice(pool)
        while second == first:
            second = rng.choice(pool)
        return first + second

    def name(self, gender: str, born: int) -> str:
        return self.surname() + self.given(gender, born)


@lru_cache(maxsize=400_000)
def name_initials(name: str) -> str:
    """Pinyin initials as Person.save computes them; cached because names repeat."""
    return initials(name)
