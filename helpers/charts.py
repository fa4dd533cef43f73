"""Charts of the views (matplotlib/seaborn). Each returns a closed Figure: it displays once."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

__all__ = [
    "balance_bars",
    "bar_ranking",
    "contribution_waterfall",
    "fan_chart",
    "growth_history",
    "path_with_base",
    "price_volume_bars",
    "yoy_heatmap",
]

EXPORT_COLOUR, IMPORT_COLOUR = "#1f5a96", "#c0504d"
UP, DOWN, TOTAL = "#3a8a4f", "#c0504d", "#404040"
sns.set_theme(style="whitegrid", context="notebook", font_scale=0.9)


def _finish(fig, ax, title: str, source: str | None) -> plt.Figure:
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    if source:
        fig.text(0.01, 0.005, source, fontsize=7.5, color="#666666", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03 if source else 0, 1, 1))
    plt.close(fig)
    return fig


def _nothing(title: str, what: str):
    """Stand-in for a chart whose data are missing: says so instead of failing."""
    from IPython.display import Markdown

    return Markdown(f"*{title}: no {what} in the data for this period.*")


def _timestamps(index: pd.PeriodIndex) -> pd.DatetimeIndex:
    return index.to_timestamp(how="start")


def growth_history(history: pd.DataFrame, title: str, source: str | None = None) -> plt.Figure:
    """Export and import y/y lines with consensus markers (history from headline.growth_history)."""
    fig, ax = plt.subplots(figsize=(10, 4.2))
    x = _timestamps(history.index)
    for flow, colour in (("export", EXPORT_COLOUR), ("import", IMPORT_COLOUR)):
        growth = history[f"{flow}_yoy_pct"]
        mask = growth.notna().to_numpy()
        ax.plot(x[mask], growth[mask], color=colour, lw=1.8, label=f"{flow.capitalize()}s y/y")
        consensus = history.get(f"{flow}_consensus_pct")
        if consensus is not None and consensus.notna().any():
            ax.scatter(x, consensus, color=colour, marker="_", s=60, lw=1.5,
                       label=f"{flow.capitalize()} consensus")  # fmt: skip
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_ylabel("% y/y")
    ax.legend(loc="upper left", ncols=4, fontsize=8, frameon=False)
    return _finish(fig, ax, title, source)


def balance_bars(balance: pd.Series, unit: str, title: str, source: str | None = None):
    """Monthly trade balance bars (surplus up, deficit down)."""
    fig, ax = plt.subplots(figsize=(10, 3.4))
    data = balance.dropna()
    colours = np.where(data >= 0, EXPORT_COLOUR, IMPORT_COLOUR)
    ax.bar(_timestamps(data.index), data.values, width=25, color=colours)
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_ylabel(unit)
    return _finish(fig, ax, title, source)


def contribution_waterfall(table: pd.DataFrame, title: str, source: str | None = None):
    """Waterfall of contributions (pp) of the parts and 'other', ending in the total's growth."""
    rows = table[table["role"].isin(["part", "other"])].dropna(subset=["contribution"])
    if rows.empty:
        return _nothing(title, "contributions")
    values = rows["contribution"].to_numpy()
    labels = list(rows["name"])
    starts = np.concatenate([[0.0], np.cumsum(values)[:-1]])
    total = float(table.at["total", "yoy"])
    fig, ax = plt.subplots(figsize=(10, 4.2))
    ax.bar(range(len(values)), values, bottom=starts, color=np.where(values >= 0, UP, DOWN))
    ax.bar(len(values), total, color=TOTAL)
    for i, v in enumerate(list(values) + [total]):
        top = (starts[i] + v) if i < len(values) else v
        ax.annotate(
            f"{v:+.1f}", (i, top), ha="center", va="bottom" if v >= 0 else "top", fontsize=8,
            xytext=(0, 2 if v >= 0 else -2), textcoords="offset points",
        )  # fmt: skip
    ax.set_xticks(range(len(values) + 1), labels + ["Total y/y"], rotation=30, ha="right")
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_ylabel("pp of total y/y growth")
    return _finish(fig, ax, title, source)


def yoy_heatmap(matrix: pd.DataFrame, title: str, source: str | None = None):
    """Heatmap of y/y growth (pct) by line and month."""
    if matrix.empty:
        return _nothing(title, "growth rates")
    data = matrix.copy()
    data.columns = [p.strftime("%b %y") for p in data.columns]
    height = 0.32 * len(data) + 1.6
    fig, ax = plt.subplots(figsize=(12, height))
    limit = float(np.nanpercentile(np.abs(data.to_numpy(dtype=float)), 95)) or 1.0
    sns.heatmap(data, ax=ax, cmap="RdBu", center=0, vmin=-limit, vmax=limit, annot=True,
                fmt=".0f", annot_kws={"fontsize": 6.5}, cbar_kws={"label": "% y/y"},
                linewidths=0.3, linecolor="white")  # fmt: skip
    ax.set_xlabel("")
    ax.set_ylabel("")
    return _finish(fig, ax, title, source)


def price_volume_bars(table: pd.DataFrame, title: str, source: str | None = None):
    """Value growth split into price and volume parts (pp) for lines with quantities."""
    if table.empty:
        return _nothing(title, "quantities")
    data = table.sort_values("yoy")
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(data) + 1.5))
    y = np.arange(len(data))
    price = data["contribution_price"].to_numpy(float)
    volume = data["contribution_volume"].to_numpy(float)
    ax.barh(y, price, color="#8064a2", label="Price (unit value) part")
    ax.barh(y, volume, left=np.where(np.sign(volume) == np.sign(price), price, 0),
            color="#4bacc6", label="Volume part")  # fmt: skip
    ax.scatter(data["yoy"], y, color="black", zorder=3, s=18, label="Value y/y")
    ax.set_yticks(y, data["name"])
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_xlabel("% y/y (parts in pp)")
    ax.legend(loc="lower right", fontsize=8)
    return _finish(fig, ax, title, source)


def bar_ranking(values: pd.Series, title: str, xlabel: str, source: str | None = None):
    """Horizontal bars of one figure per line (e.g. share change in pp), sorted."""
    data = values.dropna().sort_values()
    if data.empty:
        return _nothing(title, "values")
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(data) + 1.4))
    ax.barh(data.index, data.values, color=np.where(data.values >= 0, UP, DOWN))
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_xlabel(xlabel)
    return _finish(fig, ax, title, source)


def path_with_base(frame: pd.DataFrame, title: str, source: str | None = None):
    """Implied y/y path (line) over the base-period y/y (bars) for the coming months."""
    fig, ax = plt.subplots(figsize=(10, 4))
    x = _timestamps(frame.index)
    if "base_yoy_pct" in frame:
        ax.bar(x, frame["base_yoy_pct"], width=20, color="#bfbfbf", label="Base month's own y/y")
    ax.plot(x, frame["implied_yoy_pct"], color=EXPORT_COLOUR, marker="o", lw=2,
            label="Implied y/y at flat momentum")  # fmt: skip
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_ylabel("% y/y")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return _finish(fig, ax, title, source)


def fan_chart(history: pd.Series, forecast: pd.DataFrame, title: str, source: str | None = None):
    """Recent y/y history with the forecast and its 80%/95% intervals."""
    fig, ax = plt.subplots(figsize=(10, 4))
    h = history.dropna()
    ax.plot(_timestamps(h.index), h.values, color="#333333", lw=1.6, label="Actual y/y")
    x = _timestamps(forecast.index)
    bands = (("lo95", "hi95", 0.18, "95% interval"), ("lo80", "hi80", 0.35, "80% interval"))
    for lo, hi, alpha, label in bands:
        if lo in forecast and hi in forecast:
            ax.fill_between(x, forecast[lo], forecast[hi], color=EXPORT_COLOUR, alpha=alpha,
                            label=label, lw=0)  # fmt: skip
    ax.plot(x, forecast["point"], color=EXPORT_COLOUR, lw=2, marker="o", label="Forecast")
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_ylabel("% y/y")
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=2)
    return _finish(fig, ax, title, source)
