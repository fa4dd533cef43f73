"""What each view computes and records, as one function per view, each taking the view's
context (:class:`ViewContext`) as its one argument (and the view's own options by keyword).

The registry (data/views.csv) names each view's function; the notebooks call it through
:func:`compute` and then display the results; the reconciliation with published figures
(helpers.reconcile) calls the same functions, so the published-figures test checks the code the
reports run, not a second implementation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from helpers import breakdown, headline, metrics
from helpers.contract import NOTE_CHARTS_DIR, SAMPLE_FLAG, SAMPLE_LABEL, view_spec
from helpers.data import Dataset
from helpers.figures import FigureSet

if TYPE_CHECKING:
    from helpers.outlook import Outlook

__all__ = [
    "SHARE_YTD_LINES",
    "ImportsView",
    "OutlookView",
    "ProductView",
    "RegionalView",
    "ViewContext",
    "all_figures",
    "compute",
    "context",
    "headline_view",
    "imports_view",
    "outlook_view",
    "product_view",
    "regional_view",
]


@dataclass
class ViewContext(metrics.HasReleasePeriod):
    """Validated parameters, the dataset and the figures a view collects."""

    view: str
    when: metrics.ResolvedPeriod
    currency: str
    ds: Dataset
    output_dir: str = ""
    figures: FigureSet = field(default_factory=FigureSet)
    both: bool = False  # show CNY growth beside the USD figures

    @property
    def source_note(self) -> str:
        """Chart and table footnote: where the month's data come from, their release (vintage)
        date and the currency ('Source: GAC preliminary release, 2026-07-15. USD values.')."""
        return f"{self.ds.source_line(self.when)} {self.currency} values."

    def for_note(self, chart, name: str):
        """Show `chart` and, in a report build, keep it for the flash note as
        charts/<name>.png with its alt text in charts/<name>.json (the note shows the views'
        own charts rather than drawing its own)."""
        if self.output_dir and hasattr(chart, "png"):  # a Note (no data) is not kept
            folder = Path(self.output_dir) / NOTE_CHARTS_DIR
            folder.mkdir(exist_ok=True)
            (folder / f"{name}.png").write_bytes(chart.png)
            (folder / f"{name}.json").write_text(
                json.dumps({"alt": chart.alt}), encoding="utf-8")
        return chart

    def contribution_chart(self, table: pd.DataFrame, ytd: pd.DataFrame, what: str,
                           name: str = ""):  # fmt: skip
        """The waterfall of contributions to `what` ("export growth by destination") for the
        month, or for the year to date when only that has contributions
        (breakdown.waterfall_table), kept for the note as `name` (`name`_ytd for the year to
        date; not kept without a name)."""
        from helpers import charts  # matplotlib: only where a chart is drawn

        frame = breakdown.waterfall_table(table, ytd)
        if frame.attrs.get("ytd"):
            title = f"Contributions to year-to-date {what}, {frame.attrs['label']} (pp)"
            name = f"{name}_ytd" if name else ""
        else:
            title = f"Contributions to {what}, {self.label} (pp)"
        chart = charts.contribution_waterfall(frame, title, self.source_note)
        return self.for_note(chart, name) if name else chart

    def save_figures(self) -> Path | None:
        """Write this view's figures for the runner (no-op when no output_dir was given)."""
        if self.output_dir and self.ds.is_sample:
            (Path(self.output_dir) / SAMPLE_FLAG).write_text(SAMPLE_LABEL + "\n")
        return self.figures.save(self.output_dir, self.view)


def context(view: str, ds: Dataset, period, currency: str = "USD",
            figures: FigureSet | None = None) -> ViewContext:  # fmt: skip
    """A context for computing `view` outside a notebook (no output folder), recording into
    `figures` (a new set by default)."""
    return ViewContext(view, ds.resolve(period), currency, ds, "",
                       figures if figures is not None else FigureSet(currency))


def compute(ctx: ViewContext, **options):
    """Compute and record ctx.view with the function the registry names for it."""
    return view_spec(ctx.view).compute()(ctx, **options)

# Export lines whose year-to-date share the product view reports.
SHARE_YTD_LINES = ["integrated_circuits", "electromechanical", "high_tech"]


def headline_view(ctx: ViewContext) -> headline.Headline:
    """Headline figures for the month, recorded."""
    h = headline.headline(ctx.ds, ctx.when, ctx.currency)
    headline.record(ctx.figures, h)
    return h


@dataclass
class ProductView:
    table: pd.DataFrame
    price_volume: pd.DataFrame
    shares: pd.DataFrame
    ytd: pd.DataFrame  # year to date as GAC prints it, each figure on its best basis


