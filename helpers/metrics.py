"""Trade metrics: pure, vectorised pandas functions over monthly "levels" series.

A *levels* series is a ``pd.Series`` of floats indexed by a monthly ``pd.PeriodIndex``
(freq ``"M"``), one value per month, no duplicate periods. Every function here

* works on a *complete* monthly range internally (gaps in the input index become NaN months),
  so that ``shift(12)`` always means "the same month a year earlier", never "12 rows earlier";
* returns its result aligned on the input's own index (unless stated otherwise);
* never mutates its inputs.

Units: growth rates are in **percent** (8.3 means +8.3%), contributions and share changes in
**percentage points**, balances in the units of the input.

January-February. GAC publishes January and February only as a combined figure in some years.
In a levels series such a year is stored with January = NaN and February = the January-February
cumulative value (a *folded* year). Metrics treat a January that is present in the index with
a NaN value, followed by a non-NaN February of the same year, as a folded pair: the February
value covers both months. A January absent from the index is simply a missing month. Use
:func:`fold_janfeb` to fold the years adjacent to a combined year so that like is always compared
with like, and :func:`resolve_period` to turn a requested month into the period to look up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "HasReleasePeriod",
    "ResolvedPeriod",
    "balance",
    "balance_change_yoy",
    "comparison_years",
    "contribution",
    "contributions",
    "fold_janfeb",
    "price_volume",
    "quarterly_growth",
    "resolve_period",
    "ytd_span",
    "share",
    "share_ytd",
    "share_ytd_change",
    "surprise",
    "three_month_growth",
    "two_year_growth",
    "yoy",
    "ytd_growth",
]

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
JANFEB_LABEL = "January–February"  # en dash, as in GAC's English releases


# --------------------------------------------------------------------------------------------
# internal helpers
# --------------------------------------------------------------------------------------------


def _check_monthly_index(index: pd.Index, name: str = "levels") -> None:
    """Raise ValueError unless ``index`` is a duplicate-free monthly PeriodIndex."""
    if not isinstance(index, pd.PeriodIndex) or index.freqstr != "M":
        raise ValueError(f"{name} must be indexed by a monthly pd.PeriodIndex (freq 'M')")
    if index.has_duplicates:
        raise ValueError(f"{name} has duplicate periods")


def _as_levels(levels: pd.Series, name: str = "levels") -> pd.Series:
    """Validated float copy of a levels series."""
    if not isinstance(levels, pd.Series):
        raise TypeError(f"{name} must be a pd.Series, got {type(levels).__name__}")
    _check_monthly_index(levels.index, name)
    return levels.astype(float)


def _full_range(*indexes: pd.PeriodIndex, full_years: bool = False) -> pd.PeriodIndex:
    """Complete monthly range spanning all ``indexes`` (January..December if ``full_years``)."""
    non_empty = [ix for ix in indexes if len(ix)]
    if not non_empty:
        return pd.PeriodIndex([], freq="M")
    start = min(ix.min() for ix in non_empty)
    end = max(ix.max() for ix in non_empty)
    if full_years:
        start = pd.Period(year=start.year, month=1, freq="M")
        end = pd.Period(year=end.year, month=12, freq="M")
    return pd.period_range(start, end, freq="M")


def _complete(levels: pd.Series, full_years: bool = False) -> pd.Series:
    """Reindex a levels series onto its complete monthly range (missing months -> NaN)."""
    return levels.reindex(_full_range(levels.index, full_years=full_years))


def _ratio_pct(num: pd.Series, den: pd.Series) -> pd.Series:
    """(num / den - 1) * 100, with growth from a zero base reported as NaN (not +-inf)."""
    out = (num / den - 1.0) * 100.0
    return out.replace([np.inf, -np.inf], np.nan)


def _complete_full_years(levels: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Levels on complete calendar years, plus a mask of folded Januaries.

    A January is *folded* when it is in the input's index with a NaN value and February of the
    same year holds a value: February then carries the Jan-Feb cumulative. A January absent from
    the index (e.g. a series starting in February) is a missing month, not a folded one.
    """
    x = _complete(levels, full_years=True)
    folded = (
        (x.index.month == 1)
        & x.index.isin(levels.index)
        & x.isna().to_numpy()
        & x.shift(-1).notna().to_numpy()
    )
    return x, pd.Series(folded, index=x.index)


