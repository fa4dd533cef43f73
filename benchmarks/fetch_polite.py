"""Time a 13-month `fetch gac` at the polite rate (1 request/s) against a local server.

Serves ../shared's index snapshots and pages (tests/gac_server.py) on 127.0.0.1 and runs
`fetch gac --period 2026-06 --back 12 --no-import` with the default delay; prints the number of
requests and the wall time. Usage: .venv/bin/python benchmarks/fetch_polite.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from gac_server import serve, shared_site  # noqa: E402

from helpers.ingest import fetch  # noqa: E402
from helpers.paths import SHARED_DIR  # noqa: E402


def main() -> int:
    gac = SHARED_DIR / "fixtures" / "gac"
    if not gac.is_dir():
        print(f"{gac} not present")
        return 1
    site, _ = shared_site(gac)
    with tempfile.TemporaryDirectory() as store, serve(site) as base:
        start = time.monotonic()
        report = fetch.fetch_gac("2026-06", store, back=12, base_url=base,
                                 fetcher=fetch.Fetcher(delay=1.0), progress=lambda _: None)
        elapsed = time.monotonic() - start
    print(f"13-month fetch (2025-06..2026-06, 4 sections x 2 currencies): {report.requests} "
          f"requests, {elapsed:.1f} s wall at 1 request/s ({len(report.downloaded)} pages "
          f"served locally, {len(report.missing) + len(report.skipped)} missing or skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
