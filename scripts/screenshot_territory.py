"""Screenshots of the territory page on the served demo city, for the README (docs/screenshots/).

Not part of the test suite: it needs `make demo` (or `civicgrid demo load` + runserver) running.

    .venv/bin/python scripts/screenshot_territory.py --base-url http://127.0.0.1:8000

Takes: Xicheng with all 1,541 grids shown (district admin), one street's communities, one
community's grids, the whole city's 16 districts (city admin), a phone, the home and login pages. Prints how long the all-grids view took to appear and
every request that did not go to the server's own host (there must be none).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
READY = "#map[data-state=ready][data-validation=done]:not([data-moving])"


def shoot(page, path: Path, **kw) -> None:
    page.mouse.move(5, 5)  # off the map and the list: no hover highlight in the picture
    page.wait_for_timeout(200)
    page.screenshot(path=str(path), **kw)


def login(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/territory/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/territory/**")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", default="http://127.0.0.1:8000")
    ap.add_argument("--password", default="civicgrid-demo")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    opts = ap.parse_args()
    base = opts.base_url.rstrip("/")
    opts.out.mkdir(parents=True, exist_ok=True)
    foreign: list[str] = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=opts.chromium, args=ARGS)

        def new_page(width=1366, height=768):
            page = browser.new_context(viewport={"width": width, "height": height},
                                       locale="zh-CN").new_page()
            page.set_default_timeout(60_000)
            page.on("request", lambda r: urlsplit(r.url).netloc != urlsplit(base).netloc
                    and urlsplit(r.url).scheme not in ("data", "blob") and foreign.append(r.url))
            return page

        page = new_page()
        login(page, base, "districtadmin", opts.password)
        page.wait_for_selector(READY)
        page.locator("#children .node").first.click()  # 西城区
        page.wait_for_selector(READY + '[data-parent="110102"]')
        started = time.perf_counter()
        page.check("#all-grids")
        page.wait_for_selector('#map[data-grids]:not([data-moving])')
        shown = page.get_attribute("#map", "data-grids")
        print(f"Xicheng: {shown} grids drawn in {time.perf_counter() - started:.2f} s")
        shoot(page, opts.out / "territory-xicheng.png")

        page.uncheck("#all-grids")
        page.locator("#children .node", has_text="月坛街道").click()
        page.wait_for_selector(READY + '[data-parent="110102007"]')
        shoot(page, opts.out / "territory-street.png")

        page.locator("#children .node").first.click()
        page.wait_for_selector(READY + '[data-level="grid"]')
        shoot(page, opts.out / "territory-community.png")

        city = new_page()
        login(city, base, "admin", opts.password)
        city.wait_for_selector(READY + '[data-level="district"]')
        shoot(city, opts.out / "territory-beijing.png")

        visitor = new_page()
        visitor.goto(f"{base}/")
        shoot(visitor, opts.out / "home.png")
        visitor.goto(f"{base}/accounts/login/")
        shoot(visitor, opts.out / "login.png")

        phone = new_page(390, 844)
        login(phone, base, "dispatcher", opts.password)
        phone.wait_for_selector(READY)
        phone.locator("#children .node").first.click()
        phone.wait_for_selector(READY + '[data-parent="110102"]')
        shoot(phone, opts.out / "territory-phone.png", full_page=True)
        browser.close()

    print("screenshots in", opts.out)
    if foreign:
        print("requests to other hosts:", *foreign, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
