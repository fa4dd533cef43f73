"""Outlook for export growth: base effects, a nowcast backtest, a fan-chart forecast, scenarios.

Conventions: a levels series is a float Series (USD) on a monthly PeriodIndex; growth is in
percent (columns ``*_pct``), differences of growth in percentage points (``*_pp``). Combined
January-February figures (January NaN, February = Jan+Feb) are split with
``helpers.seasonal.split_janfeb`` wherever a model needs every month. A January or February y/y
that compares a split month with a real one (the year or the year before was published combined)
is not a genuine single-month rate: such months are excluded from backtest scores and from the
bridge regression, and the SARIMAX model treats split months as missing.

Models (names used by ``backtest``):

* ``bridge``: OLS of export y/y on the leading indicators of the same month (indicators come out
  before the trade data) plus last month's export y/y. Multi-step forecasts iterate on the lag.
* ``sarimax``: airline SARIMA (0,1,1)(0,1,1,12) on log levels with the Chinese New Year
  regressors of ``helpers.seasonal.cny_regressors`` as exogenous variables.
* ``sarimax_x``: the same plus one indicator factor: the first principal component of the
  standardised indicator features (one coefficient instead of seven keeps the likelihood fit
  fast and less over-fitted). Because the model differences log levels at lags 1 and 12, the
  factor z enters as its seasonal running sum Z_t = z_t + Z_{t-12}, so that the y/y growth of
  exports (the 12-month difference of log levels) responds to z itself.

* ``rw_holiday``: random walk on New-Year-adjusted y/y: the mean adjusted log y/y of the last
  three months (3 rather than 1 chosen on 1995-1999 origins of the real 1983-2013 series, before
  any 2000-2013 result was seen) carried forward, plus the target month's own holiday effect.
* ``combo``: the equal-weight mean of ``sarimax`` and ``rw_holiday`` (weights fixed a priori).
* ``arx``: the bridge regression plus the 12-month differences of the New Year regressors (an
  ARX on y/y: last month's y/y, holiday effects, indicators of the target month as known). The
  lagged y/y is New-Year-adjusted (``holiday_adjusted_yoy`` with rw_holiday's coefficients as
  known at the origin; a combined Jan-Feb rate with the mean of the two months' effects), so
  February's holiday swing is not carried into March, and a base-effect term (last year's
  change of the adjusted y/y, ``base_effect_term``) enters (both fixed on 2010-2015 targets).
  Beyond one month ahead the ARX is direct (``_arx_direct_forecasts``: one regression per
  horizon on what is known at the origin) rather than iterated (fixed on 2010-2015 targets).
* ``combo_arx``: the equal-weight mean of ``arx``, ``sarimax`` and ``rw_holiday`` (a priori).

Against the market (issue 23): with the indicators' publication dates (``published``) a
forecast from origin T is made the day before GAC's release of T+1 (``origin_dates``) and uses
only indicator values published by then (``Vintage``); with first-released y/y (``actuals``)
every model is scored against the first print, as the consensus was; with a consensus series
``summarise_backtest`` adds rmse_ratio_consensus and a "consensus" row. ``as_released``
folds January into February in years first released only combined (what was published).

SARIMAX parameters are estimated by maximum likelihood (scale concentrated out, approximate
diffuse initialisation: about ten times faster than the exact diffuse one, same forecasts to a
few tenths of a percent); a backtest re-estimates them every ``refit_every`` origins and
iterates forecasts from one filter pass with fixed parameters in between. SARIMAX bands are
its prediction intervals; every other model's bands are the quantiles of its own past errors
(``_empirical_bands``), so the backtest reports the coverage of all of them.

Benchmarks: ``random_walk`` (next y/y = last observed y/y) and ``seasonal_naive`` (level of the
target month = level 12 months earlier × (1 + growth of the last 12 months' total over the 12
months before); i.e. the y/y forecast is the trailing 12-month growth).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import cache as cache_mod
from helpers import metrics
from helpers.seasonal import SAResult, cny_regressors, seasonally_adjust, split_janfeb

__all__ = [
    "BAND_COLUMNS",
    "BENCHMARKS",
    "EXTRA_MODELS",
    "FAN_MODELS",
    "FORECAST_COLUMNS",
    "FORECAST_YOY",
    "HI80",
    "HI95",
    "LO80",
    "LO95",
    "MODELS",
    "MODEL_LABELS",
    "Vintage",
    "as_released",
    "backtest",
    "backtest_forecasts",
    "base_effects",
    "choose_model",
    "fan_candidates",
    "feature_publication",
    "forecast",
    "forecast_empirical",
    "indicator_features",
    "origin_dates",
    "scenario",
    "summarise_backtest",
    "yoy_pct",
]

MODELS = ("bridge", "sarimax", "sarimax_x")
EXTRA_MODELS = ("rw_holiday", "combo", "arx", "combo_arx")
BENCHMARKS = ("random_walk", "seasonal_naive")
RW_HOLIDAY_MONTHS = 3  # adjusted y/y months averaged by rw_holiday (chosen on 1995-1999)
FAN_MODELS = ("sarimax", "sarimax_x", "rw_holiday", "combo")  # models `forecast` can draw
BAND_WARMUP_MONTHS = 36  # origins before the scored window that only feed past errors
MIN_BAND_ERRORS = 24  # past errors needed before an empirical band is drawn
Z80, Z95 = 1.2815515655446004, 1.959963984540054  # standard normal quantiles 0.9 and 0.975
SARIMA_ORDER = ((0, 1, 1), (0, 1, 1, 12))
DEFAULT_FX_ELASTICITY = 0.5
MAX_CARRY_MONTHS = 6  # with publication dates: a value is carried forward at most this long
DEFAULT_RELEASE_DAY = 7  # GAC's release of month t, when no date is held: the 7th of t+1
ARX_BASE_TERM = True  # the ARX's base-effect regressor (chosen on 2010-2015 targets)
ARX_DIRECT = True  # ARX beyond h=1: direct, not iterated (chosen on 2010-2015 targets)
TRADE_LEVEL_PREFIXES = ("korea_", "us_")  # indicators that are trade levels: used as y/y
# The columns of a fan-chart forecast (`forecast`, `forecast_empirical`), named once: they are
# the figure names of data/figure_names.csv, kept from the model through helpers.outlook to
# figures.csv, the forecast table and charts.fan_chart. Bands in the order low 95%, low 80%,
# high 80%, high 95%.
FORECAST_COLUMNS = ("forecast_yoy", "forecast_lo95", "forecast_lo80", "forecast_hi80",
                    "forecast_hi95")  # fmt: skip
FORECAST_YOY, LO95, LO80, HI80, HI95 = FORECAST_COLUMNS
BAND_COLUMNS = FORECAST_COLUMNS[1:]


@dataclass(frozen=True)
class Vintage:
    """What was known on `date`: indicator values whose publication date (``published``, same
    columns as the features) is on or before it."""

    date: pd.Timestamp
    published: pd.DataFrame

    @property
    def month(self) -> pd.Period:
        """The month of the information date."""
        return pd.Period(self.date, freq="M")


# --------------------------------------------------------------------------------------------
# Small building blocks


def _complete(levels: pd.Series) -> pd.Series:
    """Sorted float series on a complete monthly index, trimmed to its first/last valid month."""
    if not isinstance(levels.index, pd.PeriodIndex):
        raise TypeError("levels must be indexed by a monthly PeriodIndex")
    s = levels.sort_index().astype(float)
    # a combined Jan-Feb makes January NaN: keep a leading NaN January if February is valid
    first, last = s.first_valid_index(), s.last_valid_index()
    if first is None:
        raise ValueError("levels series is empty")
    if first.month == 2 and (first - 1) in s.index:
        first = first - 1
    full = pd.period_range(first, last, freq="M")
    return s.reindex(full)


def yoy_pct(levels: pd.Series) -> pd.Series:
    """Year-on-year growth in percent (metrics.yoy, named for the outlook's tables)."""
    return metrics.yoy(levels).rename("yoy_pct")


def _prepared(levels: pd.Series) -> tuple[pd.Series, list[int], pd.Series]:
    """(split levels, split years, mask of months whose y/y is a genuine single-month rate)."""
    s = _complete(levels)
    split, years, _ = split_janfeb(s)
    if split.isna().any():
        missing = split.index[split.isna()]
        raise ValueError(f"levels has gaps: {list(map(str, missing))}")
    idx = split.index
    touched = np.isin(idx.month, [1, 2]) & (np.isin(idx.year, years) | np.isin(idx.year - 1, years))
    return split, years, pd.Series(~touched, index=idx)


def indicator_features(indicators: pd.DataFrame) -> pd.DataFrame:
    """Turn raw leading indicators into regression features (one column each).

    * PMIs (name contains "pmi"): distance from 50, in index points (``<name>_m50``).
    * Exchange rates (name starts with "cny_per_" or contains "fx"): y/y change in percent
      (``<name>_yoy_pct``; a higher CNY per USD/EUR means a weaker yuan).
    * Trade levels (name starts with "korea_" or "us_", e.g. ``korea_exports_to_china``): y/y
      change in percent (``<name>_yoy_pct``).
    * Anything else (e.g. ``korea_exports_yoy``): used as is.
    """
    if not isinstance(indicators.index, pd.PeriodIndex):
        raise TypeError("indicators must be indexed by a monthly PeriodIndex")
    ind = indicators.sort_index().astype(float)
    ind = ind.reindex(pd.period_range(ind.index.min(), ind.index.max(), freq="M"))
    out = {}
    for col in ind.columns:
        name, kind = _feature_name(col)
        if kind == "m50":
            out[name] = ind[col] - 50
        elif kind == "yoy":
            out[name] = 100 * (ind[col] / ind[col].shift(12) - 1)
        else:
            out[name] = ind[col]
    return pd.DataFrame(out, index=ind.index)


def _feature_name(column) -> tuple[str, str]:
    """(feature name, transformation: m50, yoy or as_is) of one raw indicator column."""
    name = str(column)
    lower = name.lower()
    if "pmi" in lower:
        return f"{name}_m50", "m50"
    if lower.startswith("cny_per_") or "fx" in lower or (
            lower.startswith(TRADE_LEVEL_PREFIXES) and not lower.endswith("yoy")):
        return f"{name}_yoy_pct", "yoy"
    return name, "as_is"


def feature_publication(published: pd.DataFrame) -> pd.DataFrame:
    """Publication dates of the raw indicators (month x indicator) renamed as their features
    (a y/y feature of month t is known when month t's value is)."""
    out = published.copy()
    out.columns = [_feature_name(c)[0] for c in published.columns]
    return out


def as_released(levels: pd.Series, combined_years: Iterable[int]) -> pd.Series:
    """Levels as GAC first released them: in `combined_years` (first printed only as a combined
    January-February) January is NaN and February holds January + February, so no model sees a
    single-month January or February that was not published at the time (the kit's convention
    for combined years: see the module docstring)."""
    out = levels.copy().astype(float)
    for year in sorted(set(combined_years)):
        jan, feb = pd.Period(f"{year}-01", "M"), pd.Period(f"{year}-02", "M")
        if jan in out.index and feb in out.index and pd.notna(out[jan]):
            out[feb] = out[feb] + out[jan]
            out[jan] = np.nan
    return out


def origin_dates(origins: pd.PeriodIndex, releases: pd.Series | None = None) -> pd.Series:
    """The day a forecast from origin T is made: the day before GAC's release of month T+1
    (from `releases`, month -> date, where held; else the DEFAULT_RELEASE_DAY of T+2)."""
    releases = pd.Series(dtype="datetime64[ns]") if releases is None else releases
    dates = []
    for origin in origins:
        release = releases.get(origin + 1)
        if release is None or pd.isna(release):
            release = (origin + 2).to_timestamp() + pd.Timedelta(days=DEFAULT_RELEASE_DAY - 1)
        dates.append(pd.Timestamp(release) - pd.Timedelta(days=1))
    return pd.Series(dates, index=origins)


def _known(features: pd.DataFrame, through) -> pd.DataFrame:
    """Features known at `through` (a month, or a Vintage: only values published by its date);
    unknown cells NaN, rows after the last known month dropped."""
    if isinstance(through, Vintage):
        dates = through.published.reindex(index=features.index, columns=features.columns)
        known = features.where(dates.le(through.date).fillna(False).astype(bool))
        last = known.last_valid_index()
        return known.iloc[:0] if last is None else known.loc[:last]
    return features.loc[features.index <= through]


def _available(features: pd.DataFrame, through, index: pd.PeriodIndex) -> pd.DataFrame:
    """Features known at `through` (month or Vintage), on `index`; later months carry the last
    known value (with a Vintage for at most MAX_CARRY_MONTHS: a series that stopped is dropped
    rather than frozen)."""
    known = _known(features, through).reindex(index)
    return known.ffill(limit=MAX_CARRY_MONTHS) if isinstance(through, Vintage) else known.ffill()


def _month(through) -> pd.Period:
    """The month of an information set (a month itself, or a Vintage's date)."""
    return through.month if isinstance(through, Vintage) else through


def _seasonal_sum(z: pd.DataFrame) -> pd.DataFrame:
    """Z_t = z_t + Z_{t-12} (running sum within each calendar month); NaN counts as 0."""
    z = z.fillna(0.0)
    pos = np.arange(len(z)) % 12
    return z.groupby(pos).cumsum()


# --------------------------------------------------------------------------------------------
# Base effects


def _comparable_yoy(split: pd.Series, genuine: pd.Series) -> pd.Series:
    """Monthly y/y, except January/February of years touched by a combined Jan-Feb figure,
    which get the combined Jan-Feb y/y (the only genuine rate there)."""
    yoy = yoy_pct(split)
    janfeb = split.rolling(2).sum()
    combined = 100 * (janfeb / janfeb.shift(12) - 1)
    feb_combined = combined.where(split.index.month == 2)
    both = feb_combined.combine_first(feb_combined.shift(-1).where(split.index.month == 1))
    return yoy.mask(~genuine.to_numpy(), both)


def base_effects(
    levels: pd.Series,
    horizon: int = 6,
    sa: SAResult | None = None,
    threshold_pp: float = 5.0,
) -> pd.DataFrame:
    """Implied y/y for the next `horizon` months if the seasonally adjusted level stays flat.

    Projected level of month f = last adjusted level × seasonal factor of the same calendar month
    in the last available year × holiday factor of f (from the estimated New Year coefficients
    and f's own New Year date: the holiday moves, so last year's factor would be wrong).
    implied y/y = projected / level of f−12 − 1; for January/February when the base year was
    published as combined Jan-Feb, projected Jan+Feb over base Jan+Feb (``basis`` column).

    Label rule: the base month b = f−12 is a "high base" if its own y/y exceeds the median y/y of
    the 12 months before it (b−12 … b−1) by more than `threshold_pp`, a "low base" if it falls
    short by more than `threshold_pp`, "normal" otherwise ("n/a" without 6 months of history).
    Where a combined Jan-Feb is involved, the combined Jan-Feb y/y stands for both months.
    Horizons up to 12 months (the base must be observed).
    """
    if not 1 <= horizon <= 12:
        raise ValueError("horizon must be between 1 and 12 months")
    split, years, genuine = _prepared(levels)
    if sa is None:
        sa = seasonally_adjust(levels)
    adjusted = sa.adjusted.reindex(split.index)
    seasonal = sa.seasonal.reindex(split.index)
    last = adjusted.last_valid_index()
    yoy = _comparable_yoy(split, genuine)
    future = pd.period_range(last + 1, periods=horizon + 1, freq="M")  # +1: a trailing Feb
    holiday = sa.holiday_for(future)
    # same calendar month in the last available year: f − 12k with k = ceil((f − last) / 12)
    same_month = [f - 12 * -(-(f - last).n // 12) for f in future]
    factors = [seasonal[m] * holiday[f] for f, m in zip(future, same_month, strict=True)]
    projected = pd.Series(adjusted[last] * np.array(factors), index=future)
    rows = []
    for f, m in zip(future[:horizon], same_month[:horizon], strict=True):
        base = f - 12
        history = yoy.loc[base - 12 : base - 1].dropna()
        median = float(history.median()) if len(history) >= 6 else np.nan
        base_yoy = float(yoy.get(base, np.nan))
        gap = base_yoy - median
        if np.isnan(gap):
            label = "n/a"
        elif gap > threshold_pp:
            label = "high base"
        elif gap < -threshold_pp:
            label = "low base"
        else:
            label = "normal"
        if _combined_base(f, years):
            pair = [pd.Period(f"{f.year}-01", "M"), pd.Period(f"{f.year}-02", "M")]
            level = [projected.get(p, split.get(p, np.nan)) for p in pair]
            implied = 100 * (sum(level) / (split[pair[0] - 12] + split[pair[1] - 12]) - 1)
            basis = "Jan-Feb combined"
        else:
            implied, basis = 100 * (projected[f] / split[base] - 1), "month"
        rows.append(
            {
                "base_month": base,
                "base_level_usd": split[base],
                "base_yoy": base_yoy,
                "base_median_yoy": median,
                "base_gap_pp": gap,
                "base_label": label,
                "seasonal_factor": seasonal[m],
                "holiday_factor": holiday[f],
                "projected_level_usd": projected[f],
                "base_effect": implied,
                "basis": basis,
            }
        )
    out = pd.DataFrame(rows, index=future[:horizon])
    out.index.name = "period"
    out.attrs["note"] = (
        f"Implied y/y if the seasonally adjusted level stays at its {last} value. {sa.note}"
    )
    return out


# --------------------------------------------------------------------------------------------
# Models


def _bridge_design(yoy: pd.Series, last_yoy: pd.Series, features: pd.DataFrame) -> pd.DataFrame:
    design = features.reindex(yoy.index).copy()
    design["lag_yoy_pct"] = last_yoy.reindex(yoy.index).shift(1)
    design.insert(0, "const", 1.0)
    return design


def _bridge_forecasts(
    yoy: pd.Series,
    last_yoy: pd.Series,
    genuine: pd.Series,
    features: pd.DataFrame,
    origin: pd.Period,
    available_through,
    steps: int,
    holiday_d12: pd.DataFrame | None = None,
    lag_effect: pd.Series | None = None,
) -> np.ndarray:
    """Bridge forecasts of y/y for origin+1 … origin+steps (NaN if it cannot be fitted).

    `available_through`: a month or a Vintage (`_available`). Indicators with no value for a
    target month (beyond the carry limit: stopped, or published too late) are left out at this
    origin. With `holiday_d12` (the ARX model) the 12-month differences of the New Year
    regressors enter the regression too; with `lag_effect` (log points by month,
    ``lag_holiday_effects``) the lagged y/y is New-Year-adjusted (``holiday_adjusted_yoy``), also
    when iterated on a forecast, so February's holiday swing is not carried into March."""
    import statsmodels.api as sm

    if lag_effect is not None:
        last_yoy = holiday_adjusted_yoy(last_yoy, lag_effect)

    hist = yoy.loc[:origin]
    index = pd.period_range(hist.index[0], origin + steps, freq="M")
    feats = _available(features, available_through, index)
    feats = feats.loc[:, feats.loc[origin + 1 :].notna().all().to_numpy()]
    if holiday_d12 is not None:
        feats = pd.concat([holiday_d12.reindex(index).add_prefix("d12_"), feats], axis=1)
    if lag_effect is not None and ARX_BASE_TERM:
        feats = feats.assign(base_pp=base_effect_term(last_yoy.loc[:origin], index))
    design = _bridge_design(hist.reindex(index), last_yoy.loc[:origin], feats)
    train = design.index <= origin
    rows = train & design.notna().all(axis=1).to_numpy() & hist.reindex(index).notna().to_numpy()
    rows &= genuine.reindex(index, fill_value=True).to_numpy()
    if rows.sum() < design.shape[1] + 10:
        return np.full(steps, np.nan)
    beta = sm.OLS(hist.reindex(index)[rows], design[rows]).fit().params.to_numpy()
    out, lag = [], last_yoy[origin]
    for step in range(1, steps + 1):
        x = design.loc[origin + step].to_numpy().copy()
        x[-1] = lag
        value = float(x @ beta)
        out.append(value)
        lag = value
        if lag_effect is not None:
            effect = lag_effect.get(origin + step, np.nan)
            lag = 100 * ((1 + value / 100) * np.exp(-effect) - 1) if np.isfinite(effect) else value
    return np.array(out)


def base_effect_term(yoy: pd.Series, index: pd.PeriodIndex) -> pd.Series:
    """Base effect of month t, on `index`: y_{t-12} - y_{t-13}, the change of y/y a year
    earlier (a jump a year ago tends to be reversed in this year's y/y); needs only months up to
    12 before t, so it is known at an origin for horizons up to 12."""
    y = yoy.reindex(pd.period_range(index[0] - 13, index[-1], freq="M"))
    return (y.shift(12) - y.shift(13)).reindex(index).rename("base_pp")


def _arx_direct_forecasts(
    yoy: pd.Series,
    adjusted: pd.Series,
    genuine: pd.Series,
    features: pd.DataFrame,
    origin: pd.Period,
    available_through,
    steps: int,
    holiday_d12: pd.DataFrame,
) -> np.ndarray:
    """Direct ARX forecasts of y/y for origin+1 … origin+steps (NaN where one cannot be fitted).

    One OLS per horizon s: y_t on a constant, the New-Year-adjusted y/y of t−s (`adjusted`, known
    at the origin), the holiday differences and the base-effect term of t, and each indicator of
    month t−s+1 (at the origin the indicators reach origin+1 at best: PMI and Korea's trade
    are out before GAC's release). At s = 1 this is the iterated ARX's first step; further ahead
    the stale indicators and the lag get their own coefficients instead of being iterated."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import SingularMatrixWarning

    hist = yoy.loc[:origin]
    index = pd.period_range(hist.index[0], origin + steps, freq="M")
    feats = _available(features, available_through, index)
    lagged = adjusted.loc[:origin].reindex(index)
    target = hist.reindex(index)
    fixed = pd.concat([holiday_d12.reindex(index).add_prefix("d12_"),
                       base_effect_term(adjusted.loc[:origin], index)], axis=1)  # fmt: skip
    single = genuine.reindex(index, fill_value=True).to_numpy()
    out = np.full(steps, np.nan)
    for s in range(1, steps + 1):
        shifted = feats.shift(s - 1)
        shifted = shifted.loc[:, shifted.loc[origin + s :].notna().all().to_numpy()]
        design = pd.concat([fixed, shifted], axis=1)
        design["lag_yoy_pct"] = lagged.shift(s)
        design.insert(0, "const", 1.0)
        rows = (design.index <= origin) & design.notna().all(axis=1).to_numpy()
        rows &= target.notna().to_numpy() & single
        if rows.sum() < design.shape[1] + 10:
            continue
        with warnings.catch_warnings():  # early short windows: the two holiday columns can
            warnings.simplefilter("ignore", SingularMatrixWarning)  # coincide (pinv solves it)
            beta = sm.OLS(target[rows], design[rows]).fit().params.to_numpy()
        out[s - 1] = float(design.loc[origin + s].to_numpy() @ beta)
    return out


def _factor_loadings(features: pd.DataFrame, rows: pd.PeriodIndex) -> tuple:
    """(means, stds, loadings) of the first principal component of the standardised features."""
    f = features.reindex(rows).dropna(how="all")
    if len(f) < 12:
        raise ValueError("the indicators overlap the trade data by fewer than 12 months")
    mean, std = f.mean(), f.std(ddof=0).replace(0.0, 1.0)
    z = ((f - mean) / std).fillna(0.0).to_numpy()
    _, _, vt = np.linalg.svd(z, full_matrices=False)
    loading = vt[0] * np.sign(vt[0].sum() or 1.0)  # sign is arbitrary: make the sum positive
    return mean, std, loading


def _factor(features: pd.DataFrame, pca: tuple) -> pd.DataFrame:
    mean, std, loading = pca
    z = ((features - mean) / std).fillna(0.0)
    return pd.DataFrame({"indicator_factor": z.to_numpy() @ loading}, index=features.index)


def _sarimax_exog(index: pd.PeriodIndex, features: pd.DataFrame | None, pca) -> pd.DataFrame:
    """New Year regressors, plus the seasonal running sum of the indicator factor if given."""
    exog = cny_regressors(index)
    if features is not None:
        exog = pd.concat([exog, _seasonal_sum(_factor(features, pca)).set_axis(index)], axis=1)
    return exog


def _sarimax_model(endog: pd.Series, exog: pd.DataFrame, concentrate_scale: bool = True):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    order, seasonal_order = SARIMA_ORDER
    model = SARIMAX(
        endog.to_numpy(),
        exog=exog.to_numpy(),
        order=order,
        seasonal_order=seasonal_order,
        trend="n",
        concentrate_scale=concentrate_scale,
    )
    model.initialize_approximate_diffuse(1e6)
    return model


def _log_endog(split: pd.Series, years: list[int]) -> pd.Series:
    """Log levels with split Jan/Feb months set to NaN (SARIMAX skips them)."""
    idx = split.index
    split_months = np.isin(idx.year, years) & np.isin(idx.month, [1, 2])
    return np.log(split).mask(split_months)


def _sarimax_fit(
    log_endog: pd.Series,
    features: pd.DataFrame | None,
    origin: pd.Period,
    available_through: pd.Period | None,
    steps: int,
    state: dict | None = None,
    refit: bool = True,
):
    """Fit (or, with refit=False, re-filter with the parameters in `state`) the SARIMAX on data
    up to `origin`. Returns (results, future exog for `steps` months, new state)."""
    endog = log_endog.loc[:origin]
    index = pd.period_range(endog.index[0], origin + steps, freq="M")
    feats = None
    if features is not None:
        feats = _available(features, available_through, index)
        if refit or state is None:
            pca = _factor_loadings(feats, index[index <= _month(available_through)])
        else:
            pca = state["pca"]
    else:
        pca = None
    exog = _sarimax_exog(index, feats, pca)
    model = _sarimax_model(endog, exog.iloc[: len(endog)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if refit or state is None:
            start = state["params"] if state is not None else None
            res = model.fit(start_params=start, disp=False, maxiter=200, cov_type="none")
        else:
            res = model.filter(state["params"], cov_type="none")
    return res, exog.iloc[len(endog) :].to_numpy(), {"params": res.params, "pca": pca}


def _fixed(matrix: np.ndarray) -> np.ndarray:
    """A time-invariant state-space matrix (statsmodels keeps a trailing time axis if any)."""
    return matrix[:, :, 0] if matrix.ndim == 3 else matrix


def _sarimax_block_forecasts(
    log_endog: pd.Series,
    features: pd.DataFrame | None,
    origins: pd.PeriodIndex,
    indicator_lead: int,
    steps: int,
    refit_every: int,
    through_of: Callable | None = None,
) -> dict[pd.Period, tuple[np.ndarray, np.ndarray]]:
    """SARIMAX forecasts of log levels from each origin: {origin: (means, variances)}.

    Parameters (and the scale) are estimated at the first origin of each block of
    `refit_every` origins; one Kalman filter pass with those fixed parameters over the data to
    the block's last origin then gives the filtered state at every origin of the block, and the
    forecasts are iterated from it by hand (the filtered state at T uses data up to T only, so
    this equals re-filtering at each origin, at a fraction of the cost).
    """
    out: dict[pd.Period, tuple[np.ndarray, np.ndarray]] = {}
    state = None
    if through_of is None:
        def through_of(origin):
            return origin + indicator_lead
    for b in range(0, len(origins), refit_every):
        block = origins[b : b + refit_every]
        first, last = block[0], block[-1]
        key = _block_key(log_endog, features, block, through_of(last), steps, state)
        cached = _cached_block(key, block)
        if cached is not None:  # same data, same code: last month's build already fitted it
            paths, state = cached
            out.update(paths)
            continue
        res, _, state = _sarimax_fit(
            log_endog, features, first, through_of(first), steps, state, refit=True
        )
        params = np.r_[res.params, res.scale]
        endog = log_endog.loc[:last]
        index = pd.period_range(endog.index[0], last + steps, freq="M")
        feats = None
        if features is not None:
            feats = _available(features, through_of(last), index)
        exog = _sarimax_exog(index, feats, state["pca"])
        model = _sarimax_model(endog, exog.iloc[: len(endog)], concentrate_scale=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            filtered = model.filter(params, cov_type="none")
        ssm = model.ssm
        design, transition = _fixed(ssm["design"]), _fixed(ssm["transition"])
        selection, state_cov = _fixed(ssm["selection"]), _fixed(ssm["state_cov"])
        obs_cov = float(_fixed(ssm["obs_cov"])[0, 0])
        rqr = selection @ state_cov @ selection.T
        beta = params[: exog.shape[1]]
        for origin in block:
            t = len(endog.loc[:origin]) - 1
            # future exog as known at this origin (indicators carried forward from origin+lead)
            future_index = pd.period_range(endog.index[0], origin + steps, freq="M")
            feats_o = (
                None
                if features is None
                else _available(features, through_of(origin), future_index)
            )
            x_future = _sarimax_exog(future_index, feats_o, state["pca"]).to_numpy()[t + 1 :]
            a = filtered.filtered_state[:, t].copy()
            p = filtered.filtered_state_cov[:, :, t].copy()
            means, variances = np.empty(steps), np.empty(steps)
            for j in range(steps):
                a = transition @ a
                p = transition @ p @ transition.T + rqr
                means[j] = float((design @ a)[0]) + float(x_future[j] @ beta)
                variances[j] = float((design @ p @ design.T)[0, 0]) + obs_cov
            out[origin] = (means, variances)
        _keep_block(key, block, out, state)
    return out


@cache
def _code_digest() -> str:
    """sha256 of the code and library versions behind a fit: a change to either refits."""
    import statsmodels

    from helpers import seasonal

    sources = [Path(__file__).read_bytes(), Path(seasonal.__file__).read_bytes()]
    return cache_mod.key_of(*sources, statsmodels.__version__, np.__version__, pd.__version__)


def _block_key(log_endog: pd.Series, features: pd.DataFrame | None, block: pd.PeriodIndex,
               through, steps: int, state: dict | None) -> str:  # fmt: skip
    """Cache key of one block of SARIMAX forecasts: everything the block's fit and filter see
    (data to its last origin, indicators known by then, the previous block's parameters, which
    start the fit) and the code."""
    last = block[-1]
    endog = log_endog.loc[:last]
    label = through.date.isoformat() if isinstance(through, Vintage) else str(through - last)
    parts = [_code_digest(), repr((SARIMA_ORDER, label, steps)),
             np.asarray(block.asi8).tobytes(), np.asarray(endog.index.asi8).tobytes(),
             endog.to_numpy(dtype=float).tobytes(),
             b"" if state is None else np.asarray(state["params"], float).tobytes()]  # fmt: skip
    if features is not None:
        known = _known(features, through)
        parts += ["|".join(map(str, known.columns)), np.asarray(known.index.asi8).tobytes(),
                  known.to_numpy(dtype=float).tobytes()]  # fmt: skip
    return cache_mod.key_of(*parts)


def _cached_block(key: str, block: pd.PeriodIndex):
    """({origin: (means, variances)}, state) of a cached block, or None. The state carries the
    parameters only: the next block starts its fit from them and re-derives the factor."""
    found = cache_mod.get_arrays("sarimax", key)
    if found is None or len(found["means"]) != len(block):
        return None
    paths = {o: (found["means"][i], found["variances"][i]) for i, o in enumerate(block)}
    return paths, {"params": found["params"], "pca": None}


def _keep_block(key: str, block: pd.PeriodIndex, out: dict, state: dict) -> None:
    cache_mod.put_arrays("sarimax", key, {
        "means": np.stack([out[o][0] for o in block]),
        "variances": np.stack([out[o][1] for o in block]),
        "params": np.asarray(state["params"], dtype=float),
    })  # fmt: skip


# --------------------------------------------------------------------------------------------
# Backtest


def _default_start(split: pd.Series) -> pd.Period:
    return split.index[0] + 60


def _holiday_diffs(index: pd.PeriodIndex) -> pd.DataFrame:
    """12-month differences of the New Year regressors on `index` (computed beyond its start)."""
    wide = pd.period_range(index[0] - 12, index[-1], freq="M")
    regs = cny_regressors(wide)
    return (regs - regs.shift(12)).reindex(index)


def _holiday_beta(
    log_levels: pd.Series, genuine: pd.Series, holiday_d12: pd.DataFrame, origin: pd.Period
) -> np.ndarray | None:
    """New Year coefficients β (log points per unit of each regressor) known at `origin`.

    OLS slope of (1-B)(1-B^12) log X on the same differences of the regressors, over months up
    to `origin` where the month and the month before are genuine single months (None with fewer
    than 24 such months). Shared by ``rw_holiday`` and the ARX's holiday-adjusted lag."""
    logs = log_levels.loc[:origin]
    dd = (logs - logs.shift(12)).diff()
    dreg = holiday_d12.reindex(logs.index).diff()
    ok = dd.notna() & dreg.notna().all(axis=1) & genuine.reindex(logs.index).to_numpy()
    ok &= genuine.reindex(logs.index).shift(1, fill_value=False).to_numpy()
    if ok.sum() < 24:
        return None
    beta, *_ = np.linalg.lstsq(dreg[ok].to_numpy(), dd[ok].to_numpy(), rcond=None)
    return beta


def holiday_adjusted_yoy(yoy: pd.Series, effect: pd.Series) -> pd.Series:
    """y/y (pct) with the New Year effect removed: 100·((1 + y/100)·exp(−e) − 1), where e
    (`effect`, log points, same index) is the month's holiday effect on its log y/y (dR12·β);
    a NaN effect leaves the month as it is."""
    e = effect.reindex(yoy.index).fillna(0.0).to_numpy()
    return 100 * ((1 + yoy / 100) * np.exp(-e) - 1)


def lag_holiday_effects(
    holiday_d12: pd.DataFrame, beta: np.ndarray, genuine: pd.Series
) -> pd.Series:
    """Holiday effect (log points) on each month's comparable y/y (``_comparable_yoy``):
    dR12_t·β for a single month; in January and February whose comparable rate is the combined
    January-February y/y (`genuine` False) the mean of that year's January and February effects
    (the combined rate carries about the average of the two). Months beyond `genuine` (future
    targets) count as single months."""
    effect = pd.Series(holiday_d12.to_numpy() @ np.asarray(beta, float), index=holiday_d12.index)
    single = genuine.reindex(effect.index, fill_value=True).to_numpy(dtype=bool)
    idx = effect.index
    janfeb = effect.where(np.isin(idx.month, [1, 2]))
    mean = janfeb.groupby(idx.year).transform("mean")
    return effect.where(single, mean)


def _rw_holiday_forecasts(
    log_levels: pd.Series,
    genuine: pd.Series,
    holiday_d12: pd.DataFrame,
    origin: pd.Period,
    steps: int,
    months: int = 1,
) -> np.ndarray:
    """Random walk on New-Year-adjusted y/y: forecasts of y/y (pct) for origin+1 … origin+steps.

    β is the OLS slope of the seasonal-and-first-differenced log levels, (1-B)(1-B^12) log X, on
    the same differences of the regressors (months up to `origin`, genuine single months only).
    The adjusted log y/y a_t = log X_t - log X_{t-12} - dR12_t·β of the last `months` genuine
    months is averaged and carried forward; the forecast adds back the target's own holiday
    difference: log y/y_{T+h} = mean(a) + dR12_{T+h}·β.
    """
    beta = _holiday_beta(log_levels, genuine, holiday_d12, origin)
    if beta is None:
        return np.full(steps, np.nan)
    logs = log_levels.loc[:origin]
    d12 = logs - logs.shift(12)
    reg = holiday_d12.reindex(logs.index)
    adjusted = (d12 - reg.to_numpy() @ beta)[genuine.reindex(logs.index).to_numpy()].dropna()
    if adjusted.empty:
        return np.full(steps, np.nan)
    level = float(adjusted.iloc[-months:].mean())
    targets = pd.period_range(origin + 1, periods=steps, freq="M")
    return 100 * (np.exp(level + holiday_d12.reindex(targets).to_numpy() @ beta) - 1)


def _empirical_bands(out: pd.DataFrame, min_errors: int = MIN_BAND_ERRORS) -> pd.DataFrame:
    """Fill missing bands from each model's own past errors at the same horizon.

    For a forecast made at origin T, the errors (forecast - actual) of the same model and
    horizon whose target is at most T (so known at T) give the quantiles: the 80% band is
    [f - q90(e), f - q10(e)], the 95% band [f - q97.5(e), f - q2.5(e)]. Needs `min_errors`
    past errors; otherwise the band stays NaN.
    """
    out = out.copy()
    columns = ["lo95_pct", "lo80_pct", "hi80_pct", "hi95_pct"]
    for _, group in out.groupby(["model", "horizon"]):
        if group["lo80_pct"].notna().all():
            continue
        known = group[group["scored"] & group["error_pp"].notna()].sort_values("target")
        targets = known["target"].to_numpy()
        errors = known["error_pp"].to_numpy()
        counts = np.searchsorted(targets, group["origin"].to_numpy(), side="right")
        missing = group["lo80_pct"].isna().to_numpy()
        values = group[columns].to_numpy(dtype=float, copy=True)
        forecasts = group["forecast_pct"].to_numpy()
        for i in np.flatnonzero(missing & (counts >= min_errors)):
            q = np.quantile(errors[: counts[i]], [0.975, 0.9, 0.1, 0.025])
            values[i] = forecasts[i] - q
        out.loc[group.index, columns] = values
    return out


def backtest_forecasts(
    levels: pd.Series,
    indicators: pd.DataFrame | None = None,
    start: pd.Period | str | None = None,
    models: Iterable[str] = ("bridge", "sarimax"),
    horizons: Iterable[int] = (1,),
    refit_every: int = 12,
    indicator_lead: int = 1,
    end: pd.Period | str | None = None,
    warmup: int = BAND_WARMUP_MONTHS,
    published: pd.DataFrame | None = None,
    releases: pd.Series | None = None,
    actuals: pd.Series | None = None,
) -> pd.DataFrame:
    """Expanding-window pseudo-out-of-sample forecasts of export y/y (long table).

    With `published` (the indicators' publication dates, same shape as `indicators`), every
    origin T uses only the indicator values published by the day before GAC's release of T+1
    (`origin_dates`, from `releases`: month -> release date; a value is carried forward at most
    MAX_CARRY_MONTHS), instead of `indicator_lead`. With `actuals` (first-released y/y, pct, by
    month), every model is scored against them: targets from their first month on without a
    single-month first print (a combined Jan-Feb release) are not scored.

    `start` and `end` bound the *target* months scored (default: 60 months after the first
    month, and the last month), so every horizon is scored on the same months. Forecasts are
    made from every origin T from `warmup` months before the first origin needed (for the
    past errors that give the benchmarks' and the combination's bands) up to min(end, last)-1,
    except a January published only combined with February (no release to forecast from).
    Every model sees levels up to T and indicators up to T + `indicator_lead` (PMIs come out
    before the trade data; later months carry the last value forward) and forecasts y/y for
    T+h. The SARIMAX models re-estimate their parameters every `refit_every` origins and only
    re-filter with fixed parameters in between (for speed).

    Columns: origin, target, horizon, model, forecast_pct, actual_pct, error_pp (forecast -
    actual), lo80_pct, hi80_pct, lo95_pct, hi95_pct (SARIMAX: its prediction intervals;
    other models: `_empirical_bands`), scored (False where the target's y/y is not a genuine
    single-month rate), in_window (target within start..end).
    """
    models = list(models)
    horizons = sorted(set(horizons))
    unknown = set(models) - set(MODELS) - set(EXTRA_MODELS)
    if unknown:
        raise ValueError(f"unknown models {sorted(unknown)}; choose from {MODELS + EXTRA_MODELS}")
    needs_ind = {"bridge", "sarimax_x", "arx", "combo_arx"} & set(models)
    if needs_ind and indicators is None:
        raise ValueError(f"models {sorted(needs_ind)} need indicators")
    if "combo" in models and not {"sarimax", "rw_holiday"} <= set(models):
        models = [*models, *(m for m in ("sarimax", "rw_holiday") if m not in models)]
    if "combo_arx" in models and not {"arx", "sarimax", "rw_holiday"} <= set(models):
        models = [*models, *(m for m in ("arx", "sarimax", "rw_holiday") if m not in models)]
    split, years, genuine = _prepared(levels)
    yoy = yoy_pct(split)
    last_yoy = _comparable_yoy(split, genuine)
    features = indicator_features(indicators) if indicators is not None else None
    log_endog = _log_endog(split, years)
    start = _default_start(split) if start is None else pd.Period(start, freq="M")
    last = split.index[-1]
    end = last if end is None else min(pd.Period(end, freq="M"), last)
    steps = max(horizons)
    earliest = split.index[0] + 24
    first_needed = max(start - steps, earliest)
    origins = pd.period_range(max(first_needed - warmup, earliest), end - 1, freq="M")
    # a January published only with February was never released on its own
    origins = origins[~((origins.month == 1) & np.isin(origins.year, years))]
    if (origins >= first_needed).sum() < 12:
        raise ValueError("backtest needs at least 12 forecast origins: choose an earlier start")
    rolling12 = split.rolling(12).sum()
    holiday_d12 = _holiday_diffs(split.index.append(pd.period_range(last + 1, periods=steps)))
    log_split = np.log(split)
    combo_warm = bool({"combo", "combo_arx"} & set(models))
    expensive_origins = origins if combo_warm else origins[origins >= first_needed]
    dates = origin_dates(origins, releases) if published is not None else None
    feature_dates = feature_publication(published) if published is not None else None

    def through_of(origin: pd.Period):
        """What the models may know at `origin` (a month, or a Vintage with dates)."""
        if dates is None:
            return origin + indicator_lead
        return Vintage(dates[origin], feature_dates)

    sarimax_paths = {
        name: _sarimax_block_forecasts(
            log_endog,
            features if name == "sarimax_x" else None,
            expensive_origins,
            indicator_lead,
            steps,
            refit_every,
            through_of,
        )
        for name in ("sarimax", "sarimax_x")
        if name in models
    }
    first_print = None if actuals is None or actuals.empty else actuals.index.min()

    def actual_of(target: pd.Period) -> float:
        """The y/y a forecast of `target` is scored against (first print where held)."""
        if first_print is not None and target >= first_print:
            return float(actuals.get(target, np.nan))
        return float(yoy[target])

    def scored_of(target: pd.Period) -> bool:
        """Whether `target` is scored: a genuine single-month rate (and first print)."""
        if first_print is not None and target >= first_print:
            return bool(target in actuals.index and np.isfinite(actuals[target]))
        return bool(genuine[target])

    rows = []
    for origin in origins:
        through = through_of(origin)
        preds: dict[str, np.ndarray] = {
            "random_walk": np.repeat(last_yoy[origin], steps),
            "seasonal_naive": np.repeat(
                100 * (rolling12[origin] / rolling12.get(origin - 12, np.nan) - 1), steps
            ),
        }
        bands: dict[str, np.ndarray] = {}
        if "rw_holiday" in models:
            preds["rw_holiday"] = _rw_holiday_forecasts(
                log_split, genuine, holiday_d12, origin, steps, RW_HOLIDAY_MONTHS
            )
        expensive = origin >= first_needed or combo_warm
        if "bridge" in models and expensive:
            preds["bridge"] = _bridge_forecasts(
                yoy, last_yoy, genuine, features, origin, through, steps
            )
        for name, paths in sarimax_paths.items():
            if origin not in paths:
                continue
            means, variances = paths[origin]
            targets = pd.period_range(origin + 1, periods=steps, freq="M")
            base = split.reindex(targets - 12).to_numpy()
            preds[name] = 100 * (np.exp(means) / base - 1)
            sd = np.sqrt(variances)
            edges = np.column_stack([means + z * sd for z in (-Z80, Z80, -Z95, Z95)])
            bands[name] = 100 * (np.exp(edges) / base[:, None] - 1)
        if "arx" in models and expensive:
            beta = _holiday_beta(log_split, genuine, holiday_d12, origin)
            lag_effect = None if beta is None else lag_holiday_effects(holiday_d12, beta, genuine)
            preds["arx"] = _bridge_forecasts(
                yoy, last_yoy, genuine, features, origin, through, steps, holiday_d12, lag_effect
            )
            if ARX_DIRECT and lag_effect is not None and steps > 1:
                direct = _arx_direct_forecasts(
                    yoy, holiday_adjusted_yoy(last_yoy, lag_effect), genuine, features, origin,
                    through, steps, holiday_d12,
                )  # fmt: skip
                preds["arx"][1:] = direct[1:]
        if "combo" in models:
            preds["combo"] = (preds["sarimax"] + preds["rw_holiday"]) / 2
        if "combo_arx" in models:
            preds["combo_arx"] = (preds["arx"] + preds["sarimax"] + preds["rw_holiday"]) / 3
        for h in horizons:
            target = origin + h
            if target > end:
                continue
            for name, values in preds.items():
                band = bands.get(name, np.full((steps, 4), np.nan))[h - 1]
                rows.append(
                    {
                        "origin": origin,
                        "target": target,
                        "horizon": h,
                        "model": name,
                        "forecast_pct": float(values[h - 1]),
                        "actual_pct": actual_of(target),
                        "lo80_pct": band[0],
                        "hi80_pct": band[1],
                        "lo95_pct": band[2],
                        "hi95_pct": band[3],
                        "scored": scored_of(target),
                        "in_window": bool(start <= target <= end),
                    }
                )
    out = pd.DataFrame(rows)
    out["error_pp"] = out["forecast_pct"] - out["actual_pct"]
    out = _empirical_bands(out)
    return out[out["in_window"]].reset_index(drop=True)


def _dm_pvalue(e_model: np.ndarray, e_bench: np.ndarray, h: int) -> float:
    """Two-sided Diebold-Mariano p-value (squared loss, HLN small-sample correction)."""
    from scipy import stats

    d = e_model**2 - e_bench**2
    n = len(d)
    if n < 5 or np.allclose(d, 0):
        return np.nan
    dc = d - d.mean()
    var = dc @ dc / n
    for lag in range(1, h):
        var += 2 * (dc[lag:] @ dc[:-lag]) / n
    if var <= 0:
        return np.nan
    stat = d.mean() / np.sqrt(var / n)
    stat *= np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    return float(2 * stats.t.sf(abs(stat), df=n - 1))


def _coverage(group: pd.DataFrame, level: str) -> tuple[float, int]:
    """Share of outcomes inside the `level` ("80"/"95") band, over rows that have a band."""
    lo, hi = group[f"lo{level}_pct"], group[f"hi{level}_pct"]
    has = lo.notna() & hi.notna()
    inside = (group["actual_pct"] >= lo) & (group["actual_pct"] <= hi)
    return (float(inside[has].mean()) if has.any() else np.nan), int(has.sum())


def summarise_backtest(forecasts: pd.DataFrame, consensus: pd.Series | None = None) -> pd.DataFrame:
    """Accuracy table from `backtest_forecasts` output, on targets every model forecast.

    Adds coverage80/coverage95: the share of scored outcomes that fell inside the model's 80%
    and 95% bands (n_coverage rows had a band; NaN when none had). With `consensus` (y/y pct by
    target month): rmse_ratio_consensus, each model's RMSE over the consensus's on the
    scored months where the consensus exists (n_consensus of them), against the same actuals;
    and at horizon 1 a "consensus" row (its n, RMSE, MAE and ratios on those months).
    """
    scored = forecasts[forecasts["scored"]].dropna(subset=["error_pp"])
    rows = []
    for h, group in scored.groupby("horizon"):
        wide = group.pivot_table(index="target", columns="model", values="error_pp")
        wide = wide.dropna()
        common = group[group["target"].isin(wide.index)]
        rmse = np.sqrt((wide**2).mean())
        mae = wide.abs().mean()
        versus = _versus_consensus(wide, common, consensus)
        for name in wide.columns:
            own = common[common["model"] == name]
            coverage80, n_coverage = _coverage(own, "80")
            coverage95, _ = _coverage(own, "95")
            rows.append(
                {
                    "model": name,
                    "horizon": int(h),
                    "n": len(wide),
                    "rmse": rmse[name],
                    "mae": mae[name],
                    "rmse_ratio_random_walk": rmse[name] / rmse["random_walk"],
                    "mae_ratio_random_walk": mae[name] / mae["random_walk"],
                    "rmse_ratio_seasonal_naive": rmse[name] / rmse["seasonal_naive"],
                    "beats_random_walk": bool(rmse[name] < rmse["random_walk"]),
                    "beats_seasonal_naive": bool(rmse[name] < rmse["seasonal_naive"]),
                    "dm_pvalue_random_walk": _dm_pvalue(
                        wide[name].to_numpy(), wide["random_walk"].to_numpy(), int(h)
                    ),
                    "coverage80": coverage80,
                    "coverage95": coverage95,
                    "n_coverage": n_coverage,
                    "rmse_ratio_consensus": versus["ratio"].get(name, np.nan),
                    "n_consensus": versus["n"],
                }
            )
        if versus["n"] and int(h) == 1:
            rows.append(versus["row"])
    out = pd.DataFrame(rows)
    order = (*MODELS, *EXTRA_MODELS, *BENCHMARKS, "consensus")
    rank = out["model"].map({name: i for i, name in enumerate(order)})
    out = out.assign(_rank=rank).sort_values(["horizon", "_rank"]).drop(columns="_rank")
    return out.reset_index(drop=True)


def _versus_consensus(wide: pd.DataFrame, common: pd.DataFrame,
                      consensus: pd.Series | None) -> dict:  # fmt: skip
    """Errors of every model against the consensus's on the months the consensus exists.

    `wide`: errors (forecast - actual) by target x model; `common`: the long rows behind it (for
    the actuals). Returns {"n": months, "ratio": {model: rmse / consensus rmse}, "row": the
    consensus's own summary row at horizon 1}."""
    empty = {"n": 0, "ratio": {}, "row": None}
    if consensus is None or consensus.empty or wide.empty:
        return empty
    actual = common.drop_duplicates("target").set_index("target")["actual_pct"]
    cons = pd.Series(consensus.to_numpy(float), index=pd.PeriodIndex(consensus.index, freq="M"))
    error = cons.reindex(pd.PeriodIndex(wide.index, freq="M")).to_numpy() - actual.reindex(
        wide.index).to_numpy()  # fmt: skip
    mask = np.isfinite(error)
    n = int(mask.sum())
    if n == 0:
        return empty
    on = wide[mask]
    rmse_c = float(np.sqrt(np.mean(error[mask] ** 2)))
    mae_c = float(np.mean(np.abs(error[mask])))
    rmse = np.sqrt((on**2).mean())
    mae = on.abs().mean()
    ratio = (rmse / rmse_c).to_dict()
    row = {"model": "consensus", "horizon": 1, "n": n, "rmse": rmse_c, "mae": mae_c,
           "rmse_ratio_random_walk": rmse_c / rmse["random_walk"],
           "mae_ratio_random_walk": mae_c / mae["random_walk"],
           "rmse_ratio_seasonal_naive": rmse_c / rmse["seasonal_naive"],
           "beats_random_walk": bool(rmse_c < rmse["random_walk"]),
           "beats_seasonal_naive": bool(rmse_c < rmse["seasonal_naive"]),
           "dm_pvalue_random_walk": _dm_pvalue(error[mask], on["random_walk"].to_numpy(), 1),
           "coverage80": np.nan, "coverage95": np.nan, "n_coverage": 0,
           "rmse_ratio_consensus": 1.0, "n_consensus": n}  # fmt: skip
    return {"n": n, "ratio": ratio, "row": row}


def backtest(
    levels: pd.Series,
    indicators: pd.DataFrame | None = None,
    start: pd.Period | str | None = None,
    models: Iterable[str] = ("bridge", "sarimax"),
    horizons: Iterable[int] = (1,),
    refit_every: int = 12,
    indicator_lead: int = 1,
    end: pd.Period | str | None = None,
    published: pd.DataFrame | None = None,
    releases: pd.Series | None = None,
    actuals: pd.Series | None = None,
    consensus: pd.Series | None = None,
) -> pd.DataFrame:
    """Pseudo-out-of-sample accuracy of the nowcast models against the two benchmarks.

    `published`, `releases` and `actuals` as in ``backtest_forecasts`` (publication dates of
    the indicators, GAC's release dates, first-released y/y); `consensus` (y/y pct by month) adds
    rmse_ratio_consensus and a consensus row (``summarise_backtest``).

    One row per (model, horizon), benchmarks included: n (scored targets, the same for every
    model), rmse, mae, ratios vs random walk and seasonal naive (< 1 = better),
    beats_random_walk / beats_seasonal_naive (RMSE strictly lower), a Diebold-Mariano
    p-value vs the random walk, and the coverage of the 80% and 95% bands. The long table of
    forecasts is in ``.attrs["forecasts"]``. See ``backtest_forecasts`` for the design.
    """
    fc = backtest_forecasts(
        levels, indicators, start, models, horizons, refit_every, indicator_lead, end,
        published=published, releases=releases, actuals=actuals,
    )  # fmt: skip
    out = summarise_backtest(fc, consensus)
    out.attrs["forecasts"] = fc
    return out


def choose_model(table: pd.DataFrame, candidates: Iterable[str] = FAN_MODELS) -> str | None:
    """The fan chart's model: the candidate with the lowest mean RMSE ratio to the random walk
    over all horizons of the backtest `table` (one model for the whole path, so the fan is one
    consistent forecast). None if no candidate was backtested on every horizon."""
    if table is None or table.empty:
        return None
    horizons = table["horizon"].nunique()
    rows = table[table["model"].isin(list(candidates))]
    counts = rows.groupby("model")["horizon"].nunique()
    full = counts[counts == horizons].index
    if full.empty:
        return None
    score = rows[rows["model"].isin(full)].groupby("model")["rmse_ratio_random_walk"].mean()
    return str(score.idxmin())


# --------------------------------------------------------------------------------------------
# Forecast for a fan chart


def _combined_base(target: pd.Period, years: list[int]) -> bool:
    """True if a January/February target's base month was split from a combined Jan-Feb."""
    return target.month in (1, 2) and (target.year - 1) in years


def fan_candidates(levels: pd.Series, horizon: int) -> tuple[str, ...]:
    """The models that can draw the fan of the next `horizon` months after `levels`' last
    month: FAN_MODELS, or only the SARIMAX models when a target's base month was split from a
    combined Jan-Feb (`forecast_empirical` forecasts single months only)."""
    split, years, _ = _prepared(levels)
    targets = pd.period_range(split.index[-1] + 1, periods=horizon, freq="M")
    if any(_combined_base(target, years) for target in targets):
        return ("sarimax", "sarimax_x")
    return FAN_MODELS


def forecast(
    levels: pd.Series,
    indicators: pd.DataFrame | None = None,
    horizon: int = 6,
    model: str = "sarimax",
    n_sims: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Point forecast of export y/y with 80% and 95% intervals for the next `horizon` months.

    Columns FORECAST_COLUMNS (forecast_yoy, forecast_lo95, forecast_lo80, forecast_hi80,
    forecast_hi95: pct, the figure names), level_usd, base_level_usd and basis.

    model "sarimax" (New Year regressors only) or "sarimax_x" (plus the indicator factor; the
    indicators are used up to their last month and carried forward after). Intervals are the
    SARIMAX prediction intervals of log levels turned into y/y against the observed level 12
    months earlier (they omit parameter uncertainty); the point forecast is the median
    (exp of the log forecast). When the base year's January and February were published
    combined, a single-month y/y would compare with an arbitrary split, so those two rows show
    the combined Jan-Feb y/y (``basis`` = "Jan-Feb combined"), with its median and quantiles from
    `n_sims` simulated paths of the same model.
    """
    if model not in {"sarimax", "sarimax_x"}:
        raise ValueError("model must be 'sarimax' or 'sarimax_x'")
    if not 1 <= horizon <= 12:
        raise ValueError("horizon must be between 1 and 12 months")
    if model == "sarimax_x" and indicators is None:
        raise ValueError("model 'sarimax_x' needs indicators")
    split, years, _ = _prepared(levels)
    features = indicator_features(indicators) if model == "sarimax_x" else None
    through = features.index[-1] if features is not None else None
    origin = split.index[-1]
    targets = pd.period_range(origin + 1, periods=horizon, freq="M")
    steps = horizon + int(targets[-1].month == 1 and _combined_base(targets[-1], years))
    res, future_exog, _ = _sarimax_fit(_log_endog(split, years), features, origin, through, steps)
    fc = res.get_forecast(steps, exog=future_exog)
    months = pd.period_range(origin + 1, periods=steps, freq="M")
    base = split.reindex(months - 12).to_numpy()
    mean = np.asarray(fc.predicted_mean)
    out = pd.DataFrame(index=months)
    out[FORECAST_YOY] = 100 * (np.exp(mean) / base - 1)
    for (lo, hi), alpha in (((LO80, HI80), 0.2), ((LO95, HI95), 0.05)):
        ci = np.asarray(fc.conf_int(alpha=alpha))
        out[lo] = 100 * (np.exp(ci[:, 0]) / base - 1)
        out[hi] = 100 * (np.exp(ci[:, 1]) / base - 1)
    out["level_usd"] = np.exp(mean)
    out["base_level_usd"] = base
    out["basis"] = "month"
    combined_years = sorted({f.year for f in targets if _combined_base(f, years)})
    if combined_years:
        sims = res.simulate(
            steps, repetitions=n_sims, anchor="end", exog=future_exog, rng=seed
        ).reshape(steps, n_sims)
        paths = pd.DataFrame(np.exp(sims), index=months)
        for year in combined_years:
            jan, feb = pd.Period(f"{year}-01", "M"), pd.Period(f"{year}-02", "M")
            level = [paths.loc[m] if m in paths.index else split[m] for m in (jan, feb)]
            ratio = 100 * ((level[0] + level[1]) / (split[jan - 12] + split[feb - 12]) - 1)
            q = np.quantile(ratio, [0.5, 0.025, 0.1, 0.9, 0.975])
            rows = [m for m in (jan, feb) if m in out.index]
            out.loc[rows, list(FORECAST_COLUMNS)] = q
            out.loc[rows, "basis"] = "Jan-Feb combined"
    out = out.loc[targets, [*FORECAST_COLUMNS, "level_usd", "base_level_usd", "basis"]]
    out.index.name = "period"
    out.attrs["note"] = (
        "SARIMAX (0,1,1)(0,1,1)12 on log levels with Chinese New Year regressors"
        f"{' and a leading-indicator factor' if features is not None else ''}; 80%/95% bands "
        "from the model's prediction intervals (parameter uncertainty not included)."
    )
    return out


def forecast_empirical(
    levels: pd.Series,
    errors: pd.DataFrame,
    horizon: int = 6,
    model: str = "rw_holiday",
) -> pd.DataFrame:
    """Fan-chart forecast for the models without their own intervals (rw_holiday, combo).

    The point forecast is the model's from the last month; the 80%/95% bands are its point
    minus the quantiles of the model's own backtest errors at the same horizon (`errors`: the
    long table of `backtest_forecasts`, scored rows). A horizon the backtest did not score gets
    the bands of the nearest scored horizon below it. Same columns as `forecast` (basis "month":
    use `forecast` when a base month was split from a combined Jan-Feb).
    """
    if model not in {"rw_holiday", "combo"}:
        raise ValueError("model must be 'rw_holiday' or 'combo'")
    split, years, genuine = _prepared(levels)
    origin = split.index[-1]
    targets = pd.period_range(origin + 1, periods=horizon, freq="M")
    if any(_combined_base(f, years) for f in targets):
        raise ValueError("a base month was split from a combined Jan-Feb: use forecast()")
    holiday_d12 = _holiday_diffs(split.index.append(targets))
    point = _rw_holiday_forecasts(
        np.log(split), genuine, holiday_d12, origin, horizon, RW_HOLIDAY_MONTHS
    )
    if model == "combo":
        sarimax = forecast(levels, None, horizon, model="sarimax")[FORECAST_YOY].to_numpy()
        point = (point + sarimax) / 2
    own = errors[(errors["model"] == model) & errors["scored"]].dropna(subset=["error_pp"])
    scored_h = sorted(own["horizon"].unique())
    if not scored_h:
        raise ValueError(f"the backtest holds no scored errors of model '{model}'")
    out = pd.DataFrame(index=targets)
    out[FORECAST_YOY] = point
    for i, h in enumerate(range(1, horizon + 1)):
        use = max([s for s in scored_h if s <= h], default=scored_h[0])
        q = np.quantile(own.loc[own["horizon"] == use, "error_pp"], [0.975, 0.9, 0.1, 0.025])
        out.loc[targets[i], list(BAND_COLUMNS)] = point[i] - q
    base = split.reindex(targets - 12).to_numpy()
    out["level_usd"] = base * (1 + out[FORECAST_YOY] / 100)
    out["base_level_usd"] = base
    out["basis"] = "month"
    out = out[[*FORECAST_COLUMNS, "level_usd", "base_level_usd", "basis"]]
    out.index.name = "period"
    name = MODEL_LABELS[model]
    out.attrs["note"] = (
        f"{name}; 80%/95% bands from the quantiles of its own backtest errors at each horizon."
    )
    return out


MODEL_LABELS = {
    "sarimax": "SARIMAX (0,1,1)(0,1,1)12 on log levels with Chinese New Year regressors",
    "sarimax_x": "SARIMAX on log levels with New Year regressors and a leading-indicator factor",
    "bridge": "bridge regression of y/y on leading indicators and last month's y/y",
    "rw_holiday": "random walk on New-Year-adjusted y/y (mean of the last 3 adjusted months, "
    "holiday effect of the target month added back)",
    "combo": "equal-weight combination of the SARIMAX and the New-Year-adjusted random walk",
    "arx": "ARX: regression of y/y on last month's New-Year-adjusted y/y, a base effect, New "
    "Year regressors and the leading indicators as published before the release (direct "
    "beyond one month ahead)",
    "combo_arx": "equal-weight combination of the ARX, the SARIMAX and the New-Year-adjusted "
    "random walk",
    "consensus": "the economists' consensus before the release (Jin10)",
    "random_walk": "random walk on y/y (next month's y/y = this month's)",
    "seasonal_naive": "seasonal naive (y/y = growth of the last 12 months' total)",
}


# --------------------------------------------------------------------------------------------
# Scenarios


def _base_table(base) -> pd.DataFrame:
    if isinstance(base, pd.DataFrame):
        if "share_pct" not in base.columns:
            raise ValueError("base DataFrame needs a 'share_pct' column")
        return base.copy()
    return pd.DataFrame({"share_pct": pd.Series(base, dtype=float)})


def scenario(
    contributions_base: Mapping[str, float] | pd.Series | pd.DataFrame,
    shocks: Mapping[str, float | Mapping],
    fx_elasticity: float = DEFAULT_FX_ELASTICITY,
) -> pd.DataFrame:
    """Effect of shocks on headline export growth, through contributions.

    contributions_base: base-period (year-earlier) shares of total exports in percent per item,
    as a mapping/Series, or a DataFrame with a ``share_pct`` column (``growth_pct`` optional).

    shocks: name → either a number (growth change of the item named like the shock, in pp) or a
    mapping with ``item`` and one of
      * ``growth_change_pp``: change in the item's y/y growth, pp ("US-bound exports fall a
        further 10%" = growth_change_pp −10: read as a fall measured against the base level);
      * ``fx_change_pct``: move of the CNY price of the partner's currency in percent (positive =
        weaker yuan), turned into growth_change_pp = elasticity × fx_change_pct with the shock's
        ``elasticity`` or `fx_elasticity` (default 0.5: an assumption, not an estimate).

    Δheadline (pp) = share_i (pct) / 100 × Δg_i (pp). Returns one row per shock plus "Total":
    item, share_pct, growth_change_pp, headline_effect_pp, how.
    """
    base = _base_table(contributions_base)
    rows = []
    for name, spec in shocks.items():
        if isinstance(spec, Mapping):
            item = spec.get("item", name)
            if "growth_change_pp" in spec:
                change = float(spec["growth_change_pp"])
                how = "growth change as given"
            elif "fx_change_pct" in spec:
                elasticity = float(spec.get("elasticity", fx_elasticity))
                change = elasticity * float(spec["fx_change_pct"])
                how = f"FX {spec['fx_change_pct']:+g}% × elasticity {elasticity:g}"
            else:
                raise ValueError(f"shock '{name}' needs growth_change_pp or fx_change_pct")
        else:
            item, change, how = name, float(spec), "growth change as given"
        if item not in base.index:
            raise KeyError(f"shock '{name}': item '{item}' has no base share")
        share = float(base.loc[item, "share_pct"])
        rows.append(
            {
                "shock": name,
                "item": item,
                "share_pct": share,
                "growth_change_pp": change,
                "headline_effect_pp": share / 100 * change,
                "how": how,
            }
        )
    out = pd.DataFrame(rows, columns=["shock", "item", "share_pct", "growth_change_pp",
                                      "headline_effect_pp", "how"])  # fmt: skip
    total = {
        "shock": "Total",
        "item": "",
        "share_pct": np.nan,
        "growth_change_pp": np.nan,
        "headline_effect_pp": out["headline_effect_pp"].sum(),
        "how": "sum of the shocks' effects",
    }
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    return out.set_index("shock")
