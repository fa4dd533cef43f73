"""What a store holds for a month, per view, and one sentence for each missing table.

A real store holds what GAC pages were fetched: some sections, some currencies, some months.
Each view needs certain tables for the month and the month a year earlier (for y/y); when one is
missing the report says which (section, currency, month) and the command that would get it,
instead of printing "nan" or failing.

    The tables each view needs and the lines it shows: the view registry (data/views.csv,
    helpers.contract.view_spec).
    missing_tables(ds, view, period, currency) -> list[MissingTable]
    period_problem(ds, period, currency) -> str | None   why a month cannot be reported at all
    held_lines(ds, view, period, currency) -> (table, source line)
    placeholder_html(view, period, currency, missing, data, nav, ds) -> str
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.contract import view_registry, view_spec

__all__ = ["MissingTable", "held_lines", "held_tables", "missing_tables",
           "period_problem", "year_ago_gaps"]  # fmt: skip

# GAC's sections behind each kind of row
SECTION = {
    "total": "section (1) total values or section (4)'s Total row",
    "partners": "section (4) by country/region",
    "export_products": "section (5) major exports",
    "import_products": "section (6) major imports",
}
# GAC's tables of lines, with the flow each is held for
LINES = {"export_products": "export", "import_products": "import", "partners": "export"}


@dataclass(frozen=True)
class MissingTable:
    """A table a view needs that the store lacks."""

    kind: str
    currency: str
    period: pd.Period

    def sentence(self, data: str = "DIR") -> str:
        """One sentence: which section, which month, and the command that would get it."""
        return (
            f"GAC's {SECTION[self.kind]} ({self.currency}) for {self.period} is not in the "
            f"store: get it with `python -m helpers fetch gac --period {self.period} --currency "
            f"{self.currency} --store {data}` (or `python -m helpers import gac PAGE.html --store "
            f"{data}` with a saved page)."
        )


def _rows(ds, kind: str, flow: str, currency: str) -> pd.DataFrame:
    trade = ds.trade
    rows = trade[(trade["flow"] == flow) & (trade["currency"] == currency)
                 & (trade["measure"] == "level")]  # fmt: skip
    if kind == "total":
        return rows[(rows["partner"] == "WORLD") & (rows["product"] == "TOTAL")]
    if kind == "partners":
        return rows[(rows["partner"] != "WORLD") & (rows["product"] == "TOTAL")]
    return rows[(rows["partner"] == "WORLD") & (rows["product"] != "TOTAL")]


def held_tables(ds, period, currency: str) -> dict[str, bool]:
    """Which kinds of table the data hold for `period` (any flow)."""
    period = pd.Period(period, freq="M")
    return {
        f"{kind}:{flow}": bool((_rows(ds, kind, flow, currency)["period"] == period).any())
        for kind, flow in {*(n for spec in view_registry() for n in spec.needs), *LINES.items()}
    }


def missing_tables(ds, view: str, period, currency: str) -> list[MissingTable]:
    """Tables `view` needs for `period` that the data lack.

    The month a year earlier is not required: without it a view shows what GAC printed for the
    year to date and what can be derived from it (helpers.basis), and says which table would
    give the month's own y/y (:func:`year_ago_gaps`).
    """
    period = pd.Period(period, freq="M")
    missing = []
    spec = view_spec(view)
    if spec.lines_suffice and period in set(_rows(ds, *spec.lines, currency)["period"]):
        return []  # GAC's commodity lines alone make a product view (growth, no contributions)
    for kind, flow in spec.needs:
        periods = set(_rows(ds, kind, flow, currency)["period"])
        gap = MissingTable(kind, currency, period)
        if period not in periods and gap not in missing:
            missing.append(gap)
    return missing


def year_ago_gaps(ds, period, currency: str) -> list[MissingTable]:
    """World totals a year before `period` that the data neither hold nor can derive from GAC's
    printed year-to-date rates: without them there is no y/y for the month."""
    when = ds.resolve(period)
    base = when.period - 12
    gaps = []
    for flow in ("export", "import"):
        rows = _rows(ds, "total", flow, currency)
        if base not in set(rows["period"]):
            gap = MissingTable("total", currency, base)
            if gap not in gaps:
                gaps.append(gap)
    return gaps


def period_problem(ds, period, currency: str) -> str | None:
    """None when the data hold any table for the month; else which tables are missing."""
    period = pd.Period(period, freq="M")
    trade = ds.trade
    if (trade["period"] == period).any():
        return None
    kinds = ", ".join(SECTION[k] for k in ("total", "partners", "export_products",
                                           "import_products"))  # fmt: skip
    return (
        f"the data at {ds.location} hold no table for {period} (none of {kinds}): get them with "
        f"`python -m helpers fetch gac --period {period} --currency {currency} --store "
        f"{ds.location}`"
    )


def held_lines(ds, view: str, period, currency: str) -> tuple[pd.DataFrame, str]:
    """The month's lines the store does hold for a view, as GAC printed them, and a source line.

    Columns: line, value (currency bn), GAC's printed YTD y/y (%). Empty when none.
    """
    period = pd.Period(period, freq="M")
    lines = view_spec(view).lines
    if lines is None:
        return pd.DataFrame(), ""
    kind, flow = lines
    rows = _rows(ds, kind, flow, currency)
    rows = rows[rows["period"] == period]
    if rows.empty:
        return pd.DataFrame(), ""
    from helpers import classifications
    from helpers.breakdown import partner_layout, product_layout

    dimension = "partner" if kind == "partners" else "product"
    codes = rows["partner"] if kind == "partners" else rows["product"]
    # the views' order (GAC's table order, members under their group), not alphabetical
    layout = partner_layout() if kind == "partners" else product_layout(flow)
    place = {code: (i, depth) for i, (code, _, depth) in enumerate(layout)}
    order = sorted(range(len(rows)), key=lambda i: place.get(codes.iloc[i], (len(place), 0))[0])
    rows, codes = rows.iloc[order], codes.iloc[order]
    printed = [
        ds.printed_ytd_yoy(flow, p, q, currency, period)
        for p, q in zip(rows["partner"], rows["product"], strict=True)
    ]
    indent = ["\u00a0" * 4 * place.get(c, (0, 0))[1] for c in codes]
    table = pd.DataFrame({
        "Line": [i + classifications.display_name(c, dimension, flow)
                 for i, c in zip(indent, codes, strict=True)],
        f"{currency} bn, {period}": (rows["value"] / 1e9).round(2).to_numpy(),
        "GAC's printed YTD y/y %": printed,
    })  # fmt: skip
    vintages = sorted(set(rows["vintage"].str[:10]))
    source = f"Source: GAC preliminary release, {', '.join(vintages)} (store {ds.location})."
    return table, source


