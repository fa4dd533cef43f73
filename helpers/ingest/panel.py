"""Write the HS-level panel: Comtrade rows with HS detail and partner x product kept.

Layout (hive-partitioned Parquet beside the store file)::

    <store>/panel/flow=export/year=2025/data.parquet
    <store>/panel/flow=import/year=2025/data.parquet

Columns in each file (``flow`` and ``year`` come from the folder names): ``period`` (DATE, the
first day of the month), ``partner`` (kit partner code, data/classifications/
comtrade_partners.csv; ``WORLD`` for Comtrade's World row), ``partner_code`` (Comtrade's partner
code as published), ``hs`` (``TOTAL`` or 2-10 digits as published), ``value`` (currency units),
``currency`` (USD), ``quantity`` and ``quantity_unit`` (the supplementary quantity, in tonnes /
units / pairs where Comtrade's unit converts, else as published), ``net_weight_t`` (net weight
in tonnes), ``source`` and ``vintage``. Rows are sorted by period, hs and partner_code so that
one month's rows sit in few row groups.

Key: (period, flow, partner_code, hs, currency). The panel holds the value in force: an
incoming row equal to the stored one (value and quantity) is unchanged; a different value
replaces the stored one when its vintage is not older. A partition is rewritten only when
something changed, by writing a temporary file beside it and renaming it over the old one
(atomic per partition), so re-importing the same file writes nothing.

Files are streamed by DuckDB's CSV reader (every cell as text, numbered in file order by a
streaming row_number) into an on-disk scratch database inside the store, checked and
normalised there with SQL; nothing is ever loaded whole into pandas. DuckDB runs with 2 threads
and a memory limit (``connect``, from helpers.panel_store: the panel's folder and the
connection are shared with the query side, helpers.panel), spilling to the scratch folder.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from helpers import classifications
from helpers.ingest.readers import comtrade
from helpers.panel_store import PANEL_DIR, connect
from helpers.schema import Problem

__all__ = [
    "PANEL_DIR",
    "PanelReport",
    "commit",
    "connect",
    "kit_rows",
    "stage_frame",
    "stage_file",
    "staging",
]

FILE_NAME = "data.parquet"
FILE_COLUMNS = ["period", "partner", "partner_code", "hs", "value", "currency", "quantity",
                "quantity_unit", "net_weight_t", "source", "vintage"]  # fmt: skip
MAX_PROBLEMS = 50


@dataclass
class PanelReport:
    """What one import did to the panel."""

    rows: int = 0
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    older: int = 0
    partitions: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        written = ", ".join(self.partitions) if self.partitions else "none (nothing changed)"
        older = f", older vintage ignored {self.older}" if self.older else ""
        return (f"HS panel: {self.rows} rows; new {self.new}, revised {self.revised}, "
                f"unchanged {self.unchanged}{older}; partitions written: {written}")  # fmt: skip


@contextlib.contextmanager
def staging(store_dir: str | Path, memory_limit: str = "1GB", threads: int = 2):
    """A DuckDB connection whose scratch folder (spill files, staged rows) is inside
    `<store>/panel/` (same disk as the panel) and removed afterwards."""
    root = Path(store_dir) / PANEL_DIR
    created = not root.exists()
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    (scratch / "spill").mkdir()
    con = connect(threads, memory_limit, scratch / "spill")
    try:
        yield con
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)
        if created and not any(root.iterdir()):  # a rejected first import leaves nothing behind
            root.rmdir()


# --------------------------------------------------------------------------- reading


def _header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), [])


def _columns(header: list[str], name: str) -> dict[str, str]:
    """Comtrade+ name -> column name in the file (raises ComtradeError for missing columns)."""
    comtrade.resolve_columns(pd.DataFrame(columns=header), name)
    found = {}
    for target, names in comtrade.ALIASES.items():
        hit = target if target in header else next((n for n in names if n in header), None)
        if hit:
            found[target] = hit
    if "reporterDesc" in header:
        found["reporterDesc"] = "reporterDesc"
    return found


def _csv_source(con, path: Path, name: str) -> dict[str, str]:
    """Table `batch`: the file's needed columns as text with their line numbers (DuckDB CSV)."""
    header = _header(path)
    columns = _columns(header, name)
    wanted = ", ".join(_q(c) for c in sorted(set(columns.values())))
    # a streaming row_number over the ordered CSV scan numbers the rows in file order
    con.execute(f"""CREATE OR REPLACE TEMP VIEW batch AS SELECT _line, {wanted}, {_normal(columns)}
        FROM (SELECT row_number() OVER () + 1 AS _line, *
              FROM read_csv('{path.as_posix()}', all_varchar = true, header = true,
                            names = [{', '.join(_literal(c) for c in header)}]))""")  # fmt: skip
    return columns


