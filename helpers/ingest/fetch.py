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

The folders are created when the first page is written: a fetch that gets nothing creates
nothing. A page whose address is already in pages.csv is not downloaded again (GAC reissues
corrected pages under new addresses).

HTTP: `requests` with urllib3's `Retry` mounted through an `HTTPAdapter`: plain http, a
configurable User-Agent, a timeout (seconds, for connecting and for each read), `retries` retries
of connection errors, time-outs and HTTP 429/500/502/503/504 (a `Retry-After` header is honoured,
up to MAX_PAUSE seconds), exponential backoff, and at least `delay` seconds (default 1.0) before
every request, retries included. A response that is not a table (a JavaScript challenge - HTTP
412 -, an error page, an image) is reported and skipped. `--base-url` replaces the scheme and
host of every address (tests use a local server).

When the site cannot be reached (connection refused, time-out, name not resolved, HTTP 5xx/429
after the retries) or the latest index answers an error status or no table, the fetch stops
after that one request with one line, e.g.::

    error: cannot reach http://127.0.0.1:9/statics/report/preliminary.html: connection refused

and exit status 1; a later year's index that answers 404 only leaves that year's months missing.

    parse_index(html_text) -> (year, [IndexLink])
    fetch_gac(...) -> FetchReport        (raises SiteUnreachable / FetchError)
    main(argv) -> exit status            (0 done, 1 site down or nothing fetched, 2 usage error)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import os
import re
import socket
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import requests
import urllib3
from lxml import html as lxml_html
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from helpers import cli
from helpers.atomic import atomic_write
from helpers.contract import ParameterError, check_period
from helpers.schema import TradeKitError

__all__ = [
    "FetchError", "FetchReport", "Fetcher", "IndexLink", "MissingPage", "SiteUnreachable",
    "check_base_url", "fetch_gac", "main", "parse_index",
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
RETRY_STATUSES = (429, 500, 502, 503, 504)  # retried (with Retry-After honoured), then an error
MAX_PAUSE = 120.0  # seconds: the longest backoff or Retry-After pause before a retry


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


class FetchError(TradeKitError):
    """A request failed after its retries, or the response is not usable."""


class SiteUnreachable(FetchError):
    """No usable answer from the server: connection refused, time-out, name not resolved, or
    HTTP 429/5xx after the retries. str(): 'cannot reach <url>: <cause>'."""

    def __init__(self, url: str, cause: str):
        super().__init__(f"cannot reach {url}: {cause}")
        self.url, self.cause = url, cause


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


def check_base_url(base_url: str) -> str:
    """The --base-url as given when it is `http(s)://HOST[:PORT]`, else ParameterError."""
    text = str(base_url).strip()
    example = "write it as http://HOST[:PORT], e.g. http://127.0.0.1:8000"
    try:
        parts = urllib.parse.urlsplit(text)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number 0-65535)
    except ValueError:
        raise ParameterError(f"--base-url {text!r}: not a valid address; {example}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ParameterError(f"--base-url {text!r} has no http:// or https:// scheme and host; "
                             f"{example}")  # fmt: skip
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ParameterError(f"--base-url {text!r}: give only the scheme and host (every "
                             f"address keeps its own path); {example}")  # fmt: skip
    return text


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


