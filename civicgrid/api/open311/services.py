"""Writes for Open311: a service request becomes a case (through the one intake every channel
uses), and an Open311 client gets its integration account and api_key."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicgrid.accounts.models import Role, User
from civicgrid.api.models import ApiToken, TokenKind
from civicgrid.api.tokens import token_create
from civicgrid.cases.models import Case, Channel
from civicgrid.cases.services.intake import MAX_DESCRIPTION, case_intake
from civicgrid.core.codes import level_of
from civicgrid.core.errors import InvalidInput
from civicgrid.territory.selectors import MODEL_OF_LEVEL

from .catalogue import Service, attributes_for
from .errors import bad_request
from .models import Open311Request

CLIENT_KEY_PREFIX = "open311"
MAX_CLIENT_TOKEN = 64
CLIENT_TOKEN = re.compile(r"^[\w.:\-]{1,64}$")
USERNAME_PREFIX = "open311-"
HAN = re.compile(r"[\u3400-\u9fff]")
QUESTION_END = re.compile(r"[？?]?(（可多选）)?$")


@dataclass(frozen=True)
class Submission:
    """A POST requests.{fmt}, parsed and checked by the view."""

    service: Service
    answers: dict
    description: str = ""
    lat: float | None = None
    lon: float | None = None
    crs: str = "wgs84"
    address_string: str = ""
    address_id: str = ""
    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    client_token: str = ""


@dataclass(frozen=True)
class Submitted:
    case: Case
    created: bool
    extra: Open311Request | None


def reporter_name(first: str, last: str) -> str:
    """Chinese names family name first (张 + 三), others given name first (John Smith)."""
    first, last = first.strip(), last.strip()
    if HAN.search(first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


def answers_summary(svc_code: str, answers: dict) -> str:
    """The answers as one line for the people who handle the case: they read the case's
    description, not Open311's attribute table."""
    parts = []
    for attr in attributes_for(svc_code):
        if attr.code not in answers:
            continue
        value = answers[attr.code]
        shown = "、".join(attr.value_name(v) for v in value) if isinstance(value, list) else (
            attr.value_name(value) if attr.values else str(value))
        parts.append(f"{QUESTION_END.sub('', attr.description)}：{shown}")
    return _("【附加信息】") + "；".join(parts) if parts else ""


def _description(sub: Submission) -> str:
    text = sub.description.strip() or sub.service.category.name
    summary = answers_summary(sub.service.code, sub.answers)
    if not summary:
        return text
    room = MAX_DESCRIPTION - len(summary) - 2
    if len(text) > room:  # the client's text was within 4,000; the summary must fit too
        text = text[: max(room - 1, 0)] + "…"
    return f"{text}\n\n{summary}"


def _place_of_address_id(address_id: str) -> tuple[float, float, str]:
    """An address_id is an area code of the territory (grid, community, street or district):
    the case is placed at a point inside that area, named by its name."""
    level = level_of(address_id)
    model = MODEL_OF_LEVEL.get(level or "")
    node = model.objects.filter(code=address_id).first() if model else None
    shape = node.shape if node is not None else None
    if shape is None or shape.is_empty:
        raise bad_request(_("address_id “%(a)s” 不是已知的区域编码（6位区县、9位街道、12位社区"
                            "或15位网格编码）。") % {"a": address_id})
    point = shape.representative_point()
    return float(point.x), float(point.y), node.name


@transaction.atomic
def open311_request_submit(*, token: ApiToken, submission: Submission) -> Submitted:
    """Create the case for an Open311 POST (or, for a client token seen before from the same
    client, return the case it made). Raises the intake's domain errors."""
    sub = submission
    client_key = None
    if sub.client_token:
        if not CLIENT_TOKEN.match(sub.client_token):
            raise bad_request(_("幂等键只能包含字母、数字和 . _ : -，最长%(n)d个字符。")
                              % {"n": MAX_CLIENT_TOKEN})
        client_key = f"{CLIENT_KEY_PREFIX}:{token.user_id}:{sub.client_token}"
    lon, lat, crs, address = sub.lon, sub.lat, sub.crs, sub.address_string
    if lat is None and sub.address_id:
        lon, lat, name = _place_of_address_id(sub.address_id)
        crs, address = "wgs84", address or name
    result = case_intake(
        actor=token.user, channel=Channel.OPEN311, description=_description(sub),
        lon=lon, lat=lat, crs=crs, address=address, category=sub.service.category,
        reporter_name=reporter_name(sub.first_name, sub.last_name), reporter_phone=sub.phone,
        reporter_email=sub.email, client_key=client_key)
    if not result.created:
        return Submitted(result.case, False, Open311Request.objects.filter(
            case=result.case).first())
    extra = Open311Request.objects.create(
        case=result.case, token=token, client_token=sub.client_token,
        service_code=sub.service.code, attributes=sub.answers, device_id=sub.device_id,
        account_id=sub.account_id, media_url=sub.media_url, address_id=sub.address_id)
    return Submitted(result.case, True, extra)


# --- clients -----------------------------------------------------------------------------------

def _operator() -> User:
    """The person at the server's shell: trusted like a superuser, never saved."""
    return User(username="cli-operator", is_superuser=True, is_active=True)


def _username(name: str) -> str:
    slug = slugify(name, allow_unicode=True)[:100] or "client"
    return USERNAME_PREFIX + slug


@transaction.atomic
def open311_client_key_create(*, name: str, rate_limit_per_minute: int | None = None
                              ) -> tuple[ApiToken, str]:
    """A new api_key for the Open311 client `name`. The key acts as the client's own account
    (created on first use): a resident-role account named after the client that cannot sign
    in, so what the client may do is exactly what a resident may do (report, and nothing
    else). Returns the token and the key, which is shown once."""
    from civicgrid.accounts.services import user_create

    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("请用 --name 填写客户端名称，例如“市民随手拍App”。"),
                           code="client_name")
    username = _username(name)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(actor=_operator(), username=username, password=None,
                           role=Role.RESIDENT, first_name=name[:150])
    elif user.role != Role.RESIDENT or user.has_usable_password():
        raise InvalidInput(_("账号 %(u)s 已存在且不是 Open311 接口账号，请换一个客户端名称。")
                           % {"u": username}, code="client_name")
    return token_create(user=user, name=name, kind=TokenKind.OPEN311,
                        rate_limit_per_minute=rate_limit_per_minute)
