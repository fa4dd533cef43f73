"""`python -m helpers fetch gac --period YYYY-MM`: download GAC's release pages into a store.

Reads the preliminary-release index (`/statics/report/preliminary.html` for the latest year,
`preliminary{YYYY}.html` for earlier ones), finds the pages of sections (1), (4), (5) and (6) in
the requested currencies for the month and the `--back` months before it (page addresses are
GUIDs: always read from the index, never built from a date), downloads those not held yet and
imports them (helpers.ingest.importer) in month order.

Raw pages are kept append-only in the store folder::

    <store>/raw/<sha256>.html     the page's bytes as served
    <store>/raw/pages.csv         one line per download: address (as the index gives it), url
                                  (as requested, after --base-url), fetched_at (UTC), sha256,
                                  section, currency, period, status, bytes

A page whose address is already in pages.csv is not downloaded again (GAC reissues corrected pages
under new addresses). Plain http, a configurable User-Agent, a timeout, retries with exponential
backoff and at least `delay` seconds (default 1.0) between requests. A response that is not a
table (a JavaScript challenge - HTTP 412 -, an error page, an image) is reported and skipped.
`--base-url` replaces the scheme and host of every address (tests use a local server).

    parse_index(html_text) -> (year, [IndexLink])
    fetch_gac(...) -> FetchReport
    main(argv) -> exit status
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from lxml import html as lxml_html

from helpers.atomic import atomic_write
from helpers.cli import parse_args

__all__ = [
    "FetchReport", "Fetcher", "IndexLink", "MissingPage", "fetch_gac", "main", "parse_index",
]  # fmt: skip

SITE = "http://english.customs.gov.cn"
INDEX_PATH = "/statics/report/preliminary.html"
SECTIONS = (1, 4, 5, 6)
SECTION_NAMES = {1: "total values", 4: "by country/region", 5: "major exports",
                 6: "major imports"}  # fmt: skip
DEFAULT_BACK = 12  # the month a year earlier: what the views need for y/y
DEFAULT_USER_AGENT = "china-trade-kit/1.0 (+fetch gac; polite: 1 request/s)"
LOG_COLUMNS = ["address", "url", "fetched_at", "sha256", "section", "currency", "period",
               "status", "bytes"]  # fmt: skip
MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()


@dataclass(frozen=True)
class IndexLink:
    """One linked page of the index: section number, currency, month and its address."""

    section: int
    currency: str
    period: pd.Period
    address: str
    title: str


@dataclass
class MissingPage:
    """A page the request needs that could not be had, and why."""

    section: int
    currency: str
    period: pd.Period
    reason: str

    def __str__(self) -> str:
        return f"({self.section}) {self.currency} {self.period}: {self.reason}"


@dataclass
class FetchReport:
    """What one fetch did."""

    requests: int = 0
    downloaded: list[Path] = field(default_factory=list)
    held: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    missing: list[MissingPage] = field(default_factory=list)
    pages: list[tuple[IndexLink, Path]] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"fetch: {self.requests} request(s); {len(self.downloaded)} page(s) downloaded, "
            f"{len(self.held)} already held, {len(self.skipped)} not a table, "
            f"{len(self.missing)} missing"
        ]
        lines += [f"  missing {m}" for m in self.missing]
        lines += [f"  skipped {s}" for s in self.skipped]
        return "\n".join(lines)


class FetchError(Exception):
    """A request failed after its retries, or the response is not usable."""


# ---------------------------------------------------------------------------------------------
# Index


def _month_of(text: str) -> int | None:
    word = re.sub(r"[^a-z]", "", text.lower())[:3]
    return MONTHS.index(word) + 1 if word in MONTHS else None


def index_year(doc) -> int | None:
    """The year an index page lists: its selected year option, else the newest option."""
    selected = doc.xpath("//select//option[@selected]/@value")
    values = selected or doc.xpath("//select//option/@value")
    years = [int(v) for v in values if str(v).strip().isdigit()]
    return years[0] if selected and years else (max(years) if years else None)


def parse_index(html_text: str, year: int | None = None) -> tuple[int, list[IndexLink]]:
    """The year of an index page and every linked table page in it (hrefs may be unquoted)."""
    doc = lxml_html.document_fromstring(html_text)
    year = year or index_year(doc)
    if year is None:
        raise FetchError("the index page names no year (no year selector)")
    links = []
    for tr in doc.xpath("//table//tr"):
        cells = tr.xpath("./td")
        if len(cells) < 2:
            continue
        title = " ".join(cells[0].text_content().split())
        number = re.match(r"\((\d+)\)", title)
        currency = re.search(r"\(in (CNY|USD|RMB)\)", title, re.I)
        if not number or not currency:
            continue
        cur = "CNY" if currency.group(1).upper() in ("CNY", "RMB") else "USD"
        for anchor in cells[1].xpath(".//a[@href]"):
            month = _month_of(anchor.text_content())
            if month:
                links.append(IndexLink(int(number.group(1)), cur,
                                       pd.Period(year=year, month=month, freq="M"),
                                       anchor.get("href").strip(), title))  # fmt: skip
    return year, links


def rebase(address: str, base_url: str | None) -> str:
    """The address with its scheme and host replaced by base_url's (relative ones joined)."""
    absolute = urllib.parse.urljoin(SITE + "/", address)
    if not base_url:
        return absolute
    base = urllib.parse.urlsplit(base_url)
    parts = urllib.parse.urlsplit(absolute)
    return urllib.parse.urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


