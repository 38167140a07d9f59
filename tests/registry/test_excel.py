"""Excel: every ledger exported and imported into empty ledgers gives the same rows; a file with
bad rows changes nothing and names each bad row; the command line does the same."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from civicgrid.core.errors import InvalidInput
from civicgrid.core.geo import gcj02_to_wgs84, wgs84_to_gcj02
from civicgrid.registry.exporting import ledger_export_file
from civicgrid.registry.ledgers import LEDGERS
from civicgrid.registry.models import (
    AlleySteward,
    BuildingStation,
    Certificate,
    CommunityBody,
    Enterprise,
    Facility,
    FacilityKind,
    HubLevel,
    LaneChief,
    OrgStatus,
    OrgType,
    PartyOrgKind,
    SocialOrganization,
    StationMode,
    TrainingRecord,
    Volunteer,
    Worker,
    WorkerKind,
)
from civicgrid.registry.services import ledger_import_file
from tests.factories import STREET_E, STREET_W, XICHENG

from .conftest import CY, E1, W1, W2, body, place

pytestmark = pytest.mark.django_db
# Order matters on import: stations before enterprises, lane chiefs before stewards.
ORDER = ["community-bodies", "social-organizations", "workers", "volunteers", "facilities",
         "building-stations", "enterprises", "lane-chiefs", "alley-stewards"]
ID_OK = "11010519491231002X"  # the check digit of GB 11643's own example


@pytest.fixture
def ledgers(territory):
    """At least one row of every ledger, using every kind of column."""
    body(W1, party_org_name="一号社区党委", party_org_kind=PartyOrgKind.COMMITTEE,
         party_members=120, committee_name="一号社区居委会", committee_members=7,
         station_name="一号社区服务站", station_staff=12, population=4321, households=1800,
         facility_area_m2=Decimal("512.5"), note="=不是公式")
    body(CY, population=1000)
    so = SocialOrganization.objects.create(
        code="91110102MA00000001", name="西城助老服务中心", org_type=OrgType.SOCIAL_SERVICE,
        status=OrgStatus.REGISTERED, hub_level=HubLevel.STREET, is_social_work_agency=True,
        has_party_org=True, service_fields="养老、助残", valid_from=dt.date(2015, 3, 9),
        **place(STREET_W))
    so.communities_served.set([W1, W2])
    SocialOrganization.objects.create(code="BA-001", name="城市枢纽", org_type=OrgType.SOCIAL_GROUP,
                                      status=OrgStatus.FILED, hub_level=HubLevel.CITY)
    w = Worker.objects.create(code="W-1", name="张三", kind=WorkerKind.SOCIAL_WORKER,
                              certificate=Certificate.ASSISTANT, employer="西城社工中心",
                              position="项目社工", valid_from=dt.date(2016, 1, 1),
                              valid_to=dt.date(2019, 1, 1), **place(W1))
    TrainingRecord.objects.create(worker=w, date=dt.date(2018, 3, 1), course="个案工作",
                                  hours=Decimal("16"))
    TrainingRecord.objects.create(worker=w, date=dt.date(2018, 5, 2), course="社区协商",
                                  hours=Decimal("7.5"))
    Worker.objects.create(code="W-2", name="李四", kind=WorkerKind.COMMUNITY_WORKER, **place(E1))
    Volunteer.objects.create(code="V-1", name="王五", id_number=ID_OK, phone="13800138000",
                             organisation="一号社区志愿服务队", service_hours=Decimal("120.5"),
                             valid_from=dt.date(2017, 5, 1), **place(W1))
    Facility.objects.create(code="F-1", name="一号服务圈", kind=FacilityKind.SERVICE_CIRCLE,
                            address="西城区某街1号", lon=116.3123456, lat=39.9123456,
                            opening_hours="8:00-20:00", area_m2=Decimal("650.0"),
                            operator="某公司", **place(W1))
    Facility.objects.create(code="F-2", name="街道服务中心", kind=FacilityKind.SERVICE_CENTRE,
                            **place(STREET_E))
    st = BuildingStation.objects.create(code="BS-1", name="某大厦工作站",
                                        mode=StationMode.ONE_FOR_MANY, buildings="甲楼、乙楼",
                                        has_party_org=True, **place(STREET_W))
    Enterprise.objects.create(code="91110102MA00000009", name="某科技公司", industry="信息技术",
                              employees=55, building="甲楼", station=st, **place(STREET_W))
    Enterprise.objects.create(code="91110102MA00000010", name="无站企业", **place(XICHENG))
    chief = LaneChief.objects.create(code="LC-1", name="赵六", position="科长",
                                     lanes="西四北头条、西四北二条", **place(W1))
    AlleySteward.objects.create(code="AS-1", name="钱七", lanes="西四北头条", chief=chief,
                                **place(W1))
    AlleySteward.objects.create(code="AS-2", name="孙八", lanes="大院胡同", **place(W2))


def snapshot() -> dict[str, list[dict]]:
    """Every ledger's rows as plain values: no ids or timestamps; references by code."""
    out = {}
    for name, ledger in LEDGERS.items():
        rows = []
        for obj in ledger.model.objects.order_by(ledger.key):
            row = {f.name: getattr(obj, f.name) for f in obj._meta.concrete_fields
                   if f.name not in ("id", "updated_at") and not f.is_relation}
            for f in obj._meta.concrete_fields:
                if f.is_relation:
                    related = getattr(obj, f.name)
                    row[f.name] = related.code if related else None
            if name == "social-organizations":
                row["communities_served"] = sorted(obj.communities_served.values_list("pk",
                                                                                     flat=True))
            if name == "workers":
                row["trainings"] = list(obj.trainings.order_by("date").values_list(
                    "date", "course", "hours"))
            rows.append(row)
        out[name] = rows
    return out


