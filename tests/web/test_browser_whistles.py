"""A whistle from start to end in a real browser (Debian's chromium through Playwright): the
street dispatcher raises it from the form (the problem pre-checks its departments, a map click
fills the place), the departments acknowledge and arrive with the browser's location, the street
confirms and scores each department; the board shows the statuses in colour. Nothing may be
fetched from another host. Screenshots go to var/screenshots/whistles-*.png (look at them)."""

from __future__ import annotations

import pytest

from tests.factories import STREET_W, Role, make_user
from tests.web.test_browser_cases import assert_own_host_only, no_sideways_scroll
from tests.web.test_browser_territory import ARGS, CHROMIUM, SHOTS, pytestmark  # noqa: F401
from tests.whistles.conftest import LAT, LON

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def staff(transactional_db, territory):
    """Made before the browser starts (Playwright's loop forbids ORM calls in this thread)."""
    from civicgrid.whistles.catalogue import catalogue_load_default
    from tests.factories import make_department

    cgzf = make_department("XC-CGZF", "西城区城管执法局")
    fgj = make_department("XC-FGJ", "西城区房屋管理局")
    make_department("XC-GAFJ", "北京市公安局西城分局")
    catalogue_load_default()
    make_user(Role.STREET_DISPATCHER, STREET_W, username="xc-street")
    make_user(Role.DEPARTMENT_HANDLER, username="cgzf", department=cgzf)
    make_user(Role.DEPARTMENT_HANDLER, username="fgj", department=fgj)


def open_page(browser, base, username, next_url, *, viewport=None, geolocation=None,
              password=PASSWORD):
    context = browser.new_context(
        viewport=viewport or {"width": 1366, "height": 900}, locale="zh-CN",
        geolocation=geolocation, permissions=["geolocation"] if geolocation else [])
    page = context.new_page()
    page.set_default_timeout(15_000)
    seen = {"requests": [], "errors": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_url}**")
    return page, seen


def report_in(browser, base, username, url, name):
    """A department acknowledges, then arrives with the location the browser gives."""
    page, seen = open_page(browser, base, username, url,
                           geolocation={"longitude": LON + 0.0005, "latitude": LAT})
    page.get_by_role("button", name="响应（收到，正在赶往）").click()
    page.wait_for_selector(".alert-ok")
    assert "已响应" in page.inner_text(".alert-ok")
    page.get_by_role("button", name="获取我的位置").click()
    page.wait_for_function("document.getElementById('a-lon').value !== ''")
    assert "已获取位置" in page.inner_text("#locate-status")
    page.screenshot(path=str(SHOTS / f"whistles-test-{name}-located.png"), full_page=True)
    page.get_by_role("button", name="到场报到").click()
    page.wait_for_selector(".alert-ok")
    assert "已到场报到" in page.inner_text(".alert-ok")
    return page, seen


