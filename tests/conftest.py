"""Shared fixtures: the bundled sample dataset, loaded once per session."""

import numpy as np
import pandas as pd
import pytest

from helpers.data import load_dataset


@pytest.fixture(scope="session")
def sample():
    """The bundled illustrative sample."""
    return load_dataset()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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


def combine_janfeb(levels: pd.Series, years) -> pd.Series:
    """GAC style: January NaN, February = Jan+Feb, for `years`."""
    out = levels.copy()
    for year in years:
        jan, feb = pd.Period(f"{year}-01", "M"), pd.Period(f"{year}-02", "M")
        out[feb] += out[jan]
        out[jan] = np.nan
    return out


def pytest_configure(config):
    """Keep the X-13 output cache (helpers.cache) of a test run out of the user's home."""
    import os
    import tempfile

    if "CTK_CACHE_DIR" not in os.environ:
        os.environ["CTK_CACHE_DIR"] = tempfile.mkdtemp(prefix="ctk-test-cache-")
