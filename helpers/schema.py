"""The canonical trade table: column definitions, typed errors and validation.

One tidy long table of monthly observations. Each row is one series value:

    period         pandas Period[M]   month the value refers to (the last month when months > 1)
    months         int                months the value covers, ending at period (2 = GAC's combined
                                      January-February figure stored at February), default 1
    flow           str                "export" | "import"
    partner        str                partner code from data/classifications/partners.csv
                                      (WORLD = all partners)
    product        str                product code from data/classifications/products.csv
                                      (TOTAL = all products)
    value          float              value in currency units (not thousands or millions)
    currency       str                "USD" | "CNY"
    quantity       float (nullable)   quantity in quantity_unit
    quantity_unit  str (nullable)     canonical unit (tonnes, units, pairs ...)
    measure        str                "level" (default); growth rates in pct, which may be negative:
                                      "yoy_pct" (y/y: wide-series imports, GAC's printed y/y),
                                      "quantity_yoy_pct" (GAC's printed quantity y/y) and
                                      "mom_pct" (GAC's printed month-on-month change)
    source         str                where the row came from (sample, gac, comtrade, series, ...)
    vintage        str (ISO date)     release / as-of date, so revisions are kept side by side

The key is (period, flow, partner, product, currency, measure, vintage).

We validate with our own checks rather than pandera: every error must name the file, the
1-based line in that file and the column, which pandera's failure cases do not carry.
"""

from __future__ import annotations

import codecs
import difflib
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import classifications

__all__ = [
    "typed",
    "check_columns",
    "currency_switch_problems",
    "decode_csv",
    "CANONICAL_COLUMNS",
    "CURRENCIES",
    "FLOWS",
    "KEY_COLUMNS",
    "MEASURES",
    "OPTIONAL_DEFAULTS",
    "SERIES_COLUMNS",
    "DataValidationError",
    "Problem",
    "read_canonical_csv",
    "TradeKitError",
    "validate",
]

CANONICAL_COLUMNS = [
    "period",
    "months",
    "flow",
    "partner",
    "product",
    "value",
    "currency",
    "quantity",
    "quantity_unit",
    "measure",
    "source",
    "vintage",
]
KEY_COLUMNS = ["period", "flow", "partner", "product", "currency", "measure", "vintage"]
SERIES_COLUMNS = ["flow", "partner", "product", "currency", "measure"]
FLOWS = ("export", "import")
CURRENCIES = ("USD", "CNY")
MEASURES = ("level", "yoy_pct", "quantity_yoy_pct", "mom_pct")
OPTIONAL_DEFAULTS = {"months": 1, "quantity": np.nan, "quantity_unit": None, "measure": "level"}
REQUIRED_COLUMNS = [c for c in CANONICAL_COLUMNS if c not in OPTIONAL_DEFAULTS]


class TradeKitError(Exception):
    """Base class of the kit's own errors."""


@dataclass
class Problem:
    """One thing wrong with one input row."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class DataValidationError(TradeKitError):
    """Input data broke the canonical schema; carries every problem found (file, line, column)."""

    def __init__(self, problems: list[Problem], limit: int = 20):
        self.problems = problems
        shown = "\n  ".join(str(p) for p in problems[:limit])
        more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
        super().__init__(f"{len(problems)} problem(s) in the input:\n  {shown}{more}")


def _line_numbers(frame: pd.DataFrame) -> pd.Series:
    """1-based line numbers in the source file (header = line 1) when the reader recorded them."""
    if "_line" in frame.columns:
        return frame["_line"]
    return pd.Series(np.arange(len(frame)) + 2, index=frame.index)


_DECLARATION = re.compile(rb"^#[^\n]*?coding[:=][ \t]*([-\w.]+)")
_GB18030_BOM = b"\x84\x31\x95\x33"


def _guess_encoding(raw: bytes) -> str:
    """A plain-words guess at a non-UTF-8 file's encoding."""
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return "Windows-1252 / Latin-1"
    if re.search(r"[\u4e00-\u9fff]", text):
        return "GB18030 / GBK (Chinese Windows)"
    return "Windows-1252 / Latin-1"


