"""A report as a Word document (python-docx): a heading per section, its text as edited, its figures as
tables, and the appeals by category as a bar chart — an image only when a CJK font is installed (the labels
would otherwise print as empty boxes), the same numbers as a table when none is."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Inches, Pt

from lianxin.reports.models import Report

# Installed CJK fonts preferred for the chart, best first; any other font whose name says CJK will do.
CJK_FONT_NAMES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Source Han Sans SC",
    "SimHei",
    "Microsoft YaHei",
)
DOC_FONT = "宋体"


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The path of an installed font that can draw Chinese, found among matplotlib's known fonts; None
    when there is none (nothing is ever downloaded)."""
    from matplotlib import font_manager

    # Regular weights first, so that a family's bold file does not shadow its regular one.
    fonts = sorted(font_manager.fontManager.ttflist, key=lambda f: f.weight not in (400, "normal", "regular"))
    by_name: dict[str, str] = {}
    for f in fonts:
        by_name.setdefault(f.name, f.fname)
    for name in CJK_FONT_NAMES:
        if name in by_name:
            return by_name[name]
    for font in fonts:
        if "CJK" in font.name or "Hei" in font.name:
            return str(font.fname)
    return None


def chart_png(rows: list[list[Any]], font_path: str) -> bytes:
    """A bar chart of appeals by category ([label, count, …] rows), as PNG bytes rendered in memory."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    font = font_manager.FontProperties(fname=font_path)
    figure = Figure(figsize=(6.4, 3.2), dpi=150)
    axes = figure.subplots()
    labels = [str(r[0]) for r in rows]
    counts = [int(r[1]) for r in rows]
    axes.bar(range(len(rows)), counts, color="#c0392b")
    axes.set_xticks(range(len(rows)))
    axes.set_xticklabels(labels, fontproperties=font, rotation=30, ha="right")
    axes.set_ylabel(_("件数"), fontproperties=font)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(_("本月诉求分类"), fontproperties=font)
    for x, n in enumerate(counts):
        axes.annotate(str(n), (x, n), ha="center", va="bottom", fontsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _table(document: Any, table: dict[str, Any]) -> None:
    document.add_paragraph(table["title"], style="Caption")
    columns = table["columns"]
    grid = document.add_table(rows=1, cols=len(columns))
    grid.style = "Table Grid"
    for cell, title in zip(grid.rows[0].cells, columns, strict=True):
        cell.text = str(title)
    for row in table["rows"]:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)
    if not table["rows"]:
        cells = grid.add_row().cells
        cells[0].text = _("无")


def _category_table(report: Report) -> dict[str, Any] | None:
    for section in report.sections:
        for table in section.get("tables", []):
            if table.get("key") == "by_category":
                found: dict[str, Any] = table
                return found
    return None


def report_docx(report: Report, title: str) -> bytes:
    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(11)
    normal.font.name = DOC_FONT  # creates the run fonts element; East Asian text needs its own attribute
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), DOC_FONT)
    document.add_heading(title, level=0)
    document.add_paragraph(
        _("状态：%(status)s　起草时间：%(at)s")
        % {
            "status": report.get_status_display(),
            "at": f"{timezone.localtime(report.drafted_at):%Y-%m-%d %H:%M}",
        }
    )
    for section in report.sections:
        document.add_heading(section["title"], level=1 if section.get("level", 1) == 1 else 2)
        text = report.texts.get(section["key"], section.get("text", ""))
        for line in text.splitlines() or [""]:
            if line.strip():
                document.add_paragraph(line)
        for table in section.get("tables", []):
            _table(document, table)
        if section["key"] == "overview":
            categories = _category_table(report)
            if categories and categories["rows"]:
                font = cjk_font()
                if font is not None:
                    document.add_picture(io.BytesIO(chart_png(categories["rows"], font)), width=Inches(6))
                else:
                    _table(
                        document,
                        {
                            "title": _("本月诉求分类（图表数据）"),
                            "columns": [_("类别"), _("件数")],
                            "rows": [r[:2] for r in categories["rows"]],
                        },
                    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
