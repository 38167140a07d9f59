"""The case workflow: one transition table, applied by one service (cases/services/transition.py).

信息收集 → 立案 → 派遣 → 处置 → 反馈 → 核查 → 结案 → 评价 (GB/T 30428), with 12345's additions:
return to the dispatcher (退单), rework after a failed verification (返工), extension (延期),
supervision (督办), long-term pending (挂账), layered handling (escalate community → street →
district), co-handling (assisting units report their part), rating and reopening.

TRANSITIONS maps (state, action) to (next state, roles allowed). Who may act on *this* case is
decided in the transition service in three layers: the role (this table), the area scope
(permissions `case.act`), and the unit (UNIT_ACTIONS must come from the handling unit itself,
ASSIST_REPORT from an assisting unit). Guards that depend on the case's data ("all assisting
units reported back", "overdue before supervision") live in services/guards.py.

Layered handling (分层处理). A case waits for dispatch in `registered` or `returned`. While it
waits, `unit_area_code` names the level that owns the dispatching: '' = the case's own street
(the normal path), a street code after a community escalated it, a district code after a street
escalated it; only dispatchers at or above that level may act on it. A community handling a
case escalates it to its street, a street to its district; the district is the top (it
dispatches to district departments, and may not escalate further).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.models import Role


class State(models.TextChoices):
    REPORTED = "reported", _("待立案")
    REJECTED = "rejected", _("不予立案")
    REGISTERED = "registered", _("待派遣")
    DISPATCHED = "dispatched", _("待签收")
    RETURNED = "returned", _("已退单")
    HANDLING = "handling", _("处置中")
    EXTENSION_REQUESTED = "extension_requested", _("延期待审批")
    SUSPENDED = "suspended", _("挂账")
    REPORTED_BACK = "reported_back", _("待核查")
    VERIFIED = "verified", _("待结案")
    CLOSED = "closed", _("已结案")
    MERGED = "merged", _("已合并")


class Action(models.TextChoices):
    REGISTER = "register", _("立案")
    REJECT = "reject", _("不予立案")
    DISPATCH = "dispatch", _("派遣")
    ACCEPT = "accept", _("签收")
    RETURN = "return_case", _("退单")
    REPORT_BACK = "report_back", _("反馈")
    ASSIST_REPORT = "assist_report", _("协办反馈")
    VERIFY_PASS = "verify_pass", _("核查通过")
    VERIFY_FAIL = "verify_fail", _("核查不通过（返工）")
    CLOSE = "close", _("结案")
    RATE = "rate", _("评价")
    REOPEN = "reopen", _("重新办理")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("批准延期")
    DENY_EXTENSION = "deny_extension", _("驳回延期")
    SUPERVISE = "supervise", _("督办")
    SUSPEND = "suspend", _("挂账")
    RESUME = "resume", _("恢复办理")
    ESCALATE = "escalate", _("上报上级")
    MERGE = "merge", _("合并到")


S, A, R = State, Action, Role
DISPATCHERS = frozenset({R.STREET_DISPATCHER, R.STREET_COMMANDER, R.DISTRICT_ADMIN, R.CITY_ADMIN})
COMMANDERS = frozenset({R.STREET_COMMANDER, R.DISTRICT_ADMIN, R.CITY_ADMIN})
# Handling units: a department, a community, or the street itself.
HANDLERS = frozenset({R.DEPARTMENT_HANDLER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER,
                      R.STREET_COMMANDER})
VERIFIERS = frozenset({R.GRID_WORKER, R.COMMUNITY_STAFF, R.STREET_DISPATCHER,
                       R.STREET_COMMANDER})
# Area units that may pass a case up a level (departments return it instead).
ESCALATORS = frozenset({R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.STREET_COMMANDER})
STREET_DISPATCHERS = frozenset({R.STREET_DISPATCHER, R.STREET_COMMANDER})

# Finished: nothing more happens unless a dispatcher reopens a closed case.
FINISHED_STATES = frozenset({S.REJECTED, S.CLOSED, S.MERGED})
# Registered and not finished. Suspended (挂账) cases are open: unsolved, tracked, and a new
# report of the same problem is a duplicate of them.
OPEN_STATES = frozenset({S.REGISTERED, S.DISPATCHED, S.RETURNED, S.HANDLING,
                         S.EXTENSION_REQUESTED, S.SUSPENDED, S.REPORTED_BACK, S.VERIFIED})
# Waiting for a dispatcher (unit_area_code then names the owning level, see above).
WAITING_STATES = frozenset({S.REGISTERED, S.RETURNED})

TRANSITIONS: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    (S.REPORTED, A.REGISTER): (S.REGISTERED, DISPATCHERS | {R.COMMUNITY_STAFF}),
    (S.REPORTED, A.REJECT): (S.REJECTED, DISPATCHERS | {R.COMMUNITY_STAFF}),
    (S.REPORTED, A.MERGE): (S.MERGED, DISPATCHERS),
    (S.REGISTERED, A.MERGE): (S.MERGED, DISPATCHERS),
    (S.REGISTERED, A.DISPATCH): (S.DISPATCHED, DISPATCHERS),
    (S.REGISTERED, A.ESCALATE): (S.REGISTERED, STREET_DISPATCHERS),
    (S.RETURNED, A.DISPATCH): (S.DISPATCHED, DISPATCHERS),
    (S.RETURNED, A.ESCALATE): (S.REGISTERED, STREET_DISPATCHERS),
    (S.DISPATCHED, A.ACCEPT): (S.HANDLING, HANDLERS),
    (S.DISPATCHED, A.RETURN): (S.RETURNED, HANDLERS),
    (S.DISPATCHED, A.ASSIST_REPORT): (S.DISPATCHED, HANDLERS),
    (S.DISPATCHED, A.SUPERVISE): (S.DISPATCHED, COMMANDERS),
    (S.HANDLING, A.REPORT_BACK): (S.REPORTED_BACK, HANDLERS),
    (S.HANDLING, A.ASSIST_REPORT): (S.HANDLING, HANDLERS),
    (S.HANDLING, A.REQUEST_EXTENSION): (S.EXTENSION_REQUESTED, HANDLERS),
    (S.HANDLING, A.SUPERVISE): (S.HANDLING, COMMANDERS),
    (S.HANDLING, A.SUSPEND): (S.SUSPENDED, COMMANDERS),
    (S.HANDLING, A.ESCALATE): (S.REGISTERED, ESCALATORS),
    (S.EXTENSION_REQUESTED, A.APPROVE_EXTENSION): (S.HANDLING, COMMANDERS),
    (S.EXTENSION_REQUESTED, A.DENY_EXTENSION): (S.HANDLING, COMMANDERS),
    (S.EXTENSION_REQUESTED, A.ASSIST_REPORT): (S.EXTENSION_REQUESTED, HANDLERS),
    (S.SUSPENDED, A.RESUME): (S.HANDLING, COMMANDERS),
    (S.REPORTED_BACK, A.VERIFY_PASS): (S.VERIFIED, VERIFIERS),
    (S.REPORTED_BACK, A.VERIFY_FAIL): (S.HANDLING, VERIFIERS),
    (S.VERIFIED, A.CLOSE): (S.CLOSED, DISPATCHERS),
    (S.CLOSED, A.RATE): (S.CLOSED, frozenset({R.RESIDENT}) | DISPATCHERS),
    (S.CLOSED, A.REOPEN): (S.REGISTERED, DISPATCHERS),
}

# Actions only the handling unit itself may take (a street does not sign for its community:
# the evaluation counts who responded). (HANDLING, ESCALATE) is one of them too.
UNIT_ACTIONS = frozenset({A.ACCEPT, A.RETURN, A.REPORT_BACK, A.REQUEST_EXTENSION})
# Events kept from the resident's public history (cases/selectors.public_case): disputes and
# urging between government units. The resident sees the case move on (the next dispatch, the
# approved extension, the closure) without the internal notes.
INTERNAL_ACTIONS = frozenset({A.RETURN, A.ASSIST_REPORT, A.SUPERVISE, A.REQUEST_EXTENSION,
                              A.DENY_EXTENSION, A.ESCALATE})
# Counter each action increments (the evaluation reads them; each also has its events).
COUNTERS: dict[str, str] = {
    A.RETURN: "return_count",
    A.VERIFY_FAIL: "rework_count",
    A.APPROVE_EXTENSION: "extension_count",
    A.SUPERVISE: "supervise_count",
    A.REOPEN: "reopen_count",
}


def is_unit_action(state: str, action: str) -> bool:
    return action in UNIT_ACTIONS or (state == S.HANDLING and action == A.ESCALATE)
