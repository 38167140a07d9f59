"""Screenshots of the territory page on the served demo city, for the README (docs/screenshots/).

Not part of the test suite: it needs `make demo` (or `civicgrid demo load` + runserver) running.

    .venv/bin/python scripts/screenshot_territory.py --base-url http://127.0.0.1:8000

Takes: Xicheng with all 1,541 grids shown (district admin), one street's communities, one
community's grids, the whole city's 16 districts (city admin), a phone, the home and login pages. Prints how long the all-grids view took to appear and
every request that did not go to the server's own host (there must be none).
"""

from __future__ import annotations

import sys
import time

from shots import browser_pages, login, options, report, shoot

READY = "#map[data-state=ready][data-validation=done]:not([data-moving])"


def main() -> int:
    opts = options(__doc__.splitlines()[0])
    base = opts.base
    with browser_pages(opts) as new_page:
        page = new_page()
        login(page, base, "districtadmin", opts.password, "/territory/")
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
        login(city, base, "admin", opts.password, "/territory/")
        city.wait_for_selector(READY + '[data-level="district"]')
        shoot(city, opts.out / "territory-beijing.png")

        visitor = new_page()
        visitor.goto(f"{base}/")
        shoot(visitor, opts.out / "home.png")
        visitor.goto(f"{base}/accounts/login/")
        shoot(visitor, opts.out / "login.png")

        phone = new_page(390, 844)
        login(phone, base, "dispatcher", opts.password, "/territory/")
        phone.wait_for_selector(READY)
        phone.locator("#children .node").first.click()
        phone.wait_for_selector(READY + '[data-parent="110102"]')
        shoot(phone, opts.out / "territory-phone.png", full_page=True)
    return report(opts, new_page)


if __name__ == "__main__":
    sys.exit(main())