def _ytd_sums(levels: pd.Series) -> pd.Series:
    """Year-to-date cumulative sums on the full-years complete range, NaN where not computable.

    A folded January (see :func:`_complete_full_years`) counts as 0 inside the sum (February
    carries it). The YTD sum at month m is NaN if month m itself is NaN (so a folded January
    has no YTD value) or if any other month 1..m of that year is missing.
    """
    x, folded_jan = _complete_full_years(levels)
    years = x.index.year
    gaps_so_far = (x.isna() & ~folded_jan).astype(int).groupby(years).cumsum()
    sums = x.fillna(0.0).groupby(years).cumsum()
    return sums.where(x.notna() & (gaps_so_far == 0))


def _previous_year_value(by_year_end: pd.Series, index: pd.PeriodIndex) -> pd.Series:
    """For each month in ``index``, the value ``by_year_end`` holds for December of year - 1."""
    december = by_year_end[by_year_end.index.month == 12]
    december.index = december.index.year + 1
    return pd.Series(index.year, index=index).map(december).astype(float)


# --------------------------------------------------------------------------------------------
# January-February folding
# --------------------------------------------------------------------------------------------


def comparison_years(years: Iterable[int], index: pd.PeriodIndex | None = None) -> frozenset[int]:
    """Years whose January and February are compared combined.

    Once any year of a series is published as combined Jan-Feb, every year is folded: folding
    only the neighbours of a combined year would compare a folded February with a single-month
    February at the edges (e.g. Jan-Feb 2019 against February 2018), a meaningless +150%.
    Without an index the answer is "every year" when ``years`` is non-empty (an empty set else).
    """
    years = frozenset(int(y) for y in years)
    if not years:
        return frozenset()
    if index is None:
        return frozenset(range(1900, 2200))
    return frozenset(int(y) for y in index.year) | years


def fold_janfeb(levels: pd.Series, years: Iterable[int]) -> pd.Series:
    """Copy of ``levels`` with January folded into February for every year needing it.

    Exact rule: when ``years`` is non-empty, for every year y of the index (see
    :func:`comparison_years` for why all years):

    * February(y) <- January(y) + February(y), where a NaN or absent January counts as 0 (Feb
      then already holds the Jan-Feb cumulative, as for a combined year). If February(y) is NaN
      or absent it stays NaN: a January alone is not a Jan-Feb total.
    * January(y) <- NaN.

    The index is unchanged (no periods are added), other months are untouched, the input is not
    modified. Folding an already-folded year is a no-op, so the function is idempotent.
    """
    x = _as_levels(levels)
    fold = x.index.year.isin(sorted(comparison_years(years, x.index)))
    is_jan = fold & (x.index.month == 1)
    is_feb = fold & (x.index.month == 2)
    # January value of the same year, looked up by period (robust to gaps in the index)
    jan_of_feb = x.reindex(x.index[is_feb] - 1).fillna(0.0).to_numpy()
    out = x.copy()
    out.iloc[np.flatnonzero(is_feb)] = x[is_feb].to_numpy() + jan_of_feb  # NaN Feb stays NaN
    out[is_jan] = np.nan
    return out


@dataclass(frozen=True)
class ResolvedPeriod:
    """The period to look a requested month up at, with its display label."""

    period: pd.Period
    label: str
    is_janfeb: bool

    @property
    def previous(self) -> pd.Period:
        """The release before: the previous month, or December before a Jan-Feb release."""
        return self.period - (2 if self.is_janfeb else 1)

    @property
    def ytd_label(self) -> str:
        """The year to date in words: "January-June 2026" ("January 2026" in January)."""
        return ytd_span(self.period)

    @property
    def year_ago_label(self) -> str:
        """The same period a year earlier in words: "June 2025", "January–February 2025"."""
        year_ago = self.period - 12
        if self.is_janfeb:
            return f"{JANFEB_LABEL} {year_ago.year}"
        return f"{_MONTH_NAMES[year_ago.month - 1]} {year_ago.year}"

    def window(self, months: int) -> pd.PeriodIndex:
        """The `months` months ending at this period."""
        return pd.period_range(self.period - months + 1, self.period, freq="M")


