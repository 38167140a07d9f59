"""Workflow actions through the API: `POST /cases/{number}/actions/{action}` calls
`civicgrid.cases.services.case_perform`, the one entry point the pages use too, so both front
doors check and do exactly the same. The body is JSON, or multipart/form-data when photos come
with it (report_back, verify_pass, verify_fail). `GET /cases/{number}/actions` lists what this
user may do to the case now, with each action's fields."""

from __future__ import annotations

import json

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import ValidationError
from pydantic import ValidationError as PydanticError

from civicgrid.cases.services import ACTION_FIELDS, case_perform
from civicgrid.cases.workflow import Action
from civicgrid.core.errors import InvalidInput

from . import case_render
from .case_endpoints import ERRORS, visible_case
from .case_schemas import ActionForm, ActionIn, ActionName, CaseDetail, action_doc
from .schemas import Error

router = Router(tags=["cases"])
LIST_FIELDS = frozenset(s.name for specs in ACTION_FIELDS.values() for s in specs
                        if s.kind == "departments")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class FieldOut(Schema):
    name: str
    kind: str
    label: str
    required: bool
    choices: list[str]


class AvailableAction(Schema):
    action: ActionName
    label: str
    fields: list[FieldOut]


def _body_schema() -> dict:
    schema = ActionIn.model_json_schema()
    form = json.loads(json.dumps(schema))
    form["properties"]["photos"] = {"type": "array",
                                    "items": {"type": "string", "format": "binary"},
                                    "description": "照片（JPEG、PNG、WebP），可多张"}
    return {"required": False, "content": {"application/json": {"schema": schema},
                                           "multipart/form-data": {"schema": form}}}


def parse_body(request: HttpRequest) -> tuple[dict, list]:
    """(fields, photos) from a JSON or form body, validated against ActionIn."""
    content_type = (request.content_type or "").lower()
    photos: list = []
    model = ActionIn
    if content_type in FORM_TYPES:
        model = ActionForm
        raw = {k: (request.POST.getlist(k) if k in LIST_FIELDS else request.POST.get(k))
               for k in request.POST}
        photos = request.FILES.getlist("photos")
        unknown = sorted(set(request.FILES) - {"photos"})
        if unknown:
            raise InvalidInput(_("不支持的文件字段：%(f)s（照片请用 photos）。")
                               % {"f": "、".join(unknown)}, code="bad_field")
    elif not request.body:
        raw = {}
    else:
        try:
            raw = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput(_("请求体不是有效的 JSON。"), code="bad_json") from None
        if not isinstance(raw, dict):
            raise InvalidInput(_("请求体应为 JSON 对象。"), code="bad_json")
    try:
        fields = model.model_validate(raw).model_dump(exclude_none=True)
    except PydanticError as exc:
        errors = [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                  for e in exc.errors(include_url=False, include_context=False,
                                      include_input=False)]
        raise ValidationError(errors) from None
    return fields, photos


@router.post("/{number}/actions/{action}",
             response={200: CaseDetail, 409: Error, **ERRORS}, url_name="case_action",
             summary="办理案件（工作流操作）", description=action_doc(),
             openapi_extra={"requestBody": _body_schema()})
def perform(request: HttpRequest, number: str, action: ActionName):
    """Take a workflow action. 400: not possible in this state or bad input; 403: not this
    user's to take; 404: no such case in the user's scope; 409: somebody else changed the case
    meanwhile (reload and decide again)."""
    case = visible_case(request.user, number)
    data, photos = parse_body(request)
    case_perform(case=case, action=action, actor=request.user, data=data, photos=photos)
    # Read back unscoped: the actor saw the case a moment ago, and an action may take it out of
    # their sight (a department returning it); they still get the state their action left.
    return case_render.detail(request, case_render.reload(case))


@router.get("/{number}/actions", response={200: list[AvailableAction], **ERRORS},
            url_name="case_actions", summary="当前可办理的操作")
def available(request: HttpRequest, number: str):
    """The workflow actions this user may take on the case now, each with its input fields."""
    case = visible_case(request.user, number)
    return [{"action": a["action"], "label": a["label"],
             "fields": [{"name": s.name, "kind": s.kind, "label": str(s.label),
                         "required": s.required, "choices": [str(c) for c in s.choices]}
                        for s in ACTION_FIELDS.get(Action(a["action"]), ())]}
            for a in case_render.actions_for(case, request.user)]
