"""The JSON API (django-ninja, OpenAPI 3). Endpoints are thin: parse, call a selector or a
service, render. Domain errors are mapped to HTTP statuses here, in one place."""

from django.http import HttpRequest
from ninja import NinjaAPI

from civicgrid.core.errors import STATUS, DomainError

api = NinjaAPI(title="CivicGrid API", version="1", urls_namespace="api-v1")


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError):
    return api.create_response(
        request, {"code": exc.code, "message": exc.message, "details": exc.details},
        status=STATUS[exc.kind])