def test_raise_report_in_close_and_score(staff, live_server):
    from playwright.sync_api import sync_playwright

    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        street, seen = open_page(browser, base, "xc-street", "/whistles/new/")
        street.wait_for_selector("#whistle-map[data-state=ready]")
        street.select_option("#f-problem", "ZF0301")  # 群租房: 城管执法、房管、公安
        checked = street.eval_on_selector_all("input[name=departments]:checked",
                                              "els => els.map(e => e.parentElement.textContent.trim())")
        assert sorted(checked) == sorted(["北京市公安局西城分局", "西城区城管执法局", "西城区房屋管理局"])
        street.get_by_label("北京市公安局西城分局").uncheck()
        street.get_by_label("现场情况和需要部门做什么").fill("一套住房隔出12间出租，楼道堆放电动车")
        street.get_by_label("地点").fill("西长安街某小区5号楼")
        box = street.locator("#whistle-map").bounding_box()
        street.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert street.input_value("#f-lon").startswith("116.3")
        # The exact place typed in (the manual way), where the departments will stand.
        street.get_by_label("经度").fill(str(LON))
        street.get_by_label("纬度").fill(str(LAT))
        street.get_by_label("纬度").press("Tab")
        street.screenshot(path=str(SHOTS / "whistles-test-raise.png"), full_page=True)
        street.get_by_role("button", name="吹哨").last.click()
        street.wait_for_url("**/whistles/SH-*/")
        url = street.url.removeprefix(base)
        assert "已吹哨，2 个部门" in street.inner_text(".alert-ok")
        assert street.locator(".ri-row[data-status=pending]").count() == 2

        handler, hseen = report_in(browser, base, "cgzf", url, "cgzf")
        street.goto(f"{base}/whistles/")
        card = street.locator(".whistle-card").first
        assert card.locator("[data-status=on_site]").count() == 1
        assert card.locator("[data-status=pending]").count() == 1
        assert "到场 1/2" in card.inner_text()
        street.screenshot(path=str(SHOTS / "whistles-test-board.png"), full_page=True)

        report_in(browser, base, "fgj", url, "fgj")
        handler.reload()
        handler.get_by_label("处置结果").fill("已拆除隔断，清退租户，电动车移至充电棚")
        handler.get_by_role("button", name="报告处置完成").click()
        handler.wait_for_selector(".alert-ok")
        handler.screenshot(path=str(SHOTS / "whistles-test-resolved.png"), full_page=True)

        street.goto(f"{base}{url}")
        street.get_by_role("button", name="确认办结").click()
        street.wait_for_selector(".alert-ok")
        assert "已办结" in street.inner_text(".case-head")
        forms = street.locator("form.score-form")
        assert forms.count() == 2
        first = forms.first
        for label, value in (("准时报到", "100"), ("工作态度", "90"), ("处置效果", "80")):
            first.get_by_label(label).fill(value)
        first.get_by_label("评语").fill("响应迅速")
        first.get_by_role("button", name="提交评分").click()
        street.wait_for_selector(".alert-ok")
        assert "91.0 分" in street.inner_text(".score-list")
        street.screenshot(path=str(SHOTS / "whistles-test-scored.png"), full_page=True)

        # The department's phone view of the closed whistle: its score, no sideways scroll.
        phone, pseen = open_page(browser, base, "cgzf", url, viewport={"width": 390,
                                                                       "height": 844})
        no_sideways_scroll(phone, 390)
        phone.screenshot(path=str(SHOTS / "whistles-test-phone.png"), full_page=True)
        for s in (seen, hseen, pseen):
            assert_own_host_only(s, base)
        browser.close()


@pytest.fixture
def demo(transactional_db):
    """Xicheng with the demo whistles in 月坛街道 (about three seconds)."""
    from civicgrid.demo.load import demo_load
    from civicgrid.demo.whistles import ensure_demo_whistles

    demo_load(["110102"])
    ensure_demo_whistles()


def test_demo_board_shows_on_time_late_and_overdue(demo, live_server):
    from playwright.sync_api import sync_playwright

    from civicgrid.demo.users import DEMO_PASSWORD

    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page, seen = open_page(browser, base, "commander", "/whistles/", password=DEMO_PASSWORD)
        card = page.locator(".whistle-card")
        assert card.count() == 1 and "has-overdue" in card.get_attribute("class")
        statuses = card.locator(".ri").evaluate_all(
            "els => els.map(e => e.dataset.status).sort()")
        assert statuses == ["acknowledged", "on_site", "overdue"]
        assert page.locator(".recent [data-status=late]").count() == 1
        page.screenshot(path=str(SHOTS / "whistles-demo-board.png"), full_page=True)
        page.locator(".recent a.case-number").first.click()
        page.wait_for_selector("#whistle-detail-map[data-state=ready]")
        assert page.locator(".score-total").count() == 3
        page.screenshot(path=str(SHOTS / "whistles-demo-closed.png"), full_page=True)
        page.goto(f"{base}/whistles/")
        page.locator(".whistle-card a.case-number").click()
        page.wait_for_selector("#whistle-detail-map[data-state=ready]")
        # The commander may mark the overdue department absent, or cancel.
        assert page.locator("summary", has_text="标记未到场").count() == 2
        assert page.locator("summary", has_text="撤销吹哨").count() == 1
        page.screenshot(path=str(SHOTS / "whistles-demo-open.png"), full_page=True)
        assert_own_host_only(seen, base)
        browser.close()