def _frame_source(con, raw: pd.DataFrame, name: str) -> dict[str, str]:
    """Table `batch` from a table in memory (Excel sheet, API answer)."""
    columns = _columns(list(raw.columns), name)
    text = raw[sorted(set(columns.values()))].astype(str).replace({"nan": "", "None": ""})
    text["_line"] = raw["_line"].to_numpy() if "_line" in raw else np.arange(len(raw)) + 2
    table = pa.Table.from_pandas(text, preserve_index=False)
    con.register("batch_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE batch_rows AS SELECT * FROM batch_arrow")
    con.unregister("batch_arrow")
    con.execute(f"CREATE OR REPLACE TEMP VIEW batch AS SELECT *, {_normal(columns)} "
                "FROM batch_rows")
    return columns


def _normal(columns: dict[str, str]) -> str:
    """Select list computing every normalised field once per row (columns n_<field>)."""
    return ", ".join(f"{sql} AS n_{key}" for key, sql in _expressions(columns).items()
                     if key != "period_col")  # fmt: skip


def _fields(columns: dict[str, str]) -> dict[str, str]:
    """Names of the normalised columns of table `batch` (and the period's source column)."""
    fields = {key: f"n_{key}" for key in _expressions(columns)}
    fields["period_col"] = _expressions(columns)["period_col"]
    return fields


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


# --------------------------------------------------------------------------- staging


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _expressions(columns: dict[str, str]) -> dict[str, str]:
    """SQL over one batch's text columns: normalised fields and the row's problems."""

    def col(target: str) -> str:
        return f"trim({_q(columns[target])})" if target in columns else "''"

    def number(target: str) -> str:
        text = col(target)
        return (f"CASE WHEN ends_with({text}, '.0') THEN substr({text}, 1, length({text}) - 2) "
                f"ELSE {text} END")

    if "period" in columns:
        period, period_col = number("period"), "period"
    elif "refPeriodId" in columns:
        period, period_col = f"left({number('refPeriodId')}, 6)", "refPeriodId"
    else:
        period = f"{number('refYear')} || lpad({number('refMonth')}, 2, '0')"
        period_col = "refMonth"
    cmd = number("cmdCode")
    cmd = (f"CASE WHEN upper({cmd}) = 'TOTAL' THEN 'TOTAL' WHEN regexp_full_match({cmd}, "
           f"'\\d+') AND length({cmd}) % 2 = 1 AND length({cmd}) < 6 THEN '0' || {cmd} "
           f"ELSE {cmd} END")  # fmt: skip
    value = col("primaryValue")
    missing = f"lower({value}) IN ('', 'nan', 'none')"
    unit = f"lower({col('qtyUnitAbbr')})"
    factors = " ".join(f"WHEN '{k}' THEN {f}" for k, (_, f) in comtrade.UNITS.items())
    targets = " ".join(f"WHEN '{k}' THEN '{t}'" for k, (t, _) in comtrade.UNITS.items())
    qty = f"TRY_CAST(nullif({col('qty')}, '') AS DOUBLE)"
    keep = " AND ".join(
        f"{number(c)} IN ({', '.join(repr(v) for v in sorted(ok))})"
        for c, ok in comtrade.TOTAL_CODES.items() if c in columns
    ) or "TRUE"  # fmt: skip
    partner_code = number("partnerCode") if "partnerCode" in columns else "''"
    return {
        "period_text": period,
        "period_col": period_col,
        "flow_text": f"upper({col('flowCode')})",
        "reporter": number("reporterCode"),
        "reporter_desc": col("reporterDesc"),
        "freq": f"upper({col('freqCode')})",
        "keep": keep,
        "cmd": cmd,
        "value_missing": missing,
        "value": f"TRY_CAST(CASE WHEN {missing} THEN NULL ELSE {value} END AS DOUBLE)",
        "factor": f"CASE {unit} {factors} END",
        "canonical": f"CASE {unit} {targets} END",
        "unit": unit,
        "unit_raw": col("qtyUnitAbbr"),
        "qty": qty,
        "weight": f"TRY_CAST(nullif({col('netWgt')}, '') AS DOUBLE)",
        "partner_code": partner_code,
        "partner_iso": f"upper({col('partnerISO')})",
    }


