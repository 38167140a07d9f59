"""Rating (评价, from the reporter or a follow-up call) and reopening (重新办理)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.accounts.models import Role
from civicgrid.cases.models import Case, Rating
from civicgrid.cases.workflow import Action
from civicgrid.core.errors import InvalidInput

from .clock import dispatch_deadline_from
from .transition import case_transition, prepare, required_text
from .units import VerifiedReporter

SOURCES = ("reporter", "callback")


@transaction.atomic
def case_rate(*, case: Case, actor, rating: str, solved: bool, source: str = "reporter",
              note: str = "", at: dt.datetime | None = None) -> Case:
    """评价, once per closure: 满意/基本满意/不满意 and whether the problem was solved. A
    resident may rate only a case they reported (source "reporter"); staff record either what
    the reporter said or a follow-up call ("callback")."""
    at = prepare(case, Action.RATE, actor, at)
    if rating not in Rating.values:
        raise InvalidInput(_("请选择评价：满意、基本满意或不满意。"), code="rating")
    if not isinstance(solved, bool):
        raise InvalidInput(_("请选择问题是否已解决。"), code="solved")
    if source not in SOURCES:
        raise InvalidInput(_("评价来源只能是报告人评价或回访。"), code="source")
    if actor.role == Role.RESIDENT and not actor.is_superuser and source != "reporter":
        raise InvalidInput(_("居民只能以报告人身份评价。"), code="source")
    return case_transition(
        case=case, action=Action.RATE, actor=actor, note=note.strip(), at=at,
        data={"rating": rating, "solved": solved, "source": source},
        changes={"rating": rating, "solved": solved, "rated_at": at})


def case_rate_by_reporter(*, case: Case, phone: str, rating: str, solved: bool, note: str = "",
                          at: dt.datetime | None = None) -> Case:
    """A reporter without an account rates with the phone they reported with (the tracking
    page, after the number + phone check). Same rules as case_rate with source "reporter"."""
    return case_rate(case=case, actor=VerifiedReporter(phone), rating=rating, solved=solved,
                     source="reporter", note=note, at=at)


@transaction.atomic
def case_reopen(*, case: Case, actor, reason: str, at: dt.datetime | None = None) -> Case:
    """重新办理: a closed case goes back to its street's dispatcher. Its rating moves into the
    event's data and is cleared, so the case is rated again after its second closure (each
    closure gets one rating; the evaluation reads old ratings from the events)."""
    at = prepare(case, Action.REOPEN, actor, at)
    reason = required_text(reason, _("请填写重新办理的理由。"))
    data = {"old_rating": case.rating, "old_solved": case.solved, "old_rated_at": case.rated_at,
            "old_closed_at": case.closed_at, "department_id": case.unit_department_id,
            "area_code": case.unit_area_code}
    return case_transition(
        case=case, action=Action.REOPEN, actor=actor, note=reason, at=at, data=data,
        changes={"rating": "", "solved": None, "rated_at": None, "closed_at": None,
                 "reported_back_at": None, "unit_department_id": None, "unit_area_code": "",
                 "review_date": None,
                 "dispatch_deadline": dispatch_deadline_from(case, at)})
