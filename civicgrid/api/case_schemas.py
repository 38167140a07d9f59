"""Request and response shapes of the case endpoints (they document the OpenAPI schema).

The body of a workflow action is drawn from `civicgrid.cases.services.ACTION_FIELDS`, the same
description the pages build their forms from, so the API documents exactly what each action
takes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    create_model,
)

from civicgrid.cases.models import AttachmentStage, Channel, Priority
from civicgrid.cases.services import ACTION_FIELDS
from civicgrid.cases.services.intake import CHINA_BOX
from civicgrid.cases.workflow import Action, State
from civicgrid.core.geo import CRS
from civicgrid.dispatch.models import Stream

from .schemas import IsoDate, IsoDateTime

StateName = Literal[tuple(State.values)]  # type: ignore[valid-type]
ActionName = Literal[tuple(Action.values)]  # type: ignore[valid-type]
ChannelName = Literal[tuple(c for c in Channel.values if c != Channel.IMPORT)]  # type: ignore
CrsName = Literal[tuple(c.value for c in CRS)]  # type: ignore[valid-type]
Level = Literal["", "normal", "yellow", "red"]
Step = Literal["", "register", "dispatch", "handle"]


# --- input -----------------------------------------------------------------------------------

# Bodies are JSON: numbers, booleans and strings must be of their own type (pydantic's lax mode
# would read "1" as 1 and 1 as True), and plain pydantic models (ninja's Schema would read any
# object, even a list, through attribute access).
class ReporterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field("", max_length=50)
    phone: StrictStr = Field("", max_length=30)
    email: StrictStr = Field("", max_length=120)


class CaseIn(BaseModel):
    """A new report. Give coordinates (`lon`, `lat`, `crs`) or an `address` (resolved with the
    gazetteer), or both. Without `category` the classifier suggests one and the dispatcher
    confirms it when registering. `client_key` (or the `Idempotency-Key` header) makes a retry
    return the case the first request created."""

    model_config = ConfigDict(extra="forbid")

    description: StrictStr = Field(..., min_length=1, max_length=4000)
    channel: ChannelName | None = Field(
        None, description="来源渠道；默认居民为 resident，工作人员为 hotline")
    # Mainland China with Hainan and the South China Sea islands (intake.CHINA_BOX).
    lon: StrictFloat | None = Field(None, ge=CHINA_BOX[0], le=CHINA_BOX[2])
    lat: StrictFloat | None = Field(None, ge=CHINA_BOX[1], le=CHINA_BOX[3])
    crs: CrsName = "wgs84"
    address: StrictStr = Field("", max_length=255)
    category: StrictInt | StrictStr | None = Field(None, description="分类编号或分类编码")
    priority: StrictInt = Field(Priority.NORMAL, ge=min(Priority.values),
                                le=max(Priority.values), description="0 一般，1 紧急，2 特急")
    reported_at: IsoDateTime | None = Field(None, description="上报时间（带时区），默认现在")
    reporter: ReporterIn | None = None
    client_key: StrictStr | None = Field(None, max_length=80)


def _field_type(kind: str, choices: tuple, strict: bool):
    """The pydantic type of an action field: strict for JSON, lax for form fields (text)."""
    s_bool, s_float, s_int, s_str = (StrictBool, StrictFloat, StrictInt, StrictStr) if strict \
        else (bool, float, int, str)
    if kind == "bool":
        return s_bool
    if kind == "number":
        return s_float
    if kind == "date":
        return IsoDate
    if kind == "choice" and choices:
        return Literal[tuple(choices)]  # type: ignore[valid-type]
    if kind in ("category", "department"):
        return s_int | s_str
    if kind == "departments":
        return list[s_int | s_str]
    return s_str


def _action_body_model(name: str, *, strict: bool):
    """One object with every action's fields (photos are multipart only)."""
    first: dict[str, object] = {}
    used_by: dict[str, list[str]] = {}
    for action, specs in ACTION_FIELDS.items():
        for spec in specs:
            used_by.setdefault(spec.name, []).append(
                f"{action}{'（必填）' if spec.required else ''}")
            if spec.kind != "photos":
                first.setdefault(spec.name, spec)
    fields = {name: (_field_type(spec.kind, spec.choices, strict) | None,
                     Field(None, description=f"{spec.label}。用于：{'、'.join(used_by[name])}"))
              for name, spec in first.items()}
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


