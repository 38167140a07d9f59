import csv

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from civicgrid.accounts.models import Role
from civicgrid.core.errors import InvalidInput, PermissionDenied
from civicgrid.dispatch.catalogue import HEADERS
from civicgrid.dispatch.models import Category
from civicgrid.dispatch.services import catalogue_export, catalogue_import, category_create
from tests.factories import make_user


def _snapshot():
    return list(Category.objects.order_by("code").values())


def _write_xlsx(path, header, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


@pytest.fixture
def admin(db):
    return make_user(Role.CITY_ADMIN)


def test_excel_round_trip_changes_nothing_then_applies_edits(catalogue, admin, tmp_path):
    path = tmp_path / "catalogue.xlsx"
    before = _snapshot()
    assert catalogue_export(actor=admin, path=path) == len(before)
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header == list(HEADERS.values())
    report = catalogue_import(actor=admin, path=path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(before))
    assert _snapshot() == before
    # Edit in "Excel": change a deadline, add keywords, add a leaf under 公用设施.
    book = load_workbook(path)
    sheet = book.active
    col = {h: i for i, h in enumerate(header)}
    for row in sheet.iter_rows(min_row=2):
        if row[col["分类编码"]].value == "C0109":
            row[col["处置时限"]].value = 1
            row[col["关键词"]].value = row[col["关键词"]].value + " 灯杆歪了"
    new = [""] * len(header)
    new[col["分类编码"]], new[col["名称"]], new[col["上级编码"]] = "C0199", "充电桩井盖", "C01"
    new[col["业务板块"]], new[col["类型"]], new[col["关键词"]] = "城市管理", "部件", "充电井 井盖"
    sheet.append(new)
    book.save(path)
    dry = catalogue_import(actor=admin, path=path, dry_run=True)
    assert (dry.created, dry.updated) == (1, 1) and _snapshot() == before
    report = catalogue_import(actor=admin, path=path)
    assert (report.created, report.updated) == (1, 1)
    lamp = Category.objects.get(code="C0109")
    assert lamp.handle_limit == 1 and lamp.keywords.endswith("灯杆歪了")
    added = Category.objects.get(code="C0199")
    assert added.parent.code == "C01" and added.stream == "city_management"


def test_bad_file_changes_nothing_and_names_every_bad_row(catalogue, admin, tmp_path):
    path = tmp_path / "bad.xlsx"
    header = ["分类编码", "名称", "上级编码", "业务板块", "类型", "处置时限", "处置时限单位",
              "默认处置单位类型"]
    rows = [
        ["C0109", "路灯（改）", "C01", "城市管理", "部件", 1, "工作日", "职能部门"],  # fine
        ["Z01", "新分类", "", "城管", "部件", 1, "工作日", "职能部门"],  # row 3: stream
        ["Z02", "新分类", "", "城市管理", "物件", 1, "工作日", "职能部门"],  # row 4: kind
        ["Z03", "新分类", "", "城市管理", "事件", 1, "月", "职能部门"],  # row 5: unit
        ["Z04", "新分类", "NOPE", "城市管理", "事件", 1, "工作日", "属地街道"],  # row 6
        ["Z05", "新分类", "", "城市管理", "事件", -2, "工作日", "属地街道"],  # row 7: limit
        ["Z06", "新分类", "", "城市管理", "事件", "三天", "工作日", "属地街道"],  # row 8
        ["Z07", "", "", "城市管理", "事件", 1, "工作日", "属地街道"],  # row 9: no name
    ]
    _write_xlsx(path, header, rows)
    before = _snapshot()
    with pytest.raises(InvalidInput) as info:
        catalogue_import(actor=admin, path=path)
    assert _snapshot() == before
    lines = {e.line: e.message for e in info.value.details}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9]
    assert "未知的业务板块“城管”" in lines[3]
    assert "未知的类型“物件”" in lines[4]
    assert "未知的时限单位“月”" in lines[5]
    assert "上级编码“NOPE”不存在" in lines[6]
    assert "处置时限“-2”无效" in lines[7] and "处置时限“三天”无效" in lines[8]
    assert "缺少必填项“名称”" in lines[9]
    assert "第3行" in info.value.message and "第9行" in info.value.message


def test_duplicate_codes_and_cycles_are_refused(catalogue, tmp_path):
    path = tmp_path / "cycle.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "parent", "stream", "kind"])
        w.writerow(["Q1", "甲", "Q2", "city_management", "event"])
        w.writerow(["Q2", "乙", "Q1", "city_management", "event"])
        w.writerow(["Q1", "丙", "", "city_management", "event"])
    with pytest.raises(CommandError):
        call_command("categories", "import", str(path))
    assert not Category.objects.filter(code__startswith="Q").exists()


def test_command_line_import_export(db, tmp_path, capsys):
    call_command("categories", "load-default")
    out = tmp_path / "c.csv"
    call_command("categories", "export", str(out))
    call_command("categories", "import", str(out), "--dry-run")
    assert "新增 0 个分类，修改 0 个" in capsys.readouterr().out


def test_only_city_admins_edit_the_catalogue(catalogue, tmp_path):
    district = make_user(Role.DISTRICT_ADMIN, "110102")
    with pytest.raises(PermissionDenied):
        category_create(actor=district, code="Z9", name="新", stream="city_management",
                        kind="event")
    with pytest.raises(PermissionDenied):
        catalogue_import(actor=district, path=tmp_path / "x.csv")
    city = make_user(Role.CITY_ADMIN)
    made = category_create(actor=city, code="Z9", name="新", stream="城市管理", kind="事件",
                           parent="E", keywords="甲乙，丙丁")
    assert made.parent.code == "E" and made.keywords == "甲乙 丙丁"


def test_a_file_with_some_columns_changes_only_those(catalogue, admin, tmp_path):
    path = tmp_path / "keywords.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["分类编码", "关键词"])
        w.writerow(["C0109", "路灯 灯不亮 黑灯"])
        w.writerow(["NEW1", "甲 乙"])  # a new category needs its name, stream and kind
    with pytest.raises(InvalidInput) as info:
        catalogue_import(actor=admin, path=path)
    assert [e.line for e in info.value.details] == [3, 3, 3]
    path.write_text("分类编码,关键词\nC0109,路灯 灯不亮 黑灯\n", encoding="utf-8")
    lamp = Category.objects.get(code="C0109")
    assert catalogue_import(actor=admin, path=path).updated == 1
    after = Category.objects.get(code="C0109")
    assert after.keywords == "路灯 灯不亮 黑灯"
    assert (after.name, after.parent_id, after.handle_limit) == (
        lamp.name, lamp.parent_id, lamp.handle_limit)
