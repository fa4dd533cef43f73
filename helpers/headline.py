"""Headline numbers of a release: growth of exports and imports, surprise, balance, horizons."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers import basis, metrics
from helpers.data import Dataset
from helpers.figures import format_value, round_half_up

__all__ = [
    "BALANCE_ROWS",
    "BN",
    "FLOWS",
    "KEY_ROWS",
    "balance_history",
    "balance_table",
    "growth_history",
    "headline",
    "Headline",
    "key_table",
    "last_quarters",
    "notes_markdown",
    "quarter_table",
    "record",
    "summary",
]

BN = 1e9
FLOWS = ("export", "import")


@dataclass
class Headline(metrics.HasReleasePeriod):
    """Headline figures for one month (growth in pct, balance in bn of the currency).

    `flows[flow]` maps figure names (data/figure_names.csv) to values.
    """

    when: metrics.ResolvedPeriod
    currency: str
    flows: dict[str, dict[str, float]] = field(default_factory=dict)
    balance: float = np.nan
    balance_prev_year: float = np.nan
    balance_prev_release: float = np.nan
    balance_change_yoy: float = np.nan
    consensus_balance: float = np.nan
    quarters: dict[str, pd.Series] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # (flow, figure name) -> the chosen basis.Estimate, for figures that can have several bases
    bases: dict[tuple[str, str], basis.Estimate] = field(default_factory=dict)
    basis_checks: list[dict] = field(default_factory=list)

    def basis_of(self, flow: str, name: str) -> basis.Estimate | None:
        """The chosen estimate of a figure (None: computed or not held)."""
        return self.bases.get((flow, name))


def _at(series: pd.Series | None, period: pd.Period) -> float:
    if series is None:
        return np.nan
    return float(series.get(period, np.nan))


def headline(ds: Dataset, period, currency: str = "USD") -> Headline:
    """Compute every headline figure for `period` (Jan/Feb resolve to combined Jan-Feb)."""
    when = ds.resolve(period)
    t = when.period
    result = Headline(when, currency)
    folded = {flow: ds.folded(flow, currency=currency) for flow in FLOWS}
    # horizons beyond the month's own y/y use stored levels only: a derived year-ago month
    # would only echo the printed rate it came from
    stored = {flow: ds.folded(flow, currency=currency, stored_only=True) for flow in FLOWS}
    for flow, levels in folded.items():
        two_year = metrics.two_year_growth(stored[flow])
        consensus = ds.consensus_series(flow) if currency == "USD" else None
        figures = {
            "level": _at(levels, t) / BN,
            "consensus_yoy": _at(consensus, t),
            "yoy_3m": _at(metrics.three_month_growth(stored[flow]), t),
            "yoy_2y_stacked": _at(two_year["stacked"], t),
            "yoy_2y_average": _at(two_year["average"], t),
        }
        key = (flow, "WORLD", "TOTAL", currency)
        for name, month in (("yoy", t), ("yoy_prev", when.previous)):
            printed = ds.printed_rate(*key, month)
            if name == "yoy" and when.is_janfeb and not np.isfinite(printed):
                # a combined January-February release is its own year to date: GAC's printed
                # Jan-Feb y/y is the period's y/y as GAC printed it
                printed = ds.printed_ytd_yoy(*key, t)
            candidates = basis.yoy_estimates(ds, key, _at(levels, month), _at(levels, month - 12),
                                             month, printed)  # fmt: skip
            figures[name] = _choose(result, flow, name, month, candidates)
        # month on month, not seasonally adjusted (as GAC prints it in section (1))
        now, before = _at(stored[flow], t), _at(stored[flow], t - 1)
        mom_computed = (now / before - 1) * 100 if np.isfinite(before) and before else np.nan
        figures["mom"] = _choose(result, flow, "mom", t, [
            basis.Estimate(mom_computed if not when.is_janfeb else np.nan, "computed"),
            basis.Estimate(ds.printed_rate(*key, t, "mom_pct"), "printed",
                           source="GAC's printed m/m"),
        ])  # fmt: skip
        ytd_candidates = [
            basis.Estimate(_at(metrics.ytd_growth(stored[flow]), t), "computed"),
            basis.Estimate(ds.printed_ytd_yoy(*key, t), "printed", source="GAC's printed YTD y/y"),
        ]
        figures["ytd_yoy"] = _choose(result, flow, "ytd_yoy", t, ytd_candidates)
        figures["ytd_yoy_printed"] = ds.printed_ytd_yoy(*key, t)
        figures["surprise"] = metrics.surprise(figures["yoy"], figures["consensus_yoy"])
        result.flows[flow] = figures
        result.quarters[flow] = metrics.quarterly_growth(stored[flow]).dropna()
        if consensus is None:
            result.notes.append(
                f"No {flow} consensus in the data"
                + (" for CNY figures" if currency != "USD" else "")
                + ": no surprise line."
            )
    balance = metrics.balance(folded["export"], folded["import"])
    result.balance = _at(balance, t) / BN
    result.balance_prev_year = _at(balance, t - 12) / BN
    result.balance_prev_release = _at(balance, when.previous) / BN
    change = basis.balance_change(ds, currency, t, _at(balance, t),
                                  _at(folded["export"], t - 12),
                                  _at(folded["import"], t - 12))  # fmt: skip
    result.balance_change_yoy = change.value / BN
    if change.basis != "computed":
        result.bases[("net", "balance_change_yoy")] = basis.Estimate(
            change.value / BN, change.basis, change.low / BN, change.high / BN, change.source)
    if currency == "USD":
        result.consensus_balance = _at(ds.consensus_series("net", "balance"), t)
    return result


def _choose(result: Headline, flow: str, name: str, month, candidates) -> float:
    """The best basis of a headline figure; remembers it and the comparisons with the others."""
    best, checks = basis.choose(candidates)
    if best is None:
        return np.nan
    result.bases[(flow, name)] = best
    label = (f"{month} YTD" if name == "ytd_yoy" else result.when.label
             if month == result.when.period else metrics.resolve_period(month, ()).label)
    result.basis_checks += [{"figure": name, "flow": flow, "period": str(month),
                             "label": label, **check} for check in checks]  # fmt: skip
    return best.value


def last_quarters(h: Headline, flow: str = "export", n: int = 2) -> pd.Series:
    """The last n complete quarters' y/y growth up to the headline month."""
    quarters = h.quarters[flow]
    quarters = quarters[quarters.index.end_time <= h.period.end_time]
    return quarters.iloc[-n:]


