"""Consensus forecasts and leading indicators as data: `python -m helpers import consensus FILE`.

CSV formats (one header line, UTF-8; extra columns are an error):

consensus    period (YYYY-MM, the release month), flow (export, import or net), metric (yoy: y/y
             %, for export/import; balance: USD bn, for net), value, source (who: "Reuters
             poll"), as_of (YYYY-MM-DD: when the consensus stood so; record it before the
             release), unit (optional: pct for yoy, usd_bn for balance)
indicators   period (YYYY-MM), indicator (snake_case name, e.g. global_pmi), value, unit,
             source, as_of (YYYY-MM-DD)

Storage, in the store folder (written atomically):
    <store>/consensus_vintages.csv    every row ever imported, with its as_of (vintages kept)
    <store>/consensus.csv             the latest as_of per (period, flow, metric): what the
                                      views read (helpers.data.load_dataset)
    <store>/indicators_vintages.csv, <store>/indicators.csv   likewise per (period, indicator)
Importing the same file twice adds nothing; a changed value with a new as_of is a new vintage.

Two more layouts are detected from their header:

consensus, AKShare/Jin10 (``商品,日期,今值,预测值,前值``: AKShare's macro_china_exports_yoy,
    macro_china_imports_yoy, macro_china_trade_balance; UTF-8, BOM or not). 日期 is the *release*
    date: a release in month m reports month m-1, except the March release of a year whose
    January and February were published combined (a year in data/classifications/
    janfeb_combined.csv, or one whose file has no February release carrying a value), which
    reports both months (rows for January and February with the combined figure; a February
    release of such a year is skipped: there was no January-only release). One row per data
    month: the first release carrying an actual (今值); releases before it without an actual,
    and later ones for the same month, are skipped and counted. Its consensus (预测值; if empty,
    the last one published before it for that month) becomes a consensus row with the release
    date as as_of; 今值 is kept as the month's first print and 前值 (the previous month as then
    known) as that month's revised print when it differs, in <store>/releases_vintages.csv
    (period, flow, metric, value, months, print first/revised, source, as_of). Exports and
    imports y/y (pct); the balance in USD 100 million is stored in USD bn.
indicators, one series per file (``period,value``): the file's name is looked up in
    data/indicator_releases.csv (indicator, file, unit, source, lag_days), which gives the
    indicator's name and its publication lag: the value for month t is taken as published
    `lag_days` after the last day of t (PMI 0: the last day of t; Korea's trade 1: the 1st of
    t+1; OECD CLI 42; US Census 35), and that date is its as_of. The views' indicators.csv keeps
    as_of, so a backtest can use only what was published at each forecast origin.

    import_side_table(kind, path, store_dir) -> SideReport
    first_releases(store_dir, flow, metric) -> Series of first-printed values (single months)
    indicator_publication(store_dir) -> (values, as_of) wide tables of the latest vintages
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.atomic import atomic_write
from helpers.paths import DATA_DIR
from helpers.schema import DataValidationError, Problem

__all__ = ["KINDS", "SideReport", "first_releases", "import_side_table",
           "indicator_publication", "read_jin10"]  # fmt: skip

SPEC = {
    "consensus": {
        "required": ["period", "flow", "metric", "value", "source", "as_of"],
        "optional": ["unit"],
        "key": ["period", "flow", "metric"],
        "view": ["period", "flow", "metric", "value", "unit", "source"],
    },
    "indicators": {
        "required": ["period", "indicator", "value", "unit", "source", "as_of"],
        "optional": [],
        "key": ["period", "indicator"],
        "view": ["period", "indicator", "value", "unit", "source", "as_of"],
    },
}
KINDS = tuple(SPEC)
UNITS = {"yoy": "pct", "balance": "usd_bn"}
FLOWS = {"yoy": {"export", "import"}, "balance": {"net"}}
JIN10_HEADER = ["商品", "日期", "今值", "预测值", "前值"]
JIN10_SERIES = {  # words in the 商品 column -> (flow, metric, factor to the kit's unit)
    "出口年率": ("export", "yoy", 1.0),
    "进口年率": ("import", "yoy", 1.0),
    "贸易帐": ("net", "balance", 0.1),  # USD 100 million -> USD bn
}
RELEASE_COLUMNS = ["period", "flow", "metric", "value", "months", "print", "source", "as_of"]
INDICATOR_RELEASES = DATA_DIR / "indicator_releases.csv"


@dataclass
class SideReport:
    """What one consensus/indicators import did."""

    source: str
    kind: str
    read: int = 0
    new: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        """The report as printed by the import command."""
        lines = [f"{self.source}: imported ({self.kind})", f"  rows read {self.read}",
                 f"  stored {self.new} new vintage(s)", f"  unchanged {self.unchanged}",
                 "  rejected 0"]  # fmt: skip
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])

    @property
    def ok(self) -> bool:
        """Always True: a rejected file raises instead of reporting."""
        return True


def _header(path: Path) -> list[str]:
    """The first line's column names (BOM and spaces stripped)."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        first = handle.readline()
    return [c.strip() for c in first.strip().split(",")]


