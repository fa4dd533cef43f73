"""The basis of a figure: computed from stored levels, printed by GAC, or derived from both.

On release day a real store holds the month's pages and rarely the whole year-ago month, but
GAC prints year-to-date growth rates. Three bases, in order of preference:

- ``computed``: from stored levels (the kit's own arithmetic);
- ``printed``: the rate as GAC printed it (section (1) month y/y, YTD y/y of every table);
- ``derived``: computed from printed rates and stored levels. The year-ago month is
  ``YTD_t / (1 + printed YTD y/y) - YTD_{t-12, to the month before}``; because GAC prints rates to
  0.1 pp, a derived figure carries the bounds that rounding allows (rate ± 0.05 pp). Rounding of
  the printed levels (0.05 of CNY 100 million or USD 1 million) moves a month's y/y by under
  0.001 pp and is left out of the bounds.

    rate_bounds(rate)                                  printed rate -> (low, high)
    year_ago_from_ytd(ytd, rate, before)               (value, low, high) of the year-ago month
    growth_bounds(level, base, base_low, base_high)    y/y (pct) and its bounds
    contribution_bounds(level, base, total_base)       contribution (pp) over the corners
    unit_value_growth(value_rate, quantity_rate)       (1 + v) / (1 + q) - 1 with bounds
    derive_year_ago(trade, ytd)                        derived year-ago rows for a store
    Estimate, choose(candidates)                       the best basis and the comparisons
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.schema import CANONICAL_COLUMNS

__all__ = [
    "BASES",
    "DERIVED_SOURCE",
    "Estimate",
    "HALF_STEP_PP",
    "choose",
    "contribution_bounds",
    "difference_bounds",
    "derive_year_ago",
    "derived_base",
    "growth_bounds",
    "rate_bounds",
    "unit_value_growth",
    "wide_range",
    "year_ago_from_ytd",
]

BASES = ("computed", "printed", "derived")
HALF_STEP_PP = 0.05  # GAC prints growth rates to 0.1 pp
DERIVED_SOURCE = "derived"  # source prefix of derived year-ago rows
SERIES = ["flow", "partner", "product", "currency"]


def rate_bounds(rate: float, half_step: float = HALF_STEP_PP) -> tuple[float, float]:
    """The true rate's range given the printed one (printed to 0.1 pp: ± 0.05 pp)."""
    return rate - half_step, rate + half_step


def year_ago_from_ytd(ytd: float, rate_pct: float, before: float = 0.0,
                      half_step: float = HALF_STEP_PP) -> tuple[float, float, float]:  # fmt: skip
    """(value, low, high) of the year-ago month from this year's YTD level and its printed y/y.

    ``before`` is the year-ago YTD to the month before (0 for a first month or a combined
    January-February). A higher true rate means a smaller base, hence low uses rate + half_step.
    """
    low_rate, high_rate = rate_bounds(rate_pct, half_step)
    value = ytd / (1 + rate_pct / 100) - before
    low = ytd / (1 + high_rate / 100) - before
    high = ytd / (1 + low_rate / 100) - before
    return value, low, high


def growth_bounds(level: float, base: float, base_low: float | None = None,
                  base_high: float | None = None) -> tuple[float, float, float]:  # fmt: skip
    """(y/y, low, high) in pct; without base bounds low = high = y/y."""
    base_low = base if base_low is None or not math.isfinite(base_low) else base_low
    base_high = base if base_high is None or not math.isfinite(base_high) else base_high
    growth = (level / base - 1) * 100
    return growth, (level / base_high - 1) * 100, (level / base_low - 1) * 100


def contribution_bounds(level: float, base: tuple[float, float, float],
                        total_base: tuple[float, float, float]) -> tuple:  # fmt: skip
    """(contribution, low, high) in pp: (level - base) / total_base, with each base given as
    (value, low, high); the bounds are the extremes over the four corners."""
    value = (level - base[0]) / total_base[0] * 100
    corners = [(level - b) / tb * 100 for b in base[1:] for tb in total_base[1:]]
    return value, min(corners + [value]), max(corners + [value])