def product_view(ctx: ViewContext) -> ProductView:
    """Exports by product: breakdown, price vs volume and year-to-date shares, recorded."""
    ds, when, currency, figures = ctx.ds, ctx.when, ctx.currency, ctx.figures
    table = breakdown.breakdown(ds, "export", "product", when, currency)
    breakdown.record_breakdown(figures, table, "export", "product")
    pv = breakdown.price_volume_table(ds, "export", when, currency)
    breakdown.record_price_volume(figures, pv, "export", when.period)
    shares = breakdown.share_ytd_table(ds, "export", when, SHARE_YTD_LINES, currency)
    breakdown.record_share_ytd(figures, shares, "export", when.period)
    ytd = breakdown.ytd_table(ds, "export", "product", when, currency)
    breakdown.record_ytd(figures, ytd, "export", "product")
    return ProductView(table, pv, shares, ytd)


@dataclass
class RegionalView:
    table: pd.DataFrame
    us_split: pd.DataFrame
    ytd: pd.DataFrame


def regional_view(ctx: ViewContext) -> RegionalView:
    """Exports by destination: breakdown and the US against everyone else, recorded."""
    ds, when, currency, figures = ctx.ds, ctx.when, ctx.currency, ctx.figures
    table = breakdown.breakdown(ds, "export", "partner", when, currency)
    breakdown.record_breakdown(figures, table, "export", "partner")
    split = breakdown.us_split(ds, "export", when, currency)
    breakdown.record_us_split(figures, split, "export", when.period)
    ytd = breakdown.ytd_table(ds, "export", "partner", when, currency)
    breakdown.record_ytd(figures, ytd, "export", "partner")
    return RegionalView(table, split, ytd)


@dataclass
class ImportsView:
    products: pd.DataFrame
    price_volume: pd.DataFrame
    origins: pd.DataFrame
    us_split: pd.DataFrame
    ytd_products: pd.DataFrame
    ytd_origins: pd.DataFrame


def imports_view(ctx: ViewContext) -> ImportsView:
    """Imports by product and origin, commodity price vs volume, the US split, recorded."""
    ds, when, currency, figures = ctx.ds, ctx.when, ctx.currency, ctx.figures
    products = breakdown.breakdown(ds, "import", "product", when, currency)
    breakdown.record_breakdown(figures, products, "import", "product")
    pv = breakdown.price_volume_table(ds, "import", when, currency)
    breakdown.record_price_volume(figures, pv, "import", when.period)
    origins = breakdown.breakdown(ds, "import", "partner", when, currency)
    breakdown.record_breakdown(figures, origins, "import", "partner")
    split = breakdown.us_split(ds, "import", when, currency)
    breakdown.record_us_split(figures, split, "import", when.period)
    ytd_products = breakdown.ytd_table(ds, "import", "product", when, currency)
    breakdown.record_ytd(figures, ytd_products, "import", "product")
    ytd_origins = breakdown.ytd_table(ds, "import", "partner", when, currency)
    breakdown.record_ytd(figures, ytd_origins, "import", "partner")
    return ImportsView(products, pv, origins, split, ytd_products, ytd_origins)


@dataclass
class OutlookView:
    result: Outlook  # seasonal adjustment, base effects, backtest, forecast
    scenarios: pd.DataFrame


def outlook_view(ctx: ViewContext, horizon: int = 6, us_further_fall_pct: float = 10.0,
                 eu_growth_change_pp: float = -2.0,
                 cny_per_eur_change_pct: float = -5.0) -> OutlookView:  # fmt: skip
    """The outlook for exports after the month: seasonal adjustment, base effects, backtest,
    forecast and the three scenarios' effects on export growth, recorded."""
    from helpers import outlook  # statsmodels and X-13: only the outlook pays for them

    result = outlook.compute(ctx.ds, ctx.when.period, ctx.currency, horizon)
    scenarios = outlook.scenario_table(ctx.ds, ctx.when.period, us_further_fall_pct,
                                       eu_growth_change_pp, cny_per_eur_change_pct,
                                       currency=ctx.currency)  # fmt: skip
    outlook.record(ctx.figures, ctx.when.period, result.base, result.backtest, result.forecast,
                   scenarios, holiday=result.holiday, consensus_next=result.consensus_next,
                   fan_model=result.fan_model)  # fmt: skip
    return OutlookView(result, scenarios)


def all_figures(ds: Dataset, period, currency: str = "USD") -> pd.DataFrame:
    """Every figure the headline, product, regional and imports views record for a month, at
    full precision (the outlook's model figures are left out: they are not published)."""
    figures = FigureSet(currency)
    for view in ("headline", "product", "regional", "imports"):
        compute(context(view, ds, period, currency, figures))
    return figures.frame()
