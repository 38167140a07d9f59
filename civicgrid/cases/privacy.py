"""Reporters' personal data: shown in full only to those who call people back.

The permission policy decides who that is ("case.view_contact": street dispatchers and
commanders, district and city admins). Everybody else who may see the case sees masked contact
data (138****5678, 张**, z***@example.com); a resident sees their own report in full and nobody
else's at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from civicgrid.core import permissions

MASK = "*"


def mask_phone(phone: str) -> str:
    """138****5678; a landline keeps its first 3 and last 4 digits too; short numbers keep 2."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) >= 8:
        return phone[:3] + MASK * (len(phone) - 7) + phone[-4:]
    return MASK * max(len(phone) - 2, 1) + phone[-2:]


def mask_name(name: str) -> str:
    """张三丰 → 张**, 张三 → 张*; a one-character name becomes *."""
    name = (name or "").strip()
    if len(name) <= 1:
        return MASK * len(name)
    return name[0] + MASK * (len(name) - 1)


def mask_email(email: str) -> str:
    """zhangsan@example.com → z***@example.com (the domain stays: it says little)."""
    email = (email or "").strip()
    if not email:
        return ""
    local, at, domain = email.partition("@")
    if not at:
        return mask_name(email)
    return (local[:1] or MASK) + MASK * 3 + "@" + domain


@dataclass(frozen=True)
class ReporterView:
    id: int
    name: str
    phone: str
    email: str
    channel: str
    reported_at: dt.datetime
    is_primary: bool
    original_case_number: str
    masked: bool


def is_own(reporter, actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False)
                and reporter.user_id is not None and reporter.user_id == actor.pk)


def may_view_contact(actor, case) -> bool:
    return permissions.may(actor, "case.view_contact", case)


def reporter_view(reporter, actor, *, case=None) -> ReporterView:
    """The reporter as `actor` may see it: in full for contact viewers and for the reporter
    themself, masked for everybody else. Pass `case` to spare a query when listing."""
    case = case or reporter.case
    full = is_own(reporter, actor) or may_view_contact(actor, case)
    return ReporterView(
        id=reporter.pk,
        name=reporter.name if full else mask_name(reporter.name),
        phone=reporter.phone if full else mask_phone(reporter.phone),
        email=reporter.email if full else mask_email(reporter.email),
        channel=reporter.channel, reported_at=reporter.reported_at,
        is_primary=reporter.is_primary, original_case_number=reporter.original_case_number,
        masked=not full)


def reporters_view(case, actor) -> list[ReporterView]:
    """Every reporter of the case as `actor` may see them. A resident (or anyone who may not see
    the case) gets only the reports that are their own."""
    reporters = list(case.reporters.order_by("-is_primary", "reported_at", "id"))
    if not permissions.may(actor, "case.view", case):
        reporters = [r for r in reporters if is_own(r, actor)]
    return [reporter_view(r, actor, case=case) for r in reporters]
