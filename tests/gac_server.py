"""A real HTTP server on 127.0.0.1 (random port, in a thread) serving GAC-like pages for tests."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd

from helpers.ingest.fetch import parse_index


class Site:
    """path -> (status, body, content type); every request is recorded."""

    def __init__(self):
        self.pages: dict[str, tuple[int, bytes, str]] = {}
        self.requests: list[tuple[str, str]] = []

    def add(self, path: str, body: bytes, status: int = 200, ctype: str = "text/html"):
        self.pages[path] = (status, body, ctype)


@contextmanager
def serve(site: Site):
    """Yield the base URL of a server answering from `site` (404 for unknown paths)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            site.requests.append((self.path, self.headers.get("User-Agent", "")))
            status, body, ctype = site.pages.get(self.path, (404, b"<html>Not found</html>",
                                                             "text/html"))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


FIXTURE_NAME = re.compile(r"gac_s(\d)_\w+?_(\d{4})-(\d{2})(?:-(\d{2}))?_(CNY|USD)\.html$")


def shared_site(gac_dir: Path) -> tuple[Site, dict]:
    """The shared index snapshots and the pages they link to, matched by section/month/currency.

    Returns the site and {(section, currency, period): fixture file} for the pages served.
    """
    site = Site()
    site.add("/statics/report/preliminary.html",
             (gac_dir / "gac_index_preliminary_2026-06.html").read_bytes())
    site.add("/statics/report/preliminary2025.html",
             (gac_dir / "gac_index_preliminary_2025.html").read_bytes())
    files = {}
    for path in gac_dir.glob("gac_s*.html"):
        match = FIXTURE_NAME.search(path.name)
        if match:
            section, year, first, last, currency = match.groups()
            period = pd.Period(f"{year}-{last or first}", "M")
            files[(int(section), currency, period)] = path
    served = {}
    for index in ("gac_index_preliminary_2026-06.html", "gac_index_preliminary_2025.html"):
        _, links = parse_index((gac_dir / index).read_text(encoding="utf-8"))
        for link in links:
            key = (link.section, link.currency, link.period)
            if key in files:
                path = "/" + link.address.split("/", 3)[3]
                site.add(path, files[key].read_bytes())
                served[key] = files[key]
    return site, served
