"""What one actor may do to one case now: the table, their role and scope, and the guards.
The pages show these as buttons; each offered action succeeds given valid input."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from civicgrid.cases.models import Case
from civicgrid.cases.workflow import TRANSITIONS, Action
from civicgrid.core.errors import DomainError

from .transition import prepare


def available_actions(case: Case, actor, at: dt.datetime | None = None) -> list[Action]:
    at = at or timezone.now()
    out = []
    for state, action in TRANSITIONS:
        if state != case.state:
            continue
        try:
            prepare(case, action, actor, at)
        except DomainError:
            continue
        out.append(Action(action))
    return out
