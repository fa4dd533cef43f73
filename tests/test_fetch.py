"""`python -m helpers fetch gac`: a real HTTP server on 127.0.0.1 serves index and pages.

No test needs the internet: addresses are 127.0.0.1 (a served port, or a bound port nobody
listens on: connection refused) and name resolution is replaced for the one test of it. CLI runs
pass --delay 0 with min_delay=0.0 (no polite pause between local requests).
"""

from __future__ import annotations

import hashlib
import socket
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from gac_server import SHARED_INDEXES, Answer, Site, fixture_files, serve, shared_site

from helpers.ingest import fetch, store
from helpers.paths import SHARED_DIR
from helpers.report import runner

FIXTURES = Path(__file__).parent / "fixtures"
INDEX = FIXTURES / "fetch" / "preliminary_2024.html"
JULY_BY_COUNTRY = FIXTURES / "gac" / "by_country_2024-07_USD.html"
JUNE_EXPORTS = FIXTURES / "gac" / "major_exports_2024-06_CNY.html"
GAC = SHARED_DIR / "fixtures" / "gac"
GUID = "/Statics/0c1e7a52-4b7e-4f8e-9d3a-1a2b3c4d5e0{}.html"
INDEX_PATH = "/statics/report/preliminary.html"
FAST = ["--delay", "0"]  # with main(..., min_delay=0.0): no pause between local requests


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
                           "--base-url", base, "--user-agent", "kit-test/1", *FAST],
                          min_delay=0.0)
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
                            "--base-url", base2, *FAST], min_delay=0.0)
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


def test_retries_with_backoff_then_stops_at_the_index(tmp_path):
    site = Site()
    site.add(INDEX_PATH, b"busy", status=503)
    dest = tmp_path / "store"
    with serve(site) as base:
        fetcher = fetch.Fetcher(delay=0.01, retries=2, backoff=0.1)
        with pytest.raises(fetch.SiteUnreachable) as caught:
            fetch.fetch_gac("2024-07", dest, back=0, base_url=base, fetcher=fetcher,
                            progress=lambda _: None)
    assert str(caught.value) == f"cannot reach {base}{INDEX_PATH}: HTTP 503 after 2 retries"
    assert len(site.requests) == 3 and fetcher.requests == 3  # one try and two retries
    # urllib3's backoff: retry 1 waits the delay (0.01 s), retry 2 waits 0.1 * 2**1 = 0.2 s
    first, second = (b - a for a, b in zip(site.times, site.times[1:], strict=False))
    assert first >= 0.01 and second >= 0.2
    assert not dest.exists()  # nothing fetched: no store folder


