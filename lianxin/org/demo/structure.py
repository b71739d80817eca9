"""The demo plant's shape: branches, their teams and positions, and the plan of units for N people.

Modelled on seed 004 (a hydropower plant: party committee, branches, party groups, 25 grids, 220+ people)
and seed 003 (three-level responsibility). The default 230-person plant has 7 branches and 25 grids; a
larger N keeps the 7 branches and adds teams (about 13.5 people each) grouped into sections of 12, so
500,000 people come out at about 40,000 units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PLANT_NAME = "清江水电厂"
PLANT_PARTY_NAME = "清江水电厂党委"
# Plant leaders at the root unit; the second is the party committee secretary.
ROOT_POSITIONS = ("厂长", "党委书记", "副厂长", "总工程师")
DEFAULT_PEOPLE = 230
MIN_PEOPLE = 100
PEOPLE_PER_TEAM = 13.5
TEAMS_PER_SECTION = 12
# Above this many teams a branch groups its teams into sections (分部).
MAX_TEAMS_UNDER_BRANCH = 15


@dataclass(frozen=True)
class BranchSpec:
    code: str
    name: str
    party_name: str
    weight: int  # share of the plant's people
    teams: tuple[str, ...]  # the teams of the default plant
    scaled_team: str  # name pattern for the n-th team of a larger plant
    team_kind: str
    chief_position: str
    positions: tuple[tuple[str, int], ...]  # the other members' positions, weighted
    head_positions: tuple[str, str] = ("主任", "党支部书记")
    male_share: float = 0.8
    retired: bool = False


BRANCHES: tuple[BranchSpec, ...] = (
    BranchSpec(
        "yunxing",
        "运行部",
        "运行部党支部",
        62,
        ("运行一值", "运行二值", "运行三值", "运行四值", "运行五值", "运行管理班"),
        "运行{n}值",
        "team",
        "值长",
        (("副值长", 1), ("主值班员", 3), ("值班员", 5), ("巡检员", 3)),
        male_share=0.85,
    ),
    BranchSpec(
        "jianxiu",
        "检修部",
        "检修部党支部",
        56,
        ("电气一次班", "电气二次班", "水轮机班", "机械班", "自动化班", "金属结构班"),
        "检修{n}班",
        "team",
        "班长",
        (("检修工", 5), ("电气检修工", 3), ("机械检修工", 3), ("技术员", 1), ("高级技师", 1)),
        male_share=0.88,
    ),
    BranchSpec(
        "anjian",
        "安全监察部",
        "安全监察部党支部",
        12,
        ("安全监察组",),
        "安全监察{n}组",
        "team",
        "组长",
        (("安全员", 3), ("安全工程师", 1), ("环保专责", 1)),
        male_share=0.75,
    ),
    BranchSpec(
        "zonghe",
        "综合管理部（机关）",
        "机关党支部",
        30,
        ("党群工作部", "办公室", "人力资源部", "计划财务部"),
        "综合{n}室",
        "team",
        "主任",
        (("专责", 3), ("主管", 2), ("干事", 2), ("科员", 2)),
        head_positions=("部长", "党支部书记"),
        male_share=0.5,
    ),
    BranchSpec(
        "shuigong",
        "水工部",
        "水工部党支部",
        25,
        ("水工观测班", "大坝维护班", "水情调度班"),
        "水工{n}班",
        "team",
        "班长",
        (("水工观测员", 3), ("水工巡检员", 2), ("水情测报员", 2), ("技术员", 1)),
        male_share=0.8,
    ),
    BranchSpec(
        "wuzi",
        "物资部",
        "物资部党支部",
        15,
        ("仓储班", "采购供应班"),
        "物资{n}班",
        "team",
        "班长",
        (("仓管员", 3), ("采购员", 2), ("物资专责", 1)),
        male_share=0.65,
    ),
    BranchSpec(
        "lituixiu",
        "离退休服务中心",
        "离退休党支部",
        30,
        ("离退休第一党小组", "离退休第二党小组", "离退休第三党小组"),
        "离退休第{n}党小组",
        "party_group",
        "党小组长",
        (("退休职工", 1),),
        head_positions=("中心主任", "党支部书记"),
        male_share=0.7,
        retired=True,
    ),
)
# The department whose unit carries the first level of responsibility (党群部门包区队).
DEPARTMENT_TEAM = ("zonghe", "党群工作部")


@dataclass
class UnitPlan:
    """One unit to create, with the people who sit directly in it."""

    name: str
    kind: str  # a UnitKind code
    role: str  # root, branch, section or team
    party_name: str = ""
    is_grid: bool = False
    branch: BranchSpec | None = None
    head_positions: tuple[str, ...] = ()  # people at this unit itself, in order
    members: int = 0  # a team's people, chief included
    children: list[UnitPlan] = field(default_factory=list)
    # Filled in when paths are assigned.
    id: int = 0
    path: str = ""
    parent: UnitPlan | None = None

    @property
    def people(self) -> int:
        return len(self.head_positions) + self.members

    def walk(self) -> list[UnitPlan]:
        """This unit and its descendants in tree order (the order of their paths)."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