def wipe_ledgers() -> None:
    for model in apps.get_app_config("registry").get_models():
        model.objects.all().delete()


def test_every_ledger_round_trips_through_excel(ledgers, tmp_path):
    before = snapshot()
    assert all(before[name] for name in LEDGERS), "the fixture fills every ledger"
    files = {name: tmp_path / f"{name}.xlsx" for name in ORDER}
    for name in ORDER:
        assert ledger_export_file(name, files[name]) == len(before[name])
    wipe_ledgers()
    assert sum(len(rows) for rows in snapshot().values()) == 0
    for name in ORDER:
        report = ledger_import_file(name, files[name])
        assert (report.created, report.updated, report.unchanged) == (len(before[name]), 0, 0)
    assert snapshot() == before
    # Imported again: nothing changes, and no history entry is added.
    history = sum(m.objects.count() for m in apps.get_app_config("registry").get_models()
                  if m.__name__.startswith("Historical"))
    for name in ORDER:
        report = ledger_import_file(name, files[name])
        assert (report.created, report.updated) == (0, 0)
    assert history == sum(m.objects.count() for m in apps.get_app_config("registry").get_models()
                          if m.__name__.startswith("Historical"))


def test_export_writes_chinese_headers_labels_and_text_not_formulas(ledgers, tmp_path):
    path = tmp_path / "bodies.xlsx"
    ledger_export_file("community-bodies", path)
    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("社区编码", "社区党组织", "党组织类型")
    assert rows[1][:3] == (W1, "一号社区党委", "党委")
    note = sheet.cell(row=2, column=len(rows[0]))
    assert note.value == "=不是公式" and note.data_type == "s"


