"""目标+指标 pages: the plans, one plan's evaluation at a date (summary in the seed's form,
per-aspect and per-area tables, every indicator's status, the rules in Chinese), its printable
report and Excel export, and one indicator's page (targets with their sources, trend chart,
figures with evidence and history, entry, review and correction).

Thin: figures and statuses come from civicgrid.indicators.report (rules.evaluate); writes go
through civicgrid.indicators.services, which check role and area; a refusal re-renders the page
with the service's Chinese message and the matching HTTP status.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core.errors import STATUS, DomainError
from civicgrid.core.permissions import may
from civicgrid.indicators import selectors, services
from civicgrid.indicators.export import plan_workbook
from civicgrid.indicators.models import COMPUTED_SOURCES, Measurement, Plan, Status, TargetKind
from civicgrid.indicators.recompute import indicators_recompute
from civicgrid.indicators.report import number, plan_report
from civicgrid.indicators.rules_text import RULES_ZH

from .access import page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
indicator_page = page("indicator.view", message=gettext_lazy(
    "目标与指标页面只对工作人员开放。"))


def _as_of(request) -> tuple[dt.date, str]:
    """The evaluation date from ?as_of=YYYY-MM-DD (today when absent or malformed)."""
    text = (request.GET.get("as_of") or "").strip()
    if not text:
        return timezone.localdate(), ""
    try:
        return dt.date.fromisoformat(text), ""
    except ValueError:
        return timezone.localdate(), _("评估日期“%(v)s”格式不正确，已按今天评估（请用 YYYY-MM-DD）。") % {
            "v": text}


def _plan(request, code: str) -> Plan:
    try:
        return selectors.plan_for(request.user, code)
    except DomainError as exc:
        raise Http404(exc.message) from exc


def _area(request) -> str:
    code = (request.GET.get("area") or "").strip()
    return code if code.isdigit() and len(code) in (6, 9) else ""


def _query(as_of: dt.date, area: str = "") -> str:
    values = {"as_of": as_of.isoformat()}
    if area:
        values["area"] = area
    return urlencode(values)


@indicator_page
def plan_list(request):
    as_of, error = _as_of(request)
    plans = [(p, plan_report(p, as_of=as_of).summary)
             for p in selectors.plans_for(request.user)]
    return render(request, "web/indicators/plans.html", {
        "plans": plans, "as_of": as_of, "error": error, "query": _query(as_of)})


def _plan_context(request, plan: Plan) -> dict:
    as_of, error = _as_of(request)
    area = _area(request)
    report = plan_report(plan, as_of=as_of, area_code=area)
    query = _query(as_of, area)
    city = plan_report(plan, as_of=as_of) if area else report
    area_choices = [("", _("全市"))] + [(g.code, g.name) for g in city.areas]
    return {
        "plan": plan, "report": report, "city": city, "as_of": as_of, "error": error,
        "area": area,
        "area_choices": area_choices, "query": query, "rules": RULES_ZH,
        "rows": [{"row": r, "value": number(r.result.value),
                  "requirement": number(r.result.requirement),
                  "target": number(r.result.target)} for r in report.rows],
        "export_url": f"{reverse('web:indicator_export', args=[plan.code])}?{query}",
        "print_url": f"{reverse('web:indicator_print', args=[plan.code])}?{query}",
        "may_recompute": may(request.user, "indicator.edit")
        and plan.indicators.filter(source__in=COMPUTED_SOURCES).exists(),
    }


@indicator_page
def plan_page(request, plan_code: str):
    plan = _plan(request, plan_code)
    return render(request, "web/indicators/plan.html", _plan_context(request, plan))


@indicator_page
@require_POST
def plan_recompute(request, plan_code: str):
    """Recompute the plan's computed indicators now (admins; the task does it in background)."""
    plan = _plan(request, plan_code)
    try:
        report = indicators_recompute(plan_code=plan.code, actor=request.user)
    except DomainError as exc:
        context = _plan_context(request, plan)
        context["error"] = exc.message
        return render(request, "web/indicators/plan.html", context, status=STATUS[exc.kind])
    messages.success(request, report.summary_zh())
    for line in report.skipped[:10]:
        messages.info(request, _("跳过") + " " + line)
    return redirect(reverse("web:indicator_plan", args=[plan.code]))


