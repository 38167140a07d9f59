"""Shared by the `civicgrid webhooks` subcommands."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import dateparse, timezone

from civicgrid.core.errors import DomainError


def operator():
    """The person at the server's shell: trusted like a superuser, never saved."""
    return get_user_model()(username="cli-operator", is_superuser=True, is_active=True)


def guarded(fn, options, out) -> int:
    """Run a subcommand; a domain error is printed (Chinese) and exits with status 2."""
    try:
        return fn(options, out)
    except DomainError as exc:
        out.write(exc.message + "\n")
        return 2


def parse_when(value: str) -> dt.datetime | None:
    """An ISO 8601 date-time (local time when it has no zone) or date; None when it is not."""
    value = (value or "").strip()
    try:
        when = dateparse.parse_datetime(value)
        if when is None:
            day = dateparse.parse_date(value)
            when = dt.datetime.combine(day, dt.time()) if day else None
    except ValueError:
        return None
    if when is None:
        return None
    return timezone.make_aware(when) if timezone.is_naive(when) else when
