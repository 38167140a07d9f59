"""Case services: the transition service and the workflow's action services.

    from civicgrid.cases.services import case_transition, case_dispatch, available_actions
"""

from .actions import (
    case_accept,
    case_assist_report,
    case_close,
    case_decide_extension,
    case_dispatch,
    case_escalate,
    case_rate,
    case_register,
    case_reject,
    case_reopen,
    case_report_back,
    case_request_extension,
    case_resume,
    case_return,
    case_supervise,
    case_suspend,
    case_verify,
)
from .available import available_actions
from .outcome import case_rate_by_reporter
from .perform import ACTION_FIELDS, case_perform
from .transition import case_transition, check_transition

__all__ = [
    "available_actions", "case_transition", "check_transition", "case_perform", "ACTION_FIELDS",
    "case_register", "case_reject", "case_dispatch", "case_accept", "case_return",
    "case_report_back", "case_assist_report", "case_verify", "case_close", "case_rate",
    "case_rate_by_reporter",
    "case_reopen", "case_request_extension", "case_decide_extension", "case_supervise",
    "case_suspend", "case_resume", "case_escalate",
]
