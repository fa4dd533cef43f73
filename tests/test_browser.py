"""The built report in headless Chromium: no console errors, no failed or remote requests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.runner import run_report

CHROMIUM = "/usr/bin/chromium"
STANDINS = Path(__file__).resolve().parent / "fixtures" / "notebooks"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} not installed"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A report of two stand-in views built into a temporary folder."""
    out = tmp_path_factory.mktemp("reports")
    return run_report(
        "2025-09", views="headline,product", out=out, notebooks_dir=STANDINS, progress=None
    )


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser, url: str):
    """Load url; return the page and the console errors, failed and non-local requests seen."""
    page = browser.new_page()
    seen = {"errors": [], "failed": [], "remote": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    page.on(
        "request",
        lambda r: not r.url.startswith(("file:", "data:")) and seen["remote"].append(r.url),
    )
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, seen


def test_index_page(browser, built):
    page, seen = open_page(browser, (built / "index.html").as_uri())
    assert seen == {"errors": [], "failed": [], "remote": []}
    assert page.title() == "China trade — September 2025"
    assert page.locator(".kpi .value").all_inner_texts() == ["+8.3%", "+7.4%", "USD 90.5 bn"]
    assert page.locator(".banner").is_visible()
    page.click("text=Product")
    assert page.url.endswith("/product.html")
    page.close()


def test_view_page_charts_render(browser, built):
    page, seen = open_page(browser, (built / "headline.html").as_uri())
    assert seen == {"errors": [], "failed": [], "remote": []}
    sizes = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])"
    )
    assert sizes and all(ok and w > 0 and h > 0 for ok, w, h in sizes)
    assert page.locator("text=Headline (stand-in)").is_visible()
    assert page.locator(".jp-InputArea-editor").count() == 0
    page.close()