def _checks(e: dict[str, str], columns: dict[str, str]) -> list[tuple[str, str, str]]:
    """(SQL condition, column, SQL message) of each check, in the reader's order."""
    flows = ", ".join(repr(f) for f in comtrade.FLOWS)
    dropped = ", ".join(repr(f) for f in comtrade.DROPPED_FLOWS)
    kept = f"{e['keep']} AND {e['flow_text']} NOT IN ({dropped})"
    raw_col = columns.get(e["period_col"], e["period_col"])
    quote = "''''"
    if e["period_col"] in columns:
        hint = (f"CASE WHEN length(trim({_q(raw_col)})) = 4 THEN ' (annual data: download "
                "monthly data, freqCode M)' ELSE '' END")  # fmt: skip
        period_msg = f"{quote} || trim({_q(raw_col)}) || ''' is not a month YYYYMM' || {hint}"
    else:
        period_msg = "'is not a month YYYYMM'"
    checks = [
        (f"{e['freq']} = 'A'" if "freqCode" in columns else "FALSE", "freqCode",
         "'annual data (freqCode A): the kit needs monthly data (M)'"),
        (f"{e['reporter']} <> '{comtrade.CHINA}'", "reporterCode",
         f"rtrim('reporter is ' || {e['reporter']} || ' ' || {e['reporter_desc']}) || "
         f"', not China ({comtrade.CHINA}): this reader takes China''s own data'"),
        (f"{e['flow_text']} NOT IN ({flows}) AND {e['flow_text']} NOT IN ({dropped})",
         "flowCode", f"{quote} || {_q(columns['flowCode'])} || ''' is not X (export) or M "
         "(import)'"),
        (f"{kept} AND NOT regexp_full_match({e['period_text']}, "
         r"'(19|20)\d{2}(0[1-9]|1[0-2])')", e["period_col"], period_msg),
        (f"{kept} AND ({e['value']} IS NULL OR {e['value']} < 0)", "primaryValue",
         f"{quote} || {_q(columns['primaryValue'])} || ''' is not a non-negative number'"),
        (f"{kept} AND NOT ({e['cmd']} = 'TOTAL' OR regexp_full_match({e['cmd']}, "
         r"'(\d\d){1,5}'))", "cmdCode",
         f"{quote} || {_q(columns['cmdCode'])} || ''' is not TOTAL or an HS code of 2 to 10 "
         "digits'"),
    ]  # fmt: skip
    return checks


def _problems(con, checks, name: str) -> list[Problem]:
    """Problems found while staging: annual data or another reporter first, else the rest."""
    found = con.execute(f"""SELECT _line, priority, message FROM staged_all
        WHERE priority IS NOT NULL ORDER BY priority < 2 DESC, priority, _line
        LIMIT {MAX_PROBLEMS}""").fetchall()  # fmt: skip
    if not found:
        return []
    first = found[0][1]
    if first < 2:  # annual data or another reporter: only those are reported
        found = [f for f in found if f[1] == first][: 20 if first == 0 else MAX_PROBLEMS]
    else:
        found = sorted(found, key=lambda f: f[0])
    return [Problem(name, int(line), checks[p][1], text) for line, p, text in found]


