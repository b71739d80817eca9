"""The .docx export states the drafting time as the reader's clock shows it (Asia/Shanghai), not UTC."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from docx import Document

from lianxin.reports import export
from lianxin.reports.figures import previous_month
from lianxin.reports.services import report_draft, report_title
from tests.factories import Org

pytestmark = pytest.mark.django_db


def test_docx_drafting_time_is_local(org: Org) -> None:
    report = report_draft(unit=org.branch_a, month=previous_month(timezone.localdate()))
    # 23:30 UTC is 07:30 the next morning in Shanghai.
    report.drafted_at = dt.datetime(2026, 11, 2, 23, 30, tzinfo=dt.UTC)
    document = Document(io.BytesIO(export.report_docx(report, report_title(report))))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2026-11-03 07:30" in text
    assert "2026-11-02 23:30" not in text
