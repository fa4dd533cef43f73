"""What every view notebook does first: check parameters, load data, show the sample banner."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import metrics
from helpers.contract import (
    BOTH,
    NOTE_CHARTS,
    SAMPLE_FLAG,
    SAMPLE_LABEL,
    ParameterError,
    check_currency,
    check_period,
)
from helpers.data import Dataset, load_dataset
from helpers.figures import FigureSet, decimals_of, format_value, label_of
from helpers.figures import registry as figure_registry

__all__ = [
    "COLUMN_LABELS",
    "ROW_STYLES",
    "banner_html",
    "decimals",
    "label",
    "show_banner",
    "start",
    "table",
    "ViewContext",
]


@dataclass
class ViewContext(metrics.HasReleasePeriod):
    """Validated parameters, the dataset and the figures a view collects."""

    view: str
    when: metrics.ResolvedPeriod
    currency: str
    ds: Dataset
    output_dir: str
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
            folder = Path(self.output_dir) / NOTE_CHARTS
            folder.mkdir(exist_ok=True)
            (folder / f"{name}.png").write_bytes(chart.png)
            (folder / f"{name}.json").write_text(
                json.dumps({"alt": chart.alt}), encoding="utf-8")
        return chart

    def save_figures(self) -> Path | None:
        """Write this view's figures for the runner (no-op when no output_dir was given)."""
        if self.output_dir and self.ds.is_sample:
            (Path(self.output_dir) / SAMPLE_FLAG).write_text(SAMPLE_LABEL + "\n")
        return self.figures.save(self.output_dir, self.view)


def start(view: str, period, data: str = "", currency: str = "USD", output_dir: str = ""):
    """Validate a notebook's parameters and load its data; raises one clear ParameterError."""
    month = check_period(period)
    currency = check_currency(currency, allow_both=True)
    both = currency == BOTH
    currency = "USD" if both else currency
    if data and not Path(data).expanduser().exists():
        raise ParameterError(f"data path '{data}' does not exist")
    ds = load_dataset(data or None)
    when = ds.resolve(month)
    available = ds.periods()
    if when.period not in available and not _store_holds(ds, when.period, currency):
        raise ParameterError(_period_message(ds, when.period, currency))
    for code in ("USD", "CNY") if both else (currency,):
        if not ds.has("export", currency=code) and not (ds.trade["currency"] == code).any():
            raise ParameterError(f"the data at {ds.location} hold no {code} figures"
                                 + (": currency 'both' needs USD and CNY" if both else ""))
    return ViewContext(view, when, currency, ds, output_dir, FigureSet(currency), both)


def _store_holds(ds, period: pd.Period, currency: str) -> bool:
    """A store holding some table for the month (lines without totals make product views)."""
    from helpers.coverage import period_problem

    return ds.is_store and period_problem(ds, period, currency) is None


def _period_message(ds, period: pd.Period, currency: str) -> str:
    """Why a month cannot be shown: the missing tables (helpers.coverage), not a date range."""
    from helpers.coverage import missing_tables, period_problem

    available = ds.periods()
    if ds.location is None or not (Path(ds.location) / "store.parquet").is_file():
        return (f"period {period} is not in the data at {ds.location} "  # sample or a file
                f"(it covers {available[0]} to {available[-1]})")  # fmt: skip
    problem = period_problem(ds, period, currency)
    if problem:
        return problem
    gaps = missing_tables(ds, "headline", period, currency)
    return " ".join(m.sentence(str(ds.location)) for m in gaps if m.period == period)


