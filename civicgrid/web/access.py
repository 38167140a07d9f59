"""Who may open a page, declared on the view itself.

Every page view is wrapped in `page(action)`: the policy action (core.permissions.ACTIONS) that a
role needs to open it, or `page(None)` for public pages (home, tracking, the resident's report
page). The decorator keeps the check in one place and records the action on the view
(`view.page_action`), so a test can walk every URL and check that each role is let in exactly
where the policy says (tests/web/test_page_access.py).

Anonymous visitors to a staff page are sent to the login page; a signed-in actor whose role
lacks the action gets the 403 page with `message` (or a generic one) telling them what to do.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from civicgrid.core.permissions import may

PUBLIC = None


def page(action: str | None, *, message: str | None = None):
    """Declare the policy action needed to open this page (None: anyone, signed in or not)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if action is not None:
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                if not may(request.user, action):
                    raise PermissionDenied(message or _(
                        "您的角色不能打开此页面。如需使用，请联系所在街道或区级管理员开通权限。"))
            return view(request, *args, **kwargs)

        wrapped.page_action = action
        return wrapped

    return decorate
