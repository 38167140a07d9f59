"""Case numbers: prefix, local date, daily sequence, and no repeats under concurrency."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from civicgrid.cases.numbering import case_number, case_numbers, format_number, reserve_numbers
from civicgrid.territory.models import District
from tests.factories import XICHENG

BJT = ZoneInfo("Asia/Shanghai")


def test_number_uses_district_abbr_and_local_date(territory):
    District.objects.filter(code=XICHENG).update(abbr="XC")
    # 23:30 in Beijing on 22 November is still 15:30 UTC the same day, and 00:30 on the 23rd is
    # 16:30 UTC on the 22nd: the number follows the local day.
    late = dt.datetime(2026, 11, 22, 23, 30, tzinfo=BJT)
    early = dt.datetime(2026, 11, 23, 0, 30, tzinfo=BJT)
    assert case_number("110102001001001", late) == "XC-20261122-000001"
    assert case_number(XICHENG, late.astimezone(dt.UTC)) == "XC-20261122-000002"
    assert case_number(XICHENG, early.astimezone(dt.UTC)) == "XC-20261123-000001"


def test_prefix_falls_back_to_bj(territory):
    at = dt.datetime(2026, 1, 5, 10, tzinfo=BJT)
    assert case_number("110105001", at) == "BJ-20260105-000001"  # 朝阳区 has no abbr yet
    assert case_number("", at) == "BJ-20260105-000002"  # outside every district


@pytest.mark.django_db
def test_blocks_are_consecutive_and_per_prefix_and_day():
    day = dt.date(2026, 2, 14)
    assert reserve_numbers("XC", day, 3) == 1
    assert reserve_numbers("XC", day, 2) == 4
    assert reserve_numbers("DC", day, 1) == 1
    assert reserve_numbers("XC", day + dt.timedelta(days=1), 1) == 1
    assert case_numbers("XC", day, 2) == ["XC-20260214-000006", "XC-20260214-000007"]


def test_sequence_grows_wider_after_six_digits():
    assert format_number("XC", dt.date(2026, 2, 14), 999_999) == "XC-20260214-999999"
    assert format_number("XC", dt.date(2026, 2, 14), 1_000_000) == "XC-20260214-1000000"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent writers")
def test_concurrent_reservations_never_overlap():
    day, threads, per_thread = dt.date(2026, 11, 22), 6, 25
    got: list[int] = []
    lock, start = threading.Lock(), threading.Barrier(threads)

    def worker(i):
        try:
            start.wait()
            for k in range(per_thread):
                n = 1 + (i + k) % 3
                first = reserve_numbers("XC", day, n)
                with lock:
                    got.extend(range(first, first + n))
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert len(got) == len(set(got))
    assert sorted(got) == list(range(1, len(got) + 1))
