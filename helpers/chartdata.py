"""The numbers behind the time-series charts: pure functions of a Dataset, no drawing.

Every frame here is indexed by monthly Periods over the `months` months ending at the resolved
period; in data with combined Jan-Feb years the folded January rows are dropped, so February
stands for Jan-Feb (see :func:`period_labels`). Units: growth in pct, contributions in pp, levels
and balances in bn of the currency. The figures the views record (helpers.views) are the last
row of these frames: tests check the two agree.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from helpers import basis, breakdown, classifications, metrics, seasonal
from helpers.data import Dataset
from helpers.figures import round_half_up
from helpers.paths import DATA_DIR
from helpers.schema import TradeKitError

__all__ = [
    "EVENT_KINDS",
    "EVENTS_FILE",
    "EventsFileError",
    "FLOWS",
    "balance_panel",
    "beat_streak",
    "contribution_history",
    "events_in",
    "growth_panel",
    "load_events",
    "period_labels",
    "price_volume_history",
    "thin_events",
    "quantity_lines",
    "sa_panel",
    "us_share_history",
    "yoy_lines",
]

FLOWS = ("export", "import")
BN = 1e9
EVENTS_FILE = DATA_DIR / "events.csv"
EVENT_KINDS = ("tariff", "truce", "holiday", "other")


class EventsFileError(TradeKitError, ValueError):
    """data/events.csv (or another events file) has a malformed row."""


def _window(ds: Dataset, period, months: int):
    when = ds.resolve(period)
    return when, when.window(months)


def _drop_folded_january(frame, ds: Dataset):
    """Drop January rows when Jan-Feb is folded (February holds the combined value)."""
    if not ds.combined_years:
        return frame
    return frame[frame.index.month != 1]


def period_labels(index: pd.PeriodIndex, combined: bool) -> list[str]:
    """Short month labels ('Sep 25'); a folded February reads 'Jan-Feb 24' when `combined`."""
    return [f"Jan-Feb {p:%y}" if combined and p.month == 2 else p.strftime("%b %y") for p in index]


# ------------------------------------------------------------------------------- headline


def growth_panel(ds: Dataset, period, months: int = 36, currency: str = "USD") -> pd.DataFrame:
    """Exports and imports y/y, their 3-month-sum y/y and consensus (pct) over the window.

    Columns `<flow>_yoy`, `<flow>_yoy_3m`, `<flow>_consensus_yoy` (NaN where the data hold no
    consensus; consensus is in USD terms, so none for CNY figures). attrs["derived"]: the flows
    whose y/y for the month rests on a year-ago month derived from GAC's printed rates.
    """
    when, window = _window(ds, period, months)
    columns = {}
    for flow in FLOWS:
        levels = ds.folded(flow, currency=currency)
        columns[f"{flow}_yoy"] = metrics.yoy(levels).reindex(window)
        columns[f"{flow}_yoy_3m"] = metrics.three_month_growth(levels).reindex(window)
        consensus = ds.consensus_series(flow) if currency == "USD" else None
        columns[f"{flow}_consensus_yoy"] = (
            consensus.reindex(window) if consensus is not None else np.nan
        )
    frame = pd.DataFrame(columns, index=window)
    # the month's y/y on a year-ago month derived from GAC's printed rates is shown with "≈"
    derived = [flow for flow in FLOWS if basis.derived_base(
        ds, (flow, "WORLD", "TOTAL", currency), when.period - 12) is not None]  # fmt: skip
    frame.attrs.update(label=when.label, period=when.period, currency=currency, derived=derived)
    return _drop_folded_january(frame, ds)


def beat_streak(actual: pd.Series, consensus: pd.Series) -> tuple[str, int]:
    """('beat' | 'missed' | 'matched', months in a row ending at the last month), compared at the
    printed precision (1 decimal); ('', 0) when the last month has no consensus."""
    both = pd.DataFrame({"a": actual, "c": consensus}).dropna(how="all")
    if both.empty or both.iloc[-1].isna().any():
        return "", 0
    diff = (both["a"].map(lambda v: round_half_up(v, 1))
            - both["c"].map(lambda v: round_half_up(v, 1))).round(6)  # fmt: skip
    sign = np.sign(diff)
    last = sign.iloc[-1]
    run = 0
    for value in sign.iloc[::-1]:
        if value != last or np.isnan(value):
            break
        run += 1
    return {1: "beat", -1: "missed", 0: "matched"}[int(last)], run


def sa_panel(ds: Dataset, period, months: int = 36, currency: str = "USD") -> pd.DataFrame:
    """Seasonally (and New-Year) adjusted levels (bn) and their m/m change (pct) by flow.

    Adjusts the data up to the period only (what an analyst had at the release) with
    helpers.seasonal.seasonally_adjust, the outlook's method. Columns `<flow>_sa`,
    `<flow>_mom`; the method in attrs['method']. Empty when the data are too short.
    """
    when, window = _window(ds, period, months)
    columns, methods = {}, set()
    for flow in FLOWS:
        levels = ds.levels(flow, currency=currency).loc[: when.period]
        if (
            levels.notna().sum() < 36
            or levels.loc[levels.first_valid_index() :].isna().sum() > len(ds.combined_years) + 1
        ):  # too short, or gaps other than folded Januaries
            return pd.DataFrame()
        result = seasonal.seasonally_adjust(levels.loc[levels.first_valid_index() :])
        adjusted = _average_combined(result.adjusted, ds.combined_years)
        methods.add(result.method)
        columns[f"{flow}_sa"] = (adjusted / BN).reindex(window)
        mom = adjusted.pct_change(fill_method=None) * 100
        combined_feb = (mom.index.month == 2) & mom.index.year.isin(sorted(ds.combined_years))
        columns[f"{flow}_mom"] = mom.mask(combined_feb).reindex(window)
    frame = pd.DataFrame(columns, index=window)
    frame.attrs.update(label=when.label, period=when.period, currency=currency,
                       method=", ".join(sorted(methods)))  # fmt: skip
    return frame


def _average_combined(adjusted: pd.Series, years) -> pd.Series:
    """January and February of the years published combined both get their two-month average:
    the data do not say how the pair splits (the February m/m change is then left out)."""
    out = adjusted.copy()
    for year in years:
        pair = [pd.Period(year=year, month=m, freq="M") for m in (1, 2)]
        if all(p in out.index for p in pair):
            out[pair] = out[pair].mean()
    return out


def balance_panel(ds: Dataset, period, months: int = 36, currency: str = "USD") -> pd.DataFrame:
    """Trade balance (bn) by month with the same month a year earlier and a Jan-Feb flag."""
    when, window = _window(ds, period, months)
    balance = metrics.balance(ds.folded("export", currency=currency),
                              ds.folded("import", currency=currency)) / BN  # fmt: skip
    full = balance.reindex(pd.period_range(window[0] - 12, window[-1], freq="M"))
    frame = pd.DataFrame(
        {"balance": full.reindex(window), "balance_prev_year": full.shift(12).reindex(window)},
        index=window,
    )
    frame["janfeb"] = bool(ds.combined_years) & (frame.index.month == 2)
    frame.attrs.update(label=when.label, period=when.period, currency=currency)
    return _drop_folded_january(frame, ds)


# ------------------------------------------------------------------------------- breakdowns


def contribution_history(ds: Dataset, flow: str, dimension: str, period, months: int = 24,
                         currency: str = "USD", max_parts: int = 6) -> pd.DataFrame:  # fmt: skip
    """Contributions (pp) of the top-level lines to the flow's y/y over the window, plus the
    total y/y in column 'total'.

    The `max_parts` lines with the largest mean absolute contribution over the window are kept;
    the other parts join the residual in 'other', so the columns other than 'total' add up to
    the total exactly, as in the breakdown table. Columns are codes; attrs['names'] maps them
    to display names.
    """
    when, window = _window(ds, period, months)
    layout = (breakdown.product_layout(flow) if dimension == "product"
              else breakdown.partner_layout())  # fmt: skip
    parts = [code for code, role, _ in layout if role == "part"
             and breakdown.has_line(ds, flow, dimension, code, currency)]  # fmt: skip
    total = ds.folded(flow, currency=currency)
    levels = pd.DataFrame(  # the parts only: of-which and overlapping rows are not stacked
        {code: breakdown.line_levels(ds, flow, dimension, code, currency, when.period)
         .reindex(total.index) for code in parts}, index=total.index)  # fmt: skip
    contrib = (metrics.contributions(levels[parts], total) if parts
               else pd.DataFrame({"other": metrics.yoy(total)}))  # fmt: skip
    contrib = contrib.reindex(window)
    ranked = contrib[parts].abs().mean().sort_values(ascending=False).index
    kept = list(ranked[:max_parts])
    merged = [c for c in parts if c not in kept]
    out = contrib[kept].copy()
    out["other"] = contrib["other"] + contrib[merged].sum(axis=1, min_count=1).fillna(0.0)
    out["total"] = metrics.yoy(total).reindex(window)
    # "Rest of world" is the partners GAC does not list (the breakdown's residual, as in the
    # waterfall); with smaller listed partners folded in, the bar says so
    other = "Other products" if dimension == "product" else (
        "Rest of world and smaller partners" if merged else "Rest of world")  # fmt: skip
    names = {c: classifications.display_name(c, dimension, flow) for c in kept}
    names.update(other=other, total=f"Total {flow}s y/y")
    out.attrs.update(label=when.label, period=when.period, currency=currency, flow=flow,
                     dimension=dimension, names=names, merged=merged)  # fmt: skip
    return _drop_folded_january(out, ds)


def us_share_history(ds: Dataset, period, months: int = 36, currency: str = "USD") -> pd.DataFrame:
    """The United States' share (pct) of China's exports and of its imports by month."""
    when, window = _window(ds, period, months)
    columns = {}
    for flow in FLOWS:
        if not ds.has(flow, "united_states", "TOTAL", currency):
            continue
        total = ds.folded(flow, currency=currency)
        us = ds.folded_partner(flow, "united_states", currency, as_of=when.period)
        columns[f"{flow}_share"] = metrics.share(us.reindex(total.index), total).reindex(window)
    frame = pd.DataFrame(columns, index=window)
    frame.attrs.update(label=when.label, period=when.period, currency=currency)
    return _drop_folded_january(frame, ds)


def yoy_lines(ds: Dataset, flow: str, period, months: int = 36, currency: str = "USD",
              n: int = 5) -> pd.DataFrame:  # fmt: skip
    """Y/y (pct) of the `n` largest top-level product groups (parts and overlaps such as
    high-tech) in the month, by value; columns are codes, attrs['names'] their names."""
    when, window = _window(ds, period, months)
    levels, _, layout = breakdown.level_frame(ds, flow, "product", when.period, currency)
    codes = [code for code, role, _ in layout if role in ("part", "overlap")]
    at_t = levels[codes].loc[when.period].dropna().sort_values(ascending=False)
    chosen = list(at_t.index[:n])
    out = levels[chosen].apply(metrics.yoy).reindex(window)
    out.attrs.update(
        label=when.label,
        period=when.period,
        currency=currency,
        flow=flow,
        names={c: classifications.display_name(c, "product", flow) for c in chosen},
    )
    return _drop_folded_january(out, ds)


def _quantity_rows(ds: Dataset, flow: str, t: pd.Period, currency: str) -> pd.Series:
    """Stored value at month t of the product lines (in layout order) whose quantity is printed
    for t: one filter of the trade table instead of a series lookup per line."""
    trade = ds.trade
    rows = trade[(trade["flow"] == flow) & (trade["partner"] == "WORLD")
                 & (trade["currency"] == currency) & (trade["measure"] == "level")
                 & (trade["period"] == t) & trade["quantity"].notna()]  # fmt: skip
    values = rows.set_index("product")["value"]
    order = [code for code, _, _ in breakdown.product_layout(flow) if code in values.index]
    return values.reindex(order)


def quantity_lines(ds: Dataset, flow: str, period, currency: str = "USD") -> list[str]:
    """Product lines whose quantity GAC prints for the month (as in the price/volume table)."""
    return list(_quantity_rows(ds, flow, ds.resolve(period).period, currency).index)


def price_volume_history(ds: Dataset, flow: str, period, months: int = 36,
                         currency: str = "USD",
                         n: int | None = 6) -> dict[str, pd.DataFrame]:  # fmt: skip
    """For the `n` largest lines by value in the month with quantities (all when n is None):
    value, unit value and volume y/y (pct) over the window (columns yoy, yoy_price, yoy_volume,
    as figures.csv names them), keyed by display name."""
    when, window = _window(ds, period, months)
    out = {}
    values = _quantity_rows(ds, flow, when.period, currency)
    codes = list(values.index)
    if n is not None:
        codes = list(values.sort_values(ascending=False, kind="stable").index[:n])
    for code in codes:
        value = ds.folded(flow, "WORLD", code, currency)
        quantity = ds.folded(flow, "WORLD", code, currency, column="quantity")
        split = metrics.price_volume(value, quantity)[["yoy", "yoy_price", "yoy_volume"]]
        frame = _drop_folded_january(split.reindex(window), ds)
        frame.attrs.update(code=code, label=when.label, period=when.period, of=len(values))
        out[classifications.display_name(code, "product", flow)] = frame
    return out


# ------------------------------------------------------------------------------- events


@cache
def _read_events(path: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise EventsFileError(f"events file {path} not found") from None
    missing = {"date", "label", "kind", "source"} - set(raw.columns)
    if missing:
        raise EventsFileError(f"{path}: missing column(s) {', '.join(sorted(missing))}; the "
                              "header must be date,label,kind,source")  # fmt: skip
    dates = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce")
    for i, row in raw.iterrows():
        line = i + 2  # header is line 1
        if pd.isna(dates[i]):
            raise EventsFileError(f"{path}, line {line}: date {row['date']!r} is not YYYY-MM-DD")
        if not row["label"].strip():
            raise EventsFileError(f"{path}, line {line}: empty label")
        if row["kind"] not in EVENT_KINDS:
            raise EventsFileError(f"{path}, line {line}: kind {row['kind']!r} is not one of "
                                  f"{', '.join(EVENT_KINDS)}")  # fmt: skip
        if not row["source"].strip():
            raise EventsFileError(f"{path}, line {line}: empty source (say where the date is from)")
    return raw.assign(date=dates).sort_values("date", kind="stable").reset_index(drop=True)


def load_events(path=EVENTS_FILE) -> pd.DataFrame:
    """Dated events (date, label, kind, source) from data/events.csv, checked, sorted by date."""
    return _read_events(str(path)).copy()


def thin_events(events: pd.DataFrame, gap_days: int = 120) -> pd.DataFrame:
    """The events that matter on small multiples: tariff steps and truces only (no holidays or
    other events), keeping the turning points (a truce after tariffs, tariffs after a truce) and
    a step of the same kind only when at least `gap_days` after the last one kept."""
    steps = events[events["kind"].isin(["tariff", "truce"])].sort_values("date")
    keep, last = [], None
    for i, row in steps.iterrows():
        if (last is None or row["kind"] != last["kind"]
                or (row["date"] - last["date"]).days >= gap_days):  # fmt: skip
            keep.append(i)
            last = row
    return steps.loc[keep].reset_index(drop=True)


def events_in(window: pd.PeriodIndex, kinds=EVENT_KINDS, path=EVENTS_FILE) -> pd.DataFrame:
    """Events dated within the months of `window` (first day of the first to the last day)."""
    events = load_events(path)
    start, end = window[0].start_time, window[-1].end_time
    inside = events["date"].between(start, end) & events["kind"].isin(kinds)
    return events[inside].reset_index(drop=True)
