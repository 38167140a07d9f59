"""Intake: a report from any channel becomes a case (信息收集 → 案卷建立的前半步).

`case_intake` is what the resident page, the hotline desk, the grid worker's phone, Open311 and
the REST API call. In order:
1. Check the input (nothing is written when anything is wrong) and read the photos.
2. Idempotency: a client_key seen before returns that case (created=False) and writes nothing.
   Two requests racing with one key both pass that check; the unique constraint then lets one
   insert win, and the loser, inside its own savepoint, catches the IntegrityError and returns
   the winner. A key belongs to whoever used it first: another account gets Conflict.
3. Locate. Coordinates (GCJ-02 and BD-09 converted to WGS84) go through the locator; a point
   outside every grid is still accepted with empty codes and the flag "outside_grid" for the
   dispatcher. Without coordinates the address goes through the gazetteer: a confident top
   candidate gives its codes; otherwise the case keeps only the street (or district) that every
   candidate agrees on, and the candidates are recorded for the dispatcher to choose.
4. Category. The reporter's or operator's choice when given. Otherwise the classifier's top
   suggestion is set *provisionally* (so deadlines, routing and duplicate checks work from the
   start) and the report event says category_source = "suggested": the case stays `reported`
   and the dispatcher confirms or changes the category when registering it.
5. Step deadlines, the routing suggestion (stored in routing_reason; the handling unit itself is
   only set by dispatch, so a department never sees a case before it is dispatched to it) and
   the duplicate candidates.
6. One transaction: case number, Case, primary Reporter, the "report" CaseEvent (with
   suggestions, candidates, duplicates and flags in its data) and the photos.
Every channel starts in state `reported`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from civicgrid.accounts.models import Role
from civicgrid.core import permissions
from civicgrid.core.errors import Conflict, InvalidInput, PermissionDenied
from civicgrid.core.geo import CRS, to_wgs84
from civicgrid.evaluation.rollups import rollup_case_change

from ..deadlines import step_deadlines
from ..duplicates import find_duplicates_near
from ..models import AttachmentStage, Case, CaseEvent, Channel, LocationSource, Priority, Reporter
from ..numbering import case_number
from ..workflow import State
from .attachments import store_uploads, validate_uploads

MAX_DESCRIPTION = 4000
MAX_CLIENT_KEY = Case._meta.get_field("client_key").max_length
# Mainland China with Hainan and the South China Sea islands (WGS84 degrees).
CHINA_BOX = (73.4, 3.8, 135.1, 53.6)
FUTURE_TOLERANCE = dt.timedelta(minutes=5)  # phones' clocks run a little fast
PUBLIC_CHANNELS = frozenset({Channel.RESIDENT, Channel.OPEN311})
# Channels where the signed-in actor is the reporter (their account is linked to the report).
SELF_REPORT_CHANNELS = frozenset({Channel.RESIDENT, Channel.PATROL, Channel.LANE_CHIEF})
TITLE_LENGTH = 40

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{9,11}$")  # area code (2–3 digits after 0) + 7–8 digits
LOCAL = re.compile(r"^[2-9]\d{6,7}$")  # a local number without area code, as callers say it
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_NOISE = re.compile(r"[\s\-()（）]")


@dataclass
class IntakeResult:
    case: Case
    created: bool
    suggestions: list[dict] = field(default_factory=list)
    duplicates: list[Case] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class _Place:
    lon: float | None = None
    lat: float | None = None
    source: str = LocationSource.NONE
    district_code: str = ""
    street_code: str = ""
    community_code: str = ""
    grid_code: str = ""
    candidates: list[dict] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


# --- input checks ----------------------------------------------------------------------------

def normalize_phone(phone: str) -> str:
    """Digits only, without +86: "+86 138-1234-5678" → "13812345678"."""
    digits = PHONE_NOISE.sub("", phone or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def _check_phone(phone: str) -> str:
    digits = normalize_phone(phone)
    if digits and not (MOBILE.match(digits) or LANDLINE.match(digits) or LOCAL.match(digits)):
        raise InvalidInput(_("电话号码格式不正确，请填写11位手机号或带区号的固定电话。"),
                           code="bad_phone")
    return digits


def _check_text(description: str, address: str, name: str, email: str) -> tuple[str, ...]:
    description = (description or "").strip()
    if not description:
        raise InvalidInput(_("请填写问题描述。"), code="description_required")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(_("问题描述最多%(n)d个字，请精简后再提交。") % {"n": MAX_DESCRIPTION},
                           code="description_too_long")
    address, name, email = (address or "").strip(), (name or "").strip(), (email or "").strip()
    if len(address) > Case._meta.get_field("address").max_length:
        raise InvalidInput(_("地址过长，请精简到255个字以内。"), code="address_too_long")
    if len(name) > Reporter._meta.get_field("name").max_length:
        raise InvalidInput(_("姓名过长，请填写50个字以内。"), code="name_too_long")
    if email and (len(email) > Reporter._meta.get_field("email").max_length
                  or not EMAIL.match(email)):
        raise InvalidInput(_("电子邮箱格式不正确。"), code="bad_email")
    return description, address, name, email


def _check_coordinates(lon, lat, crs) -> tuple[float, float] | None:
    if lon is None and lat is None:
        return None
    try:
        lon, lat = float(lon), float(lat)
        crs = CRS(str(crs or "wgs84").lower())
    except (TypeError, ValueError):
        raise InvalidInput(_("坐标需同时提供经度和纬度（数字），坐标系为 wgs84、gcj02 或 bd09。"),
                           code="bad_coordinates") from None
    x0, y0, x1, y1 = CHINA_BOX
    if not (math.isfinite(lon) and math.isfinite(lat) and x0 <= lon <= x1 and y0 <= lat <= y1):
        raise InvalidInput(_("坐标不在中国境内，请检查经纬度是否填反或定位是否正确。"),
                           code="outside_china")
    wlon, wlat = to_wgs84(lon, lat, crs)
    return float(wlon), float(wlat)


def _check_channel(actor, channel) -> str:
    if channel not in Channel.values or channel == Channel.IMPORT:
        raise InvalidInput(_("来源渠道“%(c)s”无效。") % {"c": channel}, code="bad_channel")
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    if not signed_in or actor.role == Role.RESIDENT and not actor.is_superuser:
        if channel not in PUBLIC_CHANNELS:
            raise PermissionDenied(_("居民只能通过居民上报渠道提交问题。"), code="forbidden")
        if signed_in:
            permissions.require(actor, "case.create")
        return channel
    permissions.require(actor, "case.create")
    return channel


def _check_category(category):
    if category is None or category == "":
        return None
    from civicgrid.dispatch.models import Category

    if not isinstance(category, Category):
        lookup = {"pk": category} if str(category).isdigit() else {"code": category}
        category = Category.objects.filter(**lookup).first()
    if category is None or not category.active:
        raise InvalidInput(_("问题分类不存在或已停用，请重新选择。"), code="bad_category")
    return category


def _suggested_category(category_id):
    """The suggested category, or None when it was deactivated after the classifier was built
    (a stale suggestion must not make the report fail)."""
    from civicgrid.dispatch.models import Category

    return Category.objects.filter(pk=category_id, active=True).first()


def _check_time(reported_at) -> dt.datetime:
    now = timezone.now()
    if reported_at is None:
        return now
    if timezone.is_naive(reported_at):
        raise InvalidInput(_("上报时间必须带时区。"), code="naive_time")
    if reported_at > now + FUTURE_TOLERANCE:
        raise InvalidInput(_("上报时间不能晚于当前时间。"), code="future_time")
    return reported_at


# --- locating, classifying, routing ----------------------------------------------------------

def _codes_of_candidate(c) -> dict[str, str]:
    code = c.code
    return {"district_code": c.district_code or code[:6],
            "street_code": c.street_code or (code[:9] if len(code) >= 9 else ""),
            "community_code": code[:12] if len(code) >= 12 else "",
            "grid_code": code if len(code) == 15 else ""}


def locate(point: tuple[float, float] | None, address: str) -> _Place:
    from civicgrid.territory.gazetteer import get_gazetteer, is_confident
    from civicgrid.territory.locator import get_locator

    place = _Place()
    if point is not None:
        place.lon, place.lat, place.source = point[0], point[1], LocationSource.GPS
        loc = get_locator().locate(*point)
        if loc is None:
            place.flags.append("outside_grid")
        else:
            place.grid_code, place.community_code = loc.grid_code, loc.community_code
            place.street_code, place.district_code = loc.street_code, loc.district_code
        return place
    if not address:
        place.flags.append("no_location")
        return place
    candidates = get_gazetteer().resolve(address)
    place.candidates = [c.as_json() for c in candidates]
    if is_confident(candidates):
        for key, value in _codes_of_candidate(candidates[0]).items():
            setattr(place, key, value)
    else:
        place.flags.append("address_ambiguous" if candidates else "address_unresolved")
        # Keep what every candidate agrees on: their common street, else their district.
        streets = {c.street_code for c in candidates}
        districts = {c.district_code for c in candidates}
        if len(streets) == 1 and "" not in streets:
            place.street_code = streets.pop()
        if len(districts) == 1 and "" not in districts:
            place.district_code = districts.pop()
    if place.district_code:
        place.source = LocationSource.ADDRESS
    return place


def suggest_categories(description: str) -> list[dict]:
    try:
        from civicgrid.dispatch.classify import get_classifier
    except ImportError:  # the catalogue is not installed yet: no suggestions
        return []
    return [{"category_id": s.category_id, "code": s.code, "name": s.name,
             "score": round(float(s.score), 4), "matched": list(s.matched)}
            for s in get_classifier().suggest(description, limit=3)]


def routing_suggestion(category, place: _Place) -> tuple[str, dict]:
    if category is None or not place.district_code:
        return "", {}
    try:
        from civicgrid.dispatch.routing import route
    except ImportError:  # routing not installed yet
        return "", {}
    decision = route(category=category, district_code=place.district_code,
                     street_code=place.street_code, community_code=place.community_code,
                     grid_code=place.grid_code)
    return decision.reason_zh, {"department_id": decision.department_id,
                                "area_code": decision.area_code, "rule_id": decision.rule_id}


# --- the service -----------------------------------------------------------------------------

def _existing(client_key: str, actor) -> IntakeResult | None:
    case = Case.objects.filter(client_key=client_key).first()
    if case is None:
        return None
    first = case.events.filter(action="report").values_list("actor_id", flat=True).first()
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    if first is not None and first != actor_id:
        raise Conflict(_("该幂等键已被其他账号使用，请换一个新的键重新提交。"),
                       code="client_key_taken")
    return IntakeResult(case=case, created=False)


def case_intake(*, actor, channel: str, description: str, lon=None, lat=None, crs="wgs84",
                address: str = "", category=None, reporter_name: str = "",
                reporter_phone: str = "", reporter_email: str = "", client_key: str | None = None,
                photos=(), priority: int = 0, reported_at: dt.datetime | None = None
                ) -> IntakeResult:
    """Turn a report into a case (see the module doc). Raises InvalidInput, PermissionDenied or
    Conflict; writes nothing unless the whole case is written."""
    channel = _check_channel(actor, channel)
    client_key = (client_key or "").strip() or None
    if client_key and len(client_key) > MAX_CLIENT_KEY:
        raise InvalidInput(_("幂等键最长%(n)d个字符。") % {"n": MAX_CLIENT_KEY}, code="bad_key")
    if client_key and (found := _existing(client_key, actor)):
        return found
    description, address, reporter_name, reporter_email = _check_text(
        description, address, reporter_name, reporter_email)
    reporter_phone = _check_phone(reporter_phone)
    if priority not in Priority.values:
        raise InvalidInput(_("紧急程度无效。"), code="bad_priority")
    point = _check_coordinates(lon, lat, crs)
    category = _check_category(category)
    reported_at = _check_time(reported_at)
    uploads = validate_uploads(photos)

    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    user = actor if signed_in and channel in SELF_REPORT_CHANNELS else None
    if user is not None:  # a grid worker reporting on patrol need not type their own name
        reporter_name = reporter_name or user.get_full_name()
        reporter_phone = reporter_phone or normalize_phone(user.phone)

    place = locate(point, address)
    suggestions = [] if category is not None else suggest_categories(description)
    category_source = "given" if category is not None else ""
    if category is None and suggestions:
        category = _suggested_category(suggestions[0]["category_id"])
        category_source = "suggested" if category is not None else ""
    deadlines = step_deadlines(category, reported_at, priority=priority)
    routing_reason, routing = routing_suggestion(category, place)
    flags = list(place.flags) + (["category_unconfirmed"] if category_source != "given" else [])

    try:
        with transaction.atomic():
            duplicates = find_duplicates_near(category=category, lon=place.lon, lat=place.lat,
                                              at=reported_at)
            case = Case.objects.create(
                number=case_number(place.district_code, reported_at), client_key=client_key,
                channel=channel, state=State.REPORTED, priority=priority, category=category,
                stream=category.stream if category else "",
                title=description.splitlines()[0][:TITLE_LENGTH], description=description,
                address=address, lon=place.lon, lat=place.lat, location_source=place.source,
                district_code=place.district_code, street_code=place.street_code,
                community_code=place.community_code, grid_code=place.grid_code,
                routing_reason=routing_reason, reported_at=reported_at, **deadlines)
            Reporter.objects.create(case=case, name=reporter_name, phone=reporter_phone,
                                    email=reporter_email, user=user, channel=channel,
                                    reported_at=reported_at, is_primary=True)
            event = CaseEvent.objects.create(
                case=case, action="report", from_state="", to_state=State.REPORTED,
                actor=actor if signed_in else None,
                actor_role=actor.role if signed_in else "", at=reported_at,
                data={"channel": channel, "category_source": category_source,
                      "suggestions": suggestions, "location_candidates": place.candidates[:5],
                      "duplicates": [{"case_id": d.pk, "number": d.number,
                                      "distance_m": round(d.distance_m, 1)} for d in duplicates],
                      "routing": routing, "flags": flags})
            store_uploads(case=case, uploads=uploads, stage=AttachmentStage.REPORT, actor=actor,
                          event=event)
            rollup_case_change(None, case)
            # After commit: webhook fan-out (a lazy import: cases does not depend on webhooks).
            transaction.on_commit(lambda: import_string(
                "civicgrid.webhooks.services.case_event_committed")(event.pk), robust=True)
    except IntegrityError:
        if client_key and (found := _existing(client_key, actor)):
            return found  # another request with the same key won the race
        raise
    return IntakeResult(case=case, created=True, suggestions=suggestions,
                        duplicates=duplicates, flags=flags)