class HasReleasePeriod:
    """Mixin for objects that carry a `when: ResolvedPeriod` (a view's context, a headline)."""

    when: ResolvedPeriod

    @property
    def period(self) -> pd.Period:
        return self.when.period

    @property
    def label(self) -> str:
        return self.when.label

    @property
    def is_janfeb(self) -> bool:
        return self.when.is_janfeb


def ytd_span(period: pd.Period) -> str:
    """January to `period` in words: "January-June 2026" ("January 2026" in January)."""
    months = "January" if period.month == 1 else f"January-{_MONTH_NAMES[period.month - 1]}"
    return f"{months} {period.year}"


def resolve_period(period: pd.Period | str, combined_years: Iterable[int]) -> ResolvedPeriod:
    """Resolve a requested month against the combined Jan-Feb years.

    When any year is combined (so :func:`fold_janfeb` folds every year), a request for January
    or February resolves to February with the label "January–February YYYY" and
    ``is_janfeb=True``; any
    other month resolves to itself with a label like "September 2025".
    """
    p = pd.Period(period, freq="M")
    if p.month <= 2 and p.year in comparison_years(combined_years):
        feb = pd.Period(year=p.year, month=2, freq="M")
        return ResolvedPeriod(feb, f"{JANFEB_LABEL} {p.year}", True)
    return ResolvedPeriod(p, f"{_MONTH_NAMES[p.month - 1]} {p.year}", False)


# --------------------------------------------------------------------------------------------
# growth rates
# --------------------------------------------------------------------------------------------


def yoy(levels: pd.Series) -> pd.Series:
    """Year-on-year growth X_t / X_{t-12} - 1, in percent (NaN without a base or from 0)."""
    x = _complete(_as_levels(levels))
    return _ratio_pct(x, x.shift(12)).reindex(levels.index)


def ytd_growth(levels: pd.Series) -> pd.Series:
    """Year-to-date growth sum(X_{y,1..m}) / sum(X_{y-1,1..m}) - 1, in percent.

    A folded Jan-Feb (January in the index as NaN, February holding the cumulative value)
    counts January as 0 within the sums. The result is NaN at a NaN month (hence at a folded
    January), and NaN when any other month 1..m of the current or of the previous year is
    missing, including when the previous year is absent entirely.
    """
    s = _ytd_sums(_as_levels(levels))
    return _ratio_pct(s, s.shift(12)).reindex(levels.index)


def quarterly_growth(levels: pd.Series) -> pd.Series:
    """Quarter sums vs the same quarter a year earlier, in percent, on a quarterly PeriodIndex.

    A quarter is usable only when all 3 months are covered; a folded January (in the index as
    NaN, followed by a February value holding Jan-Feb) counts as covered. The index runs over every
    quarter from the first to the last month of the input; quarters without a usable value or
    without a usable year-earlier quarter are NaN.
    """
    x, folded_jan = _complete_full_years(_as_levels(levels))
    quarters = x.index.asfreq("Q")
    covered = x.notna() | folded_jan
    n_covered = covered.groupby(quarters).sum()
    sums = x.fillna(0.0).groupby(quarters).sum().where(n_covered == 3)
    growth = _ratio_pct(sums, sums.shift(4))
    if not len(levels):
        return growth
    wanted = pd.period_range(
        levels.index.min().asfreq("Q"), levels.index.max().asfreq("Q"), freq="Q"
    )
    return growth.reindex(wanted)


def three_month_growth(levels: pd.Series) -> pd.Series:
    """Growth of the 3-month sum ending at t over the same 3 months a year earlier, in percent.

    (X_t + X_{t-1} + X_{t-2}) / (X_{t-12} + X_{t-13} + X_{t-14}) - 1. A folded Jan-Feb pair
    (January in the index as NaN, February holding Jan+Feb) is usable only when the window holds
    both halves: the window is NaN when it contains a folded February but not its January (window
    February..April) or a folded January but not its February (window November..January).
    A window holding the whole pair (December..February or January..March) sums the Jan-Feb
    value once, so December..February then covers four months, the same four in both years.
    Any other missing month makes the window NaN.
    """
    x, folded_jan = _complete_full_years(_as_levels(levels))
    folded_feb = folded_jan.shift(1, fill_value=False)
    missing = (x.isna() & ~folded_jan).astype(int)
    n_missing = missing + missing.shift(1) + missing.shift(2)  # NaN for the first two months
    half_pair = folded_jan | folded_feb.shift(2, fill_value=False)
    x0 = x.fillna(0.0)
    window = (x0 + x0.shift(1) + x0.shift(2)).where((n_missing == 0) & ~half_pair)
    return _ratio_pct(window, window.shift(12)).reindex(levels.index)