def difference_bounds(a: tuple[float, float, float],
                      b: tuple[float, float, float]) -> tuple[float, float, float]:  # fmt: skip
    """(value, low, high) of a - b from two (value, low, high): the widest range pairs a's
    low with b's high (the world less the US)."""
    return a[0] - b[0], a[1] - b[2], a[2] - b[1]


def unit_value_growth(value_rate: float, quantity_rate: float,
                      half_step: float = HALF_STEP_PP) -> tuple[float, float, float]:  # fmt: skip
    """Unit value y/y (pct) from printed value and quantity y/y: (1 + v) / (1 + q) - 1,
    with bounds from both rates' rounding."""
    v_lo, v_hi = rate_bounds(value_rate, half_step)
    q_lo, q_hi = rate_bounds(quantity_rate, half_step)

    def uv(v, q):
        return ((1 + v / 100) / (1 + q / 100) - 1) * 100

    return uv(value_rate, quantity_rate), uv(v_lo, q_hi), uv(v_hi, q_lo)


def wide_range(low: float, high: float, value: float, tolerance: float = 0.1) -> bool:
    """Whether a derived figure's range is wider than ± tolerance around it (then shown)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return False
    return (value - low) > tolerance + 1e-9 or (high - value) > tolerance + 1e-9


@dataclass(frozen=True)
class Estimate:
    """One figure on one basis: value, bounds (derived only) and where it comes from."""

    value: float
    basis: str
    low: float = np.nan
    high: float = np.nan
    source: str = ""

    @property
    def ok(self) -> bool:
        return self.value is not None and math.isfinite(self.value)


def choose(
    candidates: list[Estimate], tolerance: float = 0.1
) -> tuple[Estimate | None, list[dict]]:
    """The best estimate held (computed, then printed, then derived) and the comparisons.

    Each other basis held is compared with the chosen one; a difference beyond `tolerance`
    (printed rounding) and outside a derived figure's bounds is flagged.
    """
    held = sorted((c for c in candidates if c.ok), key=lambda c: BASES.index(c.basis))
    if not held:
        return None, []
    best = held[0]
    checks = []
    for other in held[1:]:
        diff = other.value - best.value
        inside = any(
            math.isfinite(e.low) and e.low - tolerance <= x <= e.high + tolerance
            for e, x in ((best, other.value), (other, best.value))
        )
        checks.append({"basis": best.basis, "value": best.value, "other_basis": other.basis,
                       "other_value": other.value, "difference": diff,
                       "differs": bool(abs(diff) > tolerance + 1e-9 and not inside)})  # fmt: skip
    return best, checks


# --------------------------------------------------------------------------- derivation


def _before(key: tuple, target: pd.Period, months_level: pd.DataFrame,
            ytd_levels: dict, column: str) -> tuple[float, str] | None:  # fmt: skip
    """The year-ago YTD to the month before `target` (0 for January / combined Jan-Feb) and a
    description of where it comes from; None when the store cannot say."""
    m = target.month
    if m == 1:
        return 0.0, ""
    previous = target - 1
    held = ytd_levels.get((*key, previous, m - 1))
    if held is not None and math.isfinite(held[column]):
        return float(held[column]), held["source"]
    if m == 2:
        return None
    # sum of stored single months (a combined Jan-Feb counts as two)
    rows = months_level.get(key)
    if rows is None:
        return None
    year = rows[(rows["period"].dt.year == target.year) & (rows["period"] < target)]
    covered = int(year["months"].sum())
    if covered != m - 1 or year[column].isna().any():
        return None
    return float(year[column].sum()), "stored months"


def _release_words(source: str) -> str:
    """'the Jan-Feb 2025 release' from a row's source and period (GAC page names)."""
    return source.removeprefix("gac:").split(" ")[0] if source else ""


