"""URLs of the JSON API. Two answers do not come from an endpoint and would otherwise be HTML
or plain text: a method an endpoint does not take (405, from ninja) and a path no endpoint has
(404, from Django). Both are turned into the API's JSON error shape here."""

import json

from django.http import HttpResponse
from django.urls import URLPattern, path, re_path
from django.utils.translation import gettext as _

from .v1 import api


def _error(status: int, code: str, message: str, **headers) -> HttpResponse:
    body = json.dumps({"code": code, "message": message, "details": None}, ensure_ascii=False)
    resp = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    for k, v in headers.items():
        resp[k] = v
    return resp


def _json_405(view):
    def wrapped(request, *args, **kwargs):
        resp = view(request, *args, **kwargs)
        if resp.status_code == 405 and not resp.get("Content-Type", "").startswith(
                "application/json"):
            return _error(405, "method_not_allowed",
                          _("该地址不支持 %(m)s 请求。") % {"m": request.method},
                          Allow=resp.get("Allow", ""))
        return resp

    for attr in ("csrf_exempt",):
        if hasattr(view, attr):
            setattr(wrapped, attr, getattr(view, attr))
    return wrapped


def _with_json_405(patterns):
    out = []
    for p in patterns:
        if isinstance(p, URLPattern):
            p.callback = _json_405(p.callback)
        out.append(p)
    return out


def unknown_path(request, rest: str = ""):
    return _error(404, "not_found", _("接口地址不存在，请查看 /api/v1/docs 中的接口列表。"))


# Not `app_name`/`namespace` at module level: include() would read them as this module's own.
_patterns, _app, _namespace = api.urls
urlpatterns = [
    path("v1/", (_with_json_405(_patterns), _app, _namespace)),
    re_path(r"^(?P<rest>.*)$", unknown_path),
]
