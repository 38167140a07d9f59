"""Reading an Open311 request's parameters the way real clients send them: `api_key` and
`jurisdiction_id` in the query string or the form body, empty values treated as absent (the
spec's "Optional Arguments" rule), W3C date-times whose "+08:00" arrived as " 08:00" because
the client did not encode the plus sign, and `attribute[code]` / `attribute[code][]`."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.http import HttpRequest
from django.utils import dateparse, timezone
from django.utils.translation import gettext as _

from .errors import Open311Error, bad_request

MAX_RESULTS = 1000  # the spec's "first 1000 requests"
DEFAULT_SPAN = dt.timedelta(days=90)  # the spec's "most recent 90 days"
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# "2026-11-22T08:30:00 08:00": a "+" decoded as a space.
LOST_PLUS = re.compile(r"^(.*\d)\s(\d{2}(?::?\d{2})?)$")


def param(request: HttpRequest, name: str) -> str:
    """A parameter from the form body, else the query string; "" when absent."""
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None or not value.strip():
        value = request.GET.get(name, "")
    return clean(value)


def clean(value: str | None) -> str:
    """Stripped, without NUL characters (PostgreSQL cannot store them; no client means them)."""
    return (value or "").replace("\x00", "").strip()


def listed(request: HttpRequest, name: str) -> list[str]:
    """A parameter that may be comma separated and/or repeated: a=1,2&a=3 → [1, 2, 3]."""
    values = request.GET.getlist(name)
    if request.method == "POST":
        values += request.POST.getlist(name)
    return [clean(v) for value in values for v in value.split(",") if clean(v)]


def jurisdictions(request: HttpRequest) -> set[str]:
    """The jurisdiction ids this endpoint answers to: the configured ones and, as the spec
    suggests, the site's own host name without "www."."""
    configured = settings.CIVICGRID.get("OPEN311_JURISDICTIONS", ("civicgrid",))
    host = request.get_host().split(":")[0].lower()
    return {j.lower() for j in configured} | {host.removeprefix("www.")}


def check_jurisdiction(request: HttpRequest) -> None:
    wanted = param(request, "jurisdiction_id").lower()
    if wanted and wanted not in jurisdictions(request):
        raise Open311Error(404, _("jurisdiction_id “%(j)s” 不存在：本接口只服务一个辖区，"
                                  "可以不传或传空。") % {"j": wanted})


def parse_datetime(value: str) -> dt.datetime | None:
    """A W3C/ISO 8601 date or date-time; without a time zone it is local time (Beijing).
    None when it is not one."""
    value = (value or "").strip()
    if not value:
        return None
    m = LOST_PLUS.match(value)
    if m and "T" in m.group(1) and not m.group(1).endswith("Z"):
        value = f"{m.group(1)}+{m.group(2)}"
    try:
        parsed = dateparse.parse_datetime(value)
        if parsed is None:
            day = dateparse.parse_date(value)
            parsed = dt.datetime.combine(day, dt.time()) if day else None
    except ValueError:
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def datetime_param(request: HttpRequest, name: str) -> dt.datetime | None:
    raw = param(request, name)
    value = parse_datetime(raw)
    if raw and value is None:
        raise bad_request(_("%(name)s “%(v)s” 不是有效的时间，请用 W3C 格式，"
                            "如 2026-11-01T00:00:00+08:00 或 2026-11-01T00:00:00Z。")
                          % {"name": name, "v": raw})
    return value


def date_range(request: HttpRequest, *, now: dt.datetime | None = None
               ) -> tuple[dt.datetime, dt.datetime]:
    """[start_date, end_date] of a request (see `span`)."""
    return span(datetime_param(request, "start_date"), datetime_param(request, "end_date"),
                now=now)


def span(start: dt.datetime | None, end: dt.datetime | None, *,
         now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """By default the most recent 90 days; one bound given, the 90 days from or up to it;
    both given, at most 90 days apart (spec)."""
    now = now or timezone.now()
    if start is None and end is None:
        return now - DEFAULT_SPAN, now
    if start is None:
        return end - DEFAULT_SPAN, end
    if end is None:
        return start, start + DEFAULT_SPAN
    if end < start:
        raise bad_request(_("end_date 不能早于 start_date。"))
    if end - start > DEFAULT_SPAN:
        raise bad_request(_("start_date 和 end_date 相隔不能超过90天，请分段查询。"))
    return start, end


def _positive_int(request: HttpRequest, name: str, default: int) -> int:
    raw = param(request, name)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise bad_request(_("%(name)s 应为正整数。") % {"name": name})
    return int(raw)


def paging(request: HttpRequest) -> tuple[int, int]:
    """(page, page_size) of the widely implemented pagination extension; page_size defaults
    to, and is capped at, 1000."""
    page = _positive_int(request, "page", 1)
    size = min(_positive_int(request, "page_size", MAX_RESULTS), MAX_RESULTS)
    return page, size


def extensions(request: HttpRequest) -> bool:
    return param(request, "extensions").lower() in ("true", "1", "yes")


def attribute_params(request: HttpRequest) -> dict[str, list[str]]:
    """{code: [values]} from attribute[code]=v and attribute[code][]=v1&attribute[code][]=v2."""
    out: dict[str, list[str]] = {}
    sources = [request.GET] + ([request.POST] if request.method == "POST" else [])
    for source in sources:
        for key in source:
            m = ATTRIBUTE_KEY.match(key)
            if m:
                out.setdefault(m.group(1).strip(), []).extend(
                    clean(v) for v in source.getlist(key))
    return out
