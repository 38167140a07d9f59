"""The JSON API (django-ninja, OpenAPI 3). Endpoints are thin: parse, call a selector or a
service, render. Domain errors are mapped to HTTP statuses here, in one place, and every error
has the same JSON shape: {"code", "message", "details"} with a Chinese message."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from civicgrid.core.errors import STATUS, DomainError

from .cases import router as cases_router
from .territory import router as territory_router

# No docs page yet: ninja's default loads Swagger UI from a CDN, and no page of ours may make a
# request to another host. The schema itself is served at /api/v1/openapi.json.
api = NinjaAPI(title="CivicGrid API", version="1", urls_namespace="api-v1", docs_url=None)


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


@api.exception_handler(ValidationError)
def invalid_params(request: HttpRequest, exc: ValidationError):
    """Malformed or missing parameters: the same shape and status as InvalidInput."""
    names = sorted({str(e["loc"][-1]) for e in exc.errors if e.get("loc")})
    return api.create_response(request, {
        "code": "invalid_params",
        "message": _("请求参数不正确，请检查：%(names)s") % {"names": "、".join(names) or "-"},
        "details": exc.errors}, status=400)


api.add_router("/territory/", territory_router)
api.add_router("/cases/", cases_router)
