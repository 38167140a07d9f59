"""The one domain error type. Services raise it; the API and pages map `kind` to an HTTP status
in one place. Messages are Chinese and say what to do next."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses. `kind` decides the HTTP status (see STATUS)."""

    kind = "invalid"

    def __init__(self, message: str, *, code: str = "", details: object | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.kind
        self.details = details


class InvalidInput(DomainError):
    kind = "invalid"


class PermissionDenied(DomainError):
    kind = "forbidden"


class NotFound(DomainError):
    kind = "not_found"


class Conflict(DomainError):
    """The object moved meanwhile (another actor won), or a uniqueness rule was hit."""

    kind = "conflict"


STATUS = {"invalid": 400, "forbidden": 403, "not_found": 404, "conflict": 409}