def decode_csv(raw: bytes, source_name: str) -> tuple[str, int]:
    """Text of a CSV file and the number of leading lines consumed by an encoding declaration.

    UTF-8 (with or without BOM) is read as such; GB18030 when the file starts with its BOM or
    declares it in a first comment line (``# encoding: gb18030``); anything else that is not
    valid UTF-8 raises DataValidationError naming the line and byte offset and the likely
    encoding.
    """
    if raw.startswith(codecs.BOM_UTF8):
        raw, encoding, skipped, offset = raw[3:], "utf-8", 0, 3
    elif raw.startswith(_GB18030_BOM):
        raw, encoding, skipped, offset = raw[4:], "gb18030", 0, 4
    elif declared := _DECLARATION.match(raw):
        name = declared.group(1).decode("ascii")
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            raise DataValidationError([Problem(source_name, 1, None,
                                               f"unknown encoding {name!r} declared")]) from None
        cut = raw.find(b"\n") + 1
        raw, skipped, offset = raw[cut:], 1, cut
    else:
        encoding, skipped, offset = "utf-8", 0, 0
    try:
        return raw.decode(encoding), skipped
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1 + skipped
        byte = raw[error.start]
        guess = _guess_encoding(raw) if encoding == "utf-8" else None
        hint = (f"the file looks like {guess}: save it as UTF-8 or declare the encoding in a "
                f"first line such as '# encoding: gb18030'" if guess else
                f"the file is not valid {encoding} as declared")
        raise DataValidationError([Problem(
            source_name, line, None,
            f"byte 0x{byte:02x} at byte offset {error.start + offset} is not valid {encoding}; "
            f"{hint}")]) from None


def check_columns(columns, source_name: str, optional: tuple[str, ...] = ()) -> None:
    """Raise DataValidationError for unknown columns (misspelt ones with the closest canonical
    name) and missing required columns, each named; also for a file read with the wrong
    delimiter (one column whose name holds semicolons or tabs)."""
    columns = [str(c) for c in columns]
    if len(columns) == 1:
        for sep, name in ((";", "semicolon"), ("\t", "tab")):
            if sep in columns[0]:
                raise DataValidationError([Problem(
                    source_name, 1, None,
                    f"the header has no commas but {columns[0].count(sep)} {name}s: the file "
                    f"looks {name}-delimited; save it comma-separated")])
    known = {*CANONICAL_COLUMNS, "_line"}
    problems = []
    for column in columns:
        if column not in known:
            close = difflib.get_close_matches(column, CANONICAL_COLUMNS, n=1, cutoff=0.6)
            hint = (f"did you mean '{close[0]}'?" if close
                    else f"the canonical columns are {', '.join(CANONICAL_COLUMNS)}")
            problems.append(Problem(source_name, 1, column, f"unknown column: {hint}"))
    problems += [Problem(source_name, 1, c, "required column is missing")
                 for c in REQUIRED_COLUMNS if c not in columns and c not in optional]
    if problems:
        raise DataValidationError(problems)


