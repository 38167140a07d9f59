"""One URL per workflow action on a case: POST /cases/<number>/act/<action>/.

The inputs go through cases.services.case_perform (the same entry point as the REST API), so
the page and the API parse and refuse alike. Success: a Chinese message and a redirect (to
`next` when it is one of our own pages, e.g. the workbench the button was on; else the case
page), so a reload never repeats the action. Refusal: the case page again with the message on
top and the form refilled, status 400 / 403 / 404 / 409 as the domain error says; the service
is one transaction, so nothing has changed."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.cases.services import case_perform
from civicgrid.cases.workflow import Action
from civicgrid.core.errors import STATUS, DomainError

from .access import page
from .views_cases import detail_context, visible_case


def safe_next(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


@page("case.act")
@require_POST
def case_act(request, number: str, action: str):
    if action not in Action.values:
        raise Http404(_("没有这个办理操作。"))
    case = visible_case(request.user, number)
    try:
        case = case_perform(case=case, action=action, actor=request.user, data=request.POST,
                            photos=request.FILES.getlist("photos"))
    except DomainError as exc:
        case = visible_case(request.user, number)  # as it is now: nothing was written
        context = detail_context(request, case, values=request.POST, failed=action,
                                 error=exc.message)
        return render(request, "web/cases/detail.html", context, status=STATUS[exc.kind])
    messages.success(request, _("案件 %(n)s 已%(a)s，当前状态：%(s)s。") % {
        "n": case.number, "a": Action(action).label, "s": case.get_state_display()})
    return redirect(safe_next(request) or reverse("web:case_detail", args=[case.number]))
