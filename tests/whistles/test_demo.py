"""The demo whistles in 月坛街道: one closed (one department late, every department scored), one
open (on site, acknowledged, overdue), dispatch ratings with one misrouted; made once."""

from __future__ import annotations

import pytest

from civicgrid.cases.models import CaseEvent
from civicgrid.cases.workflow import State
from civicgrid.demo.load import demo_load
from civicgrid.demo.whistles import CLOSED_TITLE, OPEN_TITLE, ensure_demo_whistles
from civicgrid.dispatch.models import Department
from civicgrid.whistles.models import DepartmentScore, DispatchRating, Whistle, WhistleState
from civicgrid.whistles.selectors import report_in_status, whistle_board
from tests.cases.conftest import create_case


@pytest.mark.django_db
def test_demo_whistles_in_yuetan(django_user_model):
    demo_load(["110102"])
    cgzf = Department.objects.get(code="XC-CGZF")
    for i in range(3):
        case = create_case(State.CLOSED, department=cgzf, street_code="110102007",
                           community_code="110102007006", grid_code="", description=f"占道{i}")
        CaseEvent.objects.create(case=case, action="dispatch", from_state="registered",
                                 to_state="dispatched", at=case.reported_at, unit_department=cgzf)
    assert ensure_demo_whistles() == 2 + 3
    closed = Whistle.objects.get(title=CLOSED_TITLE)
    assert closed.state == WhistleState.CLOSED and closed.street_code == "110102007"
    statuses = {r.department.code: report_in_status(r) for r in closed.report_ins.all()}
    assert statuses == {"XC-CGZF": "on_site", "XC-GAFJ": "on_site", "XC-FGJ": "late"}
    totals = dict(DepartmentScore.objects.values_list("department__code", "total"))
    assert set(totals) == set(statuses) and totals["XC-FGJ"] < totals["XC-CGZF"]

    dispatcher = django_user_model.objects.get(username="dispatcher")
    [board] = whistle_board(dispatcher)
    assert board.whistle.title == OPEN_TITLE
    assert {r.report_in.department.code: r.status for r in board.report_ins} == {
        "XC-CGW": "on_site", "XC-YLJ": "overdue", "XC-CGZF": "acknowledged"}
    handler = django_user_model.objects.get(username="handler")
    assert [b.whistle.title for b in whistle_board(handler)] == [OPEN_TITLE]
    assert list(DispatchRating.objects.order_by("accurate").values_list("accurate", flat=True)) \
        == [False, True, True]
    assert ensure_demo_whistles() == 0
    assert Whistle.objects.count() == 2