def banner_html(ctx: ViewContext) -> str:
    """HTML banner stating the data's nature and the period shown."""
    parts = []
    if ctx.ds.is_sample:
        parts.append(
            '<div style="background:#fff3cd;border:1px solid #e0c36c;padding:8px 12px;'
            'margin:6px 0;font-weight:bold">Illustrative sample data, not official statistics. '
            "Generated by <code>python -m helpers.sample</code> and calibrated to the published "
            "September 2025 headline figures.</div>"
        )
    if not ctx.ds.is_sample:
        parts.append(
            '<div style="border:1px solid #cccccc;padding:6px 12px;margin:6px 0">'
            f"{escape(ctx.ds.source_line(ctx.when))} Store: <code>{escape(str(ctx.ds.location))}"
            "</code></div>"
        )
    if ctx.ds.is_store:
        from helpers.coverage import year_ago_gaps

        gaps = year_ago_gaps(ctx.ds, ctx.when, ctx.currency)
        if gaps:
            parts.append(
                '<div style="background:#fdf2e9;border:1px solid #e0a96c;padding:8px 12px;'
                f'margin:6px 0">No y/y for {escape(ctx.label)} where it needs the month a year '
                "earlier: " + " ".join(_code(g.sentence(str(ctx.ds.location))) for g in gaps)
                + " Year-to-date growth as GAC printed it is shown where held.</div>"
            )
    if ctx.is_janfeb:
        parts.append(
            '<div style="background:#e8f0fb;border:1px solid #9bb7e0;padding:8px 12px;'
            f'margin:6px 0">{ctx.label}: January and February are published combined, so this '
            "view shows the combined two-month figures.</div>"
        )
    return "".join(parts)


def _code(markdown: str) -> str:
    """Escaped HTML of a sentence whose `commands` are in backticks."""
    import re

    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(markdown))


def show_banner(ctx: ViewContext) -> None:
    """Display the banner in the notebook."""
    from IPython.display import HTML, display

    html = banner_html(ctx)
    if html:
        display(HTML(html))


# Labels of display columns that are not figures (outlook tables keep their own column names).
COLUMN_LABELS = {
    "name": "Line", "item": "Line", "horizon": "Horizon (months)", "n": "Months scored",
    "rmse_pp": "RMSE (pp)", "mae_pp": "MAE (pp)",
    "rmse_ratio_vs_random_walk": "RMSE / random walk",
    "rmse_ratio_vs_seasonal_naive": "RMSE / seasonal naive",
    "beats_random_walk": "Beats random walk", "yoy_pct": "y/y %",
    "lo95_pct": "Low 95%", "lo80_pct": "Low 80%", "hi80_pct": "High 80%", "hi95_pct": "High 95%",
    "basis": "Basis", "growth_change_pp": "Growth change (pp)",
    "headline_effect_pp": "Effect on headline growth (pp)", "how": "How",
    "published": "Published", "computed": "Computed", "difference": "Difference",
    "matches": "Matches at print precision",
}  # fmt: skip


def label(name: str, currency: str = "USD") -> str:
    """Display label of a column or row: the figure's registered label, else COLUMN_LABELS."""
    if name in figure_registry().index:
        return label_of(name, currency)
    return COLUMN_LABELS.get(name, name)


def decimals(name: str, default: int = 1) -> int:
    """Decimals a column or row is shown with: the figure's registered decimals, else default."""
    return decimals_of(name) if name in figure_registry().index else default


ROW_STYLES = {"of_which": "color:#555555", "overlap": "color:#555555;font-style:italic",
              "listed": "color:#555555",
              "total": "font-weight:bold;border-top:1px solid #333333"}  # fmt: skip


EMPTY_TABLE = "Nothing to show: the data hold no rows for this table in this period."


