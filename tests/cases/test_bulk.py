"""`civicgrid cases import`: good rows imported with the online intake's answers, bad rows in the
error file with their row number and reason, one transaction (dry run and failures write
nothing), JSON Lines, idempotent client keys."""

from __future__ import annotations

import csv
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from civicgrid.accounts.models import Role
from civicgrid.cases import bulk
from civicgrid.cases.bulk import import_file
from civicgrid.cases.deadlines import step_deadlines
from civicgrid.cases.models import Case, CaseEvent, CaseNumberSequence, Reporter
from civicgrid.cases.services.intake import case_intake
from civicgrid.dispatch.models import Category
from civicgrid.dispatch.routing import route
from civicgrid.territory.locator import get_locator, reset_locator
from tests.factories import make_user

BJ = ZoneInfo("Asia/Shanghai")
HEADER = ["client_key", "channel", "description", "reported_at", "lon", "lat", "address",
          "category", "state", "registered_at", "dispatched_at", "accepted_at",
          "reported_back_at", "closed_at", "rated_at", "rating", "solved", "reporter_name",
          "reporter_phone"]
GOOD = [
    # 2: patrol with coordinates and a category
    ["k1", "patrol", "路口污水井盖破损", "2025-09-22 10:00", "116.305", "39.905", "",
     "C0102", "", "", "", "", "", "", "", "", "", "", ""],
    # 3: hotline, address only, no category (the classifier suggests one)
    ["k2", "12345热线", "小区门口污水井盖丢失，请尽快处理", "2025-09-22 11:30", "", "",
     "西城区西长安街街道西长1号社区3号楼", "", "", "", "", "", "", "", "", "", "", "张伟",
     "138-0013-8000"],
    # 4: a closed historical case, rated
    ["k3", "hotline", "楼下污水井盖松动", "2025-09-15 09:10", "116.325", "39.925", "",
     "C0102", "closed", "2025-09-15 09:40", "2025-09-15 10:00", "2025-09-15 10:30",
     "2025-09-16 15:00", "2025-09-17 10:00", "2025-09-18 10:00", "满意", "是", "", ""],
]
BAD = [
    # 5: bad date
    ["k4", "patrol", "井盖破损", "2025-13-45", "116.305", "39.905", "", "", "", "", "", "",
     "", "", "", "", "", "", ""],
    # 6: unknown category code
    ["k5", "patrol", "井盖破损", "2025-09-22 10:00", "116.305", "39.905", "", "X9999", "", "",
     "", "", "", "", "", "", "", "", ""],
    # 7: coordinates outside China
    ["k6", "patrol", "井盖破损", "2025-09-22 10:00", "10.0", "39.905", "", "", "", "", "", "",
     "", "", "", "", "", "", ""],
    # 8: empty description
    ["k7", "patrol", "", "2025-09-22 10:00", "116.305", "39.905", "", "", "", "", "", "", "",
     "", "", "", "", "", ""],
    # 9: the client key of row 2 again
    ["k1", "patrol", "另一个井盖", "2025-09-22 10:05", "116.305", "39.905", "", "", "", "", "",
     "", "", "", "", "", "", "", ""],
]


@pytest.fixture
def city(territory):
    from civicgrid.demo.routing import ensure_demo_routing

    reset_locator()
    ensure_demo_routing()
    yield territory
    reset_locator()


