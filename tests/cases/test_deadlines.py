"""Step deadlines on China's working calendar, across the real 2025–2026 holidays:
Spring Festival 2026 (02-15..02-23 off, make-up working days Sat 02-14 and Sat 02-28) and
National Day 2025 (10-01..10-08 off, make-up working days Sun 09-28 and Sat 10-11).
Working hours are the defaults: 09:00–12:00 and 13:30–17:00."""

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from civicgrid.cases.deadlines import (
    LimitTable,
    handle_deadline,
    step_deadlines,
    step_deadlines_many,
)
from civicgrid.cases.models import Priority
from civicgrid.dispatch.models import Category

BJT = ZoneInfo("Asia/Shanghai")


def bjt(*args):
    return dt.datetime(*args, tzinfo=BJT)


def category(pk=1, **limits):
    values = {"register_limit": 2, "register_unit": "working_hours", "dispatch_limit": 2,
              "dispatch_unit": "working_hours", "handle_limit": 5, "handle_unit": "working_days"}
    values.update(limits)
    return Category(pk=pk, code=f"C{pk}", name=f"分类{pk}", stream="city_management",
                    kind="event", **values)


def test_spring_festival_make_up_saturdays_count():
    # Friday 13 Feb 16:00: one working hour left that day; Saturday the 14th is a make-up day.
    d = step_deadlines(category(), bjt(2026, 2, 13, 16))
    assert d["register_deadline"] == bjt(2026, 2, 14, 10)
    assert d["dispatch_deadline"] == bjt(2026, 2, 14, 12)  # after the register allowance
    # Provisional handle deadline from the dispatch deadline: 5 working days after Sat the
    # 14th skip the whole festival: 24, 25, 26, 27 Feb and the make-up Saturday the 28th.
    assert d["handle_deadline"] == bjt(2026, 2, 28, 17)


def test_report_during_the_festival_waits_for_the_first_working_day():
    d = step_deadlines(category(), bjt(2026, 2, 17, 10))
    assert d["register_deadline"] == bjt(2026, 2, 24, 11)
    assert d["dispatch_deadline"] == bjt(2026, 2, 24, 14, 30)  # lunch 12:00–13:30 does not count


def test_national_day_2025():
    # Tuesday 30 Sept 16:30: half an hour that day, then nothing until Thursday 9 Oct.
    d = step_deadlines(category(), bjt(2025, 9, 30, 16, 30))
    assert d["register_deadline"] == bjt(2025, 10, 9, 10, 30)
    # A report on Saturday 27 Sept counts from the make-up Sunday the 28th.
    d = step_deadlines(category(), bjt(2025, 9, 27, 10))
    assert d["register_deadline"] == bjt(2025, 9, 28, 11)
    # Handle 2 working days from dispatch on Thursday 9 Oct: Fri 10 and the make-up Sat 11.
    assert handle_deadline(category(handle_limit=2), bjt(2025, 10, 9, 10)) == bjt(2025, 10, 11, 17)


def test_emergency_hours_and_natural_days_ignore_holidays():
    fire = category(register_limit=0.5, register_unit="emergency_hours", dispatch_limit=0.5,
                    dispatch_unit="emergency_hours", handle_limit=4, handle_unit="emergency_hours")
    d = step_deadlines(fire, bjt(2025, 10, 1, 23, 50))
    assert d["register_deadline"] == bjt(2025, 10, 2, 0, 20)
    assert d["dispatch_deadline"] == bjt(2025, 10, 2, 0, 50)
    assert d["handle_deadline"] == bjt(2025, 10, 2, 4, 50)
    # 3 natural days: until 24:00 of the third day after the dispatch day, holidays included.
    assert handle_deadline(category(handle_limit=3, handle_unit="natural_days"),
                           bjt(2025, 10, 1, 10)) == bjt(2025, 10, 5, 0)


