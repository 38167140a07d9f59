"""双向考评, both directions:

- `score_department`: the street scores each department per whistle and per case (一哨一考核、
  一件一考核) on the configurable ScoreItems; the total is the weighted average of the items,
  each as a share of its maximum, scaled to 100. Once per department and whistle (or case): a
  second score is a Conflict, not an update, so a score cannot be bargained up afterwards.
- `dispatch_rate`: a department says whether a case dispatched to it was its business; a
  misrouted case counts against the dispatcher of that dispatch and their street.
"""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.accounts.models import Role
from civicgrid.core import permissions
from civicgrid.core.errors import Conflict, InvalidInput, PermissionDenied
from civicgrid.dispatch.models import Department

from .models import DepartmentScore, DispatchRating, ScoreItem, ScoreTarget, WhistleState


def _login(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("请先登录。"), code="login_required")


def score_total(items: dict[str, float], defs: list[ScoreItem]) -> float:
    """Weighted average of each item's share of its maximum, ×100, one decimal."""
    weight = sum(d.weight for d in defs)
    if weight <= 0:
        raise InvalidInput(_("考核项权重之和须大于 0，请管理员检查考核项设置。"), code="weights")
    share = sum(d.weight * items[d.code] / d.max_score for d in defs)
    return round(100 * share / weight, 1)


def _check_items(items: dict, target: str) -> tuple[dict[str, float], list[ScoreItem]]:
    defs = list(ScoreItem.objects.filter(applies_to=target, active=True, max_score__gt=0))
    if not defs:
        raise InvalidInput(_("尚未设置考核项，请管理员先在后台添加。"), code="no_items")
    known = {d.code: d for d in defs}
    unknown = sorted(set(items) - set(known))
    if unknown:
        raise InvalidInput(_("考核项“%(codes)s”不存在或已停用，请刷新页面后重新评分。")
                           % {"codes": "、".join(unknown)}, code="unknown_item")
    clean: dict[str, float] = {}
    for d in defs:
        raw = items.get(d.code)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise InvalidInput(_("请为“%(name)s”打分（0–%(max)s）。")
                               % {"name": d.name, "max": d.max_score}, code="missing") from None
        if math.isnan(value) or not 0 <= value <= d.max_score:
            raise InvalidInput(_("“%(name)s”的得分须在 0 到 %(max)s 之间。")
                               % {"name": d.name, "max": d.max_score}, code="range")
        clean[d.code] = value
    return clean, defs


@transaction.atomic
def score_department(*, actor, department: Department, whistle=None, case=None,
                     items: dict, comment: str = "",
                     at: dt.datetime | None = None) -> DepartmentScore:
    """The street (dispatcher or commander of the whistle's or case's street) scores one
    department for one closed whistle it was summoned to, or one closed case it handled."""
    _login(actor)
    if (whistle is None) == (case is None):
        raise InvalidInput(_("请选择评分对象：一次吹哨或一件案件。"), code="target")
    if whistle is not None:
        target, street = ScoreTarget.WHISTLE, whistle.street_code
        if whistle.state != WhistleState.CLOSED:
            raise InvalidInput(_("吹哨办结后才能评分。"), code="not_closed")
        if not whistle.report_ins.filter(department=department).exists():
            raise InvalidInput(_("「%(dept)s」未被本次吹哨召集，不能评分。")
                               % {"dept": department.name}, code="not_summoned")
        taken = DepartmentScore.objects.filter(department=department, whistle=whistle)
    else:
        target, street = ScoreTarget.CASE, case.street_code
        if case.state != "closed":
            raise InvalidInput(_("案件结案后才能评分。"), code="not_closed")
        handled = case.unit_department_id == department.pk or case.tasks.filter(
            unit_department=department).exists()
        if not handled:
            raise InvalidInput(_("「%(dept)s」没有办理该案件，不能评分。")
                               % {"dept": department.name}, code="not_handled")
        taken = DepartmentScore.objects.filter(department=department, case=case)
    if not street or not permissions.may(actor, "whistle.score",
                                         SimpleNamespace(area_code=street)):
        raise PermissionDenied(_("只有所在街道的派遣员或指挥长可以为部门评分。"), code="forbidden")
    if taken.exists():
        raise Conflict(_("已为「%(dept)s」评过分，每次吹哨或每件案件只评一次。")
                       % {"dept": department.name}, code="already_scored")
    clean, defs = _check_items(dict(items or {}), target)
    try:
        with transaction.atomic():
            return DepartmentScore.objects.create(
                department=department, street_code=street, district_code=street[:6],
                target=target, whistle=whistle, case=case, items=clean,
                total=score_total(clean, defs), comment=(comment or "").strip(),
                scored_by=actor, scored_at=at or timezone.now())
    except IntegrityError:
        raise Conflict(_("已为「%(dept)s」评过分，每次吹哨或每件案件只评一次。")
                       % {"dept": department.name}, code="already_scored") from None


def last_dispatch_to(case, department_id: int):
    """The latest dispatch event that sent `case` to the department (None if never)."""
    from civicgrid.cases.models import CaseEvent

    return (CaseEvent.objects.filter(case=case, action="dispatch",
                                     unit_department_id=department_id)
            .select_related("actor").order_by("-at", "-id").first())


@transaction.atomic
def dispatch_rate(*, actor, case, accurate: bool, note: str = "",
                  at: dt.datetime | None = None) -> DispatchRating:
    """A handler of a department the case was dispatched to says whether it was the right unit
    (once per case and department). A misrouted case needs a note saying why, and is attributed
    to the dispatcher of the latest dispatch to this department and to their area (their street;
    a district code when the district dispatched it)."""
    _login(actor)
    if not (actor.is_superuser or actor.role == Role.DEPARTMENT_HANDLER) \
            or not permissions.role_may(actor, "dispatch.rate") or actor.department_id is None:
        raise PermissionDenied(_("只有承办部门的处置人员可以评价派遣准确性。"), code="forbidden")
    event = last_dispatch_to(case, actor.department_id)
    if event is None:
        raise PermissionDenied(_("该案件没有派遣给您所在部门，不能评价派遣准确性。"),
                               code="not_dispatched")
    note = (note or "").strip()
    if not accurate and not note:
        raise InvalidInput(_("请说明派遣不准确的原因（例如应由哪个单位办理）。"), code="note")
    if DispatchRating.objects.filter(case=case, department_id=actor.department_id).exists():
        raise Conflict(_("本部门已评价过该案件的派遣准确性。"), code="already_rated")
    dispatcher = event.actor
    area = dispatcher.area_code if dispatcher is not None and len(dispatcher.area_code or "") \
        in (6, 9) else case.street_code
    try:
        with transaction.atomic():
            return DispatchRating.objects.create(
                case=case, department_id=actor.department_id, dispatcher=dispatcher,
                street_code=area or "", accurate=bool(accurate), note=note, rated_by=actor,
                rated_at=at or timezone.now())
    except IntegrityError:
        raise Conflict(_("本部门已评价过该案件的派遣准确性。"), code="already_rated") from None