def two_year_growth(levels: pd.Series) -> pd.DataFrame:
    """Growth over two years, in percent: columns ``stacked`` and ``average``.

    stacked = X_t / X_{t-24} - 1 (cumulative two-year growth; equals (1+g_t)(1+g_{t-12}) - 1),
    average = sqrt(X_t / X_{t-24}) - 1 (the annualised, geometric-average y/y rate).
    """
    x = _complete(_as_levels(levels))
    ratio = (x / x.shift(24)).replace([np.inf, -np.inf], np.nan)
    out = pd.DataFrame(
        {"stacked": (ratio - 1.0) * 100.0, "average": (np.sqrt(ratio) - 1.0) * 100.0}
    )
    return out.reindex(levels.index)


# --------------------------------------------------------------------------------------------
# contributions
# --------------------------------------------------------------------------------------------


def contribution(part: pd.Series, total: pd.Series) -> pd.Series:
    """One part's contribution to the y/y growth of ``total``, in percentage points.

    (P_t - P_{t-12}) / Total_{t-12} * 100. Meant for single rows such as "of which" items; such
    contributions are not additive with their parents. Aligned on ``total``'s index.
    """
    p = _as_levels(part, "part")
    t = _as_levels(total, "total")
    full = _full_range(p.index, t.index)
    p, t = p.reindex(full), t.reindex(full)
    out = ((p - p.shift(12)) / t.shift(12) * 100.0).replace([np.inf, -np.inf], np.nan)
    return out.reindex(total.index)


def contributions(parts: pd.DataFrame, total: pd.Series, other_name: str = "other") -> pd.DataFrame:
    """Contributions of ``parts`` (one column each) to the y/y growth of ``total``, in pp.

    Column i is (X_i,t - X_i,t-12) / Total_{t-12} * 100; the extra column ``other_name`` is the
    change of the total not explained by the named parts, on the same base, so that the row sum
    equals ``yoy(total)`` to float precision. The parts must not overlap (the caller's job): an
    "of which" child must never be passed together with its parent, or the parent's change is
    counted twice and ``other`` turns negative to compensate; use :func:`contribution` for
    "of which" rows. A NaN part makes ``other`` NaN. Aligned on ``total``'s index.
    """
    if not isinstance(parts, pd.DataFrame):
        raise TypeError("parts must be a pd.DataFrame with one column per part")
    _check_monthly_index(parts.index, "parts")
    t = _as_levels(total, "total")
    if other_name in parts.columns:
        raise ValueError(f"parts already has a column named {other_name!r}")
    full = _full_range(parts.index, t.index)
    p = parts.astype(float).reindex(full)
    t = t.reindex(full)
    base = t.shift(12)
    part_changes = p - p.shift(12)
    other_change = (t - base) - part_changes.sum(axis=1, skipna=False)
    out = part_changes.div(base, axis=0) * 100.0
    out[other_name] = other_change / base * 100.0
    return out.replace([np.inf, -np.inf], np.nan).reindex(total.index)


# --------------------------------------------------------------------------------------------
# balances, shares, prices and volumes, surprises
# --------------------------------------------------------------------------------------------


def balance(exports: pd.Series, imports: pd.Series) -> pd.Series:
    """Trade balance X - M, in the inputs' units (on the union of the two indexes)."""
    return _as_levels(exports, "exports") - _as_levels(imports, "imports")


def balance_change_yoy(exports: pd.Series, imports: pd.Series) -> pd.Series:
    """Change of the balance from a year earlier, B_t - B_{t-12}, in the inputs' units.

    Deliberately no percent change: a balance can change sign or sit near zero.
    """
    b = balance(exports, imports)
    full = _complete(b)
    return (full - full.shift(12)).reindex(b.index)


