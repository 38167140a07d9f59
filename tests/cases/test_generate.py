"""The synthetic workload: deterministic by seed, realistic in its mix, and its imported history
follows the workflow's transition table step by step."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from civicgrid.cases.bulk import import_batches, import_file
from civicgrid.cases.cli.generate import write_file
from civicgrid.cases.generate import generate_cases
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.workflow import TRANSITIONS, Action
from civicgrid.core.calendar import get_calendar
from civicgrid.territory.locator import reset_locator

BJ = ZoneInfo("Asia/Shanghai")
START, END = dt.date(2025, 9, 1), dt.datetime(2025, 11, 1, tzinfo=BJ)
COUNTER_OF = {Action.RETURN: "return_count", Action.VERIFY_FAIL: "rework_count",
              Action.APPROVE_EXTENSION: "extension_count", Action.SUPERVISE: "supervise_count",
              Action.REOPEN: "reopen_count"}


@pytest.fixture
def city(territory):
    from civicgrid.demo.routing import ensure_demo_routing

    reset_locator()
    ensure_demo_routing()
    yield territory
    reset_locator()


def gen(n=2000, seed=7, **kw):
    return list(generate_cases(n, start=START, end=END, seed=seed, chunk_size=700, **kw))


def test_same_seed_same_cases_other_seed_other_cases(city):
    a, b, c = gen(seed=7), gen(seed=7), gen(seed=8)
    assert [len(x["row"]) for x in a] == [700, 700, 600]
    for x, y in zip(a, b, strict=True):
        for key in x:
            np.testing.assert_array_equal(x[key], y[key], err_msg=key)  # NaN/NaT equal
    assert not np.array_equal(a[0]["description"], c[0]["description"])


def test_the_mix_looks_like_a_city(city):
    chunks = gen(n=6000)
    channel = np.concatenate([b["channel"] for b in chunks])
    shares = {k: v / len(channel) for k, v in Counter(channel.tolist()).items()}
    assert 0.45 < shares["hotline"] < 0.55 and 0.25 < shares["patrol"] < 0.35
    local_hour = ((np.concatenate([b["reported_at"] for b in chunks]).astype(np.int64)
                   + 8 * 3600) // 3600) % 24
    assert (local_hour < 6).mean() < 0.05  # few at night
    cal = get_calendar()
    days = (np.concatenate([b["reported_at"] for b in chunks]) + np.timedelta64(8, "h")
            ).astype("datetime64[D]").tolist()
    per_day = Counter(days)
    holiday = [d for d in per_day if cal.table.get(d, ("",))[0] == "holiday"]
    working = [d for d in per_day if cal.is_working_day(d)]
    assert holiday and np.mean([per_day[d] for d in holiday]) < \
        0.7 * np.mean([per_day[d] for d in working])
    states = Counter(np.concatenate([b["state"] for b in chunks]).tolist())
    assert states["closed"] > 0.7 * 6000 and states["handling"] > 0 and states["rejected"] > 0
    rating = Counter(np.concatenate([b["rating"] for b in chunks]).tolist())
    rated = sum(v for k, v in rating.items() if k)
    assert 0.8 < rating["satisfied"] / rated < 0.9
    hotline = channel == "hotline"
    no_point = np.isnan(np.concatenate([b["lon"] for b in chunks]))
    assert 0.25 < no_point[hotline].mean() < 0.45 and not no_point[channel == "patrol"].any()
    categories = Counter(np.concatenate([b["category_id"] for b in chunks]).tolist())
    top = sum(v for _k, v in categories.most_common(10))
    assert top > 0.3 * 6000  # a few categories dominate


def test_imported_history_follows_the_transition_table(city):
    report = import_batches(((b, []) for b in gen(n=1500)), now=END)
    assert report.imported == 1500 and report.rejected == 0
    events = defaultdict(list)
    for e in CaseEvent.objects.order_by("case_id", "id").values(
            "case_id", "action", "from_state", "to_state", "at"):
        events[e["case_id"]].append(e)
    seen_actions = set()
    for case in Case.objects.all():
        history = events[case.pk]
        assert history[0]["action"] == "report" and history[0]["from_state"] == ""
        state = history[0]["to_state"]
        for prev, e in zip(history, history[1:], strict=False):
            assert e["from_state"] == state, (case.number, e)
            assert (e["from_state"], e["action"]) in TRANSITIONS, (case.number, e)
            assert TRANSITIONS[(e["from_state"], e["action"])][0] == e["to_state"]
            assert e["at"] >= prev["at"], (case.number, prev, e)
            state = e["to_state"]
            seen_actions.add(e["action"])
        assert state == case.state, case.number
        counts = Counter(e["action"] for e in history)
        for action, field in COUNTER_OF.items():
            assert counts[action] == getattr(case, field), (case.number, field)
        if case.closed_at and case.state == "closed":
            assert history[-1]["at"] <= END
    assert {"register", "dispatch", "accept", "report_back", "verify_pass", "close", "rate",
            "return_case", "verify_fail", "request_extension", "approve_extension",
            "supervise", "reject"} <= seen_actions


def test_generate_to_file_and_import_gives_the_same_cases(city, tmp_path):
    path = tmp_path / "gen.jsonl"
    assert write_file(generate_cases(300, start=START, end=END, seed=3, chunk_size=120),
                      path) == 300
    report = import_file(path, progress=False)
    assert report.imported == 300 and report.rejected == 0
    from_file = dict(Case.objects.values_list("client_key", "state"))
    Case.objects.all().delete()
    import_batches(((b, []) for b in generate_cases(300, start=START, end=END, seed=3,
                                                    chunk_size=120)), now=END)
    assert dict(Case.objects.values_list("client_key", "state")) == from_file
