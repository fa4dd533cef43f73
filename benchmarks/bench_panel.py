"""Benchmark the HS-level panel on a generated Comtrade-shaped file (prints figures, no asserts).

    python benchmarks/bench_panel.py --rows 10000000 [--workdir DIR] [--pandas-rows N] [--keep]

Phases, each in its own child process so that each peak RSS is its own (os.wait4):

1. generate: DuckDB writes a Comtrade-shaped CSV (HS6 x partner x month x flow, plus TOTAL
   rows per partner) in one streaming COPY - no pandas;
2. import: ``python -m helpers import comtrade`` as a function (helpers.ingest.importer
   .import_comtrade): streams the CSV into the panel (and the kit products into the store);
3. aggregate: every view aggregate of the last month (and the same month a year earlier):
   world totals of both flows, both flows by partner (regional layout with blocs), every group
   of hs_groups.csv for both flows, and the drill-downs ICs -> US and new three -> EU (summary,
   HS lines, by partner, price/volume), through helpers.panel / helpers.drilldown;
4. pandas: the panel's Parquet files loaded whole into pandas and the same sums grouped there
   (totals, by partner, each group by HS prefix). With --pandas-rows below --rows it loads whole
   years covering about that many rows and scales its time linearly to --rows (said so).

DuckDB runs with threads=2 and memory_limit=1GB (helpers.ingest.panel.connect). Last line:
``rows=N import_s=... aggregate_s=... peak_rss_mb=... pandas_ratio=...`` where peak_rss_mb is
the largest peak of the import and aggregate processes and pandas_ratio is pandas seconds
(scaled) over aggregate seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# China trades about 5,000 HS6 codes: 3,500 codes x 100 partners x 2 flows = 0.7M rows a month
HS_CODES = 3500
PARTNERS = 100
SPECIAL = ["854231", "854232", "854239", "870380", "870360", "850760", "854142", "854143",
           "848610", "848620", "848630", "848640", "848690", "280530", "284610", "284690"]


def first_month(rows: int):
    """The first month of the generated panel: it ends with last month (the importer rejects
    months after the current one)."""
    import pandas as pd

    return pd.Period.now("M") - shape(rows)[0]


def shape(rows: int) -> tuple[int, int]:
    """(months, rows per month) for about `rows` rows."""
    per_month = 2 * PARTNERS * HS_CODES
    return math.ceil(rows / per_month), per_month


def generate(workdir: Path, rows: int) -> dict:
    """Write comtrade.csv with `rows` data rows (DuckDB, streamed)."""
    import duckdb
    import pandas as pd

    from helpers.ingest.readers.comtrade import PARTNER_FILE

    months, _ = shape(rows)
    codes = sorted(
        {f"{c:02d}{h:02d}{s:02d}" for c in range(1, 98) if c != 77 for h in range(1, 8)
         for s in (10, 20, 30, 40, 50, 90)} - set(SPECIAL)
    )[: HS_CODES - len(SPECIAL)] + SPECIAL  # fmt: skip
    table = pd.read_csv(PARTNER_FILE, dtype=str, keep_default_na=False)
    partners = ["0"] + [c for c, p in zip(table["comtrade_code"], table["partner"], strict=True)
                        if p not in ("WORLD", "_aggregate")][: PARTNERS - 1]  # fmt: skip
    codes.append("TOTAL")
    con = duckdb.connect()
    con.execute("SET threads = 2; SET memory_limit = '1GB'; SET preserve_insertion_order = true")
    con.execute(f"SET temp_directory = '{(workdir / 'spill').as_posix()}'")
    con.execute("CREATE TABLE hs AS SELECT unnest($1) AS code, generate_subscripts($1, 1) - 1 "
                "AS k", [codes])  # fmt: skip
    con.execute("CREATE TABLE partner AS SELECT unnest($1) AS code, generate_subscripts($1, 1) "
                "- 1 AS k", [partners])  # fmt: skip
    path = workdir / "comtrade.csv"
    # row i -> HS code i % H, partner (i // H) % P, flow (i // HP) % 2, month i // 2HP
    n_hs, n_p = len(codes), len(partners)
    con.execute(f"""
        COPY (
          SELECT 'M' AS freqCode,
                 strftime(DATE '{first_month(rows)}-01'
                          + to_months((i // {2 * n_hs * n_p})::INT), '%Y%m')
                   AS period,
                 '156' AS reporterCode,
                 CASE WHEN (i // {n_hs * n_p}) % 2 = 0 THEN 'X' ELSE 'M' END AS flowCode,
                 p.code AS partnerCode, '0' AS partner2Code, h.code AS cmdCode,
                 'C00' AS customsCode, '0' AS motCode,
                 CASE WHEN h.code = 'TOTAL' THEN '' ELSE 'kg' END AS qtyUnitAbbr,
                 CASE WHEN h.code <> 'TOTAL' THEN hash(i) % 100000 + 10 END AS qty,
                 CASE WHEN h.code <> 'TOTAL' THEN hash(i) % 100000 + 10 END AS netWgt,
                 CASE WHEN h.code = 'TOTAL' THEN 4e9 + hash(i) % 1000000000
                      ELSE hash(h.k, p.k) % 1000000 * (1 + i / {rows * 2}) + 1000
                 END AS primaryValue
          FROM range({rows}) r(i)
          JOIN hs h ON h.k = i % {n_hs}
          JOIN partner p ON p.k = (i // {n_hs}) % {n_p}
          ORDER BY i
        ) TO '{path}' (HEADER, DELIMITER ',')""")  # fmt: skip
    return {"csv_mb": path.stat().st_size / 2**20, "months": months}


def direct(workdir: Path, rows: int) -> dict:
    """--direct: write the same rows straight into the panel layout (no CSV, no import).

    For measuring the aggregates at sizes whose import would outlast the session; rows are
    in month order inside each partition (the importer also sorts by HS code and partner).
    """
    import duckdb
    import pandas as pd

    from helpers.ingest.readers.comtrade import PARTNER_FILE

    codes = sorted(
        {f"{c:02d}{h:02d}{s:02d}" for c in range(1, 98) if c != 77 for h in range(1, 8)
         for s in (10, 20, 30, 40, 50, 90)} - set(SPECIAL)
    )[: HS_CODES - len(SPECIAL)] + SPECIAL + ["TOTAL"]  # fmt: skip
    table = pd.read_csv(PARTNER_FILE, dtype=str, keep_default_na=False)
    kit = dict(zip(table["comtrade_code"], table["partner"], strict=True))
    partners = ["0"] + [c for c, p in kit.items() if p not in ("WORLD", "_aggregate")][
        : PARTNERS - 1]  # fmt: skip
    con = duckdb.connect()
    con.execute("SET threads = 2; SET memory_limit = '1GB'; SET preserve_insertion_order = true")
    con.execute(f"SET temp_directory = '{(workdir / 'spill').as_posix()}'")
    n_hs, n_p = len(codes), len(partners)
    target = workdir / "store" / "panel"
    target.mkdir(parents=True, exist_ok=True)

    def array(items) -> str:
        return "[" + ", ".join(f"'{x}'" for x in items) + "]"

    # a projection of range() only (no join, no sort), so the rows stay in month order
    hs = f"{array(codes)}[i % {n_hs} + 1]"
    start = time.perf_counter()
    con.execute(f"""
        COPY (
          SELECT (DATE '{first_month(rows)}-01'
                  + to_months((i // {2 * n_hs * n_p})::INT))::DATE AS period,
                 CASE WHEN (i // {n_hs * n_p}) % 2 = 0 THEN 'export' ELSE 'import' END AS flow,
                 year(DATE '{first_month(rows)}-01' + to_months((i // {2 * n_hs * n_p})::INT))
                   AS year,
                 {array(kit[c] for c in partners)}[(i // {n_hs}) % {n_p} + 1] AS partner,
                 {array(partners)}[(i // {n_hs}) % {n_p} + 1] AS partner_code,
                 {hs} AS hs,
                 CASE WHEN i % {n_hs} = {n_hs - 1} THEN 4e9 + hash(i) % 1000000000
                      ELSE hash(i % {n_hs}, (i // {n_hs}) % {n_p}) % 1000000
                           * (1 + i / {rows * 2}) + 1000
                 END AS value, 'USD' AS currency,
                 CASE WHEN i % {n_hs} <> {n_hs - 1} THEN (hash(i) % 100000 + 10) / 1000.0 END
                   AS quantity,
                 CASE WHEN i % {n_hs} <> {n_hs - 1} THEN 'tonnes' END AS quantity_unit,
                 CASE WHEN i % {n_hs} <> {n_hs - 1} THEN (hash(i) % 100000 + 10) / 1000.0 END
                   AS net_weight_t,
                 'bench' AS source, '2026-01-01' AS vintage
          FROM range({rows}) r(i)
        ) TO '{target.as_posix()}' (FORMAT parquet, PARTITION_BY (flow, year),
                                    COMPRESSION zstd, ROW_GROUP_SIZE 100000)""")  # fmt: skip
    return {"direct_s": time.perf_counter() - start, "months": shape(rows)[0],
            "panel_mb": sum(p.stat().st_size for p in target.rglob("*.parquet")) / 2**20}


def run_import(workdir: Path) -> dict:
    """Import the CSV into a fresh store; returns seconds and panel rows."""
    from helpers.ingest import importer
    from helpers.ingest import store as store_mod
    from helpers.panel import sql

    store = store_mod.open_store(workdir / "store")
    start = time.perf_counter()
    report = importer.import_comtrade(store, "2026-01-01", path=workdir / "comtrade.csv")
    seconds = time.perf_counter() - start
    rows = int(sql(store.path, "SELECT count(*) AS n FROM panel")["n"].iloc[0])
    return {"import_s": seconds, "panel_rows": rows, "store_rows": report.stored,
            "panel_mb": sum(p.stat().st_size for p in (store.path / "panel").rglob("*.parquet"))
            / 2**20}  # fmt: skip


def last_month(store: Path):
    """The last month of the panel that has a year-earlier month in it."""
    import pandas as pd

    from helpers.panel import sql

    found = sql(store, "SELECT min(period) AS a, max(period) AS b FROM panel").iloc[0]
    first, last = (pd.Period(found[c], freq="M") for c in ("a", "b"))
    return max(last, first + 12)


def run_aggregates(workdir: Path) -> dict:
    """Every view aggregate of the last month, through the library; returns seconds."""
    from helpers import drilldown, panel
    from helpers.hs_groups import groups

    store = workdir / "store"
    t = last_month(store)
    months = [t - 12, t]
    start = time.perf_counter()
    con = panel.open_panel(store)
    done = 0
    for flow in ("export", "import"):
        panel.total_levels(store, flow, "WORLD", con=con, periods=months)
        drilldown.partner_lines(store, flow, t, "")
        sums = panel.hs_sums(store, flow, "WORLD", months, con=con)  # one scan for all groups
        done += len(panel.apply_groups(sums, groups()))
    for group, partner in (("integrated_circuits", "united_states"),
                           ("new_three", "european_union")):  # fmt: skip
        drilldown.summary(store, "export", t, group, partner)
        drilldown.hs_lines(store, "export", t, group, partner)
        drilldown.partner_lines(store, "export", t, group)
        drilldown.price_volume(store, "export", t, group, partner)
    return {"aggregate_s": time.perf_counter() - start, "groups": done, "month": str(t)}


def run_pandas(workdir: Path, rows: int, pandas_rows: int) -> dict:
    """Load Parquet partitions whole into pandas (whole years up to ~pandas_rows) and group."""
    import pandas as pd
    import pyarrow.parquet as pq

    from helpers.hs_groups import groups

    store = workdir / "store" / "panel"
    files = sorted(store.glob("flow=*/year=*/*.parquet"),
                   key=lambda p: (-int(p.parent.name.split("=")[1]), p.parent.parent.name))
    # newest years first, both flows of a year together
    chosen, total = [], 0
    for path in files:
        if total >= pandas_rows:
            break
        chosen.append(path)
        total += pq.ParquetFile(path).metadata.num_rows
    start = time.perf_counter()
    frame = pd.concat(
        [pd.read_parquet(p).assign(flow=p.parent.parent.name.split("=")[1]) for p in chosen],
        ignore_index=True,
    )
    load_s = time.perf_counter() - start
    t = frame["period"].max()
    months = frame[frame["period"].isin([t, t - pd.DateOffset(years=1)])]
    months.groupby(["flow", "period", "partner"])["value"].sum()
    months[months["hs"] == "TOTAL"].groupby(["flow", "period"])["value"].sum()
    for group in groups().values():
        mask = pd.Series(False, index=months.index)
        for prefix in group.include:
            mask |= months["hs"].str.startswith(prefix)
        for prefix in group.exclude:
            mask &= ~months["hs"].str.startswith(prefix)
        months[mask & (months["partner"] == "WORLD")].groupby(["flow", "period"])["value"].sum()
    seconds = time.perf_counter() - start
    scale = rows / total if total else float("nan")
    return {"pandas_s": seconds, "pandas_load_s": load_s, "pandas_rows": total,
            "pandas_s_scaled": seconds * scale, "scaled": total < rows}  # fmt: skip


def child(phase: str, workdir: Path, args) -> tuple[dict, float]:
    """Run one phase in a child process; returns its result and its peak RSS in MB."""
    out = workdir / f"{phase}.json"
    proc = subprocess.Popen([sys.executable, __file__, "--phase", phase, "--workdir",
                             str(workdir), "--rows", str(args.rows), "--pandas-rows",
                             str(args.pandas_rows)])  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"phase {phase} failed (status {status})")
    return json.loads(out.read_text()), usage.ru_maxrss / 1024


def main() -> int:
    """Parse arguments; run the phases (or one phase when --phase is given)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--workdir", type=Path)
    p.add_argument("--pandas-rows", type=int, default=10_000_000,
                   help="rows loaded for the pandas comparison (scaled to --rows if fewer)")
    p.add_argument("--keep", action="store_true", help="keep the generated files")
    p.add_argument("--direct", action="store_true",
                   help="write the panel directly (no CSV, import not measured)")
    p.add_argument("--phase", choices=["generate", "import", "aggregate", "pandas", "direct"])
    args = p.parse_args()
    if args.phase:
        fn = {"generate": lambda: generate(args.workdir, args.rows),
              "import": lambda: run_import(args.workdir),
              "aggregate": lambda: run_aggregates(args.workdir),
              "pandas": lambda: run_pandas(args.workdir, args.rows, args.pandas_rows),
              "direct": lambda: direct(args.workdir, args.rows)}[args.phase]
        (args.workdir / f"{args.phase}.json").write_text(json.dumps(fn()))
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_panel_"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start "
          "(the machine is shared: timings include other users' work)", flush=True)
    try:
        if args.direct:
            gen, _ = child("direct", workdir, args)
            print(f"direct: wrote {args.rows} rows ({gen['months']} months) straight into the "
                  f"panel layout in {gen['direct_s']:.0f} s, {gen['panel_mb']:.0f} MB Parquet; "
                  "import not measured", flush=True)  # fmt: skip
            imp, imp_rss = {"import_s": float("nan")}, 0.0
        else:
            gen, gen_rss = child("generate", workdir, args)
            print(f"generated {args.rows} rows ({gen['months']} months x {PARTNERS} partners x "
                  f"{HS_CODES} HS6 codes + TOTAL x 2 flows), CSV {gen['csv_mb']:.0f} MB "
                  f"(peak RSS {gen_rss:.0f} MB)", flush=True)  # fmt: skip
            imp, imp_rss = child("import", workdir, args)
            print(f"import: {imp['import_s']:.1f} s, {imp['panel_rows']} panel rows, "
                  f"{imp['panel_mb']:.0f} MB Parquet, {imp['store_rows']} store rows, peak RSS "
                  f"{imp_rss:.0f} MB (DuckDB threads=2, memory_limit=1GB)", flush=True)
        agg, agg_rss = child("aggregate", workdir, args)
        print(f"aggregate: {agg['aggregate_s']:.2f} s for every view aggregate of "
              f"{agg['month']} and a year earlier ({agg['groups']} group x flow sums, totals, "
              f"partners, 2 drill-downs), peak RSS {agg_rss:.0f} MB", flush=True)
        pan, pan_rss = child("pandas", workdir, args)
        how = (f"measured on {pan['pandas_rows']} rows and scaled linearly to {args.rows}"
               if pan["scaled"] else "measured on all rows")
        print(f"pandas: load {pan['pandas_load_s']:.1f} s + group = {pan['pandas_s']:.1f} s "
              f"({how}: {pan['pandas_s_scaled']:.1f} s), peak RSS {pan_rss:.0f} MB", flush=True)
        peak = max(imp_rss, agg_rss)  # --direct: the aggregate process only
        ratio = pan["pandas_s_scaled"] / agg["aggregate_s"]
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
        print(f"peak RSS of the panel path (import, aggregate): {peak:.0f} MB")
        print(f"pandas ratio: {ratio:.1f}x")
        import_s = ("not_measured" if args.direct else f"{imp['import_s']:.1f}")
        print(f"rows={args.rows} import_s={import_s} "
              f"aggregate_s={agg['aggregate_s']:.2f} peak_rss_mb={peak:.0f} "
              f"pandas_ratio={ratio:.1f}")  # fmt: skip
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
