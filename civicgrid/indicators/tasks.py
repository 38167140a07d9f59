"""Background work: recompute the computed indicators (same as `civicgrid indicators
recompute`). Enqueue with `recompute_indicators.enqueue()`; the database worker
(`civicgrid db_worker`) runs it. Arguments are JSON: an ISO date and a plan code."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from .recompute import indicators_recompute


@task()
def recompute_indicators(as_of: str | None = None, plan_code: str | None = None) -> dict:
    report = indicators_recompute(as_of=dt.date.fromisoformat(as_of) if as_of else None,
                                  plan_code=plan_code or None)
    return {"as_of": report.as_of.isoformat(), "written": report.written,
            "unchanged": report.unchanged, "skipped": report.skipped}
