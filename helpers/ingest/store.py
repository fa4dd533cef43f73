"""The import store: every imported observation, every vintage, in one Parquet file.

Layout of a store directory::

    <store>/store.parquet   all rows ever imported: the canonical columns (helpers.schema) plus
                            table      "month": single-month values (and GAC's combined
                                       January-February value at February, months=2);
                                       "ytd": cumulative January..period values (months = the
                                       period's month), with GAC's printed YTD y/y as
                                       measure "yoy_pct"
                            import_id  the import that added the row (1, 2, ...)
                            The Parquet key-value metadata entry "china_trade_kit.imports" holds
                            the import log (JSON list: id, time, source, row counts), so data and
                            log change together in one atomic rename.

Writes are atomic: the new file is written beside the old one, fsynced and renamed over it, under
an exclusive lock on the directory. Validation happens before anything is written, so a rejected
import leaves the store byte-identical; an import that changes nothing writes nothing.

Rows are keyed by (period, flow, partner, product, currency, measure) plus vintage. An incoming
row identical (value, months, quantity, unit; source and vintage ignored) to the latest stored
row of its key - or to the row in force at its own vintage - is "unchanged" and not stored
again, so importing a file twice adds nothing. A different value is stored as a new vintage
("revised"); if its vintage is already taken for that key, it is stored as ``<vintage>+rev002``,
``+rev003`` ... so that it sorts after the value it corrects. "Latest" means the highest vintage
(string order, ISO dates), ties broken by import order.

    open_store(path) -> Store                      create/check a store directory
    ingest(store_dir, frame, source_name, ytd=None, derive=False) -> ImportReport
    load(store_dir, latest=True, table="month")    canonical rows (latest vintage per key)
    imports(store_dir)                             the import log
    derive_months_from_ytd(months, ytd)            month_m = YTD_m - YTD_m-1, flagged
    fill_from_ytd(store_dir) -> ImportReport       store those derived months
    compare_printed_ytd_yoy(store_dir, tolerance_pp=0.1)   GAC's printed vs the kit's YTD y/y
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.atomic import atomic_write
from helpers.schema import (
    CANONICAL_COLUMNS,
    OPTIONAL_DEFAULTS,
    DataValidationError,
    Problem,
    TradeKitError,
    currency_switch_problems,
    typed,
    validate,
)

STORE_FILE = "store.parquet"
TABLES = ("month", "ytd")
STORE_COLUMNS = [*CANONICAL_COLUMNS, "table", "import_id"]
KEY = ["period", "flow", "partner", "product", "currency", "measure"]
SERIES = ["flow", "partner", "product", "currency", "measure"]
LOG_KEY = b"china_trade_kit.imports"
DERIVED_SUFFIX = ":derived_from_ytd"
REL_TOL = 1e-12


class StoreError(TradeKitError):
    """The store directory is unusable (not a directory, unreadable or foreign file)."""


class StoreWriteError(StoreError):
    """The store file could not be written (disk full, read-only); the old store is intact."""

    def __init__(self, message: str, report: ImportReport):
        super().__init__(message)
        self.report = report


class ImportRejected(DataValidationError):
    """An import failed validation; nothing was written. Carries the ImportReport."""

    def __init__(self, problems: list[Problem], report: ImportReport):
        super().__init__(problems)
        self.report = report


@dataclass
class ImportReport:
    """What one import did to the store."""

    source: str
    read: int = 0
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    rejected: int = 0
    derived: int = 0
    ytd_rows: int = 0
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    import_id: int | None = None
    write_failed: bool = False

    @property
    def stored(self) -> int:
        """Rows written: new keys, revised values and values derived from YTD."""
        return self.new + self.revised + self.derived

    @property
    def ok(self) -> bool:
        return self.rejected == 0 and not self.reasons

    def __str__(self) -> str:
        if self.ok:
            ytd = f" (of which {self.ytd_rows} year-to-date)" if self.ytd_rows else ""
            derived = f", derived from YTD {self.derived}" if self.derived else ""
            lines = [
                f"{self.source}: imported",
                f"  rows read {self.read}{ytd}",
                f"  stored {self.stored}: new {self.new}, revised {self.revised}{derived}",
                f"  unchanged {self.unchanged}",
                "  rejected 0",
            ]
        else:
            counted = f"rows read {self.read}, rejected {self.rejected}" if self.read else (
                "the file could not be read"
            )
            if self.write_failed:
                counted = f"rows read {self.read}, valid, but the store could not be written"
            lines = [f"{self.source}: REJECTED (store unchanged)", f"  {counted}"]
        lines += [f"  ! {reason}" for reason in self.reasons[:20]]
        if len(self.reasons) > 20:
            lines.append(f"  ! ... and {len(self.reasons) - 20} more")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True)
class Store:
    """Handle on a store directory; the module functions accept it or a plain path."""

    path: Path


def _dir(store_dir: str | Path | Store) -> Path:
    return store_dir.path if isinstance(store_dir, Store) else Path(store_dir)


def open_store(path: str | Path) -> Store:
    """Create the store directory if needed and check any existing store file is readable."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path}: not a directory")
    path.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError), _locked(path, wait=False):
        _remove_stale(path)
    _read(path)
    return Store(path)


