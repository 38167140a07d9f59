"""The command centre and the workbenches in a real browser (Debian's chromium through
Playwright): the wall draws its map (grids coloured, open cases clustered) and every chart, fits
one screen at 1920×1080 and 1366×768, and its figures move when the dispatcher closes a case on
the workbench; the dispatcher registers a report, compares a duplicate on its map and merges it;
the department accepts a case and reports back with a photo. No console errors, no request to
another host. Screenshots: var/screenshots/command-*.png and workbench-*.png (look at them)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import STREET_E, STREET_W, Role, make_department, make_user
from tests.web.test_browser_cases import assert_own_host_only, no_sideways_scroll
from tests.web.test_browser_territory import ARGS, CHROMIUM, SHOTS, pytestmark  # noqa: F401

PASSWORD = "pw-for-tests-only"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
       b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
CHARTS = ("chart-intake", "chart-categories", "chart-overdue", "chart-streets",
          "chart-departments")
SPOTS = [(116.303, 39.903), (116.307, 39.908), (116.313, 39.905), (116.317, 39.913),
         (116.304, 39.925), (116.308, 39.931), (116.314, 39.924), (116.318, 39.936)]


@pytest.fixture
def wall(transactional_db, territory, settings, tmp_path):
    """Made before the browser starts (Playwright's loop forbids ORM calls in this thread): a
    street with a day's worth of cases in every state, a duplicate pair, a whistle, the
    accounts, and the rollups."""
    from civicgrid.cases.models import CaseEvent
    from civicgrid.cases.workflow import State
    from civicgrid.dispatch.models import Category, CategoryKind, Stream, UnitKind
    from civicgrid.evaluation.rollups import rollup_rebuild
    from civicgrid.whistles.catalogue import catalogue_load_default
    from civicgrid.whistles.models import WhistleProblem
    from civicgrid.whistles.services import whistle_raise
    from tests.cases.conftest import create_case

    settings.MEDIA_ROOT = tmp_path
    dept = make_department()
    users = {
        "commander": make_user(Role.STREET_COMMANDER, STREET_W, username="xc-commander"),
        "dispatcher": make_user(Role.STREET_DISPATCHER, STREET_W, username="xc-street"),
        "handler": make_user(Role.DEPARTMENT_HANDLER, username="cgzf", department=dept),
    }
    cats = [Category.objects.create(
        code=f"T-{i}", name=name, stream=stream, kind=CategoryKind.EVENT,
        default_unit_kind=UnitKind.DEPARTMENT, register_limit=4, register_unit="emergency_hours",
        dispatch_limit=4, dispatch_unit="emergency_hours", handle_limit=48,
        handle_unit="emergency_hours")
        for i, (name, stream) in enumerate([("道路破损", Stream.CITY_MANAGEMENT),
                                            ("噪音扰民", Stream.SOCIAL_MANAGEMENT),
                                            ("养老服务", Stream.SOCIAL_SERVICE),
                                            ("燃气泄漏", Stream.EMERGENCY_RESPONSE)])]
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    states = [State.REPORTED, State.REGISTERED, State.DISPATCHED, State.HANDLING,
              State.HANDLING, State.VERIFIED, State.CLOSED, State.REPORTED_BACK]
    made = []
    for i in range(24):
        lon, lat = SPOTS[i % len(SPOTS)]
        state = states[i % len(states)]
        at = midnight + (now - midnight) * (i + 1) / 25
        late = i % 5 == 0
        due = now + dt.timedelta(hours=-2 if late else 30)
        made.append(create_case(
            state, category=cats[i % 4], department=dept, reported_at=at, lon=lon, lat=lat,
            description=f"{cats[i % 4].name}：第{i + 1}号上报，请尽快处理。",
            community_code=f"{STREET_W}{'001' if lat < 39.92 else '002'}",
            grid_code=f"{STREET_W}{'001' if lat < 39.92 else '002'}"
                      f"{'001' if lon < 116.31 else '002'}",
            register_deadline=due, dispatch_deadline=due, handle_deadline=due,
            closed_at=at if state == State.CLOSED else None))
    east = dict(street_code=STREET_E, community_code=f"{STREET_E}001",
                grid_code=f"{STREET_E}001001", lon=116.325, lat=39.905)
    create_case(State.HANDLING, category=cats[0], department=dept, reported_at=now, **east)
    original = made[1]  # registered
    duplicate = create_case(State.REPORTED, category=original.category, department=dept,
                            reported_at=now - dt.timedelta(minutes=5), lon=original.lon + 0.0002,
                            lat=original.lat, description="又有人反映这里的问题",
                            community_code=original.community_code, grid_code=original.grid_code,
                            register_deadline=now + dt.timedelta(hours=3))
    CaseEvent.objects.create(case=duplicate, action="report", to_state="reported",
                             at=duplicate.reported_at,
                             data={"duplicates": [{"case_id": original.pk,
                                                   "number": original.number,
                                                   "distance_m": 17.0}]})
    catalogue_load_default()
    whistle_raise(actor=users["dispatcher"], departments=[dept], title="群租房整治",
                  problem=WhistleProblem.objects.order_by("code").first(),
                  description="一套住房隔出12间出租", lon=116.305, lat=39.905)
    rollup_rebuild()
    verified = [c for c in made if c.state == State.VERIFIED]
    return {"verified": [c.number for c in verified], "duplicate": duplicate.number,
            "original": original.number,
            "dispatched": [c.number for c in made if c.state == State.DISPATCHED],
            "handling": [c.number for c in made if c.state == State.HANDLING]}


def open_page(browser, base, username, next_url, viewport):
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    page.set_default_timeout(20_000)
    seen = {"requests": [], "errors": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_url}**")
    return page, seen


def figure(page, code: str) -> str:
    return page.inner_text(f"[data-figure={code}] .tile-value").strip()


def wait_drawn(page) -> None:
    page.wait_for_selector("#command-map[data-state=ready]")
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart}[data-state=ready]")
    page.wait_for_timeout(300)


def test_the_wall_draws_and_its_figures_move(wall, live_server):
    from playwright.sync_api import sync_playwright

    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page, seen = open_page(browser, base, "xc-commander", "/command/",
                               {"width": 1920, "height": 1080})
        wait_drawn(page)
        # Grids drawn and coloured, open cases clustered, every chart drawn (none empty).
        assert int(page.get_attribute("#command-map", "data-areas")) == 4
        assert int(page.get_attribute("#command-map", "data-points")) >= 15
        assert page.locator("#command-map canvas").count() >= 1
        assert page.locator(".cmd-cluster").count() >= 1
        for chart in CHARTS:
            assert page.locator(f"#{chart} canvas").count() == 1, chart
            assert page.get_attribute(f"#{chart}", "data-empty") is None, chart
        assert page.locator(".ww").count() == 1 and "群租房整治" in page.inner_text(".ww")
        # One screen: nothing scrolls on a wall.
        assert page.evaluate("document.documentElement.scrollHeight") <= 1080
        no_sideways_scroll(page, 1920)
        page.screenshot(path=str(SHOTS / "command-centre-1920.png"))
        closed, opened = int(figure(page, "closed")), int(figure(page, "open"))

        # The dispatcher closes a verified case on the workbench...
        bench, bench_seen = open_page(browser, base, "xc-street", "/workbench/dispatch/",
                                      {"width": 1366, "height": 900})
        number = wall["verified"][0]
        bench.locator(f'tr[data-number="{number}"]').get_by_role("button", name="结案",
                                                                exact=True).click()
        bench.wait_for_selector(".alert-ok")
        assert f"案件 {number} 已结案" in bench.inner_text(".alert-ok")
        # ...and the wall's figures change without a reload (htmx fetches the fragment; the
        # page polls it every 20 s, here it is asked at once).
        page.evaluate("""htmx.ajax('GET', document.getElementById('wall-figures')
                         .getAttribute('hx-get'), {target: '#wall-figures', swap: 'outerHTML'})""")
        page.wait_for_function(
            "n => document.querySelector('[data-figure=closed] .tile-value').textContent.trim()"
            " === String(n)", arg=closed + 1)
        assert int(figure(page, "open")) == opened - 1
        page.click("text=按超时量")
        page.wait_for_timeout(200)
        assert "超时案件数" in page.inner_text(".map-legend")

        small, small_seen = open_page(browser, base, "xc-commander", "/command/?window=7d",
                                      {"width": 1366, "height": 768})
        wait_drawn(small)
        assert small.evaluate("document.documentElement.scrollHeight") <= 768
        no_sideways_scroll(small, 1366)
        small.screenshot(path=str(SHOTS / "command-centre-1366.png"))
        for s in (seen, bench_seen, small_seen):
            assert_own_host_only(s, base)
        browser.close()


def test_the_dispatcher_registers_compares_and_merges(wall, live_server):
    from playwright.sync_api import sync_playwright

    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page, seen = open_page(browser, base, "xc-street", "/workbench/dispatch/",
                               {"width": 1366, "height": 900})
        no_sideways_scroll(page, 1366)
        page.screenshot(path=str(SHOTS / "workbench-dispatch.png"), full_page=True)
        # Register the first report as suggested: one click.
        row = page.locator("section[aria-labelledby=h-register] tr.case-row").first
        number = row.get_attribute("data-number")
        row.get_by_role("button", name="立案", exact=True).click()
        page.wait_for_selector(".alert-ok")
        assert f"案件 {number} 已立案" in page.inner_text(".alert-ok")
        # The flagged duplicate beside its candidate, on a small map, then merged.
        page.click(f'tr[data-number="{wall["duplicate"]}"] >> text=对比合并')
        page.wait_for_selector("#dup-map[data-state=ready]")
        assert page.locator(".dup-card").count() == 2
        page.screenshot(path=str(SHOTS / "workbench-duplicates.png"), full_page=True)
        page.click(f"text=合并到 {wall['original']}")
        page.wait_for_selector(".alert-ok")
        assert "已合并到" in page.inner_text(".alert-ok")
        # A case page with its forms: dispatch, with the routing suggestion.
        page.goto(f"{base}/cases/{wall['original']}/")
        page.wait_for_selector("#case-map[data-state=ready]")
        assert page.locator("form.act-form[data-action=dispatch]").count() == 1
        page.screenshot(path=str(SHOTS / "case-actions.png"), full_page=True)
        assert_own_host_only(seen, base)
        browser.close()


def test_the_department_accepts_and_reports_back_with_a_photo(wall, live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    photo = tmp_path / "修复后.png"
    photo.write_bytes(PNG)
    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page, seen = open_page(browser, base, "cgzf", "/workbench/department/",
                               {"width": 1366, "height": 900})
        assert "群租房整治" in page.inner_text("section[aria-labelledby=h-whistles]")
        page.screenshot(path=str(SHOTS / "workbench-department.png"), full_page=True)
        number = wall["dispatched"][0]
        page.locator(f'tr[data-number="{number}"]').get_by_role("button", name="签收",
                                                               exact=True).click()
        page.wait_for_selector(".alert-ok")
        assert f"案件 {number} 已签收" in page.inner_text(".alert-ok")
        row = page.locator(f'section[aria-labelledby=h-handling] tr[data-number="{number}"]')
        row.locator("input[name=note]").fill("已修补路面")
        row.locator("input[type=file]").set_input_files(str(photo))
        row.locator("button", has_text="反馈办结").click()
        page.wait_for_selector(".alert-ok")
        assert f"案件 {number} 已反馈" in page.inner_text(".alert-ok")
        page.goto(f"{base}/cases/{number}/")
        assert page.locator(".photo-stage").nth(1).locator("img").count() == 1
        no_sideways_scroll(page, 1366)
        assert_own_host_only(seen, base)
        browser.close()
