"""The phone pages in a real browser (Debian's chromium through Playwright, a phone-sized screen
with the position granted): a grid worker reports with the camera and the phone's position,
loses the connection, keeps the draft and gets exactly one case once back online — also when
the server took the report but its answer was lost; verifies a case on site with a photo; a
resident reports, gets a number and follows it on /track/. Accessibility is checked on the
resident's page (labels, text contrast ≥ 4.5:1, keyboard order) and its weight is printed.
Screenshots go to var/screenshots/mobile-*.png."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.factories import STREET_W, XICHENG, Role, make_department, make_user
from tests.web.test_browser_territory import ARGS, CHROMIUM, SHOTS, pytestmark  # noqa: F401

PASSWORD = "pw-for-tests-only"
GRID = f"{STREET_W}001001"
PHONE_SCREEN = {"width": 390, "height": 844}
HERE = {"latitude": 39.9052, "longitude": 116.3046}  # inside GRID
WEIGHT_BUDGET = 60_000  # bytes, everything the resident's page loads


def png(width: int = 64, height: int = 48) -> bytes:
    """A real (not 1×1) PNG: a grey gradient, so the page's photo shrinking has work to do."""
    raw = b"".join(b"\x00" + bytes((x * 4 + y) % 256 for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def photo_file(name: str = "site.png") -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": png()}


@pytest.fixture
def world(transactional_db, territory, settings, tmp_path, monkeypatch):
    """The catalogue, a grid worker linked to GRID, a reported-back case waiting there with the
    unit's photo, and a resident account. Made before the browser starts; the test reads the
    database in between (Playwright's sync API blocks this thread, so that is safe)."""
    from civicgrid.cases.models import Attachment, CaseEvent
    from civicgrid.cases.workflow import State
    from civicgrid.dispatch.catalogue import catalogue_load_default
    from civicgrid.territory.models import Force, GridAssignment, GridWorker
    from tests.cases.conftest import create_case

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "after.png").write_bytes(png())
    catalogue_load_default()
    user = make_user(Role.GRID_WORKER, GRID, username="gw")
    user.first_name = "王芳"
    user.save(update_fields=["first_name"])
    worker = GridWorker.objects.create(name="王芳", force=Force.BASIC, street_id=STREET_W,
                                       district_id=XICHENG, user=user)
    GridAssignment.objects.create(worker=worker, grid_id=GRID)
    dept = make_department()
    from civicgrid.dispatch.models import Category

    manhole = Category.objects.filter(name__contains="井盖").order_by("code").first()
    now = timezone.now()
    waiting = create_case(
        State.REPORTED_BACK, category=manhole, department=dept, reported_at=now - dt.timedelta(days=2),
        reported_back_at=now - dt.timedelta(hours=3), handle_deadline=now + dt.timedelta(days=1),
        lon=116.3081, lat=39.9079, address="西长安街1号院南门", grid_code=GRID,
        description="小区南门井盖破损，行人容易踩空")
    event = CaseEvent.objects.create(case=waiting, action="report_back", from_state="handling",
                                     to_state="reported_back", at=now - dt.timedelta(hours=3),
                                     unit_department=dept, note="已更换新井盖并加固")
    Attachment.objects.create(case=waiting, event=event, stage="after", file="cases/after.png",
                              content_type="image/png", size=len(png()), sha256="a" * 64)
    make_user(Role.RESIDENT, username="resident-1")
    return {"waiting": waiting.number}


def phone_page(browser, *, geolocation=True):
    context = browser.new_context(
        viewport=PHONE_SCREEN, is_mobile=True, has_touch=True, locale="zh-CN",
        geolocation=HERE if geolocation else None,
        permissions=["geolocation"] if geolocation else [])
    page = context.new_page()
    page.set_default_timeout(15_000)
    seen = {"requests": [], "errors": [], "responses": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text
            and seen["errors"].append(m.text))
    return context, page, seen


def login(page, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_url}**")


def own_host_only(seen, base: str) -> None:
    own = urlsplit(base).netloc
    others = [u for u in seen["requests"]
              if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != own]
    assert others == [], others
    assert seen["errors"] == [], seen["errors"]


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]


def draft(page) -> dict | None:
    return page.evaluate("""() => {
        const k = Object.keys(localStorage).find(k => k.startsWith('civicgrid:draft:grid:'));
        return k ? JSON.parse(localStorage.getItem(k)) : null; }""")


def cases_with_key(key: str) -> list[str]:
    from civicgrid.cases.models import Case

    return list(Case.objects.filter(client_key=key).values_list("number", flat=True))


