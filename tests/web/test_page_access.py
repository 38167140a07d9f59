"""Every page a role may open renders for that role, and every other page refuses it.

The test walks the URL conf (the `web` namespace), so a page added later is checked without
anyone remembering to: each view must declare who may open it with `civicgrid.web.access.page`
(the test fails on a view without `page_action`). For each of the nine roles, and for an
anonymous visitor, it expects 200 where the policy (`core.permissions.may`) lets the role in
and 403 elsewhere (a redirect to the login page for anonymous visitors).

Pages with URL parameters get sample objects from SAMPLE_KWARGS (a case every staff actor may
see, a whistle, a unit...): a parametrised URL without an entry fails. Endpoints that are not
pages (POST-only actions, photo streams, JSON, redirects) are listed in NOT_PAGES with the
reason and where they are tested; a role refused by the policy must still be refused there.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from civicgrid.core.permissions import may
from tests.cases import conftest as case_fixtures
from tests.cases.conftest import GRID

actors = case_fixtures.actors
category = case_fixtures.category
department = case_fixtures.department
fresh_router = case_fixtures.fresh_router
make_case = case_fixtures.make_case
other_department = case_fixtures.other_department

ROLES = ("resident", "grid_worker", "community", "dispatcher", "commander", "handler",
         "district", "city", "auditor")

# Endpoints that are not pages: what they are and where they are tested.
NOT_PAGES: dict[str, str] = {
    "case_photo": "streams a case photo (tests/web/test_case_pages.py)",
    "case_act": "POST only: one workflow action on a case (tests/web/test_case_actions*.py)",
    "whistle_action": "POST only: one action on a whistle (tests/web/test_whistle_pages.py)",
    "evaluation_export": "an Excel download (tests/web/test_evaluation_pages.py)",
    "track_case": "needs a number + phone proven in the session (tests/web/test_track.py)",
    "track_rate": "POST only: rates the case proven in the session (tests/web/test_track.py)",
    "track_photo": "streams a photo of the case proven in the session (tests/web/test_track.py)",
    "m_report_track": "redirects to /track/case/ once the case is proven (test_mobile.py)",
    "m_grid_suggest": "JSON for the patrol form's script (tests/web/test_mobile_grid.py)",
    "command_figures": "htmx fragment polled by the command centre (test_command*.py)",
    "command_whistles": "htmx fragment polled by the command centre (test_command*.py)",
    "command_charts": "JSON for the command centre's charts (test_command*.py)",
    "command_map": "JSON for the command centre's map (test_command*.py)",
    "command_areas": "JSON for the command centre's map (test_command*.py)",
    "indicator_evidence": "streams an evidence file (tests/web/test_indicator_pages.py)",
    "indicator_measurement_action": "POST only (tests/web/test_indicator_pages.py)",
    "indicator_recompute": "POST only (tests/web/test_indicator_pages.py)",
    "indicator_export": "an Excel download (tests/web/test_indicator_pages.py)",
    "registry_export": "an Excel download (tests/web/test_registry_pages.py)",
}

# Sample URL arguments, from the objects of the `samples` fixture.
SAMPLE_KWARGS: dict[str, Callable[[SimpleNamespace], dict]] = {
    "case_detail": lambda s: {"number": s.case.number},
    "case_photo": lambda s: {"number": s.case.number, "attachment_id": s.photo.pk},
    "case_act": lambda s: {"number": s.case.number, "action": "supervise"},
    "workbench_duplicates": lambda s: {"number": s.reported.number},
    "whistle_detail": lambda s: {"number": s.whistle.number},
    "whistle_action": lambda s: {"number": s.whistle.number, "action": "acknowledge"},
    "evaluation_unit": lambda s: {"kind": "department", "code": str(s.department.pk)},
    "track_photo": lambda s: {"attachment_id": s.photo.pk},
    "m_report_track": lambda s: {"number": s.case.number},
    "m_grid_verify": lambda s: {"number": s.waiting.number},
    "indicator_evidence": lambda s: {"pk": s.measurement_pk},
    "indicator_measurement_action": lambda s: {"pk": s.measurement_pk, "action": "approve"},
    "indicator_plan": lambda s: {"plan_code": s.plan_code},
    "indicator_print": lambda s: {"plan_code": s.plan_code},
    "indicator_recompute": lambda s: {"plan_code": s.plan_code},
    "indicator_export": lambda s: {"plan_code": s.plan_code},
    "indicator_detail": lambda s: {"plan_code": s.plan_code, "code": s.indicator_code},
    "indicator_measure": lambda s: {"plan_code": s.plan_code, "code": s.indicator_code},
    "registry_list": lambda s: {"name": s.ledger},
    "registry_export": lambda s: {"name": s.ledger},
    "registry_import": lambda s: {"name": s.ledger},
}


def web_routes() -> list[tuple[str, URLPattern]]:
    """(url name, pattern) of every route in the `web` namespace."""
    resolver = get_resolver()
    out = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif namespace == "web" and p.name:
                out.append((p.name, p))

    walk(resolver.url_patterns, None)
    return out


def has_parameters(pattern: URLPattern) -> bool:
    return bool(pattern.pattern.regex.groupindex)


def url_of(name: str, pattern: URLPattern, samples) -> str:
    if not has_parameters(pattern):
        return reverse(f"web:{name}")
    return reverse(f"web:{name}", kwargs=SAMPLE_KWARGS[name](samples))


@pytest.fixture
def samples(actors, make_case, department, territory, settings, tmp_path):
    """Objects every page may be opened on: a case in handling in GRID dispatched to the
    handler's department (so every staff actor sees it) with a photo, a case reported back
    there, a reported one, a whistle of the dispatcher's street summoning that department, and
    whatever the other pages' own fixtures provide (indicator plans, ledgers)."""
    from civicgrid.cases.models import Attachment
    from civicgrid.cases.workflow import State
    from civicgrid.whistles.catalogue import catalogue_load_default
    from civicgrid.whistles.models import WhistleProblem
    from civicgrid.whistles.services import whistle_raise

    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "p.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    case = make_case(State.HANDLING, grid_code=GRID)
    photo = Attachment.objects.create(case=case, stage="report", file="cases/p.png",
                                      content_type="image/png", size=40, sha256="0" * 64)
    catalogue_load_default()
    whistle = whistle_raise(actor=actors.dispatcher, problem=WhistleProblem.objects.first(),
                            departments=[department], description="现场需要部门到场",
                            lon=116.305, lat=39.905)
    return SimpleNamespace(
        case=case, photo=photo, department=department, whistle=whistle,
        waiting=make_case(State.REPORTED_BACK, grid_code=GRID),
        reported=make_case(State.REPORTED, grid_code=GRID),
        **other_samples(actors))


