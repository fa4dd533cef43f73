"""A real HTTP server on 127.0.0.1 (random port, in a thread) serving GAC-like pages for tests."""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd

from helpers.ingest.fetch import parse_index


@dataclass
class Answer:
    """One response: status, body, content type, extra headers, seconds to wait before it."""

    status: int
    body: bytes
    ctype: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


NOT_FOUND = Answer(404, b"<html>Not found</html>")


class Site:
    """path -> answers; every request is recorded in `requests` (path, User-Agent) and `times`
    (time.monotonic() when it arrived)."""

    def __init__(self):
        self.pages: dict[str, list[Answer]] = {}
        self.requests: list[tuple[str, str]] = []
        self.times: list[float] = []
        self._lock = threading.Lock()

    def add(self, path: str, body: bytes, status: int = 200, ctype: str = "text/html",
            headers: dict[str, str] | None = None, delay: float = 0.0):  # fmt: skip
        """Answer `path` with this response (every time)."""
        self.pages[path] = [Answer(status, body, ctype, dict(headers or {}), delay)]

    def add_first(self, path: str, *answers: Answer):
        """Answer the next requests for `path` with `answers`, in order, before what it had."""
        self.pages[path] = [*answers, *self.pages.get(path, [NOT_FOUND])]

    def answer(self, path: str, user_agent: str) -> Answer:
        with self._lock:
            self.requests.append((path, user_agent))
            self.times.append(time.monotonic())
            answers = self.pages.get(path)
            if not answers:
                return NOT_FOUND
            return answers.pop(0) if len(answers) > 1 else answers[0]


@contextmanager
def serve(site: Site):
    """Yield the base URL of a server answering from `site` (404 for unknown paths)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            answer = site.answer(self.path, self.headers.get("User-Agent", ""))
            if answer.delay:
                time.sleep(answer.delay)
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.ctype)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a time-out)
                pass

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)  # fmt: skip
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


FIXTURE_NAME = re.compile(r"gac_s(\d)_\w+?_(\d{4})-(\d{2})(?:-(\d{2}))?_(CNY|USD)\.html$")
SHARED_INDEXES = ("gac_index_preliminary_2026-06.html", "gac_index_preliminary_2025.html")


def fixture_files(gac_dir: Path) -> dict:
    """{(section, currency, period): file} of the shared release pages (gac_s*.html)."""
    files = {}
    for path in gac_dir.glob("gac_s*.html"):
        match = FIXTURE_NAME.search(path.name)
        if match:
            section, year, first, last, currency = match.groups()
            period = pd.Period(f"{year}-{last or first}", "M")
            files[(int(section), currency, period)] = path
    return files


def shared_site(gac_dir: Path) -> tuple[Site, dict]:
    """The shared index snapshots and the pages they link to, matched by section/month/currency.

    Returns the site and {(section, currency, period): fixture file} for the pages served.
    """
    site = Site()
    site.add("/statics/report/preliminary.html", (gac_dir / SHARED_INDEXES[0]).read_bytes())
    site.add("/statics/report/preliminary2025.html", (gac_dir / SHARED_INDEXES[1]).read_bytes())
    files = fixture_files(gac_dir)
    served = {}
    for index in SHARED_INDEXES:
        _, links = parse_index((gac_dir / index).read_text(encoding="utf-8"))
        for link in links:
            key = (link.section, link.currency, link.period)
            if key in files:
                path = "/" + link.address.split("/", 3)[3]
                site.add(path, files[key].read_bytes())
                served[key] = files[key]
    return site, served
