"""Load a dataset (bundled sample, a store, or a canonical file) and pull series out of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import classifications, metrics
from helpers.basis import DERIVED_SOURCE, derive_year_ago
from helpers.paths import SAMPLE_DIR
from helpers.schema import (
    CANONICAL_COLUMNS,
    KEY_COLUMNS,
    TradeKitError,
    read_canonical_csv,
    typed,
    validate,
)

__all__ = [
    "FLOW_INDICATORS",
    "DataNotFoundError",
    "Dataset",
    "latest_vintage",
    "load_dataset",
    "market_inputs",
    "SeriesNotAvailableError",
    "store_vintages",
]


class DataNotFoundError(TradeKitError):
    """The data location does not exist or holds no trade table."""


class SeriesNotAvailableError(TradeKitError):
    """A view asked for a series the dataset does not hold."""


@dataclass
class Dataset:
    """Trade observations (latest vintage) plus optional consensus and indicator tables."""

    trade: pd.DataFrame
    location: Path
    files: list[Path] = field(default_factory=list)
    consensus: pd.DataFrame | None = None
    indicators: pd.DataFrame | None = None
    printed_ytd: pd.DataFrame | None = None  # GAC's printed year-to-date y/y (pct), if imported
    ytd: pd.DataFrame | None = None  # a store's year-to-date table (levels and printed rates)
    derived: pd.DataFrame | None = None  # year-ago months derived from printed rates (basis.py)

    @cached_property
    def is_sample(self) -> bool:
        """True when every row comes from the bundled illustrative sample."""
        return bool(len(self.trade)) and self.trade["source"].eq("sample").all()

    @property
    def is_store(self) -> bool:
        """True when the data were loaded from an import store folder (store.parquet)."""
        return self.location is not None and (Path(self.location) / "store.parquet").is_file()

    @cached_property
    def combined_years(self) -> frozenset[int]:
        """Years whose January and February are only available combined."""
        return frozenset(
            int(y) for y in self.trade.loc[self.trade["months"] == 2, "period"].dt.year.unique()
        )

    @cached_property
    def _rows(self) -> dict[tuple, np.ndarray]:
        """Row positions of each series key, sorted by month (one pass over the table): views
        ask for hundreds of series, and a per-call index lookup made up most of their time."""
        order = np.argsort(self._ordinals, kind="stable")
        keys = ["flow", "partner", "product", "currency", "measure"]
        found = self.trade.iloc[order].groupby(keys, sort=False, observed=True).indices
        return {key: order[at] for key, at in found.items()}

    @cached_property
    def _ordinals(self) -> np.ndarray:
        return pd.PeriodIndex(self.trade["period"], freq="M").asi8

    def _column(self, column: str) -> np.ndarray:
        cache = self.__dict__.setdefault("_columns", {})
        if column not in cache:
            cache[column] = self.trade[column].to_numpy(dtype=float)
        return cache[column]

    def has(self, flow: str, partner: str = "WORLD", product: str = "TOTAL",
            currency: str = "USD", measure: str = "level") -> bool:  # fmt: skip
        """Whether the dataset holds this series."""
        return (flow, partner, product, currency, measure) in self._rows

    def resolve(self, period) -> metrics.ResolvedPeriod:
        """The month a request for `period` is looked up at (Jan/Feb → combined Jan-Feb when
        the data publish them combined), with its label and the previous release."""
        if isinstance(period, metrics.ResolvedPeriod):
            return period
        return metrics.resolve_period(period, self.combined_years)

    def folded(self, flow: str, partner: str = "WORLD", product: str = "TOTAL",
               currency: str = "USD", column: str = "value",
               stored_only: bool = False) -> pd.Series:  # fmt: skip
        """A series as the views compare it: January folded into February in every year once
        any year is published combined (see metrics.fold_janfeb). `stored_only` leaves out
        year-ago months derived from printed rates (for figures that must not use them)."""
        key = ("folded", flow, partner, product, currency, column, stored_only)
        return self._memo(key, lambda: metrics.fold_janfeb(
            self.levels(flow, partner, product, currency, column, stored_only=stored_only),
            self.combined_years))  # fmt: skip

    def folded_partner(self, flow: str, partner: str, currency: str = "USD",
                       as_of: pd.Period | None = None) -> pd.Series:  # fmt: skip
        """partner_levels, folded like :meth:`folded`."""
        key = ("folded_partner", flow, partner, currency, as_of)
        return self._memo(key, lambda: metrics.fold_janfeb(
            self.partner_levels(flow, partner, currency, as_of), self.combined_years))

    def _memo(self, key: tuple, compute) -> pd.Series:
        """A copy of the series computed once per key: the views ask for the same folded
        series dozens of times (the table is never changed after loading)."""
        memo = self.__dict__.setdefault("_series_memo", {})
        if key not in memo:
            memo[key] = compute()
        return memo[key].copy()

    def periods(self) -> pd.PeriodIndex:
        """Months for which the dataset holds the world total of either flow (stored, not
        derived: a derived year-ago month is a base for growth, not a month to report)."""
        trade = self.trade
        world = trade[(trade["partner"] == "WORLD") & (trade["product"] == "TOTAL")
                      & ~self._derived_mask]  # fmt: skip
        return pd.PeriodIndex(sorted(world["period"].unique()), freq="M")

    def levels(
        self,
        flow: str,
        partner: str = "WORLD",
        product: str = "TOTAL",
        currency: str = "USD",
        column: str = "value",
        measure: str = "level",
        stored_only: bool = False,
    ) -> pd.Series:
        """A monthly series on a complete month index (combined Jan-Feb: January is NaN);
        `stored_only`: derived year-ago months (helpers.basis) are NaN."""
        key = (flow, partner, product, currency, measure)
        if key not in self._rows and self._lines_without_total(key):
            # GAC's (5)/(6) pages without (1)/(4): the lines are held, their total is not; the
            # total is missing (NaN), so lines show growth but no contribution or share
            months = pd.period_range(self.trade["period"].min(), self.trade["period"].max())
            return pd.Series(np.nan, index=months, name=f"{flow}:{partner}:{product}:{currency}")
        if key not in self._rows:
            raise SeriesNotAvailableError(
                f"the data at {self.location} hold no {measure} series for flow={flow}, "
                f"partner={partner}, product={product}, currency={currency}"
            )
        rows = self._rows[key]
        months = self._ordinals[rows]
        full = pd.period_range(
            pd.Period(ordinal=months[0], freq="M"), pd.Period(ordinal=months[-1], freq="M")
        )
        values = np.full(len(full), np.nan)
        values[months - months[0]] = self._column(column)[rows]
        if stored_only:
            values[months - months[0]] = np.where(
                self._derived_mask.to_numpy()[rows], np.nan, values[months - months[0]]
            )
        return pd.Series(values, index=full, name=f"{flow}:{partner}:{product}:{currency}")

    def _lines_without_total(self, key: tuple) -> bool:
        """Whether `key` is a flow's world total the data lack while holding its product lines."""
        flow, partner, product, currency, measure = key
        if (partner, product, measure) != ("WORLD", "TOTAL", "level"):
            return False
        return any(k[0] == flow and k[1] == "WORLD" and k[2] != "TOTAL" and k[3] == currency
                   and k[4] == "level" for k in self._rows)  # fmt: skip

    def partner_levels(self, flow: str, partner: str, currency: str = "USD",
                       as_of: pd.Period | None = None) -> pd.Series:  # fmt: skip
        """Partner series; a bloc is rebuilt from its members as of `as_of` when they are all held.

        GAC compares a bloc with itself on today's membership (the EU's y/y excludes the UK on
        both sides from 2020); the stored bloc row mixes memberships over time, so the bloc is
        put on the `as_of` membership (helpers.blocs.bloc_levels: members re-aggregated, or the
        stored row less departed members; NaN where neither is possible).
        """
        if as_of is not None and partner in classifications.blocs():
            from helpers.blocs import bloc_levels

            return bloc_levels(self, flow, partner, currency, as_of)[0]
        return self.levels(flow, partner, "TOTAL", currency)

    def source_line(self, period=None) -> str:
        """'Source: GAC preliminary release, 2026-07-15' — where the figures of `period` (all
        periods when None) come from, with the latest vintage of each source."""
        rows = self.trade
        if period is not None:
            month = self.resolve(period).period
            rows = rows[rows["period"].isin([month, month - 12])]
        if rows.empty:
            return f"Source: {self.location}."
        parts = rows["source"].astype(str).str.partition(":")
        # the Monthly Bulletin is GAC's later, verified vintage: named apart from the release
        prefix = parts[0].where(~rows["source"].astype(str).str.endswith("(monthly bulletin)"),
                                "gac_bulletin")  # fmt: skip
        labels = classifications.source_labels()
        if prefix.eq("sample").all():
            return f"{labels['sample']}."
        detail = parts[2].str.partition(" ")[0].replace("", np.nan)
        parts = []
        for key, group in rows.assign(_prefix=prefix, _detail=detail).groupby("_prefix"):
            name = labels.get(key, key)
            if key in ("series", "tidy") and group["_detail"].notna().any():
                name = f"{name} ({', '.join(sorted(group['_detail'].dropna().unique())[:3])})"
            parts.append(f"{name}, {str(group['vintage'].max())[:10]}")
        return "Source: " + "; ".join(parts) + "."

    @cached_property
    def _derived_mask(self) -> pd.Series:
        return self.trade["source"].astype(str).str.startswith(DERIVED_SOURCE + ":")

    @cached_property
    def _derived_index(self) -> dict[tuple, dict]:
        if self.derived is None or self.derived.empty:
            return {}
        keys = ["flow", "partner", "product", "currency", "period"]
        return {tuple(r[k] for k in keys): r for r in self.derived.to_dict("records")}

    def derived_level(self, flow: str, partner: str, product: str, currency: str,
                      period) -> dict | None:  # fmt: skip
        """The derived row (value, value_low, value_high, derived_from...) of a series and
        month, or None when that month's level is stored (or absent)."""
        return self._derived_index.get((flow, partner, product, currency,
                                        pd.Period(period, "M")))  # fmt: skip

    @cached_property
    def _ytd_index(self) -> dict[tuple, dict]:
        """Year-to-date rows by (measure, flow, partner, product, currency, period), January to
        the period's month only (the latest vintage; built once: views ask for hundreds)."""
        ytd = self.ytd
        if ytd is None:
            return {}
        levels = ytd["measure"] == "level"
        ytd = ytd[~levels | (ytd["months"] == pd.PeriodIndex(ytd["period"], freq="M").month)]
        keys = ["measure", "flow", "partner", "product", "currency", "period"]
        return {tuple(r[k] for k in keys): r for r in ytd.to_dict("records")}

    def printed_rate(self, flow: str, partner: str, product: str, currency: str, period,
                     measure: str = "yoy_pct", table: str = "month") -> float:  # fmt: skip
        """A growth rate GAC printed (pct): table "month" (section (1) month y/y, m/m) or
        "ytd" (YTD y/y of value, measure "yoy_pct", or quantity, "quantity_yoy_pct"); NaN
        when not imported."""
        period = pd.Period(period, "M")
        if table == "ytd":
            row = self._ytd_index.get((measure, flow, partner, product, currency, period))
            return np.nan if row is None else float(row["value"])
        if not self.has(flow, partner, product, currency, measure):
            return np.nan
        return float(self.levels(flow, partner, product, currency, measure=measure).get(
            period, np.nan))  # fmt: skip

    def ytd_level(self, flow: str, partner: str, product: str, currency: str, period,
                  column: str = "value") -> float:  # fmt: skip
        """A stored January-to-month level (value or quantity) at `period`, NaN when absent."""
        row = self._ytd_index.get(("level", flow, partner, product, currency,
                                   pd.Period(period, "M")))  # fmt: skip
        value = None if row is None else row[column]
        return np.nan if value is None else float(value)

    def printed_ytd_yoy(
        self, flow: str, partner: str, product: str, currency: str, period
    ) -> float:
        """GAC's printed year-to-date y/y (pct) for a series and month, NaN when not imported
        (from the store's YTD table, or from `printed_ytd` in a Dataset built by hand)."""
        if self.ytd is not None:
            return self.printed_rate(flow, partner, product, currency, period, "yoy_pct", "ytd")
        if self.printed_ytd is None:
            return np.nan
        table = self.printed_ytd
        hit = table[
            (table["flow"] == flow) & (table["partner"] == partner) & (table["product"] == product)
            & (table["currency"] == currency) & (table["period"] == pd.Period(period, "M"))
        ]  # fmt: skip
        return float(hit["value"].iloc[-1]) if len(hit) else np.nan

    def consensus_series(self, flow: str, metric: str = "yoy") -> pd.Series | None:
        """Consensus (pct for yoy, USD bn for balance) by month, or None when absent."""
        if self.consensus is None:
            return None
        rows = self.consensus[
            (self.consensus["flow"] == flow) & (self.consensus["metric"] == metric)
        ]
        if rows.empty:
            return None
        return pd.Series(
            rows["value"].to_numpy(float), index=pd.PeriodIndex(rows["period"], freq="M")
        )

    def indicator_table(self) -> pd.DataFrame | None:
        """Leading indicators wide (one column per indicator, monthly index), or None."""
        if self.indicators is None:
            return None
        wide = self.indicators.pivot(index="period", columns="indicator", values="value")
        wide.index = pd.PeriodIndex(wide.index, freq="M")
        return wide.sort_index()


