"""Writes of indicator data: enter, submit, approve, reject and correct measurements.

Each service is keyword-only and atomic and asks the one permission policy:
`indicator.measure` to enter and correct (inside the actor's own area: a street enters its own
street's figures, never another street's or the city's), `indicator.approve` to approve or
reject (again inside the actor's area). Nobody approves their own figure.

A correction never overwrites silently: the row's previous version is kept by
django-simple-history with who, when and why, the corrected figure goes back for review, and
until it is approved the last approved figure (`approved_value`) stays in force.
Figures quoted from the seed documents and figures the system computes cannot be corrected by
hand: the first are what the source says, the second are recomputed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import permissions
from civicgrid.core.codes import level_of
from civicgrid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from civicgrid.territory.selectors import MODEL_OF_LEVEL

from .evidence import check_evidence
from .models import Indicator, Measurement, Origin, Source, Status

AREA_LEVELS = ("district", "street")


def _login(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("请先登录。"), code="login_required")


def area_scope_codes(area_code: str) -> tuple[str, str]:
    """(district_code, street_code) of an area: what the permission policy filters on."""
    return (area_code[:6] if len(area_code) >= 6 else "",
            area_code[:9] if len(area_code) >= 9 else "")


def check_area(area_code: str) -> str:
    """'' (the city) or the code of a district or street that exists."""
    area_code = (area_code or "").strip()
    if area_code == "":
        return ""
    level = level_of(area_code)
    if level not in AREA_LEVELS:
        raise InvalidInput(_("区域编码“%(code)s”无效：请填写6位区县编码或9位街道编码，全市留空。")
                           % {"code": area_code}, code="area")
    if not MODEL_OF_LEVEL[level].objects.filter(code=area_code).exists():
        raise InvalidInput(_("区域编码“%(code)s”不存在。") % {"code": area_code}, code="area")
    return area_code


def parse_value(value) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    else:
        text = str(value if value is not None else "").strip().replace(",", "").replace("，", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvalidInput(_("数值“%(v)s”不是数字，请填写如 89 或 0.183。") % {"v": value},
                               code="value") from None
    if not number.is_finite():
        raise InvalidInput(_("数值必须是有限的数字。"), code="value")
    if abs(number) >= Decimal(10) ** 14:
        raise InvalidInput(_("数值过大，请检查单位。"), code="value")
    return number


def parse_date(value) -> dt.date:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise InvalidInput(_("数据日期“%(v)s”格式不正确，请填写 YYYY-MM-DD。") % {"v": value},
                               code="date") from None
    if day > timezone.localdate():
        raise InvalidInput(_("数据日期不能晚于今天。"), code="date")
    return day


def _require(actor, action: str, area_code: str, message: str) -> None:
    _login(actor)
    if not permissions.may(actor, action, SimpleNamespace(area_code=area_code)):
        raise PermissionDenied(message, code="forbidden")


def _require_measure(actor, area_code: str) -> None:
    _require(actor, "indicator.measure", area_code, _(
        "您不能填报%(area)s的指标数据：只能填报本辖区的数据，如需代填请联系上级管理员。")
        % {"area": area_code or _("全市")})


def _has_evidence(m: Measurement) -> bool:
    return bool(m.evidence or m.evidence_url or m.citation_text)


def _check_submittable(m: Measurement) -> None:
    if m.indicator.source == Source.MANUAL and not _has_evidence(m):
        raise InvalidInput(_("人工填报的数据须附证明材料（上传文件或填写链接）后才能提交审核。"),
                           code="evidence_required")


def _save(m: Measurement, actor, reason: str) -> Measurement:
    m._history_user = actor  # django-simple-history: who made this version
    m._change_reason = reason
    m.save()
    return m


def _locked(measurement: Measurement) -> Measurement:
    try:
        return (Measurement.objects.select_for_update().select_related("indicator")
                .get(pk=measurement.pk))
    except Measurement.DoesNotExist:
        raise NotFound(_("这条指标数据不存在。"), code="not_found") from None


@transaction.atomic
def measurement_create(*, actor, indicator: Indicator, date, value, area_code: str = "",
                       evidence=None, evidence_url: str = "", note: str = "",
                       submit: bool = True) -> Measurement:
    """Enter a figure by hand; submitted for review unless `submit` is False (a draft)."""
    _login(actor)
    if indicator.is_computed:
        raise InvalidInput(_("指标“%(name)s”由系统根据%(source)s计算，不能人工填报。")
                           % {"name": indicator.name, "source": indicator.get_source_display()},
                           code="computed")
    area_code = (area_code or "").strip()
    _require_measure(actor, area_code)
    area_code = check_area(area_code)
    if evidence:
        check_evidence(evidence)
    district_code, street_code = area_scope_codes(area_code)
    m = Measurement(indicator=indicator, area_code=area_code, district_code=district_code,
                    street_code=street_code, date=parse_date(date), value=parse_value(value),
                    evidence_url=(evidence_url or "").strip(), note=(note or "").strip(),
                    origin=Origin.MANUAL, entered_by=actor, entered_at=timezone.now(),
                    status=Status.DRAFT)
    if evidence:
        m.evidence = evidence
    if submit:
        _check_submittable(m)
        m.status = Status.SUBMITTED
    try:
        m.full_clean(exclude=["evidence", "indicator", "entered_by", "reviewed_by"])
    except ValidationError as exc:
        raise InvalidInput("；".join(f"{m._meta.get_field(f).verbose_name}：{'，'.join(v)}"
                                    if f != "__all__" else "，".join(v)
                                    for f, v in exc.message_dict.items()),
                           code="invalid") from None
    return _save(m, actor, _("填报"))


@transaction.atomic
def measurement_submit(*, actor, measurement: Measurement) -> Measurement:
    m = _locked(measurement)
    _require_measure(actor, m.area_code)
    if m.status not in (Status.DRAFT, Status.REJECTED):
        raise Conflict(_("只有草稿或已退回的数据可以提交审核（当前：%(s)s）。")
                       % {"s": m.get_status_display()}, code="state")
    _check_submittable(m)
    m.status = Status.SUBMITTED
    return _save(m, actor, _("提交审核"))


def _require_review(actor, m: Measurement) -> None:
    _require(actor, "indicator.approve", m.area_code, _(
        "您不能审核%(area)s的指标数据：审核须由该区域的区级或市级管理员进行。")
        % {"area": m.area_code or _("全市")})
    if m.status != Status.SUBMITTED:
        raise Conflict(_("这条数据不在待审核状态（当前：%(s)s），请刷新页面。")
                       % {"s": m.get_status_display()}, code="state")
    if m.entered_by_id == actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("不能审核自己填报的数据，请由另一位管理员审核。"),
                               code="own_entry")


@transaction.atomic
def measurement_approve(*, actor, measurement: Measurement, note: str = "") -> Measurement:
    _login(actor)
    m = _locked(measurement)
    _require_review(actor, m)
    m.status = Status.APPROVED
    m.approved_value, m.approved_date = m.value, m.date
    m.reviewed_by, m.reviewed_at, m.review_note = actor, timezone.now(), (note or "").strip()
    return _save(m, actor, _("审核通过"))


@transaction.atomic
def measurement_reject(*, actor, measurement: Measurement, reason: str) -> Measurement:
    _login(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("退回须写明原因，以便填报人修改。"), code="reason_required")
    m = _locked(measurement)
    _require_review(actor, m)
    m.status = Status.REJECTED
    m.reviewed_by, m.reviewed_at, m.review_note = actor, timezone.now(), reason
    return _save(m, actor, _("退回：%(reason)s") % {"reason": reason})


@transaction.atomic
def measurement_correct(*, actor, measurement: Measurement, value, reason: str,
                        date=None, evidence=None, evidence_url: str | None = None
                        ) -> Measurement:
    """A new version of a hand-entered figure, back to review; the old one stays in history
    and, if it was approved, in force until the correction is approved."""
    _login(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("更正须写明原因。"), code="reason_required")
    m = _locked(measurement)
    if m.origin == Origin.SEED:
        raise InvalidInput(_("种子文件中的数据按原文记录，不能更正；如有新数据请另行填报。"),
                           code="seed")
    if m.origin == Origin.COMPUTED:
        raise InvalidInput(_("系统计算的数据不能人工更正，请重新计算。"), code="computed")
    _require_measure(actor, m.area_code)
    if evidence:
        check_evidence(evidence)
        m.evidence = evidence
    if evidence_url is not None:
        m.evidence_url = evidence_url.strip()
    m.value = parse_value(value)
    if date is not None:
        m.date = parse_date(date)
    m.note = (f"{m.note}\n" if m.note else "") + _("更正：%(reason)s") % {"reason": reason}
    _check_submittable(m)
    m.status = Status.SUBMITTED
    m.entered_by, m.entered_at = actor, timezone.now()
    m.reviewed_by, m.reviewed_at, m.review_note = None, None, ""
    return _save(m, actor, _("更正：%(reason)s") % {"reason": reason})