def other_samples(actors) -> dict:
    """Sample objects for the pages of other apps: indicator plans (their test module provides
    them) and ledgers."""
    out: dict = {"plan_code": "none", "indicator_code": "none", "measurement_pk": 0,
                 "ledger": "none"}
    try:
        from tests.web.test_indicator_pages import page_samples as indicator_samples
    except ImportError:
        indicator_samples = None
    if indicator_samples is not None:
        out.update(indicator_samples(actors))
    try:
        from civicgrid.registry.ledgers import LEDGERS
    except ImportError:
        LEDGERS = {}
    if LEDGERS:
        out["ledger"] = next(iter(LEDGERS))
    return out


def client(user=None) -> Client:
    # A server error is one more wrong answer in the list, not the end of the walk.
    c = Client(HTTP_X_FORWARDED_PROTO="https", raise_request_exception=False)
    if user is not None:
        c.force_login(user)
    return c


def test_every_web_view_declares_who_may_open_it():
    missing = [name for name, p in web_routes() if not hasattr(p.callback, "page_action")]
    assert missing == [], (
        f"views without @page(action) (civicgrid/web/access.py): {missing}")


def test_every_parametrised_url_has_sample_arguments():
    missing = [name for name, p in web_routes() if has_parameters(p) and name not in SAMPLE_KWARGS]
    assert missing == [], f"add sample URL arguments to SAMPLE_KWARGS for: {missing}"


def test_the_list_of_non_pages_names_only_real_routes():
    names = {name for name, _p in web_routes()}
    assert set(NOT_PAGES) - names == set()  # a stale entry hides nothing by accident


@pytest.mark.django_db
def test_each_role_opens_exactly_the_pages_the_policy_allows(samples, actors):
    wrong = []
    for name, pattern in web_routes():
        action = getattr(pattern.callback, "page_action", None)
        url = url_of(name, pattern, samples)
        # Anonymous visitors: public pages open, the others send them to sign in.
        if action is not None or name not in NOT_PAGES:
            resp = client().get(url)
            if action is None and resp.status_code != 200:
                wrong.append((name, "anonymous", resp.status_code, 200))
            if action is not None and not (resp.status_code == 302 and resp["Location"]
                                           .startswith("/accounts/login/")):
                wrong.append((name, "anonymous", resp.status_code, "302 to the login page"))
        for role in ROLES:
            user = getattr(actors, role)
            allowed = action is None or may(user, action)
            if name in NOT_PAGES and allowed:
                continue  # not a page: only the refusal is checked here
            resp = client(user).get(url)
            expected = 200 if allowed else 403
            if resp.status_code != expected:
                wrong.append((name, role, resp.status_code, expected))
    assert wrong == [], "\n".join(f"{n}: {r} got {got}, expected {exp}"
                                  for n, r, got, exp in wrong)


@pytest.mark.django_db
def test_a_refusal_says_what_to_do_in_chinese(samples, actors):
    body = client(actors.resident).get(reverse("web:case_list")).content.decode()
    assert "居民请使用“案件查询”" in body
    body = client(actors.dispatcher).get(reverse("web:m_grid")).content.decode()
    assert "巡查上报页面供网格员和社区工作人员使用" in body
