"""What the screenshot scripts share: options, Debian's chromium launched as the tests launch
it, pages that record every request to another host, login and a clean screenshot."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def options(description: str) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--base-url", default="http://127.0.0.1:8000")
    ap.add_argument("--password", default="civicgrid-demo")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    opts = ap.parse_args()
    opts.base = opts.base_url.rstrip("/")
    opts.out.mkdir(parents=True, exist_ok=True)
    return opts


@contextlib.contextmanager
def browser_pages(opts):
    """Yields new_page(width, height); new_page.foreign lists requests to any other host."""
    foreign: list[str] = []
    own = urlsplit(opts.base).netloc
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=opts.chromium, args=ARGS)

        def new_page(width=1366, height=768):
            page = browser.new_context(viewport={"width": width, "height": height},
                                       locale="zh-CN").new_page()
            page.set_default_timeout(60_000)
            page.on("request", lambda r: urlsplit(r.url).netloc != own
                    and urlsplit(r.url).scheme not in ("data", "blob") and foreign.append(r.url))
            return page

        new_page.foreign = foreign
        try:
            yield new_page
        finally:
            browser.close()


def report(opts, new_page) -> int:
    print("screenshots in", opts.out)
    if new_page.foreign:
        print("requests to other hosts:", *new_page.foreign, sep="\n  ")
        return 1
    return 0


def login(page, base: str, username: str, password: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_url}**")


def shoot(page, path: Path, **kw) -> None:
    page.mouse.move(5, 5)  # off the map and the list: no hover highlight in the picture
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), **kw)
