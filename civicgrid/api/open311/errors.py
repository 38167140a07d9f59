"""Open311 errors: every failure is answered as the spec's `errors/error` list with the HTTP
status the spec asks for (404 a resource that does not exist, 403 a missing or wrong api_key,
400 anything else; 429 when a key exceeds its rate limit). `code` in the body is the HTTP
status, which is what existing clients read."""

from __future__ import annotations

from civicgrid.core.errors import STATUS, DomainError


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str, retry_after: int | None = None):
        super().__init__(descriptions[0] if descriptions else str(status))
        self.status = status
        self.descriptions = list(descriptions)
        self.retry_after = retry_after


def bad_request(*descriptions: str) -> Open311Error:
    return Open311Error(400, *descriptions)


def from_domain(exc: DomainError) -> Open311Error:
    """A domain error from a service (intake): its message, its status mapped to the spec's
    (a conflict is 400 in Open311's terms)."""
    status = STATUS.get(exc.kind, 400)
    return Open311Error(status if status in (400, 403, 404) else 400, exc.message)