def table(frame: pd.DataFrame, currency: str = "USD", decimals: int = 1):
    """Display form of a computed table: named rows (children indented), labelled columns.

    An empty frame is shown as one sentence, its ``attrs["empty"]`` (what is missing) if set.

    Columns that are figure names (or rows, for a table indexed by figure names such as the
    headline's key table) take their label and decimals from data/figure_names.csv; other
    numeric columns use `decimals`; booleans read yes/no. Formatting only: numbers are rounded
    half-up for display (helpers.figures.format_value), the frame behind them is unchanged.
    """
    if frame.empty:  # a sentence on what is missing rather than a bare header row
        from IPython.display import Markdown

        return Markdown(f"*{frame.attrs.get('empty') or EMPTY_TABLE}*")
    roles = frame["role"] if "role" in frame else pd.Series("", index=frame.index)
    bases = [c for c in frame.columns if isinstance(c, str)
             and c.endswith(("_basis", "_low", "_high"))
             and c.rsplit("_", 1)[0] in frame.columns]  # fmt: skip
    data = frame.drop(columns=[c for c in ("name", "depth", "role") if c in frame] + bases)
    by_row = (len(frame) > 0 and not isinstance(frame.index, pd.MultiIndex)
              and frame.index.isin(figure_registry().index).all())  # fmt: skip
    shown = pd.DataFrame(index=range(len(frame)))
    for column in data.columns:
        values = data[column]
        if values.map(lambda v: isinstance(v, (bool, np.bool_))).all():
            shown[column] = values.map({True: "yes", False: "no"}).to_numpy()
        elif pd.api.types.is_numeric_dtype(values):
            places = ([_places(n, decimals) for n in frame.index] if by_row
                      else [_places(column, decimals)] * len(values))  # fmt: skip
            shown[column] = [format_value(v, d) for v, d in zip(values, places, strict=True)]
            if f"{column}_basis" in frame:  # derived figures: "≈" and the range rounding allows
                shown[column] = [
                    derived_text(v, lo, hi, d) if b == "derived" else text
                    for text, v, b, lo, hi, d in zip(
                        shown[column], values, frame[f"{column}_basis"],
                        frame.get(f"{column}_low", pd.Series(np.nan, index=frame.index)),
                        frame.get(f"{column}_high", pd.Series(np.nan, index=frame.index)),
                        places, strict=True)
                ]  # fmt: skip
        else:
            shown[column] = values.fillna("–").astype(str).to_numpy()
    if "name" in frame:
        depth = frame["depth"] if "depth" in frame else pd.Series(0, index=frame.index)
        marks = roles.map({"of_which": "of which: ", "overlap": "(overlaps) ",
                           "listed": "(inside other) "}).fillna("")
        shown.index = ["\u00a0" * 4 * int(d) + m + n
                       for d, m, n in zip(depth, marks, frame["name"], strict=True)]  # fmt: skip
    else:
        shown.index = [label(i, currency) for i in frame.index] if by_row else frame.index
    for (row, column), (kind, low, high) in frame.attrs.get("bases", {}).items():
        if row in frame.index and column in data.columns:
            at = (frame.index.get_loc(row), list(data.columns).index(column))
            value = data.at[row, column]
            shown.iat[at] = (derived_text(value, low, high, _places(row, decimals))
                             if kind == "derived" else f"{shown.iat[at]} (printed)")  # fmt: skip
    shown.columns = [label(c, currency) for c in data.columns]
    styles = [ROW_STYLES.get(r, "") for r in roles]
    styler = shown.style
    if frame.attrs.get("caption"):  # a sentence about the table, shown with it
        styler = styler.set_caption(frame.attrs["caption"])
    return styler.apply(lambda _: styles, axis=0).set_table_styles(
        [{"selector": "th.row_heading", "props": "text-align:left"},
         {"selector": "td", "props": "text-align:right"}]
    )  # fmt: skip


def derived_text(value: float, low: float, high: float, places: int = 1) -> str:
    """A derived figure as shown: '≈-0.3', with its range '(-0.5 to -0.2)' when the printed
    rounding allows more than ± 0.1 around it (helpers.basis)."""
    from helpers.basis import wide_range

    if value is None or not np.isfinite(value):
        return "–"
    text = f"\u2248{format_value(value, places)}"
    if wide_range(low, high, value):
        text += f" ({format_value(low, places)} to {format_value(high, places)})"
    return text


def _places(name, default: int) -> int:
    return decimals(name, default) if isinstance(name, str) else default
