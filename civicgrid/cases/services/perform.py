"""One entry point for "this actor does action X to this case with these inputs".

Pages (forms) and the REST API receive an action name and loosely typed inputs (strings from a
form, JSON values from the API). `case_perform` parses them with clear Chinese errors and calls
the one service for that action, so both front doors behave the same. `ACTION_FIELDS` describes
each action's inputs, so a form or an API schema can be drawn from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.cases.models import Case, Rating
from civicgrid.cases.workflow import Action
from civicgrid.core.calendar import DeadlineUnit
from civicgrid.core.errors import InvalidInput, NotFound
from civicgrid.core.permissions import visible
from civicgrid.dispatch.models import Category, Department

from . import actions, escalation, merge, outcome, timing


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | bool | number | date | choice | category | department | departments | case | photos | unit
    label: object
    required: bool = False
    choices: tuple = ()


T = gettext_lazy
NOTE = Field("note", "text", T("备注"))
REASON = Field("reason", "text", T("理由"), required=True)

ACTION_FIELDS: dict[str, tuple[Field, ...]] = {
    Action.REGISTER: (Field("category", "category", T("问题分类")), NOTE),
    Action.REJECT: (REASON,),
    Action.DISPATCH: (
        Field("department", "department", T("处置部门")),
        Field("area_code", "unit", T("属地处置（街道或社区代码）")),
        Field("assisting", "departments", T("协办部门")),
        Field("reason", "text", T("改派理由（与建议单位不同时必填）")), NOTE),
    Action.ACCEPT: (NOTE,),
    Action.RETURN: (REASON,),
    Action.REPORT_BACK: (Field("note", "text", T("办理结果"), required=True),
                         Field("photos", "photos", T("处置后照片"))),
    Action.ASSIST_REPORT: (Field("note", "text", T("协办结果"), required=True),),
    Action.VERIFY_PASS: (NOTE, Field("photos", "photos", T("核查照片"))),
    Action.VERIFY_FAIL: (Field("note", "text", T("不通过原因"), required=True),
                         Field("photos", "photos", T("核查照片"))),
    Action.CLOSE: (NOTE,),
    Action.RATE: (
        Field("rating", "choice", T("满意度"), required=True, choices=tuple(Rating.values)),
        Field("solved", "bool", T("问题是否解决"), required=True),
        Field("source", "choice", T("评价来源"), choices=("reporter", "callback")), NOTE),
    Action.REOPEN: (REASON,),
    Action.REQUEST_EXTENSION: (
        Field("amount", "number", T("延期时长"), required=True),
        Field("unit", "choice", T("单位"), choices=tuple(DeadlineUnit.values)), REASON),
    Action.APPROVE_EXTENSION: (NOTE,),
    Action.DENY_EXTENSION: (Field("note", "text", T("驳回理由"), required=True),),
    Action.SUPERVISE: (Field("note", "text", T("督办意见"), required=True),),
    Action.SUSPEND: (Field("review_date", "date", T("复查日期"), required=True), REASON),
    Action.RESUME: (NOTE,),
    Action.ESCALATE: (REASON,),
    Action.MERGE: (Field("into", "case", T("并入案件编号"), required=True),
                   Field("force", "bool", T("分类不同也合并")), Field("reason", "text", T("理由")),
                   NOTE),
}


LABELS = {f.name: f.label for fields in ACTION_FIELDS.values() for f in fields}


def _f(name: str) -> str:
    """A field as users and clients both recognise it: 「问题分类」(category)."""
    return f"「{LABELS.get(name, name)}」({name})"


def _text(data: Mapping, name: str) -> str:
    value = data.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise InvalidInput(_("字段%(f)s应为文本。") % {"f": _f(name)}, code="bad_field")
    return str(value).strip()


def _bool(data: Mapping, name: str, *, required: bool = False) -> bool:
    value = data.get(name)
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "是"):
        return True
    if text in ("0", "false", "no", "off", "否"):
        return False
    if text == "" and not required:
        return False
    raise InvalidInput(_("字段%(f)s应为“是”或“否”。") % {"f": _f(name)}, code="bad_field")


def _number(data: Mapping, name: str) -> float:
    try:
        value = float(data.get(name))
    except (TypeError, ValueError):
        value = float("nan")
    if not value > 0 or value > 10_000:
        raise InvalidInput(_("字段%(f)s应为大于 0 的数字。") % {"f": _f(name)}, code="bad_field")
    return value


def _date(data: Mapping, name: str) -> dt.date:
    value = data.get(name)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise InvalidInput(_("字段%(f)s应为日期，例如 2026-12-31。") % {"f": _f(name)},
                           code="bad_field") from None


def _id(value, name: str) -> int:
    try:
        return int(getattr(value, "pk", value))
    except (TypeError, ValueError):
        raise InvalidInput(_("字段%(f)s应为编号。") % {"f": _f(name)}, code="bad_field") from None


def _department(value, name: str) -> Department:
    dept = Department.objects.filter(pk=_id(value, name), active=True).first()
    if dept is None:
        raise InvalidInput(_("找不到所选的处置部门，请重新选择。"), code="unknown_department")
    return dept


def _category(value) -> Category | None:
    if value in (None, ""):
        return None
    cat = Category.objects.filter(pk=_id(value, "category"), active=True).first()
    if cat is None:
        raise InvalidInput(_("找不到所选的问题分类，请重新选择。"), code="unknown_category")
    return cat


def _list(data: Mapping, name: str) -> list:
    getlist = getattr(data, "getlist", None)
    if getlist is not None:
        return [v for v in getlist(name) if str(v).strip()]
    value = data.get(name) or []
    if isinstance(value, str | int):
        return [value] if str(value).strip() else []
    if not isinstance(value, list | tuple):
        raise InvalidInput(_("字段%(f)s应为列表。") % {"f": _f(name)}, code="bad_field")
    return list(value)


def case_perform(*, case: Case, action: str, actor, data: Mapping, photos=()) -> Case:
    """Apply `action` to `case` for `actor`, with inputs `data` and uploaded `photos`."""
    kw = {"case": case, "actor": actor}
    if action == Action.REGISTER:
        return actions.case_register(**kw, category=_category(data.get("category")),
                                     note=_text(data, "note"))
    if action == Action.REJECT:
        return actions.case_reject(**kw, reason=_text(data, "reason"))
    if action == Action.DISPATCH:
        dept = data.get("department")
        assisting = [_department(v, "assisting") if str(v).isdigit() else str(v).strip()
                     for v in _list(data, "assisting")]
        return actions.case_dispatch(
            **kw, department=_department(dept, "department") if dept not in (None, "") else None,
            area_code=_text(data, "area_code"), reason=_text(data, "reason"),
            assisting=assisting, note=_text(data, "note"))
    if action == Action.ACCEPT:
        return actions.case_accept(**kw, note=_text(data, "note"))
    if action == Action.RETURN:
        return actions.case_return(**kw, reason=_text(data, "reason"))
    if action == Action.REPORT_BACK:
        return actions.case_report_back(**kw, note=_text(data, "note"), photos=photos)
    if action == Action.ASSIST_REPORT:
        return actions.case_assist_report(**kw, note=_text(data, "note"))
    if action in (Action.VERIFY_PASS, Action.VERIFY_FAIL):
        return actions.case_verify(**kw, passed=action == Action.VERIFY_PASS,
                                   note=_text(data, "note"), photos=photos)
    if action == Action.CLOSE:
        return actions.case_close(**kw, note=_text(data, "note"))
    if action == Action.RATE:
        return outcome.case_rate(**kw, rating=_text(data, "rating"),
                                 solved=_bool(data, "solved", required=True),
                                 source=_text(data, "source") or "reporter",
                                 note=_text(data, "note"))
    if action == Action.REOPEN:
        return outcome.case_reopen(**kw, reason=_text(data, "reason"))
    if action == Action.REQUEST_EXTENSION:
        unit = _text(data, "unit") or DeadlineUnit.working_days
        if unit not in DeadlineUnit.values:
            raise InvalidInput(_("延期单位不正确。"), code="bad_field")
        return timing.case_request_extension(**kw, amount=_number(data, "amount"), unit=unit,
                                             reason=_text(data, "reason"))
    if action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION):
        return timing.case_decide_extension(**kw, approve=action == Action.APPROVE_EXTENSION,
                                            note=_text(data, "note"))
    if action == Action.SUPERVISE:
        return timing.case_supervise(**kw, note=_text(data, "note"))
    if action == Action.SUSPEND:
        return timing.case_suspend(**kw, review_date=_date(data, "review_date"),
                                   reason=_text(data, "reason"))
    if action == Action.RESUME:
        return timing.case_resume(**kw, note=_text(data, "note"))
    if action == Action.ESCALATE:
        return escalation.case_escalate(**kw, reason=_text(data, "reason"))
    if action == Action.MERGE:
        number = _text(data, "into")
        into = visible(actor, Case.objects.all()).filter(number=number).first()
        if into is None:
            raise NotFound(_("找不到案件%(n)s，或您无权查看。") % {"n": number or "-"},
                           code="case_not_found")
        return merge.case_merge(duplicate=case, into=into, actor=actor, note=_text(data, "note"),
                                force=_bool(data, "force"), reason=_text(data, "reason"))
    raise InvalidInput(_("未知的操作：%(a)s") % {"a": action or "-"}, code="unknown_action")
