"""Loading any page makes no request to any host but the server's own.

Every page of the URL conf (the `web` namespace, as tests/web/test_page_access.py walks it, plus
the login page and the admin's index) is opened in Debian's chromium, signed in as a role that
may open it (anonymous for public pages), on the sample objects of test_page_access.py. Every
request the page makes — scripts, styles, fonts, images, map tiles, XHR, polling — goes through
a route that lets same-origin requests pass and blocks and records anything else. The test also
fails on an uncaught script error, since a broken page could hide a request it never made.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from civicgrid.core.permissions import may
from tests.web import test_page_access as access
from tests.web.test_browser_territory import ARGS, CHROMIUM, pytestmark  # noqa: F401
from tests.web.test_page_access import NOT_PAGES, ROLES, url_of, web_routes

# The fixtures of test_page_access.py (the actors and the sample objects), used by name.
actors = access.actors
category = access.category
department = access.department
fresh_router = access.fresh_router
make_case = access.make_case
other_department = access.other_department
samples = access.samples

SETTLE_MS = 1200  # after "load": time for a page's scripts to fetch their data


def opener(action, actors):
    """The first of the nine roles that may open a page with this action (None: anonymous)."""
    if action is None:
        return None
    return next((role for role in ROLES if may(getattr(actors, role), action)), "superuser")


@pytest.fixture
def plan(transactional_db, samples, actors):
    """[(url, role or None)] for every page, and a session cookie per role. Made before the
    browser starts: Playwright's sync API runs an event loop in this thread, where Django
    refuses ORM calls."""
    pages = [(url_of(name, p, samples), opener(getattr(p.callback, "page_action", None), actors))
             for name, p in web_routes() if name not in NOT_PAGES]
    pages += [("/accounts/login/", None), ("/admin/", "superuser")]
    cookies = {}
    for role in {r for _u, r in pages if r}:
        c = Client()
        c.force_login(getattr(actors, role))
        cookies[role] = c.cookies[django_settings.SESSION_COOKIE_NAME].value
    return pages, cookies


def test_no_page_requests_another_host(plan, live_server):
    from playwright.sync_api import sync_playwright

    pages, cookies = plan
    base = live_server.url
    own = urlsplit(base).netloc
    foreign: list[tuple[str, str]] = []
    errors: list[tuple[str, str]] = []
    current = {"url": ""}

    def guard(route):
        target = urlsplit(route.request.url)
        if target.scheme in ("data", "blob") or target.netloc == own:
            route.continue_()
        else:
            foreign.append((current["url"], route.request.url))
            route.abort("blockedbyclient")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for role in [None, *sorted(cookies)]:
            context = browser.new_context(viewport={"width": 1366, "height": 768},
                                          locale="zh-CN")
            if role is not None:
                context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                                      "value": cookies[role], "url": base}])
            context.route("**/*", guard)
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.on("pageerror", lambda e: errors.append((current["url"], str(e))))
            if role is None:
                # The guard itself: a page that asks another host is caught.
                current["url"] = "canary"
                page.goto(f"{base}/")
                page.evaluate("""() => { const i = document.createElement('img');
                    i.src = 'https://cdn.example.com/canary.png'; document.body.append(i); }""")
                page.wait_for_timeout(300)
                assert foreign == [("canary", "https://cdn.example.com/canary.png")], foreign
                foreign.clear()
            for url, who in pages:
                if who != role:
                    continue
                current["url"] = f"{url} ({role or 'anonymous'})"
                resp = page.goto(f"{base}{url}", wait_until="load")
                assert resp is not None and resp.status == 200, (current["url"], resp and resp.status)
                page.wait_for_timeout(SETTLE_MS)
            context.close()
        browser.close()
    assert foreign == [], "requests to other hosts:\n" + "\n".join(f"{p}: {u}" for p, u in foreign)
    assert errors == [], "script errors:\n" + "\n".join(f"{p}: {e}" for p, e in errors)
    assert len(pages) >= 25  # the walk really found the pages
