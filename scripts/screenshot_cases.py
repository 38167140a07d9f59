"""Screenshots of the case pages on the served demo with its generated cases, for the README
(docs/screenshots/cases-*.png).

Not part of the test suite: it needs the demo running with cases loaded (`make demo`, or
`civicgrid demo load` + `civicgrid cases generate --n 20000 --months 3` + runserver).

    .venv/bin/python scripts/screenshot_cases.py --base-url http://127.0.0.1:8000

Takes: the district's case map (district admin), the list filtered to overdue cases, a case
page, the street dispatcher's list on a phone, and a resident tracking and rating a closed case
on a phone (the number and phone are read from a closed case's page as the dispatcher, who may
see reporters' phones). Prints how long the pages took and every request that did not go to
the server's own host (there must be none).
"""

from __future__ import annotations

import sys
import time

from shots import browser_pages, login, options, report, shoot

MAP_READY = "#cases-map[data-state=ready]"


def timed(label: str, fn):
    started = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - started:.2f} s")
    return result


def main() -> int:
    opts = options(__doc__.splitlines()[0])
    base = opts.base
    with browser_pages(opts) as new_page:
        page = new_page()
        login(page, base, "districtadmin", opts.password, "/cases/map/")
        timed("case map", lambda: page.wait_for_selector(MAP_READY))
        print("  points:", page.get_attribute("#cases-map", "data-points"), "of",
              page.get_attribute("#cases-map", "data-total"))
        shoot(page, opts.out / "cases-map.png")

        timed("list, overdue", lambda: page.goto(f"{base}/cases/?level=red"))
        shoot(page, opts.out / "cases-list.png")
        timed("list, all", lambda: page.goto(f"{base}/cases/"))
        page.locator("a.case-number").first.click()
        page.wait_for_selector("#case-map[data-state=ready]")
        shoot(page, opts.out / "cases-detail.png", full_page=True)

        # The dispatcher, on a phone: the list, then a closed case's number and phone.
        phone = new_page(390, 844)
        login(phone, base, "dispatcher", opts.password, "/cases/")
        shoot(phone, opts.out / "cases-phone-list.png")
        # A hotline case: its caller left a phone (patrol and video cases have no reporter).
        phone.goto(f"{base}/cases/?state=closed&channel=hotline&sort=new")
        phone.locator("a.case-number").first.click()
        number = phone.inner_text("h1 .case-number").strip()
        reporter_phone = phone.locator(".reporters .phone").first.inner_text().strip()

        resident = new_page(390, 844)
        resident.goto(f"{base}/track/")
        resident.get_by_label("案件编号").fill(number)
        resident.get_by_label("手机号").fill(reporter_phone)
        resident.get_by_role("button", name="查询").click()
        resident.wait_for_url("**/track/case/")
        shoot(resident, opts.out / "cases-track.png", full_page=True)
    return report(opts, new_page)


if __name__ == "__main__":
    sys.exit(main())
