"""manage.py import_roster FILE [--dry-run] [--create-units]: the wizard's import from the shell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lianxin.org.roster.service import roster_apply, roster_check


class Command(BaseCommand):
    help = "Import people and units from an .xlsx or .csv roster (all-or-nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument("--create-units", action="store_true", help="create units the file names")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": path})
        run = roster_check if options["dry_run"] else roster_apply
        report = run(path=path, name=path.name, create_units=options["create_units"])
        for line in report.lines():
            self.stdout.write(line)
        if report.units_to_create:
            self.stdout.write(_("缺失的单位：%(units)s") % {"units": "、".join(report.units_to_create)})
        if not report.ok:
            if report.only_missing_units:
                self.stdout.write(_("确认创建缺失的单位后重新运行，并加上 --create-units。"))
            raise CommandError(_("发现 %(n)d 个错误，未导入任何数据。") % {"n": len(report.errors)})
        if options["dry_run"]:
            self.stdout.write(self.style.SUCCESS(_("检查通过，未写入任何数据（--dry-run）。")))
        else:
            self.stdout.write(self.style.SUCCESS(_("导入完成。")))
