"""One case's whole life, played in a real browser (Debian's chromium through Playwright) by the
people who live it, each on their own page:

resident reports on the phone page → the dispatcher registers and dispatches on the case page →
the department accepts and reports back with a photo on its workbench → the grid worker verifies
on site with a photo on the phone → the dispatcher closes it on the workbench → the resident
rates it on the tracking page → the command centre's figures and the department's ranking row
have moved. Screenshots of every step: var/screenshots/story-*.png (look at them)."""

from __future__ import annotations

import pytest

from tests.factories import STREET_W, XICHENG, Role, make_department, make_user
from tests.web.test_browser_command import figure, open_page
from tests.web.test_browser_territory import ARGS, CHROMIUM, SHOTS, pytestmark  # noqa: F401
from tests.web.test_mobile_browser import (
    login,
    own_host_only,
    phone_page,
    photo_file,
)

GRID = f"{STREET_W}001001"
PHONE = "13700137000"
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def city(transactional_db, territory, settings, tmp_path, monkeypatch):
    """The catalogue, one department, the street's dispatcher and commander, the department's
    handler and the grid's worker — made before the browser starts."""
    from civicgrid.dispatch.catalogue import catalogue_load_default
    from civicgrid.territory.models import Force, GridAssignment, GridWorker

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the test reads the DB in between
    settings.MEDIA_ROOT = tmp_path
    catalogue_load_default()
    dept = make_department()
    make_user(Role.STREET_DISPATCHER, STREET_W, username="xc-street")
    make_user(Role.STREET_COMMANDER, STREET_W, username="xc-commander")
    make_user(Role.DEPARTMENT_HANDLER, username="cgzf", department=dept)
    worker = make_user(Role.GRID_WORKER, GRID, username="gw")
    gw = GridWorker.objects.create(name="王芳", force=Force.BASIC, street_id=STREET_W,
                                   district_id=XICHENG, user=worker)
    GridAssignment.objects.create(worker=gw, grid_id=GRID)
    return {"department": dept}


def ranking_row(page, base: str, name: str) -> str:
    page.goto(f"{base}/evaluation/?kind=department&period=month")
    row = page.locator("tr", has_text=name)
    return row.first.inner_text() if row.count() else ""


