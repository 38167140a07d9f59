"""Measurements: entry with evidence, approval by an admin of the area, rejection, corrections
that keep every version (django-simple-history) and leave the last approved figure in force,
and the scope rules (a street enters only its own street's figures)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.accounts.models import Role
from civicgrid.core.errors import Conflict, InvalidInput, PermissionDenied
from civicgrid.indicators import services
from civicgrid.indicators.evidence import MAX_BYTES
from civicgrid.indicators.models import Measurement, Origin, Status
from civicgrid.indicators.report import plan_report
from civicgrid.indicators.selectors import measurements_for
from tests.factories import CHAOYANG, STREET_E, STREET_W, XICHENG, make_user

from .conftest import PDF, make_indicator

pytestmark = pytest.mark.django_db
D = dt.date


def pdf(name="证明.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def ind(plan, territory):
    return make_indicator(plan, baseline=(D(2016, 1, 1), 0), final=(D(2020, 12, 31), 100))


def enter(actor, indicator, area=STREET_W, value="42", **kw):
    kw.setdefault("evidence", pdf())
    return services.measurement_create(actor=actor, indicator=indicator, area_code=area,
                                       date=kw.pop("date", "2018-06-30"), value=value, **kw)


def test_enter_submit_approve(ind, actors):
    m = enter(actors.commander, ind, note="街道统计")
    assert (m.status, m.value, m.street_code, m.district_code) == (
        Status.SUBMITTED, Decimal("42"), STREET_W, XICHENG)
    assert m.approved_value is None and m.entered_by == actors.commander
    assert m.evidence.name.endswith(".pdf") and m.evidence.read() == PDF
    m = services.measurement_approve(actor=actors.district, measurement=m, note="核实无误")
    assert (m.status, m.approved_value, m.approved_date) == (
        Status.APPROVED, Decimal("42"), D(2018, 6, 30))
    assert (m.reviewed_by, m.review_note) == (actors.district, "核实无误")
    versions = list(m.history.order_by("history_date"))
    assert [v.status for v in versions] == [Status.SUBMITTED, Status.APPROVED]
    assert [v.history_user for v in versions] == [actors.commander, actors.district]


def test_only_approved_figures_count_in_the_evaluation(plan, ind, actors):
    m = enter(actors.city, ind, area="", value="100")
    assert plan_report(plan, as_of=D(2018, 6, 30)).rows[0].result.status == "not_evaluable"
    services.measurement_approve(actor=actors.superuser, measurement=m)
    assert plan_report(plan, as_of=D(2018, 6, 30)).rows[0].result.status == "completed"


def test_a_draft_needs_no_evidence_but_submitting_does(ind, actors):
    m = enter(actors.commander, ind, evidence=None, submit=False)
    assert m.status == Status.DRAFT
    with pytest.raises(InvalidInput) as e:
        services.measurement_submit(actor=actors.commander, measurement=m)
    assert e.value.code == "evidence_required"
    with pytest.raises(InvalidInput):
        enter(actors.commander, ind, evidence=None)
    linked = enter(actors.commander, ind, evidence=None, evidence_url="https://example.org/a.pdf")
    assert linked.status == Status.SUBMITTED


@pytest.mark.parametrize("upload, code", [
    (SimpleUploadedFile("run.exe", b"MZ\x90\x00"), "evidence_type"),
    (SimpleUploadedFile("fake.pdf", b"<html>not a pdf</html>"), "evidence_content"),
    (SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * MAX_BYTES), "evidence_size"),
    (SimpleUploadedFile("empty.png", b""), "evidence_empty"),
])
def test_evidence_files_are_checked_for_type_content_and_size(ind, actors, upload, code):
    with pytest.raises(InvalidInput) as e:
        enter(actors.commander, ind, evidence=upload)
    assert e.value.code == code
    assert not Measurement.objects.exists()


def test_png_and_xlsx_evidence_are_accepted(ind, actors):
    enter(actors.commander, ind, evidence=SimpleUploadedFile("a.PNG", b"\x89PNG\r\n\x1a\nxxxx"))
    enter(actors.commander, ind, evidence=SimpleUploadedFile("a.xlsx", b"PK\x03\x04rest"))
    assert Measurement.objects.count() == 2


def test_nobody_approves_their_own_figure(ind, actors):
    m = enter(actors.district, ind, area=XICHENG)
    with pytest.raises(PermissionDenied) as e:
        services.measurement_approve(actor=actors.district, measurement=m)
    assert e.value.code == "own_entry"
    other = make_user(Role.DISTRICT_ADMIN, XICHENG, username="district2")
    assert services.measurement_approve(actor=other, measurement=m).status == Status.APPROVED


def test_reject_needs_a_reason_and_a_figure_is_reviewed_once(ind, actors):
    m = enter(actors.commander, ind)
    with pytest.raises(InvalidInput):
        services.measurement_reject(actor=actors.district, measurement=m, reason=" ")
    m = services.measurement_reject(actor=actors.district, measurement=m, reason="缺少盖章")
    assert (m.status, m.review_note, m.approved_value) == (Status.REJECTED, "缺少盖章", None)
    with pytest.raises(Conflict):
        services.measurement_approve(actor=actors.district, measurement=m)
    m = services.measurement_submit(actor=actors.commander, measurement=m)
    assert m.status == Status.SUBMITTED


def test_a_correction_is_a_new_version_and_the_approved_figure_stays_in_force(plan, ind, actors):
    m = enter(actors.commander, ind, value="40")
    services.measurement_approve(actor=actors.district, measurement=m)
    m = services.measurement_correct(actor=actors.commander, measurement=m, value="45",
                                     reason="漏报一个社区")
    assert (m.status, m.value, m.approved_value) == (Status.SUBMITTED, 45, 40)
    assert "更正：漏报一个社区" in m.note
    # The street's breakdown is evaluated with the approved 40 until the correction is approved.
    street = plan_report(plan, as_of=D(2018, 6, 30), area_code=STREET_W).rows[0].result
    assert street.value == 40
    services.measurement_approve(actor=actors.district, measurement=m)
    m.refresh_from_db()
    assert (m.status, m.approved_value) == (Status.APPROVED, 45)
    history = list(m.history.order_by("history_date"))
    assert [(h.status, h.value) for h in history] == [
        (Status.SUBMITTED, 40), (Status.APPROVED, 40), (Status.SUBMITTED, 45),
        (Status.APPROVED, 45)]
    assert history[2].history_change_reason == "更正：漏报一个社区"
    assert history[2].history_user == actors.commander


def test_a_rejected_correction_leaves_the_approved_figure(ind, actors):
    m = enter(actors.commander, ind, value="40")
    services.measurement_approve(actor=actors.district, measurement=m)
    m = services.measurement_correct(actor=actors.commander, measurement=m, value="400",
                                     reason="改错")
    m = services.measurement_reject(actor=actors.district, measurement=m, reason="数字有误")
    assert (m.value, m.approved_value, m.status) == (400, 40, Status.REJECTED)


def test_a_correction_needs_a_reason(ind, actors):
    m = enter(actors.commander, ind)
    with pytest.raises(InvalidInput):
        services.measurement_correct(actor=actors.commander, measurement=m, value="1", reason="")


def test_a_street_enters_only_its_own_streets_figures(ind, actors):
    with pytest.raises(PermissionDenied):
        enter(actors.commander, ind, area=STREET_E)
    with pytest.raises(PermissionDenied):
        enter(actors.commander, ind, area=XICHENG)
    with pytest.raises(PermissionDenied):
        enter(actors.commander, ind, area="")
    other = make_user(Role.STREET_COMMANDER, STREET_E, username="commander_e")
    m = enter(actors.commander, ind)
    with pytest.raises(PermissionDenied):
        services.measurement_correct(actor=other, measurement=m, value="1", reason="x")
    assert enter(other, ind, area=STREET_E).street_code == STREET_E


def test_roles_that_may_not_enter_or_approve(ind, actors):
    for actor in (actors.resident, actors.grid_worker, actors.community, actors.dispatcher,
                  actors.handler, actors.auditor):
        with pytest.raises(PermissionDenied):
            enter(actor, ind)
    m = enter(actors.commander, ind)
    chaoyang = make_user(Role.DISTRICT_ADMIN, CHAOYANG, username="cy_admin")
    for actor in (actors.commander, actors.auditor, chaoyang):
        with pytest.raises(PermissionDenied):
            services.measurement_approve(actor=actor, measurement=m)
    assert services.measurement_approve(actor=actors.city, measurement=m).status == "approved"


def test_bad_input_is_refused_with_a_message(ind, actors):
    for kw, code in ((dict(area="110102999"), "area"), (dict(area="1101"), "area"),
                     (dict(value="八十"), "value"), (dict(date="2018/06/30"), "date"),
                     (dict(date=(dt.date.today() + dt.timedelta(days=2)).isoformat()), "date"),
                     (dict(evidence=None, evidence_url="javascript:alert(1)"), "invalid")):
        with pytest.raises(InvalidInput) as e:
            enter(actors.city, ind, **kw)
        assert e.value.code == code, kw


def test_computed_and_seed_figures_are_not_entered_or_corrected_by_hand(plan, ind, actors):
    computed = make_indicator(plan, "ratio", source="ledger", compute_key="volunteer_ratio")
    with pytest.raises(InvalidInput) as e:
        enter(actors.city, computed, area="")
    assert e.value.code == "computed"
    seed = Measurement.objects.create(indicator=ind, date=D(2018, 6, 30), value=89,
                                      approved_value=89, approved_date=D(2018, 6, 30),
                                      status=Status.APPROVED, origin=Origin.SEED)
    with pytest.raises(InvalidInput) as e:
        services.measurement_correct(actor=actors.city, measurement=seed, value=90, reason="x")
    assert e.value.code == "seed"


def test_working_papers_are_seen_only_inside_their_area(ind, actors):
    draft = enter(actors.commander, ind, submit=False)
    approved = enter(actors.commander, ind, value="7")
    services.measurement_approve(actor=actors.district, measurement=approved)
    other = make_user(Role.STREET_COMMANDER, STREET_E, username="commander_e")
    chaoyang = make_user(Role.DISTRICT_ADMIN, CHAOYANG, username="cy_admin")
    assert set(measurements_for(actors.commander, ind)) == {draft, approved}
    assert set(measurements_for(actors.district, ind)) == {draft, approved}
    assert set(measurements_for(actors.city, ind)) == {draft, approved}
    assert set(measurements_for(other, ind)) == {approved}
    assert set(measurements_for(chaoyang, ind)) == {approved}
    assert set(measurements_for(actors.auditor, ind)) == {draft, approved}  # city-wide auditor
    assert not measurements_for(actors.resident, ind).exists()