def latest_vintage(trade: pd.DataFrame) -> pd.DataFrame:
    """Keep the newest vintage of every key."""
    key = [c for c in KEY_COLUMNS if c != "vintage"]
    ordered = trade.sort_values("vintage")
    return ordered.drop_duplicates(key, keep="last").reset_index(drop=True)


def _read_side_table(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path, dtype={"period": str}) if path.exists() else None


def load_dataset(data: str | Path | None = None) -> Dataset:
    """Load the bundled sample (default), a sample-layout folder, a store folder or a file."""
    location = Path(data).expanduser().resolve() if data else SAMPLE_DIR
    printed_ytd = ytd = None
    if not location.exists():
        raise DataNotFoundError(f"data path {location} does not exist")
    if location.is_dir():
        trade_file = location / "trade.parquet"
        if trade_file.exists():
            trade = pd.read_parquet(trade_file)
            files = [trade_file]
        else:
            from helpers.ingest import store  # a store folder written by `python -m helpers import`

            try:
                trade = store.load(location)
            except (FileNotFoundError, TradeKitError) as error:
                raise DataNotFoundError(
                    f"{location} holds neither trade.parquet nor an import store ({error})"
                ) from error
            files = sorted(p for p in location.rglob("*") if p.is_file())
            ytd = typed(latest_vintage(store.load(location, table="ytd")))
            printed_ytd = ytd[ytd["measure"] == "yoy_pct"].reset_index(drop=True)
        consensus = _read_side_table(location / "consensus.csv")
        indicators = _read_side_table(location / "indicators.csv")
    else:
        if location.suffix == ".parquet":
            frame = pd.read_parquet(location)
            trade = validate(frame.assign(period=frame["period"].astype(str)), str(location))
        else:
            trade = validate(read_canonical_csv(location), str(location))
        files, consensus, indicators = [location], None, None
    trade = latest_vintage(typed(trade[CANONICAL_COLUMNS]))
    derived = None
    if ytd is not None:
        derived = derive_year_ago(trade, ytd)
        if len(derived):
            trade = pd.concat([trade, typed(derived[CANONICAL_COLUMNS])], ignore_index=True)
    return Dataset(trade, location, files, consensus, indicators, printed_ytd, ytd, derived)