def test_grid_worker_reports_offline_and_gets_exactly_one_case(world, live_server):
    from playwright.sync_api import sync_playwright

    from civicgrid.cases.models import Attachment, Case

    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context, page, seen = phone_page(browser)
        login(page, base, "gw", "/m/grid/")
        # The phone's position is asked for at once (on patrol) and kept in the form.
        page.wait_for_function("document.querySelector('input[name=lon]').value !== ''")
        assert "已获取位置" in page.inner_text("#m-loc-status")
        page.get_by_label("问题描述").fill("路口污水井盖缺失，车辆绕行")
        page.wait_for_selector("#m-suggest button")
        suggestion = page.locator("#m-suggest button").first
        suggested_name = suggestion.inner_text()
        assert suggested_name == "污水井盖"
        suggestion.click()
        assert page.locator("#m-category option:checked").inner_text() == suggested_name
        page.set_input_files("#m-photos", [photo_file()])
        page.wait_for_selector("#m-photo-list img")
        no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / "mobile-grid-report.png"), full_page=True)

        # No connection: the report stays on the phone, marked to be sent again.
        key = page.input_value("input[name=client_key]")
        context.set_offline(True)
        page.get_by_role("button", name="上报").click()
        page.wait_for_function(
            "document.getElementById('m-status').textContent.includes('网络不佳')")
        kept = draft(page)
        assert kept["pending"] and kept["key"] == key and len(kept["photos"]) == 1
        assert kept["fields"]["description"] == "路口污水井盖缺失，车辆绕行"
        assert cases_with_key(key) == []
        page.screenshot(path=str(SHOTS / "mobile-grid-offline.png"), full_page=True)

        # Back online: sent again by itself with the same key → exactly one case.
        context.set_offline(False)
        page.wait_for_selector("#m-result:not([hidden])", timeout=30_000)
        number = page.inner_text("#m-result-number")
        assert cases_with_key(key) == [number]
        case = Case.objects.get(number=number)
        assert case.channel == "patrol" and case.grid_code == GRID
        assert case.category.name == suggested_name
        assert Attachment.objects.filter(case=case).count() == 1
        kept = draft(page)  # at most the next report's draft: a new key, no words yet
        assert kept is None or (not kept["pending"] and kept["key"] != key
                                and kept["fields"]["description"] == "")
        assert page.input_value("input[name=client_key]") != key  # the next report, a new key
        page.screenshot(path=str(SHOTS / "mobile-grid-sent.png"), full_page=True)

        # The server takes the next report but its answer never arrives: the retry with the
        # same key is answered with the case already made, not a second one.
        lost = []

        def lose_first_answer(route):
            if route.request.method == "POST" and not lost:
                route.fetch()  # the server gets it and answers ...
                lost.append(True)
                route.abort("internetdisconnected")  # ... but the phone never hears back
            else:
                route.continue_()

        page.route("**/m/grid/", lose_first_answer)
        page.get_by_label("问题描述").fill("人行道护栏倒伏")
        second_key = page.input_value("input[name=client_key]")
        page.get_by_role("button", name="上报").click()
        page.wait_for_selector("#m-result:not([hidden])", timeout=30_000)
        assert lost == [True]
        assert "没有重复登记" in page.inner_text("#m-result-message")
        assert cases_with_key(second_key) == [page.inner_text("#m-result-number")]
        own_host_only(seen, base)
        browser.close()


def test_a_reload_while_offline_keeps_the_draft_and_sends_it_when_opened_again(world, live_server):
    from playwright.sync_api import sync_playwright

    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context, page, seen = phone_page(browser)
        login(page, base, "gw", "/m/grid/")
        page.get_by_label("问题描述").fill("垃圾满溢")
        page.set_input_files("#m-photos", [photo_file()])
        page.wait_for_selector("#m-photo-list img")
        key = page.input_value("input[name=client_key]")
        context.set_offline(True)
        page.get_by_role("button", name="上报").click()
        page.wait_for_function("document.getElementById('m-status').dataset.kind === 'wait'")
        context.set_offline(False)
        # The worker closes the page before it retried; opening it again sends the draft.
        page.close()
        page = context.new_page()
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.goto(f"{base}/m/grid/")
        page.wait_for_selector("#m-result:not([hidden])", timeout=30_000)
        assert cases_with_key(key) == [page.inner_text("#m-result-number")]
        own_host_only(seen, base)
        browser.close()


