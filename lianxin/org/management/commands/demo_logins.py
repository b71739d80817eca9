"""`manage.py demo_logins`: print the demo's persona logins, or how to create them."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError
from django.utils.translation import gettext as _

from lianxin.org.demo.accounts import Login, demo_logins


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Print the demo logins: persona, username, password and what each one sees."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            logins = demo_logins()
        except DatabaseError:  # not migrated yet
            logins = []
        if not logins:
            self.stdout.write(_("演示数据尚未生成：请先运行 make demo（或 manage.py demo_seed）。"))
            return
        self.stdout.write(self.table(logins))

    @staticmethod
    def table(logins: list[Login]) -> str:
        header = (_("角色"), _("用户名"), _("密码"), _("能看到什么"))
        rows = [(lg.persona.label, lg.username, lg.password, lg.persona.sees) for lg in logins]
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(4)]
        rule = "  ".join("-" * w for w in widths)
        lines = [
            _("连心演示企业：清江水电厂 — 各角色登录账号"),
            rule,
            "  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip(),
            rule,
        ]
        lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        lines.append(rule)
        return "\n".join(lines)
