"""The case pages in a real browser (Debian's chromium through Playwright): the map of cases with
coloured markers and a popup that leads to the case page, the case page with its map and
timeline, and a resident tracking a case on a phone. Nothing may be fetched from another host.
Screenshots go to var/screenshots/ (look at them)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.factories import STREET_W, Role, make_department, make_user
from tests.web.test_browser_territory import ARGS, CHROMIUM, SHOTS, pytestmark  # noqa: F401

PHONE = "13800138000"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
       b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def cases(transactional_db, territory, settings, tmp_path):
    """Made before the browser starts (Playwright's loop forbids ORM calls in this thread):
    one case of each marker colour at the four grids of 西长安街街道, and a dispatcher."""
    from civicgrid.cases.models import Attachment, CaseEvent, Reporter
    from civicgrid.cases.workflow import State
    from civicgrid.dispatch.models import Category, CategoryKind, Stream, UnitKind
    from tests.cases.conftest import create_case

    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "p.png").write_bytes(PNG)
    make_user(Role.STREET_DISPATCHER, STREET_W, username="xc-street")
    dept = make_department()
    cat = Category.objects.create(
        code="T-H", name="井盖缺失", stream=Stream.CITY_MANAGEMENT, kind=CategoryKind.COMPONENT,
        default_unit_kind=UnitKind.DEPARTMENT, handle_limit=100, handle_unit="emergency_hours")
    now = timezone.now()
    start = now - dt.timedelta(hours=96)
    made = {}
    spots = {"overdue": (116.305, 39.905), "returned": (116.315, 39.905),
             "open": (116.305, 39.925), "closed": (116.315, 39.925)}
    for kind, (lon, lat) in spots.items():
        state = {"overdue": State.HANDLING, "returned": State.RETURNED, "open": State.HANDLING,
                 "closed": State.CLOSED}[kind]
        extra = {"unit_department": None} if kind == "returned" else {}
        made[kind] = create_case(
            state, category=cat, department=dept, reported_at=start, dispatched_at=start,
            handle_deadline=now + dt.timedelta(hours=-3 if kind == "overdue" else 50),
            lon=lon, lat=lat, reporter_phone=PHONE, description=f"{kind}：路口井盖缺失，存在安全隐患",
            grid_code=f"{STREET_W}{'001' if lat < 39.92 else '002'}{'001' if lon < 116.31 else '002'}",
            community_code=f"{STREET_W}{'001' if lat < 39.92 else '002'}", **extra)
    case = made["overdue"]
    CaseEvent.objects.create(case=case, action="dispatch", from_state="registered",
                             to_state="dispatched", at=start, unit_department=dept,
                             note="请城管执法局尽快补装井盖")
    Attachment.objects.create(case=case, stage="report", file="cases/p.png",
                              content_type="image/png", size=len(PNG), sha256="0" * 64)
    # The closed case was reported from a resident account, so it can be rated online.
    resident = make_user(Role.RESIDENT, username="resident")
    Reporter.objects.filter(case=made["closed"]).update(user=resident)
    return {k: c.number for k, c in made.items()}


def open_browser(pw, viewport):
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    seen = {"requests": [], "errors": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("pageerror", lambda e: seen["errors"].append(str(e) + str(e.stack)))
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    return browser, page, seen


def login(page, base: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", "xc-street")
    page.fill("input[name=password]", "pw-for-tests-only")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_url}**")


def assert_own_host_only(seen, base: str) -> None:
    assert seen["errors"] == []
    own = urlsplit(base).netloc
    others = [u for u in seen["requests"]
              if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != own]
    assert others == [], others


def no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, \
        "the page scrolls sideways"


def test_case_map_popup_leads_to_the_case_page(cases, live_server):
    from playwright.sync_api import sync_playwright

    base = live_server.url
    with sync_playwright() as pw:
        browser, page, seen = open_browser(pw, {"width": 1366, "height": 768})
        login(page, base, "/cases/map/")
        page.wait_for_selector("#cases-map[data-state=ready][data-points='4']")
        assert page.locator("path.case-marker.kind-overdue").count() == 1
        assert page.locator("path.case-marker.kind-closed").count() == 1
        assert page.locator("path.case-marker.kind-returned").count() == 1
        assert "地图上显示 4 个案件" in page.inner_text("#map-status")
        page.screenshot(path=str(SHOTS / "cases-test-map.png"))

        # The filters reload the points without leaving the page.
        page.locator("#map-filters summary").click()
        page.select_option("#f-level", "red")
        page.wait_for_selector("#cases-map[data-state=ready][data-points='1']")
        assert "level=red" in page.url
        page.select_option("#f-level", "")
        page.wait_for_selector("#cases-map[data-state=ready][data-points='4']")
        page.locator("#map-filters summary").click()

        page.locator("path.case-marker.kind-overdue").click()
        popup = page.locator(".case-popup")
        popup.wait_for()
        assert cases["overdue"] in popup.inner_text() and "已超时" in popup.inner_text()
        popup.locator("a.case-number").click()
        page.wait_for_url(f"**/cases/{cases['overdue']}/")
        page.wait_for_selector("#case-map[data-state=ready]")
        assert "请城管执法局尽快补装井盖" in page.inner_text(".timeline")
        assert "已超时" in page.inner_text(".case-head")
        assert page.locator(".photos img").evaluate("i => i.naturalWidth") == 1
        page.screenshot(path=str(SHOTS / "cases-test-detail.png"), full_page=True)

        # The list, filtered through htmx.
        page.goto(f"{base}/cases/")
        assert page.locator("tr.case-row").count() == 4
        page.select_option("#f-state", "returned")
        page.wait_for_function("document.querySelectorAll('tr.case-row').length === 1")
        assert "state=returned" in page.url
        page.screenshot(path=str(SHOTS / "cases-test-list.png"), full_page=True)
        assert_own_host_only(seen, base)
        browser.close()


def test_case_pages_and_tracking_fit_a_phone(cases, live_server):
    from playwright.sync_api import sync_playwright

    base, width = live_server.url, 390
    with sync_playwright() as pw:
        browser, page, seen = open_browser(pw, {"width": width, "height": 844})
        login(page, base, "/cases/map/")
        page.wait_for_selector("#cases-map[data-state=ready]")
        box = page.locator("#cases-map").bounding_box()
        assert box["width"] == width and box["height"] >= 500
        no_sideways_scroll(page, width)
        page.screenshot(path=str(SHOTS / "cases-test-phone-map.png"))
        page.goto(f"{base}/cases/{cases['overdue']}/")
        page.wait_for_selector("#case-map[data-state=ready]")
        no_sideways_scroll(page, width)
        page.screenshot(path=str(SHOTS / "cases-test-phone-detail.png"), full_page=True)
        page.goto(f"{base}/cases/")
        no_sideways_scroll(page, width)
        page.screenshot(path=str(SHOTS / "cases-test-phone-list.png"), full_page=True)

        # A resident (a fresh, signed-out context) tracks the case with the keyboard.
        context = browser.new_context(viewport={"width": width, "height": 844}, locale="zh-CN")
        res = context.new_page()
        res.on("pageerror", lambda e: seen["errors"].append(str(e)))
        res.on("request", lambda r: seen["requests"].append(r.url))
        res.goto(f"{base}/track/")
        res.get_by_label("案件编号").fill(cases["closed"].lower())
        res.get_by_label("手机号").fill("138 0013 8000")
        res.keyboard.press("Enter")
        res.wait_for_url("**/track/case/")
        assert cases["closed"] in res.inner_text("h1") and "已结案" in res.inner_text("h1")
        assert PHONE not in res.content() and "张三" not in res.content()
        no_sideways_scroll(res, width)
        res.screenshot(path=str(SHOTS / "cases-test-phone-track.png"), full_page=True)
        res.get_by_label("基本满意").check()
        res.get_by_label("已解决").check()
        res.get_by_role("button", name="提交评价").click()
        res.wait_for_url("**/track/case/?rated=1")
        assert "感谢您的评价" in res.inner_text("[role=status]")
        assert "基本满意" in res.inner_text(".facts") and res.locator("form.rate-form").count() == 0
        res.screenshot(path=str(SHOTS / "cases-test-phone-track-rated.png"), full_page=True)
        res.goto(f"{base}/track/")
        res.get_by_label("案件编号").fill(cases["closed"])
        res.get_by_label("手机号").fill("13900000000")
        res.get_by_role("button", name="查询").click()
        assert "没有找到与该案件编号和手机号匹配的记录" in res.inner_text("[role=alert]")
        res.screenshot(path=str(SHOTS / "cases-test-phone-track-wrong.png"), full_page=True)
        assert_own_host_only(seen, base)
        browser.close()
