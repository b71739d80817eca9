"""The sections of a report, written from the month's figures.

Every sentence is built from aggregates, category labels and unit names only — never from an appeal's
words, a talk's summary or a person's name — so the drafted body names nobody. The secretary edits the
text afterwards; the figures and tables stay as drafted.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.appeals.codes import Grade
from lianxin.appeals.models import Category
from lianxin.insight.codes import WarningLevel, WarningSource

# 主要表现的四个维度 and the appeal categories (TAXONOMY.md codes) that make each one:
# - 工作状态 (work state): what happens at work itself — safety (安全生产) and management conduct (管理作风);
# - 利益诉求 (interest appeals): pay, career, working conditions and reform — the material interests;
# - 社会心理 (social psychology): wellbeing (身心健康) and hardship (生活困难) — mood and life pressure;
# - 其他: suggestions, other, uncategorised appeals, and any category an administrator adds later.
DIMENSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("work", "工作状态", ("safety", "conduct")),
    ("interest", "利益诉求", ("pay", "career", "conditions", "reform")),
    ("psych", "社会心理", ("wellbeing", "hardship")),
    ("other", "其他", ("suggestion", "other")),
)
DIMENSION_OF: dict[str, str] = {code: key for key, _label, codes in DIMENSIONS for code in codes}

# A category counts as a common (普遍性) issue from this share of the month's appeals, and this many.
COMMON_SHARE = 20.0
COMMON_MIN = 3

# What the branch is advised to do about a common issue of each category (the secretary edits it).
ADVICE: dict[str, str] = {
    "pay": "会同人力资源和财务部门核实发放进度，把政策和时间表向职工讲清楚",
    "career": "公开岗位聘任、培训和考核的条件与进度，帮助职工明确发展路径",
    "safety": "立即组织隐患排查，落实整改责任人和时限，并在班前会上通报整改情况",
    "conditions": "协调后勤部门改善食堂、宿舍、班车和排班等条件，办理结果及时公开",
    "hardship": "对困难职工逐户走访，落实帮扶措施，用好困难补助和工会互助政策",
    "wellbeing": "加强谈心谈话和心理疏导，引导有需要的职工使用心理咨询服务",
    "conduct": "严格落实考核公开和民主评议，对反映的作风问题依规核查并反馈",
    "reform": "开展改革政策宣讲，及时回应职工关切，稳定思想预期",
    "suggestion": "认真研究职工的意见建议，对可行的建议落实采纳并予以激励",
    "other": "逐件分析原因，明确责任人跟进办理",
}

SECTION_TITLES: dict[str, str] = {
    "overview": "一、总体情况",
    "performance": "二、主要表现",
    "analysis": "三、原因分析",
    "suggestions": "四、对策建议",
    "suggest_general": "（一）普遍性问题",
    "suggest_individual": "（二）个性问题",
    "suggest_reasonable": "（三）合理诉求",
    "suggest_early": "（四）苗头性问题",
    "branches": "五、各党支部报告情况",
    "appendix": "附录：数据来源",
}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value}%"


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def category_labels() -> dict[str, str]:
    labels = dict(Category.objects.values_list("code", "label"))
    labels[""] = _("未分类")
    return labels


def _label(labels: dict[str, str], code: str) -> str:
    return labels.get(code, code or _("未分类"))


def _sorted_categories(by_category: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(by_category.items(), key=lambda item: (-item[1], item[0]))


def _section(
    key: str, text: str, *, figures: Any = None, tables: Any = None, level: int = 1
) -> dict[str, Any]:
    return {
        "key": key,
        "title": SECTION_TITLES[key],
        "level": level,
        "figures": figures or {},
        "tables": tables or [],
        "text": text,
    }


def _table(title: str, columns: list[str], rows: list[list[Any]], *, key: str = "") -> dict[str, Any]:
    return {"key": key, "title": title, "columns": columns, "rows": rows}


def overview(name: str, f: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    contact_rate = _share(f["contacted"], f["people"])
    basics = [
        [_("在册职工（人）"), f["people"]],
        [_("谈心谈话（次）"), f["talks"]],
        [_("走访（次）"), f["visits"]],
        [_("联系职工（人）"), f["contacted"]],
        [_("联系覆盖率"), _pct(contact_rate)],
        [_("受理诉求（件）"), f["appeals"]],
        [_("其中已答复（件）"), f["answered"]],
        [_("其中办理中（件）"), f["open"]],
        [_("本月到期诉求（件）"), f["due"]],
        [_("按期答复（件）"), f["on_time"]],
        [_("按期答复率"), _pct(f["on_time_rate"])],
        [_("满意度评价（次）"), f["rated"]],
        [_("满意（次）"), f["satisfied"]],
        [_("满意率"), _pct(f["satisfaction_rate"])],
        [_("必谈必访到期（项）"), f["must_due"]],
        [_("按期完成（项）"), f["must_done_on_time"]],
    ]
    by_category = [
        [_label(labels, code), n, _pct(_share(n, f["appeals"]))]
        for code, n in _sorted_categories(f["by_category"])
    ]
    grades = dict(Grade.choices)
    by_grade = [
        [str(grades.get(code, _("未定级"))), f["by_grade"][code]]
        for code in [*Grade.values, ""]
        if f["by_grade"].get(code)
    ]
    text = _(
        "本月，%(name)s在册职工%(people)d人。共开展谈心谈话%(talks)d次、走访%(visits)d次，联系职工"
        "%(contacted)d人，联系覆盖率%(contact_rate)s。受理职工诉求%(appeals)d件，其中已答复%(answered)d件、"
        "仍在办理%(open)d件；本月到期诉求%(due)d件，按期答复%(on_time)d件，按期答复率%(on_time_rate)s；"
        "收到满意度评价%(rated)d次，满意率%(satisfaction_rate)s。"
    ) % {
        "name": name,
        "people": f["people"],
        "talks": f["talks"],
        "visits": f["visits"],
        "contacted": f["contacted"],
        "contact_rate": _pct(contact_rate),
        "appeals": f["appeals"],
        "answered": f["answered"],
        "open": f["open"],
        "due": f["due"],
        "on_time": f["on_time"],
        "on_time_rate": _pct(f["on_time_rate"]),
        "rated": f["rated"],
        "satisfaction_rate": _pct(f["satisfaction_rate"]),
    }
    figures = {
        key: f[key]
        for key in (
            "people",
            "contacted",
            "talks",
            "visits",
            "appeals",
            "answered",
            "open",
            "due",
            "on_time",
            "on_time_rate",
            "rated",
            "satisfied",
            "satisfaction_rate",
            "must_due",
            "must_done_on_time",
            "must_open",
            "by_category",
            "by_grade",
        )
    }
    figures["contact_rate"] = contact_rate
    tables = [
        _table(_("基本情况"), [_("指标"), _("数值")], basics),
        _table(_("诉求分类统计"), [_("类别"), _("件数"), _("占比")], by_category, key="by_category"),
        _table(_("诉求分级统计"), [_("等级"), _("件数")], by_grade),
    ]
    return _section("overview", text, figures=figures, tables=tables)


def dimension_counts(by_category: dict[str, int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {key: {} for key, _label, _codes in DIMENSIONS}
    for code, n in by_category.items():
        out[DIMENSION_OF.get(code, "other")][code] = n
    return out


def performance(f: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    dims = dimension_counts(f["by_category"])
    rows: list[list[Any]] = []
    sentences: list[str] = []
    figures: dict[str, Any] = {}
    for key, label, _codes in DIMENSIONS:
        counts = dims[key]
        total = sum(counts.values())
        figures[key] = {"appeals": total, "by_category": counts}
        parts = "、".join(f"{_label(labels, c)}{n}件" for c, n in _sorted_categories(counts))
        rows.append([label, total, parts or "—"])
        if total:
            sentence = _("%(dim)s方面：职工反映诉求%(n)d件，其中%(parts)s。") % {
                "dim": label,
                "n": total,
                "parts": parts,
            }
        else:
            sentence = _("%(dim)s方面：本月未收到相关诉求。") % {"dim": label}
        if key == "work" and f["violations"]:
            sentence += _("本月新发生三违帮教%(n)d起，需加强安全思想教育。") % {"n": f["violations"]}
        if key == "psych" and (f["key_people"] or f["care_plans"]):
            sentence += _("月末在册重点关注人员%(key)d人（本月新增%(new)d人），在办帮扶计划%(plans)d项。") % {
                "key": f["key_people"],
                "new": f["key_people_new"],
                "plans": f["care_plans"],
            }
        sentences.append(sentence)
    figures.update(
        violations=f["violations"],
        key_people=f["key_people"],
        key_people_new=f["key_people_new"],
        care_plans=f["care_plans"],
    )
    table = _table(_("按维度统计"), [_("维度"), _("诉求件数"), _("构成")], rows)
    return _section("performance", "\n".join(sentences), figures=figures, tables=[table])


def _change(now: int, before: int) -> str:
    if now > before:
        return _("增加%(n)d件") % {"n": now - before}
    if now < before:
        return _("减少%(n)d件") % {"n": before - now}
    return _("持平")


# How a trend's numeric evidence reads in a report.
FACT_LABELS: dict[str, Any] = {
    "count": gettext_lazy("本周件数"),
    "baseline_mean": gettext_lazy("前几周平均"),
    "baseline": gettext_lazy("基线"),
    "expected": gettext_lazy("期望件数"),
    "p_value": gettext_lazy("p值"),
    "unit_count": gettext_lazy("涉及单位数"),
    "units": gettext_lazy("涉及单位数"),
    "direct_count": gettext_lazy("本单位直接件数"),
    "weeks": gettext_lazy("对比周数"),
}


def _trend_line(trend: dict[str, Any], labels: dict[str, str]) -> str:
    evidence = trend.get("evidence") or {}
    topic = _label(labels, trend["category"]) if trend.get("category") else _("新出现的集中议题")
    facts = []
    if "count" in evidence:
        facts.append(_("本周%(n)s件") % {"n": evidence["count"]})
    for key in ("baseline_mean", "baseline", "expected"):
        if key in evidence:
            facts.append(_("此前平均%(n)s件") % {"n": evidence[key]})
            break
    for key in ("unit_count", "units"):
        if key in evidence:
            facts.append(_("涉及%(n)s个单位") % {"n": evidence[key]})
            break
    detail = "，".join(facts)
    return _("%(unit)s：%(topic)s明显增多%(detail)s") % {
        "unit": trend["unit"],
        "topic": topic,
        "detail": f"（{detail}）" if detail else "",
    }


def analysis(f: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    codes = sorted(set(f["by_category"]) | set(f["prev_by_category"]))
    rows = sorted(
        ([c, f["by_category"].get(c, 0), f["prev_by_category"].get(c, 0)] for c in codes),
        key=lambda r: (-r[1], -r[2], r[0]),
    )
    top = [r for r in rows if r[1]][:3]
    table_rows = [[_label(labels, c), now, before, now - before] for c, now, before in rows]
    sentences = []
    if top:
        parts = "；".join(
            _("%(label)s%(now)d件，占%(share)s，较上月%(change)s")
            % {
                "label": _label(labels, c),
                "now": now,
                "share": _pct(_share(now, f["appeals"])),
                "change": _change(now, before),
            }
            for c, now, before in top
        )
        sentences.append(_("本月诉求主要集中在：%(parts)s。") % {"parts": parts})
        sentences.append(
            _("诉求总量%(now)d件，较上月（%(before)d件）%(change)s。")
            % {
                "now": f["appeals"],
                "before": f["prev_appeals"],
                "change": _change(f["appeals"], f["prev_appeals"]),
            }
        )
    else:
        sentences.append(_("本月未收到职工诉求，上月为%(n)d件。") % {"n": f["prev_appeals"]})
    trends = f["trends"]
    trend_rows = [
        [
            t["unit"],
            _label(labels, t["category"]) if t["category"] else "—",
            _level(t["level"]),
            _trend_facts(t),
        ]
        for t in trends
    ]
    if trends:
        sentences.append(
            _("趋势研判本月发出趋势预警%(n)d条：%(lines)s。")
            % {"n": len(trends), "lines": "；".join(_trend_line(t, labels) for t in trends)}
        )
    else:
        sentences.append(_("本月趋势研判未发现异常增多的诉求类别。"))
    tables = [
        _table(_("主要诉求类别及环比"), [_("类别"), _("本月"), _("上月"), _("变化")], table_rows),
        _table(_("本月趋势预警"), [_("单位"), _("类别"), _("等级"), _("依据")], trend_rows),
    ]
    figures = {
        "by_category": f["by_category"],
        "prev_by_category": f["prev_by_category"],
        "prev_appeals": f["prev_appeals"],
        "trends": len(trends),
    }
    return _section("analysis", "".join(sentences), figures=figures, tables=tables)


def _level(level: str) -> str:
    return str(dict(WarningLevel.choices).get(level, level))


def _trend_facts(trend: dict[str, Any]) -> str:
    evidence = trend.get("evidence") or {}
    return "，".join(f"{FACT_LABELS.get(k, k)} {v}" for k, v in evidence.items()) or "—"


def suggestions(f: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    total = f["appeals"]
    ordered = _sorted_categories(f["by_category"])
    common = [(c, n) for c, n in ordered if n >= COMMON_MIN and (_share(n, total) or 0) >= COMMON_SHARE]
    if common:
        general = "".join(
            _("%(label)s类诉求%(n)d件，占%(share)s，属普遍性问题，建议%(advice)s。")
            % {
                "label": _label(labels, c),
                "n": n,
                "share": _pct(_share(n, total)),
                "advice": ADVICE.get(c, ADVICE["other"]),
            }
            for c, n in common
        )
    else:
        general = _("本月诉求较为分散，未形成普遍性问题，建议继续做好日常谈心谈话和政策宣讲。")
    rare = [c for c, n in ordered if c and (c, n) not in common]
    individual_parts = []
    if rare:
        individual_parts.append(
            _("对%(labels)s等个别诉求，坚持“一人一事”，由责任人逐件跟进，做到事事有回音、件件有落实。")
            % {"labels": "、".join(_label(labels, c) for c in rare[:5])}
        )
    if f["must_open"]:
        individual_parts.append(
            _("本月到期的必谈必访尚有%(n)d项未完成，请责任人尽快落实。") % {"n": f["must_open"]}
        )
    if f["key_people"]:
        individual_parts.append(
            _("对%(n)d名重点关注人员按帮扶计划定期谈访，动态评估帮扶效果。") % {"n": f["key_people"]}
        )
    individual = "".join(individual_parts) or _("本月无需单独跟进的个性问题。")
    reasonable = _(
        "本月受理诉求%(appeals)d件，已答复%(answered)d件，仍在办理%(open)d件。对合理诉求要定人员、定措施、"
        "定期限，按期答复率%(on_time)s、满意率%(satisfied)s，"
    ) % {
        "appeals": total,
        "answered": f["answered"],
        "open": f["open"],
        "on_time": _pct(f["on_time_rate"]),
        "satisfied": _pct(f["satisfaction_rate"]),
    }
    if (f["on_time_rate"] is not None and f["on_time_rate"] < 90) or (
        f["satisfaction_rate"] is not None and f["satisfaction_rate"] < 90
    ):
        reasonable += _("需对逾期和不满意的诉求逐件回访、督办整改。")
    else:
        reasonable += _("应保持办理质量，做好满意度回访。")
    open_levels = f["open_warnings_by_level"]
    urgent = f["by_grade"].get(Grade.RED, 0) + f["by_grade"].get(Grade.ORANGE, 0)
    early_parts = []
    if f["open_warnings"]:
        levels = "、".join(
            f"{_level(level)}{open_levels[level]}条"
            for level in WarningLevel.values
            if open_levels.get(level)
        )
        early_parts.append(
            _("目前尚有待处置预警%(n)d条（%(levels)s），请按处置原则明确责任人、限期处置并及时报告。")
            % {"n": f["open_warnings"], "levels": levels}
        )
    if urgent:
        early_parts.append(_("本月红色、橙色等级诉求%(n)d件，需重点跟踪，防止矛盾激化。") % {"n": urgent})
    trend_count = f["warnings_by_source"].get(WarningSource.TREND, 0)
    if trend_count:
        early_parts.append(
            _("趋势研判发现%(n)d处诉求异常增多，建议提交会诊研究，见微知著、提前化解。") % {"n": trend_count}
        )
    early = "".join(early_parts) or _("本月未发现苗头性、倾向性问题，继续保持日常预警研判。")
    intro = _("根据本月情况，提出以下对策建议。")
    figures = {
        "common": [c for c, _n in common],
        "open_warnings": f["open_warnings"],
        "open_warnings_by_level": open_levels,
        "urgent_appeals": urgent,
        "trend_warnings": trend_count,
    }
    return [
        _section("suggestions", intro, figures=figures),
        _section("suggest_general", general, level=2),
        _section("suggest_individual", individual, level=2),
        _section("suggest_reasonable", reasonable, level=2),
        _section("suggest_early", early, level=2),
    ]


def branches(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The enterprise report's roll-up: each branch's report status and its key figures."""
    statuses: dict[str, int] = {}
    table_rows = []
    for row in rows:
        statuses[row["status_label"]] = statuses.get(row["status_label"], 0) + 1
        f = row["figures"]
        table_rows.append(
            [
                row["name"],
                row["status_label"],
                f.get("people", 0),
                f.get("contacted", 0),
                f.get("talks", 0),
                f.get("visits", 0),
                f.get("appeals", 0),
                _pct(f.get("on_time_rate")),
                _pct(f.get("satisfaction_rate")),
            ]
        )
    summary = "、".join(f"{label}{n}个" for label, n in statuses.items())
    text = _(
        "全厂共%(n)d个党支部，报告情况：%(summary)s。各支部主要数据见下表，全厂合计数据按全厂范围单独统计。"
    ) % {
        "n": len(rows),
        "summary": summary or "—",
    }
    columns = [
        _("党支部"),
        _("报告状态"),
        _("在册"),
        _("联系"),
        _("谈话"),
        _("走访"),
        _("诉求"),
        _("按期答复率"),
        _("满意率"),
    ]
    figures = {"branches": [{k: row[k] for k in ("unit_id", "name", "status")} for row in rows]}
    return _section(
        "branches", text, figures=figures, tables=[_table(_("各党支部情况"), columns, table_rows)]
    )


