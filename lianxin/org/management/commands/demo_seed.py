"""`manage.py demo_seed`: build the demo hydropower plant (people, units, grids, pairing, logins)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.appeals.models import Appeal
from lianxin.org.demo.build import seed_demo
from lianxin.org.demo.rows import analyze
from lianxin.org.demo.structure import DEFAULT_PEOPLE, MIN_PEOPLE
from lianxin.org.models import Pairing, Person, Responsibility, Unit, UnitCount

DEMO_APPEALS_UP_TO = 5000  # people


class Command(BaseCommand):
    help = "Build the demo enterprise: a hydropower plant with its branches, grids, people and logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people",
            type=int,
            default=DEFAULT_PEOPLE,
            help=f"how many people (default {DEFAULT_PEOPLE}; at least {MIN_PEOPLE})",
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed: the same seed, the same plant"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the database already holds people"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        people: int = options["people"]
        if people < MIN_PEOPLE:
            raise CommandError(f"--people must be at least {MIN_PEOPLE}")
        if Person.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already holds people: the demo is not seeded again.")
                return
            raise CommandError(
                "The database already holds people. Use a fresh database, or --if-empty to skip."
            )
        verbose = options["verbosity"] > 1
        started = time.perf_counter()
        result = seed_demo(
            people=people,
            seed=options["seed"],
            progress=(lambda msg: self.stdout.write(f"  … {msg}")) if verbose else None,
        )
        if people <= DEMO_APPEALS_UP_TO:
            # The small demo also shows appeals in every state; at benchmark scale they are seeded apart.
            from lianxin.appeals.demo import seed_demo_appeals

            seed_demo_appeals(seed=options["seed"])
            from lianxin.care.demo import seed_demo_care

            seed_demo_care(seed=options["seed"])
            # Thirteen weeks of ordinary appeals and this week's shuttle-bus story, then trend detection.
            from lianxin.insight.demo_trends import seed_demo_trend_story

            seed_demo_trend_story(seed=options["seed"])
            # Warnings from the rule scan over the appeals, key people and talks above.
            from lianxin.insight.demo import seed_demo_insight

            seed_demo_insight(seed=options["seed"])
            # A suggester model learned from the plant's confirmed history, with its measured quality.
            from lianxin.insight.demo import train_demo_suggester

            train_demo_suggester()
            from lianxin.reports.demo import seed_demo_reports

            seed_demo_reports()
            # Last: the consultation meeting takes its agenda from the warnings and appeals seeded above.
            from lianxin.consult.demo import seed_demo_consult

            seed_demo_consult(seed=options["seed"])
        analyze(Unit, Person, Pairing, Responsibility, UnitCount)
        seconds = time.perf_counter() - started  # the commit and the statistics included
        appeals = Appeal.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo seeded in {seconds:.1f} s: {result.people} people, {result.units} units, "
                f"{result.grids} grids, {result.pairings} pairings ({result.gaps} people deliberately "
                f"without a contact), {result.responsibilities} responsibilities, {appeals} appeals."
            )
        )
        self.stdout.write("Run `manage.py demo_logins` for the persona logins.")
