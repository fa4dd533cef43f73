"""Glue between the outlook models and the outlook notebook: inputs, scenarios and figures."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from helpers import charts, classifications, forecast, metrics, seasonal
from helpers.data import Dataset

MIN_MONTHS = 48  # four years: X-13 / STL and an honest backtest need at least this much
BACKTEST_MODELS = ("bridge", "sarimax", "sarimax_x")


def export_levels(ds: Dataset, period, currency: str = "USD") -> pd.Series:
    """Monthly exports up to `period` (combined Jan-Feb as stored: January NaN)."""
    t = ds.resolve(period).period
    return ds.levels("export", currency=currency).loc[:t]


def limits(ds: Dataset, levels: pd.Series) -> list[str]:
    """Plain-words reasons why parts of the outlook cannot be shown for these data."""
    reasons = []
    if levels.notna().sum() < MIN_MONTHS:
        reasons.append(
            f"Only {levels.notna().sum()} months of exports: seasonal adjustment, base effects "
            f"and the backtest need at least {MIN_MONTHS}."
        )
    if ds.indicator_table() is None:
        reasons.append("No leading indicators in the data: the bridge and indicator models "
                       "are left out; the SARIMAX on levels alone still runs.")  # fmt: skip
    return reasons


def indicators_to(ds: Dataset, period) -> pd.DataFrame | None:
    """Indicators available by the release of `period` (one month beyond it: PMIs come first)."""
    table = ds.indicator_table()
    if table is None:
        return None
    t = ds.resolve(period).period
    return table.loc[: t + 1]


def base_shares(ds: Dataset, period, currency: str = "USD") -> pd.DataFrame:
    """Each partner's share (pct) of exports over the 12 months to `period`: the base that
    next year's y/y compares against."""
    t = ds.resolve(period).period
    window = slice(t - 11, t)
    total = ds.levels("export", currency=currency).loc[window].sum()
    codes = [c for c in classifications.partners().index if c != "WORLD"]
    shares = {
        code: 100 * ds.partner_levels("export", code, currency, as_of=t).loc[window].sum() / total
        for code in codes
        if ds.has("export", code, "TOTAL", currency)
    }
    return pd.DataFrame({"share_pct": pd.Series(shares)})


def scenario_table(
    ds: Dataset, period, us_further_fall_pct: float, eu_growth_change_pp: float,
    cny_per_eur_change_pct: float, currency: str = "USD", fx_elasticity: float = 0.5,
) -> pd.DataFrame:  # fmt: skip
    """The three standard shocks' effects on headline export growth (pp)."""
    shares = base_shares(ds, period, currency)
    shocks = {
        f"US-bound exports fall a further {us_further_fall_pct:g}%": {
            "item": "united_states", "growth_change_pp": -us_further_fall_pct},
        f"EU growth changes by {eu_growth_change_pp:+g} pp": {
            "item": "european_union", "growth_change_pp": eu_growth_change_pp},
        f"CNY per EUR moves {cny_per_eur_change_pct:+g}%": {
            "item": "european_union", "fx_change_pct": cny_per_eur_change_pct},
    }  # fmt: skip
    return forecast.scenario(shares, shocks, fx_elasticity=fx_elasticity)


def recent_yoy(ds: Dataset, period, months: int = 36, currency: str = "USD") -> pd.Series:
    """Export y/y (pct) over the last `months` months, folded Jan-Feb."""
    t = ds.resolve(period).period
    return metrics.yoy(ds.folded("export", currency=currency)).loc[t - months + 1 : t]


def fan_frame(forecast: pd.DataFrame) -> pd.DataFrame:
    """Forecast columns renamed for charts.fan_chart."""
    return forecast.rename(
        columns={
            "yoy_pct": "point",
            "lo95_pct": "lo95",
            "lo80_pct": "lo80",
            "hi80_pct": "hi80",
            "hi95_pct": "hi95",
        }  # fmt: skip
    )


def record(figures, period, base=None, backtest=None, forecast=None, scenarios=None) -> None:
    """Add the outlook's figures: base effects, forecast and bands, backtest, scenarios."""
    if base is not None:
        for month, row in base.iterrows():
            figures.add("base_effect", "export", "total", "total", month,
                        row["implied_yoy_pct"])  # fmt: skip
            figures.add("base_yoy", "export", "total", "total", month,
                        row["base_yoy_pct"])  # fmt: skip
    if forecast is not None:
        for month, row in forecast.iterrows():
            for column, metric in (("yoy_pct", "forecast_yoy"), ("lo80_pct", "forecast_lo80"),
                                   ("hi80_pct", "forecast_hi80"), ("lo95_pct", "forecast_lo95"),
                                   ("hi95_pct", "forecast_hi95")):  # fmt: skip
                figures.add(metric, "export", "total", "total", month, row[column])
    if backtest is not None:
        for row in backtest.itertuples():
            item = f"{row.model}_h{row.horizon}"
            figures.add("rmse", "export", "model", item, period, row.rmse_pp)
            figures.add("mae", "export", "model", item, period, row.mae_pp)
            figures.add("rmse_ratio_random_walk", "export", "model", item, period,
                        row.rmse_ratio_vs_random_walk)  # fmt: skip
            figures.add("rmse_ratio_seasonal_naive", "export", "model", item, period,
                        row.rmse_ratio_vs_seasonal_naive)  # fmt: skip
    if scenarios is not None:
        for name, row in scenarios.iterrows():
            item = "total" if name == "Total" else _slug(name)
            figures.add("scenario_effect", "export", "scenario", item, period,
                        row["headline_effect_pp"])  # fmt: skip