def growth_history(ds: Dataset, period, years: int = 6, currency: str = "USD") -> pd.DataFrame:
    """Monthly y/y of exports and imports (pct) with consensus, for the last `years` years."""
    window = ds.resolve(period).window(12 * years)
    columns = {}
    for flow in FLOWS:
        columns[f"{flow}_yoy_pct"] = metrics.yoy(ds.folded(flow, currency=currency)).reindex(window)
        consensus = ds.consensus_series(flow) if currency == "USD" else None
        columns[f"{flow}_consensus_pct"] = (
            consensus.reindex(window) if consensus is not None else np.nan
        )
    return pd.DataFrame(columns, index=window)


def balance_history(ds: Dataset, period, years: int = 6, currency: str = "USD") -> pd.Series:
    """Monthly trade balance (bn of the currency) for the last `years` years."""
    window = ds.resolve(period).window(12 * years)
    balance = metrics.balance(ds.folded("export", currency=currency),
                              ds.folded("import", currency=currency))  # fmt: skip
    return (balance / BN).reindex(window)


def summary(h: Headline) -> str:
    """A short paragraph written from the computed figures by a fixed template (no LLM)."""
    ccy = "dollar" if h.currency == "USD" else "yuan"
    sentences = []
    for flow, noun in (("export", "Exports"), ("import", "Imports")):
        f = h.flows[flow]
        if not np.isfinite(f["yoy"]):
            said = flow == "import" and not np.isfinite(h.flows["export"]["yoy"])
            sentences.append(_ytd_instead(h, flow, noun, ccy, say_missing=not said))
            continue
        direction = "rose" if f["yoy"] >= 0 else "fell"
        est = h.basis_of(flow, "yoy")
        approx = "\u2248" if est is not None and est.basis == "derived" else ""
        text = (f"{noun} {direction} {approx}{format_value(abs(f['yoy']))}% y/y in {ccy} terms "
                f"in {h.label}")  # fmt: skip
        if approx and basis.wide_range(est.low, est.high, est.value):
            text += f" ({format_value(est.low)}% to {format_value(est.high)}%)"
        if np.isfinite(f["consensus_yoy"]):
            verdict = (
                "beating" if f["surprise"] > 0 else "missing" if f["surprise"] < 0 else "matching"
            )
            text += f", {verdict} the {format_value(f['consensus_yoy'])}% consensus"
        if np.isfinite(f["yoy_prev"]):
            previous = h.when.previous.strftime("%B")
            now, before = round_half_up(f["yoy"], 1), round_half_up(f["yoy_prev"], 1)
            change = {1: "up from", -1: "down from", 0: "unchanged from"}[np.sign(now - before)]
            text += f", {change} {format_value(f['yoy_prev'])}% in {previous}"
        sentences.append(text + ".")
    if np.isfinite(h.balance):
        kind = "surplus" if h.balance >= 0 else "deficit"
        unit = "$" if h.currency == "USD" else "CNY "
        text = f"The trade {kind} was {unit}{format_value(abs(h.balance))}bn"
        change = h.balance_change_yoy
        if np.isfinite(change):
            text += (f", {'up' if change >= 0 else 'down'} {unit}{format_value(abs(change))}bn "
                     "from a year earlier")  # fmt: skip
        sentences.append(text + ".")
    words = basis_sentence(h)
    return " ".join(sentences + ([f"({words})"] if words else []))


