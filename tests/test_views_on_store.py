"""The views on a store built only from imported GAC pages (our own made-up pages)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.ingest import importer
from helpers.report.runner import run_report

NBSP = "&nbsp;"
# label, indent, exports and imports in July 2024 and July 2025 (USD million, made up)
ROWS = [
    ("Total", 0, 300_000.0, 200_000.0, 321_000.0, 204_000.0),
    ("European Union", 2, 45_000.0, 25_000.0, 49_500.0, 26_000.0),
    ("of which: Germany", 7, 10_000.0, 8_000.0, 10_500.0, 8_100.0),
    ("United States (US)", 2, 50_000.0, 14_000.0, 40_000.0, 12_000.0),
    ("ASEAN", 2, 48_000.0, 33_000.0, 55_200.0, 34_000.0),
    ("Japan", 2, 13_000.0, 13_500.0, 13_260.0, 13_000.0),
]


def _cell(text: str) -> str:
    return f'<td align="right"><span>{text}{NBSP}</span></td>'


def by_country_page(year: int, exports: dict, imports: dict, printed: dict) -> str:
    """A section (4) USD page for July of `year` in GAC's layout (YTD = 7 x the month)."""
    title = f"(4) China's Total Export &amp; Import Values by Country/Region, July {year} (in USD)"
    yoy_head = '<td colspan="3"><span><b>1-to-7 Total Year-on-Year (±%)</b></span></td>'
    head = "".join(f"<td><span><b>{t}</b></span></td>" for t in [
        "Import Source", "Export &amp; Import", "Export &amp; Import", "Export", "Export",
        "Import", "Import"]) + yoy_head  # fmt: skip
    sub = "".join(f"<td><span><b>{t}</b></span></td>" for t in [
        "Export Destination", "7", "1- to-7", "7", "1- to-7", "7", "1- to-7",
        "Export &amp; Import", "Export", "Import"])  # fmt: skip
    body = []
    for label, indent, *_ in ROWS:
        x, m = exports[label], imports[label]
        values = [x + m, 7 * (x + m), x, 7 * x, m, 7 * m]
        yoy = [_cell(f"{p:.1f}") for p in printed[label]]
        cells = "".join(_cell(f"{v:,.1f}") for v in values) + "".join(yoy)
        body.append(f"<tr><td><span>{NBSP * indent}{label}</span></td>{cells}</tr>")
    return (
        f"<html><head><meta charset='UTF-8'><title>{title}</title></head><body>"
        f"<div class='atcl-date'>{year}/08/07</div><table><tbody>"
        f"<tr><td colspan='10'><span><b>{title}</b></span></td></tr>"
        "<tr><td colspan='10' align='right'>Unit: USD1 Million</td></tr>"
        f"<tr>{head}</tr><tr>{sub}</tr>{''.join(body)}</tbody></table></body></html>"
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store holding only two imported by-country pages (July 2024 and July 2025)."""
    folder = tmp_path_factory.mktemp("imported")
    pages = []
    for year, (xi, mi) in ((2024, (2, 3)), (2025, (4, 5))):
        exports = {r[0]: r[xi] for r in ROWS}
        imports = {r[0]: r[mi] for r in ROWS}
        # printed YTD y/y (total trade, exports, imports): 2025's agree with the levels
        # (YTD = 7 x July in both years), 2024's are arbitrary
        printed = {
            r[0]: [100 * ((r[4] + r[5]) / (r[2] + r[3]) - 1), 100 * (r[4] / r[2] - 1),
                   100 * (r[5] / r[3] - 1)] if year == 2025 else [1.0, 1.0, 1.0]
            for r in ROWS
        }  # fmt: skip
        page = folder / f"by_country_{year}-07_USD.html"
        page.write_text(by_country_page(year, exports, imports, printed), encoding="utf-8")
        pages.append(str(page))
    store_dir = folder / "store"
    assert importer.main(["gac", *pages, "--store", str(store_dir)]) == 0
    return store_dir


@pytest.mark.slow
def test_views_run_on_an_imported_store(store, tmp_path):
    report = run_report("2025-07", data=store, out=tmp_path, progress=None)
    figures = pd.read_csv(report / "figures.csv", dtype={"period": str})
    value = figures.set_index(["metric", "flow", "dimension", "item", "period"])["value"]
    # exports 300,000 -> 321,000: +7.0%; imports 200,000 -> 204,000: +2.0%
    assert value["yoy", "export", "total", "total", "2025-07"] == 7.0
    assert value["yoy", "import", "total", "total", "2025-07"] == 2.0
    # balance 321,000 - 204,000 = 117,000 USD mn = 117.0 bn; a year earlier 100.0 bn
    assert value["balance", "net", "total", "total", "2025-07"] == 117.0
    assert value["balance_change_yoy", "net", "total", "total", "2025-07"] == 17.0
    # contributions: US -10,000/300,000 = -3.3 pp, EU +1.5, ASEAN +2.4, Japan +0.1, rest +6.3
    assert value["contribution", "export", "partner", "united_states", "2025-07"] == -3.3
    assert value["contribution", "export", "partner", "european_union", "2025-07"] == 1.5
    assert value["contribution", "export", "partner", "asean", "2025-07"] == 2.4
    assert value["contribution", "export", "partner", "other", "2025-07"] == 6.3
    assert value["yoy", "export", "partner", "germany", "2025-07"] == 5.0
    # GAC's printed YTD y/y travels with the figures: exports 7.0, US 40/50 - 1 = -20.0; the
    # headline has no Jan-Jul months to sum, so its YTD y/y is GAC's printed one
    basis = figures.set_index(["metric", "flow", "dimension", "item", "period"])["basis"]
    assert value["ytd_yoy", "export", "total", "total", "2025-07"] == 7.0
    assert basis["ytd_yoy", "export", "total", "total", "2025-07"] == "printed"
    assert value["ytd_yoy", "export", "partner", "united_states", "2025-07"] == -20.0
    headline = (report / "headline.html").read_text(encoding="utf-8")
    assert "No export consensus in the data" in headline
    assert "Illustrative sample data" not in headline
    product = (report / "product.html").read_text(encoding="utf-8")
    assert "hold no export lines by product in USD for July 2025" in product
    outlook = (report / "outlook.html").read_text(encoding="utf-8")
    assert "need at least 48" in outlook