def team_counts(people: int) -> list[int]:
    """How many teams each branch has for a plant of this size."""
    if people <= 2 * DEFAULT_PEOPLE:
        return [len(b.teams) for b in BRANCHES]
    total = max(25, round(people / PEOPLE_PER_TEAM))
    weight = sum(b.weight for b in BRANCHES)
    return [max(1, round(total * b.weight / weight)) for b in BRANCHES]


def _share_out(total: int, weights: list[float], minimum: int) -> list[int]:
    """Split total into parts proportional to weights (largest remainder), each at least minimum."""
    spare = total - minimum * len(weights)
    wsum = sum(weights)
    exact = [spare * w / wsum for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def plan_plant(people: int) -> UnitPlan:
    """The unit tree for a plant of `people` people, with how many sit in each unit."""
    if people < MIN_PEOPLE:
        raise ValueError(f"the demo needs at least {MIN_PEOPLE} people")
    root = UnitPlan(
        PLANT_NAME, "enterprise", "root", party_name=PLANT_PARTY_NAME, head_positions=ROOT_POSITIONS
    )
    teams: list[UnitPlan] = []
    for spec, count in zip(BRANCHES, team_counts(people), strict=True):
        branch = UnitPlan(
            spec.name,
            "branch",
            "branch",
            party_name=spec.party_name,
            branch=spec,
            head_positions=spec.head_positions,
        )
        root.children.append(branch)
        # A larger plant keeps the default teams (党群工作部 among them) and numbers the rest.
        names = [*spec.teams[:count]]
        names += [spec.scaled_team.format(n=n) for n in range(len(names) + 1, count + 1)]
        branch_teams = [UnitPlan(name, spec.team_kind, "team", is_grid=True, branch=spec) for name in names]
        if count > MAX_TEAMS_UNDER_BRANCH:
            short = spec.name.split("（")[0].removesuffix("部").removesuffix("服务中心")
            for k, start in enumerate(range(0, count, TEAMS_PER_SECTION), start=1):
                section = UnitPlan(
                    f"{short}第{k}分部", "district", "section", branch=spec, head_positions=("分部主任",)
                )
                section.children = branch_teams[start : start + TEAMS_PER_SECTION]
                branch.children.append(section)
        else:
            branch.children = branch_teams
        teams.extend(branch_teams)
    fixed = sum(u.people for u in root.walk())
    if people - fixed < 2 * len(teams):
        raise ValueError(f"the demo needs at least {fixed + 2 * len(teams)} people for its units")
    per_branch = {spec.code: count for spec, count in zip(BRANCHES, team_counts(people), strict=True)}
    weights = [t.branch.weight / per_branch[t.branch.code] for t in teams if t.branch is not None]
    for team, size in zip(teams, _share_out(people - fixed, weights, 2), strict=True):
        team.members = size
    return root


ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4


def path_step(position: int) -> str:
    """Treebeard's MP_Node step for the position-th child (1-based): base 36, padded to 4 characters."""
    if not 0 < position < len(ALPHABET) ** STEPLEN:
        raise ValueError("position out of range for a 4-character step")
    digits = ""
    while position:
        position, rest = divmod(position, len(ALPHABET))
        digits = ALPHABET[rest] + digits
    return digits.rjust(STEPLEN, ALPHABET[0])


def assign_paths(root: UnitPlan, root_position: int, first_id: int) -> list[UnitPlan]:
    """Give every unit its id and materialised path; returns the units in tree order."""
    root.path = path_step(root_position)
    units = root.walk()
    for offset, unit in enumerate(units):
        unit.id = first_id + offset
        for position, child in enumerate(unit.children, start=1):
            child.path = unit.path + path_step(position)
            child.parent = unit
    return units