def read_canonical_csv(path: str | Path, optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a canonical CSV, keeping cells as text so validation can name bad ones.

    Checks the encoding (decode_csv), the delimiter and the header (check_columns; required
    columns in `optional` may be absent) first.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    text, skipped = decode_csv(path.read_bytes(), str(path))
    if not text.strip():
        raise DataValidationError([Problem(str(path), 1, None, "the file is empty")])
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    check_columns(frame.columns, str(path), optional)
    frame["_line"] = np.arange(len(frame)) + 2 + skipped
    return frame


def validate(
    frame: pd.DataFrame,
    source_name: str,
    partner_codes: set[str] | None = None,
    product_codes: set[str] | None = None,
    check_gaps: bool = True,
    span: pd.Series | None = None,
) -> pd.DataFrame:
    """Check a frame against the canonical schema and return a typed copy.

    Raises DataValidationError listing every problem with file, line and column: missing columns,
    non-month periods or months after the current one, unknown flows/currencies/partners/
    products, non-numeric, non-finite or negative values, implausible magnitudes (above the
    factor times the largest monthly total in data/classifications/plausibility.csv,
    times `span`, the months each value covers - default its `months`), a quantity without a
    unit, duplicate keys, mixed currencies within one series and gaps inside a series.
    The input frame is never modified.
    """
    if partner_codes is None:
        partner_codes = set(classifications.partners().index)
    if product_codes is None:
        product_codes = set(classifications.products()["code"])

    problems: list[Problem] = []
    df = frame.copy()
    lines = _line_numbers(df)
    required = [c for c in CANONICAL_COLUMNS if c not in OPTIONAL_DEFAULTS]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataValidationError(
            [Problem(source_name, 1, c, "required column is missing") for c in missing]
        )
    for column, default in OPTIONAL_DEFAULTS.items():
        if column not in df.columns:
            df[column] = default

    def flag(mask: pd.Series, column: str, message) -> None:
        for idx in df.index[mask.fillna(False).to_numpy(dtype=bool)]:
            text = message(df.loc[idx]) if callable(message) else message
            problems.append(Problem(source_name, int(lines.loc[idx]), column, text))

    # period: must parse as a calendar month
    if isinstance(df["period"].dtype, pd.PeriodDtype):
        periods = df["period"]
    else:
        text = df["period"].astype("string").str.strip()
        month_like = text.str.fullmatch(r"\d{4}-\d{2}")
        flag(~month_like, "period", lambda r: f"'{r['period']}' is not a month (expected YYYY-MM)")
        periods = pd.Series(pd.NaT, index=df.index, dtype="period[M]")
        ok = month_like.fillna(False).astype(bool)
        try:
            periods[ok] = pd.PeriodIndex(text[ok], freq="M")
        except (ValueError, TypeError):
            for idx in df.index[ok]:
                try:
                    periods[idx] = pd.Period(text[idx], freq="M")
                except (ValueError, TypeError):
                    flag(
                        pd.Series(df.index == idx, index=df.index),
                        "period",
                        f"'{text[idx]}' is not a valid month",
                    )
    df["period"] = periods

    for column, allowed in (("flow", FLOWS), ("currency", CURRENCIES), ("measure", MEASURES)):
        bad = ~df[column].isin(allowed)
        flag(bad, column, lambda r, c=column, a=allowed: f"'{r[c]}' is not one of {', '.join(a)}")
    flag(
        ~df["partner"].isin(partner_codes),
        "partner",
        lambda r: f"unknown partner code '{r['partner']}'",
    )
    flag(
        ~df["product"].isin(product_codes),
        "product",
        lambda r: f"unknown product code '{r['product']}'",
    )

    for column, nullable in (("value", False), ("quantity", True), ("months", False)):
        raw = df[column]
        numbers = pd.to_numeric(raw, errors="coerce")
        non_numeric = numbers.isna() & raw.notna()
        flag(non_numeric, column, lambda r, c=column: f"'{r[c]}' is not a number")
        if not nullable:
            flag(raw.isna(), column, "value is missing")
        negative = numbers < 0
        if column == "value":
            negative &= df["measure"].eq("level")  # growth rates may be negative
        flag(negative, column, lambda r, c=column: f"negative {c} {r[c]}")
        df[column] = numbers
    bad_months = ~df["months"].isin([1, 2]) & df["months"].notna()
    flag(bad_months, "months", lambda r: f"months must be 1 or 2, got {r['months']}")
    _flag_values(df, flag, span)

    if problems:
        raise DataValidationError(problems)

    df["months"] = df["months"].astype(int)
    dupes = df.duplicated(KEY_COLUMNS, keep="first")
    if dupes.any():
        first = df[~dupes].reset_index().set_index(KEY_COLUMNS)["index"]
        for idx in df.index[dupes]:
            key = tuple(df.loc[idx, KEY_COLUMNS])
            original = int(lines.loc[first.loc[key]])
            problems.append(
                Problem(
                    source_name,
                    int(lines.loc[idx]),
                    "period",
                    f"duplicate key {dict(zip(KEY_COLUMNS, map(str, key), strict=True))} "
                    f"(first seen on line {original})",
                )
            )

    # Mixed currencies: one series (flow, partner, product) switching currency from month to
    # month. Both editions side by side are fine; each currency must then cover the same months.
    cover = df.groupby(
        ["flow", "partner", "product", "measure", "vintage", "currency"], observed=True
    )["period"].agg(lambda s: frozenset(s))
    for key, per_currency in cover.groupby(level=[0, 1, 2, 3, 4], observed=True):
        if per_currency.nunique() > 1:
            rows = df[(df[["flow", "partner", "product"]] == list(key[:3])).all(axis=1)]
            spans = {
                cur: f"{min(ps)}..{max(ps)} ({len(ps)} months)"
                for (*_, cur), ps in per_currency.items()
            }
            problems.append(
                Problem(
                    source_name,
                    int(lines.loc[rows.index[0]]),
                    "currency",
                    f"series {key[:3]} mixes currencies across months: {spans}",
                )
            )
    units = df.dropna(subset=["quantity_unit"]).groupby(
        ["flow", "partner", "product"], observed=True
    )["quantity_unit"]
    for key, n in units.nunique().items():
        if n > 1:
            rows = df[(df[["flow", "partner", "product"]] == list(key)).all(axis=1)]
            problems.append(
                Problem(
                    source_name,
                    int(lines.loc[rows.index[0]]),
                    "quantity_unit",
                    f"series {key} mixes quantity units "
                    f"{sorted(rows['quantity_unit'].dropna().unique())}",
                )
            )

    if check_gaps and not problems:
        problems.extend(_gap_problems(df, source_name, lines))
    if problems:
        raise DataValidationError(problems)
    return df.drop(columns=["_line"], errors="ignore")[CANONICAL_COLUMNS].reset_index(drop=True)


def _flag_values(df: pd.DataFrame, flag, span: pd.Series | None) -> None:
    """Non-finite numbers, quantities without a unit, future months, implausible magnitudes."""
    for column in ("value", "quantity"):
        flag(pd.Series(np.isinf(df[column].to_numpy(float)), index=df.index), column,
             lambda r, c=column: f"'{r[c]}' is not a finite number")  # fmt: skip
    unit = df["quantity_unit"]
    no_unit = unit.isna() | unit.astype(str).str.strip().eq("")
    flag(df["quantity"].notna() & no_unit, "quantity_unit",
         lambda r: f"quantity {r['quantity']:g} is given without a quantity_unit")  # fmt: skip
    now = pd.Period(datetime.now(UTC).strftime("%Y-%m"), freq="M")
    future = (df["period"] > now).fillna(False) & df["period"].notna()
    flag(future, "period", lambda r: f"{r['period']} is after the current month ({now})")
    limits = classifications.plausibility()
    cap = df["currency"].map(limits["largest_monthly_total"] * limits["factor"])
    covered = df["months"] if span is None else pd.to_numeric(span, errors="coerce")
    implausible = df["measure"].eq("level") & (df["value"] > cap * covered.fillna(1))

    def why(r) -> str:
        row = limits.loc[r["currency"]]
        return (f"{r['value']:.4g} {r['currency']} is more than {row['factor']:g} times the "
                f"largest monthly total seen ({row['largest_monthly_total'] / 1e9:,.1f} bn "
                f"in {row['record_period']}): a unit error (thousands or millions)?")

    flag(implausible, "value", why)


def _gap_problems(df: pd.DataFrame, source_name: str, lines: pd.Series) -> list[Problem]:
    """Months missing inside a series (between its first and last month), per vintage."""
    problems = []
    group_cols = SERIES_COLUMNS + ["vintage"]
    ordinals = df["period"].map(lambda p: p.ordinal)
    work = df.assign(_end=ordinals, _start=ordinals - df["months"] + 1)
    for key, group in work.groupby(group_cols, observed=True, sort=False):
        covered = np.concatenate(
            [np.arange(s, e + 1) for s, e in zip(group["_start"], group["_end"], strict=True)]
        )
        expected = np.arange(covered.min(), covered.max() + 1)
        missing = np.setdiff1d(expected, covered)
        if len(missing):
            first_missing = pd.Period(ordinal=int(missing[0]), freq="M")
            after = group[group["_end"] < missing[0]]
            line = int(lines.loc[after.index[-1]]) if len(after) else None
            problems.append(
                Problem(
                    source_name,
                    line,
                    "period",
                    f"series {dict(zip(group_cols, key, strict=True))} has a gap: "
                    f"{len(missing)} month(s) missing, first {first_missing}",
                )
            )
    return problems


def currency_switch_problems(frame: pd.DataFrame, source_name: str,
                             lines: pd.Series | None = None,
                             across_files: bool = False) -> list[Problem]:
    """Series (flow, partner, product, measure) that switch currency from month to month.

    Both editions side by side are fine even when one covers more months. Within one file a
    switch is two currencies that never cover the same month, or months held in one currency
    only that alternate (USD, CNY, USD). Across files (`across_files`: the store plus an
    import) a store gathers editions page by page (a USD page for April, a CNY one for May, a
    USD one for December), so only alternation over adjacent months counts there: two or more
    changes between consecutive months held in one currency each. `lines` gives the line
    reported for a row (rows without a line, e.g. already stored ones, are not pointed at).
    """
    problems = []
    series = ["flow", "partner", "product", "measure"]
    for key, part in frame.groupby(series, observed=True, sort=False):
        cover = part.groupby("currency", observed=True)["period"].agg(
            lambda s: set(pd.PeriodIndex(s.astype(str), freq="M")))
        if len(cover) < 2:
            continue
        a, b = cover.index[:2]
        common = cover[a] & cover[b]
        only = dict(sorted([(p, a) for p in cover[a] - common]
                           + [(p, b) for p in cover[b] - common]))
        months = list(only)
        if across_files:
            changes = sum(only.get(m + 1, only[m]) != only[m] for m in months)
            switched = changes >= 2
        else:
            changes = sum(only[x] != only[y] for x, y in zip(months, months[1:], strict=False))
            switched = changes >= 2 or not common
        if not switched:
            continue
        line = None
        if lines is not None:
            known = lines.reindex(part.index).dropna()
            line = int(known.iloc[0]) if len(known) else None
        spans = "; ".join(f"{c} in {', '.join(map(str, sorted(cover[c])[:4]))}"
                          + (" ..." if len(cover[c]) > 4 else "") for c in (a, b))
        problems.append(Problem(source_name, line, "currency",
                                f"series {tuple(key[:3])} switches currency from month to month "
                                f"({spans}): one series must keep one currency"))
    return problems


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with the canonical dtypes: monthly Period, int months, float value and quantity,
    str codes, None for a missing quantity unit (columns not present are left alone)."""
    out = frame.copy()
    if "period" in out and not isinstance(out["period"].dtype, pd.PeriodDtype):
        # parse each distinct month once: a table repeats a few hundred months many times
        codes, months = pd.factorize(out["period"].astype(str), use_na_sentinel=False)
        out["period"] = pd.PeriodIndex(months, freq="M")[codes]
    if "months" in out:
        out["months"] = out["months"].astype("int64")
    for column in ("value", "quantity"):
        if column in out:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in ("flow", "partner", "product", "currency", "measure", "source", "vintage",
                   "table"):  # fmt: skip
        if column in out:
            out[column] = out[column].astype(str)
    if "quantity_unit" in out:
        unit = out["quantity_unit"]
        out["quantity_unit"] = unit.astype(object).where(unit.notna(), None)
    return out
