"""False alarms on ordinary noise: a Poisson background per team and category, many weeks of it, and how
many warnings trend detection raises on it (none of them is a real trend). Also why the test is the exact
conditional one and not poisson.sf on the baseline mean."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy.stats import poisson  # type: ignore[import-untyped]

from lianxin.insight.models import Warning
from lianxin.insight.trends import TrendConfig, bh_threshold, p_values, trends_detect
from tests.factories import Org
from tests.insight.test_trends_data import at, background, build_plant

SIMULATED_WEEKS = 50


@pytest.mark.slow
def test_fifty_weeks_of_background_raise_at_most_one_false_warning(org: Org) -> None:
    plant = build_plant(org)
    first = dt.date(2025, 9, 1)  # a Monday
    background(plant, first, 12 + SIMULATED_WEEKS, seed=11)
    cfg = TrendConfig()
    false = 0
    for k in range(SIMULATED_WEEKS):
        week = first + dt.timedelta(weeks=12 + k)
        found = trends_detect(week_start=week, now=at(week + dt.timedelta(days=7), 5), config=cfg)
        false += len(found)
    print(f"\nfalse warnings: {false} in {SIMULATED_WEEKS} weeks ({false / SIMULATED_WEEKS:.3f} per week)")
    assert false <= 1
    assert Warning.objects.count() == false


def _simulate(method: str, weeks: int, rng: np.random.Generator) -> int:
    """Cells with rates from 0.05 to 5 a week, 12 baseline weeks; the alarms over `weeks` runs."""
    cfg = TrendConfig()
    rates = np.repeat(np.array([0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0]), 300)
    alarms = 0
    for _ in range(weeks):
        counts = rng.poisson(rates[:, None], size=(len(rates), 13))
        current, base = counts[:, -1], counts[:, :-1].sum(axis=1)
        gate = (current >= cfg.min_count) & (current * 12 >= cfg.min_ratio * base)
        if method == "exact":
            p = p_values(current, base, 12)
        else:
            p = poisson.sf(current - 1, base / 12)
        p = np.where(gate, p, 1.0)
        threshold = bh_threshold(p[gate], len(rates), cfg.fdr)
        alarms += int((p <= threshold).sum())
    return alarms


def test_the_exact_test_stays_quiet_where_the_plug_in_poisson_test_does_not() -> None:
    exact = _simulate("exact", 200, np.random.default_rng(3))
    plug_in = _simulate("plug-in", 200, np.random.default_rng(3))
    print(f"\nfalse alarms in 200 weeks of 2,100 cells: exact {exact}, poisson.sf on the mean {plug_in}")
    assert exact <= 2
    assert plug_in > exact


def test_benjamini_hochberg() -> None:
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205])
    assert bh_threshold(p, 8, 0.05) == 0.008
    assert bh_threshold(p, 1000, 0.05) == -1.0
    assert bh_threshold(np.array([]), 0, 0.05) == -1.0
