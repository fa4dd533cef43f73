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

    import_side_table(kind, path, store_dir) -> SideReport
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.atomic import atomic_write
from helpers.schema import DataValidationError, Problem

__all__ = ["KINDS", "SideReport", "import_side_table"]

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
        "view": ["period", "indicator", "value", "unit", "source"],
    },
}
KINDS = tuple(SPEC)
UNITS = {"yoy": "pct", "balance": "usd_bn"}
FLOWS = {"yoy": {"export", "import"}, "balance": {"net"}}


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
        lines = [f"{self.source}: imported ({self.kind})", f"  rows read {self.read}",
                 f"  stored {self.new} new vintage(s)", f"  unchanged {self.unchanged}",
                 "  rejected 0"]  # fmt: skip
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])

    @property
    def ok(self) -> bool:
        return True


def _read(kind: str, path: Path) -> pd.DataFrame:
    """Read and check one file; raises DataValidationError naming the file, line and column."""
    spec = SPEC[kind]
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
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
    with atomic_write(path) as handle:
        frame.to_csv(handle, index=False)


def import_side_table(kind: str, path: str | Path, store_dir: str | Path) -> SideReport:
    """Validate a consensus/indicators CSV and add its rows to the store's vintages."""
    spec = SPEC[kind]
    path, store_dir = Path(path), Path(store_dir)
    incoming = _read(kind, path)
    report = SideReport(str(path), kind, read=len(incoming))
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
    if kind == "consensus":
        late = _after_release(new, store_dir)
        if late:
            report.notes.append(
                f"{len(late)} consensus row(s) dated on or after GAC's release of their month "
                f"(consensus should be recorded as it stood before the release): "
                + ", ".join(late[:5]))
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
    late = rows[rows["period"].map(release).fillna("9999") <= rows["as_of"]]
    return [f"{r.period} {r.flow} {r.metric} as of {r.as_of}" for r in late.itertuples()]