def _slug(text: str) -> str:
    return "_".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


def backtest_verdict(table: pd.DataFrame) -> str:
    """Plain-words verdict on the backtest, whichever way it goes."""
    if table is None or table.empty:
        return "*No backtest could be run on these data.*"
    models = table[~table["model"].isin(["random_walk", "seasonal_naive"])]
    lines = []
    for row in models.itertuples():
        verdict = "beats" if row.beats_random_walk else "does NOT beat"
        lines.append(
            f"- **{row.model}** (h={row.horizon}) {verdict} the random walk: RMSE "
            f"{row.rmse_pp:.2f} pp, ratio {row.rmse_ratio_vs_random_walk:.2f} "
            f"(vs seasonal naive {row.rmse_ratio_vs_seasonal_naive:.2f}; {row.n} months scored)."
        )
    best = models.loc[models["rmse_pp"].idxmin()]
    lines.append(
        f"\nBest on this history: **{best.model}**"
        + ("" if best.beats_random_walk else " — but no model beats the random walk here.")
    )
    return "\n".join(lines)


@dataclass
class Outlook:
    """Everything the outlook view shows; a part is None when the data cannot support it."""

    period: pd.Period
    currency: str
    notes: list[str] = field(default_factory=list)
    sa: seasonal.SAResult | None = None
    base: pd.DataFrame | None = None
    backtest: pd.DataFrame | None = None
    forecast: pd.DataFrame | None = None

    def explain(self, part: str):
        """Markdown saying why a part is missing."""
        from IPython.display import Markdown

        reasons = " ".join(self.notes) or "not enough data"
        return Markdown(f"*{part} not shown: {reasons}*")


def compute(ds: Dataset, period, currency: str = "USD", horizon: int = 6) -> Outlook:
    """Seasonal adjustment, base effects, backtest and forecast for exports to `period`."""
    t = ds.resolve(period).period
    levels = export_levels(ds, t, currency)
    result = Outlook(t, currency, notes=limits(ds, levels))
    if levels.notna().sum() < MIN_MONTHS:
        return result
    indicators = indicators_to(ds, t)
    result.sa = seasonal.seasonally_adjust(levels)
    result.base = forecast.base_effects(levels, horizon, sa=result.sa)
    models = BACKTEST_MODELS if indicators is not None else ("sarimax",)
    try:
        result.backtest = forecast.backtest(levels, indicators, models=models)
    except ValueError as error:  # too short a history for enough forecast origins
        if "forecast origins" not in str(error):
            raise
        result.notes.append(f"Backtest skipped: {levels.notna().sum()} months of exports leave "
                            "fewer than 12 forecast origins after the first five years.")
    result.forecast = forecast.forecast(
        levels, indicators, horizon, model="sarimax_x" if indicators is not None else "sarimax"
    )
    return result


def base_chart(result: Outlook, source: str):
    """Implied y/y at flat momentum over the base months' own y/y (or why it is missing)."""
    if result.base is None:
        return result.explain("Base effects")
    title = f"Exports: implied y/y if momentum stays flat after {result.period:%b %Y}"
    return charts.path_with_base(result.base, title, source)


def fan(result: Outlook, ds: Dataset, source: str):
    """Fan chart of the forecast over recent history (or why it is missing)."""
    if result.forecast is None:
        return result.explain("Forecast")
    history = recent_yoy(ds, result.period, 36, result.currency)
    title = "Exports: forecast y/y with 80% and 95% intervals"
    return charts.fan_chart(history, fan_frame(result.forecast), title, source)


def base_display(result: Outlook) -> pd.DataFrame:
    """The base-effect table's reader-facing columns."""
    if result.base is None:
        return pd.DataFrame()
    columns = ["base_month", "base_yoy_pct", "trailing_median_yoy_pct", "base_label",
               "implied_yoy_pct", "basis"]  # fmt: skip
    return result.base[columns].rename(
        columns={"base_month": "Base month", "base_yoy_pct": "Base month y/y %",
                 "trailing_median_yoy_pct": "Median y/y of the 12 months before %",
                 "base_label": "Base", "implied_yoy_pct": "Implied y/y %", "basis": "Basis"}
    )  # fmt: skip


def backtest_display(result: Outlook) -> pd.DataFrame:
    """The backtest table's reader-facing columns."""
    if result.backtest is None:
        return pd.DataFrame()
    columns = ["model", "horizon", "n", "rmse_pp", "mae_pp", "rmse_ratio_vs_random_walk",
               "rmse_ratio_vs_seasonal_naive", "beats_random_walk"]  # fmt: skip
    return result.backtest[columns].set_index("model")


def forecast_display(result: Outlook) -> pd.DataFrame:
    """The forecast table's reader-facing columns."""
    if result.forecast is None:
        return pd.DataFrame()
    return result.forecast[["yoy_pct", "lo95_pct", "lo80_pct", "hi80_pct", "hi95_pct", "basis"]]