def _number(text: str) -> float | None:
    """A cell -> float, None when empty; ValueError for text."""
    text = text.strip()
    return None if text == "" else float(text)


def _combined_years() -> set[int]:
    """Years GAC published January and February only combined (data/classifications)."""
    table = pd.read_csv(DATA_DIR / "classifications" / "janfeb_combined.csv")
    return set(table["year"].astype(int))


def read_jin10(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read an AKShare/Jin10 release file (module docstring): (consensus rows in the kit's
    consensus columns, first and revised prints, counts of what was skipped). Raises
    DataValidationError naming the file, line and column of every unreadable cell."""
    name = path.name
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw.columns = [c.strip() for c in raw.columns]
    problems, rows = [], []
    for line, row in enumerate(raw.to_dict("records"), start=2):
        label = row["商品"].strip()
        found = [v for k, v in JIN10_SERIES.items() if k in label]
        if not found:
            problems.append(Problem(name, line, "商品", f"'{label}' is not a series the kit "
                                    f"knows (expected one of {sorted(JIN10_SERIES)})"))  # fmt: skip
            continue
        try:
            released = pd.Timestamp(row["日期"].strip())
            if pd.isna(released):
                raise ValueError
        except ValueError:
            problems.append(Problem(name, line, "日期", f"'{row['日期']}' is not a release date "
                                                      "(YYYY-MM-DD)"))  # fmt: skip
            continue
        values = {}
        for column in JIN10_HEADER[2:]:
            try:
                values[column] = _number(row[column])
            except ValueError:
                problems.append(Problem(name, line, column, f"'{row[column]}' is not a number"))
        if len(values) == 3:
            rows.append({"line": line, "released": released, "series": found[0], **values})
    series = {r["series"] for r in rows}
    if len(series) > 1:
        problems.append(Problem(name, None, "商品", "the file mixes series; one per file"))
    if problems:
        raise DataValidationError(problems)
    if not rows:
        raise DataValidationError([Problem(name, None, None, "the file holds no release rows")])
    flow, metric, factor = rows[0]["series"]
    rows.sort(key=lambda r: (r["released"], r["line"]))
    with_feb = {r["released"].year for r in rows
                if r["released"].month == 2 and r["今值"] is not None}  # fmt: skip
    combined = _combined_years() | {r["released"].year for r in rows
                                    if r["released"].month == 3 and r["released"].year
                                    not in with_feb}  # fmt: skip
    counts = {"empty": 0, "repeated": 0, "janfeb_skipped": 0, "no_consensus": 0, "revised": 0}
    months: dict[pd.Period, dict] = {}
    pending: dict[pd.Period, tuple] = {}  # consensus published before the month's actual
    for r in rows:
        release = pd.Period(r["released"], freq="M")
        year = release.year
        if release.month == 2 and year in combined:
            counts["janfeb_skipped"] += 1
            continue
        if release.month == 3 and year in combined:
            data = [pd.Period(f"{year}-01", "M"), pd.Period(f"{year}-02", "M")]
        else:
            data = [release - 1]
        if data[0] in months:
            counts["repeated"] += 1
            continue
        if r["今值"] is None:
            counts["empty"] += 1
            if r["预测值"] is not None:
                pending[data[0]] = (r["预测值"], r["released"].date().isoformat())
            continue
        consensus = r["预测值"] if r["预测值"] is not None else pending.get(data[0], (None,))[0]
        for month in data:
            months[month] = {"row": r, "consensus": consensus, "months": len(data)}
    # a consensus for the month after the last actual (the release is still to come)
    last = max(months) if months else None
    upcoming = {m: v for m, v in pending.items() if last is None or m > last}
    source = "jin10"
    consensus_rows, prints, revised_rows = [], [], set()
    for month, held in sorted(months.items()):
        r, as_of = held["row"], held["row"]["released"].date().isoformat()
        if held["consensus"] is None:
            counts["no_consensus"] += 1
        else:
            consensus_rows.append((month, held["consensus"], as_of))
        prints.append({"period": str(month), "value": r["今值"], "months": held["months"],
                       "print": "first", "as_of": as_of})  # fmt: skip
        previous = [m for m in months if months[m]["row"] is not r and m < month]
        if r["前值"] is not None and previous and id(r) not in revised_rows:
            revised_rows.add(id(r))  # a combined release revises its previous month once
            before = max(previous)
            first = months[before]["row"]["今值"]
            if abs(first - r["前值"]) > 1e-9:
                counts["revised"] += 1
                for m in [m for m in months if months[m]["row"] is months[before]["row"]]:
                    prints.append({"period": str(m), "value": r["前值"],
                                   "months": months[before]["months"], "print": "revised",
                                   "as_of": as_of})  # fmt: skip
    for month, (value, as_of) in sorted(upcoming.items()):
        consensus_rows.append((month, value, as_of))
    frame = pd.DataFrame(
        [{"period": str(m), "flow": flow, "metric": metric, "value": v * factor,
          "unit": UNITS[metric], "source": source, "as_of": a} for m, v, a in consensus_rows],
        columns=["period", "flow", "metric", "value", "unit", "source", "as_of"])  # fmt: skip
    releases = pd.DataFrame(prints, columns=["period", "value", "months", "print", "as_of"])
    releases = releases.assign(flow=flow, metric=metric, source=source,
                               value=releases["value"] * factor)[RELEASE_COLUMNS]  # fmt: skip
    counts["rows"], counts["months"], counts["combined"] = len(rows), len(months), sum(
        1 for h in months.values() if h["months"] == 2)
    return frame, releases, counts


def _indicator_releases() -> pd.DataFrame:
    """data/indicator_releases.csv: indicator, file, unit, source, lag_days (one row each)."""
    return pd.read_csv(INDICATOR_RELEASES, dtype={"lag_days": int}, comment="#")


def _read_single_indicator(path: Path) -> pd.DataFrame:
    """A `period,value` file named in data/indicator_releases.csv -> indicators rows, as_of =
    the last day of the month + the indicator's publication lag."""
    name = path.name
    known = _indicator_releases().set_index("file")
    if name not in known.index:
        raise DataValidationError([Problem(name, 1, "header", (
            f"a period,value file must be named as in {INDICATOR_RELEASES.name} (which gives "
            f"its indicator and publication lag): one of {sorted(known.index)}"))])
    spec = known.loc[name]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    problems = []
    periods, values = [], []
    for line, row in enumerate(frame.to_dict("records"), start=2):
        try:
            if not pd.Series([row["period"]]).str.fullmatch(r"\d{4}-\d{2}").iloc[0]:
                raise ValueError
            periods.append(pd.Period(row["period"], freq="M"))
        except ValueError:
            problems.append(Problem(name, line, "period", f"'{row['period']}' is not a month "
                                                          "(YYYY-MM)"))  # fmt: skip
            continue
        try:
            values.append(float(row["value"]))
        except ValueError:
            periods.pop()
            problems.append(Problem(name, line, "value", f"'{row['value']}' is not a number"))
    if problems:
        raise DataValidationError(problems)
    index = pd.PeriodIndex(periods, freq="M")
    as_of = index.to_timestamp(how="end").normalize() + pd.to_timedelta(int(spec["lag_days"]),
                                                                       unit="D")  # fmt: skip
    return pd.DataFrame({"period": index.astype(str), "indicator": spec["indicator"],
                         "value": values, "unit": spec["unit"], "source": spec["source"],
                         "as_of": as_of.strftime("%Y-%m-%d")})  # fmt: skip


def _read(kind: str, path: Path) -> pd.DataFrame:
    """Read and check one file; raises DataValidationError naming the file, line and column."""
    spec = SPEC[kind]
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    header = _header(path)
    if kind == "consensus" and header == JIN10_HEADER:
        frame, releases, counts = read_jin10(path)
        frame.attrs.update(releases=releases, counts=counts)
        return frame
    if kind == "indicators" and header == ["period", "value"]:
        return _read_single_indicator(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    name = path.name
    problems = []
    missing = [c for c in spec["required"] if c not in frame.columns]
    extra = [c for c in frame.columns if c not in spec["required"] + spec["optional"]]
    if missing or extra:
        detail = (f"missing column(s) {missing}" if missing else "") + (
            f"{'; ' if missing else ''}unknown column(s) {extra}" if extra else "")
        raise DataValidationError([Problem(name, 1, "header", detail)])
    frame = frame.assign(_line=range(2, len(frame) + 2))
    for row in frame.to_dict("records"):
        line = row["_line"]

        def bad(column: str, detail: str, line=line) -> None:
            problems.append(Problem(name, line, column, detail))

        try:
            pd.Period(row["period"], freq="M")
            if not pd.Series([row["period"]]).str.fullmatch(r"\d{4}-\d{2}").iloc[0]:
                raise ValueError
        except ValueError:
            bad("period", f"'{row['period']}' is not a month (YYYY-MM)")
        try:
            float(row["value"])
        except ValueError:
            bad("value", f"'{row['value']}' is not a number")
        try:
            if pd.isna(pd.Timestamp(row["as_of"] or "not a date")):
                raise ValueError
        except ValueError:
            bad("as_of", f"'{row['as_of']}' is not a date (YYYY-MM-DD)")
        if not row["source"].strip():
            bad("source", "source is empty (say who made the forecast or series)")
        if kind == "consensus":
            if row["metric"] not in FLOWS:
                bad("metric", f"'{row['metric']}' is not one of {sorted(FLOWS)}")
            elif row["flow"] not in FLOWS[row["metric"]]:
                bad("flow", f"'{row['flow']}' does not go with metric '{row['metric']}' "
                            f"(use {sorted(FLOWS[row['metric']])})")  # fmt: skip
            unit = row.get("unit", "")
            if unit and row["metric"] in UNITS and unit != UNITS[row["metric"]]:
                bad("unit", f"'{unit}': metric '{row['metric']}' is in {UNITS[row['metric']]}")
        elif not row["indicator"].strip():
            bad("indicator", "indicator name is empty")
    dupes = frame[frame.duplicated([*spec["key"], "as_of"], keep=False)]
    if len(dupes):
        bad_line = int(dupes["_line"].iloc[1])
        problems.append(Problem(name, bad_line, "period", f"duplicate {spec['key']} + as_of"))
    if problems:
        raise DataValidationError(problems)
    if kind == "consensus":
        unit = frame["unit"] if "unit" in frame.columns else pd.Series("", index=frame.index)
        frame["unit"] = unit.where(unit != "", frame["metric"].map(UNITS))
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date.astype(str)
    frame["value"] = frame["value"].astype(float)
    return frame.drop(columns="_line")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table atomically (no index)."""
    with atomic_write(path) as handle:
        frame.to_csv(handle, index=False)


def import_side_table(kind: str, path: str | Path, store_dir: str | Path) -> SideReport:
    """Validate a consensus/indicators CSV and add its rows to the store's vintages."""
    spec = SPEC[kind]
    path, store_dir = Path(path), Path(store_dir)
    incoming = _read(kind, path)
    report = SideReport(str(path), kind, read=len(incoming))
    if "counts" in incoming.attrs:
        report.read = incoming.attrs["counts"]["rows"]
        report.notes.append(_jin10_note(incoming.attrs["counts"], len(incoming)))
    store_dir.mkdir(parents=True, exist_ok=True)
    vintages_file = store_dir / f"{kind}_vintages.csv"
    columns = [*spec["key"], "value", "unit", "source", "as_of"]
    held = (pd.read_csv(vintages_file, dtype={"period": str, "as_of": str})
            if vintages_file.exists() else pd.DataFrame(columns=columns))  # fmt: skip
    merged = incoming[columns].merge(held[[*spec["key"], "as_of", "value"]],
                                     on=[*spec["key"], "as_of"], how="left",
                                     suffixes=("", "_held"), indicator=True)  # fmt: skip
    same = (merged["_merge"] == "both") & (merged["value"] == merged["value_held"])
    changed = (merged["_merge"] == "both") & ~same
    if changed.any():
        first = merged[changed].iloc[0]
        raise DataValidationError([Problem(path.name, 0, "value", (
            f"{dict((k, first[k]) for k in spec['key'])} as of {first['as_of']} is already held "
            f"with value {first['value_held']}; a revised consensus needs a new as_of date"))])
    report.unchanged = int(same.sum())
    new = incoming.loc[~same.to_numpy(), columns]
    report.new = len(new)
    if kind == "consensus" and "counts" not in incoming.attrs:  # Jin10: as_of is the release
        late = _after_release(new, store_dir)
        if late:
            report.notes.append(
                f"{len(late)} consensus row(s) dated on or after GAC's release of their month "
                f"(consensus should be recorded as it stood before the release): "
                + ", ".join(late[:5]))
    if "releases" in incoming.attrs:
        report.notes.append(_keep_releases(incoming.attrs["releases"], store_dir))
    if report.new:
        every = pd.concat([held, new], ignore_index=True)
        every = every.sort_values([*spec["key"], "as_of"], kind="stable")
        _write_csv(every[columns], vintages_file)
        latest = every.drop_duplicates(spec["key"], keep="last")
        _write_csv(latest[spec["view"]], store_dir / f"{kind}.csv")
        report.notes.append(f"views read {store_dir / f'{kind}.csv'} (latest as_of per "
                            f"{'/'.join(spec['key'])}; {len(every)} vintage row(s) kept)")
    return report


def _after_release(rows: pd.DataFrame, store_dir: Path) -> list[str]:
    """Consensus rows whose as_of is not before the store's release date (vintage) of the month."""
    if not (store_dir / "store.parquet").exists():
        return []
    from helpers.ingest import store

    month = store.load(store_dir)
    world = month[(month["partner"] == "WORLD") & (month["product"] == "TOTAL")
                  & month["source"].str.startswith("gac:")]  # fmt: skip
    release = world.groupby(world["period"].astype(str))["vintage"].min().str[:10]
    late = rows[rows["period"].map(lambda month: release.get(month, "9999")) <= rows["as_of"]]
    return [f"{r.period} {r.flow} {r.metric} as of {r.as_of}" for r in late.itertuples()]


def _jin10_note(counts: dict, consensus_rows: int) -> str:
    """One line on what a Jin10 file held and what was skipped."""
    return (f"AKShare/Jin10 layout: {counts['rows']} release row(s) -> {counts['months']} data "
            f"month(s) ({counts['combined']} from combined Jan-Feb releases), {consensus_rows} "
            f"consensus row(s); skipped {counts['empty']} row(s) without an actual, "
            f"{counts['repeated']} repeated release(s) of a month already reported, "
            f"{counts['janfeb_skipped']} February release(s) of a year published Jan-Feb "
            f"combined; {counts['no_consensus']} month(s) without a consensus; "
            f"{counts['revised']} previous value(s) differing from the first print kept as "
            "revised prints")


def _keep_releases(releases: pd.DataFrame, store_dir: Path) -> str:
    """Add first/revised prints to <store>/releases_vintages.csv (no duplicates)."""
    target = store_dir / "releases_vintages.csv"
    held = (pd.read_csv(target, dtype={"period": str, "as_of": str})
            if target.exists() else pd.DataFrame(columns=RELEASE_COLUMNS))  # fmt: skip
    every = pd.concat([held, releases], ignore_index=True)
    key = ["period", "flow", "metric", "print", "as_of"]
    every = every.drop_duplicates(key, keep="first").sort_values(key, kind="stable")
    added = len(every) - len(held)
    _write_csv(every[RELEASE_COLUMNS], target)
    return f"{added} first/revised print(s) added to {target}"


def first_releases(store_dir: str | Path, flow: str, metric: str = "yoy") -> pd.Series | None:
    """First-printed values of single months (pct for yoy) from <store>/releases_vintages.csv,
    or None when none are held. Months printed only as a combined Jan-Feb are left out."""
    target = Path(store_dir) / "releases_vintages.csv"
    if not target.exists():
        return None
    table = pd.read_csv(target, dtype={"period": str, "as_of": str})
    rows = table[(table["flow"] == flow) & (table["metric"] == metric)
                 & (table["print"] == "first") & (table["months"] == 1)]  # fmt: skip
    if rows.empty:
        return None
    rows = rows.sort_values("as_of").drop_duplicates("period", keep="first")
    out = pd.Series(rows["value"].to_numpy(float), index=pd.PeriodIndex(rows["period"], freq="M"))
    return out.sort_index()


def combined_releases(store_dir: str | Path) -> set[int]:
    """Years whose January and February were first printed only combined (releases table)."""
    target = Path(store_dir) / "releases_vintages.csv"
    if not target.exists():
        return set()
    table = pd.read_csv(target, dtype={"period": str, "as_of": str})
    rows = table[(table["print"] == "first") & (table["months"] == 2)]
    return {int(period[:4]) for period in rows["period"]}


def release_dates(store_dir: str | Path) -> pd.Series | None:
    """Date of each month's first release (any flow) from <store>/releases_vintages.csv."""
    target = Path(store_dir) / "releases_vintages.csv"
    if not target.exists():
        return None
    table = pd.read_csv(target, dtype={"period": str, "as_of": str})
    first = table[table["print"] == "first"].groupby("period")["as_of"].min()
    return pd.Series(pd.to_datetime(first.to_numpy()), index=pd.PeriodIndex(first.index, freq="M"))


def indicator_publication(store_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(values, publication dates) of the store's indicators, wide (month x indicator), or None.
    Dates are each row's as_of (for files read with data/indicator_releases.csv: the day the
    value was published)."""
    target = Path(store_dir) / "indicators.csv"
    if not target.exists():
        return None
    table = pd.read_csv(target, dtype={"period": str})
    if "as_of" not in table.columns:
        return None
    values = table.pivot(index="period", columns="indicator", values="value")
    dates = table.assign(as_of=pd.to_datetime(table["as_of"])).pivot(
        index="period", columns="indicator", values="as_of")
    for wide in (values, dates):
        wide.index = pd.PeriodIndex(wide.index, freq="M")
    return values.sort_index(), dates.sort_index()