def derive_year_ago(trade: pd.DataFrame, ytd: pd.DataFrame | None) -> pd.DataFrame:
    """Year-ago single months derived from GAC's printed YTD y/y, where the store lacks them.

    For every series with a stored YTD level and a printed YTD y/y at month t (covering m
    months), and no stored level at t - 12: value_{t-12} = YTD_t / (1 + rate) - YTD_{t-12,m-1}.
    A combined January-February (months = 2 at February, in a year GAC published combined) is
    derived whole. Quantities are derived the same way from the printed quantity y/y. Where the
    page printed the prior-year YTD as a level (sections (5)/(6)), that level is used instead of
    the rate: the row is then computed from stored levels (its source stays the page's).

    Returns canonical rows (source ``derived``) plus value_low, value_high and derived_from
    (the printed rate and the earlier release used, in words).
    """
    columns = [*CANONICAL_COLUMNS, "value_low", "value_high", "derived_from"]
    if ytd is None or ytd.empty:
        return pd.DataFrame(columns=columns)
    levels_ytd = ytd[ytd["measure"] == "level"]
    rates = ytd[ytd["measure"] == "yoy_pct"]
    qty_rates = ytd[ytd["measure"] == "quantity_yoy_pct"]
    month_levels = trade[trade["measure"] == "level"]
    held = set(zip(*(month_levels[c] for c in [*SERIES, "period"]), strict=True))
    combined_years = set(month_levels.loc[month_levels["months"] == 2, "period"].dt.year)
    ytd_index = {
        (*k[:4], k[4], int(k[5])): row
        for k, row in zip(
            zip(*(levels_ytd[c] for c in [*SERIES, "period", "months"]), strict=True),
            levels_ytd.to_dict("records"),
            strict=True,
        )
    }
    by_series = {key: rows for key, rows in month_levels.groupby(SERIES, observed=True)}
    qty_index = {
        tuple(k): v
        for k, v in zip(
            zip(*(qty_rates[c] for c in [*SERIES, "period"]), strict=True),
            qty_rates["value"],
            strict=True,
        )
    }
    out = []
    for rate in rates.to_dict("records"):
        key = tuple(rate[c] for c in SERIES)
        t = rate["period"]
        m = int(rate["months"])
        if m != t.month:
            continue
        target = t - 12
        if (*key, target) in held:
            continue
        now = ytd_index.get((*key, t, m))
        if now is None or not math.isfinite(now["value"]) or not math.isfinite(rate["value"]):
            continue
        # a combined January-February is compared with January-February a year earlier,
        # whether or not that year was published combined: derived whole
        combined = target.month == 2 and (target.year in combined_years
                                          or (m == 2 and t.year in combined_years))
        if combined:
            before, before_source = (0.0, "")
        else:
            found = _before(key, target, by_series, ytd_index, "value")
            if found is None:
                continue
            before, before_source = found
        prior = ytd_index.get((*key, target, m))  # the prior-year YTD GAC printed as a level
        if prior is not None and math.isfinite(prior["value"]):
            value = low = high = prior["value"] - before
        else:
            prior = None
            value, low, high = year_ago_from_ytd(now["value"], rate["value"], before)
        if not value > 0:
            continue
        quantity = np.nan
        q_rate = qty_index.get((*key, t))
        if prior is not None:
            quantity = prior.get("quantity")
            quantity = np.nan if quantity is None else float(quantity)
            if math.isfinite(quantity) and not combined:
                q_before = _before(key, target, by_series, ytd_index, "quantity")
                quantity = quantity - q_before[0] if q_before else np.nan
        elif q_rate is not None and math.isfinite(now.get("quantity", np.nan) or np.nan):
            q_before = (0.0, "") if combined else _before(key, target, by_series, ytd_index,
                                                          "quantity")  # fmt: skip
            if q_before is not None:
                quantity = year_ago_from_ytd(now["quantity"], q_rate, q_before[0])[0]
        words = f"GAC's printed {_span(t, m)} y/y ({rate['value']:+.1f}%)"
        if prior is not None:
            words = f"GAC's printed {_span(target, m)} level"
        if before_source:
            words += (
                f" and the {_span(target - 1, m - 1)} release ({_release_words(before_source)})"
            )
        out.append({
            "period": target, "months": 2 if combined else 1, "flow": key[0],
            "partner": key[1], "product": key[2], "value": value, "currency": key[3],
            "quantity": quantity if quantity > 0 else np.nan,
            "quantity_unit": now.get("quantity_unit") if quantity > 0 else None,
            "measure": "level",
            "source": (prior["source"] if prior is not None
                       else f"{DERIVED_SOURCE}:{rate['source']}"),
            "vintage": rate["vintage"], "value_low": low, "value_high": high,
            "derived_from": words,
        })  # fmt: skip
    frame = pd.DataFrame(out, columns=columns)
    if len(frame):
        frame["period"] = pd.PeriodIndex(frame["period"], freq="M")
    return frame


