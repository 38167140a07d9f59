"""The GeoReport v2 endpoints (plain Django views; see docs/decisions.md for why not ninja).

Each view parses its parameters, calls one selector or service and renders the spec's shape
in the format named by the URL's suffix. Every failure goes through `endpoint`, which answers
with the spec's errors list and status; a domain error from a service keeps its message."""

from __future__ import annotations

import functools
import math

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from civicgrid.api.ratelimit import allow
from civicgrid.api.tokens import token_for_key
from civicgrid.cases.services.intake import MAX_DESCRIPTION
from civicgrid.core.errors import DomainError

from . import catalogue, selectors
from .errors import Open311Error, bad_request, from_domain
from .params import (
    MAX_RESULTS,
    attribute_params,
    check_jurisdiction,
    clean,
    date_range,
    datetime_param,
    extensions,
    listed,
    paging,
    param,
    span,
)
from .render import error_response, respond
from .serializers import Renderer, service_definition, service_row
from .services import Submission, open311_request_submit

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_ID_FIELD = 100
STATUSES = {"open", "closed"}


def endpoint(*methods: str):
    """Method check, jurisdiction check and error rendering around a view."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def wrap(view):
        @csrf_exempt  # clients authenticate with api_key, never with a session cookie
        @functools.wraps(view)
        def inner(request: HttpRequest, *args, fmt: str | None = None, **kwargs):
            fmt = fmt or "xml"
            try:
                if request.method not in allowed:
                    raise bad_request(_("不支持 %(m)s 请求，请使用 %(ok)s。") % {
                        "m": request.method, "ok": "、".join(sorted(methods))})
                check_jurisdiction(request)
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                response = error_response(fmt, exc)
            except DomainError as exc:
                response = error_response(fmt, from_domain(exc))
            if response.status_code == 400 and request.method not in allowed:
                response["Allow"] = ", ".join(sorted(allowed))
            return response
        return inner
    return wrap


# --- discovery and services ----------------------------------------------------------------------

@endpoint("GET")
def discovery(request: HttpRequest, fmt: str):
    root = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    changeset = catalogue.changeset()
    return respond(fmt, "discovery", {
        "changeset": changeset,
        "contact": _("CivicGrid 全响应网格化社会治理平台，接口问题请联系平台管理员。"),
        "key_service": _("api_key 由平台管理员为每个客户端创建（civicgrid open311 key create "
                         "--name 客户端名称）。查询无需 api_key，提交需要。"),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": root.rsplit("/", 1)[0],
            "changeset": changeset,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    })


@endpoint("GET")
def services(request: HttpRequest, fmt: str):
    return respond(fmt, "services", [service_row(s) for s in catalogue.services()])


def _service_or_404(code: str) -> catalogue.Service:
    svc = catalogue.service(code)
    if svc is None:
        raise Open311Error(404, _("service_code “%(c)s” 不存在或已停用，请先查询 services 列表。")
                           % {"c": code})
    return svc


@endpoint("GET")
def service_detail(request: HttpRequest, code: str, fmt: str):
    code = clean(code)
    return respond(fmt, "service_definition", service_definition(_service_or_404(code)))


# --- service requests ------------------------------------------------------------------------------

@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str):
    if request.method == "POST":
        return _create(request, fmt)
    ids = listed(request, "service_request_id")
    if ids:  # "This overrides all other arguments."
        cases = list(selectors.requests_by_id(ids[:MAX_RESULTS]).order_by("-reported_at", "-id"))
    else:
        statuses = {s.lower() for s in listed(request, "status")}
        if statuses - STATUSES:
            raise bad_request(_("status 只能是 open 或 closed（可用逗号分隔）。"))
        start, end = date_range(request)
        page, size = paging(request)
        qs = selectors.requests_matching(
            start=start, end=end, service_codes=listed(request, "service_code"),
            statuses=statuses, updated_after=datetime_param(request, "updated_after"),
            updated_before=datetime_param(request, "updated_before"))
        cases = list(qs[(page - 1) * size: page * size])
    return _render_requests(request, fmt, cases)


@endpoint("GET")
def request_detail(request: HttpRequest, request_id: str, fmt: str):
    request_id = clean(request_id)
    case = selectors.request_by_id(request_id)
    if case is None:
        raise Open311Error(404, _("service_request_id “%(i)s” 不存在，请核对编号。")
                           % {"i": request_id})
    return _render_requests(request, fmt, [case])


def _render_requests(request: HttpRequest, fmt: str, cases: list):
    extended = extensions(request)
    renderer = Renderer(request, selectors.page_for(cases, extended=extended))
    return respond(fmt, "service_requests",
                   [renderer.request(c, extended=extended) for c in cases])


@endpoint("GET")
def token_detail(request: HttpRequest, token: str, fmt: str):
    token = clean(token)
    cases = list(selectors.requests_for_token(token))
    if not cases:
        raise Open311Error(404, _("token “%(t)s” 不存在。") % {"t": token})
    return respond(fmt, "service_requests",
                   [{"service_request_id": c.number, "token": token} for c in cases])


@endpoint("GET")
def updates(request: HttpRequest, fmt: str):
    start, end = span(datetime_param(request, "start_date")
                      or datetime_param(request, "updated_after"),
                      datetime_param(request, "end_date")
                      or datetime_param(request, "updated_before"))
    page, size = paging(request)
    qs = selectors.updates_matching(start=start, end=end,
                                    numbers=listed(request, "service_request_id"))
    events = list(qs[(page - 1) * size: page * size])
    cases = list({e.case_id: e.case for e in events}.values())
    renderer = Renderer(request, selectors.page_for(cases, events=events))
    extended = extensions(request)
    return respond(fmt, "service_request_updates",
                   [renderer.update(e, extended=extended) for e in events])


# --- POST requests -------------------------------------------------------------------------------

def _client(request: HttpRequest):
    key = param(request, "api_key")
    token = token_for_key(key, kind="open311") if key else None
    if token is None:
        raise Open311Error(403, _("api_key 缺失或无效，提交服务请求需要有效的 api_key。"))
    allowed, retry_after = allow(token)
    if not allowed:
        raise Open311Error(429, _("请求过于频繁，请 %(s)d 秒后再试。") % {"s": retry_after},
                           retry_after=retry_after)
    return token


def _coordinate(request: HttpRequest, name: str) -> float | None:
    raw = param(request, name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise bad_request(_("%(n)s “%(v)s” 不是数字。") % {"n": name, "v": raw})
    return value


def _short(request: HttpRequest, name: str, limit: int = MAX_ID_FIELD) -> str:
    value = param(request, name)
    if len(value) > limit:
        raise bad_request(_("%(n)s 最长%(k)d个字符。") % {"n": name, "k": limit})
    return value


def _media_url(request: HttpRequest) -> str:
    url = _short(request, "media_url", 500)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise bad_request(_("media_url 应为 http 或 https 开头的网址。")) from None
    return url


def _create(request: HttpRequest, fmt: str):
    token = _client(request)
    code = param(request, "service_code")
    if not code:
        raise bad_request(_("缺少 service_code，请先查询 services 列表。"))
    svc = _service_or_404(code)
    lat, lon = _coordinate(request, "lat"), _coordinate(request, "long")
    if (lat is None) != (lon is None):
        raise bad_request(_("lat 和 long 需要同时提供。"))
    address_string, address_id = _short(request, "address_string", 255), param(request,
                                                                              "address_id")
    if lat is None and not address_string and not address_id:
        raise bad_request(_("缺少位置：请提供 lat 和 long，或 address_string，或 address_id。"))
    description = param(request, "description")
    if len(description) > MAX_DESCRIPTION:
        raise bad_request(_("description 最多%(n)d个字符（当前%(k)d个）。")
                          % {"n": MAX_DESCRIPTION, "k": len(description)})
    submission = Submission(
        service=svc, answers=catalogue.clean_answers(svc, attribute_params(request)),
        description=description, lat=lat, lon=lon, crs=param(request, "crs") or "wgs84",
        address_string=address_string, address_id=address_id,
        email=param(request, "email"), phone=param(request, "phone"),
        first_name=param(request, "first_name"), last_name=param(request, "last_name"),
        device_id=_short(request, "device_id"), account_id=_short(request, "account_id"),
        media_url=_media_url(request),
        client_token=(request.headers.get("Idempotency-Key", "")
                      or param(request, "idempotency_key")).strip())
    done = open311_request_submit(token=token, submission=submission)
    account_id = (done.extra.account_id if done.extra else "") or None
    return respond(fmt, "service_requests", [{
        "service_request_id": done.case.number,
        "service_notice": catalogue.deadline_notice(svc.category),
        "account_id": account_id,
    }], status=201 if done.created else 200)


@endpoint("GET", "POST")
def not_found(request: HttpRequest, path: str, fmt: str):
    raise Open311Error(404, _("没有这个 Open311 资源：%(p)s。可用的资源见 discovery.xml。")
                       % {"p": path})
