"""The working calendar on China's real 2025–2026 holidays and make-up days (调休)."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from civicgrid.core import calendar as wc
from civicgrid.core.calendar import DeadlineUnit as U
from civicgrid.core.errors import InvalidInput

BJ = ZoneInfo("Asia/Shanghai")
CAL = wc.WorkingCalendar(wc.read_table(wc.TABLE_PATH))  # default hours 09:00–12:00, 13:30–17:00


def at(y, m, d, hh=0, mm=0, ss=0):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=BJ)


def d(s):
    return dt.date.fromisoformat(s)


def days(a, b):
    return [d(a) + dt.timedelta(days=i) for i in range((d(b) - d(a)).days + 1)]


def to64(t):
    return np.datetime64(t.astimezone(dt.UTC).replace(tzinfo=None), "s")


# --- the table holds the State Council's published schedules --------------------------------
def test_2025_spring_festival_and_its_make_up_days():
    assert not any(CAL.is_working_day(x) for x in days("2025-01-28", "2025-02-04"))
    assert CAL.is_working_day(d("2025-01-26"))  # Sunday, 调休上班
    assert CAL.is_working_day(d("2025-02-08"))  # Saturday, 调休上班
    assert CAL.is_working_day(d("2025-01-27")) and CAL.is_working_day(d("2025-02-05"))
    assert not CAL.is_working_day(d("2025-02-09"))  # an ordinary Sunday


def test_2025_national_day_with_mid_autumn():
    assert not any(CAL.is_working_day(x) for x in days("2025-10-01", "2025-10-08"))
    assert CAL.is_working_day(d("2025-09-28")) and CAL.is_working_day(d("2025-10-11"))
    assert CAL.table[d("2025-10-06")] == ("holiday", "中秋节")


def test_2026_spring_festival_and_national_day_as_published():
    assert not any(CAL.is_working_day(x) for x in days("2026-02-15", "2026-02-23"))
    assert CAL.is_working_day(d("2026-02-14")) and CAL.is_working_day(d("2026-02-28"))
    assert not any(CAL.is_working_day(x) for x in days("2026-10-01", "2026-10-07"))
    assert CAL.is_working_day(d("2026-09-20")) and CAL.is_working_day(d("2026-10-10"))
    assert not any(CAL.is_working_day(x) for x in days("2026-09-25", "2026-09-27"))  # 中秋


def test_table_covers_2018_to_2026_and_every_make_up_day_is_a_weekend():
    assert set(range(2018, 2027)) <= set(CAL.years)
    workdays = [x for x, (kind, _n) in CAL.table.items() if kind == "workday"]
    assert workdays and all(x.weekday() >= 5 for x in workdays)


# --- deadlines ------------------------------------------------------------------------------
@pytest.mark.parametrize(("start", "n", "deadline"), [
    # Friday before National Day: Sun 9-28 is a make-up day, so 3 days end on Tue 9-30.
    (at(2025, 9, 26, 10), 3, at(2025, 9, 30, 17)),
    # Friday before Spring Festival: Sun 1-26, Mon 1-27, then the holiday, then Wed 2-5.
    (at(2025, 1, 24, 10), 3, at(2025, 2, 5, 17)),
    # After hours on Friday: counting starts on the make-up Saturday 2-14; +1 skips the holiday.
    (at(2026, 2, 13, 18), 1, at(2026, 2, 24, 17)),
    # On a make-up Saturday: that day counts, the next working day is Monday.
    (at(2025, 2, 8, 10), 1, at(2025, 2, 10, 17)),
    # 0 working days = by the end of the counting day; before office hours counts the same day.
    (at(2025, 3, 4, 7), 0, at(2025, 3, 4, 17)),
    (at(2025, 3, 4, 17), 0, at(2025, 3, 5, 17)),  # at closing time counts from tomorrow
])
def test_working_days(start, n, deadline):
    assert CAL.add(start, n, U.working_days) == deadline


@pytest.mark.parametrize(("start", "hours", "deadline"), [
    (at(2025, 3, 4, 11), 2, at(2025, 3, 4, 14, 30)),  # across lunch
    (at(2025, 3, 4, 16), 3, at(2025, 3, 5, 11)),  # overnight
    (at(2025, 3, 4, 9), 6.5, at(2025, 3, 4, 17)),  # a full day ends at 17:00, not next morning
    (at(2025, 3, 4, 12, 40), 0.5, at(2025, 3, 4, 14)),  # from lunch break
    (at(2025, 2, 8, 10), 8, at(2025, 2, 10, 11, 30)),  # a make-up Saturday counts 5.5 h
    (at(2025, 10, 3, 10), 2, at(2025, 10, 9, 11)),  # reported during the holiday
    (at(2025, 9, 30, 16), 1.5, at(2025, 10, 9, 9, 30)),  # last hour before the holiday
])
def test_working_hours(start, hours, deadline):
    assert CAL.add(start, hours, U.working_hours) == deadline


def test_emergency_hours_run_through_holidays_and_nights():
    assert CAL.add(at(2025, 9, 30, 20), 24, U.emergency_hours) == at(2025, 10, 1, 20)
    assert CAL.add(at(2026, 2, 16, 23, 30), 2, U.emergency_hours) == at(2026, 2, 17, 1, 30)


def test_natural_days_end_at_midnight_and_count_holidays():
    # 民法典 第201条: the start's day is not counted; the period ends at 24:00 of day N.
    assert CAL.add(at(2025, 9, 30, 16), 3, U.natural_days) == at(2025, 10, 4)


def test_results_are_aware_local_times_and_inputs_must_be_aware():
    result = CAL.add(dt.datetime(2025, 3, 4, 3, tzinfo=dt.UTC), 2, U.working_hours)
    assert result == at(2025, 3, 4, 14, 30)  # 03:00 UTC is 11:00 in Beijing
    assert result.utcoffset() == dt.timedelta(hours=8)
    with pytest.raises(InvalidInput):
        CAL.add(dt.datetime(2025, 3, 4, 9), 1, U.working_hours)
    with pytest.raises(InvalidInput):
        CAL.add(at(2025, 3, 4), -1, U.working_hours)
    with pytest.raises(InvalidInput):
        CAL.add(at(2025, 3, 4), 1.5, U.working_days)
    with pytest.raises(InvalidInput):
        CAL.add_many(np.array([to64(at(2025, 3, 4))]), [1], np.array(["fortnights"]))


def test_working_time_between_counts_only_office_hours():
    fri, mon = at(2025, 3, 7, 16), at(2025, 3, 10, 10)
    assert CAL.working_time_between(fri, mon, U.working_hours) == dt.timedelta(hours=2)
    assert CAL.working_time_between(mon, fri, U.working_days) == -dt.timedelta(hours=2)
    assert CAL.working_time_between(fri, mon, U.emergency_hours) == dt.timedelta(hours=66)
    # A pause while an extension was pending moves the deadline by the paused working time.
    paused = CAL.working_time_between(fri, mon, U.working_hours)
    assert CAL.extend(at(2025, 3, 12, 17), paused, U.working_hours) == at(2025, 3, 13, 11)


@pytest.mark.parametrize(("used", "level"), [(0.79, "normal"), (0.81, "yellow"), (1.01, "red")])
def test_warning_levels(used, level):
    start = at(2025, 9, 30, 9)  # the last working day before National Day
    deadline = CAL.add(start, 10, U.working_hours)
    assert deadline == at(2025, 10, 9, 14)  # 6.5 h on 9-30, 3.5 h after the holiday
    now = CAL.extend(start, dt.timedelta(seconds=used * 36_000), U.working_hours)
    assert CAL.warning_level(now, start, deadline, U.working_hours) == level
    vec = CAL.warning_levels(to64(now), np.array([to64(start)]), np.array([to64(deadline)]),
                             U.working_hours)
    assert vec.tolist() == [level]


def test_yellow_share_is_configurable():
    start, now = at(2025, 3, 3, 9), at(2025, 3, 4, 11)  # 8.5 of 10 working hours used
    deadline = CAL.add(start, 10, U.working_hours)
    assert CAL.warning_level(now, start, deadline) == "yellow"
    assert CAL.warning_level(now, start, deadline, yellow_share=0.1) == "normal"


# --- scalar == vectorised -----------------------------------------------------------------
SPECIAL = sorted(x for x in CAL.table if x.year in (2025, 2026))
BOUNDARIES = [0, 9 * 3600, 12 * 3600, 13 * 3600 + 1800, 17 * 3600, 86_399]
day_2025_26 = st.one_of(
    st.sampled_from(SPECIAL),
    st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
)
second_of_day = st.one_of(st.sampled_from(BOUNDARIES), st.integers(0, 86_399))
instant = st.builds(lambda x, s: at(x.year, x.month, x.day) + dt.timedelta(seconds=s),
                    day_2025_26, second_of_day)
amount_for = {
    U.emergency_hours: st.integers(0, 500) | st.sampled_from([0.25, 1.5]),
    U.working_hours: st.integers(0, 300) | st.sampled_from([0.5, 6.5, 13.25]),
    U.working_days: st.integers(0, 40),
    U.natural_days: st.integers(0, 60),
}
case = st.sampled_from(list(U)).flatmap(
    lambda u: st.tuples(instant, amount_for[u], st.just(u)))


@settings(max_examples=300, deadline=None)
@given(st.lists(case, min_size=1, max_size=20))
def test_add_many_equals_add(cases):
    starts = np.array([to64(s) for s, _a, _u in cases])
    amounts = np.array([a for _s, a, _u in cases], dtype=float)
    units = np.array([u.value for _s, _a, u in cases])
    expected = [to64(CAL.add(s, a, u)) for s, a, u in cases]
    assert CAL.add_many(starts, amounts, units).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(instant, instant, st.sampled_from(list(U))), min_size=1, max_size=20))
def test_working_time_between_many_equals_scalar(pairs):
    a = np.array([to64(x) for x, _y, _u in pairs])
    b = np.array([to64(y) for _x, y, _u in pairs])
    units = np.array([u.value for *_xy, u in pairs])
    expected = [CAL.working_time_between(x, y, u).total_seconds() for x, y, u in pairs]
    assert CAL.working_time_between_many(a, b, units).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(instant, st.integers(1, 200))
def test_working_hours_added_are_working_hours_elapsed(start, hours):
    deadline = CAL.add(start, hours, U.working_hours)
    assert CAL.working_time_between(start, deadline, U.working_hours).total_seconds() == hours * 3600
    assert CAL.extend_many(np.array([to64(start)]), hours * 3600, U.working_hours).tolist() == [
        to64(deadline)]


def test_add_many_with_one_unit_and_many_rows():
    starts = np.full(1000, to64(at(2025, 9, 26, 10)))
    result = CAL.add_many(starts, np.full(1000, 3), U.working_days)
    assert result.dtype == np.dtype("datetime64[s]") and (result == to64(at(2025, 9, 30, 17))).all()


# --- settings, beyond the table, the command ---------------------------------------------
def test_settings_set_hours_and_extra_table(tmp_path):
    extra = tmp_path / "local.csv"
    extra.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2025-03-04,holiday,本地停工\n",
                     encoding="utf-8")
    conf = {"WORKING_HOURS": [["08:30", "12:00"], ["14:00", "18:00"]],
            "EXTRA_CALENDAR_CSV": str(extra)}
    with override_settings(CIVICGRID=conf):
        cal = wc.get_calendar()
        assert cal.add(at(2025, 3, 3, 17), 2, U.working_hours) == at(2025, 3, 5, 9, 30)
        assert not cal.is_working_day(d("2027-01-01"))
        assert cal.add(at(2026, 12, 31, 10), 1, U.working_days) == at(2027, 1, 4, 18)
    assert wc.get_calendar().add(at(2025, 3, 3, 17), 2, U.working_hours) == at(2025, 3, 4, 11)


def test_beyond_the_table_weekdays_work_and_a_warning_is_logged_once(caplog):
    cal = wc.WorkingCalendar(wc.read_table(wc.TABLE_PATH))
    with caplog.at_level(logging.WARNING, logger="civicgrid.core.calendar"):
        # 2030-10-01 is a Tuesday: without a published schedule it is a working day.
        assert cal.add(at(2030, 9, 30, 16), 1, U.working_days) == at(2030, 10, 1, 17)
        cal.add_many(np.array([to64(at(2031, 5, 1))]), [1], U.working_days)
    assert len([r for r in caplog.records if "outside the table" in r.getMessage()]) == 1


def test_show_prints_the_years_holidays_and_make_up_days(capsys):
    call_command("calendar", "show", "2026")
    out = capsys.readouterr().out
    assert "春节：2026-02-15（周日） 至 2026-02-23（周一），共 9 天" in out
    assert "上班  2026-02-28（周六）（春节调休）" in out
    with pytest.raises(CommandError, match="2031"):
        call_command("calendar", "show", "2031")


def test_update_regenerates_the_shipped_table_and_keeps_years_the_package_lacks(tmp_path):
    pytest.importorskip("chinese_calendar")
    out = tmp_path / "table.csv"
    out.write_text("date,kind,name\n2031-01-01,holiday,元旦\n2025-01-01,workday,错\n",
                   encoding="utf-8")
    call_command("calendar", "update", "--output", str(out))
    rows = wc.read_table(out)
    assert rows.pop(d("2031-01-01")) == ("holiday", "元旦")
    assert rows == wc.read_table(wc.TABLE_PATH)  # the shipped table is up to date