def _partner_table(con) -> None:
    by_code, by_iso = comtrade.partner_map()
    codes = pd.DataFrame({"code": list(by_code), "kit": list(by_code.values())})
    isos = pd.DataFrame({"iso": list(by_iso), "kit": list(by_iso.values())})
    con.register("partner_codes_df", codes)
    con.register("partner_isos_df", isos)
    con.execute("CREATE OR REPLACE TEMP TABLE partner_codes AS SELECT * FROM partner_codes_df")
    con.execute("CREATE OR REPLACE TEMP TABLE partner_isos AS SELECT * FROM partner_isos_df")


def _stage(con, columns: dict[str, str], name: str) -> tuple[int, list[str]]:
    """Read view `batch` once into Parquet scratch, check it, expose view `staged`.

    Raises ComtradeError (nothing written to the store or panel) on bad cells or duplicates.
    """
    _partner_table(con)
    e = _fields(columns)
    checks = _checks(e, columns)
    priority = " ".join(f"WHEN {cond} THEN {i}" for i, (cond, _, _) in enumerate(checks))
    message = " ".join(f"WHEN {cond} THEN {msg}" for cond, _, msg in checks)
    dropped = ", ".join(repr(f) for f in comtrade.DROPPED_FLOWS)
    flow_case = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in comtrade.FLOWS.items())
    scratch = Path(con.execute("SELECT current_setting('temp_directory')").fetchone()[0])
    rows = (scratch / "rows.parquet").as_posix()
    qty = e["qty"]
    # one pass over the file: checks, flags and normalised rows to compressed Parquet on disk
    con.execute(f"""
    COPY (
    SELECT _line, x_priority AS priority, x_message AS message, x_kept AS kept,
           x_reexport AS reexport, x_period AS period, x_flow AS flow, x_partner AS partner,
           x_partner_code AS partner_code, x_hs AS hs, x_value AS value,
           CASE WHEN x_factor IS NOT NULL THEN x_qty * x_factor ELSE x_qty END AS quantity,
           CASE WHEN x_qty IS NULL THEN NULL WHEN x_factor IS NOT NULL THEN x_canonical
                ELSE nullif(x_unit_raw, '') END AS quantity_unit,
           x_weight / 1000.0 AS net_weight_t,
           coalesce(CASE WHEN x_canonical = 'tonnes' THEN x_qty * x_factor END,
                    x_weight * 1e-3) AS q_tonnes,
           CASE WHEN x_canonical = 'units' THEN x_qty * x_factor END AS q_units,
           CASE WHEN x_canonical = 'pairs' THEN x_qty * x_factor END AS q_pairs
    FROM (
        SELECT b._line, CASE {priority} END AS x_priority, CASE {message} END AS x_message,
               {e['keep']} AS x_kept, {e['flow_text']} IN ({dropped}) AS x_reexport,
               try_strptime({e['period_text']} || '01', '%Y%m%d')::DATE AS x_period,
               CASE {e['flow_text']} {flow_case} END AS x_flow,
               coalesce(pc.kit, pi.kit, 'rest_of_world') AS x_partner,
               CASE WHEN {e['partner_code']} <> '' THEN {e['partner_code']}
                    ELSE {e['partner_iso']} END AS x_partner_code,
               {e['cmd']} AS x_hs, {e['value']} AS x_value, {qty} AS x_qty,
               {e['factor']} AS x_factor, {e['canonical']} AS x_canonical,
               {e['unit_raw']} AS x_unit_raw, {e['weight']} AS x_weight
        FROM batch b
        LEFT JOIN partner_codes pc ON pc.code = {e['partner_code']}
        LEFT JOIN partner_isos pi ON pi.iso = {e['partner_iso']}
    )) TO '{rows}' (FORMAT parquet, ROW_GROUP_SIZE 100000)""")  # fmt: skip
    con.execute(f"CREATE OR REPLACE TEMP VIEW staged_all AS SELECT * FROM read_parquet('{rows}')")
    problems = _problems(con, checks, name)
    if problems:
        raise comtrade.ComtradeError(problems)
    read, breakdown, reexport = con.execute("""SELECT count(*), count(*) FILTER (WHERE NOT kept),
        count(*) FILTER (WHERE kept AND reexport) FROM staged_all""").fetchone()  # fmt: skip
    con.execute("""CREATE OR REPLACE TEMP VIEW staged AS
        SELECT _line, period, flow, partner, partner_code, hs, value, quantity, quantity_unit,
               net_weight_t, q_tonnes, q_units, q_pairs
        FROM staged_all WHERE kept AND NOT reexport AND partner <> '_aggregate'""")
    kept = con.execute("SELECT count(*) FROM staged").fetchone()[0]
    aggregate = read - breakdown - reexport - kept
    notes = []
    if breakdown:
        notes.append(f"{breakdown} breakdown row(s) (partner2/mode/customs procedure) dropped")
    if reexport:
        notes.append(f"{reexport} re-export/re-import row(s) dropped")
    if aggregate:
        notes.append(f"{aggregate} row(s) for partner groups such as the EU dropped (their "
                     "members are counted one by one)")  # fmt: skip
    duplicates = con.execute("""SELECT min(_line), max(_line), count(*) FROM staged
        GROUP BY period, flow, partner_code, hs HAVING count(*) > 1
        ORDER BY 1 LIMIT 20""").fetchall()  # fmt: skip
    if duplicates:
        raise comtrade.ComtradeError([
            Problem(name, int(last), None, f"same month, flow, partner and HS code as line "
                    f"{int(first)} (and {n - 2} more)" if n > 2 else
                    f"same month, flow, partner and HS code as line {int(first)}")
            for first, last, n in duplicates
        ])  # fmt: skip
    return read, notes


