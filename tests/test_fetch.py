"""`python -m helpers fetch gac`: a real HTTP server on 127.0.0.1 serves index and pages."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from gac_server import Site, serve, shared_site

from helpers.ingest import fetch, store
from helpers.paths import SHARED_DIR

FIXTURES = Path(__file__).parent / "fixtures"
INDEX = FIXTURES / "fetch" / "preliminary_2024.html"
JULY_BY_COUNTRY = FIXTURES / "gac" / "by_country_2024-07_USD.html"
JUNE_EXPORTS = FIXTURES / "gac" / "major_exports_2024-06_CNY.html"
GAC = SHARED_DIR / "fixtures" / "gac"
GUID = "/Statics/0c1e7a52-4b7e-4f8e-9d3a-1a2b3c4d5e0{}.html"


def own_site() -> Site:
    site = Site()
    site.add("/statics/report/preliminary.html", INDEX.read_bytes())
    site.add(GUID.format(1), JULY_BY_COUNTRY.read_bytes())
    site.add(GUID.format(2), JUNE_EXPORTS.read_bytes())
    site.add(GUID.format(3), b"<html><script>challenge()</script></html>", status=412)
    site.add(GUID.format(4), b"\x89PNG\r\n", ctype="image/png")
    return site


def test_parse_index_reads_unquoted_guid_links():
    year, links = fetch.parse_index(INDEX.read_text())
    assert year == 2024
    found = {(x.section, x.currency, str(x.period)): x.address for x in links}
    assert found == {
        (4, "USD", "2024-07"): "http://english.customs.gov.cn" + GUID.format(1),
        (5, "CNY", "2024-06"): "http://english.customs.gov.cn" + GUID.format(2),
        (5, "CNY", "2024-07"): "http://english.customs.gov.cn" + GUID.format(3),
        (6, "USD", "2024-06"): "http://english.customs.gov.cn" + GUID.format(4),
    }
    assert fetch.rebase(found[(4, "USD", "2024-07")], "http://127.0.0.1:9") == (
        "http://127.0.0.1:9" + GUID.format(1))


def test_fetch_keeps_pages_skips_non_tables_and_imports(tmp_path, capsys):
    site = own_site()
    with serve(site) as base:
        code = fetch.main(["gac", "--period", "2024-07", "--back", "1", "--store", str(tmp_path),
                           "--base-url", base, "--user-agent", "kit-test/1"], min_delay=0.0)
    out = capsys.readouterr().out
    assert code == 0, out
    # 1 index + 4 linked pages; section (1) has no links: reported missing, never guessed
    assert len(site.requests) == 5 and {ua for _, ua in site.requests} == {"kit-test/1"}
    assert "(1) USD 2024-07: missing - not linked from the index" in out
    assert "(5) CNY 2024-07: skipped - HTTP 412" in out
    assert "(6) USD 2024-06: skipped - a image/png response" in out
    assert out.count("[") >= 16  # a progress line per page: 2 months x 4 sections x 2 currencies
    raw = tmp_path / "raw"
    kept = {p.name for p in raw.glob("*.html")}
    expected = {hashlib.sha256(p.read_bytes()).hexdigest() + ".html"
                for p in (JULY_BY_COUNTRY, JUNE_EXPORTS)}
    assert kept == expected
    log = fetch.read_log(tmp_path)
    assert log[["section", "currency", "period"]].values.tolist() == [
        ["5", "CNY", "2024-06"], ["4", "USD", "2024-07"]]
    assert log["url"].str.startswith(base).all() and (log["status"] == "200").all()
    assert log["address"].str.startswith("http://english.customs.gov.cn/Statics/").all()
    # imported: the by-country page's July exports (USD 1 million on the page)
    month = store.load(tmp_path)
    jul = month[(month["period"] == pd.Period("2024-07", "M")) & (month["partner"] == "WORLD")
                & (month["flow"] == "export") & (month["product"] == "TOTAL")]
    assert len(jul) == 1

    # a second fetch, even from another host (port), downloads nothing again: pages are known
    # by the address the index gives; the log stays append-only and the store unchanged
    before = (tmp_path / "store.parquet").read_bytes()
    site.requests.clear()
    with serve(site) as base2:
        again = fetch.main(["gac", "--period", "2024-07", "--back", "1", "--store", str(tmp_path),
                            "--base-url", base2], min_delay=0.0)
    assert again == 0 and len(fetch.read_log(tmp_path)) == 2
    assert "2 already held" in capsys.readouterr().out
    assert {p.name for p in raw.glob("*.html")} == expected
    assert (tmp_path / "store.parquet").read_bytes() == before


def test_pages_already_held_are_not_downloaded_again(tmp_path):
    site = own_site()
    with serve(site) as base:
        first = fetch.fetch_gac("2024-07", tmp_path, back=1, base_url=base,
                                fetcher=fetch.Fetcher(delay=0.0), progress=lambda _: None)
        site.requests.clear()
        second = fetch.fetch_gac("2024-07", tmp_path, back=1, base_url=base,
                                 fetcher=fetch.Fetcher(delay=0.0), progress=lambda _: None)
    assert len(first.downloaded) == 2 and second.downloaded == []
    assert len(second.held) == 2
    # only the index and the two non-table pages are asked for again
    assert sorted(p for p, _ in site.requests) == sorted(
        ["/statics/report/preliminary.html", GUID.format(3), GUID.format(4)])


def test_retries_with_backoff_then_reports(tmp_path):
    site = Site()
    site.add("/statics/report/preliminary.html", b"busy", status=503)
    with serve(site) as base:
        fetcher = fetch.Fetcher(delay=0.01, retries=2, backoff=2.0)
        report = fetch.fetch_gac("2024-07", tmp_path, back=0, base_url=base, fetcher=fetcher,
                                 progress=lambda _: None)
    assert len(site.requests) == 3  # one try and two retries
    assert "HTTP 503 after 2 retries" in report.skipped[0]
    assert all("no index page for 2024" in m.reason for m in report.missing)


def test_delay_between_requests(tmp_path):
    import time

    site = own_site()
    with serve(site) as base:
        start = time.monotonic()
        report = fetch.fetch_gac("2024-07", tmp_path, back=1, base_url=base,
                                 fetcher=fetch.Fetcher(delay=0.2), progress=lambda _: None)
        elapsed = time.monotonic() - start
    assert report.requests == 5 and elapsed >= 0.2 * 4


def test_cli_usage_errors(capsys, tmp_path):
    assert fetch.main(["gac", "--period", "2024-13", "--store", str(tmp_path)]) == 2
    assert fetch.main(["gac", "--period", "2024-07", "--currency", "EUR",
                       "--store", str(tmp_path)]) == 2
    assert "is not a month" in capsys.readouterr().err


@pytest.mark.skipif(not GAC.is_dir(), reason="../shared/fixtures/gac not present")
def test_fetch_the_shared_pages(tmp_path, capsys):
    site, served = shared_site(GAC)
    with serve(site) as base:
        code = fetch.main(["gac", "--period", "2026-06", "--back", "4", "--store", str(tmp_path),
                           "--base-url", base], min_delay=0.0)
    out = capsys.readouterr().out
    wanted = {k: v for k, v in served.items() if k[2] >= pd.Period("2026-02", "M")}
    assert len(wanted) == 7
    log = fetch.read_log(tmp_path)
    assert len(log) == len(wanted)
    for (section, currency, period), path in wanted.items():
        row = log[(log["section"] == str(section)) & (log["currency"] == currency)
                  & (log["period"] == str(period))].iloc[0]
        assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # the other linked pages exist on GAC's site but not in ../shared: reported, not guessed
    assert "(1) USD 2026-06: missing - HTTP 404 at http://127.0.0.1:" in out
    assert "missing (4) CNY 2026-06: HTTP 404 at " in out  # listed again in the summary
    assert f"{len(wanted)} page(s) downloaded" in out
    assert f"{len(wanted)} imported, 0 rejected" in out and code == 0
    ytd = store.load(tmp_path, table="ytd")
    ic = ytd[(ytd["product"] == "integrated_circuits") & (ytd["flow"] == "export")
             & (ytd["currency"] == "USD") & (ytd["measure"] == "level")
             & (ytd["period"] == pd.Period("2026-06", "M"))].iloc[0]
    assert ic["value"] == pytest.approx(177281.6e6) and ic["quantity"] == pytest.approx(1794.4e8)
