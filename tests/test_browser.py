"""The built report in headless Chromium: no console errors, no failed or remote requests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import CHROMIUM, open_page
from helpers.report.runner import run_report

STANDINS = Path(__file__).resolve().parent / "fixtures" / "notebooks"

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