class _PoliteRetry(Retry):
    """urllib3's Retry that never retries sooner than `floor` seconds (the polite delay), waits
    what Retry-After asks up to MAX_PAUSE (a malformed header counts as absent) and calls
    `on_retry` before each retry (the request count)."""

    def __init__(self, *args, floor: float = 0.0, on_retry: Callable[[], None] | None = None,
                 **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        self.floor, self.on_retry = floor, on_retry

    def new(self, **kw):
        return super().new(floor=self.floor, on_retry=self.on_retry, **kw)

    def get_retry_after(self, response) -> float | None:
        try:
            seconds = super().get_retry_after(response)
        except urllib3.exceptions.InvalidHeader:
            return None
        return None if seconds is None else min(seconds, MAX_PAUSE)

    def sleep(self, response=None) -> None:
        pause = None
        if self.respect_retry_after_header and response is not None:
            pause = self.get_retry_after(response)
        if pause is None:
            pause = self.get_backoff_time()
        time.sleep(max(pause, self.floor))
        if self.on_retry:
            self.on_retry()


class Fetcher:
    """Polite HTTP GET through `requests`: User-Agent, timeout, urllib3 retries with backoff and
    Retry-After, at least `delay` seconds before every request (retries included).

    Retry n waits max(delay, backoff * 2**(n-1)) seconds, the first one `delay` (urllib3's
    formula; backoff defaults to delay: 1, 2, 4 s at the polite rate), or what Retry-After asks.
    """

    def __init__(self, user_agent: str = DEFAULT_USER_AGENT, delay: float = 1.0,
                 timeout: float = 30.0, retries: int = 3,
                 backoff: float | None = None):  # fmt: skip
        self.user_agent, self.delay, self.timeout = user_agent, delay, timeout
        self.retries = retries
        self.backoff = delay if backoff is None else backoff
        self.requests = 0  # every request sent, retries included
        self._last = 0.0
        retry = _PoliteRetry(
            total=retries, connect=retries, read=retries, status=retries, other=0, redirect=5,
            allowed_methods=frozenset({"GET"}), status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff, backoff_max=MAX_PAUSE,
            respect_retry_after_header=True, raise_on_status=False,
            floor=delay, on_retry=self._count,
        )  # fmt: skip
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def _count(self) -> None:
        self.requests += 1

    def _wait(self) -> None:
        pause = self.delay - (time.monotonic() - self._last)
        if pause > 0:
            time.sleep(pause)

    def get(self, url: str) -> tuple[int, bytes, str]:
        """(status, body, content type); SiteUnreachable when no usable answer came after the
        retries (connection errors, time-outs, HTTP 429/5xx)."""
        self._wait()
        before = self.requests
        self.requests += 1
        try:
            response = self.session.get(url, timeout=self.timeout)
            body = response.content
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
            raise SiteUnreachable(url, _cause(error, self.timeout)
                                  + _after(self.requests - before - 1)) from None  # fmt: skip
        finally:
            self._last = time.monotonic()
        if response.status_code in RETRY_STATUSES:
            raise SiteUnreachable(url, f"HTTP {response.status_code}"
                                  + _after(self.requests - before - 1))  # fmt: skip
        return response.status_code, body, response.headers.get("Content-Type", "")

    def close(self) -> None:
        self.session.close()


def _after(retries: int) -> str:
    return f" after {retries} {'retry' if retries == 1 else 'retries'}" if retries > 0 else ""


def _chain(error: BaseException) -> list[BaseException]:
    """The error and every error behind it (requests wraps urllib3's, which wraps the socket's)."""
    seen: list[BaseException] = []
    todo: list = [error]
    while todo:
        item = todo.pop(0)
        if item is None or any(item is x for x in seen):
            continue
        seen.append(item)
        todo += [a for a in getattr(item, "args", ()) if isinstance(a, BaseException)]
        todo += [getattr(item, "reason", None), item.__cause__, item.__context__]
    return seen


def _cause(error: BaseException, timeout: float) -> str:
    """Why a request failed, in a few words: 'connection refused', 'name not resolved',
    'no answer within 30 s (time-out)'... (the error's class and text when nothing fits)."""
    chain = _chain(error)

    def find(*kinds):
        return next((x for x in chain if isinstance(x, kinds)), None)

    if find(urllib3.exceptions.NameResolutionError, socket.gaierror):
        return "name not resolved"
    if find(ConnectionRefusedError):
        return "connection refused"
    if find(ConnectionResetError):
        return "connection reset by the server"
    if find(urllib3.exceptions.ReadTimeoutError, requests.exceptions.ReadTimeout):
        return f"no answer within {timeout:g} s (time-out)"
    new_connection = find(urllib3.exceptions.NewConnectionError)
    if find(urllib3.exceptions.ConnectTimeoutError, requests.exceptions.ConnectTimeout,
            TimeoutError) and not new_connection:  # fmt: skip
        return f"no connection within {timeout:g} s (time-out)"
    if oserror := next((x for x in chain if isinstance(x, OSError) and x.strerror), None):
        return oserror.strerror[0].lower() + oserror.strerror[1:]
    if find(requests.exceptions.SSLError, urllib3.exceptions.SSLError):
        return "TLS handshake failed"
    if find(urllib3.exceptions.ProtocolError, requests.exceptions.ChunkedEncodingError):
        return "the server closed the connection without a complete answer"
    if isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema |
                  requests.exceptions.MissingSchema):  # fmt: skip
        return f"not a usable address ({error})"
    root = chain[-1]
    return f"{type(root).__name__}: {root}"


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
    raw_dir(store).mkdir(parents=True, exist_ok=True)  # created with the first page only
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
    """Download the pages of `period` and the `back` months before it into <store>/raw.

    Raises SiteUnreachable when any index cannot be had (the site is down: nothing more is
    asked for) and FetchError when the latest index answers an error status or holds no table;
    nothing is written then. ParameterError for a malformed period or base_url.
    """
    period = check_period(period)
    if base_url:
        base_url = check_base_url(base_url)
    store = Path(store)
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
        status, body, ctype = fetcher.get(address)  # SiteUnreachable: stop, the site is down
        problem = not_a_table(status, body, ctype)
        if problem and year is None:  # the latest index: without it nothing can be found
            raise FetchError(f"cannot read the index {address}: {problem}")
        progress(f"index {year or 'latest'}: {address} -> HTTP {status}, {len(body):,} bytes")
        if problem:  # an earlier year's index: that year's months are reported missing
            report.skipped.append(f"index {address}: {problem}")
            continue
        try:
            found_year, found = parse_index(body.decode("utf-8", "replace"), year)
        except FetchError as error:
            if year is None:
                raise FetchError(f"cannot read the index {address}: {error}") from None
            report.skipped.append(f"index {address}: {error}")
            continue
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