def write_csv(path, rows, header=HEADER):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def read_errors(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {int(r["行号"]): r["原因"] for r in csv.DictReader(f)}


def test_mixed_csv_imports_good_rows_and_names_each_bad_row(city, tmp_path):
    src = write_csv(tmp_path / "cases.csv", GOOD + BAD)
    report = import_file(src, errors_path=tmp_path / "errors.csv", progress=False)
    assert (report.imported, report.rejected, report.skipped) == (3, 4, 1)
    assert set(Case.objects.values_list("client_key", flat=True)) == {"k1", "k2", "k3"}
    errors = read_errors(tmp_path / "errors.csv")
    assert set(errors) == {5, 6, 7, 8, 9}
    assert "上报时间" in errors[5] and "X9999" in errors[6]
    assert "中国境内" in errors[7] and "问题描述为空" in errors[8]
    assert "k1" in errors[9] and "已跳过" in errors[9]

    c1 = Case.objects.get(client_key="k1")
    loc = get_locator().locate(116.305, 39.905)
    assert (c1.grid_code, c1.community_code, c1.street_code, c1.district_code) == (
        loc.grid_code, loc.community_code, loc.street_code, loc.district_code)
    assert c1.category.code == "C0102" and c1.state == "reported" and c1.stream
    assert c1.number.startswith("BJ-20250922-")  # the test district has no abbreviation
    expected = step_deadlines(c1.category, c1.reported_at)
    assert c1.handle_deadline == expected["handle_deadline"]
    assert c1.register_deadline == expected["register_deadline"]
    decision = route(category=c1.category, district_code=c1.district_code,
                     street_code=c1.street_code, community_code=c1.community_code,
                     grid_code=c1.grid_code)
    assert c1.routing_reason == decision.reason_zh and c1.routing_reason
    assert c1.unit_department_id is None  # set by dispatch, not at intake
    assert list(c1.events.values_list("action", "to_state")) == [("report", "reported")]

    c2 = Case.objects.get(client_key="k2")
    assert c2.location_source == "address" and c2.community_code == "110102001001"
    assert c2.category is not None  # suggested from the description
    reporter = Reporter.objects.get(case=c2)
    assert (reporter.name, reporter.phone) == ("张伟", "13800138000")

    c3 = Case.objects.get(client_key="k3")
    assert c3.state == "closed" and c3.rating == "satisfied" and c3.solved is True
    assert [e.action for e in c3.events.all()] == [
        "report", "register", "dispatch", "accept", "report_back", "verify_pass", "close",
        "rate"]
    assert c3.unit_department_id is not None or c3.unit_area_code


@pytest.mark.parametrize("row", [0, 1])
def test_bulk_result_equals_the_online_intake(city, tmp_path, row):
    """Same input through case_intake and through the bulk pipeline: same place, category,
    deadlines and routing suggestion."""
    src = write_csv(tmp_path / "one.csv", [GOOD[row]])
    import_file(src, progress=False)
    bulk_case = Case.objects.get(client_key=GOOD[row][0])
    r = dict(zip(HEADER, GOOD[row], strict=True))
    online = case_intake(
        actor=make_user(Role.CITY_ADMIN), channel=bulk_case.channel,
        description=r["description"], lon=float(r["lon"]) if r["lon"] else None,
        lat=float(r["lat"]) if r["lat"] else None, address=r["address"],
        category=r["category"] or None, reporter_name=r["reporter_name"],
        reporter_phone=r["reporter_phone"], reported_at=bulk_case.reported_at).case
    fields = ["district_code", "street_code", "community_code", "grid_code", "location_source",
              "category_id", "stream", "title", "register_deadline", "dispatch_deadline",
              "handle_deadline", "routing_reason", "state", "lon", "lat", "unit_department_id",
              "unit_area_code"]
    assert {f: getattr(bulk_case, f) for f in fields} == {f: getattr(online, f) for f in fields}
    bulk_event = bulk_case.events.get()
    online_event = online.events.get()
    assert bulk_event.data["category_source"] == online_event.data["category_source"]


def test_dry_run_writes_nothing(city, tmp_path):
    src = write_csv(tmp_path / "cases.csv", GOOD)
    report = import_file(src, dry_run=True, progress=False)
    assert report.imported == 3 and report.dry_run
    assert not Case.objects.exists() and not CaseEvent.objects.exists()
    assert not CaseNumberSequence.objects.exists()


def test_a_failure_midway_leaves_no_rows(city, tmp_path, monkeypatch):
    src = write_csv(tmp_path / "cases.csv", GOOD)
    real = bulk.event_rows
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "event_rows", failing)
    with pytest.raises(RuntimeError):
        import_file(src, progress=False, chunk_size=1)  # the first chunk is written first
    assert not Case.objects.exists() and not CaseEvent.objects.exists()
    assert not Reporter.objects.exists()