# ---------------------------------------------------------------------------------------------
# HTTP


class Fetcher:
    """Polite HTTP GET: User-Agent, timeout, retries with backoff, a delay between requests."""

    def __init__(self, user_agent: str = DEFAULT_USER_AGENT, delay: float = 1.0,
                 timeout: float = 30.0, retries: int = 3, backoff: float = 2.0):  # fmt: skip
        self.user_agent, self.delay, self.timeout = user_agent, delay, timeout
        self.retries, self.backoff = retries, backoff
        self.requests = 0
        self._last = 0.0

    def _wait(self) -> None:
        pause = self.delay - (time.monotonic() - self._last)
        if pause > 0:
            time.sleep(pause)

    def get(self, url: str) -> tuple[int, bytes, str]:
        """(status, body, content type); retries connection errors and 5xx/429 responses."""
        attempt = 0
        while True:
            self._wait()
            self.requests += 1
            request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
                    self._last = time.monotonic()
                    return response.status, body, response.headers.get("Content-Type", "")
            except urllib.error.HTTPError as error:
                self._last = time.monotonic()
                status, body = error.code, error.read() if error.fp else b""
                if status < 500 and status != 429:
                    return status, body, error.headers.get("Content-Type", "")
                problem = f"HTTP {status}"
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
                self._last = time.monotonic()
                problem = f"{type(error).__name__}: {getattr(error, 'reason', error)}"
            attempt += 1
            if attempt > self.retries:
                raise FetchError(f"{url}: {problem} after {self.retries} retries")
            time.sleep(self.delay * self.backoff ** (attempt - 1))


def not_a_table(status: int, body: bytes, content_type: str) -> str | None:
    """Why a response is not a release table page, or None when it is one."""
    if status == 412:
        return "HTTP 412 (the site's JavaScript challenge): not data"
    if status != 200:
        return f"HTTP {status}"
    if content_type and not content_type.lower().startswith(("text/html", "application/xhtml")):
        return f"a {content_type.split(';')[0]} response, not an HTML page"
    text = body[:400_000].decode("utf-8", "replace").lower()
    if "<table" not in text:
        what = "an image" if "<img" in text else "no table"
        return f"the page holds {what} (a JavaScript challenge or an error page?)"
    return None


# ---------------------------------------------------------------------------------------------
# Raw page store


def raw_dir(store: Path) -> Path:
    return Path(store) / "raw"