# indicators each flow's ARX uses (fixed before any 2016-2021 result was seen): the PMI
# sub-index of the flow, Korea's trade with China, US imports from China (exports only)
FLOW_INDICATORS = {
    "export": ("pmi_new_export_orders", "korea_exports_to_china", "us_imports_from_china"),
    "import": ("pmi_imports", "pmi_new_orders", "korea_exports_to_china"),
}


def market_inputs(store_dir, flow: str) -> dict:
    """What a store holds beyond levels for a market backtest of `flow`: indicators (the flow's
    FLOW_INDICATORS that are held) with their publication dates, GAC's release dates and
    first-released y/y (from an imported Jin10 file), the consensus y/y of single months, and
    the years whose January and February were first released only combined (`combined`: pass
    levels through ``forecast.as_released``). Missing parts are None (`combined`: empty)."""
    from helpers.ingest import side_tables  # data is the analysis side's one reader of a store

    out = {"indicators": None, "published": None, "releases": None, "actuals": None,
           "consensus": None, "combined": set()}  # fmt: skip
    if store_dir is None or not (Path(store_dir) / "store.parquet").exists():
        return out
    held = side_tables.indicator_publication(store_dir)
    if held is not None:
        values, dates = held
        names = [n for n in FLOW_INDICATORS[flow] if n in values.columns]
        if names:
            out["indicators"], out["published"] = values[names], dates[names]
    out["releases"] = side_tables.release_dates(store_dir)
    out["combined"] = side_tables.combined_releases(store_dir)
    out["actuals"] = side_tables.first_releases(store_dir, flow)
    consensus_file = Path(store_dir) / "consensus.csv"
    if consensus_file.exists() and out["actuals"] is not None:
        table = pd.read_csv(consensus_file, dtype={"period": str})
        rows = table[(table["flow"] == flow) & (table["metric"] == "yoy")]
        series = pd.Series(rows["value"].to_numpy(float),
                           index=pd.PeriodIndex(rows["period"], freq="M"))  # fmt: skip
        # the consensus of a combined Jan-Feb release forecast a combined rate: left out
        out["consensus"] = series[series.index.isin(out["actuals"].index)]
    return out


def store_vintages(location: str | Path, table: str = "month") -> pd.DataFrame:
    """Every vintage a store holds of `table` (month or ytd), as imported: the history of
    revisions that :func:`load_dataset` reduces to the latest."""
    from helpers.ingest import store

    return store.load(location, latest=False, table=table)