@indicator_page
def plan_print(request, plan_code: str):
    plan = _plan(request, plan_code)
    return render(request, "web/indicators/print.html", _plan_context(request, plan))


@indicator_page
def plan_export(request, plan_code: str):
    plan = _plan(request, plan_code)
    as_of, _error = _as_of(request)
    report = plan_report(plan, as_of=as_of, area_code=_area(request))
    response = HttpResponse(plan_workbook(report), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="indicators-{plan.code}-{as_of:%Y%m%d}.xlsx"')
    return response


# --- one indicator ------------------------------------------------------------------------------

def _chart(indicator, figures, targets, names) -> dict:
    """Trend chart data: approved figures per area, targets as points, the linear path."""
    series: dict[str, list] = {}
    for m in sorted(figures, key=lambda m: (m.approved_date, m.pk)):
        series.setdefault(m.area_code, []).append([m.approved_date.isoformat(),
                                                   float(m.approved_value)])
    city_targets = [t for t in targets if t.area_code == ""]
    marks = [{"name": f"{t.get_kind_display()}", "date": t.date.isoformat(),
              "value": float(t.value)} for t in city_targets]
    path = []
    base = next((t for t in city_targets if t.kind == TargetKind.BASELINE), None)
    final = next((t for t in city_targets if t.kind == TargetKind.FINAL), None)
    if final is not None:
        start = ((base.date, base.value) if base else
                 (indicator.plan.period_start, 0) if indicator.kind == "cumulative" else None)
        if start is not None:
            path = [[start[0].isoformat(), float(start[1])],
                    [final.date.isoformat(), float(final.value)]]
    return {
        "unit": indicator.unit,
        "series": [{"name": names.get(code, code) or _("全市"), "data": data}
                   for code, data in sorted(series.items())],
        "targets": marks, "path": path, "pathName": _("线性进度"), "targetName": _("目标值"),
        "empty": _("还没有已审核的数据"),
        "start": min([indicator.plan.period_start, *(t.date for t in targets),
                      *(m.approved_date for m in figures)]).isoformat(),
        "end": max([indicator.plan.period_end, *(t.date for t in targets),
                    *(m.approved_date for m in figures)]).isoformat(),
    }


def _history(row: Measurement) -> list:
    return list(row.history.select_related("history_user").order_by("-history_date")[:20])


def indicator_context(request, plan, indicator, **extra) -> dict:
    actor = request.user
    as_of, error = _as_of(request)
    report = plan_report(plan, as_of=as_of)
    result = next(r.result for r in report.rows if r.indicator.pk == indicator.pk)
    area_results = [(g, r.result) for g in report.areas for r in g.rows
                    if r.indicator.pk == indicator.pk]
    rows = list(selectors.measurements_for(actor, indicator))
    targets = list(indicator.targets.order_by("area_code", "date"))
    names = selectors.area_names({m.area_code for m in rows} | {t.area_code for t in targets})
    figures = [m for m in rows if m.approved_value is not None]
    items = [{"m": m, "area_name": names.get(m.area_code, m.area_code),
              "history": _history(m),
              "may_review": m.status == Status.SUBMITTED and may(actor, "indicator.approve", m),
              "may_correct": m.origin == "manual" and may(actor, "indicator.measure", m),
              "may_submit": m.status in (Status.DRAFT, Status.REJECTED)
              and may(actor, "indicator.measure", m)} for m in rows]
    return {
        "plan": plan, "indicator": indicator, "result": result, "as_of": as_of,
        "error": extra.pop("error", error), "area_results": area_results,
        "value": number(result.value), "requirement": number(result.requirement),
        "target": number(result.target),
        "targets": [{"t": t, "area_name": names.get(t.area_code, t.area_code)} for t in targets],
        "items": items, "names": names,
        "chart": _chart(indicator, figures, targets, names),
        "may_measure": may(actor, "indicator.measure") and not indicator.is_computed,
        "default_area": "" if not actor.area_code or len(actor.area_code) not in (6, 9)
        else actor.area_code,
        "query": _query(as_of),
        "form": extra.pop("form", {}),
        **extra,
    }


def _indicator(request, plan, code):
    try:
        return selectors.indicator_for(request.user, plan, code)
    except DomainError as exc:
        raise Http404(exc.message) from exc


@indicator_page
def indicator_page_view(request, plan_code: str, code: str):
    plan = _plan(request, plan_code)
    indicator = _indicator(request, plan, code)
    return render(request, "web/indicators/indicator.html",
                  indicator_context(request, plan, indicator))


def _back(plan, indicator) -> str:
    return reverse("web:indicator_detail", args=[plan.code, indicator.code])


@indicator_page
@require_http_methods(["GET", "POST"])
def measurement_new(request, plan_code: str, code: str):
    """GET: the indicator page with the entry form; POST: enter a figure."""
    plan = _plan(request, plan_code)
    indicator = _indicator(request, plan, code)
    if request.method == "GET":
        return render(request, "web/indicators/indicator.html",
                      indicator_context(request, plan, indicator))
    post = request.POST
    try:
        services.measurement_create(
            actor=request.user, indicator=indicator, area_code=post.get("area_code", ""),
            date=post.get("date", ""), value=post.get("value", ""),
            evidence=request.FILES.get("evidence"), evidence_url=post.get("evidence_url", ""),
            note=post.get("note", ""), submit=post.get("submit") != "draft")
    except DomainError as exc:
        context = indicator_context(request, plan, indicator, error=exc.message, form=post)
        return render(request, "web/indicators/indicator.html", context,
                      status=STATUS[exc.kind])
    messages.success(request, _("已保存。") if post.get("submit") == "draft"
                     else _("已提交审核，审核通过后计入评估。"))
    return redirect(_back(plan, indicator))


ACTIONS = ("approve", "reject", "correct", "submit")


@indicator_page
@require_POST
def measurement_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404(_("没有这个操作。"))
    try:
        row = selectors.measurement_for(request.user, pk)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    indicator, plan = row.indicator, row.indicator.plan
    post, actor = request.POST, request.user
    try:
        if action == "approve":
            services.measurement_approve(actor=actor, measurement=row, note=post.get("note", ""))
            done = _("已审核通过。")
        elif action == "reject":
            services.measurement_reject(actor=actor, measurement=row,
                                        reason=post.get("reason", ""))
            done = _("已退回填报人。")
        elif action == "submit":
            services.measurement_submit(actor=actor, measurement=row)
            done = _("已提交审核。")
        else:
            services.measurement_correct(
                actor=actor, measurement=row, value=post.get("value", ""),
                reason=post.get("reason", ""), date=post.get("date") or None,
                evidence=request.FILES.get("evidence"),
                evidence_url=post.get("evidence_url") if "evidence_url" in post else None)
            done = _("更正已提交审核；审核通过前仍按原数值计。")
    except DomainError as exc:
        context = indicator_context(request, plan, indicator, error=exc.message)
        return render(request, "web/indicators/indicator.html", context,
                      status=STATUS[exc.kind])
    messages.success(request, done)
    return redirect(_back(plan, indicator))


@indicator_page
def measurement_evidence(request, pk: int):
    """An evidence file, streamed only to those who may see the figure (MEDIA_URL is never
    linked: the web server must not serve evidence to anyone who guesses a path)."""
    try:
        row = selectors.measurement_for(request.user, pk)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    if not row.evidence:
        raise Http404(_("这条数据没有上传证明材料。"))
    try:
        handle = row.evidence.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("证明材料文件已丢失，请联系管理员。")) from exc
    resp = FileResponse(handle, as_attachment=True,
                        filename=row.evidence.name.rsplit("/", 1)[-1])
    resp["X-Content-Type-Options"] = "nosniff"
    return resp
