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
            "ytd_printed": ds.printed_ytd_yoy(flow, "WORLD", "TOTAL", currency, t),
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
            previous = (h.period - 1 if not h.is_janfeb else h.period - 2).strftime("%B")
            now, before = round(f["yoy"], 1), round(f["yoy_prev"], 1)
            change = {1: "up from", -1: "down from", 0: "unchanged from"}[np.sign(now - before)]
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


def key_table(h: Headline) -> pd.DataFrame:
    """Exports and imports side by side: level, growth over several horizons, consensus."""
    labels = {
        "level_bn": f"Level ({h.currency} bn)", "yoy": "y/y %", "yoy_prev": "y/y % previous",
        "consensus": "Consensus y/y %", "surprise": "Surprise (pp)", "ytd": "Year to date y/y %",
        "ytd_printed": "GAC printed year to date y/y %",
        "three_month": "3-month sum y/y %", "two_year_stacked": "Two-year growth % (vs t-24)",
        "two_year_average": "Two-year average annual %",
    }  # fmt: skip
    table = pd.DataFrame({f"{flow.capitalize()}s": h.flows[flow] for flow in FLOWS})
    if table.loc["ytd_printed"].isna().all():  # only imported GAC pages carry it
        labels.pop("ytd_printed")
    return table.loc[list(labels)].rename(index=labels)


def quarter_table(h: Headline) -> pd.DataFrame:
    """Quarterly y/y growth (pct) of exports and imports for complete quarters to the month."""
    table = pd.DataFrame({f"{flow.capitalize()}s y/y %": h.quarters[flow] for flow in FLOWS})
    table = table[table.index.end_time <= h.period.end_time]
    table.index = [f"{q.year}-Q{q.quarter}" for q in table.index]
    return table


def balance_table(h: Headline) -> pd.DataFrame:
    """Trade balance now, a year earlier, the change and the consensus (bn)."""
    unit = f"{h.currency} bn"
    return pd.DataFrame(
        {unit: [h.balance_bn, h.balance_prev_year_bn, h.balance_change_bn, h.balance_consensus_bn]},
        index=["Balance", "Balance a year earlier", "Change y/y", "Consensus balance"],
    )


def record(figures, h: Headline, quarters: int = 4) -> None:
    """Add the headline figures in the published vocabulary."""
    unit_bn = f"{h.currency.lower()}_bn"
    prev = h.period - 1 if not h.is_janfeb else h.period - 2
    for flow in FLOWS:
        f = h.flows[flow]
        figures.add("yoy", flow, "total", "total", h.period, f["yoy"], "pct")
        figures.add("yoy", flow, "total", "total", prev, f["yoy_prev"], "pct")
        figures.add("consensus_yoy", flow, "total", "total", h.period, f["consensus"], "pct")
        figures.add("surprise", flow, "total", "total", h.period, f["surprise"], "pp")
        figures.add("ytd_yoy", flow, "total", "total", h.period, f["ytd"], "pct")
        figures.add("ytd_yoy_printed", flow, "total", "total", h.period, f["ytd_printed"], "pct")
        figures.add("yoy_3m", flow, "total", "total", h.period, f["three_month"], "pct")
        figures.add(
            "yoy_2y_stacked", flow, "total", "total", h.period, f["two_year_stacked"], "pct"
        )
        figures.add(
            "yoy_2y_average", flow, "total", "total", h.period, f["two_year_average"], "pct"
        )
        figures.add("level", flow, "total", "total", h.period, f["level_bn"], unit_bn)
        for quarter, value in last_quarters(h, flow, quarters).items():
            figures.add("yoy_quarter", flow, "total", "total", quarter, value, "pct")
    figures.add("balance", "net", "total", "total", h.period, h.balance_bn, unit_bn)
    figures.add(
        "balance_change_yoy", "net", "total", "total", h.period, h.balance_change_bn, unit_bn
    )
    figures.add(
        "consensus_balance", "net", "total", "total", h.period, h.balance_consensus_bn, unit_bn
    )
    if h.is_janfeb:
        figures.add("coverage_months", "net", "total", "total", h.period, 2, "months")


def notes_markdown(h: Headline) -> str:
    """What the data could not support this month, as italic lines (empty when nothing)."""
    return "\n\n".join(f"*{note}*" for note in h.notes)