def stage_file(con, path: str | Path) -> tuple[int, list[str]]:
    """Stream a Comtrade CSV/XLSX into the staging table; returns rows read and notes."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xls"):
        raw = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        return _stage(con, _frame_source(con, raw, str(path)), str(path))
    return _stage(con, _csv_source(con, path, str(path)), str(path))


def stage_frame(con, raw: pd.DataFrame, name: str) -> tuple[int, list[str]]:
    """Stage a Comtrade table already in memory (the live API's answer)."""
    return _stage(con, _frame_source(con, raw, name), name)


# --------------------------------------------------------------------------- outputs


def kit_rows(con) -> pd.DataFrame:
    """Staged rows summed to kit partners for the codes kit products can be built from.

    Only TOTAL and codes that are a prefix of (or equal to) a kit product's HS prefix can enter
    a kit product (comtrade.product_plan picks the coarsest codes covering every prefix), so
    the rest is left in DuckDB. Quantities: a sum is NaN when any part is NaN.
    """
    prefixes = {p[:n] for p in classifications.products()["hs_codes"].str.split(";").explode()
                if p for n in range(2, len(p) + 1, 2)}  # fmt: skip
    con.register("kit_prefixes", pd.DataFrame({"hs": sorted(prefixes | {"TOTAL"})}))
    frame = con.execute("""
        SELECT strftime(period, '%Y-%m') AS period, flow, partner, hs AS cmd, sum(value) AS value,
               CASE WHEN count(q_tonnes) = count(*) THEN sum(q_tonnes) END AS q_tonnes,
               CASE WHEN count(q_units) = count(*) THEN sum(q_units) END AS q_units,
               CASE WHEN count(q_pairs) = count(*) THEN sum(q_pairs) END AS q_pairs
        FROM staged WHERE hs IN (SELECT hs FROM kit_prefixes)
        GROUP BY ALL ORDER BY ALL""").df()
    frame["period"] = pd.PeriodIndex(frame["period"], freq="M")
    return frame


def _partitions(con) -> list[tuple[str, int]]:
    return con.execute("SELECT DISTINCT flow, year(period) FROM staged ORDER BY ALL").fetchall()


def commit(con, store_dir: str | Path, vintage: str, source: str = "comtrade") -> PanelReport:
    """Merge the staged rows into the panel, one atomic partition rewrite per changed partition."""
    root = Path(store_dir) / PANEL_DIR
    report = PanelReport(rows=con.execute("SELECT count(*) FROM staged").fetchone()[0])
    source, vintage = (str(s).replace("'", "''") for s in (source, vintage))
    select = ("SELECT period, partner, partner_code, hs, value, 'USD' AS currency, quantity, "
              f"quantity_unit, net_weight_t, '{source}' AS source, '{vintage}' AS vintage "
              "FROM staged WHERE flow = '{flow}' AND year(period) = {year}")  # fmt: skip
    for flow, year in _partitions(con):
        folder = root / f"flow={flow}" / f"year={year}"
        target = folder / FILE_NAME
        con.execute("CREATE OR REPLACE TEMP VIEW incoming AS "
                    + select.replace("{flow}", flow).replace("{year}", str(int(year))))
        if target.exists():
            con.execute(f"CREATE OR REPLACE TEMP VIEW stored AS SELECT {', '.join(FILE_COLUMNS)} "
                        f"FROM read_parquet('{target.as_posix()}')")  # fmt: skip
            new, unchanged, revised, older = con.execute("""
                SELECT count(*) FILTER (WHERE s.value IS NULL),
                       count(*) FILTER (WHERE s.value = i.value
                                        AND s.quantity IS NOT DISTINCT FROM i.quantity),
                       count(*) FILTER (WHERE s.value IS NOT NULL AND NOT (s.value = i.value
                                        AND s.quantity IS NOT DISTINCT FROM i.quantity)
                                        AND i.vintage >= s.vintage),
                       count(*) FILTER (WHERE s.value IS NOT NULL AND NOT (s.value = i.value
                                        AND s.quantity IS NOT DISTINCT FROM i.quantity)
                                        AND i.vintage < s.vintage)
                FROM incoming i LEFT JOIN stored s
                  USING (period, partner_code, hs, currency)""").fetchone()  # fmt: skip
            merged = """
                SELECT * FROM stored s WHERE NOT EXISTS (
                    SELECT 1 FROM incoming i WHERE i.period = s.period AND i.hs = s.hs
                      AND i.partner_code = s.partner_code AND i.currency = s.currency
                      AND NOT (i.value = s.value AND i.quantity IS NOT DISTINCT FROM s.quantity)
                      AND i.vintage >= s.vintage)
                UNION ALL
                SELECT * FROM incoming i WHERE NOT EXISTS (
                    SELECT 1 FROM stored s WHERE i.period = s.period AND i.hs = s.hs
                      AND i.partner_code = s.partner_code AND i.currency = s.currency
                      AND ((i.value = s.value AND i.quantity IS NOT DISTINCT FROM s.quantity)
                           OR i.vintage < s.vintage))"""  # fmt: skip
        else:
            new = con.execute("SELECT count(*) FROM incoming").fetchone()[0]
            unchanged = revised = older = 0
            merged = "SELECT * FROM incoming"
        report.new += new
        report.unchanged += unchanged
        report.revised += revised
        report.older += older
        if new + revised == 0:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{FILE_NAME}.", suffix=".tmp", dir=folder)
        os.close(fd)
        try:
            con.execute(f"COPY ({merged} ORDER BY period, hs, partner_code) TO '{tmp}' "
                        "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000)")  # fmt: skip
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        report.partitions.append(f"{flow}/{year}")
    return report
