"""Glue between the outlook models and the outlook notebook: inputs, scenarios and figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers import charts, classifications, forecast, metrics, seasonal
from helpers.data import Dataset
from helpers.forecast import FORECAST_COLUMNS, FORECAST_YOY, HI80, HI95, LO80, LO95
from helpers.note import load_thresholds

MIN_MONTHS = 48  # four years: X-13 / STL, base effects and a forecast need at least this much
BACKTEST_MODELS = ("bridge", "sarimax", "sarimax_x")
BASE_MODELS = ("sarimax", "rw_holiday", "combo")  # backtested on every store
BACKTEST_YEARS = 14  # targets scored: the last 14 years (keeps the view's backtest ~10 s)
BACKTEST_ORIGINS = 12  # forecast origins `forecast.backtest` needs before it scores anything
FEW_SCORED_MONTHS = 24  # a backtest scoring fewer months says its ranking is tentative
REVISION_YEARS = 2  # Jan-Mar end points whose revisions the view measures (2 X-13 runs each)
GOAL_RATIO, GOAL_COVERAGE = 0.8, (0.75, 0.85)  # issue 13's target at horizons 1 and 3
NOT_MODELS = (*forecast.BENCHMARKS, "consensus")  # rows of the backtest that are not the kit's


def export_levels(ds: Dataset, period, currency: str = "USD") -> pd.Series:
    """Monthly exports up to `period` (combined Jan-Feb as stored: January NaN)."""
    t = ds.resolve(period).period
    return ds.levels("export", currency=currency).loc[:t]


def limits(ds: Dataset, levels: pd.Series) -> list[str]:
    """Plain-words reasons why parts of the outlook cannot be shown for these data."""
    reasons = []
    held = int(levels.notna().sum())
    if held < MIN_MONTHS:
        reasons.append(_history_shortfall(held))
    if ds.indicator_table() is None:
        reasons.append("No leading indicators in the data: the bridge and indicator models "
                       "are left out" + ("; the SARIMAX on levels alone still runs."
                                         if held >= MIN_MONTHS else "."))  # fmt: skip
    return reasons


def _history_shortfall(held: int) -> str:
    """Why the outlook's models cannot run on `held` months of exports, and what gives them a
    history (a store of a few GAC releases is the usual case)."""
    months = "month" if held == 1 else "months"
    return (f"Only {held} {months} of exports: seasonal adjustment, base effects and the "
            f"forecast need at least {MIN_MONTHS} (the backtest more). A monthly history gives "
            "them that: python -m helpers import series FILE --store DIR (the Eastmoney customs "
            "table is recognised by its shipped mapping, data/mappings).")


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
    held = {name: spec for name, spec in shocks.items() if spec["item"] in shares.index}
    if not held:
        empty = pd.DataFrame(columns=["item", "share_pct", "growth_change_pp",
                                      "headline_effect_pp", "how"])  # fmt: skip
        empty.attrs["empty"] = (  # what notebook.table shows instead of an empty table
            "Scenarios not shown: these data hold no exports by partner (United States, "
            "European Union), so there is no base share to translate a shock with. Import "
            "partner series to get them."
        )
        return empty
    table = forecast.scenario(shares, held, fx_elasticity=fx_elasticity)
    t = ds.resolve(period).period
    months = int(ds.levels("export", currency=currency).loc[t - 11 : t].notna().sum())
    if months < 12:  # a store of a few releases: say what the shares rest on
        table.attrs["caption"] = (
            f"Shares over the {months} month{'s' if months != 1 else ''} of the 12 to "
            f"{t:%B %Y} the data hold, not a full year: a partner's share moves with the "
            "season, so the effects are rougher than on a year of data.")  # fmt: skip
    return table


def recent_yoy(ds: Dataset, period, months: int = 36, currency: str = "USD") -> pd.Series:
    """Export y/y (pct) over the last `months` months, folded Jan-Feb."""
    t = ds.resolve(period).period
    return metrics.yoy(ds.folded("export", currency=currency)).loc[t - months + 1 : t]


def record(figures, period, base=None, backtest=None, forecast=None, scenarios=None,
           holiday=None, consensus_next=None, fan_model=None) -> None:  # fmt: skip
    """Add the outlook's figures: base effects, forecast and bands, backtest, scenarios and the
    New Year diagnostics.

    Backtest rows: metrics rmse, mae, rmse_ratio_random_walk, rmse_ratio_seasonal_naive, n,
    coverage80, coverage95 with dimension "model" and item "<model>_h<horizon>" (e.g.
    sarimax_h3, random_walk_h1; with a consensus, rmse_ratio_consensus and n_consensus, and
    the consensus's own rows as consensus_h1); `consensus_next`: the consensus held for the
    first forecast month (consensus_yoy beside its forecast_yoy); `fan_model`: the fan chart's
    model, whose h=1 rows (rmse, rmse_ratio_random_walk, rmse_ratio_consensus, n_consensus,
    coverage80) are repeated under item "nowcast_h1" for the note. Holiday rows: dimension
    "regressor", items cny_before / cny_after, metrics holiday_coef (log) and holiday_t, per
    flow.
    """
    if base is not None:
        for month, row in base.iterrows():
            figures.add("base_effect", "export", "total", "total", month,
                        row["base_effect"])  # fmt: skip
            figures.add("base_yoy", "export", "total", "total", month,
                        row["base_yoy"])  # fmt: skip
            figures.add("base_median_yoy", "export", "total", "total", month,
                        row["base_median_yoy"])  # fmt: skip
    if forecast is not None:
        for month, row in forecast.iterrows():
            for name in (FORECAST_YOY, LO80, HI80, LO95, HI95):  # the columns are figure names
                figures.add(name, "export", "total", "total", month, row[name])
    if consensus_next is not None and forecast is not None and len(forecast):
        figures.add("consensus_yoy", "export", "total", "total", forecast.index[0],
                    consensus_next["value"])  # fmt: skip
    if backtest is not None and fan_model is not None:
        own = backtest[(backtest["model"] == fan_model) & (backtest["horizon"] == 1)]
        for row in own.itertuples():
            figures.add("rmse", "export", "model", "nowcast_h1", period, row.rmse)
            figures.add("rmse_ratio_random_walk", "export", "model", "nowcast_h1", period,
                        row.rmse_ratio_random_walk)  # fmt: skip
            figures.add("coverage80", "export", "model", "nowcast_h1", period, row.coverage80)
            if getattr(row, "n_consensus", 0):
                figures.add("rmse_ratio_consensus", "export", "model", "nowcast_h1", period,
                            row.rmse_ratio_consensus)  # fmt: skip
                figures.add("n_consensus", "export", "model", "nowcast_h1", period,
                            row.n_consensus)  # fmt: skip
    if backtest is not None:
        for row in backtest.itertuples():
            item = f"{row.model}_h{row.horizon}"
            if hasattr(row, "rmse_ratio_consensus") and row.n_consensus:
                figures.add("rmse_ratio_consensus", "export", "model", item, period,
                            row.rmse_ratio_consensus)  # fmt: skip
                figures.add("n_consensus", "export", "model", item, period, row.n_consensus)
            figures.add("rmse", "export", "model", item, period, row.rmse)
            figures.add("mae", "export", "model", item, period, row.mae)
            figures.add("rmse_ratio_random_walk", "export", "model", item, period,
                        row.rmse_ratio_random_walk)  # fmt: skip
            figures.add("rmse_ratio_seasonal_naive", "export", "model", item, period,
                        row.rmse_ratio_seasonal_naive)  # fmt: skip
            figures.add("n", "export", "model", item, period, row.n)
            if hasattr(row, "coverage80"):
                figures.add("coverage80", "export", "model", item, period, row.coverage80)
                figures.add("coverage95", "export", "model", item, period, row.coverage95)
    if holiday is not None:
        for flow, row in holiday.iterrows():
            for name in seasonal.REGRESSOR_NAMES:
                figures.add("holiday_coef", flow, "regressor", name, period,
                            row[f"{name}_coef"])  # fmt: skip
                figures.add("holiday_t", flow, "regressor", name, period, row[f"{name}_t"])
    if scenarios is not None:
        for name, row in scenarios.iterrows():
            item = "total" if name == "Total" else _slug(name)
            figures.add("scenario_effect", "export", "scenario", item, period,
                        row["headline_effect_pp"])  # fmt: skip


def _slug(text: str) -> str:
    return "_".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


def backtest_verdict(table: pd.DataFrame) -> str:
    """Plain-words verdict on the backtest, whichever way it goes: one line per model with its
    RMSE ratio to the random walk at each horizon, then the best model by the mean ratio."""
    if table is None or table.empty:
        return "*No backtest could be run on these data.*"
    models = table[~table["model"].isin(NOT_MODELS)]
    if models.empty:
        return "*Only the benchmarks could be scored on these data.*"
    lines = []
    for name, rows in models.groupby("model", sort=False):
        beats = rows.loc[rows["beats_random_walk"], "horizon"].tolist()
        verdict = (
            "beats the random walk at every horizon"
            if len(beats) == len(rows)
            else "does NOT beat the random walk at any horizon"
            if not beats
            else f"beats the random walk only at h={', '.join(map(str, beats))}"
        )
        ratios = ", ".join(
            f"{r.rmse_ratio_random_walk:.2f} (h={r.horizon})" for r in rows.itertuples()
        )
        lines.append(f"- **{name}** {verdict}: RMSE ratio {ratios}; {rows['n'].iloc[0]} months.")
    mean = models.groupby("model")["rmse_ratio_random_walk"].mean()
    best = mean.idxmin()
    lines.append(
        f"\nBest on this history (mean RMSE ratio over horizons {mean[best]:.2f}): **{best}**"
        + ("" if mean[best] < 1 else " — but it does not beat the random walk on average.")
    )
    scored = int(models["n"].max())
    if scored < FEW_SCORED_MONTHS:  # a short history: say how little the ranking rests on
        lines.append(f"\nThese scores rest on {scored} months only (fewer than "
                     f"{FEW_SCORED_MONTHS}): too few to rank the models with confidence.")
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
    fan_model: str | None = None
    consensus_next: dict | None = None  # the consensus held for the month after `period`
    holiday: pd.DataFrame | None = None  # New Year diagnostics by flow (`holiday_table`)
    indicators: pd.DataFrame | None = None  # `indicator_leads`
    backtest_note: str = ""  # why there is no backtest (`backtest_shortfall`), if there is none
    backtest_months: int | None = None  # months of exports the missing backtest needs
    history_months: int | None = None  # months of exports held, when too few for the models

    def missing(self, part: str) -> str:
        """The sentence saying why a part is missing ("Forecast not shown: ..."): the history
        it lacks when that is the reason (the page's opening notes give the rest)."""
        if part == "Backtest" and self.backtest_note:
            return self.backtest_note
        if self.history_months is not None:
            months = "month" if self.history_months == 1 else "months"
            return (f"{part} not shown: the data hold {self.history_months} {months} of exports "
                    f"and it needs at least {MIN_MONTHS} (the note at the top says how to add "
                    "a history).")  # fmt: skip
        return f"{part} not shown: {' '.join(self.notes) or 'not enough data'}"

    def empty_table(self, part: str) -> pd.DataFrame:
        """An empty table that says why `part` is missing (shown by notebook.table)."""
        empty = pd.DataFrame()
        empty.attrs["empty"] = self.missing(part)
        return empty


def compute(ds: Dataset, period, currency: str = "USD", horizon: int = 6) -> Outlook:
    """Seasonal adjustment, base effects, backtest and forecast for exports to `period`.

    The backtest scores every horizon the fan chart draws (1..`horizon`) over the last
    BACKTEST_YEARS years; the fan chart shows the model `forecast.choose_model` picks from it.
    """
    t = ds.resolve(period).period
    levels = export_levels(ds, t, currency)
    result = Outlook(t, currency, notes=limits(ds, levels))
    if levels.notna().sum() < MIN_MONTHS:
        result.history_months = int(levels.notna().sum())
        return result
    indicators = indicators_to(ds, t)
    result.sa = seasonal.seasonally_adjust(levels)
    # the page and the note call a base high or low by one rule (data/note_thresholds.yaml)
    gap = float(load_thresholds()["base_label_pp"])
    result.base = forecast.base_effects(levels, horizon, sa=result.sa, threshold_pp=gap)
    models = BASE_MODELS + (("bridge", "sarimax_x") if indicators is not None else ())
    market = market_inputs(ds, t, currency)
    if market.get("published") is not None:  # indicators with publication dates: ARX too
        indicators = market["indicators"]
        models = BASE_MODELS + ("sarimax_x", "arx")
    scored = forecast.as_released(levels, market.get("combined", ()))
    try:
        result.backtest = forecast.backtest(
            scored, indicators, start=backtest_start(levels), models=models,
            horizons=range(1, horizon + 1), published=market.get("published"),
            releases=market.get("releases"), actuals=market.get("actuals"),
            consensus=market.get("consensus"),
        )  # fmt: skip
    except ValueError as error:  # too short a history for enough forecast origins
        if "forecast origins" not in str(error):
            raise
        result.backtest_note, result.backtest_months = backtest_shortfall(levels, horizon)
        result.notes.append(result.backtest_note)
    if result.backtest is not None:
        result.fan_model = fan_model(result.backtest, levels, horizon)
    else:
        result.fan_model = "sarimax_x" if indicators is not None else "sarimax"
    if result.fan_model in ("rw_holiday", "combo"):
        result.forecast = forecast.forecast_empirical(
            levels, result.backtest.attrs["forecasts"], horizon, result.fan_model
        )
    else:
        result.forecast = forecast.forecast(levels, indicators, horizon, model=result.fan_model)
    result.consensus_next = consensus_for(ds, t + 1)
    result.holiday = holiday_table(ds, t, currency, sa={"export": result.sa})
    result.indicators = indicator_leads(ds, t, currency)
    return result


def market_inputs(ds: Dataset, period, currency: str = "USD") -> dict:
    """A store's indicators with publication dates, release dates, first-released export y/y
    and consensus, cut at `period` (``data.market_inputs``); {} otherwise."""
    if currency != "USD" or not ds.is_store or ds.is_sample:
        return {}
    from helpers.data import market_inputs as inputs_of

    t = ds.resolve(period).period
    found = inputs_of(ds.location, "export")
    for name in ("actuals", "consensus"):
        if found.get(name) is not None:
            found[name] = found[name].loc[:t]
    if found.get("indicators") is not None:
        found["indicators"] = found["indicators"].loc[: t + 1]
        found["published"] = found["published"].loc[: t + 1]
    return found


def consensus_for(ds: Dataset, month: pd.Period) -> dict | None:
    """The export y/y consensus held for `month` ({value, source, as_of}), or None."""
    if ds.consensus is None:
        return None
    rows = ds.consensus[(ds.consensus["flow"] == "export") & (ds.consensus["metric"] == "yoy")
                        & (ds.consensus["period"].astype(str) == str(month))]  # fmt: skip
    if rows.empty:
        return None
    row = rows.iloc[-1]
    vintages = Path(ds.location) / "consensus_vintages.csv" if ds.location else None
    as_of = ""
    if vintages is not None and vintages.exists():
        held = pd.read_csv(vintages, dtype={"period": str, "as_of": str})
        held = held[(held["period"] == str(month)) & (held["flow"] == "export")
                    & (held["metric"] == "yoy")]  # fmt: skip
        as_of = str(held["as_of"].max()) if len(held) else ""
    return {"value": float(row["value"]), "source": str(row.get("source", "")), "as_of": as_of}


def nowcast_line(result: Outlook) -> str:
    """Next month's nowcast beside the consensus when one is held, the backtest's record
    against the consensus in one line, and how often the 80% band held (markdown)."""
    if result.forecast is None or result.forecast.empty:
        return ""
    month = result.forecast.index[0]
    point = float(result.forecast[FORECAST_YOY].iloc[0])
    label = f"{month:%B %Y}"
    cons = result.consensus_next
    if cons is not None:
        line = (f"**{label}: nowcast {point:.1f}%, consensus {cons['value']:.1f}%** (export y/y;"
                f" {result.fan_model}; consensus from {cons['source'] or 'the store'}"
                + (f", as of {cons['as_of']}" if cons["as_of"] else "") + ").")
    else:
        line = (f"**{label}: nowcast {point:.1f}%** (export y/y; {result.fan_model}); no "
                "consensus held for that month.")
    table = result.backtest
    if table is None or table.empty:
        return line
    own = table[(table["model"] == result.fan_model) & (table["horizon"] == 1)]
    cons_row = table[(table["model"] == "consensus") & (table["horizon"] == 1)]
    if len(own) and len(cons_row) and "rmse_ratio_consensus" in own:
        r, c = own.iloc[0], cons_row.iloc[0]
        verdict = "beat" if r["rmse_ratio_consensus"] < 1 else "did not beat"
        line += (f" Record against the consensus: one month ahead, {result.fan_model} "
                 f"{verdict} it on the {int(c['n'])} backtest months that have one (RMSE "
                 f"{r['rmse_ratio_consensus']:.2f}x the consensus's {c['rmse']:.1f} pp, "
                 "on first-released y/y).")
    if len(own) and pd.notna(own.iloc[0]["coverage80"]):
        cover = float(own.iloc[0]["coverage80"])
        lo, hi = GOAL_COVERAGE
        held = ("as an 80% band should" if lo <= cover <= hi else
                "more often than 80%: the band is too wide" if cover > hi else
                "less often than 80%: the band is too narrow")
        line += (f" Its 80% band held in {cover:.0%} of {int(own.iloc[0]['n_coverage'])} "
                 f"backtest outcomes one month ahead ({held}).")
    return line


def backtest_start(levels: pd.Series) -> pd.Period:
    """First target month the view scores: BACKTEST_YEARS before the last month (or 5 years
    after the first month, if later)."""
    valid = levels.dropna().index
    recent = pd.Period(f"{valid[-1].year - BACKTEST_YEARS + 1}-01", "M")
    return max(recent, valid[0] + 60)


def backtest_shortfall(levels: pd.Series, horizon: int) -> tuple[str, int]:
    """Why the backtest cannot run on `levels` and the months of exports it needs at least.

    It scores forecasts of the months from `backtest_start` on, made from at least
    BACKTEST_ORIGINS months (forecast origins) from `horizon` months before that; a January
    published only combined with February is no origin. The months needed are a lower bound:
    a January to come that is published combined adds one.
    """
    valid = levels.dropna().index
    first_target, last = backtest_start(levels), valid[-1]
    first_origin = first_target - horizon
    months = pd.period_range(first_origin, last - 1, freq="M")
    combined = [m for m in months if m.month == 1 and m not in valid and (m + 1) in valid]
    held = len(months) - len(combined)
    more = max(BACKTEST_ORIGINS - held, 1)
    needed = len(valid) + more
    note = (
        f"Backtest skipped: {len(valid)} months of exports leave fewer than {BACKTEST_ORIGINS} "
        "forecast origins to score the models on: it scores forecasts of the months from "
        f"{first_target:%B %Y} on (five years into the data), made from {first_origin:%B %Y} "
        f"on, and data to {last:%B %Y} give {held} such origin{'' if held == 1 else 's'}. It "
        f"needs at least {more} more month{'s' if more > 1 else ''} of exports (data to "
        f"{last + more:%B %Y} or later: {needed} months)."
    )
    return note, needed


def fan_model(table: pd.DataFrame, levels: pd.Series, horizon: int) -> str:
    """The model drawn in the fan chart: lowest mean RMSE ratio to the random walk over the
    backtest's horizons (`forecast.choose_model`); only SARIMAX models when a base month of the
    fan was split from a combined Jan-Feb (the others forecast single months only)."""
    return forecast.choose_model(table, forecast.fan_candidates(levels, horizon)) or "sarimax"


def fan_note(result: Outlook) -> str:
    """Which model the fan chart shows and why (markdown); without a backtest that ranks it,
    says so and how many months of exports the backtest needs."""
    if result.forecast is None or result.fan_model is None:
        return ""
    table = result.backtest
    rows = pd.DataFrame() if table is None else table[table["model"] == result.fan_model]
    if rows.empty:
        why = ("no backtest on these data ranked the models" if result.backtest_months is None
               else "these data are too short for the backtest that ranks the models (it "
               f"needs at least {result.backtest_months} months of exports)")  # fmt: skip
        return (
            f"The fan chart shows **{result.fan_model}**, the default model: {why}, so nothing "
            "ranks it against the others and its bands are not checked against its past errors. "
            f"{result.forecast.attrs.get('note', '')}"
        )
    ratios = ", ".join(
        f"h={r.horizon}: {r.rmse_ratio_random_walk:.2f}" for r in rows.itertuples()
    )
    return (
        f"The fan chart shows **{result.fan_model}** — {forecast.MODEL_LABELS[result.fan_model]}"
        f" — the model with the lowest mean RMSE relative to the random walk over horizons "
        f"1-{rows['horizon'].max()} of the backtest above (ratios {ratios}). "
        f"{result.forecast.attrs.get('note', '')}"
    )


def goal_verdict(table: pd.DataFrame | None) -> str:
    """Plain words on issue 13's goal: RMSE at most 0.8x the random walk at horizons 1 and 3,
    with 80% bands covering 75-85% of outcomes; names the models that meet it, or says none."""
    if table is None or table.empty or not {1, 3} <= set(table["horizon"]):
        return ""
    lo, hi = GOAL_COVERAGE
    models = table[~table["model"].isin(NOT_MODELS) & table["horizon"].isin([1, 3])]
    ok = models.assign(
        good=(models["rmse_ratio_random_walk"] <= GOAL_RATIO)
        & models["coverage80"].between(lo, hi)
    )
    passing = ok.groupby("model")["good"].all()
    passing = sorted(passing[passing].index)
    detail = "; ".join(
        f"{r.model} h={r.horizon}: ratio {r.rmse_ratio_random_walk:.2f}, 80% coverage "
        + (f"{r.coverage80:.0%}" if pd.notna(r.coverage80) else "not measured (no band yet)")
        for r in models.itertuples()
    )
    target = (
        f"RMSE at most {GOAL_RATIO:g}x the random walk at horizons 1 and 3 with 80% bands "
        f"covering {lo:.0%}-{hi:.0%} of outcomes"
    )
    if passing:
        return f"Goal ({target}) met by: **{', '.join(passing)}** ({detail})."
    return f"Goal ({target}) **not met by any model** on this history ({detail})."


def holiday_table(
    ds: Dataset, period, currency: str = "USD", sa: dict | None = None, years: int | None = None
) -> pd.DataFrame | None:
    """New Year diagnostics of the adjustment of exports and imports (one row per flow).

    Columns: method; holiday coefficients (log scale) and t-statistics of both regressors; X-13's
    M7, Q and the QS test on the adjusted series (statistic, p-value: below 0.05 = residual
    seasonality; NaN on the STL path); the January-March m/m standard deviation (pp, over the
    backtest span) and the RMS revision of the last point (pp, Jan-Mar of the last `years`
    years) with and without the regressors (`seasonal.holiday_gain`). None below MIN_MONTHS.
    """
    t = ds.resolve(period).period
    years = REVISION_YEARS if years is None else years
    rows = {}
    for flow in ("export", "import"):
        if not ds.has(flow, currency=currency):
            continue
        levels = ds.levels(flow, currency=currency).loc[:t]
        if levels.notna().sum() < MIN_MONTHS:
            continue
        result = (sa or {}).get(flow) or seasonal.seasonally_adjust(levels)
        diag = result.diagnostics
        row = {"method": result.method}
        for name in seasonal.REGRESSOR_NAMES:
            hol = diag.get("holiday")
            has = hol is not None and name in hol.index
            row[f"{name}_coef"] = hol.loc[name, "estimate"] if has else float("nan")
            row[f"{name}_t"] = hol.loc[name, "t_stat"] if has else float("nan")
        m_stats = diag.get("m_stats", pd.Series(dtype=float))
        row["m7"] = m_stats.get("M7", float("nan"))
        row["q"] = m_stats.get("Q", float("nan"))
        qs = diag.get("qs")
        has_qs = qs is not None and "adjusted" in qs.index
        row["qs_adjusted"] = qs.loc["adjusted", "statistic"] if has_qs else float("nan")
        row["qs_adjusted_p"] = qs.loc["adjusted", "p_value"] if has_qs else float("nan")
        since = backtest_start(levels)
        gain = seasonal.holiday_gain(
            levels, seasonal.revision_ends(levels, years), method=result.method, since=since
        )
        for label, key in (("with New Year regressors", "with"), ("without", "without")):
            row[f"jan_mar_mom_sd_{key}_pp"] = gain.loc[label, "jan_mar_mom_sd_pp"]
            row[f"revision_rms_{key}_pp"] = gain.loc[label, "revision_rms_pp"]
        row["revision_ends"] = int(gain["n_ends"].iloc[0])
        rows[flow] = row
    return pd.DataFrame.from_dict(rows, orient="index") if rows else None


def holiday_display(result: Outlook) -> pd.DataFrame:
    """The New Year diagnostics with reader-facing column names (flows as columns)."""
    if result.holiday is None:
        return pd.DataFrame()
    names = {
        "method": "Method",
        "cny_before_coef": "Pre-holiday coefficient (log)",
        "cny_before_t": "Pre-holiday t-statistic",
        "cny_after_coef": "Holiday coefficient (log)",
        "cny_after_t": "Holiday t-statistic",
        "m7": "X-11 M7 (identifiable seasonality, < 1 good)",
        "q": "X-11 Q (overall quality, < 1 good)",
        "qs_adjusted": "QS on adjusted series",
        "qs_adjusted_p": "QS p-value (< 0.05 = residual seasonality)",
        "jan_mar_mom_sd_with_pp": "Jan-Mar m/m s.d., with regressors (pp)",
        "jan_mar_mom_sd_without_pp": "Jan-Mar m/m s.d., without (pp)",
        "revision_rms_with_pp": "Last-point revision RMS, with regressors (pp)",
        "revision_rms_without_pp": "Last-point revision RMS, without (pp)",
        "revision_ends": "Revision end points (Jan-Mar)",
    }
    shown = result.holiday.T.astype(object)
    for key in shown.index:
        digits = 0 if key == "revision_ends" else 2 if key.endswith(("_t", "_pp")) else 3
        shown.loc[key] = [
            v if isinstance(v, str) else "n/a (X-13 only)" if pd.isna(v) else f"{v:.{digits}f}"
            for v in shown.loc[key]
        ]
    shown.columns = [f"{flow}s" for flow in shown.columns]
    return shown.rename(index=names)


def indicator_leads(ds: Dataset, period, currency: str = "USD", max_lead: int = 6):
    """Each leading indicator's latest value and its lead over export y/y (None without any).

    For each indicator feature (`forecast.indicator_features`) the lead k in 0..`max_lead`
    months with the largest absolute correlation between the feature k months earlier and
    export y/y over the history to `period`: columns latest_month, latest_value, lead_months,
    correlation, n.
    """
    table = indicators_to(ds, period)
    if table is None or table.empty:
        return None
    t = ds.resolve(period).period
    yoy = metrics.yoy(export_levels(ds, t, currency))
    features = forecast.indicator_features(table)
    rows = {}
    for name in features.columns:
        f = features[name]
        valid = f.dropna()
        if valid.empty:
            continue
        corrs = {}
        for k in range(max_lead + 1):
            pair = pd.concat([f.shift(k).reindex(yoy.index), yoy], axis=1).dropna()
            if len(pair) >= 24:
                corrs[k] = (pair.iloc[:, 0].corr(pair.iloc[:, 1]), len(pair))
        if not corrs:
            continue
        lead = max(corrs, key=lambda k: abs(corrs[k][0]))
        rows[name] = {
            "latest_month": str(valid.index[-1]),
            "latest_value": float(valid.iloc[-1]),
            "lead_months": lead,
            "correlation": corrs[lead][0],
            "n": corrs[lead][1],
        }
    return pd.DataFrame.from_dict(rows, orient="index") if rows else None


def indicator_note(ds: Dataset, result: Outlook) -> str:
    """What the indicators are: synthetic (sample), as imported (store), or absent."""
    if result.indicators is None:
        return (
            "*No leading indicators in these data: the outlook uses the trade series alone. "
            "Add an indicators.csv (period, indicator, value) beside the store to show them.*"
        )
    if ds.is_sample:
        return (
            "These indicators are **synthetic**: the illustrative sample built them to lead "
            "exports, so their correlations and leads show the method, not real-world skill."
        )
    return (
        "Indicators as held in these data; leads and correlations are estimated on this "
        "history only (no claim beyond it)."
    )


def trust_note(ds: Dataset, result: Outlook) -> str:
    """Closing advice, honest about where the evidence comes from."""
    if ds.is_sample:
        source = (
            "The sample's indicators and history are synthetic: the backtest shows the method, "
            "not real-world skill."
        )
    else:
        source = (
            f"The backtest above is on these data ({len(result.backtest.attrs['forecasts'])} "
            "forecasts)."
            if result.backtest is not None
            else "No backtest could be run on these data."
        )
    return (
        f"{source} Trust a model only where it beats the random walk over a long backtest that "
        "includes turning points, and read base effects first: they explain most of the swings "
        "in y/y that headlines attribute to demand."
    )


def base_chart(result: Outlook, source: str):
    """Implied y/y at flat momentum over the base months' own y/y (or why it is missing)."""
    if result.base is None:  # the base-effect table just above says why
        return None
    title = f"Exports: implied y/y if momentum stays flat after {result.period:%b %Y}"
    return charts.path_with_base(result.base, title, source)


def fan(result: Outlook, ds: Dataset, source: str):
    """Fan chart of the forecast over recent history (or why it is missing)."""
    if result.forecast is None:  # the forecast table above says why
        return None
    history = recent_yoy(ds, result.period, 36, result.currency)
    title = "Exports: forecast y/y with 80% and 95% intervals"
    return charts.fan_chart(history, result.forecast, title, source)


def base_display(result: Outlook) -> pd.DataFrame:
    """The base-effect table's reader-facing columns."""
    if result.base is None:
        return result.empty_table("Base effects")
    # figure names (base_yoy, base_median_yoy, base_effect) take their labels from
    # data/figure_names.csv, the others from data/column_labels.csv
    table = result.base[["base_month", "base_yoy", "base_median_yoy", "base_label", "base_effect",
                         "basis"]].copy()  # fmt: skip
    gap = load_thresholds()["base_label_pp"]
    table.attrs["caption"] = (f"A high (low) base: the base month's y/y more than {gap:g} pp above "
                              "(below) the median of the 12 months before it "
                              "(base_label_pp in data/note_thresholds.yaml).")  # fmt: skip
    return table


def backtest_display(result: Outlook) -> pd.DataFrame:
    """The backtest table's reader-facing columns."""
    if result.backtest is None:
        return result.empty_table("Backtest")
    columns = ["model", "horizon", "n", "rmse", "mae", "rmse_ratio_random_walk",
               "rmse_ratio_seasonal_naive", "coverage80", "coverage95",
               "beats_random_walk"]  # fmt: skip
    if result.backtest["n_consensus"].fillna(0).gt(0).any():
        columns[7:7] = ["rmse_ratio_consensus", "n_consensus"]
    return (
        result.backtest[columns]
        .set_index(["model", "horizon"])
        .rename(columns={"coverage80": "80% band coverage", "coverage95": "95% band coverage"})
    )


def forecast_display(result: Outlook) -> pd.DataFrame:
    """The forecast table's reader-facing columns."""
    if result.forecast is None:
        return result.empty_table("Forecast")
    return result.forecast[[*FORECAST_COLUMNS, "basis"]]


def indicator_display(result: Outlook) -> pd.DataFrame:
    """The indicator table's reader-facing columns (empty without indicators)."""
    if result.indicators is None:
        return pd.DataFrame()
    return result.indicators.rename(
        columns={"latest_month": "Latest month", "latest_value": "Latest value",
                 "lead_months": "Lead (months)", "correlation": "Correlation with export y/y",
                 "n": "Months"}
    )  # fmt: skip
