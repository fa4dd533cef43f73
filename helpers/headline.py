"""Headline numbers of a release: growth of exports and imports, surprise, balance, horizons."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers import metrics
from helpers.data import Dataset

BN = 1e9
FLOWS = ("export", "import")


@dataclass
class Headline:
    """Headline figures for one month (growth in pct, balance in bn of the currency)."""

    period: pd.Period
    label: str
    is_janfeb: bool
    currency: str
    flows: dict[str, dict[str, float]] = field(default_factory=dict)
    balance_bn: float = np.nan
    balance_prev_year_bn: float = np.nan
    balance_change_bn: float = np.nan
    balance_consensus_bn: float = np.nan
    quarters: dict[str, pd.Series] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _at(series: pd.Series | None, period: pd.Period) -> float:
    if series is None:
        return np.nan
    return float(series.get(period, np.nan))


def headline(ds: Dataset, period, currency: str = "USD") -> Headline:
    """Compute every headline figure for `period` (Jan/Feb resolve to combined Jan-Feb)."""
    resolved = metrics.resolve_period(period, ds.combined_years)
    t = resolved.period
    result = Headline(t, resolved.label, resolved.is_janfeb, currency)
    folded = {
        flow: metrics.fold_janfeb(ds.levels(flow, currency=currency), ds.combined_years)
        for flow in FLOWS
    }
    for flow, levels in folded.items():
        growth = metrics.yoy(levels)
        two_year = metrics.two_year_growth(levels)
        consensus = ds.consensus_series(flow) if currency == "USD" else None
        prev = t - 1 if not resolved.is_janfeb else t - 2  # before Jan-Feb comes December
        figures = {
            "level_bn": _at(levels, t) / BN,
            "yoy": _at(growth, t),
            "yoy_prev": _at(growth, prev),
            "consensus": _at(consensus, t),
            "ytd": _at(metrics.ytd_growth(levels), t),
            "three_month": _at(metrics.three_month_growth(levels), t),
            "two_year_stacked": _at(two_year["stacked"], t),
            "two_year_average": _at(two_year["average"], t),
        }
        figures["surprise"] = metrics.surprise(figures["yoy"], figures["consensus"])
        result.flows[flow] = figures
        result.quarters[flow] = metrics.quarterly_growth(levels).dropna()
        if consensus is None:
            result.notes.append(
                f"No {flow} consensus in the data"
                + (" for CNY figures" if currency != "USD" else "")
                + ": no surprise line."
            )
    balance = metrics.balance(folded["export"], folded["import"])
    result.balance_bn = _at(balance, t) / BN
    result.balance_prev_year_bn = _at(balance, t - 12) / BN
    result.balance_change_bn = (
        _at(metrics.balance_change_yoy(folded["export"], folded["import"]), t) / BN
    )
    if currency == "USD":
        result.balance_consensus_bn = _at(ds.consensus_series("net", "balance"), t)
    return result


def last_quarters(h: Headline, flow: str = "export", n: int = 2) -> pd.Series:
    """The last n complete quarters' y/y growth up to the headline month."""
    quarters = h.quarters[flow]
    quarters = quarters[quarters.index.end_time <= h.period.end_time]
    return quarters.iloc[-n:]


def growth_history(ds: Dataset, period, years: int = 6, currency: str = "USD") -> pd.DataFrame:
    """Monthly y/y of exports and imports (pct) with consensus, for the last `years` years."""
    t = metrics.resolve_period(period, ds.combined_years).period
    window = pd.period_range(t - 12 * years + 1, t, freq="M")
    columns = {}
    for flow in FLOWS:
        levels = metrics.fold_janfeb(ds.levels(flow, currency=currency), ds.combined_years)
        columns[f"{flow}_yoy_pct"] = metrics.yoy(levels).reindex(window)
        consensus = ds.consensus_series(flow) if currency == "USD" else None
        columns[f"{flow}_consensus_pct"] = (
            consensus.reindex(window) if consensus is not None else np.nan
        )
    return pd.DataFrame(columns, index=window)


def balance_history(ds: Dataset, period, years: int = 6, currency: str = "USD") -> pd.Series:
    """Monthly trade balance (bn of the currency) for the last `years` years."""
    t = metrics.resolve_period(period, ds.combined_years).period
    window = pd.period_range(t - 12 * years + 1, t, freq="M")
    folded = {
        flow: metrics.fold_janfeb(ds.levels(flow, currency=currency), ds.combined_years)
        for flow in FLOWS
    }
    return (metrics.balance(folded["export"], folded["import"]) / BN).reindex(window)


def summary(h: Headline) -> str:
    """A short paragraph written from the computed figures by a fixed template (no LLM)."""
    ccy = "dollar" if h.currency == "USD" else "yuan"
    sentences = []
    for flow, noun in (("export", "Exports"), ("import", "Imports")):
        f = h.flows[flow]
        direction = "rose" if f["yoy"] >= 0 else "fell"
        text = f"{noun} {direction} {abs(f['yoy']):.1f}% y/y in {ccy} terms in {h.label}"
        if np.isfinite(f["consensus"]):
            verdict = (
                "beating" if f["surprise"] > 0 else "missing" if f["surprise"] < 0 else "matching"
            )
            text += f", {verdict} the {f['consensus']:.1f}% consensus"
        if np.isfinite(f["yoy_prev"]):
            previous = "the previous month" if not h.is_janfeb else "December"
            change = "up from" if f["yoy"] > f["yoy_prev"] else "down from"
            text += f", {change} {f['yoy_prev']:.1f}% in {previous}"
        sentences.append(text + ".")
    if np.isfinite(h.balance_bn):
        kind = "surplus" if h.balance_bn >= 0 else "deficit"
        unit = "$" if h.currency == "USD" else "CNY "
        change = h.balance_change_bn
        sentences.append(
            f"The trade {kind} was {unit}{abs(h.balance_bn):.1f}bn, "
            f"{'up' if change >= 0 else 'down'} {unit}{abs(change):.1f}bn from a year earlier."
        )
    return " ".join(sentences)