def _remove_stale(path: Path) -> None:
    """Temporary store files left by an import that was killed (call under the lock)."""
    for tmp in path.glob(f".{STORE_FILE}.*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in STORE_COLUMNS})
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = typed(frame)
    out["import_id"] = out["import_id"].astype("int64")
    return out


def _read(path: Path) -> pd.DataFrame:
    """All stored rows (every vintage and table)."""
    file = path / STORE_FILE
    if not file.exists():
        return _empty()
    try:
        frame = pq.read_table(file).to_pandas()
    except (OSError, pa.ArrowException) as error:
        raise StoreError(f"{file}: cannot read the store ({error})") from error
    missing = [c for c in STORE_COLUMNS if c not in frame.columns]
    if missing:
        raise StoreError(f"{file}: not a trade store (missing columns {missing})")
    return _typed(frame[STORE_COLUMNS])


def _read_log(path: Path) -> list[dict]:
    file = path / STORE_FILE
    if not file.exists():
        return []
    metadata = pq.read_schema(file).metadata or {}
    return json.loads(metadata.get(LOG_KEY, b"[]"))


def imports(store_dir: str | Path | Store) -> pd.DataFrame:
    """The import log: one row per import that changed the store."""
    return pd.DataFrame(_read_log(_dir(store_dir)))


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    ordered = frame.sort_values(["vintage", "import_id"], kind="stable")
    return ordered.drop_duplicates(["table", *KEY], keep="last")


def load(store_dir: str | Path | Store, latest: bool = True, table: str = "month") -> pd.DataFrame:
    """Stored rows of one table in the canonical columns (latest vintage per key by default)."""
    if table not in TABLES:
        raise ValueError(f"table must be one of {TABLES}, got {table!r}")
    path = _dir(store_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such store directory")
    frame = _read(path)
    frame = frame[frame["table"] == table]
    if latest:
        frame = _latest(frame)
    frame = frame.sort_values([*SERIES, "period", "vintage", "import_id"], kind="stable")
    return frame[CANONICAL_COLUMNS].reset_index(drop=True)


@contextlib.contextmanager
def _locked(path: Path, wait: bool = True):
    """Exclusive lock on the store directory for a read-modify-write cycle (without `wait`,
    BlockingIOError when another process holds it). Through helpers.locking (filelock), on
    every platform; the lock file is kept outside the store."""
    from helpers.locking import folder_lock

    with folder_lock(path, wait=wait):
        yield


def _write(path: Path, frame: pd.DataFrame, log: list[dict]) -> None:
    """Write the store file atomically (helpers.atomic), the import log in its metadata."""
    out = frame[STORE_COLUMNS].copy()
    out["period"] = out["period"].astype(str)
    table = pa.Table.from_pandas(out.reset_index(drop=True), preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[LOG_KEY] = json.dumps(log).encode()
    table = table.replace_schema_metadata(metadata)
    with atomic_write(path / STORE_FILE, "wb") as handle:
        pq.write_table(table, handle)
    dir_fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a crash
    finally:
        os.close(dir_fd)


def _validate_table(
    frame: pd.DataFrame, source_name: str, table: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate one incoming table (per currency: a store gathers editions file by file)."""
    if table not in TABLES:
        raise ValueError(f"table must be one of {TABLES}, got {table!r}")
    problems: list[Problem] = []
    if frame.empty:
        return _empty(), problems
    df = frame.reset_index(drop=True)
    if "_line" not in df.columns:
        df["_line"] = np.arange(len(df)) + 2
    if "period" in df.columns and not isinstance(df["period"].dtype, pd.PeriodDtype):
        # checked here as well: schema.validate trips over a well-formed but impossible month
        text = df["period"].astype("string").str.strip()
        good = text.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").fillna(False).astype(bool)
        for idx in df.index[~good.to_numpy()]:
            problems.append(Problem(source_name, int(df.at[idx, "_line"]), "period",
                                    f"'{df.at[idx, 'period']}' is not a month (YYYY-MM)"))
        df = df[good.to_numpy()].assign(period=text[good])
    ytd_months = None
    if table == "ytd" and "months" in df.columns and "period" in df.columns:
        months = pd.to_numeric(df["months"], errors="coerce")
        period_month = pd.PeriodIndex(df["period"].astype(str), freq="M").month
        bad = months.ne(period_month).to_numpy()
        for idx in df.index[bad]:
            problems.append(
                Problem(
                    source_name,
                    int(df.at[idx, "_line"]),
                    "months",
                    f"a year-to-date row at {df.at[idx, 'period']} covers January to that "
                    f"month: months must be the period's month, got {df.at[idx, 'months']}",
                )
            )
        ytd_months = months
        df["months"] = 1  # schema.validate only knows single months and Jan-Feb
    elif table == "ytd" and "months" not in df.columns:
        problems.append(Problem(source_name, 1, "months", "year-to-date rows need 'months'"))
    parts = []
    currency = df["currency"] if "currency" in df.columns else pd.Series("", index=df.index)
    for _, part in df.groupby(currency, sort=False, dropna=False):
        try:
            span = None if ytd_months is None else ytd_months.loc[part.index]
            parts.append(_validate_keep_index(part, source_name, span))
        except DataValidationError as error:
            problems.extend(error.problems)
    if problems or not parts:
        return _empty(), problems
    out = pd.concat(parts).sort_index()
    if ytd_months is not None:
        out["months"] = ytd_months.loc[out.index].astype("int64")
    for column in ("vintage", "source"):
        empty = out[column].isna() | out[column].astype(str).str.strip().eq("")
        for idx in out.index[empty.to_numpy()]:
            problems.append(
                Problem(source_name, int(df.at[idx, "_line"]), column, f"{column} is missing")
            )
    out["vintage"] = out["vintage"].astype(str)
    out["source"] = out["source"].astype(str)
    out["table"] = table
    out["_line"] = df.loc[out.index, "_line"].to_numpy()
    return out.reset_index(drop=True), problems


def _validate_keep_index(part: pd.DataFrame, source_name: str,
                         span: pd.Series | None = None) -> pd.DataFrame:
    """schema.validate, keeping the input index so ytd months can be put back."""
    typed = validate(part, source_name, check_gaps=False, span=span)
    typed.index = part.index
    return typed


def _switch_problems(existing: pd.DataFrame, incoming: pd.DataFrame,
                     source_name: str) -> list[Problem]:
    """Series that would switch currency month to month across the store and this import."""
    months = incoming[(incoming["table"] == "month")]
    if months.empty:
        return []
    stored = _latest(existing[existing["table"] == "month"]) if len(existing) else existing
    keys = ["flow", "partner", "product", "measure"]
    touched = stored.merge(months[keys].drop_duplicates(), on=keys)
    both = pd.concat([months.reset_index(drop=True), touched.assign(_line=np.nan)],
                     ignore_index=True)
    problems = currency_switch_problems(months, source_name, months["_line"])
    if problems or months["source"].astype(str).str.startswith("gac:").all():
        # GAC prints every table in a CNY and a USD edition: a store gathering whichever edition
        # was saved each month holds a USD and a CNY series side by side, each with gaps
        return problems
    return currency_switch_problems(both, source_name, both["_line"], across_files=True)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """Row-wise equality of the value columns of two aligned frames (NaN equals NaN)."""
    value = np.isclose(a["value"], b["value"], rtol=REL_TOL, atol=0.0)
    qa, qb = a["quantity"].to_numpy(float), b["quantity"].to_numpy(float)
    quantity = (np.isnan(qa) & np.isnan(qb)) | np.isclose(qa, qb, rtol=REL_TOL, atol=0.0)
    ua, ub = a["quantity_unit"], b["quantity_unit"]
    unit = (ua.isna() & ub.isna()) | (ua.astype(str) == ub.astype(str))
    months = a["months"].to_numpy() == b["months"].to_numpy()
    return value & quantity & unit.to_numpy() & months


def _classify(existing: pd.DataFrame, incoming: pd.DataFrame) -> pd.DataFrame:
    """Tag incoming rows new / revised / unchanged and give colliding revisions a fresh vintage.

    Unchanged: equal to the latest stored row of the key, or to the row in force at the
    incoming vintage (the newest stored row with a vintage not after it).
    """
    keys = ["table", *KEY]
    values = ["months", "value", "quantity", "quantity_unit"]
    inc = incoming.reset_index(drop=True)
    latest = _latest(existing)[[*keys, *values]]
    merged = inc[keys + values].merge(latest, on=keys, how="left", suffixes=("", "_old"),
                                      indicator=True)
    has_key = (merged["_merge"] == "both").to_numpy()
    old = merged[[f"{c}_old" for c in values]].set_axis(values, axis=1)
    status = np.where(has_key & _same(merged[values], old), "unchanged",
                      np.where(has_key, "revised", "new"))
    candidates = np.flatnonzero(status == "revised")
    if len(candidates):
        # the row in force at each candidate's vintage: last stored row sorting before it
        old = existing[[*keys, "vintage", "import_id", *values]].reset_index(drop=True)
        new = inc.loc[candidates, [*keys, "vintage"]].assign(_pos=candidates)
        both = pd.concat([old.assign(_new=0, _ref=np.arange(len(old), dtype=float)),
                          new.assign(_new=1, _ref=np.nan, import_id=0)], ignore_index=True)
        both = both.sort_values([*keys, "vintage", "_new", "import_id"], kind="stable")
        both["_ref"] = both.groupby(keys, observed=True, dropna=False)["_ref"].ffill()
        asked = both[(both["_new"] == 1) & both["_ref"].notna()]
        if len(asked):
            in_force = old.loc[asked["_ref"].astype(int), values].reset_index(drop=True)
            positions = asked["_pos"].to_numpy(dtype=int)
            mine = inc.loc[positions, values].reset_index(drop=True)
            status[positions[_same(mine, in_force)]] = "unchanged"
        taken = inc[[*keys, "vintage"]].reset_index().merge(
            old[[*keys, "vintage"]].drop_duplicates(), on=[*keys, "vintage"]
        )["index"].to_numpy(dtype=int)
        for idx in taken[status[taken] == "revised"]:
            base = str(inc.at[idx, "vintage"]).split("+rev")[0]
            key = tuple(inc.loc[idx, keys])
            used = old.loc[(old[keys] == pd.Series(key, index=keys)).all(axis=1), "vintage"]
            revs = [int(v.split("+rev")[1]) for v in used
                    if v.startswith(base + "+rev") and v.split("+rev")[1].isdigit()]
            inc.at[idx, "vintage"] = f"{base}+rev{max(revs, default=1) + 1:03d}"
    return inc.assign(_status=status)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with the optional columns filled in and monthly periods."""
    out = frame.copy()
    for column, default in OPTIONAL_DEFAULTS.items():
        if column not in out.columns:
            out[column] = default
    if not isinstance(out["period"].dtype, pd.PeriodDtype):
        out["period"] = pd.PeriodIndex(out["period"].astype(str), freq="M")
    return out


def derive_months_from_ytd(months: pd.DataFrame, ytd: pd.DataFrame) -> pd.DataFrame:
    """Single-month levels missing from `months` but implied by consecutive YTD values.

    month_m = YTD_m - YTD_{m-1} (YTD_0 = 0); a YTD_{m-1} missing from `ytd` is backed out as
    YTD_m - month_m when that month is known (GAC's 2026 February page: January = YTD - Feb).
    Years stored with a combined January-February row (months=2) get no January or February.
    Rows carry source "<ytd source>:derived_from_ytd" and the newer vintage of their inputs;
    negative results (revisions between releases) are skipped. Inputs are latest-vintage
    canonical frames; the result is canonical too.
    """
    out = []
    months, ytd = _canonical(months), _canonical(ytd)
    levels = ytd[ytd["measure"] == "level"]
    singles = months[months["measure"] == "level"]
    group = ["flow", "partner", "product", "currency"]
    # one pass over each frame (itertuples per group is slow: a namedtuple class per call)
    single_groups: dict[tuple, dict[int, object]] = {}
    for r in singles.assign(year_=singles["period"].dt.year).itertuples(index=False):
        key = (*(getattr(r, c) for c in group), r.year_)
        single_groups.setdefault(key, {})[int(r.period.month)] = r
    cum_groups: dict[tuple, dict[int, object]] = {}
    for r in levels.assign(year_=levels["period"].dt.year).itertuples(index=False):
        key = (*(getattr(r, c) for c in group), r.year_)
        cum_groups.setdefault(key, {})[int(r.period.month)] = r
    for key, cum in cum_groups.items():
        year = key[-1]
        single = single_groups.get(key, {})
        combined = any(r.months == 2 for r in single.values())
        cum_value = {
            m: (r.value, r.vintage, r.source, r.quantity, r.quantity_unit) for m, r in cum.items()
        }
        for m in range(12, 1, -1):
            if m - 1 not in cum_value and m in cum_value and m in single and single[m].months == 1:
                v, vint, src, q, u = cum_value[m]
                s = single[m]
                qty = q - s.quantity if u == s.quantity_unit else np.nan
                cum_value[m - 1] = (v - s.value, max(vint, s.vintage), src, qty, u)
        for m in range(1, 13):
            if m in single or (combined and m <= 2) or m not in cum_value:
                continue
            if m == 1:
                prev = (0.0, "", None, 0.0, cum_value[1][4])
            elif m - 1 in cum_value:
                prev = cum_value[m - 1]
            else:
                continue
            v, vint, src, q, u = cum_value[m]
            value = round(v - prev[0], 2)
            if value < 0:
                continue
            quantity = q - prev[3] if u == prev[4] and u is not None else np.nan
            out.append(
                {
                    "period": pd.Period(year=int(year), month=m, freq="M"),
                    "months": 1,
                    "flow": key[0],
                    "partner": key[1],
                    "product": key[2],
                    "value": value,
                    "currency": key[3],
                    "quantity": quantity,
                    "quantity_unit": u if quantity == quantity else None,
                    "measure": "level",
                    "source": str(src).removesuffix(DERIVED_SUFFIX) + DERIVED_SUFFIX,
                    "vintage": max(vint, prev[1]),
                }
            )
    if not out:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CANONICAL_COLUMNS}).assign(
            period=pd.Series(dtype="period[M]")
        )
    return pd.DataFrame(out)[CANONICAL_COLUMNS]


def ingest(
    store_dir: str | Path | Store,
    frame: pd.DataFrame,
    source_name: str,
    ytd: pd.DataFrame | None = None,
    derive: bool = False,
    notes: list[str] | None = None,
) -> ImportReport:
    """Validate and add a canonical frame (and optional YTD frame) to the store, atomically.

    `frame` holds single-month rows, `ytd` cumulative rows (months = the period's month,
    printed YTD y/y as measure "yoy_pct"). With `derive`, missing single months implied by the
    YTD values are added in the same write. Raises ImportRejected (store untouched) when a row
    breaks the schema. The input frames are never modified.
    """
    report = ImportReport(source=source_name, notes=list(notes or []))
    incoming = {"month": frame, "ytd": ytd if ytd is not None else frame.iloc[0:0]}
    report.read = sum(len(f) for f in incoming.values())
    report.ytd_rows = len(incoming["ytd"])
    checked, problems = [], []
    for table, part in incoming.items():
        if table == "ytd" and ytd is None:
            continue
        typed, found = _validate_table(part, source_name, table)
        problems += found
        checked.append(typed)
    if problems:
        report.rejected = report.read
        report.reasons = [str(p) for p in problems]
        raise ImportRejected(problems, report)

    store = open_store(_dir(store_dir))
    with _locked(store.path):
        _remove_stale(store.path)
        existing = _read(store.path)
        import_id = int(existing["import_id"].max()) + 1 if len(existing) else 1
        incoming_all = pd.concat([c for c in checked if len(c)] or [checked[0]])
        problems = _switch_problems(existing, incoming_all, source_name)
        if problems:
            report.rejected = report.read
            report.reasons = [str(p) for p in problems]
            raise ImportRejected(problems, report)
        incoming_all = incoming_all.drop(columns="_line", errors="ignore")
        tagged = _classify(existing, incoming_all)
        counts = tagged["_status"].value_counts()
        report.new = int(counts.get("new", 0))
        report.revised = int(counts.get("revised", 0))
        report.unchanged = int(counts.get("unchanged", 0))
        if report.revised:
            report.notes.append(_revision_note(existing, tagged[tagged["_status"] == "revised"]))
        added = tagged[tagged["_status"] != "unchanged"].drop(columns="_status")
        added = added.assign(import_id=import_id)
        combined = pd.concat([existing, _typed(added)]) if len(added) else existing
        if derive:
            derived = derive_months_from_ytd(
                load_frame(combined, "month"), load_frame(combined, "ytd")
            )
            if len(derived):
                derived = derived.assign(table="month", import_id=import_id)
                report.derived = len(derived)
                report.notes.append(
                    f"{len(derived)} single-month value(s) derived as YTD_m - YTD_m-1 "
                    f"(source suffix '{DERIVED_SUFFIX}')"
                )
                combined = pd.concat([combined, _typed(derived)])
        if report.stored == 0:
            return report
        log = _read_log(store.path)
        log.append(
            {
                "import_id": import_id,
                "time": datetime.now(UTC).isoformat(timespec="seconds"),
                "source": source_name,
                "read": report.read,
                "new": report.new,
                "revised": report.revised,
                "unchanged": report.unchanged,
                "derived": report.derived,
            }
        )
        try:
            _write(store.path, combined, log)
        except OSError as error:
            report.write_failed = True
            report.reasons = [f"the store {store.path / STORE_FILE} could not be written "
                              f"({error.strerror or error}); it is unchanged"]
            raise StoreWriteError(report.reasons[0], report) from error
        report.import_id = import_id
    return report


# Units a revision is shown in: GAC's printing units.
DISPLAY_UNIT = {"USD": (1e6, "USD mn"), "CNY": (1e8, "CNY 100 mn")}


def _revision_note(existing: pd.DataFrame, revised: pd.DataFrame, limit: int = 30) -> str:
    """One note naming the values that differ from the stored ones (old -> new, new vintage)."""
    keys = ["table", *KEY]
    old = _latest(existing)[[*keys, "value", "quantity", "vintage"]]
    both = revised.merge(old, on=keys, suffixes=("", "_old"))
    lines = []
    for row in both.head(limit).itertuples(index=False):
        scale, unit = DISPLAY_UNIT.get(row.currency, (1.0, row.currency))
        if np.isclose(row.value, row.value_old, rtol=REL_TOL, atol=0.0):
            # same value, revised quantity: show the quantity in its canonical unit
            row = row._replace(value=row.quantity, value_old=row.quantity_old)
            scale, unit = 1.0, f"{row.quantity_unit or ''} (quantity)"
        what = "YTD" if row.table == "ytd" else "month"
        item = row.product if row.product != "TOTAL" else row.partner
        measure = "" if row.measure == "level" else f" {row.measure}"
        lines.append(
            f"{row.period} {row.flow} {item} {what}{measure}: {row.value_old / scale:,.1f} -> "
            f"{row.value / scale:,.1f} {unit if not measure else ''}".rstrip()
            + f" (vintage {row.vintage_old} -> {row.vintage})"
        )
    more = f"; ... and {len(both) - limit} more" if len(both) > limit else ""
    return (
        f"{len(revised)} revised earlier value(s) stored as new vintages (the latest is used; "
        f"earlier vintages are kept):\n    " + "\n    ".join(lines) + more
    )


def load_frame(frame: pd.DataFrame, table: str = "month") -> pd.DataFrame:
    """Latest-vintage canonical rows of one table from an in-memory store frame."""
    part = _latest(frame[frame["table"] == table])
    return part[CANONICAL_COLUMNS].reset_index(drop=True)


def fill_from_ytd(store_dir: str | Path | Store) -> ImportReport:
    """Derive missing single months from stored YTD values and store them (flagged)."""
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in CANONICAL_COLUMNS})
    return ingest(store_dir, empty, "derive-from-ytd", derive=True)


