"""What each view computes and records, as one function per view.

The notebooks call these and then display the results; the reconciliation with published
figures (helpers.reconcile) calls the same functions, so the published-figures test checks the
code the reports run, not a second implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers import breakdown, headline
from helpers.data import Dataset
from helpers.figures import FigureSet

__all__ = [
    "SHARE_YTD_LINES",
    "ImportsView",
    "ProductView",
    "RegionalView",
    "all_figures",
    "headline_view",
    "imports_view",
    "product_view",
    "regional_view",
]

# Export lines whose year-to-date share the product view reports.
SHARE_YTD_LINES = ["integrated_circuits", "electromechanical", "high_tech"]


def headline_view(ds: Dataset, period, currency: str, figures: FigureSet) -> headline.Headline:
    """Headline figures for the month, recorded into `figures`."""
    h = headline.headline(ds, period, currency)
    headline.record(figures, h)
    return h


@dataclass
class ProductView:
    table: pd.DataFrame
    price_volume: pd.DataFrame
    shares: pd.DataFrame
    ytd: pd.DataFrame  # year to date as GAC prints it, each figure on its best basis


def product_view(ds: Dataset, period, currency: str, figures: FigureSet) -> ProductView:
    """Exports by product: breakdown, price vs volume and year-to-date shares, recorded."""
    when = ds.resolve(period)
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


def regional_view(ds: Dataset, period, currency: str, figures: FigureSet) -> RegionalView:
    """Exports by destination: breakdown and the US against everyone else, recorded."""
    when = ds.resolve(period)
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


def imports_view(ds: Dataset, period, currency: str, figures: FigureSet) -> ImportsView:
    """Imports by product and origin, commodity price vs volume, the US split, recorded."""
    when = ds.resolve(period)
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


def all_figures(ds: Dataset, period, currency: str = "USD") -> pd.DataFrame:
    """Every figure the headline, product, regional and imports views record for a month, at
    full precision (the outlook's model figures are left out: they are not published)."""
    figures = FigureSet(currency)
    for view in (headline_view, product_view, regional_view, imports_view):
        view(ds, period, currency, figures)
    return figures.frame()