def workbook(header: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


VOLUNTEER_HEADER = ["志愿者编号", "姓名", "身份证号", "手机号", "累计服务时长(小时)", "社区编码",
                    "起始日期", "终止日期"]


def bad_volunteer_file(tmp_path):
    rows = [
        ["V-1", "王五（改名）", ID_OK, "13800138000", 130, W1, "2017-05-01", ""],  # fine
        ["V-2", "陈一", "110105194912310021", "13900139000", 5, W1, "", ""],  # bad check digit
        ["V-3", "陈二", "", "", 5, "110102001999", "", ""],  # no such community
        ["V-1", "重复", "", "", 5, W1, "", ""],  # the key again
        ["V-4", "陈三", "110105********002X", "139****9000", 5, W1, "", ""],  # masked values
        ["V-5", "陈四", "", "", "十", W2, "2019-01-01", "2018-01-01"],  # hours, dates
        ["V-6", "", "", "", "", "", "", ""],  # no name, no place
        ["V-7", "陈五", "", "", 1, f"{STREET_E}", "2018/2/30", ""],  # no such date
        ["V-8", "陈六", "", "", 1, "", "", ""],  # a good row...
    ]
    rows[-1][5] = W2
    path = tmp_path / "volunteers.xlsx"
    path.write_bytes(workbook(VOLUNTEER_HEADER, rows))
    return path


def test_bad_rows_change_nothing_and_each_is_named(ledgers, tmp_path):
    before = snapshot()
    path = bad_volunteer_file(tmp_path)
    with pytest.raises(InvalidInput) as caught:
        ledger_import_file("volunteers", path)
    errors = caught.value.details
    by_line: dict[int, str] = {}
    for e in errors:
        by_line[e.line] = by_line.get(e.line, "") + e.message
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9]  # rows 2 and 10 are fine
    assert "校验位" in by_line[3]
    assert "110102001999" in by_line[4] and "不存在" in by_line[4]
    assert "与第2行重复" in by_line[5]
    assert "遮挡" in by_line[6]
    assert "不是数字" in by_line[7] and "终止日期早于起始日期" in by_line[7]
    assert "缺少必填项“姓名”" in by_line[8] and "区县" in by_line[8]
    assert "2018/2/30" in by_line[9]
    assert "第3行" in caught.value.message and "未导入任何数据" in caught.value.message
    assert snapshot() == before  # the good rows were not written either


def test_command_line_import_reports_each_bad_row_and_exits_1(ledgers, tmp_path):
    path = bad_volunteer_file(tmp_path)
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("registry", "import", "--ledger", "volunteers", str(path), stdout=out)
    assert caught.value.returncode == 1
    text = out.getvalue()
    for line in (3, 4, 5, 6, 7, 8, 9):
        assert f"第{line}行" in text
    assert Volunteer.objects.get(code="V-1").name == "王五"


def test_dry_run_checks_and_counts_but_writes_nothing(ledgers, tmp_path):
    path = tmp_path / "v.xlsx"
    path.write_bytes(workbook(["志愿者编号", "姓名", "社区编码"],
                              [["V-1", "王五（改名）", W1], ["V-9", "新人", W2]]))
    out = io.StringIO()
    call_command("registry", "import", "--ledger", "volunteers", str(path), "--dry-run",
                 stdout=out)
    assert "试运行" in out.getvalue() and "新增 1 条，修改 1 条" in out.getvalue()
    assert not Volunteer.objects.filter(code="V-9").exists()
    call_command("registry", "import", "--ledger", "volunteers", str(path), stdout=out)
    v1 = Volunteer.objects.get(code="V-1")
    # Columns the file leaves out keep their values; the place columns were given.
    assert (v1.name, v1.id_number, v1.service_hours) == ("王五（改名）", ID_OK, Decimal("120.5"))
    assert Volunteer.objects.get(code="V-9").street_code == STREET_W


def test_command_line_export(ledgers, tmp_path):
    out = io.StringIO()
    path = tmp_path / "w.xlsx"
    call_command("registry", "export", "--ledger", "workers", "--out", str(path), stdout=out)
    assert "已导出" in out.getvalue() and "2 条" in out.getvalue()
    rows = list(load_workbook(path).worksheets[0].iter_rows(values_only=True))
    assert rows[1][rows[0].index("培训记录")] == "2018-03-01|个案工作|16；2018-05-02|社区协商|7.5"