def test_priority_shortens_never_lengthens():
    start = bjt(2026, 2, 16, 3)  # the second day of the Spring Festival, 3 a.m.
    normal = step_deadlines(category(), start)
    emergency = step_deadlines(category(), start, priority=Priority.EMERGENCY)
    # 2 + 2 working hours on Tuesday 24 Feb: 09:00–12:00, then one more hour after lunch.
    assert normal["dispatch_deadline"] == bjt(2026, 2, 24, 14, 30)
    # 特急: registered within half an hour and dispatched within the hour, clock always running,
    # then handled within 24 hours of dispatch.
    assert emergency["register_deadline"] == bjt(2026, 2, 16, 3, 30)
    assert emergency["dispatch_deadline"] == bjt(2026, 2, 16, 4)
    assert emergency["handle_deadline"] == bjt(2026, 2, 17, 4)
    # 紧急 on Friday 13 Feb 16:00: 1 working hour to register, 2 to dispatch, from the report.
    urgent = step_deadlines(category(), bjt(2026, 2, 13, 16), priority=Priority.URGENT)
    assert urgent["register_deadline"] == bjt(2026, 2, 13, 17)
    assert urgent["dispatch_deadline"] == bjt(2026, 2, 14, 10)
    # A category already faster than the cap keeps its own deadline.
    quick = category(register_limit=0.1, register_unit="emergency_hours")
    assert step_deadlines(quick, start, priority=Priority.EMERGENCY)["register_deadline"] == \
        start + dt.timedelta(minutes=6)


def test_case_without_category_gets_the_model_defaults():
    assert step_deadlines(None, bjt(2026, 2, 13, 16)) == step_deadlines(
        category(), bjt(2026, 2, 13, 16))


def test_vectorised_equals_scalar_across_the_holidays():
    cats = [category(1), category(2, register_limit=1, dispatch_limit=1, dispatch_unit="working_days",
                                   handle_limit=15, handle_unit="natural_days"),
            category(3, register_limit=0.5, register_unit="emergency_hours", handle_limit=2,
                     handle_unit="emergency_hours")]
    table = LimitTable.from_categories(cats)
    rng = np.random.default_rng(7)
    first = np.datetime64("2025-09-20T00:00:00")
    starts = first + rng.integers(0, 170 * 86400, 240).astype("timedelta64[s]")
    ids = rng.choice([1, 2, 3, -1, 99], 240)  # -1 and an unknown id: the defaults
    prio = rng.choice([0, 0, 1, 2], 240)
    many = step_deadlines_many(ids, starts, prio, table=table)
    by_id = {c.pk: c for c in cats}
    for i in range(len(starts)):
        start = starts[i].astype(dt.datetime).replace(tzinfo=dt.UTC)
        one = step_deadlines(by_id.get(int(ids[i])), start, priority=int(prio[i]))
        for key, value in one.items():
            expected = np.datetime64(value.astimezone(dt.UTC).replace(tzinfo=None), "s")
            assert many[key][i] == expected, (key, start, ids[i], prio[i])


def test_priority_rule_can_be_configured(settings):
    settings.CIVICGRID = {**settings.CIVICGRID, "PRIORITY_DEADLINES": {
        "2": {"dispatch": [15, "emergency_hours"]}}}
    d = step_deadlines(category(), bjt(2026, 2, 16, 3), priority=Priority.EMERGENCY)
    assert d["dispatch_deadline"] == bjt(2026, 2, 16, 18)
    assert d["register_deadline"] == bjt(2026, 2, 24, 11)  # no register cap configured


@pytest.mark.django_db
def test_limit_table_from_db_reads_the_catalogue():
    c = Category.objects.create(code="X1", name="测试", stream="city_management", kind="event",
                                register_limit=1, register_unit="emergency_hours")
    out = step_deadlines_many([c.pk], np.array(["2026-02-16T00:00:00"], dtype="datetime64[s]"))
    assert out["register_deadline"][0] == np.datetime64("2026-02-16T01:00:00")