@contextmanager
def refused_port():
    """A port on 127.0.0.1 that is bound but not listening: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def run_cli(base: str, dest: Path, *extra: str) -> int:
    return fetch.main(["gac", "--period", "2026-06", "--store", str(dest), "--base-url", base,
                       *FAST, *extra], min_delay=0.0)  # fmt: skip


@pytest.mark.parametrize(("retries", "after"), [("0", ""), ("2", " after 2 retries")])
def test_site_down_one_line_naming_address_and_cause(tmp_path, capsys, retries, after):
    dest = tmp_path / "store"
    with refused_port() as port:
        code = run_cli(f"http://127.0.0.1:{port}", dest, "--retries", retries)
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err == (f"error: cannot reach http://127.0.0.1:{port}{INDEX_PATH}: "
                   f"connection refused{after}\n")  # fmt: skip
    assert not dest.exists()


def test_timeout_names_the_seconds(tmp_path, capsys):
    site = Site()
    site.add(INDEX_PATH, INDEX.read_bytes(), delay=2.0)  # answers after 2 s; we wait 0.5 s
    dest = tmp_path / "store"
    with serve(site) as base:
        start = time.monotonic()
        code = run_cli(base, dest, "--timeout", "0.5", "--retries", "0")
        elapsed = time.monotonic() - start
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err == f"error: cannot reach {base}{INDEX_PATH}: no answer within 0.5 s (time-out)\n"
    assert len(site.requests) == 1 and 0.5 <= elapsed < 1.5
    assert not dest.exists()


def test_name_not_resolved(tmp_path, capsys, monkeypatch):
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "gac.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    dest = tmp_path / "store"
    code = run_cli("http://gac.invalid", dest, "--retries", "0")
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == f"error: cannot reach http://gac.invalid{INDEX_PATH}: name not resolved\n"
    assert not dest.exists()


@pytest.mark.parametrize(("answer", "cause"), [
    (Answer(404, b"<html>Not found</html>"), "HTTP 404"),
    (Answer(412, b"<html><script>challenge()</script></html>"),
     "HTTP 412 (the site's JavaScript challenge): not data"),
])  # fmt: skip
def test_index_error_status_stops_with_one_line(tmp_path, capsys, answer, cause):
    site = Site()
    site.pages[INDEX_PATH] = [answer]
    site.add(GUID.format(1), JULY_BY_COUNTRY.read_bytes())
    dest = tmp_path / "store"
    with serve(site) as base:
        code = run_cli(base, dest)
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == f"error: cannot read the index {base}{INDEX_PATH}: {cause}\n"
    assert [path for path, _ in site.requests] == [INDEX_PATH]  # nothing asked after the index
    assert not dest.exists()


def test_503_with_retry_after_is_honoured_then_success(tmp_path):
    site = own_site()
    site.add_first(INDEX_PATH, Answer(503, b"busy", headers={"Retry-After": "1"}))
    # backoff 0 and delay 0: any pause before the retry comes from Retry-After alone
    fetcher = fetch.Fetcher(delay=0.0, retries=2, backoff=0.0)
    with serve(site) as base:
        report = fetch.fetch_gac("2024-07", tmp_path / "store", back=1, base_url=base,
                                 fetcher=fetcher, progress=lambda _: None)  # fmt: skip
    # the index twice (503, then 200), then the 4 linked pages
    assert [path for path, _ in site.requests[:2]] == [INDEX_PATH, INDEX_PATH]
    assert len(site.requests) == 6 and report.requests == 6
    assert site.times[1] - site.times[0] >= 1.0
    assert len(report.downloaded) == 2  # the two table pages (412 and image skipped)


@pytest.mark.parametrize("base_url", ["127.0.0.1:8000", "english.customs.gov.cn"])
def test_base_url_without_scheme_is_a_usage_error(tmp_path, capsys, base_url):
    dest = tmp_path / "store"
    code = fetch.main(["gac", "--period", "2026-06", "--store", str(dest),
                       "--base-url", base_url])  # fmt: skip
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (f"error: --base-url '{base_url}' has no http:// or https:// scheme and host; "
                   "write it as http://HOST[:PORT], e.g. http://127.0.0.1:8000\n")  # fmt: skip
    assert not dest.exists()


@pytest.mark.parametrize("period", ["2025", "Sep-2025"])
def test_period_checked_as_run_checks_it(tmp_path, capsys, period):
    code = fetch.main(["gac", "--period", period, "--store", str(tmp_path / "store")])
    fetch_err = capsys.readouterr().err
    run_code = runner.main(["run", "--period", period, "--out", str(tmp_path / "out")])
    run_err = capsys.readouterr().err
    assert code == run_code == 2
    assert fetch_err == run_err == (
        f"error: invalid period '{period}': write it as YYYY-MM, e.g. 2025-09\n")
    assert not (tmp_path / "store").exists()


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
    assert "invalid period '2024-13'" in capsys.readouterr().err
    assert fetch.main(["gac", "--period", "2024-07", "--currency", "EUR",
                       "--store", str(tmp_path)]) == 2
    assert "--currency 'EUR'" in capsys.readouterr().err
    for option, value in [("--timeout", "0"), ("--retries", "-1"), ("--back", "-1")]:
        assert fetch.main(["gac", "--period", "2024-07", option, value,
                           "--store", str(tmp_path)]) == 2  # fmt: skip
        err = capsys.readouterr().err
        assert err.startswith(f"error: {option} {value}:") and err.count("\n") == 1
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert fetch.main(["gac", "--period", "2024-07", "--store", str(a_file)]) == 2
    assert capsys.readouterr().err == f"error: --store {a_file}: a file, not a folder\n"


def test_help_documents_the_exit_status(capsys):
    assert fetch.main(["gac", "--help"]) == 0
    text = capsys.readouterr().out
    assert "exit status:" in text and "cannot reach" in text and "usage error" in text


@pytest.mark.skipif(not GAC.is_dir(), reason="../shared/fixtures/gac not present")
def test_fetch_the_shared_pages(tmp_path, capsys):
    site, served = shared_site(GAC)
    with serve(site) as base:
        code = fetch.main(["gac", "--period", "2026-06", "--back", "4", "--store", str(tmp_path),
                           "--base-url", base, *FAST], min_delay=0.0)
    out = capsys.readouterr().out
    # expected: the pages of Feb-Jun 2026 the latest index links that have a file in the fixtures
    # (counted, not assumed: the fixtures grow)
    _, links = fetch.parse_index((GAC / SHARED_INDEXES[0]).read_text(encoding="utf-8"))
    files = fixture_files(GAC)
    months = pd.period_range("2026-02", "2026-06", freq="M")
    wanted = {(x.section, x.currency, x.period): files[(x.section, x.currency, x.period)]
              for x in links if x.period in months and x.section in fetch.SECTIONS
              and (x.section, x.currency, x.period) in files}  # fmt: skip
    assert wanted and wanted == {k: v for k, v in served.items() if k[2] in months}
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
