"""`civicgrid bench intake` runs at a tiny scale in its own temporary database and returns sane
keys. No timing is asserted (docs/benchmarks.md records measured figures)."""

from __future__ import annotations

import pytest

from civicgrid.bench.bench_intake import bench_intake
from civicgrid.cases.models import Case


@pytest.mark.django_db
def test_bench_intake_at_a_tiny_scale_leaves_the_test_database_alone():
    Case.objects.none()  # the test database is open before and after the benchmark
    res = bench_intake(0.002)  # 500 cases (the minimum), then 500 and 1,000 for RSS
    extra = res.extra
    assert res.unit == "cases/s" and res.value > 0 and res.baseline > 0 and res.ratio > 0
    assert extra["n"] == 500 and extra["db"] == "sqlite"
    assert extra["events"] == 500  # one report event per new case
    assert 0 < extra["reporters"] < 500  # callers and residents name themselves
    assert extra["rss_mb_small"] > 0 and extra["rss_mb_large"] > 0
    # the anonymous part of the peak is part of the whole peak
    assert 0 < extra["anon_mb_small"] <= extra["rss_mb_small"]
    assert 0 < extra["anon_mb_large"] <= extra["rss_mb_large"]
    assert extra["rollup_rows"] >= 500  # the baseline writes the rollup rows too
    assert extra["baseline_cases_s"] == round(res.baseline)
    assert extra["raw_dropped_indexes_cases_s"] > 0
    assert {"route", "write_cases", "rollups", "indexes", "commit"} <= set(extra["timings"])
    assert not Case.objects.exists()  # everything went into the temporary database