def test_grid_worker_verifies_on_site_with_a_photo(world, live_server):
    from playwright.sync_api import sync_playwright

    from civicgrid.cases.models import Attachment, Case

    base = live_server.url
    number = world["waiting"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context, page, seen = phone_page(browser)
        login(page, base, "gw", "/m/grid/verify/")
        card = page.locator(".m-card").first
        page.wait_for_function("document.querySelector('[data-dist]').textContent !== ''")
        assert "距您约" in card.inner_text() and "东北" in card.inner_text()
        assert card.get_by_role("link", name="在地图上查看").get_attribute("href") == \
            f"/cases/{number}/#h-map"
        no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / "mobile-grid-queue.png"), full_page=True)

        card.get_by_role("link", name="去核查").click()
        page.wait_for_url(f"**/m/grid/verify/{number}/")
        assert "已更换新井盖并加固" in page.inner_text("main")
        assert page.locator("img[alt^='处置后照片']").evaluate("img => img.naturalWidth") > 0
        page.set_input_files("#v-photos", [photo_file("now.png")])
        page.wait_for_selector("[data-preview] img")
        page.get_by_label("核查说明（不通过时必填）").fill("井盖已更换，行走正常")
        page.screenshot(path=str(SHOTS / "mobile-grid-verify.png"), full_page=True)
        page.get_by_role("button", name="核查通过").click()
        page.wait_for_url("**/m/grid/verify/")
        assert "核查通过" in page.inner_text(".alert-ok")
        assert page.locator(".m-empty").count() == 1
        case = Case.objects.get(number=number)
        assert case.state == "verified"
        shot = Attachment.objects.get(case=case, stage="verify")
        assert shot.content_type == "image/jpeg"  # shrunk on the phone before the upload
        own_host_only(seen, base)
        browser.close()


# --- the resident -------------------------------------------------------------------------------

CONTRAST = """() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0,0,0,0];
    const p = m[1].split(',').map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, below) => { const a = top[3];
    return [0,1,2].map(i => top[i] * a + below[i] * (1 - a)).concat([1]); };
  const background = el => { const layers = [];
    for (let n = el; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor);
      if (c[3] > 0) layers.push(c); if (c[3] === 1) break; }
    return layers.reverse().reduce((acc, c) => over(c, acc), [255,255,255,1]); };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || !box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    const bg = background(el), fg = over(parse(getComputedStyle(el).color), bg);
    const l1 = lum(fg), l2 = lum(bg), ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < 4.5) bad.push(el.tagName + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
  }
  return bad; }"""


def test_resident_reports_on_a_phone_and_follows_the_case(world, live_server):
    from playwright.sync_api import sync_playwright

    from civicgrid.cases.models import Case

    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context, page, seen = phone_page(browser)
        loaded = []

        def keep(request):
            loaded.append(request)

        page.on("requestfinished", keep)
        page.goto(f"{base}/m/report/")
        page.wait_for_load_state("networkidle")
        page.remove_listener("requestfinished", keep)
        sizes = [(r.url, r.sizes()["responseBodySize"]) for r in loaded]
        weight = sum(s for _u, s in sizes)
        print(f"\n/m/report/ page weight: {weight} bytes in {len(sizes)} requests:",
              *(f"{s:>7} {u.removeprefix(base)}" for u, s in sizes), sep="\n  ")
        assert weight < WEIGHT_BUDGET, sizes
        no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / "mobile-report.png"), full_page=True)

        # Accessible: every text readable (≥ 4.5:1), every field labelled, a sensible tab order.
        assert page.evaluate(CONTRAST) == []
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'form[data-report] input:not([type=hidden]), form[data-report] textarea, form[data-report] select')]
            .filter(e => !e.labels || !e.labels.length).map(e => e.name)""")
        assert unlabelled == []
        page.focus("#m-description")
        order = []
        for _ in range(6):
            page.keyboard.press("Tab")
            order.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
        assert order == ["m-photos", "使用我的当前位置", "m-address", "m-phone", "m-name", "提交"]

        page.get_by_label("问题描述").fill("楼下路灯坏了一个星期，晚上很黑")
        page.get_by_role("button", name="使用我的当前位置").click()
        page.wait_for_function("document.querySelector('input[name=lat]').value !== ''")
        page.set_input_files("#m-photos", [photo_file()])
        page.wait_for_selector("#m-photo-list img")
        page.get_by_label("手机号").fill("13700137000")
        page.screenshot(path=str(SHOTS / "mobile-report-filled.png"), full_page=True)
        page.get_by_role("button", name="提交").click()
        page.wait_for_selector("#m-result:not([hidden])")
        number = page.inner_text("#m-result-number")
        assert number in page.inner_text("#m-result-message")
        case = Case.objects.get(number=number)
        assert case.channel == "resident" and case.grid_code == GRID
        assert page.evaluate("document.activeElement.id") == "m-result"  # announced and focused
        page.screenshot(path=str(SHOTS / "mobile-report-sent.png"), full_page=True)

        page.get_by_role("link", name="查看办理进度").click()
        page.wait_for_url("**/track/case/")
        assert number in page.inner_text("h1")
        no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / "mobile-report-track.png"), full_page=True)

        # The same page in English (the header's switch), words of the script included.
        page.goto(f"{base}/m/report/")
        page.get_by_role("button", name="English").click()
        page.wait_for_url("**/m/report/")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_label("Problem description").count() == 1
        assert page.evaluate(CONTRAST) == []
        page.screenshot(path=str(SHOTS / "mobile-report-en.png"), full_page=True)
        own_host_only(seen, base)
        browser.close()
