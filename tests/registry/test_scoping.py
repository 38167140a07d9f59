"""Who sees which ledger rows, whose personal data is masked, who may import what."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from civicgrid.core.errors import InvalidInput, PermissionDenied
from civicgrid.registry.exporting import ledger_export
from civicgrid.registry.ledgers import LEDGERS
from civicgrid.registry.models import SocialOrganization, Volunteer, Worker, WorkerKind
from civicgrid.registry.selectors import ledger_counts, ledger_rows, masked_for
from civicgrid.registry.services import ledger_import
from tests.factories import STREET_E, STREET_W

from .conftest import CY, E1, W1, W2, place

pytestmark = pytest.mark.django_db
VOLUNTEERS = LEDGERS["volunteers"]
ID = "11010519491231002X"


@pytest.fixture
def rows(people):
    for code, where in (("V-W1", W1), ("V-W2", W2), ("V-E1", E1), ("V-CY", CY),
                        ("V-SW", STREET_W)):
        Volunteer.objects.create(code=code, name="志愿者", id_number=ID, phone="13800138000",
                                 **place(where))
    serving = SocialOrganization.objects.create(code="SO-E", name="东边的组织", org_type="community",
                                                **place(E1))
    serving.communities_served.set([W1])
    SocialOrganization.objects.create(code="SO-CY", name="朝阳的组织", org_type="community",
                                      **place(CY))
    return people


def codes(actor, ledger=VOLUNTEERS, **kw) -> set[str]:
    return set(ledger_rows(actor, ledger, **kw).values_list("code", flat=True))


def test_each_role_sees_its_own_area(rows):
    p = rows
    assert codes(p["city"]) == {"V-W1", "V-W2", "V-E1", "V-CY", "V-SW"}
    assert codes(p["district"]) == {"V-W1", "V-W2", "V-E1", "V-SW"}
    assert codes(p["commander"]) == codes(p["dispatcher"]) == {"V-W1", "V-W2", "V-SW"}
    assert codes(p["commander_e"]) == {"V-E1"}  # another street's staff: not street W's rows
    assert codes(p["community"]) == codes(p["gridworker"]) == {"V-W1"}
    assert codes(p["resident"]) == set()
    assert codes(p["district"], area=STREET_E) == {"V-E1"}
    assert codes(p["commander"], area=STREET_E) == set()  # asking for more does not widen


def test_organisations_are_seen_where_they_serve(rows):
    orgs = LEDGERS["social-organizations"]
    assert codes(rows["community"], orgs) == {"SO-E"}  # based in E1, serves W1
    assert codes(rows["commander_e"], orgs) == {"SO-E"}
    assert codes(rows["chaoyang"], orgs) == {"SO-CY"}
    assert codes(rows["district"], orgs, area=W1) == {"SO-E"}


def test_counts_per_ledger(rows):
    counts = {lg.name: n for lg, n in ledger_counts(rows["commander"])}
    assert counts["volunteers"] == 3 and counts["social-organizations"] == 1
    assert counts["workers"] == 0


def test_personal_data_is_masked_for_roles_that_do_not_need_it(rows):
    p = rows
    for role in ("dispatcher", "gridworker", "auditor"):
        assert masked_for(p[role], VOLUNTEERS), role
    for role in ("community", "commander", "commander_e", "district", "city"):
        assert not masked_for(p[role], VOLUNTEERS), role
    assert not masked_for(p["dispatcher"], LEDGERS["workers"])  # nothing personal there


def exported(actor, name="volunteers", **kw) -> list[tuple]:
    import io

    data, _n = ledger_export(actor=actor, name=name, **kw)
    return list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))


def test_exports_are_scoped_and_masked(rows):
    masked = exported(rows["dispatcher"])
    header = masked[0]
    assert len(masked) == 4  # header + street W's three
    row = masked[1]
    assert row[header.index("身份证号")] == "110***********002X"
    assert row[header.index("手机号")] == "138****8000"
    full = exported(rows["commander"])
    assert full[1][header.index("身份证号")] == ID and full[1][header.index("手机号")] == "13800138000"
    assert len(exported(rows["district"], area=W1)) == 2


def test_a_masked_export_cannot_overwrite_the_real_values(rows, tmp_path):
    import io

    from openpyxl import Workbook

    masked = exported(rows["dispatcher"])
    book = Workbook()
    for r in masked:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(InvalidInput, match="遮挡"):
        ledger_import(actor=rows["district"], name="volunteers", data=out.getvalue(),
                      filename="v.xlsx")
    assert Volunteer.objects.get(code="V-W1").id_number == ID


def csv_bytes(text: str) -> bytes:
    return text.encode("utf-8")


def test_imports_are_for_admins_and_only_inside_their_area(rows):
    data = csv_bytes(f"编号,姓名,类别,社区编码\nW-1,张三,社会工作者,{W1}\nW-2,李四,社会工作者,{CY}\n")
    with pytest.raises(PermissionDenied):
        ledger_import(actor=rows["commander"], name="workers", data=data, filename="w.csv")
    with pytest.raises(InvalidInput) as caught:
        ledger_import(actor=rows["district"], name="workers", data=data, filename="w.csv")
    assert [e.line for e in caught.value.details] == [3]
    assert "不在您的管辖范围内" in caught.value.details[0].message
    assert not Worker.objects.exists()
    report = ledger_import(actor=rows["city"], name="workers", data=data, filename="w.csv")
    assert report.created == 2


def test_an_import_cannot_take_a_row_out_of_another_area(rows):
    Worker.objects.create(code="W-CY", name="朝阳社工", kind=WorkerKind.SOCIAL_WORKER,
                          **place(CY))
    data = csv_bytes(f"编号,姓名,社区编码\nW-CY,改到西城,{W1}\n")
    with pytest.raises(InvalidInput, match="管辖范围"):
        ledger_import(actor=rows["district"], name="workers", data=data, filename="w.csv")
    assert Worker.objects.get(code="W-CY").community_code == CY