def _ytd_instead(h: Headline, flow: str, noun: str, ccy: str, say_missing: bool = True) -> str:
    """The summary's sentence for a month without its own y/y: the year to date when held
    (`say_missing` False: the exports' sentence already said which month is missing)."""
    missing = f"no y/y for {h.label} itself (the data lack {h.when.year_ago_label})"
    ytd = h.flows[flow]["ytd_yoy"]
    if not np.isfinite(ytd):
        return f"{noun}: {missing}." if say_missing else f"{noun}: no y/y either."
    est = h.basis_of(flow, "ytd_yoy")
    printed = " as GAC printed it" if est is not None and est.basis == "printed" else ""
    direction = "rose" if ytd >= 0 else "fell"
    return (f"Over {h.when.ytd_label} {noun.lower()} {direction} {format_value(abs(ytd))}% y/y "
            f"in {ccy} terms{printed}" + (f"; {missing}." if say_missing else "."))


KEY_ROWS = ["level", "yoy", "yoy_prev", "consensus_yoy", "surprise", "mom", "ytd_yoy",
            "ytd_yoy_printed", "yoy_3m", "yoy_2y_stacked", "yoy_2y_average"]  # fmt: skip


def key_table(h: Headline) -> pd.DataFrame:
    """Exports and imports side by side: level, growth over several horizons, consensus.

    Rows are figure names (labelled by notebook.table); rows no data supports are left out.
    """
    flows = {}
    for flow in FLOWS:
        values = dict(h.flows[flow])
        chosen = h.basis_of(flow, "ytd_yoy")
        if chosen is not None and chosen.basis == "printed":
            values["ytd_yoy_printed"] = np.nan  # the YTD row already is GAC's printed rate
        flows[f"{flow.capitalize()}s"] = values
    table = pd.DataFrame(flows)
    table = table.loc[KEY_ROWS]
    table = table[table.notna().any(axis=1)]
    # cells not computed from stored levels: notebook.table marks them ("≈", "printed")
    table.attrs["bases"] = {
        (name, f"{flow.capitalize()}s"): (est.basis, est.low, est.high)
        for (flow, name), est in h.bases.items()
        if flow in FLOWS and name in table.index and est.basis != "computed"
    }
    return table


def quarter_table(h: Headline) -> pd.DataFrame:
    """Quarterly y/y growth (pct) of exports and imports for complete quarters to the month."""
    table = pd.DataFrame({f"{flow.capitalize()}s y/y %": h.quarters[flow] for flow in FLOWS})
    table = table[table.index.end_time <= h.period.end_time]
    table.index = [f"{q.year}-Q{q.quarter}" for q in table.index]
    return table