def share(part: pd.Series, total: pd.Series) -> pd.Series:
    """Share of ``part`` in ``total`` for each month, in percent."""
    out = _as_levels(part, "part") / _as_levels(total, "total") * 100.0
    return out.replace([np.inf, -np.inf], np.nan)


def _share_ytd_full(part: pd.Series, total: pd.Series) -> pd.Series:
    p = _as_levels(part, "part")
    t = _as_levels(total, "total")
    full = _full_range(p.index, t.index, full_years=True)
    out = _ytd_sums(p).reindex(full) / _ytd_sums(t).reindex(full) * 100.0
    return out.replace([np.inf, -np.inf], np.nan)


def share_ytd(part: pd.Series, total: pd.Series) -> pd.Series:
    """Year-to-date share: YTD sum of ``part`` / YTD sum of ``total`` * 100 (percent).

    YTD sums follow :func:`ytd_growth` (folded Jan-Feb counted once, NaN at a folded January
    or after a missing month). Aligned on ``total``'s index.
    """
    return _share_ytd_full(part, total).reindex(total.index)


def share_ytd_change(part: pd.Series, total: pd.Series) -> pd.Series:
    """YTD share at month t minus the share over the whole previous calendar year, in pp.

    The previous-year share is the January-December y-1 share (the YTD share at December y-1),
    e.g. "the share rose 0.7 pp from end-2024". NaN when year y-1 is incomplete.
    Aligned on ``total``'s index.
    """
    s = _share_ytd_full(part, total)
    return (s - _previous_year_value(s, s.index)).reindex(total.index)


def price_volume(value: pd.Series, quantity: pd.Series) -> pd.DataFrame:
    """Split value growth into price (unit value) and volume, all y/y.

    Columns (aligned on ``value``'s index; figure names of data/figure_names.csv):

    * ``yoy``, ``yoy_volume``, ``yoy_price``: y/y growth in percent of value, quantity and
      unit value (value / quantity); (1 + g_V) = (1 + g_P)(1 + g_Q) holds exactly in theory.
    * ``contribution_price``, ``contribution_volume``: additive split of ``yoy`` in pp by log
      shares,
      contribution_price = g_V * ln(1 + g_P) / ln(1 + g_V) (in percent units). At g_V = 0 the factor
      g_V / ln(1 + g_V) takes its limit 1, so contribution_price = 100 ln(1 + g_P).
      ``contribution_volume = yoy - contribution_price`` so the two parts sum to ``yoy`` to float
      precision (mathematically it equals g_V * ln(1 + g_Q) / ln(1 + g_V)). The parts are NaN
      when value or unit value falls to zero (no log split).
    """
    v = _as_levels(value, "value")
    q = _as_levels(quantity, "quantity")
    full = _full_range(v.index, q.index)
    v, q = v.reindex(full), q.reindex(full)
    unit_value = (v / q).replace([np.inf, -np.inf], np.nan)

    def ratio(x: pd.Series) -> pd.Series:
        return (x / x.shift(12)).replace([np.inf, -np.inf], np.nan)

    r_v, r_q, r_p = ratio(v), ratio(q), ratio(unit_value)
    g_v, g_q, g_p = r_v - 1.0, r_q - 1.0, r_p - 1.0
    # the log split needs positive ratios: value or unit value falling to zero has no split
    splittable = (r_v > 0) & (r_p > 0)
    log_v = np.log(r_v.where(splittable))
    log_p = np.log(r_p.where(splittable))
    # 100 g_V / ln(1 + g_V), with its limit 100 at g_V = 0
    factor = (100.0 * g_v / log_v).where(g_v != 0.0, 100.0).where(splittable)
    price_part = factor * log_p
    value_yoy = g_v * 100.0
    out = pd.DataFrame(
        {
            "yoy": value_yoy,
            "yoy_volume": g_q * 100.0,
            "yoy_price": g_p * 100.0,
            "contribution_price": price_part,
            "contribution_volume": value_yoy - price_part,
        }
    )
    return out.reindex(value.index)


def surprise(actual: pd.Series | float, consensus: pd.Series | float) -> pd.Series | float:
    """Actual minus consensus, in percentage points when both are growth rates in percent."""
    return actual - consensus