def appendix(f: dict[str, Any], drafted: str) -> dict[str, Any]:
    rows = [
        [_("人员名册（单位人数统计）"), _("在册职工，不含离职"), f["people"]],
        [_("谈心谈话与走访记录"), _("本月谈访人次"), f["contact_links"]],
        [_("诉求台账"), _("本月受理，不含合并件"), f["appeals"]],
        [_("诉求台账"), _("上月受理"), f["prev_appeals"]],
        [_("诉求台账"), _("本月到期"), f["due"]],
        [_("办理记录"), _("本月满意度评价与回访"), f["rated"]],
        [_("预警"), _("本月发出"), f["warnings"]],
        [_("预警"), _("待处置"), f["open_warnings"]],
        [_("必谈必访"), _("本月到期"), f["must_due"]],
        [_("重点人员"), _("月末在册"), f["key_people"]],
        [_("帮扶计划"), _("月末在办"), f["care_plans"]],
        [_("三违帮教"), _("本月发生"), f["violations"]],
    ]
    text = _(
        "本报告由系统于%(at)s根据下列数据自动起草，经审核修改后报送。报告正文仅使用汇总数据和类别，不含个人姓名。"
    ) % {"at": drafted}
    return _section(
        "appendix",
        text,
        figures={"sources": len(rows)},
        tables=[_table(_("数据来源"), [_("数据来源"), _("统计口径"), _("条数")], rows)],
    )


def build_sections(
    *, name: str, figures: dict[str, Any], drafted: str, branch_rows: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    labels = category_labels()
    sections = [
        overview(name, figures, labels),
        performance(figures, labels),
        analysis(figures, labels),
        *suggestions(figures, labels),
    ]
    if branch_rows is not None:
        sections.append(branches(branch_rows))
    sections.append(appendix(figures, drafted))
    return sections
