"""The action forms of a case: every action this actor may take on this case now
(cases.services.available_actions), each drawn from its input fields
(cases.services.perform.ACTION_FIELDS) with the options and the suggested values filled in: the
category the intake suggested, the responsibility list's unit for a dispatch (with its reason),
the duplicate candidates for a merge. The case page and the workbenches render these; the forms
POST to /cases/<number>/act/<action>/ and work without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.cases.models import Case, Rating
from civicgrid.cases.services import available_actions
from civicgrid.cases.services.perform import ACTION_FIELDS
from civicgrid.cases.workflow import Action, State
from civicgrid.core.calendar import DeadlineUnit
from civicgrid.dispatch.models import Category, Department, Stream

# Actions that end or undo something: drawn as secondary (outlined, red) buttons.
DANGER = frozenset({Action.REJECT, Action.RETURN, Action.VERIFY_FAIL, Action.DENY_EXTENSION,
                    Action.REOPEN, Action.MERGE, Action.SUSPEND})
SOURCES = (("callback", gettext_lazy("回访（工作人员电话回访）")),
           ("reporter", gettext_lazy("报告人本人评价")))


@dataclass
class FormField:
    name: str
    kind: str
    label: str
    required: bool = False
    options: list = field(default_factory=list)  # [(value, label)] or [(group, [(v, l)])]
    grouped: bool = False
    value: object = ""  # the initial value (a list for multiple choices)
    hint: str = ""

    @property
    def widget_id(self) -> str:
        return f"f-{self.name}"


@dataclass
class ActionForm:
    action: str
    label: str
    url: str
    fields: list[FormField]
    danger: bool = False
    hint: str = ""  # e.g. the routing suggestion and its reason
    multipart: bool = False
    failed: bool = False  # the form whose POST was just refused (the page opens it)

    @property
    def main_fields(self) -> list[FormField]:
        """Shown at once: what must or usually will be filled in."""
        return [f for f in self.fields if f.required or f.kind not in ("text", "bool")]

    @property
    def extra_fields(self) -> list[FormField]:
        """Optional notes and switches, folded away (one click for the common action)."""
        return [f for f in self.fields if f not in self.main_fields]


@dataclass(frozen=True)
class Suggestion:
    department_id: int | None
    area_code: str
    unit_name: str
    reason: str


def routing_suggestion(case: Case) -> Suggestion | None:
    """The responsibility list's unit for this case now, as dispatch compares with it (none
    without a category, or while the case waits at the level it was escalated to)."""
    from civicgrid.cases.services.units import unit_label
    from civicgrid.dispatch.routing import route

    if case.category_id is None or case.unit_area_code:
        return None
    decision = route(category=case.category_id, district_code=case.district_code,
                     street_code=case.street_code, community_code=case.community_code,
                     grid_code=case.grid_code)
    if decision is None or not (decision.department_id or decision.area_code):
        return None
    return Suggestion(decision.department_id, decision.area_code if not decision.department_id
                      else "", unit_label(decision.department_id, decision.area_code),
                      decision.reason_zh)


def duplicate_candidates(case: Case) -> list[dict]:
    """The open cases the intake flagged as possible duplicates of this one and that are still
    open: [{"number", "distance_m", "case"}]."""
    from civicgrid.cases.workbench import flagged_duplicates

    return flagged_duplicates([case]).get(case.pk, [])


def category_groups() -> list:
    labels = dict(Stream.choices)
    groups: dict[str, list] = {}
    for pk, name, stream in (Category.objects.filter(active=True)
                             .order_by("stream", "code").values_list("pk", "name", "stream")):
        groups.setdefault(stream, []).append((pk, name))
    return [(str(labels.get(s, s or _("其他"))), rows) for s, rows in groups.items()]


def _departments(case: Case) -> list[tuple[int, str]]:
    """Active departments whose jurisdiction covers the case (the city's and its district's)."""
    area = case.area_code
    q = Q(area_code="")
    for n in (6, 9, 12, 15):
        if len(area) >= n:
            q |= Q(area_code=area[:n])
    return list(Department.objects.filter(q, active=True).order_by("area_code", "code")
                .values_list("pk", "name"))


def _own_units(case: Case) -> list[tuple[str, str]]:
    from civicgrid.cases.search import area_names

    codes = [c for c in (case.street_code, case.community_code) if c]
    names = area_names(codes)
    return [(c, names.get(c, c)) for c in codes]


def _field(case: Case, action: str, spec, ctx: dict) -> FormField:
    f = FormField(spec.name, spec.kind, str(spec.label), spec.required)
    if spec.kind == "category":
        f.options, f.grouped, f.value = category_groups(), True, case.category_id or ""
        f.hint = _("系统根据描述建议的分类已预先选中，请确认或更改。") \
            if ctx.get("category_suggested") else ""
    elif spec.kind in ("department", "departments"):
        f.options = ctx.setdefault("departments", _departments(case))
        s = ctx.get("suggestion")
        if spec.kind == "department":
            f.value = s.department_id if s and s.department_id else ""
        else:
            f.value = []
    elif spec.kind == "unit":
        f.options = _own_units(case)
        s = ctx.get("suggestion")
        f.value = s.area_code if s and s.area_code else ""
    elif spec.kind == "choice":
        if spec.name == "rating":
            f.options = list(Rating.choices)
        elif spec.name == "unit":
            f.options, f.value = list(DeadlineUnit.choices), DeadlineUnit.working_days
        elif spec.name == "source":
            f.options, f.value = [(v, str(label)) for v, label in SOURCES], "callback"
        else:
            f.options = [(c, c) for c in spec.choices]
    elif spec.kind == "case":
        dups = ctx.get("duplicates") or []
        f.options = [(d["number"], d["number"]) for d in dups]
        f.value = dups[0]["number"] if dups else ""
    return f


def action_forms(case: Case, actor, *, values=None, failed: str = "") -> list[ActionForm]:
    """A form per action `actor` may take on `case` now; `values` (the refused POST) refill the
    form named `failed`."""
    actions = available_actions(case, actor)
    if not actions:
        return []
    ctx: dict = {}
    if Action.DISPATCH in actions:
        ctx["suggestion"] = routing_suggestion(case)
    if Action.MERGE in actions:
        ctx["duplicates"] = duplicate_candidates(case)
    if Action.REGISTER in actions:
        ctx["category_suggested"] = case.state == State.REPORTED and case.category_id is not None
    forms = []
    for action in actions:
        fields = [_field(case, action, spec, ctx) for spec in ACTION_FIELDS.get(action, ())]
        if values is not None and action == failed:
            for f in fields:
                if f.kind == "departments":
                    f.value = [int(v) for v in values.getlist(f.name) if str(v).isdigit()]
                elif f.kind != "photos":
                    raw = values.get(f.name, "")
                    f.value = int(raw) if f.kind in ("category", "department") and \
                        str(raw).isdigit() else raw
        hint = ""
        if action == Action.DISPATCH:
            s = ctx.get("suggestion")
            hint = (_("责任清单建议：%(unit)s。%(reason)s") % {"unit": s.unit_name,
                                                        "reason": s.reason}
                    if s else _("责任清单没有适用的规则，请人工选择处置单位并写明理由。"))
        forms.append(ActionForm(
            action=str(action), label=str(Action(action).label),
            url=reverse("web:case_act", args=[case.number, str(action)]), fields=fields,
            danger=action in DANGER, hint=hint,
            multipart=any(f.kind == "photos" for f in fields), failed=action == failed))
    # The step forward first (in the table's order), the ones that stop or undo after it.
    forms.sort(key=lambda f: f.danger)
    return forms
