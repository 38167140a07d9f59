"""The status rules on hand-made indicators (pure functions, no database): completed, the
mid-term requirement (set mid-term target, else linear progress), lower-is-better, cumulative
indicators, missing data and targets, explicit marks, and the summary's percentages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from civicgrid.indicators.rules import (
    BASIS_FINAL,
    BASIS_LINEAR,
    BASIS_MIDTERM,
    COMPLETED,
    LAGGING,
    MIDTERM,
    NOT_EVALUABLE,
    IndicatorData,
    Point,
    evaluate,
    percent,
    summarize,
)

D = dt.date
START, END = D(2016, 1, 1), D(2020, 12, 31)


def P(date, value) -> Point:
    return Point(date, Decimal(str(value)))


def ind(*measurements, **kw) -> IndicatorData:
    kw.setdefault("final", P(END, 100))
    kw.setdefault("plan_start", START)
    return IndicatorData(code="x", measurements=tuple(measurements), **kw)


def test_completed_when_latest_figure_reaches_final_target_even_before_its_date():
    r = evaluate(ind(P(D(2017, 5, 1), 40), P(D(2018, 3, 1), 100)), D(2018, 6, 30))
    assert r.status == COMPLETED
    assert r.value == 100 and r.value_date == D(2018, 3, 1)
    assert r.requirement is None


def test_only_figures_on_or_before_as_of_count_and_the_latest_wins():
    data = ind(P(D(2018, 3, 1), 100), P(D(2017, 1, 1), 40), baseline=P(START, 0))
    assert evaluate(data, D(2017, 12, 31)).value == 40  # the 2018 figure is not known yet
    assert evaluate(data, D(2018, 3, 1)).status == COMPLETED


def test_linear_progress_from_baseline_without_midterm_targets():
    # Baseline 83 at the end of 2016, final 100 at the end of 2020: at 2018-06-30 the
    # requirement is 83 + 17 × 546/1461 = 89.353...: 89 lags, 89.4 meets it.
    data = dict(baseline=P(D(2016, 12, 31), 83))
    lag = evaluate(ind(P(D(2018, 6, 30), 89), **data), D(2018, 6, 30))
    assert lag.status == LAGGING and lag.basis == BASIS_LINEAR
    assert lag.requirement == Decimal(83) + Decimal(17) * Decimal(546) / Decimal(1461)
    assert round(lag.requirement, 4) == Decimal("89.3532")
    meets = evaluate(ind(P(D(2018, 6, 30), "89.4"), **data), D(2018, 6, 30))
    assert meets.status == MIDTERM


def test_linear_progress_before_the_baseline_date_requires_the_baseline():
    r = evaluate(ind(P(D(2016, 6, 1), 50), baseline=P(D(2016, 12, 31), 50)), D(2016, 6, 1))
    assert r.requirement == 50 and r.status == MIDTERM


def test_set_midterm_target_replaces_linear_progress_once_its_date_has_passed():
    data = dict(baseline=P(START, 0), midterms=(P(D(2018, 12, 31), 80), P(D(2017, 12, 31), 30)))
    # Before the first milestone: linear from the baseline.
    early = evaluate(ind(P(D(2017, 6, 1), 20), **data), D(2017, 6, 30))
    assert early.basis == BASIS_LINEAR
    # After 2017-12-31 the 2017 milestone (30) applies, even though linear would ask ~50.
    r = evaluate(ind(P(D(2018, 6, 1), 35), **data), D(2018, 6, 30))
    assert (r.status, r.requirement, r.basis, r.basis_date) == (
        MIDTERM, 30, BASIS_MIDTERM, D(2017, 12, 31))
    # After 2018-12-31 the 2018 milestone (80) applies.
    later = evaluate(ind(P(D(2019, 1, 5), 70), **data), D(2019, 1, 31))
    assert (later.status, later.requirement) == (LAGGING, 80)


def test_midterm_target_without_baseline_is_enough():
    r = evaluate(ind(P(D(2018, 6, 1), 10000), midterms=(P(D(2018, 1, 1), 10000),),
                     final=P(END, 12000)), D(2018, 6, 30))
    assert r.status == MIDTERM and r.requirement == 10000


def test_after_the_final_date_the_requirement_is_the_final_target():
    r = evaluate(ind(P(D(2021, 3, 1), 99), baseline=P(START, 0)), D(2021, 6, 30))
    assert (r.status, r.requirement, r.basis) == (LAGGING, 100, BASIS_FINAL)


def test_lower_is_better():
    data = dict(higher_is_better=False, baseline=P(START, 10), final=P(END, 5))
    # Linear at mid-2018: 10 − 5 × 912/1826 ≈ 7.50.
    assert evaluate(ind(P(D(2018, 6, 30), 7), **data), D(2018, 6, 30)).status == MIDTERM
    assert evaluate(ind(P(D(2018, 6, 30), 8), **data), D(2018, 6, 30)).status == LAGGING
    assert evaluate(ind(P(D(2018, 6, 30), 5), **data), D(2018, 6, 30)).status == COMPLETED
    assert evaluate(ind(P(D(2018, 6, 30), 4), **data), D(2018, 6, 30)).status == COMPLETED


def test_cumulative_indicator_takes_the_running_total_and_starts_from_zero():
    # Figures are running totals since the plan's start: 300, then 450 — the value is 450
    # (not 750), and without a baseline the linear path starts at 0 on 2016-01-01.
    data = ind(P(D(2017, 12, 31), 300), P(D(2018, 6, 30), 450), cumulative=True,
               final=P(END, 1000))
    r = evaluate(data, D(2018, 6, 30))
    assert r.value == 450
    assert r.basis == BASIS_LINEAR
    assert r.requirement == Decimal(1000) * Decimal(911) / Decimal(1826)  # ≈ 498.9
    assert r.status == LAGGING


def test_level_indicator_without_baseline_or_midterm_target_is_not_evaluable():
    r = evaluate(ind(P(D(2018, 6, 30), 315), final=P(END, 500)), D(2018, 6, 30))
    assert r.status == NOT_EVALUABLE
    assert r.reason == "未设定基期值和中期目标，无法计算中期要求"
    assert r.value == 315  # shown even though it cannot be judged
    seeds = evaluate(ind(P(D(2018, 6, 30), 315), final=P(END, 500), from_seeds=True),
                     D(2018, 6, 30))
    assert seeds.reason == "种子文件未给出基期值，无法计算中期要求"


def test_missing_data():
    assert evaluate(ind(), D(2018, 6, 30)).reason == "截至评估日没有已审核的数据"
    assert evaluate(ind(from_seeds=True), D(2018, 6, 30)).reason == "种子文件未给出数据"
    # A figure exists but only after as_of: the seeds did give one, so say "not yet".
    later = evaluate(ind(P(D(2019, 1, 1), 5), from_seeds=True), D(2018, 6, 30))
    assert (later.status, later.reason) == (NOT_EVALUABLE, "截至评估日没有已审核的数据")


def test_missing_target():
    r = evaluate(ind(P(D(2018, 6, 30), 1512), final=None, from_seeds=True), D(2018, 6, 30))
    assert (r.status, r.reason, r.value) == (NOT_EVALUABLE, "种子文件未给出目标值", 1512)
    nothing = evaluate(ind(final=None), D(2018, 6, 30))
    assert nothing.reason == "未设定期末目标值，也没有数据"


def test_explicitly_marked_and_unavailable_indicators_are_not_evaluable_with_the_reason():
    marked = ind(P(D(2018, 6, 30), 100), baseline=P(START, 0),
                 marked_reason="五年累计指标，中期不评估")
    r = evaluate(marked, D(2018, 6, 30))
    assert (r.status, r.reason) == (NOT_EVALUABLE, "五年累计指标，中期不评估")
    r = evaluate(ind(P(D(2018, 6, 30), 100), unavailable_reason="计算口径“x”不存在"),
                 D(2018, 6, 30))
    assert (r.status, r.reason) == (NOT_EVALUABLE, "计算口径“x”不存在")


def test_summary_in_the_seeds_form():
    # The seed: 28 indicators, 2 not evaluable, 14 of 26 completed (53.8%), 10 (38.5%) meet
    # the mid-term requirement, so 2 (7.7%) lag.
    results = ([evaluate(ind(P(D(2018, 1, 1), 100)), D(2018, 6, 30))] * 14
               + [evaluate(ind(P(D(2018, 1, 1), 90), baseline=P(START, 0)), D(2018, 6, 30))] * 10
               + [evaluate(ind(P(D(2018, 1, 1), 1), baseline=P(START, 0)), D(2018, 6, 30))] * 2
               + [evaluate(ind(marked_reason="指标需调整"), D(2018, 6, 30))] * 2)
    s = summarize(results)
    assert s.as_dict() == {"total": 28, "evaluable": 26, "completed": 14, "midterm": 10,
                           "lagging": 2, "not_evaluable": 2}
    assert (s.completed_pct, s.midterm_pct, s.lagging_pct) == (
        Decimal("53.8"), Decimal("38.5"), Decimal("7.7"))


def test_percentages_round_half_up_and_need_a_denominator():
    assert percent(1, 8) == Decimal("12.5")
    assert percent(1, 16) == Decimal("6.3")  # 6.25 → 6.3, not banker's 6.2
    assert percent(0, 0) is None
    assert summarize([]).completed_pct is None


RANK = {LAGGING: 0, MIDTERM: 1, COMPLETED: 2}


@given(low=st.integers(0, 200), high=st.integers(0, 200), day=st.integers(0, 2000))
def test_a_better_figure_never_gets_a_worse_status(low, high, day):
    low, high = sorted((low, high))
    as_of = START + dt.timedelta(days=day)
    base = dict(baseline=P(START, 20), midterms=(P(D(2018, 12, 31), 60),))
    a = evaluate(ind(P(START, low), **base), as_of)
    b = evaluate(ind(P(START, high), **base), as_of)
    assert RANK[a.status] <= RANK[b.status]
    lower = dict(base, higher_is_better=False, final=P(END, 0))
    a = evaluate(ind(P(START, high), **lower), as_of)
    b = evaluate(ind(P(START, low), **lower), as_of)
    assert RANK[a.status] <= RANK[b.status]
