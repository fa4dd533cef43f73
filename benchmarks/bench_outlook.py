"""Outlook computation time on the real 1983-2013 series: `python benchmarks/bench_outlook.py`.

Imports ../shared/reference/china_customs_monthly_1983_2013.csv through the series mapping in
tests/fixtures/series/ into a temporary store, then times, for exports to 2013-12: the backtest
the view runs (targets 2000-2013, horizons 1-6, sarimax/rw_holiday/combo and the benchmarks),
the New Year diagnostics of exports and imports (X-13 runs with and without the regressors,
revisions over the last two years' January-March) and the whole `outlook.compute`. CPU time
counts this process and its X-13 child processes; wall time depends on the machine's load.
Prints figures only; no assertions.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from helpers import outlook
from helpers.data import load_dataset
from helpers.ingest import importer
from helpers.paths import ROOT, SHARED_DIR

CUSTOMS = SHARED_DIR / "reference" / "china_customs_monthly_1983_2013.csv"
MAPPING = ROOT / "tests" / "fixtures" / "series" / "china_customs_1983_2013.yaml"


def cpu_seconds() -> float:
    """CPU time of this process plus its finished children (the X-13 runs)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(label: str, func):
    """Run func, print its wall and CPU seconds, return its result."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = func()
    seconds = time.perf_counter() - wall
    print(f"{label:<40} wall {seconds:6.1f} s   cpu {cpu_seconds() - cpu:6.1f} s")
    return result


def main() -> int:
    if not CUSTOMS.exists():
        print(f"{CUSTOMS} not found: this benchmark needs ../shared/reference", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="ctk_bench_") as tmp:
        store = Path(tmp) / "store"
        args = ["series", str(CUSTOMS), "--mapping", str(MAPPING), "--store", str(store)]
        if importer.main(args) != 0:
            return 1
        ds = load_dataset(store)
        levels = outlook.export_levels(ds, "2013-12")
        from helpers import forecast

        timed("import statsmodels SARIMAX (once)",
              lambda: __import__("statsmodels.tsa.statespace.sarimax"))  # fmt: skip
        timed(
            "backtest 2000-2013, h=1..6, 3 models",
            lambda: forecast.backtest(levels, start=outlook.backtest_start(levels),
                                      models=outlook.BASE_MODELS, horizons=range(1, 7)),
        )  # fmt: skip
        timed("New Year diagnostics (exports, imports)",
              lambda: outlook.holiday_table(ds, "2013-12"))  # fmt: skip
        timed("outlook.compute (everything)", lambda: outlook.compute(ds, "2013-12"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