EPILOG = """\
example: python -m helpers fetch gac --period 2026-06 --back 12 --store data/store

exit status:
  0  pages fetched (or already held) and imported (with --no-import: the fetch ran)
  1  the site could not be reached or its index read - one line names the address and the
     cause, e.g. "error: cannot reach http://HOST/statics/report/preliminary.html: connection
     refused" (also: time-out, name not resolved, HTTP 503 after N retries, HTTP 404); nothing
     is written and no store folder is created - or no page could be had, or the importer
     rejected a page
  2  usage error: a malformed option (--period not YYYY-MM, --base-url without http://,
     --store a file, ...), or the importer could not open the store
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m helpers fetch",
        description="Download GAC's preliminary release pages into a store and import them.\n"
        "Reads the release index first; when the site cannot be reached, stops there with\n"
        "one line naming the address and the cause (exit 1).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", choices=["gac"], help="what to fetch")
    p.add_argument("--period", required=True,
                   help="the release month, YYYY-MM (e.g. 2026-06), checked as `run` checks it")
    p.add_argument("--back", type=int, default=DEFAULT_BACK,
                   help=f"months before --period to fetch as well (default {DEFAULT_BACK}: "
                        "the same month a year earlier, for y/y)")
    p.add_argument("--currency", default="USD,CNY", help="editions, e.g. USD or USD,CNY")
    p.add_argument("--store", required=True, type=Path,
                   help="store directory (created when the first page is written)")
    p.add_argument("--base-url", help="replace the site's scheme and host, e.g. "
                                      "http://127.0.0.1:8000 (a local mirror or test server); "
                                      "the scheme is required")
    p.add_argument("--user-agent", default=DEFAULT_USER_AGENT, help="User-Agent header")
    p.add_argument("--timeout", type=float, default=30.0,
                   help="seconds to wait for a connection and for each read (default 30)")
    p.add_argument("--retries", type=int, default=3,
                   help="retries per request after a connection error, a time-out or HTTP "
                        "429/500/502/503/504, with exponential backoff; a Retry-After header is "
                        f"honoured up to {MAX_PAUSE:g} s (default 3; 0: no retry)")
    p.add_argument("--delay", type=float, default=1.0,
                   help="seconds between requests, retries included (at least 1.0)")
    p.add_argument("--no-import", action="store_true", help="only download the pages")
    return p


def _usage_problem(args) -> str | None:
    """What is wrong with the options (a line for the user), or None."""
    currencies = [c.strip().upper() for c in args.currency.split(",") if c.strip()]
    if not currencies or set(currencies) - {"USD", "CNY"}:
        return f"--currency {args.currency!r}: give USD and/or CNY, e.g. USD,CNY"
    if args.back < 0:
        return f"--back {args.back}: give 0 or more months"
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        return f"--timeout {args.timeout:g}: give a number of seconds above 0"
    if args.retries < 0:
        return f"--retries {args.retries}: give 0 or more"
    if not math.isfinite(args.delay):
        return f"--delay {args.delay:g}: give a number of seconds"
    if args.store.exists() and not args.store.is_dir():
        return f"--store {args.store}: a file, not a folder"
    return None


def main(argv: list[str] | None = None, min_delay: float = 1.0) -> int:
    """Run the fetch command (min_delay: the politeness floor; tests lower it)."""
    args, code = cli.parse_args(_parser(), argv, "fetch")
    if args is None:
        return code
    try:
        period = check_period(args.period)  # the same check and message as `run --period`
        if args.base_url is not None:
            check_base_url(args.base_url)
    except ParameterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    problem = _usage_problem(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    currencies = tuple(c.strip().upper() for c in args.currency.split(",") if c.strip())
    fetcher = Fetcher(args.user_agent, max(args.delay, min_delay), args.timeout, args.retries)
    # a tqdm bar over the pages on a terminal, one line per page otherwise (helpers.progress)
    from helpers.progress import fetch_progress

    progress, close_progress = fetch_progress()

    try:
        report = fetch_gac(period, args.store, args.back, currencies, base_url=args.base_url,
                           fetcher=fetcher, progress=progress)  # fmt: skip
    except (FetchError, OSError) as error:  # the site is down, or the store cannot be written
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the pages kept so far are logged in pages.csv", file=sys.stderr)
        return 130
    finally:
        close_progress()
        fetcher.close()
    print(report.summary())
    if args.no_import:
        return 0
    status = import_pages(report, args.store, progress)
    return status if report.pages else 1


if __name__ == "__main__":
    sys.exit(main())
