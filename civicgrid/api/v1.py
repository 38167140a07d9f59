"""The JSON API (django-ninja, OpenAPI 3). Endpoints are thin: parse, call a selector or a
service, render. Domain errors are mapped to HTTP statuses here, in one place, and every error
has the same JSON shape: {"code", "message", "details"} with a Chinese message."""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from civicgrid.core.errors import STATUS, DomainError

from .auth import RateLimited, api_auth
from .case_actions import router as case_actions_router
from .case_endpoints import router as case_router
from .cases import router as cases_router
from .catalogue import router as catalogue_router
from .docs import DESCRIPTION, OfflineSwagger
from .evaluation import router as evaluation_router
from .ledgers import router as ledgers_router
from .lookup import router as lookup_router
from .territory import router as territory_router
from .webhook_endpoints import router as webhooks_router
from .whistles import router as whistles_router

# Every endpoint needs a token (`Authorization: Bearer <key>`) or a signed-in session. The docs
# page (/api/v1/docs) is our own vendored Swagger UI: ninja's default would load it from a CDN.
api = NinjaAPI(title="CivicGrid API", version="1", urls_namespace="api-v1",
               docs=OfflineSwagger(), docs_url="/docs", auth=api_auth, description=DESCRIPTION)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError):
    return api.create_response(
        request, {"code": exc.code, "message": exc.message, "details": exc.details},
        status=STATUS[exc.kind])


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request, {"code": "unauthenticated", "message": _("请先登录后再访问。"), "details": None},
        status=401)


HTTP_CODES = {403: "forbidden", 404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    """ninja's own refusals (e.g. a session request without its CSRF token) in our shape."""
    status = exc.status_code
    message = str(exc)
    if status == 403 and "CSRF" in message:
        code, message = "csrf_failed", _("CSRF 校验失败：请刷新页面后重试，或改用接口令牌。")
    else:
        code = HTTP_CODES.get(status, f"http_{status}")
    return api.create_response(request, {"code": code, "message": message, "details": None},
                               status=status)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {
        "code": "not_found", "message": _("请求的资源不存在。"), "details": None}, status=404)


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited):
    response = api.create_response(request, {
        "code": "rate_limited",
        "message": _("请求过于频繁，请在 %(s)d 秒后重试。") % {"s": exc.retry_after},
        "details": {"retry_after": exc.retry_after}}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ValidationError)
def invalid_params(request: HttpRequest, exc: ValidationError):
    """Malformed or missing parameters: the same shape and status as InvalidInput."""
    names = sorted({str(e["loc"][-1]) for e in exc.errors if e.get("loc")})
    return api.create_response(request, {
        "code": "invalid_params",
        "message": _("请求参数不正确，请检查：%(names)s") % {"names": "、".join(names) or "-"},
        "details": exc.errors}, status=400)


api.add_router("/territory/", territory_router)
api.add_router("/territory/", lookup_router)
# The map's points first: "/cases/points" must not be read as the case number "points".
api.add_router("/cases/", cases_router)
api.add_router("/cases/", case_router)
api.add_router("/cases/", case_actions_router)
api.add_router("/", catalogue_router)
api.add_router("/whistles/", whistles_router)
api.add_router("/evaluation/", evaluation_router)
api.add_router("/", ledgers_router)  # ledgers and goals + indicators, read-only
api.add_router("/webhooks/", webhooks_router)