def test_jsonl_import_and_a_second_run_skips_existing_keys(city, tmp_path):
    path = tmp_path / "cases.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for r in GOOD:
            f.write(json.dumps({k: v for k, v in zip(HEADER, r, strict=True) if v},
                               ensure_ascii=False) + "\n")
        f.write("not json\n")
    report = import_file(path, errors_path=tmp_path / "e.csv", progress=False)
    assert (report.imported, report.rejected) == (3, 1)
    assert read_errors(tmp_path / "e.csv") == {4: "这一行不是有效的 JSON 对象"}
    again = import_file(path, progress=False)
    assert (again.imported, again.skipped) == (0, 3)
    assert Case.objects.count() == 3


def test_command_reports_and_fails_when_rows_were_rejected(city, tmp_path):
    src = write_csv(tmp_path / "cases.csv", GOOD[:1] + BAD[:1])
    with pytest.raises(CommandError):
        call_command("cases", "import", str(src), "--errors", str(tmp_path / "e.csv"),
                     "--no-progress")
    assert Case.objects.count() == 1
    assert set(read_errors(tmp_path / "e.csv")) == {3}


def test_state_needs_its_timestamps_and_order(city, tmp_path):
    closed_without_times = ["k8", "patrol", "井盖破损", "2025-09-22 10:00", "116.305", "39.905",
                            "", "C0102", "closed", "", "", "", "", "", "", "", "", "", ""]
    backwards = ["k9", "patrol", "井盖破损", "2025-09-22 10:00", "116.305", "39.905", "",
                 "C0102", "registered", "2025-09-21 10:00", "", "", "", "", "", "", "", "", ""]
    src = write_csv(tmp_path / "cases.csv", [closed_without_times, backwards])
    import_file(src, errors_path=tmp_path / "e.csv", progress=False)
    errors = read_errors(tmp_path / "e.csv")
    assert "结案时间" in errors[2] and "立案时间早于前一步" in errors[3]
    assert not Case.objects.exists()
    assert Category.objects.filter(code="C0102").exists()


def test_imports_are_dated_in_local_time(city, tmp_path):
    src = write_csv(tmp_path / "cases.csv", [GOOD[0]])
    import_file(src, progress=False)
    case = Case.objects.get()
    assert case.reported_at == dt.datetime(2025, 9, 22, 10, 0, tzinfo=BJ)


def test_excel_import(city, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["幂等键", "来源渠道", "问题描述", "上报时间", "经度", "纬度", "问题分类"])
    sheet.append(["x1", "网格员巡查", "污水井盖破损", dt.datetime(2025, 9, 22, 10, 0), 116.305,
                  39.905, "C0102"])
    sheet.append(["x2", "网格员巡查", "", dt.datetime(2025, 9, 22, 10, 0), 116.305, 39.905, ""])
    book.save(tmp_path / "cases.xlsx")
    report = import_file(tmp_path / "cases.xlsx", errors_path=tmp_path / "e.csv",
                         progress=False)
    assert (report.imported, report.rejected) == (1, 1)
    assert set(read_errors(tmp_path / "e.csv")) == {3}
    case = Case.objects.get()
    assert case.channel == "patrol" and case.reported_at == dt.datetime(2025, 9, 22, 10,
                                                                        tzinfo=BJ)


def test_reasons_name_areas_as_they_are_named_now(city, tmp_path, settings):
    """The router caches area labels for bulk imports; a renamed district shows in the next
    import's routing reasons (the cache goes when the territory revision moves)."""
    from civicgrid.territory.models import District
    from civicgrid.territory.services import territory_touch

    settings.CIVICGRID = {**settings.CIVICGRID, "LOCATOR_REFRESH_SECONDS": 0}
    import_file(write_csv(tmp_path / "a.csv", GOOD[:1]), progress=False)
    assert "西城区（110102）" in Case.objects.get(client_key="k1").routing_reason
    District.objects.filter(code="110102").update(name="新西城区")
    territory_touch()
    import_file(write_csv(tmp_path / "b.csv", [["k1b", *GOOD[0][1:]]]), progress=False)
    reason = Case.objects.get(client_key="k1b").routing_reason
    assert "新西城区（110102）" in reason
    decision = route(category=Category.objects.get(code="C0102"), district_code="110102")
    assert reason.startswith(decision.reason_zh[:20]) and "新西城区" in decision.reason_zh
