"""Ledger pages (台账): the index (rows per ledger in the actor's area and the indicators
computed from them), one ledger's rows with an area filter and the Excel export, and the
import page that shows every bad row. Thin: rows come scoped from civicgrid.registry.selectors
(volunteers' personal data masked there for roles that may not see it), files go through
civicgrid.registry.services."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core import permissions
from civicgrid.core.errors import DomainError
from civicgrid.registry import exporting, selectors, services
from civicgrid.registry.computed import compute_all
from civicgrid.registry.ledgers import LEDGERS

from .access import page

PAGE_SIZE = 50
MAX_UPLOAD = 20 * 1024 * 1024  # 20 MB: about 200,000 ledger rows


def _shown(cell):
    """A cell as the page prints it: dates as 2018-03-01, like the Excel file."""
    return cell.isoformat() if isinstance(cell, dt.date) else cell


def _ledger(name: str):
    ledger = LEDGERS.get(name)
    if ledger is None:
        raise Http404(_("没有这个台账。"))
    return ledger


def _area(request) -> tuple[str, str]:
    """The area the page shows: the one asked for if it lies inside the actor's scope,
    otherwise the actor's own scope; and a message when the request had to be changed."""
    own = selectors.default_area(request.user)
    asked = request.GET.get("area", own)
    try:
        area = selectors.check_area(asked)
    except DomainError as exc:
        return own, exc.message
    if not area.startswith(own):
        return own, _("只能查看您辖区内的台账，已显示您的辖区。")
    return area, ""


def _places(request, area: str) -> dict:
    return {"path": selectors.area_path(area),
            "children": selectors.area_children(request.user, area),
            "own": selectors.default_area(request.user)}


@page("registry.view")
def registry_index(request):
    area, error = _area(request)
    as_of = timezone.localdate()
    counts = selectors.ledger_counts(request.user, area=area)
    return render(request, "web/registry/index.html", {
        "area": area, "error": error, "as_of": as_of, **_places(request, area),
        "ledgers": [{"ledger": lg, "count": n,
                     "url": f"{reverse('web:registry_list', args=[lg.name])}?"
                            f"{urlencode({'area': area})}"} for lg, n in counts],
        "computed": [{"ci": ci, "value": v} for ci, v in compute_all(as_of=as_of,
                                                                     area_code=area)],
    })


@page("registry.view")
def ledger_list(request, name: str):
    ledger = _ledger(name)
    area, error = _area(request)
    rows = exporting.export_queryset(ledger, selectors.ledger_rows(request.user, ledger,
                                                                    area=area))
    paginator = Paginator(rows, PAGE_SIZE)
    current = paginator.get_page(request.GET.get("page"))
    masked = selectors.masked_for(request.user, ledger)
    header, cells = exporting.export_rows(ledger, current.object_list, masked=masked)
    query = {"area": area}
    return render(request, "web/registry/list.html", {
        "ledger": ledger, "area": area, "error": error, "header": header,
        "rows": [[(label, _shown(cell)) for label, cell in zip(header, row, strict=True)]
                 for row in cells],
        "page": current, "masked": masked, **_places(request, area),
        "export_url": f"{reverse('web:registry_export', args=[name])}?{urlencode(query)}",
        "may_import": permissions.may(request.user, "registry.import"),
        "prev_query": urlencode({**query, "page": current.number - 1}),
        "next_query": urlencode({**query, "page": current.number + 1}),
    })


@page("registry.view")
def ledger_export(request, name: str):
    ledger = _ledger(name)
    area, _error = _area(request)
    data, _n = exporting.ledger_export(actor=request.user, name=ledger.name, area=area)
    response = HttpResponse(data, content_type=exporting.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{exporting.export_filename(name)}"'
    return response


@page("registry.import",
      message=gettext_lazy("只有区级和市级管理员可以导入台账。如需导入，请联系区级管理员。"))
def ledger_import(request, name: str):
    ledger = _ledger(name)
    context = {"ledger": ledger, "headers": ledger.headers, "report": None, "errors": [],
               "message": "", "dry_run": True}
    if request.method == "POST":
        upload = request.FILES.get("file")
        context["dry_run"] = bool(request.POST.get("dry_run"))
        if upload is None:
            context["message"] = _("请选择要导入的 Excel（.xlsx）或 CSV 文件。")
        elif upload.size > MAX_UPLOAD:
            context["message"] = _("文件超过 20 MB，请分批导入。")
        else:
            try:
                context["report"] = services.ledger_import(
                    actor=request.user, name=ledger.name, data=upload.read(),
                    filename=upload.name, dry_run=context["dry_run"])
            except DomainError as exc:
                context["errors"] = exc.details or []
                context["message"] = exc.message.split("\n")[0]
        status = 400 if context["message"] else 200
        return render(request, "web/registry/import.html", context, status=status)
    return render(request, "web/registry/import.html", context)