BALANCE_ROWS = ["balance", "balance_prev_year", "balance_change_yoy", "consensus_balance"]


def balance_table(h: Headline) -> pd.DataFrame:
    """Trade balance now, a year earlier, the change and the consensus (bn); rows are figure
    names, missing ones left out."""
    values = pd.Series({name: getattr(h, name) for name in BALANCE_ROWS}, dtype=float)
    return values.dropna().to_frame(f"{h.currency} bn")


def record(figures, h: Headline, quarters: int = 4) -> None:
    """Add the headline figures in the published vocabulary."""
    for flow in FLOWS:
        f = h.flows[flow]
        for name in ("yoy", "consensus_yoy", "surprise", "mom", "ytd_yoy", "yoy_3m",
                     "yoy_2y_stacked", "yoy_2y_average", "level"):  # fmt: skip
            figures.add(name, flow, "total", "total", h.period, f[name],
                        **_basis_args(h, flow, name))  # fmt: skip
        figures.add("yoy", flow, "total", "total", h.when.previous, f["yoy_prev"],
                    **_basis_args(h, flow, "yoy_prev"))  # fmt: skip
        for quarter, value in last_quarters(h, flow, quarters).items():
            figures.add("yoy_quarter", flow, "total", "total", quarter, value)
    for name in ("balance", "balance_change_yoy", "consensus_balance"):
        figures.add(name, "net", "total", "total", h.period, getattr(h, name),
                    **_basis_args(h, "net", name))  # fmt: skip
    figures.add("balance", "net", "total", "total", h.when.previous, h.balance_prev_release)
    if h.is_janfeb:
        figures.add("coverage_months", "net", "total", "total", h.period, 2)


def _basis_args(h: Headline, flow: str, name: str) -> dict:
    """basis/low/high keyword arguments of FigureSet.add for a headline figure; a surprise on
    a derived y/y is derived too (the consensus is exact, the actual is not)."""
    source = "yoy" if name == "surprise" else name
    est = h.basis_of(flow, source)
    if est is None or est.basis == "computed":
        return {}
    if name == "surprise":
        consensus = h.flows[flow]["consensus_yoy"]
        return {"basis": est.basis, "low": est.low - consensus, "high": est.high - consensus}
    return {"basis": est.basis, "low": est.low, "high": est.high}


def basis_table(h: Headline) -> pd.DataFrame:
    """Where a figure exists on two bases (computed, printed, derived): both values and whether
    they differ beyond the printed rounding. Empty when no figure has two bases."""
    if not h.basis_checks:
        empty = pd.DataFrame()
        empty.attrs["empty"] = ("No figure of this month is held on two bases (computed, printed, "
                                "derived), so there is nothing to compare.")  # fmt: skip
        return empty
    table = pd.DataFrame(h.basis_checks)
    return pd.DataFrame({
        "Figure": table["flow"].str.capitalize() + "s, " + table["figure"].map(
            {"yoy": "y/y %", "yoy_prev": "y/y %", "ytd_yoy": "YTD y/y %", "mom": "m/m %"})
        + ", " + table["label"],
        "Used": table["value"], "Basis": table["basis"], "Other": table["other_value"],
        "Other basis": table["other_basis"], "Difference (pp)": table["difference"],
        "Beyond rounding": table["differs"].map({True: "yes", False: "no"}),
    }).set_index("Figure")  # fmt: skip


def basis_sentence(h: Headline) -> str:
    """One line per headline y/y not computed from stored levels, naming its basis in words
    and, for a derived figure, the range the printed rounding allows."""
    lines = []
    for flow, noun in (("export", "Exports"), ("import", "Imports")):
        est = h.basis_of(flow, "yoy")
        if est is None or est.basis == "computed":
            continue
        lines.append(f"{noun} y/y for {h.label} {basis.describe(est)}.")
    return " ".join(lines)


def notes_markdown(h: Headline) -> str:
    """What the data could not support this month, as italic lines (empty when nothing)."""
    return "\n\n".join(f"*{note}*" for note in h.notes)