ActionIn = _action_body_model("ActionIn", strict=True)  # JSON bodies
ActionForm = _action_body_model("ActionForm", strict=False)  # multipart fields are text


def action_doc() -> str:
    """Markdown: each action's fields, for the operation's description."""
    lines = ["各操作的字段（`*` 为必填；`photos` 仅限 multipart/form-data）：", ""]
    for action, specs in ACTION_FIELDS.items():
        parts = [f"`{s.name}`{'*' if s.required else ''} {s.label}" for s in specs]
        lines.append(f"- **{action}** {Action(action).label}：{'，'.join(parts) or '无'}")
    return "\n".join(lines)


# --- output ----------------------------------------------------------------------------------

class CategoryRef(Schema):
    id: int
    code: str
    name: str


class UnitRef(Schema):
    kind: Literal["department", "area"]
    department_id: int | None = None
    area_code: str = ""
    name: str


class CaseSummary(Schema):
    number: str
    state: StateName
    state_label: str
    channel: str
    priority: int
    category: CategoryRef | None
    stream: Literal[("", *Stream.values)]  # type: ignore[valid-type]
    title: str
    address: str
    lon: float | None
    lat: float | None
    district_code: str
    street_code: str
    community_code: str
    grid_code: str
    unit: UnitRef | None
    reported_at: dt.datetime
    step: Step = Field(description="当前环节（其时限正在计时）")
    due: dt.datetime | None = Field(description="当前环节的时限")
    level: Level = Field(description="预警：normal / yellow / red；不计时为空")


class CasePage(Schema):
    items: list[CaseSummary]
    next_cursor: str | None = Field(description="下一页的游标；没有下一页时为 null")


class ReporterOut(Schema):
    name: str
    phone: str
    email: str
    channel: str
    reported_at: dt.datetime
    is_primary: bool
    original_case_number: str
    masked: bool = Field(description="联系方式是否已脱敏")


class AttachmentOut(Schema):
    id: int
    stage: Literal[tuple(AttachmentStage.values)]  # type: ignore[valid-type]
    content_type: str
    size: int
    event_id: int | None
    uploaded_at: dt.datetime
    url: str


class EventOut(Schema):
    id: int
    at: dt.datetime
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor: str
    actor_role: str
    unit: str
    note: str
    internal: bool
    attachment_ids: list[int]


class TaskOut(Schema):
    role: Literal["lead", "assist"]
    unit: UnitRef
    assigned_at: dt.datetime
    reported_back_at: dt.datetime | None
    note: str


class ExtensionOut(Schema):
    requested_at: dt.datetime
    amount: float
    unit: str
    reason: str
    decision: Literal["pending", "approved", "denied"]
    decided_at: dt.datetime | None
    decision_note: str


class ActionRef(Schema):
    action: ActionName
    label: str


class CaseDetail(CaseSummary):
    description: str
    location_source: str
    routing_reason: str
    registered_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    accepted_at: dt.datetime | None
    reported_back_at: dt.datetime | None
    closed_at: dt.datetime | None
    register_deadline: dt.datetime | None
    dispatch_deadline: dt.datetime | None
    handle_deadline: dt.datetime | None
    review_date: dt.date | None
    counts: dict[str, int]
    rating: str
    solved: bool | None
    rated_at: dt.datetime | None
    merged_into: str | None
    version: int
    reporters: list[ReporterOut]
    events: list[EventOut]
    attachments: list[AttachmentOut]
    tasks: list[TaskOut]
    extensions: list[ExtensionOut]
    available_actions: list[ActionRef]


class CaseCreated(Schema):
    created: bool = Field(description="false：同一幂等键的重复请求，返回原案件")
    case: CaseDetail
    flags: list[str] = Field(description="定位与分类提示：outside_grid、address_ambiguous…")
    suggestions: list[dict] = Field(description="未指定分类时的推荐分类")
    duplicates: list[str] = Field(description="附近可能重复的案件编号")
