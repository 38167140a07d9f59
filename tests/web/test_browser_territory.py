"""The territory page in a real browser (Debian's chromium through Playwright): log in, click down
district → street → community on the map, see the grids drawn, show all grids, and check that
no request leaves the server's own host. Screenshots go to var/screenshots/ (look at them; the README names the folder)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.factories import STREET_W, XICHENG, Role, make_user

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("CIVICGRID_SCREENSHOT_DIR",
                            Path(__file__).resolve().parents[2] / "var" / "screenshots"))
GRID_FILL = (0x93, 0xCF, 0x95)  # STYLE.grid.fillColor in territory.js (the canvas keeps alpha)

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: CI must install Debian's chromium")
    pytestmark = [pytest.mark.browser, pytest.mark.skip(
        reason=f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")]
else:
    pytestmark = pytest.mark.browser


@pytest.fixture
def accounts(transactional_db, territory):
    """Made before the browser starts: Playwright's sync API runs an event loop in this thread,
    and Django refuses ORM calls from a thread with a running loop."""
    make_user(Role.DISTRICT_ADMIN, XICHENG, username="xc-admin")
    make_user(Role.STREET_DISPATCHER, STREET_W, username="xc-street")


@pytest.fixture
def browser_page(accounts, live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        seen = {"requests": [], "errors": []}
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
        yield page, seen
        browser.close()


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/territory/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests-only")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/territory/**")
    assert page.url.startswith("http://"), f"redirected to {page.url}: live server is not plain HTTP"


def wait_ready(page, **attrs) -> None:
    selector = "#map[data-state=ready][data-validation=done]:not([data-moving])" + "".join(
        f'[data-{k}="{v}"]' for k, v in attrs.items())
    page.wait_for_selector(selector)


def click_label(page, text: str) -> None:
    """Click the map where the polygon's label sits (the label lets clicks through)."""
    box = page.locator(".area-label", has_text=text).first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] + 4)


def canvas_rgb_at_label(page, text: str) -> tuple[int, int, int, int]:
    """The colour the canvas renderer painted just below a label (its polygon's fill)."""
    box = page.locator(".area-label", has_text=text).first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] + 6
    return tuple(page.evaluate("""([x, y]) => {
        const c = document.querySelector('.leaflet-overlay-pane canvas');
        const r = c.getBoundingClientRect();
        const px = Math.round((x - r.left) * c.width / r.width);
        const py = Math.round((y - r.top) * c.height / r.height);
        return Array.from(c.getContext('2d').getImageData(px, py, 1, 1).data);
    }""", [x, y]))


def test_territory_map_drills_down_and_stays_on_its_own_host(browser_page, live_server):
    page, seen = browser_page
    base = live_server.url
    login(page, base, "xc-admin")

    wait_ready(page, level="district", features=1)
    assert "演示数据" in page.inner_text(".map-note")
    assert page.locator(".leaflet-control-scale-line").inner_text().endswith("m")
    assert page.locator(".legend").is_visible()

    click_label(page, "西城区")
    wait_ready(page, level="street", parent=XICHENG, features=2)
    assert page.locator("#children .node").count() == 2
    click_label(page, "西长安街街道")
    wait_ready(page, level="community", parent=STREET_W, features=2)
    assert [c.strip() for c in page.locator("#crumbs li").all_inner_texts()] == [
        "全部区县", "西城区", "西长安街街道"]
    click_label(page, "西长1号社区")
    wait_ready(page, level="grid", parent="110102001001", features=2)

    # The grids are drawn (canvas pixels in the grid colour) and listed with staffing.
    items = page.locator("#children .node")
    assert items.count() == 2
    assert "110102001001001" in items.nth(0).inner_text()
    assert "基础 0 · 专业 0 · 响应 0" in items.nth(0).inner_text()
    assert "力量配置未达标" in items.nth(0).inner_text()
    assert "校验通过" in page.inner_text("#validation")
    *rgb, alpha = canvas_rgb_at_label(page, "#001")
    assert alpha > 0 and all(abs(c - w) <= 6 for c, w in zip(rgb, GRID_FILL, strict=True)), rgb
    page.screenshot(path=str(SHOTS / "territory-test-community.png"))

    # Back up to the district with the breadcrumbs and show all its grids at once.
    page.locator("#crumbs button", has_text="西城区").click()
    wait_ready(page, level="street", parent=XICHENG)
    page.check("#all-grids")
    page.wait_for_selector('#map[data-grids="8"]:not([data-moving])')
    assert "已显示 8 个网格" in page.inner_text("#grid-status")
    page.screenshot(path=str(SHOTS / "territory-test-all-grids.png"))

    # No broken images, no script errors, and nothing fetched from any other host.
    broken = page.evaluate("""() => Array.from(document.images)
        .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)""")
    assert broken == []
    assert seen["errors"] == []
    own = urlsplit(base).netloc
    others = [u for u in seen["requests"]
              if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != own]
    assert others == [], others
    assert any("/api/v1/territory/grids" in u for u in seen["requests"])


def test_territory_page_fits_a_phone(browser_page, live_server):
    page, _seen = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, "xc-street")
    wait_ready(page, level="district")
    page.locator("#children .node").first.click()  # the side panel drills down too
    wait_ready(page, level="street", features=1)
    map_box = page.locator("#map").bounding_box()
    assert map_box["width"] == 390 and map_box["height"] >= 300
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    page.screenshot(path=str(SHOTS / "territory-test-phone.png"), full_page=True)
