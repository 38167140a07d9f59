"""Merging a duplicate into the case that goes on (合并重复案件).

Only a dispatcher merges (the transition table allows MERGE from reported and registered to the
dispatcher roles; the transition service checks role, scope and that the duplicate has not moved).
The target must be open (or still reported) and, unless the dispatcher forces it with a reason,
of the same category. Every reporter of the duplicate moves to the target as a secondary
reporter that keeps its original case number, so everybody who reported the problem is called
back and can still track it by the number they were given. Both cases get an event.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import permissions
from civicgrid.core.errors import Conflict, InvalidInput

from ..duplicates import DUPLICATE_STATES
from ..models import Case, CaseEvent, Reporter
from ..workflow import Action


@transaction.atomic
def case_merge(*, duplicate: Case, into: Case, actor, note: str = "", force: bool = False,
               reason: str = "") -> Case:
    """Merge `duplicate` into `into`; returns the updated duplicate (state merged)."""
    from .transition import case_transition, check_transition

    check_transition(duplicate, Action.MERGE, actor)  # role and scope before anything else
    if duplicate.pk == into.pk:
        raise InvalidInput(_("不能把案件合并到它自己。"), code="merge_self")
    # Lock the target so it cannot close while reporters move onto it.
    target = Case.objects.select_for_update().get(pk=into.pk)
    permissions.require(actor, "case.act", target)
    if target.state not in DUPLICATE_STATES:
        raise Conflict(_("目标案件%(n)s已结案、已合并或不予立案，不能再合并到它。")
                       % {"n": target.number}, code="merge_target_closed")
    if duplicate.category_id != target.category_id and not (force and reason.strip()):
        raise InvalidInput(_("两个案件的问题分类不同；确需合并请勾选强制合并并填写理由。"),
                           code="merge_category_differs")
    moved = list(Reporter.objects.filter(case_id=duplicate.pk).values_list("pk", flat=True))
    data = {"into": target.number, "into_id": target.pk, "reporters": len(moved),
            "forced": duplicate.category_id != target.category_id, "reason": reason.strip()}
    merged = case_transition(case=duplicate, action=Action.MERGE, actor=actor, note=note,
                             data=data, changes={"merged_into": target})
    Reporter.objects.filter(pk__in=moved, original_case_number="").update(
        original_case_number=duplicate.number)
    Reporter.objects.filter(pk__in=moved).update(case=target, is_primary=False)
    CaseEvent.objects.create(
        case=target, action="note", from_state=target.state, to_state=target.state,
        actor=actor, actor_role=actor.role, at=timezone.now(),
        note=_("案件%(n)s反映的是同一问题，已并入本案办理。") % {"n": duplicate.number},
        data={"merged_from": duplicate.number, "merged_from_id": duplicate.pk,
              "reporters": len(moved), "reason": reason.strip()})
    return merged
