"""Authentication for the JSON API: `Authorization: Bearer <key>` for integrations and scripts,
and the signed-in session for the pages' own JSON calls (with ninja's CSRF check, as for
`django_auth`). A token acts as its user: the same role, scope and masking as on the pages.
Token requests are rate-limited per token (civicgrid.api.ratelimit)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from .ratelimit import allow
from .tokens import token_for_key


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        found = token_for_key(token, kind="api")
        if found is None:
            return None
        allowed, retry_after = allow(found)
        if not allowed:
            raise RateLimited(retry_after)
        # Endpoints ask `request.user`, like the pages do.
        request.user = found.user
        request.api_token = found
        return found.user


token_auth = TokenAuth()
# Token first: a script sending a key never depends on a stray session cookie.
api_auth = [token_auth, django_auth]