def read_log(store: Path) -> pd.DataFrame:
    """pages.csv of a store (empty frame when none)."""
    path = raw_dir(store) / "pages.csv"
    if not path.exists():
        return pd.DataFrame(columns=LOG_COLUMNS)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _append_log(store: Path, row: dict) -> None:
    """Append one line to pages.csv (flushed and fsynced: the log is append-only)."""
    path = raw_dir(store) / "pages.csv"
    new = not path.exists()
    with open(path, "a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=LOG_COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow(row)
        handle.flush()
        os.fsync(handle.fileno())


def keep_page(store: Path, link: IndexLink, url: str, status: int, body: bytes) -> Path:
    """Write the page under its hash (never overwritten) and log the download."""
    digest = hashlib.sha256(body).hexdigest()
    path = raw_dir(store) / f"{digest}.html"
    if not path.exists():
        with atomic_write(path, "wb") as handle:
            handle.write(body)
    _append_log(store, {
        "address": link.address, "url": url,
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sha256": digest, "section": link.section, "currency": link.currency,
        "period": str(link.period), "status": status, "bytes": len(body),
    })  # fmt: skip
    return path


# ---------------------------------------------------------------------------------------------
# Fetch


def _index_address(year: int | None, latest_year: int | None) -> str:
    if year is None or year == latest_year:
        return INDEX_PATH
    return INDEX_PATH.replace(".html", f"{year}.html")


def fetch_gac(
    period: str | pd.Period,
    store: str | Path,
    back: int = DEFAULT_BACK,
    currencies: tuple[str, ...] = ("USD", "CNY"),
    sections: tuple[int, ...] = SECTIONS,
    base_url: str | None = None,
    fetcher: Fetcher | None = None,
    progress=print,
) -> FetchReport:
    """Download the pages of `period` and the `back` months before it into <store>/raw."""
    period = pd.Period(period, freq="M")
    store = Path(store)
    raw_dir(store).mkdir(parents=True, exist_ok=True)
    fetcher = fetcher or Fetcher()
    report = FetchReport()
    wanted = [period - k for k in range(back, -1, -1)]

    # indexes: preliminary.html (the latest year) first, then preliminaryYYYY.html as needed
    links: dict[tuple[int, str, pd.Period], IndexLink] = {}
    latest_year, years_read = None, set()
    for year in [None, *sorted({p.year for p in wanted}, reverse=True)]:
        if year is not None and (latest_year is None or year >= latest_year):
            continue  # the latest year came with preliminary.html; later years have no index
        address = rebase(_index_address(year, latest_year), base_url)
        try:
            status, body, ctype = fetcher.get(address)
        except FetchError as error:
            report.skipped.append(f"index {address}: {error}")
            continue
        progress(f"index {year or 'latest'}: {address} -> HTTP {status}, {len(body):,} bytes")
        problem = not_a_table(status, body, ctype)
        if problem:
            report.skipped.append(f"index {address}: {problem}")
            continue
        found_year, found = parse_index(body.decode("utf-8", "replace"), year)
        latest_year = latest_year or found_year
        years_read.add(found_year)
        for link in found:
            links[(link.section, link.currency, link.period)] = link
    report.requests = fetcher.requests

    held = read_log(store)
    held = held[held["status"] == "200"].drop_duplicates("address", keep="last")
    held_by_address = dict(zip(held["address"], held["sha256"], strict=True))
    todo = [(s, c, p) for p in wanted for s in sections for c in currencies]
    for number, (section, currency, month) in enumerate(todo, start=1):
        name = f"({section}) {currency} {month}"
        link = links.get((section, currency, month))
        if link is None:
            reason = _why_missing(section, currency, month, links, years_read)
            report.missing.append(MissingPage(section, currency, month, reason))
            progress(f"[{number}/{len(todo)}] {name}: missing - {reason}")
            continue
        address = rebase(link.address, base_url)
        if link.address in held_by_address:
            path = raw_dir(store) / f"{held_by_address[link.address]}.html"
            if path.exists():
                report.held.append(path)
                report.pages.append((link, path))
                progress(f"[{number}/{len(todo)}] {name}: already held ({address})")
                continue
        try:
            status, body, ctype = fetcher.get(address)
        except FetchError as error:
            report.missing.append(MissingPage(section, currency, month, str(error)))
            progress(f"[{number}/{len(todo)}] {name}: failed - {error}")
            continue
        if status in (404, 410):  # linked but not served: the address is reported as missing
            reason = f"HTTP {status} at {address}"
            report.missing.append(MissingPage(section, currency, month, reason))
            progress(f"[{number}/{len(todo)}] {name}: missing - {reason}")
            continue
        problem = not_a_table(status, body, ctype)
        if problem:
            report.skipped.append(f"{name} {address}: {problem}")
            progress(f"[{number}/{len(todo)}] {name}: skipped - {problem}")
            continue
        path = keep_page(store, link, address, status, body)
        report.downloaded.append(path)
        report.pages.append((link, path))
        progress(f"[{number}/{len(todo)}] {name}: {address} -> HTTP {status}, "
                 f"{len(body):,} bytes, kept as raw/{path.name[:12]}...")  # fmt: skip
    report.requests = fetcher.requests
    return report


def _why_missing(section, currency, month, links, years_read) -> str:
    if month.year not in years_read:
        return f"no index page for {month.year} could be read"
    if month.month == 1 and any(k[2] == month + 1 for k in links):
        return "GAC publishes no January page (January comes with February's year-to-date)"
    return "not linked from the index (not released yet, or not published for this month)"


def import_pages(report: FetchReport, store: Path, progress=print) -> int:
    """Import the fetched and held pages in month order; returns the importer's exit status."""
    from helpers.ingest import importer

    pages = sorted(report.pages, key=lambda lp: (lp[0].period, lp[0].section, lp[0].currency))
    readable = [str(path) for link, path in pages if link.section in (1, 4, 5, 6)]
    if not readable:
        progress("import: no pages to import")
        return 0
    return importer.main(["gac", *readable, "--store", str(store)])


# ---------------------------------------------------------------------------------------------
# CLI


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m helpers fetch",
        description="Download GAC's preliminary release pages into a store and import them.",
        epilog="Example: python -m helpers fetch gac --period 2026-06 --back 12 --store data/store",
    )
    p.add_argument("source", choices=["gac"], help="what to fetch")
    p.add_argument("--period", required=True, help="the release month, YYYY-MM")
    p.add_argument("--back", type=int, default=DEFAULT_BACK,
                   help=f"months before --period to fetch as well (default {DEFAULT_BACK}: "
                        "the same month a year earlier, for y/y)")
    p.add_argument("--currency", default="USD,CNY", help="editions, e.g. USD or USD,CNY")
    p.add_argument("--store", required=True, type=Path, help="store directory")
    p.add_argument("--base-url", help="replace the site's scheme and host, e.g. "
                                      "http://127.0.0.1:8000 (a local mirror or test server)")
    p.add_argument("--user-agent", default=DEFAULT_USER_AGENT, help="User-Agent header")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    p.add_argument("--retries", type=int, default=3, help="retries per request")
    p.add_argument("--delay", type=float, default=1.0,
                   help="seconds between requests (at least 1.0)")
    p.add_argument("--no-import", action="store_true", help="only download the pages")
    return p


def main(argv: list[str] | None = None, min_delay: float = 1.0) -> int:
    """Run the fetch command (min_delay: the politeness floor; tests lower it)."""
    args, code = parse_args(_parser(), argv, "fetch")
    if args is None:
        return code
    try:
        period = pd.Period(args.period, freq="M")
    except ValueError:
        print(f"error: --period '{args.period}' is not a month (YYYY-MM)", file=sys.stderr)
        return 2
    currencies = tuple(c.strip().upper() for c in args.currency.split(",") if c.strip())
    if not currencies or set(currencies) - {"USD", "CNY"} or args.back < 0:
        print("error: --currency takes USD and/or CNY; --back must be >= 0", file=sys.stderr)
        return 2
    fetcher = Fetcher(args.user_agent, max(args.delay, min_delay), args.timeout, args.retries)

    def progress(line: str) -> None:
        print(line, flush=True)

    try:
        report = fetch_gac(period, args.store, args.back, currencies, base_url=args.base_url,
                           fetcher=fetcher, progress=progress)  # fmt: skip
    except (FetchError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    if args.no_import:
        return 0
    status = import_pages(report, args.store, progress)
    return status if report.pages else 1


if __name__ == "__main__":
    sys.exit(main())