def test_gcj02_coordinates_are_converted_on_import(territory, tmp_path):
    lon, lat = wgs84_to_gcj02(116.3123, 39.9123)
    path = tmp_path / "f.csv"
    path.write_text("编号,名称,设施类型,经度,纬度,坐标系,社区编码\n"
                    f"F-9,服务圈,一刻钟社区服务圈,{float(lon)!r},{float(lat)!r},GCJ-02,{W1}\n",
                    encoding="utf-8")
    ledger_import_file("facilities", path)
    f = Facility.objects.get(code="F-9")
    assert abs(f.lon - 116.3123) < 1e-6 and abs(f.lat - 39.9123) < 1e-6
    x, y = gcj02_to_wgs84(float(lon), float(lat))
    assert (f.lon, f.lat) == (round(float(x), 7), round(float(y), 7))
    assert (f.district_code, f.street_code, f.community_code) == (XICHENG, STREET_W, W1)


def joined(errors) -> dict[int, str]:
    out: dict[int, str] = {}
    for e in errors:
        out[e.line] = out.get(e.line, "") + e.message + "；"
    return out


def test_references_and_rules_between_columns(territory, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("统一社会信用代码,名称,所属楼宇工作站编号,街道编码,区县编码\n"
                    f"E-1,企业,BS-404,{STREET_W},{XICHENG}\n"
                    f"E-2,企业,,{STREET_W},110105\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        ledger_import_file("enterprises", path)
    messages = joined(caught.value.details)
    assert "BS-404" in messages[2] and "商务楼宇工作站" in messages[2]
    assert "不一致" in messages[3]
    path = tmp_path / "o.csv"
    path.write_text("统一社会信用代码或备案编号,名称,组织类型,枢纽型组织层级,服务社区编码\n"
                    "O-1,组织,社会团体,街道枢纽型,\n"
                    f"O-2,组织,没有这类,否,{W1}、110102001777\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        ledger_import_file("social-organizations", path)
    messages = joined(caught.value.details)
    assert "街道枢纽型组织须填写街道编码" in messages[2]
    assert "没有这类" in messages[3] and "110102001777" in messages[3]
    assert not SocialOrganization.objects.exists()


def test_unreadable_and_keyless_files(territory, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not excel")
    with pytest.raises(InvalidInput, match="无法读取"):
        ledger_import_file("workers", path)
    path = tmp_path / "x.txt"
    path.write_text("a")
    with pytest.raises(InvalidInput, match="只支持"):
        ledger_import_file("workers", path)
    path = tmp_path / "nokey.csv"
    path.write_text("姓名,类别\n张三,社会工作者\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        ledger_import_file("workers", path)
    assert caught.value.details[0].line == 1 and "编号" in caught.value.details[0].message
    with pytest.raises(Exception, match="没有名为"):
        ledger_import_file("nope", path)


def test_training_records_follow_the_file(ledgers, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("编号,培训记录\nW-1,2018年6月1日|急救|4\nW-2,\n", encoding="utf-8")
    report = ledger_import_file("workers", path)
    assert (report.updated, report.unchanged) == (1, 1)
    assert list(TrainingRecord.objects.values_list("worker__code", "date", "course", "hours")) \
        == [("W-1", dt.date(2018, 6, 1), "急救", Decimal("4.0"))]
    path.write_text("编号,培训记录\nW-1,2018-06-01 急救 4\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="日期\\|课程\\|学时"):
        ledger_import_file("workers", path)


def test_community_body_is_keyed_by_its_community(territory, tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("社区编码,常住人口,党组织类型\n"
                    f"{W1},3000,党总支\n{STREET_W},10,党委\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        ledger_import_file("community-bodies", path)
    assert [e.line for e in caught.value.details] == [3]
    path.write_text(f"社区编码,常住人口,党组织类型\n{W1},3000,党总支\n", encoding="utf-8")
    ledger_import_file("community-bodies", path)
    b = CommunityBody.objects.get()
    assert (b.street_code, b.population, b.party_org_kind) == (STREET_W, 3000,
                                                               PartyOrgKind.GENERAL_BRANCH)