def test_a_case_from_report_to_rating(city, live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    from civicgrid.cases.models import Attachment, Case

    base = live_server.url
    dept = city["department"]
    after = tmp_path / "修复后.png"
    after.write_bytes(photo_file()["buffer"])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        seen_all = []

        # The command centre and the department's ranking row before anything happens.
        wall, seen = open_page(browser, base, "xc-commander", "/command/", DESKTOP)
        seen_all.append(seen)
        received0, closed0 = int(figure(wall, "received")), int(figure(wall, "closed"))
        row0 = ranking_row(wall, base, dept.name)

        # 1. A resident reports on the phone, with a photo and the phone's position.
        context, phone, seen = phone_page(browser)
        seen_all.append(seen)
        phone.goto(f"{base}/m/report/")
        phone.get_by_label("问题描述").fill("楼下路灯坏了一个星期，晚上很黑，老人出门不安全")
        phone.get_by_role("button", name="使用我的当前位置").click()
        phone.wait_for_function("document.querySelector('input[name=lat]').value !== ''")
        phone.set_input_files("#m-photos", [photo_file()])
        phone.wait_for_selector("#m-photo-list img")
        phone.get_by_label("手机号").fill(PHONE)
        phone.get_by_role("button", name="提交").click()
        phone.wait_for_selector("#m-result:not([hidden])")
        number = phone.inner_text("#m-result-number")
        phone.screenshot(path=str(SHOTS / "story-1-resident-reported.png"), full_page=True)
        case = Case.objects.get(number=number)
        assert (case.state, case.grid_code, case.channel) == ("reported", GRID, "resident")

        # 2. The dispatcher registers it (the suggested category confirmed) and dispatches it.
        desk, seen = open_page(browser, base, "xc-street", f"/cases/{number}/", DESKTOP)
        seen_all.append(seen)
        register = desk.locator("form.act-form[data-action=register]")
        assert register.locator("select[name=category]").input_value() != ""
        register.get_by_role("button", name="立案").click()
        desk.wait_for_selector(".alert-ok")
        dispatch = desk.locator("form.act-form[data-action=dispatch]")
        dispatch.locator("select[name=department]").select_option(str(dept.pk))
        dispatch.get_by_role("button", name="派遣").click()
        desk.wait_for_selector(".alert-ok")
        desk.screenshot(path=str(SHOTS / "story-2-dispatched.png"), full_page=True)
        case.refresh_from_db()
        assert (case.state, case.unit_department_id) == ("dispatched", dept.pk)

        # 3. The department accepts it and reports back with a photo, on its workbench.
        bench, seen = open_page(browser, base, "cgzf", "/workbench/department/", DESKTOP)
        seen_all.append(seen)
        bench.locator(f'tr[data-number="{number}"]').get_by_role(
            "button", name="签收", exact=True).click()
        bench.wait_for_selector(".alert-ok")
        row = bench.locator(f'section[aria-labelledby=h-handling] tr[data-number="{number}"]')
        row.locator("input[name=note]").fill("已更换灯泡，路灯恢复照明")
        row.locator("input[type=file]").set_input_files(str(after))
        row.locator("button", has_text="反馈办结").click()
        bench.wait_for_selector(".alert-ok")
        bench.screenshot(path=str(SHOTS / "story-3-reported-back.png"), full_page=True)
        case.refresh_from_db()
        assert case.state == "reported_back"

        # 4. The grid worker verifies on site, with a photo, on the phone.
        gw_context, gw, seen = phone_page(browser)
        seen_all.append(seen)
        login(gw, base, "gw", f"/m/grid/verify/{number}/")
        assert "已更换灯泡" in gw.inner_text("main")
        gw.set_input_files("#v-photos", [photo_file("现场.png")])
        gw.wait_for_selector("[data-preview] img")
        gw.get_by_role("button", name="核查通过").click()
        gw.wait_for_url("**/m/grid/verify/")
        gw.screenshot(path=str(SHOTS / "story-4-verified.png"), full_page=True)
        case.refresh_from_db()
        assert case.state == "verified"

        # 5. The dispatcher closes it from the workbench.
        desk.goto(f"{base}/workbench/dispatch/")
        desk.locator(f'tr[data-number="{number}"]').get_by_role(
            "button", name="结案", exact=True).click()
        desk.wait_for_selector(".alert-ok")
        assert f"案件 {number} 已结案" in desk.inner_text(".alert-ok")

        # 6. The resident looks the case up with number + phone and rates it.
        phone.goto(f"{base}/track/")
        phone.get_by_label("案件编号").fill(number)
        phone.get_by_label("手机号").fill(PHONE)
        phone.locator("form button[type=submit]").first.click()
        phone.wait_for_url("**/track/case/")
        phone.locator("input[name=rating][value=satisfied]").check()
        phone.locator("input[name=solved][value=yes]").check()
        phone.locator("form[action$='/track/rate/'] button[type=submit]").click()
        phone.wait_for_url("**/track/case/?rated=1")
        assert "感谢您的评价" in phone.inner_text("main")
        phone.screenshot(path=str(SHOTS / "story-6-rated.png"), full_page=True)
        case.refresh_from_db()
        assert (case.state, case.rating, case.solved) == ("closed", "satisfied", True)
        stages = set(Attachment.objects.filter(case=case).values_list("stage", flat=True))
        assert stages == {"report", "after", "verify"}
        actions = list(case.events.values_list("action", flat=True))
        assert actions == ["report", "register", "dispatch", "accept", "report_back",
                           "verify_pass", "close", "rate"]

        # 7. The command centre and the rankings have moved.
        wall.goto(f"{base}/command/")
        assert int(figure(wall, "received")) == received0 + 1
        assert int(figure(wall, "closed")) == closed0 + 1
        wall.screenshot(path=str(SHOTS / "story-7-command-centre.png"))
        row1 = ranking_row(wall, base, dept.name)
        assert row1 != row0 and dept.name in row1 and "100" in row1
        wall.screenshot(path=str(SHOTS / "story-7-rankings.png"), full_page=True)
        for seen in seen_all:
            own_host_only(seen, base)
        browser.close()