def _span(period: pd.Period, months: int) -> str:
    """'Jan–Mar 2026' for a YTD span, 'Jan 2026' for one month."""
    end = period.strftime("%b")
    if months <= 1:
        return f"{end} {period.year}"
    return f"Jan\u2013{end} {period.year}"


# --------------------------------------------------------------------------- figures of a view


def derived_base(ds, key: tuple, period: pd.Period) -> dict | None:
    """The derived row behind a year-ago month, None when that month is stored (computed)."""
    row = ds.derived_level(*key, period)
    if row is None or not str(row["source"]).startswith(DERIVED_SOURCE + ":"):
        return None
    return row


def yoy_estimates(ds, key: tuple, level: float, base: float, period: pd.Period,
                  printed: float = np.nan) -> list[Estimate]:  # fmt: skip
    """The y/y candidates of one series and month: computed (or derived, when the year-ago month
    was derived) from `level` and `base`, and GAC's printed rate when held.

    key = (flow, partner, product, currency).
    """
    candidates = []
    if np.isfinite(level) and np.isfinite(base) and base != 0:
        row = derived_base(ds, key, period - 12)
        if row is None:
            candidates.append(Estimate((level / base - 1) * 100, "computed"))
        else:
            growth, low, high = growth_bounds(level, base, row["value_low"], row["value_high"])
            candidates.append(Estimate(growth, "derived", low, high, row["derived_from"]))
    if np.isfinite(printed):
        candidates.append(Estimate(printed, "printed", source="GAC's printed y/y"))
    return candidates


def balance_change(ds, currency: str, period: pd.Period, balance_now: float,
                   exports_base: float, imports_base: float) -> Estimate:  # fmt: skip
    """Balance minus the balance a year earlier; derived (with bounds) when either year-ago
    flow was derived."""
    if not all(np.isfinite(v) for v in (balance_now, exports_base, imports_base)):
        return Estimate(np.nan, "computed")
    value = balance_now - (exports_base - imports_base)
    rows = [derived_base(ds, (flow, "WORLD", "TOTAL", currency), period - 12)
            for flow in ("export", "import")]  # fmt: skip
    if rows == [None, None]:
        return Estimate(value, "computed")
    x_lo, x_hi = (exports_base, exports_base) if rows[0] is None else (
        rows[0]["value_low"], rows[0]["value_high"])  # fmt: skip
    m_lo, m_hi = (imports_base, imports_base) if rows[1] is None else (
        rows[1]["value_low"], rows[1]["value_high"])  # fmt: skip
    low, high = balance_now - (x_hi - m_lo), balance_now - (x_lo - m_hi)
    source = "; ".join(r["derived_from"] for r in rows if r is not None)
    return Estimate(value, "derived", low, high, source)


def describe(estimate: Estimate | None) -> str:
    """The basis in words for a page or the note: 'computed from stored levels', 'as printed
    by GAC', 'derived from GAC's printed Jan–Mar 2026 y/y (+11.9%) and ...'."""
    if estimate is None:
        return ""
    if estimate.basis == "computed":
        return "computed from stored levels"
    if estimate.basis == "printed":
        return "as printed by GAC"
    return f"derived from {estimate.source}" if estimate.source else "derived"
