"""Case endpoints: create (idempotent), list (the list page's filters, cursor pagination),
read, and the scoped photo download. Workflow actions: civicgrid.api.case_actions.

Every read goes through civicgrid.cases.selectors.cases_visible (the permission policy): a case
outside the actor's scope answers 404 exactly like a number that does not exist."""

from __future__ import annotations

from typing import Literal

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status

from civicgrid.accounts.models import Role
from civicgrid.cases import search
from civicgrid.cases.models import Attachment, Case, Channel
from civicgrid.cases.selectors import cases_visible
from civicgrid.cases.services.intake import case_intake
from civicgrid.core.errors import InvalidInput, NotFound
from civicgrid.core.permissions import require
from civicgrid.dispatch.models import Stream

from . import case_render, cursor
from .case_schemas import CaseCreated, CaseDetail, CaseIn, CasePage, StateName
from .schemas import Error, IsoDate

router = Router(tags=["cases"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 429: Error}
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
StateFilter = StateName | Literal["open", "finished"]


def visible_case(actor, number: str) -> Case:
    """The case `number` if the actor may see it (annotated with `due`), else NotFound."""
    require(actor, "case.view")
    case = (cases_visible(actor).filter(number=(number or "").strip().upper())
            .annotate(due=search.due_expression())
            .select_related("category", "unit_department", "merged_into").first())
    if case is None:
        raise NotFound(_("没有找到编号为“%(number)s”的案件，或它不在您的辖区内。")
                       % {"number": number}, code="case_not_found")
    return case


# --- create ----------------------------------------------------------------------------------

def _client_key(header: str | None, body: str | None) -> str | None:
    header, body = (header or "").strip() or None, (body or "").strip() or None
    if header and body and header != body:
        raise InvalidInput(_("请求头 Idempotency-Key 与 client_key 不一致，请只提供一个。"),
                           code="key_mismatch")
    return header or body


@router.post("/", response={200: CaseCreated, 201: CaseCreated, 409: Error, **ERRORS},
             url_name="case_create", summary="上报案件（幂等）")
def create(request: HttpRequest, payload: CaseIn,
           idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=80)):
    """Create a case through the same intake as every channel. 201 for a new case; 200 with
    `created: false` and the same case when the `Idempotency-Key` header (or `client_key`) was
    used before by this account; 409 when another account used that key."""
    actor = request.user
    reporter = payload.reporter
    channel = payload.channel or (Channel.RESIDENT if actor.role == Role.RESIDENT
                                  else Channel.HOTLINE)
    result = case_intake(
        actor=actor, channel=channel, description=payload.description, lon=payload.lon,
        lat=payload.lat, crs=payload.crs, address=payload.address, category=payload.category,
        reporter_name=reporter.name if reporter else "",
        reporter_phone=reporter.phone if reporter else "",
        reporter_email=reporter.email if reporter else "",
        client_key=_client_key(idempotency_key, payload.client_key),
        priority=payload.priority, reported_at=payload.reported_at)
    body = {"created": result.created,
            "case": case_render.detail(request, case_render.reload(result.case)),
            "flags": result.flags, "suggestions": result.suggestions,
            "duplicates": [d.number for d in result.duplicates]}
    return Status(201 if result.created else 200, body)


# --- list ------------------------------------------------------------------------------------

class CaseFilterIn(Schema):
    """The case list page's filters."""

    state: StateFilter | None = Field(None, description="状态，或 open（未办结）/ finished")
    level: Literal["normal", "yellow", "red"] | None = None
    stream: Literal[tuple(Stream.values)] | None = None
    category: int | None = Field(None, ge=1)
    channel: Literal[tuple(Channel.values)] | None = None
    street: str | None = Field(None, pattern=r"^\d{9}$")
    date_from: IsoDate | None = Field(None, alias="from", description="上报日期起（含）")
    date_to: IsoDate | None = Field(None, alias="to", description="上报日期止（含）")
    q: str | None = Field(None, max_length=100, description="编号、标题或描述中的文字")
    sort: Literal["due", "new", "old"] = "due"
    cursor: str | None = Field(None, max_length=500, description="上一页返回的 next_cursor")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def _params(f: CaseFilterIn) -> dict[str, str]:
    values = {"state": f.state, "level": f.level, "stream": f.stream, "category": f.category,
              "channel": f.channel, "street": f.street, "from": f.date_from, "to": f.date_to,
              "q": f.q, "sort": f.sort}
    return {k: str(v) for k, v in values.items() if v not in (None, "")}


def case_page(actor, f: CaseFilterIn) -> dict:
    """One page of the actor's cases after `f.cursor`, in `f.sort` order."""
    flt = search.parse_filter(_params(f))
    if flt.errors:
        raise InvalidInput("；".join(flt.errors), code="bad_filter")
    qs = search.ordered(search.filtered(actor, flt), flt.sort)
    if f.cursor:
        qs = cursor.after(qs, flt.sort, f.cursor)
    related = ("category", "unit_department")
    if flt.level in ("yellow", "normal"):
        wanted = search.ids_at_level(qs, flt.level)[:f.limit + 1]
        by_id = {c.pk: c for c in Case.objects.filter(pk__in=wanted)
                 .annotate(due=search.due_expression()).select_related(*related)}
        cases = [by_id[i] for i in wanted]
    else:
        cases = list(qs.select_related(*related)[:f.limit + 1])
    more = len(cases) > f.limit
    cases = cases[:f.limit]
    return {"items": case_render.summaries(cases),
            "next_cursor": cursor.encode(flt.sort, cases[-1]) if more else None}


@router.get("/", response={200: CasePage, **ERRORS}, url_name="case_list",
            summary="案件列表（游标分页）")
def case_list(request: HttpRequest, filters: Query[CaseFilterIn]):
    """The user's visible cases with the case list page's filters. Pages are walked with
    `cursor` (the previous page's `next_cursor`, with the same filters and sort); rows added
    meanwhile never make a row appear twice or go missing from the walk."""
    require(request.user, "case.view")
    return case_page(request.user, filters)


# --- read ------------------------------------------------------------------------------------

@router.get("/{number}", response={200: CaseDetail, **ERRORS}, url_name="case_detail",
            summary="案件详情")
def case_detail(request: HttpRequest, number: str):
    """The case with its timeline, reporters (contact data masked unless the user's role calls
    people back), photos (URLs of the photo endpoint) and the actions this user may take now."""
    return case_render.detail(request, visible_case(request.user, number))


PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


@router.get("/{number}/photos/{attachment_id}", response=ERRORS, url_name="case_photo",
            summary="案件照片", openapi_extra={"responses": {"200": {
                "description": "照片文件",
                "content": {t: {"schema": {"type": "string", "format": "binary"}}
                            for t in PHOTO_TYPES}}}})
def case_photo(request: HttpRequest, number: str, attachment_id: int):
    """A photo of a case the user may see, streamed from storage."""
    case = visible_case(request.user, number)
    attachment = Attachment.objects.filter(pk=attachment_id, case=case).first()
    if attachment is None:
        raise NotFound(_("照片不存在。"), code="photo_not_found")
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise NotFound(_("照片文件已丢失，请联系管理员。"), code="photo_missing") from None
    resp = FileResponse(handle, content_type=attachment.content_type)
    resp["Cache-Control"] = "private, max-age=3600"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp
