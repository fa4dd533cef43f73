"""Charts of the views, drawn with one theme (matplotlib/seaborn).

Every chart goes through :func:`finish`: the title states the claim the data support, a grey
subtitle names the measure and its units, the legend sits above the plot (never over the lines),
a "Source:" line and, on sample data, the sample marker sit at the foot, and the PNG is drawn at
2x its display size. A chart is returned as a :class:`Chart`, shown in notebooks and in the
exported HTML as one ``<img>`` with alt text (nbconvert's lab template drops alt text from plain
PNG outputs). The numbers are computed in helpers.chartdata / helpers.breakdown; the claims here
are written from them by fixed templates.
"""

from __future__ import annotations

import base64
import json
import textwrap
from dataclasses import dataclass, field
from functools import cache
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # drawing into PNG bytes: no GUI backend needed (set before pyplot)
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.transforms as mtransforms  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from helpers import chartdata  # noqa: E402
from helpers.contract import SAMPLE_LABEL  # noqa: E402
from helpers.figures import format_value, round_half_up  # noqa: E402
from helpers.forecast import FORECAST_COLUMNS, FORECAST_YOY, HI80, HI95, LO80, LO95  # noqa: E402
from helpers.images import figure_png  # noqa: E402
from helpers.paths import DATA_DIR  # noqa: E402

__all__ = [
    "DPI",
    "Chart",
    "Look",
    "apply_theme",
    "balance_chart",
    "balance_claim",
    "bar_ranking",
    "contribution_bars",
    "contribution_claim",
    "contribution_waterfall",
    "waterfall_rows",
    "fan_chart",
    "finish",
    "growth_chart",
    "growth_claim",
    "path_with_base",
    "price_volume_bars",
    "price_volume_history_chart",
    "sa_chart",
    "sa_claim",
    "source_foot",
    "spread",
    "us_share_chart",
    "us_share_claim",
    "yoy_heatmap",
    "yoy_lines_chart",
]

EXPORT_COLOUR, IMPORT_COLOUR = "#1f5a96", "#c0504d"
UP, DOWN, TOTAL = "#3a8a4f", "#c0504d", "#404040"
PRICE_COLOUR, VOLUME_COLOUR = "#8064a2", "#2a9db5"
PALETTE = ["#1f5a96", "#e08a2e", "#3a8a4f", "#8064a2", "#c0504d", "#2a9db5", "#8c6d31",
           "#7f7f7f"]  # fmt: skip
EVENT_STYLE = {"tariff": ("#b22222", (0, (4, 2))), "truce": ("#2e7d4f", (0, (4, 2))),
               "other": ("#555555", (0, (4, 2))), "holiday": ("#9a9a9a", (0, (1, 2)))}  # fmt: skip
DPI = 200  # PNGs at 2x: a 10-inch chart is shown 1000 px wide and drawn 2000 px wide
SCREEN_DPI = 100  # display pixels per inch of figure size
TOP_IN, BOTTOM_IN = 1.15, 0.75  # the figsize's allowance for header and foot (inches)
LEFT_IN, RIGHT_IN = 0.8, 0.2
THEME = {
    "font.family": "DejaVu Sans", "font.size": 9.5, "axes.titlesize": 10,
    "axes.labelsize": 9, "axes.labelcolor": "#333333", "axes.edgecolor": "#bbbbbb",
    "axes.titley": 1.0,  # a fixed place: auto-placement measures every tick label, per axes
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "axes.grid.axis": "y", "grid.color": "#e6e6e6", "grid.linewidth": 0.8,
    "xtick.labelsize": 8.5, "ytick.labelsize": 8.5, "xtick.color": "#444444",
    "ytick.color": "#444444", "legend.frameon": False, "legend.fontsize": 8.5,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE), "figure.dpi": SCREEN_DPI,
    "savefig.dpi": DPI, "figure.facecolor": "white", "axes.facecolor": "white",
}  # fmt: skip


# seaborn's whitegrid theme, resolved into rcParams once (seaborn_rc, write_theme_file):
# importing seaborn costs a view notebook about a second (it imports scipy.stats), for one
# set_theme call; tests/test_charts.py checks the file against seaborn's own values
THEME_FILE = DATA_DIR / "chart_theme.json"
SEABORN_THEME = {"style": "whitegrid", "context": "notebook"}


@cache
def _seaborn_rc() -> dict:
    return json.loads(THEME_FILE.read_text(encoding="utf-8"))["rc"]


def seaborn_rc() -> dict:
    """The rcParams seaborn's set_theme(**SEABORN_THEME) sets, computed by seaborn itself, less
    image.cmap (seaborn's own colormap: the kit's charts name theirs) and axes.prop_cycle (the
    kit's palette is in THEME)."""
    import seaborn as sns

    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        before = dict(matplotlib.rcParams)
        sns.set_theme(**SEABORN_THEME)
        after = dict(matplotlib.rcParams)
    return {key: getattr(value, "value", value) for key, value in sorted(after.items())
            if before.get(key) != value and key not in ("image.cmap", "axes.prop_cycle")}


def write_theme_file() -> Path:
    """Write data/chart_theme.json from seaborn (after a seaborn upgrade: `python -c "from
    helpers import charts; charts.write_theme_file()"`)."""
    import seaborn as sns

    document = {"what": f"rcParams of seaborn's set_theme({SEABORN_THEME}) less image.cmap and "
                        "axes.prop_cycle (helpers.charts.seaborn_rc)",
                "seaborn": sns.__version__, "rc": seaborn_rc()}  # fmt: skip
    THEME_FILE.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return THEME_FILE


def apply_theme() -> None:
    """The kit's one chart style (fonts, colours, grid), applied to every chart: seaborn's
    whitegrid theme (data/chart_theme.json), then the kit's own THEME over it."""
    matplotlib.rcParams.update(_seaborn_rc())
    matplotlib.rcParams.update(THEME)


apply_theme()


@dataclass(frozen=True)
class Look:
    """What every chart's foot says: the source, and whether the data are the sample."""

    source: str = ""
    sample: bool = False


def _look(source) -> Look:
    if isinstance(source, Look):
        return source
    text = str(source or "")
    return Look(text, SAMPLE_LABEL in text)


@dataclass
class Chart:
    """A drawn chart: PNG bytes (2x), its alt text and the data it was drawn from."""

    title: str
    alt: str
    png: bytes
    width_px: int
    data: object = None
    caption: str = ""
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    subtitle: str = ""  # the line under the title (units, how to read the chart)

    def __repr__(self) -> str:
        # the notebook's text/plain form: a line, not the PNG's bytes (which made each
        # executed notebook megabytes larger than its images and slowed every save)
        return f"Chart({self.title!r}, {self.width_px} px, {len(self.png) // 1024} KB PNG)"

    def _repr_html_(self) -> str:
        encoded = base64.b64encode(self.png).decode("ascii")
        caption = (f'<figcaption style="font-size:12px;color:#555;max-width:{self.width_px}px">'
                   f"{escape(self.caption)}</figcaption>" if self.caption else "")  # fmt: skip
        return (
            f'<figure class="ctk-chart" style="margin:8px 0">'
            f'<img src="data:image/png;base64,{encoded}" alt="{escape(self.alt)}" '
            f'width="{self.width_px}" style="max-width:100%;height:auto">{caption}</figure>'
        )


@dataclass
class Note:
    """Shown instead of a chart whose data are missing: says what is missing and why."""

    text: str

    def _repr_markdown_(self) -> str:
        return f"*{self.text}*"


def _nothing(title: str, what: str) -> Note:
    return Note(f"{title}: no {what} in the data for this period.")


# a line over time needs a few points to show a course: fewer, and the tables say it better
MIN_MONTHS_OVER_TIME = 3


def _too_short(frame: pd.DataFrame, title: str, what: str) -> Note | None:
    """A Note when fewer than MIN_MONTHS_OVER_TIME months of `frame` hold any value (a chart
    over three years with one dot says nothing), else None."""
    held = frame.index[frame.notna().any(axis=1)]
    if len(held) >= MIN_MONTHS_OVER_TIME:
        return None
    if not len(held):
        return _nothing(title, what)
    months = " and ".join(f"{p:%B %Y}" for p in held)
    count = "one month" if len(held) == 1 else f"{len(held)} months"
    return Note(f"{title}: the data hold {what} for {count} only ({months}), shown in the tables "
                f"above; a chart over time needs at least {MIN_MONTHS_OVER_TIME} months. Import "
                "earlier GAC releases to draw it (python -m helpers fetch gac --period YYYY-MM "
                "--store DIR).")


def _figure(width: float, height: float, nrows: int = 1, ncols: int = 1, **kwargs):
    apply_theme()
    return plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kwargs)


def finish(fig, title: str, subtitle: str, source, alt: str, data=None, legend: bool = True,
           caption: str = "", events: pd.DataFrame | None = None, left_in: float = LEFT_IN,
           bottom_in: float = BOTTOM_IN) -> Chart:  # fmt: skip
    """Title (the claim), subtitle (measure and units), legend above the plot, source line,
    sample marker; render at 2x and close the figure.

    Margins are fixed in inches (tight_layout would draw the figure once more, which is slow);
    the figure grows by what a wrapped title or a legend of several rows needs, so the plot
    keeps its size.
    """
    look = _look(source)
    width, height = fig.get_size_inches()
    title_lines = textwrap.wrap(title, int(width * 8.6)) or [""]
    handles, labels = {}, []
    for ax in fig.axes if legend else []:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if not label.startswith("_") and label not in handles:
                handles[label] = handle
                labels.append(label)
    ncols = min(len(labels), 4 if labels and max(map(len, labels)) > 24 else 6) or 1
    legend_rows = -(-len(labels) // ncols)
    # 9.5 pt subtitle: about 15 characters an inch; a longer one wraps rather than run off
    subtitle_lines = textwrap.wrap(subtitle, int(width * 15)) or [""]
    subtitle_at = 0.12 + 0.25 * len(title_lines) + 0.04
    legend_at = subtitle_at + 0.24 + 0.18 * (len(subtitle_lines) - 1)
    top_in = legend_at + 0.2 * legend_rows + (0.42 if events is not None and len(events) else 0.15)
    height = height - TOP_IN - BOTTOM_IN + top_in + bottom_in
    fig.set_size_inches(width, height)
    fig.text(0.01, 1 - 0.12 / height, "\n".join(title_lines), ha="left", va="top",
             fontsize=12.5, fontweight="bold", color="#1a1a1a", linespacing=1.25)  # fmt: skip
    fig.text(0.01, 1 - subtitle_at / height, "\n".join(subtitle_lines), ha="left", va="top",
             fontsize=9.5, color="#555555")  # fmt: skip
    if handles:
        fig.legend([handles[k] for k in labels], labels, loc="upper left", frameon=False,
                   bbox_to_anchor=(0.005, 1 - legend_at / height), ncols=ncols, fontsize=8.5,
                   handlelength=1.8, columnspacing=1.2, borderaxespad=0, borderpad=0)  # fmt: skip
    foot = source_foot(look.source)
    fig.text(0.01, 0.06 / height, foot, ha="left", va="bottom", fontsize=7.5, color="#666666")
    if look.sample:
        fig.text(0.99, 0.06 / height, "ILLUSTRATIVE SAMPLE DATA", ha="right", va="bottom",
                 fontsize=8, fontweight="bold", color="#a15c00")  # fmt: skip
    fig.subplots_adjust(left=left_in / width, right=1 - RIGHT_IN / width,
                        bottom=bottom_in / height, top=1 - top_in / height,
                        hspace=0.42 if len(fig.axes) > 1 else 0.2, wspace=0.32)  # fmt: skip
    png = figure_png(fig, DPI)  # a palette PNG: a quarter of the bytes, no visible change
    plt.close(fig)
    return Chart(title, alt, png, int(round(width * SCREEN_DPI)), data, caption,
                 events if events is not None else pd.DataFrame(), subtitle)  # fmt: skip


def source_foot(source: str) -> str:
    """The chart's foot line: the source note with one "Source:" in front."""
    text = (source or "").strip()
    if not text:
        return "Source: China Trade Kit"
    return text if text.startswith("Source:") else f"Source: {text}"


def _bar_collection(ax, x, heights, bottom, width: float, colour: str, label: str):
    """Vertical bars as one artist (ax.bar makes a patch per bar, and that bookkeeping was
    most of a 36-month stacked chart's cost); missing heights draw no bar."""
    x, top = np.asarray(x, float), np.asarray(bottom, float) + np.nan_to_num(heights)
    bottom = np.broadcast_to(np.asarray(bottom, float), x.shape)
    left, right = x - width / 2, x + width / 2
    corners = np.stack([np.column_stack(xy) for xy in
                        ((left, bottom), (left, top), (right, top), (right, bottom))], axis=1)
    bars = PolyCollection(corners, facecolors=colour, edgecolors="none", label=label)
    ax.add_collection(bars)
    ax.update_datalim(corners.reshape(-1, 2))
    ax.autoscale_view()
    return bars


def _x(index: pd.PeriodIndex) -> np.ndarray:
    """Mid-month positions in matplotlib's date numbers (days), for plotting months against
    event dates; plain floats spare matplotlib a unit conversion per bar (much faster)."""
    return mdates.date2num(index.to_timestamp(how="start")) + 14.0


def _time_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(3, 6, 9, 12)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %y"))


def _label_room(labels, base: float = 0.35) -> float:
    """Inches a column of tick labels needs (about 0.075 in per character at 8.5 pt)."""
    return base + 0.075 * max((len(str(label)) for label in labels), default=0)


def _zero(ax, vertical: bool = False) -> None:
    (ax.axvline if vertical else ax.axhline)(0, color="#333333", lw=0.8, zorder=1)


def _mark_events(axes, window: pd.PeriodIndex, numbers: bool = True,
                 thin: bool = False) -> tuple[str, pd.DataFrame]:  # fmt: skip
    """Dated events inside the window as vertical lines (numbered on the top panel unless
    `numbers` is False, e.g. for small multiples); returns the caption listing them and the
    events drawn. `thin` (small multiples): only the events that matter (chartdata.thin_events:
    no holidays, one line per cluster of policy steps)."""
    events = chartdata.events_in(window)
    if thin:
        events = chartdata.thin_events(events)
    if events.empty:
        return "", events
    numbered = events[events["kind"] != "holiday"].reset_index(drop=True)
    for ax in axes:
        for _, event in events.iterrows():
            colour, dash = EVENT_STYLE.get(event["kind"], EVENT_STYLE["other"])
            ax.axvline(mdates.date2num(event["date"]), color=colour, ls=dash, lw=0.9, zorder=0.5,
                       label="Chinese New Year" if event["kind"] == "holiday" else "_")  # fmt: skip
    top = axes[0]
    if not numbers:
        listed = "; ".join(f"{e['date']:%d %b %Y}: {e['label']}" for _, e in numbered.iterrows())
        text = "Dashed lines (data/events.csv): red tariff steps, green truces: " + listed + "."
        if (events["kind"] == "holiday").any():
            text += " Grey dotted lines: Chinese New Year."
        return text, events
    blend = mtransforms.blended_transform_factory(top.transData, top.transAxes)
    level, previous = 0, None
    for i, event in numbered.iterrows():  # stagger numbers of events less than 6 weeks apart
        close = previous is not None and (event["date"] - previous).days < 42
        level = (level + 1) % 3 if close else 0
        top.text(mdates.date2num(event["date"]), 1.02 + 0.07 * level, str(i + 1), transform=blend,
                 ha="center", va="bottom", fontsize=7.5, fontweight="bold",
                 color=EVENT_STYLE.get(event["kind"], EVENT_STYLE["other"])[0])  # fmt: skip
        previous = event["date"]
    listed = "; ".join(
        f"{i + 1} {e['date']:%d %b %Y}: {e['label']}" for i, e in numbered.iterrows()
    )
    holidays = (events["kind"] == "holiday").any()
    caption = "Events marked (data/events.csv): " + (listed or "none but holidays")
    if holidays:
        caption += ". Grey dotted lines: Chinese New Year."
    return caption, events


def _label_last(ax, x, series: pd.Series, colour: str, unit: str = "%", sign: bool = True,
                label_y: float | None = None, prefix: str = ""):  # fmt: skip
    """Write the latest value beside its point (at `label_y` when labels had to be spread;
    `prefix` "≈" for a derived value)."""
    valid = series.dropna()
    if valid.empty:
        return
    position = x[series.index.get_loc(valid.index[-1])]
    ax.scatter([position], [valid.iloc[-1]], color=colour, s=22, zorder=4)
    y = valid.iloc[-1] if label_y is None else label_y
    ax.annotate(f"{prefix}{format_value(valid.iloc[-1], 1, sign=sign)}{unit}", (position, y),
                xytext=(5, 0), textcoords="offset points", va="center", fontsize=8.5,
                fontweight="bold", color=colour)  # fmt: skip


def spread(values: list[float], gap: float) -> list[float]:
    """Label positions at least `gap` apart, in the values' order: a label too close to the one
    below moves up (labels of lines ending near each other would overlap)."""
    order = np.argsort(values, kind="stable")
    placed = np.asarray(values, float)[order].copy()
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    out = np.empty_like(placed)
    out[order] = placed
    return out.tolist()


def _label_lasts(ax, x, frame: pd.DataFrame, colours, unit: str = "%", sign: bool = True):
    """Label every column's latest value, spread so the labels do not overlap."""
    columns = [c for c in frame.columns if frame[c].notna().any()]
    last = [frame[c].dropna().iloc[-1] for c in columns]
    low, high = ax.get_ylim()
    for column, colour, y in zip(columns, colours, spread(last, 0.055 * (high - low)),
                                 strict=False):  # fmt: skip
        _label_last(ax, x, frame[column], colour, unit, sign, label_y=y)


_ORDINALS = {2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh",
             8: "eighth", 9: "ninth", 10: "tenth", 11: "eleventh", 12: "twelfth"}  # fmt: skip


def _month_name(label: str) -> str:
    return label


# ------------------------------------------------------------------------------- headline


def _approx(panel: pd.DataFrame, flow: str) -> str:
    """'≈' when the panel's latest y/y of `flow` rests on a derived year-ago month."""
    actual = panel[f"{flow}_yoy"].dropna()
    latest = len(actual) > 0 and actual.index[-1] == panel.attrs.get("period")
    return "\u2248" if latest and flow in panel.attrs.get("derived", ()) else ""


def growth_claim(panel: pd.DataFrame, flow: str = "export") -> str:
    """'Exports beat consensus for a third month' or, without consensus, the latest y/y ('≈'
    before a y/y derived from GAC's printed rates)."""
    noun = f"{flow.capitalize()}s"
    actual, consensus = panel[f"{flow}_yoy"], panel[f"{flow}_consensus_yoy"]
    approx = _approx(panel, flow)
    verdict, run = chartdata.beat_streak(actual, consensus)
    label = panel.attrs.get("label", "")
    if verdict in ("beat", "missed") and run >= 2:
        streak = _ORDINALS.get(run, f"{run}th")
        return f"{noun} {verdict} consensus for a {streak} month in a row ({label})"
    if verdict:
        latest = format_value(actual.dropna().iloc[-1], 1, sign=True)
        return f"{noun} {verdict} consensus in {label}: {approx}{latest}% y/y"
    valid = actual.dropna()
    if valid.empty:
        return f"{noun}: no y/y growth in the data"
    direction = "grew" if valid.iloc[-1] >= 0 else "fell"
    return f"{noun} {direction} {approx}{format_value(abs(valid.iloc[-1]))}% y/y in {label}"


def growth_chart(panel: pd.DataFrame, source) -> Chart | Note:
    """Exports and imports y/y (two panels) with the 3-month-sum y/y, consensus marks, the
    latest point labelled and dated events (panel from chartdata.growth_panel)."""
    short = _too_short(panel[["export_yoy", "import_yoy"]], "Export and import growth",
                       "y/y growth")  # fmt: skip
    if short is not None:
        return short
    x = _x(panel.index)
    fig, axes = _figure(10, 6.4, nrows=2, sharex=True)
    axes = axes[:, 0]
    for ax, flow, colour in zip(axes, ("export", "import"), (EXPORT_COLOUR, IMPORT_COLOUR),
                                strict=True):  # fmt: skip
        noun = f"{flow.capitalize()}s"
        ax.plot(x, panel[f"{flow}_yoy"], color=colour, lw=2, label=f"{noun} y/y")
        ax.plot(x, panel[f"{flow}_yoy_3m"], color=colour, lw=1.2, ls=(0, (3, 1.5)), alpha=0.75,
                label=f"{noun}: 3-month sum y/y")  # fmt: skip
        consensus = panel[f"{flow}_consensus_yoy"]
        if consensus.notna().any():
            ax.scatter(x, consensus, marker="_", s=90, lw=2, color="#111111", zorder=3,
                       label="Consensus")  # fmt: skip
        _label_last(ax, x, panel[f"{flow}_yoy"], colour, prefix=_approx(panel, flow))
        _zero(ax)
        ax.set_ylabel(f"{noun}, % y/y")
        ax.set_xlim(x[0] - 20, x[-1] + 75)
    _time_axis(axes[-1])
    caption, events = _mark_events(axes, panel.index)
    currency = panel.attrs.get("currency", "USD")
    alt = (f"Line chart of China's exports and imports, % y/y in {currency} terms, "
           f"{_span(panel.index)}, with the 3-month-sum y/y and consensus marks. "
           + " ".join(_latest_text(panel, f) for f in ("export", "import")))  # fmt: skip
    return finish(fig, growth_claim(panel), f"% y/y, {currency} values; dashed: 3-month sum y/y; "
                  "black ticks: consensus", source, alt, panel, caption=caption,
                  events=events)  # fmt: skip


def _span(index: pd.PeriodIndex) -> str:
    return f"{index[0]:%b %Y} to {index[-1]:%b %Y}"


def _latest_text(panel: pd.DataFrame, flow: str) -> str:
    valid = panel[f"{flow}_yoy"].dropna()
    if valid.empty:
        return f"No {flow} growth."
    text = (f"Latest {flow}s {_approx(panel, flow)}{format_value(valid.iloc[-1], 1, sign=True)}% "
            f"({valid.index[-1]:%b %Y})")  # fmt: skip
    consensus = panel[f"{flow}_consensus_yoy"].get(valid.index[-1], np.nan)
    if pd.notna(consensus):
        text += f" against consensus {format_value(consensus, 1, sign=True)}%"
    return text + "."


def sa_claim(panel: pd.DataFrame) -> str:
    """'Seasonally adjusted exports rose 1.2% m/m in September 2025'."""
    mom = panel["export_mom"].dropna()
    if mom.empty:
        return "Seasonally adjusted exports: no m/m change in the data"
    verb = (
        "rose"
        if round_half_up(mom.iloc[-1], 1) > 0
        else ("fell" if round_half_up(mom.iloc[-1], 1) < 0 else "were flat")
    )
    amount = "" if verb == "were flat" else f" {format_value(abs(mom.iloc[-1]))}%"
    return f"Seasonally adjusted exports {verb}{amount} m/m in {panel.attrs.get('label', '')}"


def sa_chart(panel: pd.DataFrame, source) -> Chart | Note:
    """Seasonally adjusted levels (bn, top) and their m/m change (%, bars, bottom)."""
    if panel.empty:
        return Note("Seasonally adjusted levels: the data need at least 36 months without gaps "
                    "up to this month to adjust.")  # fmt: skip
    currency = panel.attrs.get("currency", "USD")
    x = _x(panel.index)
    fig, axes = _figure(10, 6.0, nrows=2, sharex=True, height_ratios=(1.4, 1))
    top, bottom = axes[:, 0]
    for offset, flow, colour in ((-6, "export", EXPORT_COLOUR), (6, "import", IMPORT_COLOUR)):
        noun = f"{flow.capitalize()}s"
        top.plot(x, panel[f"{flow}_sa"], color=colour, lw=2, label=f"{noun}, SA level")
        _label_last(top, x, panel[f"{flow}_sa"], colour, unit="bn", sign=False)
        bottom.bar(x + offset, panel[f"{flow}_mom"], width=11, color=colour,
                   alpha=0.85, label=f"{noun}, SA m/m")  # fmt: skip
    top.set_ylabel(f"{currency} bn, SA")
    bottom.set_ylabel("% m/m, SA")
    _zero(bottom)
    top.set_xlim(x[0] - 20, x[-1] + 75)
    _time_axis(bottom)
    caption, events = _mark_events([top, bottom], panel.index)
    method = panel.attrs.get("method", "")
    latest = panel.iloc[-1]
    alt = (f"Seasonally adjusted exports and imports, {currency} bn, {_span(panel.index)} "
           f"(method {method}), with m/m changes as bars. Latest exports "
           f"{format_value(latest['export_sa'])}bn ({format_value(latest['export_mom'], 1, True)}%"
           f" m/m), imports {format_value(latest['import_sa'])}bn "
           f"({format_value(latest['import_mom'], 1, True)}% m/m).")  # fmt: skip
    return finish(fig, sa_claim(panel), f"Seasonally and New-Year adjusted ({method}), "
                  f"{currency} bn; bars: change on the previous month, %; combined Jan-Feb: "
                  "each month at the pair's average", source, alt, panel,
                  caption=caption, events=events)  # fmt: skip


def balance_claim(panel: pd.DataFrame) -> str:
    """'Surplus of USD 90.5bn in September 2025, USD 9.1bn more than a year earlier'."""
    last = panel.iloc[-1]
    currency = panel.attrs.get("currency", "USD")
    if pd.isna(last["balance"]):
        return "Trade balance: not in the data for this month"
    kind = "Surplus" if last["balance"] >= 0 else "Deficit"
    text = f"{kind} of {currency} {format_value(abs(last['balance']))}bn in {panel.attrs['label']}"
    if pd.notna(last["balance_prev_year"]):
        change = last["balance"] - last["balance_prev_year"]
        more = "more" if round_half_up(change, 1) >= 0 else "less"
        text += f", {currency} {format_value(abs(change))}bn {more} than a year earlier"
    return text


def balance_chart(panel: pd.DataFrame, source) -> Chart | Note:
    """Monthly balance bars with the same month a year earlier; combined Jan-Feb bars hatched
    and labelled (they cover two months)."""
    short = _too_short(panel[["balance"]], "Trade balance", "a balance")
    if short is not None:
        return short
    currency = panel.attrs.get("currency", "USD")
    x = _x(panel.index)
    fig, axes = _figure(10, 4.4)
    ax = axes[0, 0]
    janfeb = panel["janfeb"].to_numpy(bool)
    ax.bar(x + 5, panel["balance_prev_year"], width=14, color="#c9c9c9",
           label="Same month a year earlier")  # fmt: skip
    colours = np.where(panel["balance"] >= 0, EXPORT_COLOUR, IMPORT_COLOUR)
    bars = ax.bar(x - 4, panel["balance"], width=14, color=colours,
                  label="Balance")  # fmt: skip
    for bar, combined in zip(bars, janfeb, strict=True):
        if combined:
            bar.set_hatch("////")
            bar.set_edgecolor("white")
            # inside the bar, written upwards: clear of the value label, the event numbers and
            # the holiday lines above the bars
            height = bar.get_height()
            ax.annotate("Jan-Feb", (bar.get_x() + bar.get_width() / 2, height),
                        xytext=(0, -4 if height >= 0 else 4), textcoords="offset points",
                        ha="center", va="top" if height >= 0 else "bottom", rotation=90,
                        fontsize=7, fontweight="bold", color="white",
                        bbox={"boxstyle": "square,pad=0.1", "fc": EXPORT_COLOUR if height >= 0
                              else IMPORT_COLOUR, "ec": "none"})  # fmt: skip
    if janfeb.any():
        ax.bar([x[0]], [np.nan], color=EXPORT_COLOUR, hatch="////", edgecolor="white",
               label="Combined Jan-Feb (two months)")  # fmt: skip
    _label_last(ax, x - 4, panel["balance"], TOTAL, unit="bn", sign=False)
    _zero(ax)
    ax.set_ylabel(f"{currency} bn")
    _time_axis(ax)
    caption, events = _mark_events([ax], panel.index)
    last = panel.iloc[-1]
    alt = (f"Bar chart of China's monthly trade balance, {currency} bn, {_span(panel.index)}, "
           "each month beside the same month a year earlier. Latest "
           f"{format_value(last['balance'])}bn against "
           f"{format_value(last['balance_prev_year'])}bn a year earlier."
           + (" Combined January-February bars are hatched." if janfeb.any() else ""))  # fmt: skip
    return finish(fig, balance_claim(panel), f"Exports minus imports, {currency} bn",
                  source, alt, panel, caption=caption, events=events)  # fmt: skip


# ------------------------------------------------------------------------------- breakdowns


def contribution_claim(frame: pd.DataFrame) -> str:
    """'Electromechanical products added most to export growth in September 2025 (+4.3 pp of
    +8.3%)' — the largest contribution of the latest month, either sign."""
    last = frame.iloc[-1]
    parts = last.drop(labels=["total"]).dropna()
    names = frame.attrs["names"]
    flow = frame.attrs.get("flow", "export")
    if parts.empty or pd.isna(last["total"]):
        return f"Contributions to {flow} growth: not computable for {frame.attrs.get('label')}"
    top = parts.abs().idxmax()
    verb = "added most to" if parts[top] >= 0 else "weighed most on"
    return (
        f"{names[top]} {verb} {flow} growth in {frame.attrs['label']} "
        f"({format_value(parts[top], 1, sign=True)} pp of "
        f"{format_value(last['total'], 1, sign=True)}%)"
    )


def contribution_bars(frame: pd.DataFrame, source) -> Chart | Note:
    """Stacked contributions (pp) by line over time with the total y/y as a line."""
    data = frame.dropna(subset=["total"])
    short = _too_short(frame[["total"]], "Contributions over time", "contributions")
    if short is not None:
        return short
    names = frame.attrs["names"]
    flow, dimension = frame.attrs.get("flow", "export"), frame.attrs.get("dimension", "product")
    x = _x(data.index)
    fig, axes = _figure(10, 5.0)
    ax = axes[0, 0]
    parts = [c for c in data.columns if c != "total"]
    positive, negative = np.zeros(len(data)), np.zeros(len(data))
    colours = PALETTE[: len(parts) - 1] + ["#bdbdbd"]
    for code, colour in zip(parts, colours, strict=True):
        values = data[code].fillna(0.0).to_numpy()
        base = np.where(values >= 0, positive, negative)
        _bar_collection(ax, x, values, base, 22, colour, names[code])
        positive += np.clip(values, 0, None)
        negative += np.clip(values, None, 0)
    ax.plot(x, data["total"], color="black", lw=1.6, marker="o", ms=3, label=names["total"])
    _label_last(ax, x, data["total"], "black")
    _zero(ax)
    ax.set_ylabel(f"pp of {flow} y/y growth")
    ax.set_xlim(x[0] - 25, x[-1] + 70)
    _time_axis(ax)
    caption, events = _mark_events([ax], data.index)
    by = "product group" if dimension == "product" else "destination"
    last = data.iloc[-1]
    listed = ", ".join(f"{names[c]} {format_value(last[c], 1, True)}" for c in parts)
    alt = (f"Stacked bar chart of contributions to {flow} growth by {by}, percentage points, "
           f"{_span(data.index)}, with total y/y as a line. Latest month: {listed} pp; total "
           f"{format_value(last['total'], 1, True)}%.")  # fmt: skip
    return finish(fig, contribution_claim(frame), f"Contributions to {flow} y/y growth by {by}, "
                  "pp; line: total y/y, %", source, alt, frame, caption=caption,
                  events=events)  # fmt: skip


def us_share_claim(frame: pd.DataFrame) -> str:
    """'The US took 10.2% of China's exports in September 2025, against 14.7% a year earlier'."""
    share = frame.get("export_share")
    if share is None or share.dropna().empty:
        return "US share of China's exports: not in the data"
    t = share.dropna().index[-1]
    text = (
        f"The US took {format_value(share[t])}% of China's exports in "
        f"{frame.attrs.get('label', t.strftime('%B %Y'))}"
    )
    earlier = share.get(t - 12, np.nan)
    if pd.notna(earlier):
        text += f", against {format_value(earlier)}% a year earlier"
    return text


def us_share_chart(frame: pd.DataFrame, source) -> Chart | Note:
    """The United States' share of China's exports and imports, % by month."""
    short = _too_short(frame, "US share", "United States lines")
    if short is not None:
        return short
    x = _x(frame.index)
    fig, axes = _figure(10, 4.4)
    ax = axes[0, 0]
    for column, noun, colour in (("export_share", "exports to", EXPORT_COLOUR),
                                 ("import_share", "imports from", IMPORT_COLOUR)):  # fmt: skip
        if column in frame:
            ax.plot(x, frame[column], color=colour, lw=2, label=f"Share of China's {noun} the US")
            _label_last(ax, x, frame[column], colour, sign=False)
    ax.set_ylabel("% of China's total")
    ax.set_ylim(bottom=0)
    ax.set_xlim(x[0] - 20, x[-1] + 75)
    _time_axis(ax)
    caption, events = _mark_events([ax], frame.index)
    last = frame.iloc[-1]
    alt = (f"Line chart of the United States' share of China's exports and imports, %, "
           f"{_span(frame.index)}. Latest: exports {format_value(last.get('export_share'))}%, "
           f"imports {format_value(last.get('import_share'))}%.")  # fmt: skip
    return finish(fig, us_share_claim(frame), "US share of China's exports and imports, % of "
                  "the total", source, alt, frame, caption=caption, events=events)  # fmt: skip


def yoy_lines_chart(frame: pd.DataFrame, source) -> Chart | Note:
    """Y/y lines of the main product groups, latest values labelled."""
    short = _too_short(frame, "Growth by product group", "product lines")
    if short is not None:
        return short
    names = frame.attrs["names"]
    flow = frame.attrs.get("flow", "export")
    x = _x(frame.index)
    fig, axes = _figure(10, 4.8)
    ax = axes[0, 0]
    for code, colour in zip(frame.columns, PALETTE, strict=False):
        ax.plot(x, frame[code], lw=1.7, color=colour, label=names[code])
    _label_lasts(ax, x, frame, PALETTE)
    _zero(ax)
    ax.set_ylabel("% y/y")
    ax.set_xlim(x[0] - 20, x[-1] + 90)
    _time_axis(ax)
    caption, events = _mark_events([ax], frame.index)
    last = frame.iloc[-1].dropna()
    if last.empty:
        claim = f"{flow.capitalize()} growth by product group"
    else:
        best = last.idxmax()
        claim = (
            f"{names[best]} grew fastest among the main {flow} groups: "
            f"{format_value(last[best], 1, sign=True)}% y/y in {frame.attrs['label']}"
        )
    listed = ", ".join(f"{names[c]} {format_value(v, 1, True)}%" for c, v in last.items())
    alt = (
        f"Line chart of {flow} y/y growth by product group, %, {_span(frame.index)}. "
        f"Latest: {listed}."
    )
    return finish(fig, claim, f"{flow.capitalize()}s of the largest product groups, % y/y",
                  source, alt, frame, caption=caption, events=events)  # fmt: skip


def price_volume_history_chart(lines: dict[str, pd.DataFrame], flow: str, label: str,
                               source) -> Chart | Note:  # fmt: skip
    """Small multiples: unit value and volume y/y (%) over time for each line with quantities."""
    if not lines:
        return Note(f"Price and volume over time: the data print no {flow} quantities for "
                    f"{label}.")  # fmt: skip
    either = pd.concat([f[["yoy_price", "yoy_volume"]] for f in lines.values()]).groupby(level=0)
    short = _too_short(either.first(), "Price and volume over time", f"{flow} unit values")
    if short is not None:
        return short
    n = len(lines)
    ncols = min(3, n)  # 6 lines: two rows of three
    nrows = -(-n // ncols)
    fig, axes = _figure(10, 1.4 + 2.5 * nrows, nrows=nrows, ncols=ncols, sharex=True)
    flat = axes.ravel()
    falling = 0
    window = None
    for ax, (name, frame) in zip(flat, lines.items(), strict=False):
        x = _x(frame.index)
        window = frame.index
        ax.plot(x, frame["yoy_price"], color=PRICE_COLOUR, lw=1.6, label="Unit value y/y")
        ax.plot(x, frame["yoy_volume"], color=VOLUME_COLOUR, lw=1.6, label="Volume y/y")
        ax.plot(x, frame["yoy"], color="#999999", lw=1, ls=(0, (2, 1.5)), label="Value y/y")
        _zero(ax)
        last = frame.iloc[-1]
        ax.set_title(
            f"{name}\nunit value {format_value(last['yoy_price'], 1, True)}%, volume "
            f"{format_value(last['yoy_volume'], 1, True)}%",
            fontsize=8,
            loc="left",
        )
        falling += (
            bool(round_half_up(last["yoy_price"], 1) < 0) if pd.notna(last["yoy_price"]) else 0
        )
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.tick_params(axis="x", labelbottom=True)
    for ax in flat[n:]:
        ax.set_visible(False)
    for row in axes:
        row[0].set_ylabel("% y/y")
    caption, events = _mark_events(list(flat[:n]), window, numbers=False, thin=True)
    noun = "export" if flow == "export" else "import"
    held = next(iter(lines.values())).attrs.get("of", n)
    claim = f"Unit values fell y/y for {falling} of {n} {noun} lines with quantities in {label}"
    if held > n:
        claim = (f"Unit values fell y/y for {falling} of the {n} largest {noun} lines with "
                 f"quantities ({held} in all) in {label}")  # fmt: skip
    alt = (f"Small-multiple line charts, one per {noun} line with quantities ({', '.join(lines)}),"
           f" of unit value and volume y/y in % from {_span(window)}. Latest: "
           + "; ".join(f"{k} unit value {format_value(v.iloc[-1]['yoy_price'], 1, True)}%, "
                       f"volume {format_value(v.iloc[-1]['yoy_volume'], 1, True)}%"
                       for k, v in lines.items()) + ".")  # fmt: skip
    return finish(fig, claim, "Unit value (price) and volume (quantity), % y/y; grey dashed: "
                  "value y/y", source, alt, lines, caption=caption, events=events)  # fmt: skip


def price_volume_bars(table: pd.DataFrame, title: str, source=None) -> Chart | Note:
    """The month's unit value and volume growth (%) for lines with quantities, value y/y as a
    dot: the terms the text uses ((1 + value) = (1 + price)(1 + volume)), not additive parts."""
    if table.empty:  # the table shown above says what is missing, when it can
        return Note(f"{title}: not drawn, for the reason given above.") if table.attrs.get(
            "empty") else _nothing(title, "quantities")  # fmt: skip
    data = table.sort_values("yoy")
    fig, axes = _figure(10, 0.55 * len(data) + 1.9)
    ax = axes[0, 0]
    y = np.arange(len(data))
    ax.barh(y + 0.18, data["yoy_price"], height=0.36, color=PRICE_COLOUR, label="Unit value y/y")
    ax.barh(y - 0.18, data["yoy_volume"], height=0.36, color=VOLUME_COLOUR, label="Volume y/y")
    ax.scatter(data["yoy"], y, color="black", zorder=3, s=22, label="Value y/y")
    for i, row in enumerate(data.itertuples()):
        for value, dy in ((row.yoy_price, 0.18), (row.yoy_volume, -0.18)):
            if pd.notna(value):
                ax.annotate(f"{format_value(value, 1, True)}", (value, i + dy), fontsize=7.5,
                            xytext=(3 if value >= 0 else -3, 0), textcoords="offset points",
                            ha="left" if value >= 0 else "right", va="center")  # fmt: skip
    ax.set_yticks(y, data["name"])
    ax.grid(axis="x", color="#e6e6e6")
    ax.grid(axis="y", visible=False)
    _zero(ax, vertical=True)
    ax.set_xlabel("% y/y")
    parts = [f"{r.name} value {format_value(r.yoy, 1, True)}%, unit value "
             f"{format_value(r.yoy_price, 1, True)}%, volume "
             f"{format_value(r.yoy_volume, 1, True)}%" for r in data.itertuples()]  # fmt: skip
    alt = ("Horizontal bar chart of unit value and volume growth, % y/y, for lines with "
           "quantities: " + "; ".join(parts) + ".")  # fmt: skip
    return finish(fig, title, "Unit value and volume, % y/y; (1 + value) = (1 + unit value) x "
                  "(1 + volume)", source, alt, data, left_in=_label_room(data["name"]))  # fmt: skip


FOLD_BELOW_PP = 0.1  # waterfall lines contributing less (in absolute pp) join "other"
# ...except the bar a reader looks for first, even at 0.0 pp (US-bound exports, June 2026 YTD)
NEVER_FOLDED = ("united_states",)


def waterfall_rows(table: pd.DataFrame, fold_below: float = FOLD_BELOW_PP) -> pd.DataFrame:
    """The waterfall's bars: the parts sorted by contribution (largest first), those adding less
    than `fold_below` pp either way folded into the 'other' bar (renamed to say so) except
    NEVER_FOLDED, 'other' last. Columns name, contribution; attrs['folded'] lists the folded
    names."""
    rows = table[table["role"].isin(["part", "other"])].dropna(subset=["contribution"])
    parts = rows[rows["role"] == "part"]
    small = parts[(parts["contribution"].abs() < fold_below)
                  & ~parts.index.isin(NEVER_FOLDED)]  # fmt: skip
    kept = parts.drop(index=small.index).sort_values("contribution", ascending=False)
    other = rows[rows["role"] == "other"]
    out = kept[["name", "contribution"]].copy()
    if len(other) or len(small):
        dimension = table.attrs.get("dimension", "")
        base = other["name"].iloc[0] if len(other) else "Other"
        name = base
        if len(small):
            name = ("Rest of world and smaller partners" if dimension == "partner"
                    or base == "Rest of world" else f"Other (incl. {len(small)} small lines)")
        value = float(other["contribution"].sum() + small["contribution"].sum())
        out = pd.concat([out, pd.DataFrame({"name": [name], "contribution": [value]},
                                           index=["other"])])  # fmt: skip
    out.attrs["folded"] = list(small["name"])
    return out


def contribution_waterfall(table: pd.DataFrame, title: str, source=None) -> Chart | Note:
    """Waterfall of contributions (pp) of the parts and 'other', ending in the total's growth:
    parts sorted by contribution, near-zero parts folded into 'other' (waterfall_rows); when the
    bars as printed (one decimal) do not add to the printed total, the subtitle says so."""
    rows = waterfall_rows(table)
    if rows.empty:
        return _nothing(title, "contributions")
    values = rows["contribution"].to_numpy()
    labels = list(rows["name"])
    starts = np.concatenate([[0.0], np.cumsum(values)[:-1]])
    total = float(table.at["total", "yoy"])
    fig, axes = _figure(10, 4.8)
    ax = axes[0, 0]
    ax.bar(range(len(values)), values, bottom=starts, color=np.where(values >= 0, UP, DOWN))
    ax.bar(len(values), total, color=TOTAL)
    for i, v in enumerate(list(values) + [total]):
        top = (starts[i] + v) if i < len(values) else v
        ax.annotate(
            format_value(v, 1, sign=True), (i, top), ha="center", va="bottom" if v >= 0 else "top",
            fontsize=8, xytext=(0, 2 if v >= 0 else -2), textcoords="offset points",
        )  # fmt: skip
    ytd = bool(table.attrs.get("ytd"))  # a year to date's contributions (breakdown.waterfall_table)
    total_label = "Total YTD y/y" if ytd else "Total y/y"
    ax.set_xticks(range(len(values) + 1), labels + [total_label], rotation=30, ha="right")
    _zero(ax)
    low = min(0.0, float(np.min(starts + np.minimum(values, 0))), total)
    ax.set_ylim(bottom=low - 0.08 * (max(abs(low), abs(total)) or 1.0))
    ax.set_ylabel(f"pp of total {'YTD ' if ytd else ''}y/y growth")
    printed = sum(round_half_up(v, 1) for v in values)
    adds = format_value(printed, 1) == format_value(total, 1)
    subtitle = (f"Contribution of each line to total {'year-to-date ' if ytd else ''}y/y "
                "growth, pp; largest first")
    if table.attrs.get("derived"):
        subtitle += "; derived from GAC's printed rates"
    if not adds:
        subtitle += (f"; bars rounded to 0.1 pp add to {format_value(printed, 1, True)}, "
                     f"the unrounded parts to the total's {format_value(total, 1, True)}")
    folded = rows.attrs.get("folded", [])
    alt = (f"Waterfall chart of contributions to {'year-to-date ' if ytd else ''}growth, pp, "
           "largest first: " + ", ".join(
        f"{n} {format_value(v, 1, True)}" for n, v in zip(labels, values, strict=True))
        + f"; total {format_value(total, 1, True)}%."
        + (f" Folded into the other bar (under 0.1 pp each): {', '.join(folded)}."
           if folded else ""))  # fmt: skip
    longest = max(len(label) for label in labels + [total_label])
    return finish(fig, title, subtitle, source, alt, rows, legend=False,
                  bottom_in=0.5 + 0.055 * longest)  # fmt: skip


def yoy_heatmap(matrix: pd.DataFrame, title: str, source=None, combined: bool = False):
    """Heatmap of y/y growth (pct) by line and month; folded Februaries read 'Jan-Feb 24' when
    `combined`."""
    if matrix.empty:
        return _nothing(title, "growth rates")
    data = matrix.copy()
    data.columns = chartdata.period_labels(pd.PeriodIndex(matrix.columns), combined)
    fig, axes = _figure(12, 0.32 * len(data) + 2.6)
    ax = axes[0, 0]
    values = data.to_numpy(dtype=float)
    limit = float(np.nanpercentile(np.abs(values), 95)) or 1.0
    # drawn with matplotlib directly: seaborn's heatmap draws the whole figure once more to
    # decide the label rotation, a third of this chart's cost
    norm = matplotlib.colors.Normalize(-limit, limit)
    cmap = matplotlib.colormaps["RdBu"].with_extremes(bad="white")
    mesh = ax.pcolormesh(np.ma.masked_invalid(values), cmap=cmap, norm=norm,
                         edgecolors="white", linewidth=0.3)  # fmt: skip
    ax.set_xlim(0, values.shape[1])
    ax.set_ylim(values.shape[0], 0)  # first line on top
    ax.set_xticks(np.arange(values.shape[1]) + 0.5, data.columns, rotation=90)
    ax.set_yticks(np.arange(values.shape[0]) + 0.5, data.index)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    fig.colorbar(mesh, ax=ax, label="% y/y").outline.set_visible(False)
    dark = _luminance(cmap(norm(values))) <= 0.408  # white text on dark cells
    for (row, col), value in np.ndenumerate(values):
        if np.isfinite(value):
            ax.text(col + 0.5, row + 0.5, format_value(value, 0), ha="center", va="center",
                    fontsize=6.5, color="white" if dark[row, col] else "#262626")  # fmt: skip
    ax.grid(False)
    alt = (
        f"Heatmap of y/y growth in % for {len(data)} lines ({', '.join(data.index)}) from "
        f"{data.columns[0]} to {data.columns[-1]}; blue is growth, red is decline."
    )
    return finish(fig, title, "% y/y; blue: growth, red: decline", source, alt, matrix,
                  legend=False, left_in=_label_room(data.index),
                  bottom_in=_label_room(data.columns, 0.45))  # fmt: skip


def _luminance(rgba: np.ndarray) -> np.ndarray:
    """Relative luminance (WCAG) of RGBA colours in the last axis."""
    rgb = rgba[..., :3]
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def bar_ranking(values: pd.Series, title: str, xlabel: str, source=None):
    """Horizontal bars of one figure per line (e.g. share change in pp), sorted."""
    data = values.dropna().sort_values()
    if data.empty:
        return _nothing(title, "values")
    fig, axes = _figure(9, 0.35 * len(data) + 1.9)
    ax = axes[0, 0]
    ax.barh(data.index, data.values, color=np.where(data.values >= 0, UP, DOWN))
    ax.grid(axis="x", color="#e6e6e6")
    ax.grid(axis="y", visible=False)
    _zero(ax, vertical=True)
    ax.set_xlabel(xlabel)
    alt = (
        f"Horizontal bar chart, {xlabel}: "
        + ", ".join(f"{k} {format_value(v, 1, True)}" for k, v in data.items())
        + "."
    )
    return finish(fig, title, xlabel, source, alt, data, legend=False,
                  left_in=_label_room(data.index))


def path_with_base(frame: pd.DataFrame, title: str, source=None):
    """Implied y/y path (line) over the base-period y/y (bars) for the coming months."""
    fig, axes = _figure(10, 4.4)
    ax = axes[0, 0]
    x = frame.index.to_timestamp(how="start")
    if "base_yoy" in frame:
        ax.bar(x, frame["base_yoy"], width=20, color="#bfbfbf", label="Base month's own y/y")
    ax.plot(x, frame["base_effect"], color=EXPORT_COLOUR, marker="o", lw=2,
            label="Implied y/y at flat momentum")  # fmt: skip
    _zero(ax)
    ax.set_ylabel("% y/y")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %y"))
    alt = ("Exports' implied y/y path for the coming months at flat seasonally adjusted momentum, "
           "%, over the base months' own y/y: " + ", ".join(
               f"{p:%b %Y} {format_value(v, 1, True)}%"
               for p, v in frame["base_effect"].items()) + ".")  # fmt: skip
    return finish(fig, title, "% y/y", source, alt, frame)


def fan_chart(history: pd.Series, forecast: pd.DataFrame, title: str, source=None):
    """Recent y/y history with the forecast and its 80%/95% intervals.

    `forecast` has the columns of ``helpers.forecast.forecast`` (FORECAST_COLUMNS: the point
    forecast_yoy and the bands; a band whose columns are absent is not drawn)."""
    fig, axes = _figure(10, 4.4)
    ax = axes[0, 0]
    h = history.dropna()
    ax.plot(h.index.to_timestamp(how="start"), h.values, color="#333333", lw=1.6,
            label="Actual y/y")  # fmt: skip
    x = forecast.index.to_timestamp(how="start")
    # the path starts at the last actual month, so actual and forecast lines join
    joined = forecast.copy()
    if len(h) and h.index[-1] < forecast.index[0]:
        first = pd.DataFrame({c: [h.iloc[-1]] for c in forecast.columns
                              if c in FORECAST_COLUMNS},
                             index=pd.PeriodIndex([h.index[-1]]))  # fmt: skip
        joined = pd.concat([first, forecast])
    xj = joined.index.to_timestamp(how="start")
    bands = ((LO95, HI95, 0.18, "95% interval"), (LO80, HI80, 0.35, "80% interval"))
    for lo, hi, alpha, label in bands:
        if lo in joined and hi in joined:
            ax.fill_between(xj, joined[lo], joined[hi], color=EXPORT_COLOUR, alpha=alpha,
                            label=label, lw=0)  # fmt: skip
    ax.plot(xj, joined[FORECAST_YOY], color=EXPORT_COLOUR, lw=2, label="_")
    ax.plot(x, forecast[FORECAST_YOY], color=EXPORT_COLOUR, lw=0, marker="o", label="Forecast")
    months, point = forecast.index, forecast[FORECAST_YOY]
    pairs = [(a, b) for a, b in zip(months[:-1], months[1:], strict=True)
             if a.month == 1 and b.month == 2 and np.isclose(point[a], point[b])]  # fmt: skip
    subtitle = "Exports, % y/y; the forecast starts from the last actual month"
    if pairs:
        subtitle += "; Jan and Feb share one combined forecast (flat stretch)"
    _zero(ax)
    ax.set_ylabel("% y/y")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %y"))
    alt = ("Fan chart of export y/y, %: recent history and the forecast with 80% and 95% "
           "intervals; point forecasts " + ", ".join(
               f"{p:%b %Y} {format_value(v, 1, True)}%" for p, v in point.items())
           + "." + (" January and February share one combined forecast." if pairs else ""))
    return finish(fig, title, subtitle, source, alt, forecast)
