"""Roster import of 100,000 rows from .xlsx, end to end (check, then apply), on a fresh database.

SQLite by default (bench/out/bench_import.sqlite3); PostgreSQL when DATABASE_URL points at it, in a
database of its own (lx_bench_import) that the script drops and creates.

    uv run python bench/bench_import.py [--rows 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianxin uv run python bench/bench_import.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent))

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯健俊帆"
POLITICAL = ["中共党员", "党员", "中共预备党员", "共青团员", "群众", "群众", "群众", "其他"]
POSITIONS = ["运行值班员", "检修工", "电气工程师", "安全员", "班长", "技术员", "办公室文员", "调度员"]


def prepare_database(url: str) -> str:
    """A fresh, empty database for this run; returns its DATABASE_URL."""
    if url.startswith("postgres"):
        import psycopg

        base, _, _name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS lx_bench_import WITH (FORCE)")
            conn.execute("CREATE DATABASE lx_bench_import")
        return f"{base}/lx_bench_import"
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "bench_import.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{db}"


def build_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    rng = random.Random(20260827)
    departments = [f"第{i + 1}部" for i in range(8)]
    teams = [f"{i + 1}班" for i in range(25)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(["工号", "姓名", "性别", "出生日期", "政治面貌", "所在单位", "岗位", "入职日期", "手机"])
    for n in range(rows):
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(14000))
        sheet.append(
            [
                f"E{n + 1:07d}",
                rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
                rng.choice("男女"),
                birth if n % 3 else birth.strftime("%Y/%-m/%-d"),
                rng.choice(POLITICAL),
                f"{rng.choice(departments)}/{rng.choice(teams)}",
                rng.choice(POSITIONS),
                birth + dt.timedelta(days=365 * 22),
                f"13{rng.randrange(10**9):09d}",
            ]
        )
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    configured = os.environ.get("DATABASE_URL", "")
    os.environ["DATABASE_URL"] = prepare_database(configured)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    os.environ.setdefault("LIANXIN_VAR_DIR", str(OUT / "var"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from lianxin.org.models import Person, Unit, UnitKind
    from lianxin.org.roster.service import roster_apply, roster_check

    call_command("migrate", verbosity=0)
    Unit.objects.add_root(instance=Unit(name="示范电厂", kind=UnitKind.objects.get(code="enterprise")))

    OUT.mkdir(parents=True, exist_ok=True)
    xlsx = OUT / f"roster_{args.rows}.xlsx"
    if not xlsx.exists():
        started = time.perf_counter()
        build_xlsx(xlsx, args.rows)
        print(f"built {xlsx.name} in {time.perf_counter() - started:.1f} s")

    engine = "PostgreSQL" if settings.IS_POSTGRES else "SQLite"
    print(
        f"{engine} {connection.vendor} · Python {platform.python_version()} · {platform.machine()} · "
        f"{os.cpu_count()} CPUs · {xlsx.stat().st_size / 1e6:.1f} MB file"
    )

    def timed(label: str, fn):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
        print(f"  {label:<26} {seconds:6.1f} s   {result.summary()}  errors={len(result.errors)}", flush=True)
        return seconds, result

    # As the wizard does it: the check keeps the parsed rows beside the upload and the apply reuses them.
    parsed = OUT / "roster.parsed.json"
    t_check, report = timed(
        "check (dry run)", lambda: roster_check(path=xlsx, create_units=True, keep_parsed=parsed)
    )
    t_apply, report = timed("apply", lambda: roster_apply(path=xlsx, create_units=True, parsed_from=parsed))
    assert report.applied and Person.objects.count() == args.rows, report.lines()[:5]
    print(
        f"first import, end to end (check + apply): {t_check + t_apply:.1f} s for {args.rows} rows "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    t_again, again = timed("re-import, file read again", lambda: roster_apply(path=xlsx, create_units=True))
    assert again.unchanged == args.rows, again.summary()

    # Every row changed: the bulk-update path.
    Person.objects.update(position="待定", phone="")
    t_update, updated = timed("re-import, all changed", lambda: roster_apply(path=xlsx, create_units=True))
    assert updated.to_update == args.rows, updated.summary()


if __name__ == "__main__":
    main()