def _ytd_from_months(months: pd.DataFrame) -> pd.DataFrame:
    """Cumulative Jan..m sums of single-month levels, only where Jan..m is exactly covered."""
    levels = months[months["measure"] == "level"]
    if levels.empty:
        return pd.DataFrame(columns=[*SERIES, "period", "value"])
    work = levels.assign(_year=levels["period"].dt.year, _m=levels["period"].dt.month)
    work = work.sort_values([*SERIES, "_year", "_m"])
    grouped = work.groupby([*SERIES, "_year"], observed=True)
    work["_cum"] = grouped["value"].cumsum()
    work["_covered"] = grouped["months"].cumsum()
    exact = work["_covered"] == work["_m"]
    # a month is valid only if every earlier row of the year was covered exactly as well
    work["_ok"] = exact.astype(int).groupby([work[c] for c in [*SERIES, "_year"]]).cummin()
    good = work[work["_ok"] == 1]
    return good[[*SERIES, "period"]].assign(value=good["_cum"].to_numpy())


# Half of GAC's printed step (0.1 of CNY 100 million / of USD 1 million), in currency units.
PRINTED_HALF_STEP = {"CNY": 0.05e8, "USD": 0.05e6}


def compare_printed_ytd_yoy(
    store_dir: str | Path | Store, tolerance_pp: float = 0.1, all_rows: bool = False
) -> pd.DataFrame:
    """GAC's printed YTD y/y against the kit's YTD y/y computed from stored levels.

    GAC computed its y/y on the figures of the page that prints it, so the page's own YTD and
    prior-year YTD are used first (basis "page"); otherwise the sum of stored single months
    Jan..m (combined Jan-Feb counts for both, basis "months") or the latest stored YTD level
    ("ytd"). Only keys with both years are compared. `rounding_pp` bounds what rounding the
    printed levels (to 0.1 of GAC's unit) and the printed y/y (to 0.1) can explain. Returns rows
    where |printed - computed| > tolerance_pp + rounding_pp (all compared rows with
    `all_rows`): period, flow, partner, product, currency, printed, computed, diff_pp,
    rounding_pp, basis.
    """
    path = _dir(store_dir)
    columns = [*SERIES[:-1], "period", "printed", "computed", "diff_pp", "rounding_pp", "basis"]
    every = load(path, table="ytd", latest=False)
    ytd = _latest(every.assign(table="ytd", import_id=0))[CANONICAL_COLUMNS]
    printed = ytd[ytd["measure"] == "yoy_pct"]
    if printed.empty:
        return pd.DataFrame(columns=columns)
    key = [*SERIES, "period"]
    levels_all = every[every["measure"] == "level"].assign(measure="yoy_pct")
    page_now = levels_all[[*key, "source", "value"]].rename(columns={"value": "current"})
    page_prior = levels_all.assign(period=levels_all["period"] + 12)[[*key, "source", "value"]]
    page = (
        printed[[*key, "source"]]
        .merge(page_now, on=[*key, "source"])
        .merge(page_prior.rename(columns={"value": "prior"}), on=[*key, "source"])
        .drop(columns="source")
        .drop_duplicates(key)
        .assign(basis="page")
    )
    cum = _ytd_from_months(load(path)).assign(basis="months")
    stored = ytd[ytd["measure"] == "level"]
    stored = stored[[*SERIES, "period", "value"]].assign(basis="ytd")
    levels = pd.concat([cum, stored]).drop_duplicates([*SERIES, "period"], keep="first")
    levels = levels.assign(measure="yoy_pct")
    now = (
        printed[[*key, "value"]]
        .rename(columns={"value": "printed"})
        .merge(
            levels.rename(columns={"value": "current", "basis": "basis_now"}), on=key, how="inner"
        )
    )
    prior = levels.assign(period=levels["period"] + 12).rename(
        columns={"value": "prior", "basis": "basis_prior"}
    )
    both = now.merge(prior, on=key, how="inner")
    both["basis"] = np.where(
        both["basis_now"] == both["basis_prior"],
        both["basis_now"],
        both["basis_now"] + "/" + both["basis_prior"],
    )
    page = page.merge(printed[[*key, "value"]].rename(columns={"value": "printed"}), on=key)
    both = pd.concat([page, both[page.columns]]).drop_duplicates(key, keep="first")
    both = both.astype({"current": float, "prior": float, "printed": float})
    both = both[both["prior"] > 0].reset_index(drop=True)
    if both.empty:
        return pd.DataFrame(columns=columns)
    both["computed"] = (both["current"] / both["prior"] - 1) * 100
    both["diff_pp"] = both["printed"] - both["computed"]
    from_gac = both.merge(printed[[*key, "source"]], on=key, how="left")["source"]
    from_gac = from_gac.astype(str).str.startswith("gac:").to_numpy()
    half = both["currency"].map(PRINTED_HALF_STEP).fillna(0.0).where(from_gac, 0.0)
    both["rounding_pp"] = 100 * half * (both["prior"] + both["current"]) / both["prior"] ** 2
    both["rounding_pp"] += np.where(from_gac, 0.05, 0.0)
    if not all_rows:
        off = both["diff_pp"].abs() > tolerance_pp + both["rounding_pp"] + 1e-9
        both = both[off]
    return (
        both[columns]
        .sort_values(["flow", "partner", "product", "currency", "period"])
        .reset_index(drop=True)
    )
