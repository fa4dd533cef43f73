"""The release-day flash note, written by rules from the report's figures table.

Every number in the note is a row of figures.csv (the frame `runner.combine_figures` returns),
printed in that file's rounding: one decimal for pct and pp ("+8.3%", "+7.7 pp"), money as
"USD 90.5bn". Direction words come from comparing those printed numbers with the thresholds in
data/note_thresholds.yaml. What the figures cannot support is left out and listed once at the end.

`build_note(figures, meta)` returns a `Note` (title + blocks); `render_markdown`/`render_html`
turn it into text; `write_outputs` (called by the runner) writes note.md, note.html, note.docx,
tables.xlsx and charts/alt.json (the views leave the charts in charts/) into the report folder.
"""

from __future__ import annotations

import base64
import calendar
import contextvars
import functools
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from helpers import classifications, metrics
from helpers.basis import wide_range
from helpers.contract import check_both
from helpers.figures import format_value, round_half_up
from helpers.paths import CLASSIFICATIONS_DIR, DATA_DIR

__all__ = [
    "THRESHOLDS_PATH",
    "Figures",
    "Note",
    "CAPTIONS",
    "build_note",
    "claim_title",
    "direction",
    "fmt_money",
    "fmt_pct",
    "fmt_pp",
    "load_thresholds",
    "render_html",
    "render_markdown",
    "versus_consensus",
]

THRESHOLDS_PATH = DATA_DIR / "note_thresholds.yaml"
MONEY_UNITS = {"usd_bn": "USD", "cny_bn": "CNY"}
_REQUIRED_THRESHOLDS = (
    "steady_band_pp", "consensus_band_pp", "min_contribution_pp", "top_products", "top_children",
    "mover_min_abs_pct",
    "movers", "declines", "top_blocs", "price_volume_dominance", "import_products",
    "import_commodities", "import_origins", "base_gap_pp", "base_label_pp", "base_months",
)  # fmt: skip


# --------------------------------------------------------------------------- thresholds


def load_thresholds(path: Path = THRESHOLDS_PATH) -> dict:
    """The note's rules from YAML; a clear error names the file and the missing/bad key."""
    try:
        table = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read the note thresholds ({exc})") from exc
    for key in _REQUIRED_THRESHOLDS:
        if key not in table:
            raise ValueError(f"{path}: missing threshold {key!r}")
        if not isinstance(table[key], int | float) or table[key] < 0:
            raise ValueError(f"{path}: threshold {key!r} must be a non-negative number")
    table.setdefault("scenario_labels", {})
    table.setdefault("price_volume_exports", [])
    return table


# --------------------------------------------------------------------------- formatting


def _num(value: float) -> str:
    """One decimal, ASCII minus, no negative zero."""
    return format_value(value, 1)


def fmt_pct(value: float, signed: bool = False) -> str:
    """8.3 -> '8.3%' ('+8.3%' when signed); negatives always carry '-'."""
    text = _num(value)
    return f"+{text}%" if signed and value > 0 and text != "0.0" else f"{text}%"


def moved(value: float) -> str:
    """'rose 8.3%' / 'fell 27.0%' / 'were unchanged' for a growth rate (pct)."""
    text = _num(abs(value))
    if text == "0.0":
        return "were unchanged"
    return f"{'rose' if value > 0 else 'fell'} {text}%"


def moved_basis(fig, metric, flow, dimension, item, period) -> str:
    """moved() of a figure, '≈' before a derived one, and its range when the printed rounding
    allows more than ± 0.1 pp: 'fell ≈0.3% (-0.5% to -0.2%)'."""
    value = fig.get(metric, flow, dimension, item, period)
    kind, low, high = fig.basis(metric, flow, dimension, item, period)
    text = moved(value)
    if kind != "derived" or text == "were unchanged":
        return text
    text = text.replace(" ", " \u2248", 1)
    if wide_range(low, high, value):
        text += f" ({fmt_pct(low)} to {fmt_pct(high)})"
    return text


def fmt_pp(value: float) -> str:
    """7.7 -> '+7.7 pp'."""
    text = _num(value)
    return f"+{text} pp" if value > 0 and text != "0.0" else f"{text} pp"


def fmt_money(value: float, unit: str, signed: bool = False) -> str:
    """90.5 usd_bn -> 'USD 90.5bn'; signed=True gives '+8.8bn' (currency named once nearby)."""
    text = f"{round_half_up(value, 1):,.1f}"
    text = "0.0" if text == "-0.0" else text
    if signed:
        return f"+{text}bn" if value > 0 and text != "0.0" else f"{text}bn"
    return f"{MONEY_UNITS.get(unit, unit.upper())} {text}bn"


def month_name(period: str) -> str:
    """'2025-09' -> 'September 2025'; '2025-Q3' -> 'Q3 2025'."""
    if "Q" in period:
        year, quarter = period.split("-")
        return f"{quarter} {year}"
    year, month = period.split("-")
    return f"{calendar.month_name[int(month)]} {year}"


# --------------------------------------------------------------------------- direction words


def direction(current: float, previous: float, band: float) -> str:
    """Word for a growth rate's move from `previous` to `current` (both as printed, pct).

    'reversed into decline' / 'returned to growth' when the sign flips; for two declines
    'narrowed'/'widened' by more than `band`; for growth 'accelerated'/'slowed'; else 'held steady'.
    """
    if previous >= 0 > current:
        return "reversed into decline"
    if previous < 0 <= current:
        return "returned to growth"
    change = current - previous
    if abs(change) <= band:
        return "held steady"
    if current < 0:
        return "narrowed" if change > 0 else "widened"
    return "accelerated" if change > 0 else "slowed"


def _subject(move: str) -> str:
    """Who moved: 'the decline' narrows or widens, 'growth' speeds up, 'the trend' reverses."""
    if move in ("narrowed", "widened"):
        return "the decline"
    if move in ("reversed into decline", "returned to growth"):
        return "the trend"
    return "growth"


def versus_consensus(surprise: float, band: float) -> str:
    """'beat' / 'missed' / 'was in line with' for actual minus consensus (pp)."""
    if surprise > band:
        return "beat"
    if surprise < -band:
        return "missed"
    return "was in line with"


# --------------------------------------------------------------------------- figures access


class Figures:
    """Look-ups into the figures table (metric, flow, dimension, item, period, value, unit)."""

    def __init__(self, frame: pd.DataFrame, currency: str | None = None):
        """`currency`: keep only figures computed in it (a `--currency both` table holds USD
        figures and the CNY growth beside them); rows without a currency are always kept."""
        frame = frame.copy()
        if currency and "currency" in frame:
            held = frame["currency"].fillna("").astype(str)
            frame = frame[held.isin(["", currency])]
        for column in ("metric", "flow", "dimension", "item", "period", "unit"):
            frame[column] = frame[column].fillna("").astype(str)
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
        for column, default in (("basis", "computed"), ("low", np.nan), ("high", np.nan)):
            if column not in frame:
                frame[column] = default
        frame["basis"] = frame["basis"].fillna("computed").replace("", "computed")
        for column in ("low", "high"):  # figures.csv read as text leaves "" for no bound
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
        self.frame = frame[frame["value"].notna()]
        self._index = {}
        self._bases = {}
        for r in self.frame.itertuples():
            key = (r.metric, r.flow, r.dimension, r.item, r.period)
            self._index.setdefault(key, (float(r.value), r.unit))
            self._bases.setdefault(key, (r.basis, float(r.low), float(r.high)))

    def basis(self, metric, flow, dimension, item, period) -> tuple[str, float, float]:
        """(basis, low, high) of one figure: computed, printed or derived (helpers.basis)."""
        return self._bases.get((metric, flow, dimension, item, period),
                               ("computed", np.nan, np.nan))  # fmt: skip

    def shown(self, metric, flow, dimension, item, period, signed: bool = False) -> str:
        """A growth figure as the note prints it: '≈-0.3%' for a derived one, with its range
        when the printed rounding allows more than ± 0.1 pp."""
        value = self.get(metric, flow, dimension, item, period)
        kind, low, high = self.basis(metric, flow, dimension, item, period)
        text = fmt_pct(value, signed=signed)
        if kind != "derived":
            return text
        text = "\u2248" + text
        if wide_range(low, high, value):
            text += f" ({fmt_pct(low, signed=signed)} to {fmt_pct(high, signed=signed)})"
        return text

    def get(self, metric, flow, dimension, item, period) -> float | None:
        """The value of one figure, or None when the table lacks it."""
        hit = self._index.get((metric, flow, dimension, item, period))
        return None if hit is None else hit[0]

    def unit(self, metric, flow, dimension, item, period) -> str | None:
        """The unit of one figure, or None."""
        hit = self._index.get((metric, flow, dimension, item, period))
        return None if hit is None else hit[1]

    def series(self, metric, flow, dimension, period) -> pd.Series:
        """item -> value for one metric in one period (empty if none)."""
        f = self.frame
        rows = f[(f["metric"] == metric) & (f["flow"] == flow) & (f["dimension"] == dimension)
                 & (f["period"] == period)]  # fmt: skip
        # the same figure can come from two views: the first (canonical view order) wins
        return rows.drop_duplicates("item").set_index("item")["value"]

    def periods(self, metric, flow="export", dimension="total", item="total") -> list[str]:
        """Sorted periods present for one figure."""
        f = self.frame
        rows = f[(f["metric"] == metric) & (f["flow"] == flow) & (f["dimension"] == dimension)
                 & (f["item"] == item)]  # fmt: skip
        return sorted(rows["period"].unique())

    def views(self) -> set[str]:
        """Views present in the table."""
        return set(self.frame["view"]) if "view" in self.frame else set()


# --------------------------------------------------------------------------- note model


@dataclass
class Note:
    """Title, blocks ('h2'/'p'/'table') and what was left out."""

    title: str
    blocks: list[tuple] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)
    subtitle: str = ""
    kicker: str = ""  # 'China trade, September 2025: flash note' (the claim is the title)
    summary: str = ""  # two sentences under the title

    def p(self, sentences: list[str]) -> None:
        """Add a paragraph from non-empty sentences."""
        text = " ".join(s for s in sentences if s)
        if text:
            self.blocks.append(("p", text))

    def section(self, heading: str, sentences: list[str]) -> None:
        """Add a heading with one paragraph, only if there is something to say."""
        text = " ".join(s for s in sentences if s)
        if text:
            self.blocks.append(("h2", heading))
            self.blocks.append(("p", text))

    def skip(self, what: str) -> None:
        """Record something the data cannot support (said once, at the end)."""
        if what not in self.omitted:
            self.omitted.append(what)


def _names(dimension: str, flow: str) -> dict[str, str]:
    if dimension == "partner":
        table = classifications.partners()
        names = dict(table["name"])
        names.update({"united_states": "the US", "european_union": "the EU"})
        return names
    table = classifications.product_tree(flow)
    # "Computers and parts (automatic data processing equipment)" -> "computers and parts"
    return {code: name[0].lower() + name[1:].split(" (")[0] for code, name in table["name"].items()}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# February periods the report's data fold into January-February (meta "janfeb", set by the
# runner from the dataset): a year GAC published as a normal February page is still compared
# as January-February once the store holds any combined year (metrics.comparison_years)
_FOLDED_FEBRUARIES: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "folded_februaries", default=frozenset())


def _janfeb_combined(period: str) -> bool:
    """Whether `period` (a February) stands for January-February: published combined
    (data/classifications/janfeb_combined.csv) or folded by this report's data."""
    p = pd.Period(period, "M")
    return p.month == 2 and (p.year in _published_combined() or str(p) in _FOLDED_FEBRUARIES.get())


@functools.lru_cache(maxsize=1)
def _published_combined() -> frozenset[int]:
    """The years GAC published January and February combined (read once: a note asks often)."""
    table = pd.read_csv(CLASSIFICATIONS_DIR / "janfeb_combined.csv")
    return frozenset(table["year"].astype(int))


def _month_words(period: str) -> str:
    """'September', or 'January-February' for a combined (or folded) release."""
    return "January-February" if _janfeb_combined(period) else month_name(period).split()[0]


def _release_label(period: str) -> str:
    if _janfeb_combined(period):
        return f"January-February {period[:4]}"
    return month_name(period)


def _previous_period(period: str) -> str | None:
    """The comparison month: the month before; December for a combined Jan-Feb release (a
    single month against two, which the sentences say)."""
    if _janfeb_combined(period):
        return str(pd.Period(period, "M") - 2)
    return str(pd.Period(period, "M") - 1)


def _prev_words(period: str, prev: str) -> str:
    """'in August' / 'in December' for the comparison month."""
    return f"in {month_name(prev).split()[0]}"


# --------------------------------------------------------------------------- sections


def _ytd_span(period: str) -> str:
    """'January-March 2026' (the year to date of a release month)."""
    return metrics.ytd_span(pd.Period(period, "M"))


def _base_release(period: str) -> str:
    """The year-earlier release a derived month y/y also rests on, in words."""
    p = pd.Period(period, "M") - 12
    if p.month == 1 or _janfeb_combined(str(p)):
        return ""
    if p.month == 3 and _janfeb_combined(str(p - 1)):
        return f"the January-February {p.year} release"
    return f"GAC's {_ytd_span(str(p - 1))} figures"


def basis_words(fig: Figures, flow: str, period: str) -> str:
    """How a headline y/y was obtained, in words, from the figures table alone."""
    kind, _, _ = fig.basis("yoy", flow, "total", "total", period)
    if kind == "printed":
        return "as printed by GAC"
    if kind != "derived":
        return ""
    ytd = fig.get("ytd_yoy", flow, "total", "total", period)
    words = "derived from GAC's printed"
    words += (f" {_ytd_span(period)} growth ({fmt_pct(ytd, signed=True)})" if ytd is not None
              else " year-to-date growth")  # fmt: skip
    base = _base_release(period)
    return words + (f" and {base}" if base else "")


def _sentences_of(text: str) -> str:
    """A paragraph's sentences joined, empty parts dropped."""
    return " ".join(t for t in text if t)


def _partition_groups(codes) -> list[str]:
    """The export product groups among `codes` that partition the total (top level, not the
    residual): the ones whose contributions add up."""
    tree = classifications.product_tree("export")
    return [c for c in codes if c in tree.index and tree.at[c, "parent"] == "TOTAL"
            and c != "other" and bool(tree.at[c, "in_partition"])]  # fmt: skip


def _pp_shown(fig: Figures, metric: str, flow: str, dimension: str, item: str,
              period: str) -> str:  # fmt: skip
    """A contribution as the note prints it: '+14.7 pp', '≈+14.7 pp' when derived."""
    kind = fig.basis(metric, flow, dimension, item, period)[0]
    value = fig.get(metric, flow, dimension, item, period)
    return ("\u2248" if kind == "derived" else "") + fmt_pp(value)


def _leader(fig: Figures, period: str, rules: dict) -> tuple[str | None, float | None]:
    """The top-level export line adding most to growth (at least min_contribution_pp)."""
    contrib = fig.series("contribution", "export", "product", period)
    if contrib.empty:
        return None, None
    top = _partition_groups(contrib.index)
    if not top:
        return None, None
    best = contrib[top].sort_values(ascending=False)
    code, pp = best.index[0], float(best.iloc[0])
    return (code, pp) if pp >= rules["min_contribution_pp"] else (None, None)


def claim_title(fig: Figures, period: str, rules: dict) -> str:
    """The note's claim, from the figures: exports against consensus (or against the previous
    month) and what drove them, then the US (or imports). No numbers: the summary gives them.

    'Exports beat forecasts as integrated circuit and machinery shipments surge; US sales keep
    falling'."""
    prev = _previous_period(period)
    short = rules.get("short_names") or {}
    now = fig.get("yoy", "export", "total", "total", period)
    if now is None:
        ytd = fig.get("ytd_yoy", "export", "total", "total", period)
        if ytd is None:
            return f"China trade, {_release_label(period)}"
        return f"Exports {'up' if ytd >= 0 else 'down'} year to date"
    surprise = fig.get("surprise", "export", "total", "total", period)
    before = fig.get("yoy", "export", "total", "total", prev) if prev else None
    if surprise is not None:
        verb = versus_consensus(surprise, rules["consensus_band_pp"])
        first = {"beat": "Exports beat forecasts", "missed": "Exports miss forecasts",
                 "was in line with": "Exports in line with forecasts"}[verb]  # fmt: skip
    elif before is not None:
        move = direction(now, before, rules["steady_band_pp"])
        first = {"accelerated": "Export growth picks up", "slowed": "Export growth slows",
                 "narrowed": "Export decline eases", "widened": "Export decline deepens",
                 "reversed into decline": "Exports turn down",
                 "returned to growth": "Exports return to growth",
                 "held steady": "Export growth holds steady"}[move]  # fmt: skip
    else:
        first = "Exports rise" if now >= 0 else "Exports fall"
    code, _ = _leader(fig, period, rules)
    if code is not None:
        contrib = fig.series("contribution", "export", "product", period)
        yoy = fig.series("yoy", "export", "product", period)
        tree = classifications.product_tree("export")
        kids = [c for c in contrib.index if c in tree.index and tree.at[c, "parent"] == code
                and not c.endswith("_other") and c in yoy]  # fmt: skip
        surging = [c for c in contrib[kids].sort_values(ascending=False).index[:2]
                   if contrib[c] >= rules.get("claim_child_min_pp", 1.0)
                   and yoy[c] >= rules["mover_min_abs_pct"]]  # fmt: skip
        names = _names("product", "export")
        if surging:
            first += (" as " + " and ".join(short.get(c, names[c]) for c in surging)
                      + " shipments surge")  # fmt: skip
        else:
            first += f" on {short.get(code, names[code])}"
    us = fig.get("yoy", "export", "partner", "united_states", period)
    if us is not None:
        us_before = fig.get("yoy", "export", "partner", "united_states", prev) if prev else None
        if us < 0:
            second = "US sales keep falling" if us_before is not None and us_before < 0 else (
                "US sales fall")  # fmt: skip
        else:
            second = "US sales grow again" if us_before is not None and us_before < 0 else (
                "US sales grow")  # fmt: skip
        return f"{first}; {second}"
    imports = fig.get("yoy", "import", "total", "total", period)
    if imports is not None:
        return f"{first}; imports {'rise' if imports >= 0 else 'fall'}"
    return first


def _summary(fig: Figures, period: str, rules: dict, money_unit: str) -> str:
    """Two sentences: exports (surprise, the leading line), then imports, the balance and the
    US against the rest."""
    now = fig.get("yoy", "export", "total", "total", period)
    month = _month_words(period)
    if now is None:
        return _ytd_summary(fig, period, month)
    first = f"Exports {moved_basis(fig, 'yoy', 'export', 'total', 'total', period)} y/y in {month}"
    surprise = fig.get("surprise", "export", "total", "total", period)
    if surprise is not None and _num(abs(surprise)) != "0.0":
        first += f", {_num(abs(surprise))} pp {'above' if surprise > 0 else 'below'} consensus"
    code, pp = _leader(fig, period, rules)
    if code is not None:
        first += f", with {_names('product', 'export')[code]} adding {_num(pp)} pp"
    parts = []
    imports = fig.get("yoy", "import", "total", "total", period)
    if imports is not None:
        parts.append(f"imports {moved_basis(fig, 'yoy', 'import', 'total', 'total', period)}")
    balance = fig.get("balance", "net", "total", "total", period)
    if balance is not None:
        unit = fig.unit("balance", "net", "total", "total", period)
        kind = "surplus" if balance >= 0 else "deficit"
        text = f"the {kind} was {fmt_money(abs(balance), unit)}"
        consensus = fig.get("consensus_balance", "net", "total", "total", period)
        if consensus is not None and (balance >= 0) == (consensus >= 0):
            text += f" against {fmt_money(abs(consensus), unit)} expected"
        parts.append(text)
    us = fig.get("yoy", "export", "partner", "united_states", period)
    rest = fig.get("yoy", "export", "partner", "non_us", period)
    second = _cap(_list(parts)) if parts else ""
    if us is not None and rest is not None:
        joint = "and" if (us >= 0) == (rest >= 0) else "while"
        us_text, rest_text = (moved_basis(fig, "yoy", "export", "partner", code, period)
                              for code in ("united_states", "non_us"))  # fmt: skip
        # "all other partners": the regional page's name of the non-US figure
        tail = f"exports to the US {us_text} {joint} those to all other partners {rest_text}"
        second = f"{second}; {tail}" if second else _cap(tail)
    return _sentences_of([first + ".", second + "." if second else ""])


def _ytd_summary(fig: Figures, period: str, month: str) -> str:
    """The summary of a month whose own y/y the data cannot give: the year to date as held
    (GAC's printed rates where it printed them), the largest YTD contributor, the month's
    balance and the US's year to date."""
    ytd = fig.get("ytd_yoy", "export", "total", "total", period)
    if ytd is None:
        return ""
    printed = fig.basis("ytd_yoy", "export", "total", "total", period)[0] == "printed"
    first = (f"Over {_ytd_span(period)} exports {moved(ytd)} y/y"
             + (" as GAC printed it" if printed else ""))
    contrib = fig.series("contribution_ytd", "export", "product", period)
    top = _partition_groups(contrib.index)
    if top:
        code = contrib[top].idxmax()
        added = _pp_shown(fig, "contribution_ytd", "export", "product", code, period)
        first += f", with {_names('product', 'export')[code]} adding {added}"
    parts = []
    imports = fig.get("ytd_yoy", "import", "total", "total", period)
    if imports is not None:
        parts.append(f"imports {moved(imports)} over the same months")
    balance = fig.get("balance", "net", "total", "total", period)
    if balance is not None:
        unit = fig.unit("balance", "net", "total", "total", period)
        parts.append(f"the {month} {'surplus' if balance >= 0 else 'deficit'} was "
                     f"{fmt_money(abs(balance), unit)}")  # fmt: skip
    us = fig.get("ytd_yoy", "export", "partner", "united_states", period)
    rest = fig.get("ytd_yoy", "export", "partner", "non_us", period)
    if us is not None:
        text = f"exports to the US {moved(us)} year to date"
        if rest is not None:
            joint = "and" if (us >= 0) == (rest >= 0) else "while"
            rest_text = moved_basis(fig, "ytd_yoy", "export", "partner", "non_us", period)
            text += f" {joint} those to all other partners {rest_text}"
        parts.append(text)
    second = _cap(_list(parts)) + "." if parts else ""
    return _sentences_of([first + ".", second])


def _janfeb_caveat(period: str) -> str:
    """New Year timing for a combined January-February release: the holiday's date this year and
    last (data/events.csv), and what combining the months does and does not remove."""
    if not _janfeb_combined(period):
        return ""
    events = pd.read_csv(DATA_DIR / "events.csv", dtype=str)
    days = pd.to_datetime(events.loc[events["kind"] == "holiday", "date"])
    year = int(period[:4])
    this = [d for d in days if d.year == year]
    last = [d for d in days if d.year == year - 1]
    if not this:
        return ""
    when = f"{this[0].day} {calendar.month_name[this[0].month]}"
    text = f"Chinese New Year fell on {when}"
    if last:
        text += f" this year against {last[0].day} {calendar.month_name[last[0].month]} last year"
    return (text + ": the combined months absorb most of the holiday, but working days still "
            "shift between January-February and March.")  # fmt: skip


def _volume_sentence(fig: Figures, period: str) -> str:
    """'Export volumes ≈+12.6% y/y on lines covering 21.5% of exports (unit values -1.7%);
    import volumes ...' from helpers.volumes' figures (Fisher indices)."""
    parts = []
    for flow in ("export", "import"):
        volume = fig.get("volume_index_yoy", flow, "total", "total", period)
        price = fig.get("price_index_yoy", flow, "total", "total", period)
        share = fig.get("volume_coverage", flow, "total", "total", period)
        if volume is None or share is None:
            continue
        noun = "exports" if flow == "export" else "imports"
        text = (f"{flow} volumes \u2248{fmt_pct(volume, signed=True)} y/y on lines covering "
                f"{fmt_pct(share)} of {noun}")
        if price is not None:
            text += f" (unit values {fmt_pct(price, signed=True)})"
        parts.append(text)
    if not parts:
        return ""
    return _cap("; ".join(parts)) + ("; both Fisher indices over the lines with quantities."
                                     if len(parts) > 1 else ", a Fisher index over the lines "
                                     "with quantities.")  # fmt: skip


def _headline(note: Note, fig: Figures, period: str, rules: dict, money_unit: str) -> list:
    prev = _previous_period(period)
    janfeb = _janfeb_combined(period)
    rows = []
    for flow, noun in (("export", "Exports"), ("import", "Imports")):
        now = fig.get("yoy", flow, "total", "total", period)
        ytd = fig.get("ytd_yoy", flow, "total", "total", period)
        ytd_kind = fig.basis("ytd_yoy", flow, "total", "total", period)[0]
        ytd_text = ""
        three = fig.get("yoy_3m", flow, "total", "total", period)
        if ytd is not None and not janfeb:  # a Jan-Feb release's year to date is the release
            ytd_text = (f"Over {_ytd_span(period)} {noun.lower()} {moved(ytd)} y/y"
                        + (" as GAC printed it" if ytd_kind == "printed" else ""))
            ytd_text += (f", and {fmt_pct(three, signed=True)} on a three-month sum."
                         if three is not None
                         else ".")  # fmt: skip
        if now is None:
            if ytd is None:
                note.skip(f"{noun.lower()} growth for the month")
                continue
            note.skip(f"{noun.lower()} growth for the month itself (only the year to date)")
            note.blocks.append(
                ("p", ytd_text or f"{noun} {moved(ytd)} y/y in {_ytd_span(period)}."))
            rows.append((f"{noun} YTD y/y", fmt_pct(ytd), "not in data", "not in data"))
            continue
        sentence = f"{noun} {moved_basis(fig, 'yoy', flow, 'total', 'total', period)} y/y"
        if janfeb:
            sentence += " in January-February combined"
        words = basis_words(fig, flow, period)
        if words:
            sentence += f" ({words})"
        consensus = fig.get("consensus_yoy", flow, "total", "total", period)
        surprise = fig.get("surprise", flow, "total", "total", period)
        if consensus is not None and surprise is not None:
            verb = versus_consensus(surprise, rules["consensus_band_pp"])
            sentence += f" and {verb} the {fmt_pct(consensus)} consensus ({fmt_pp(surprise)})"
        else:
            note.skip("a survey consensus to compare with")
        sentence += "."
        before = fig.get("yoy", flow, "total", "total", prev) if prev else None
        if before is not None:
            move = direction(now, before, rules["steady_band_pp"])
            subject = _cap(_subject(move))
            sentence += f" {subject} {move} from {fmt_pct(before)} {_prev_words(period, prev)}"
            sentence += " (a single month)." if janfeb else "."
        else:
            note.skip("the previous month's growth")
        if flow == "export":
            rest = fig.get("yoy", "export", "partner", "non_us", period)
            if rest is not None:
                rest_text = moved_basis(fig, "yoy", "export", "partner", "non_us", period)
                sentence += f" Excluding the US, exports {rest_text}."
        sentence += (" " + ytd_text) if ytd_text else ""
        rows.append(
            (
                noun + " y/y",
                fig.shown("yoy", flow, "total", "total", period),
                fmt_pct(consensus) if consensus is not None else "not in data",
                fmt_pct(before) if before is not None else "not in data",
            )
        )
        note.blocks.append(("p", sentence))
    if rows:
        note.blocks.append(("chart", "trade_yoy"))
    balance = fig.get("balance", "net", "total", "total", period)
    if balance is not None:
        unit = fig.unit("balance", "net", "total", "total", period)
        kind = "surplus" if balance >= 0 else "deficit"
        lead = (f"The January-February trade {kind}, a two-month sum," if janfeb
                else f"The trade {kind}")  # fmt: skip
        text = f"{lead} was {fmt_money(abs(balance), unit)}"
        change = fig.get("balance_change_yoy", "net", "total", "total", period)
        if change is not None:
            text += f" ({fmt_money(change, unit, signed=True)} on a year earlier)"
        consensus = fig.get("consensus_balance", "net", "total", "total", period)
        if consensus is not None:
            gap = round_half_up(balance, 1) - round_half_up(consensus, 1)
            band = rules.get("consensus_balance_band_bn", 1.0)
            word = "in line with" if abs(gap) <= band else ("above" if gap > 0 else "below")
            text += f", {word} the {fmt_money(consensus, unit)} consensus"
        before = fig.get("balance", "net", "total", "total", prev) if prev else None
        if before is not None and janfeb:
            text += f"; December alone was {fmt_money(before, unit)}"
        elif before is not None:
            if round_half_up(balance, 1) == round_half_up(before, 1):
                word = "unchanged from"
            elif balance >= 0 and before >= 0:
                word = "wider than" if balance > before else "narrower than"
            else:
                word = "against"
            text += f" and {word} {fmt_money(before, unit)} {_prev_words(period, prev)}"
        note.blocks.append(("p", text + "."))
        rows.append(
            (
                f"Trade balance, {MONEY_UNITS.get(unit, unit)} bn",
                _num(balance),
                _consensus_balance(fig, period),
                _balance_before(fig, prev),
            )
        )
    else:
        note.skip("the trade balance")
    quarters = fig.periods("yoy_quarter")
    if len(quarters) >= 2 and quarters[-1][:4] == period[:4] and _quarter_ends(period):
        q_now = fig.get("yoy_quarter", "export", "total", "total", quarters[-1])
        q_before = fig.get("yoy_quarter", "export", "total", "total", quarters[-2])
        band = rules.get("quarter_steady_band_pp", rules["steady_band_pp"])
        move = direction(round_half_up(q_now, 1), round_half_up(q_before, 1), band)
        subject = _subject(move)
        note.blocks.append(("p", f"Over {month_name(quarters[-1])} exports {moved(q_now)} y/y "
                            f"after {fmt_pct(q_before)} in {quarters[-2][-2:]}: quarterly "
                            f"{subject.replace('the trend', 'growth')} {move}."))  # fmt: skip
    note.p([_volume_sentence(fig, period)])
    note.p([_janfeb_caveat(period)])
    return rows


def _derived_caveat(fig: Figures, flow: str, dimension: str, period: str,
                    contributions_said: bool = True) -> str:  # fmt: skip
    """One sentence when a section's month y/y rest on year-ago months derived from GAC's
    printed rates: the basis in words and the widest range the printed rounding allows."""
    f = fig.frame
    section = f[(f["flow"] == flow) & (f["dimension"] == dimension) & (f["period"] == period)
                & (f["basis"] == "derived")
                & ~f["item"].astype(str).str.match(r"^(other|.*_other|non_us)$")]  # fmt: skip
    by = "destination" if flow == "export" and dimension == "partner" else (
        "origin" if dimension == "partner" else "product")  # fmt: skip
    rows = section[section["metric"] == "yoy"]
    if rows.empty:  # GAC printed the rates (a combined Jan-Feb); the contributions still rest
        rows = section[section["metric"] == "contribution"] if contributions_said else rows
        text = ("The contributions rest on year-earlier levels derived from GAC's printed "
                f"{_ytd_span(period)} growth rates")
    else:
        text = (f"These month y/y rates by {by} are derived from GAC's printed "
                f"{_ytd_span(period)} growth and the year-earlier figures")
    if rows.empty:
        return ""
    half = ((rows["high"] - rows["low"]) / 2).max()
    if np.isfinite(half) and format_value(half, 1) != "0.0":
        text += f" (each within \u00b1{format_value(half, 1)} pp given GAC's rounding)"
    return text + "."


def _quarter_ends(period: str) -> bool:
    return pd.Period(period, "M").month % 3 == 0


def _balance_before(fig, prev) -> str:
    """The previous release's balance as printed, or 'not in data'."""
    value = fig.get("balance", "net", "total", "total", prev) if prev else None
    return "not in data" if value is None else _num(value)


def _consensus_balance(fig: Figures, period: str) -> str:
    value = fig.get("consensus_balance", "net", "total", "total", period)
    return "not in data" if value is None else _num(value)


def _products(note: Note, fig: Figures, period: str, rules: dict) -> None:
    contrib = fig.series("contribution", "export", "product", period)
    yoy = fig.series("yoy", "export", "product", period)
    if yoy.drop(labels="total", errors="ignore").empty:  # the total alone is no breakdown
        levels = fig.series("level", "export", "product", period).drop(
            labels="total", errors="ignore")  # fmt: skip
        if levels.empty:
            note.skip(f"exports by product (the data hold no export lines by product for "
                      f"{month_name(period)} in this report's currency)")  # fmt: skip
            return
        # lines held for the month but not a year earlier: their year to date, as GAC prints it
        year_ago = month_name(str(pd.Period(period, "M") - 12))
        note.skip(f"export growth by product for the month itself (the data hold no product "
                  f"lines for {year_ago})")  # fmt: skip
        ytd = [_ytd_lines(fig, "export", period, rules), _ytd_contributors(fig, period, rules)]
        if any(ytd):
            note.section("Products", ytd)
        if ytd[1]:
            note.blocks.append(("chart", "export_contributions_by_product_ytd"))
        return
    if contrib.empty:  # lines with growth but no contributions: say which input is missing
        missing = ("the total's growth for the month, which the data do not give"
                   if "total" not in yoy.index
                   else "each line's level a year earlier, which the data do not hold")
        note.skip(f"contributions to the month's export growth by product (they need {missing})")
        _largest_lines(note, fig, period, yoy, rules)
        return
    names = _names("product", "export")
    tree = classifications.product_tree("export")
    top_level = _partition_groups(contrib.index)
    prev = _previous_period(period)
    before_all = fig.series("yoy", "export", "product", prev) if prev else pd.Series(dtype=float)
    prev_words = "in December" if _janfeb_combined(period) else "a month earlier"
    sentences = []
    named = {"high_tech"}  # a memo line overlapping the partition: never listed as a mover
    leaders = contrib[top_level].sort_values(ascending=False).head(int(rules["top_products"]))
    for code, pp in leaders.items():
        if pp < rules["min_contribution_pp"] or code not in yoy:
            continue
        text = f"{_cap(names[code])} {moved(yoy[code])}"
        if code in before_all:
            text += f" ({fmt_pct(before_all[code])} {prev_words})"
        text += f", contributing {fmt_pp(pp)} to export growth"
        kids = [c for c in contrib.index if c in tree.index and tree.at[c, "parent"] == code
                and not c.endswith("_other")]  # fmt: skip
        best = contrib[kids].sort_values(ascending=False).head(int(rules["top_children"]))
        parts = [f"{names[c]} {fmt_pct(yoy[c])} ({fmt_pp(v)})" for c, v in best.items()
                 if v > 0 and c in yoy]  # fmt: skip
        if parts:
            text += f"; within it, {_list(parts)}"
            named.update(c for c, v in best.items() if v > 0 and c in yoy)
        named.add(code)
        sentences.append(text + ".")
    if not any(pp >= rules["min_contribution_pp"] for pp in leaders):
        # no product group adds much: the lines adding most (the leaves of the tree)
        parents = set(tree["parent"])
        leaves = [c for c in contrib.index if c in tree.index and c not in parents
                  and c != "other" and not c.endswith("_other")
                  and bool(tree.at[c, "in_partition"]) and c in yoy]  # fmt: skip
        lead = contrib[leaves].sort_values(ascending=False).head(int(rules["top_products"]) + 1)
        parts = [f"{names[c]} ({fmt_pct(yoy[c])}, {fmt_pp(v)})" for c, v in lead.items() if v > 0]
        if parts:
            sentences.append("With no product group adding much, the lines adding most were "
                             f"{_list(parts)}.")  # fmt: skip
            named.update(c for c, v in lead.items() if v > 0)
    # product groups that held growth back, with the direction of their decline
    drags = contrib[top_level][contrib[top_level] <= -rules["min_contribution_pp"]].sort_values()
    for code, pp in drags.items():
        if code not in yoy or code in named:
            continue
        text = f"{_cap(names[code])} {moved(yoy[code])} ({fmt_pp(pp)})"
        if code in before_all:
            move = direction(yoy[code], before_all[code], rules["steady_band_pp"])
            subject = _subject(move)
            text += f": {subject} {move} from {fmt_pct(before_all[code])}"
        named.add(code)
        sentences.append(text + ".")
    # lines analysts watch (chips, phones): said when they move and are not named yet
    watch = [c for c in rules.get("watch_exports", []) if c in yoy and c not in named
             and abs(yoy[c]) >= rules.get("watch_min_abs_pct", 5.0)]  # fmt: skip
    if watch:
        parts = [f"{names.get(c, c)} {moved(yoy[c])}"
                 + (f" ({fmt_pp(contrib[c])})" if c in contrib else "") for c in watch]
        sentences.append(_cap(_list(parts)) + ".")
        named.update(watch)
    movers = yoy[yoy.abs() >= rules["mover_min_abs_pct"]].drop(labels=list(named), errors="ignore")
    movers = movers.reindex(movers.abs().sort_values(ascending=False).index).head(
        int(rules["movers"])
    )
    if len(movers):
        sentences.append("Other large moves: " + _list(
            [f"{names.get(c, c)} {fmt_pct(v)}" for c, v in movers.items()]) + ".")  # fmt: skip
        named.update(movers.index)
    if not before_all.empty:
        both = yoy.index.intersection(before_all.index)
        negative = [c for c in both if yoy[c] < 0 and before_all[c] < 0 and c not in named]
        band = rules["steady_band_pp"]
        moves = {c: direction(yoy[c], before_all[c], band) for c in negative}
        for word in ("narrowed", "widened"):
            codes = [c for c in negative if moves[c] == word]
            codes = sorted(codes, key=lambda c: -abs(yoy[c] - before_all[c]))
            codes = codes[: int(rules["declines"])]
            if codes:
                verb = "Declines narrowed" if len(codes) > 1 else "The decline narrowed"
                verb = verb.replace("narrowed", word)
                if _janfeb_combined(period):
                    verb = "Against December, " + verb[0].lower() + verb[1:]
                sentences.append(f"{verb} in " + _list(
                    [f"{names.get(c, c)} ({fmt_pct(yoy[c])} from {fmt_pct(before_all[c])})"
                     for c in codes]) + ".")  # fmt: skip
    else:
        note.skip("whether product declines narrowed or widened (no previous month)")
    note.section("Products", sentences + [_derived_caveat(fig, "export", "product", period)])
    note.blocks.append(("chart", "export_contributions_by_product"))


def _largest_lines(note: Note, fig: Figures, period: str, yoy: pd.Series, rules: dict) -> None:
    """Growth of the largest top-level export lines, by value, when contributions are absent."""
    names = _names("product", "export")
    tree = classifications.product_tree("export")
    level = fig.series("level", "export", "product", period)
    top = [c for c in level.index if c in tree.index and tree.at[c, "parent"] == "TOTAL"
           and c in yoy and c != "other"]  # fmt: skip
    largest = level[top].sort_values(ascending=False).head(int(rules["top_products"]) + 1)
    parts = [f"{names.get(c, c)} {moved(yoy[c])} (USD {_num(level[c])}bn)"
             if fig.unit("level", "export", "product", c, period) == "usd_bn"
             else f"{names.get(c, c)} {moved(yoy[c])}" for c in largest.index]  # fmt: skip
    month = _month_words(period)
    sentences = [f"In {month}, among GAC's largest export lines, {_list(parts)}."] if parts else []
    ytd = _ytd_contributors(fig, period, rules)
    # without the total's YTD growth there are no YTD contributions: the lines' YTD growth
    lines = "" if ytd or _janfeb_combined(period) else _ytd_lines(fig, "export", period, rules)
    if sentences or ytd or lines:
        note.section("Products", sentences + [ytd or lines])
    if ytd:
        note.blocks.append(("chart", "export_contributions_by_product_ytd"))


def _ytd_contributors(fig: Figures, period: str, rules: dict) -> str:
    """The product groups adding most to year-to-date export growth, for a month whose own
    contributions the data cannot give: 'Year to date (January-June 2026), electromechanical
    products (+24.5%, ≈+14.7 pp; within it integrated circuits ≈+4.8 pp) added most to the
    17.6% export growth.'"""
    contrib = fig.series("contribution_ytd", "export", "product", period)
    growth = fig.series("ytd_yoy", "export", "product", period)
    total = fig.get("ytd_yoy", "export", "total", "total", period)
    if contrib.empty or total is None:
        return ""
    names = _names("product", "export")
    tree = classifications.product_tree("export")

    def pp(code: str) -> str:
        return _pp_shown(fig, "contribution_ytd", "export", "product", code, period)

    top = [c for c in _partition_groups(contrib.index) if c in growth]
    leaders = contrib[top].sort_values(ascending=False).head(int(rules["top_products"]))
    parts = []
    for code, value in leaders.items():
        if value < rules["min_contribution_pp"]:
            continue
        text = f"{names.get(code, code)} ({fmt_pct(growth[code], signed=True)}, {pp(code)}"
        kids = [c for c in contrib.index if c in tree.index and tree.at[c, "parent"] == code
                and not c.endswith("_other")]  # fmt: skip
        best = contrib[kids].sort_values(ascending=False).head(int(rules["top_children"]))
        inside = [f"{names.get(c, c)} {pp(c)}" for c, v in best.items()
                  if v >= rules["min_contribution_pp"]]  # fmt: skip
        parts.append(text + (f"; within it {_list(inside)}" if inside else "") + ")")
    if not parts:
        return ""
    return (f"Year to date ({_ytd_span(period)}), {_list(parts)} added most to the "
            f"{fmt_pct(total)} export growth.")


def _ytd_lines(fig: Figures, flow: str, period: str, rules: dict) -> str:
    """One sentence on the largest lines' year-to-date growth (with volume and unit value where
    GAC prints quantities), for a store without the month a year earlier."""
    level = fig.series("level_ytd", flow, "product", period)
    growth = fig.series("ytd_yoy", flow, "product", period)
    if growth.empty:
        return ""
    names = _names("product", flow)
    tree = classifications.product_tree(flow)
    top = [c for c in level.index.intersection(growth.index)
           if c in tree.index and tree.at[c, "parent"] == "TOTAL"]  # fmt: skip
    largest = level[top].sort_values(ascending=False).head(int(rules["import_products"]) + 1)
    parts = []
    for code in largest.index:
        text = f"{names.get(code, code)} {fmt_pct(growth[code], signed=True)}"
        volume = fig.get("ytd_yoy_volume", flow, "product", code, period)
        price = fig.get("ytd_yoy_price", flow, "product", code, period)
        if volume is not None and price is not None:
            text += (f" (volumes {fmt_pct(volume, signed=True)}, unit values "
                     f"{fmt_pct(price, signed=True)})")  # fmt: skip
        parts.append(text)
    noun = flow  # "export lines", "import lines"
    return f"Year to date ({_ytd_span(period)}), the largest {noun} lines: {_list(parts)}."


def _ytd_destinations(fig: Figures, period: str, rules: dict) -> str:
    """The US and the blocs' year-to-date growth and contributions to YTD export growth."""
    growth = fig.series("ytd_yoy", "export", "partner", period)
    contrib = fig.series("contribution_ytd", "export", "partner", period)
    if growth.empty:
        return ""
    names = _names("partner", "export")
    partners = classifications.partners()
    blocs = partners.index[(partners["kind"] == "bloc") & (partners["top_level"] == "True")]

    def part(code: str) -> str:
        text = f"{names.get(code, code)} {fmt_pct(growth[code], signed=True)}"
        if code in contrib:
            text += f" ({_pp_shown(fig, 'contribution_ytd', 'export', 'partner', code, period)})"
        return text

    codes = [c for c in ("united_states", *blocs) if c in growth]
    lead = sorted(codes[1:] if codes[:1] == ["united_states"] else codes,
                  key=lambda c: -contrib.get(c, -1e9))[: int(rules["top_products"])]  # fmt: skip
    parts = [part(c) for c in (["united_states"] if "united_states" in growth else []) + lead]
    return (f"Year to date ({_ytd_span(period)}, growth as GAC printed it, contributions to "
            f"year-to-date export growth in pp): {_list(parts)}.")


def _price_volume(note: Note, fig: Figures, period: str, rules: dict) -> None:
    price = fig.series("yoy_price", "export", "product", period)
    volume = fig.series("yoy_volume", "export", "product", period)
    value = fig.series("yoy", "export", "product", period)
    codes = price.index.intersection(volume.index).intersection(value.index)
    span = ""
    if codes.empty:  # no month a year earlier with quantities: the year to date, as GAC prints it
        price = fig.series("ytd_yoy_price", "export", "product", period)
        volume = fig.series("ytd_yoy_volume", "export", "product", period)
        value = fig.series("ytd_yoy", "export", "product", period)
        codes = price.index.intersection(volume.index).intersection(value.index)
        span = f" in {_ytd_span(period)}"
    if codes.empty:
        note.skip(f"unit values and volumes (no export quantities for {_release_label(period)} "
                  "and a year earlier in this report's data)")  # fmt: skip
        return
    names = _names("product", "export")
    ranked = [c for c in rules["price_volume_exports"] if c in codes]
    sentences = []
    for code in ranked:
        p, q, v = price[code], volume[code], value[code]
        dominance = rules["price_volume_dominance"]
        if abs(p) > dominance * abs(q):
            driver = (
                f"on prices ({fmt_pct(p, signed=True)}), with volumes "
                f"{'up' if q >= 0 else 'down'} {_num(abs(q))}%"
            )
        elif abs(q) > dominance * abs(p):
            driver = (
                f"on volumes ({fmt_pct(q, signed=True)}), with prices "
                f"{'up' if p >= 0 else 'down'} {_num(abs(p))}%"
            )
        else:
            driver = f"with prices {fmt_pct(p, signed=True)} and volumes {fmt_pct(q, signed=True)}"
        sentences.append(f"{_cap(names.get(code, code))} {moved(v)}{span} {driver}.")
    note.section("Price against volume", sentences)
    if sentences:
        note.blocks.append(("chart", "export_price_volume"))


def _region_word(codes, rules: dict) -> str:
    """'the blocs' for trade blocs only, 'regions' when the list mixes blocs and continents."""
    continents = set(rules.get("continents", []))
    kinds = {c in continents for c in codes}
    if kinds == {True}:
        return "the continents"
    return "regions" if kinds == {True, False} else "the blocs"


def _regions(note: Note, fig: Figures, period: str, rules: dict) -> None:
    yoy = fig.series("yoy", "export", "partner", period)
    contrib = fig.series("contribution", "export", "partner", period)
    if yoy.empty:
        ytd = _ytd_destinations(fig, period, rules)
        if ytd:
            note.skip("exports by destination for the month itself (only the year to date)")
            note.section("Destinations", [ytd])
            note.blocks.append(("chart", "export_contributions_by_destination_ytd"))
        else:
            note.skip("exports by destination")
        return
    names = _names("partner", "export")
    prev = _previous_period(period)
    sentences = []
    us = yoy.get("united_states")
    if us is not None:
        us_text = moved_basis(fig, "yoy", "export", "partner", "united_states", period)
        text = f"Exports to the US {us_text}"
        if "united_states" in contrib:
            text += f" ({fmt_pp(contrib['united_states'])} of export growth)"
        text += "."
        before = fig.get("yoy", "export", "partner", "united_states", prev) if prev else None
        if before is not None:
            move = direction(us, before, rules["steady_band_pp"])
            subject = _cap(_subject(move))
            when = "in December" if _janfeb_combined(period) else "a month earlier"
            text += f" {subject} {move} from {fmt_pct(before)} {when}."
        if "non_us" in contrib:  # its growth is in the headline paragraph
            text += f" All other partners contributed {fmt_pp(contrib['non_us'])}."
        sentences.append(text)
    partners = classifications.partners()
    blocs = partners.index[(partners["kind"] == "bloc") & (partners["top_level"] == "True")]
    added = contrib.reindex(blocs).dropna().sort_values(ascending=False)
    added = added[added > 0].head(int(rules["top_blocs"]))
    added = added[[c in yoy for c in added.index]]
    if len(added):
        # ranked by contribution, the largest first
        parts = [f"{names[c]} ({fmt_pp(v)}; {fmt_pct(yoy[c])} y/y)" for c, v in added.items()]
        sentences.append(f"{_cap(_list(parts))} added most among "
                         f"{_region_word(added.index, rules)}.")  # fmt: skip
    elif contrib.empty:
        note.skip("contributions by destination")
    note.section("Destinations",
                 sentences + [_derived_caveat(fig, "export", "partner", period)])  # fmt: skip
    note.blocks.append(("chart", "export_contributions_by_destination"))


def _imports(note: Note, fig: Figures, period: str, rules: dict) -> None:
    contrib = fig.series("contribution", "import", "product", period)
    yoy = fig.series("yoy", "import", "product", period)
    origin_yoy = fig.series("yoy", "import", "partner", period)
    origin_contrib = fig.series("contribution", "import", "partner", period)
    if yoy.empty and origin_yoy.empty:
        ytd = _ytd_lines(fig, "import", period, rules)
        if ytd:
            note.skip("imports by product and origin for the month itself (only the year to date)")
            note.section("Imports", [ytd])
        else:
            note.skip("imports by product and origin")
        return
    sentences = []
    if not contrib.empty:
        names = _names("product", "import")
        tree = classifications.product_tree("import")
        price = fig.series("yoy_price", "import", "product", period)
        volume = fig.series("yoy_volume", "import", "product", period)
        top = [c for c in contrib.index if c in tree.index and tree.at[c, "parent"] == "TOTAL"
               and c != "other" and bool(tree.at[c, "in_partition"])]  # fmt: skip
        lead = contrib[top].sort_values(ascending=False).head(int(rules["import_products"]))
        lead = lead[(lead > 0) & lead.index.isin(yoy.index)]

        def line(c, v):
            text = f"{names[c]} ({fmt_pct(yoy[c])}, {fmt_pp(v)}"
            if c in price and c in volume:
                text += f"; prices {fmt_pct(price[c], signed=True)}, volumes " \
                        f"{fmt_pct(volume[c], signed=True)}"
            return text + ")"

        if len(lead):
            sentences.append(f"By product, imports were led by "
                             f"{_list([line(c, v) for c, v in lead.items()])}.")  # fmt: skip
        # commodities: lines with unit values outside the electromechanical group, not named yet
        both = [c for c in price.index.intersection(volume.index)
                if c in tree.index and tree.at[c, "parent"] != "electromechanical"
                and c not in lead.index]  # fmt: skip
        count = int(rules["import_commodities"])
        biggest = contrib.reindex(both).dropna().abs().sort_values(ascending=False).index[:count]
        for c in biggest:
            joint = "and" if (price[c] >= 0) == (volume[c] >= 0) else "while"
            sentences.append(f"Import prices of {names.get(c, c)} {moved(price[c])} {joint} "
                             f"volumes {moved(volume[c])}.")  # fmt: skip
    if not origin_yoy.empty:
        names = _names("partner", "import")
        us = origin_yoy.get("united_states")
        if us is not None:
            us_text = moved_basis(fig, "yoy", "import", "partner", "united_states", period)
            sentences.append(f"Imports from the US {us_text}.")
        partners = classifications.partners()
        blocs = partners.index[(partners["kind"] == "bloc") & (partners["top_level"] == "True")]
        lead = origin_contrib.reindex(blocs).dropna().sort_values(ascending=False)
        lead = lead[lead > 0].head(int(rules["import_origins"]))
        lead = lead[[c in origin_yoy for c in lead.index]]
        parts = [f"{names[c]} ({fmt_pp(v)}; {fmt_pct(origin_yoy[c])} y/y)" for c, v in lead.items()]
        if parts:
            sentences.append(f"By origin, {_list(parts)} added most to import growth among "
                             f"{_region_word(lead.index, rules)}.")  # fmt: skip
    said = any(" pp" in sentence for sentence in sentences)  # contributions are in pp
    note.section("Imports", sentences + [_derived_caveat(fig, "import", "partner", period, said)
                                         or _derived_caveat(fig, "import", "product", period,
                                                            said)])  # fmt: skip
    note.p([_physical_sentence(fig, period, rules)])


def _physical_sentence(fig: Figures, period: str, rules: dict) -> str:
    """Commodity imports in physical units: 'In physical terms, crude oil imports were 48.7 Mt
    (11.9 mb/d, volumes +0.8% y/y), ...' (helpers.volumes.commodity_table's figures)."""
    quantity = fig.series("quantity_mt", "import", "product", period)
    if quantity.empty:
        return ""
    from helpers.volumes import COMMODITIES

    names = _names("product", "import")
    volume = fig.series("yoy_volume", "import", "product", period)
    order = [c for c in COMMODITIES if c in quantity] + [c for c in quantity.index
                                                         if c not in COMMODITIES]
    parts = []
    for code in order[: int(rules.get("physical_imports", 4))]:
        text = f"{names.get(code, code)} {_num(quantity[code])} Mt"
        inner = []
        mbd = fig.get("crude_mbd", "import", "product", code, period)
        if mbd is not None:
            inner.append(f"{_num(mbd)} mb/d")
        if code in volume:
            inner.append(f"{fmt_pct(volume[code], signed=True)} y/y")
        parts.append(text + (f" ({', '.join(inner)})" if inner else ""))
    span = " in January-February" if _janfeb_combined(period) else ""
    return f"In physical terms{span}, China imported {_list(parts)}."


def _fan_model(fig: Figures, months: list[str]) -> str | None:
    """The outlook's fan-chart model, by the outlook's rule (helpers.forecast.choose_model):
    the lowest mean RMSE ratio to the random walk over the backtest's horizons among the fan's
    candidates (SARIMAX only when the fan reaches a January/February split from a combined
    base). The outlook does not record its choice in figures.csv, so the note applies the rule
    to the recorded backtest."""
    from helpers import forecast

    ratios = fig.frame[(fig.frame["metric"] == "rmse_ratio_random_walk")
                       & (fig.frame["dimension"] == "model")]  # fmt: skip
    if ratios.empty:
        return None
    split = ratios["item"].str.rsplit("_h", n=1)
    table = pd.DataFrame({"model": split.str[0], "horizon": split.str[1],
                          "rmse_ratio_random_walk": ratios["value"].to_numpy()})  # fmt: skip
    candidates = forecast.FAN_MODELS
    if any(pd.Period(m, "M").month in (1, 2) for m in months):
        years = set(pd.read_csv(CLASSIFICATIONS_DIR / "janfeb_combined.csv")["year"].astype(int))
        if any(pd.Period(m, "M").year - 1 in years for m in months
               if pd.Period(m, "M").month in (1, 2)):
            candidates = ("sarimax", "sarimax_x")
    return forecast.choose_model(table, candidates)


def _ahead_words(months: int) -> str:
    """1 -> 'one month', 3 -> 'three months' (no bare numbers in the note's prose)."""
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
             "ten", "eleven", "twelve"]  # fmt: skip
    word = words[months] if 0 <= months < len(words) else str(months)
    return f"{word} month{'s' if months != 1 else ''}"


def _band_sentence(fig: Figures, period: str, month: str, rules: dict) -> str:
    """The forecast band as the backtest supports it: the 80% band when its measured coverage at
    that horizon is within band_tolerance_pp of 80%, else the band with its measured coverage."""
    lo = fig.get("forecast_lo80", "export", "total", "total", month)
    hi = fig.get("forecast_hi80", "export", "total", "total", month)
    if lo is None or hi is None:
        return ""
    ahead = (pd.Period(month, "M") - pd.Period(period, "M")).n
    model = _fan_model(fig, [p for p in fig.periods("forecast_yoy") if p > period])
    cover = (fig.get("coverage80", "export", "model", f"{model}_h{ahead}", period)
             if model else None)  # fmt: skip
    if cover is None:
        return f", with an 80% band of {fmt_pct(lo)} to {fmt_pct(hi)} (coverage not backtested)"
    held = f"{round_half_up(100 * cover, 0):.0f}%"
    if abs(100 * cover - 80) <= rules.get("band_tolerance_pp", 10):
        return (f", with an 80% band of {fmt_pct(lo)} to {fmt_pct(hi)} (in the backtest, such "
                f"bands held the outcome {held} of the time)")  # fmt: skip
    return (f"; its nominal 80% band, {fmt_pct(lo)} to {fmt_pct(hi)}, is not reliable: in the "
            f"backtest this band held {held} of the time {_ahead_words(ahead)} ahead")  # fmt: skip


def _outlook(note: Note, fig: Figures, period: str, rules: dict) -> None:
    sentences = []
    months = [p for p in fig.periods("base_effect") if p > period][: int(rules["base_months"])]
    if months:
        parts = []
        for month in months:
            implied = fig.get("base_effect", "export", "total", "total", month)
            base = fig.get("base_yoy", "export", "total", "total", month)
            median = fig.get("base_median_yoy", "export", "total", "total", month)
            text = f"{fmt_pct(implied)} in {month_name(month).split()[0]}"
            if base is not None and median is not None:  # the outlook page's rule
                gap, level = base - median, rules["base_label_pp"]
                kind = "high" if gap > level else "low" if gap < -level else ""
                if kind:  # the median (of the year before the base month) says why 1.7% is high
                    text += (f" (a {kind} base: {fmt_pct(base)} a year earlier, "
                             f"median {fmt_pct(median)})")  # fmt: skip
            parts.append(text)
        sentences.append("Base effects: if exports hold their seasonally adjusted level, "
                         f"y/y growth would be {_list(parts)}.")  # fmt: skip
    else:
        note.skip("base effects for the coming months")
    ahead = [p for p in fig.periods("forecast_yoy") if p > period]
    if ahead:
        month = ahead[0]
        point = fig.get("forecast_yoy", "export", "total", "total", month)
        name = month_name(month).split()[0]
        text = f"The model forecasts export growth of {fmt_pct(point)} for {name}"
        sentences.append(text + _band_sentence(fig, period, month, rules) + ".")
        implied = fig.get("base_effect", "export", "total", "total", month)
        if implied is not None and abs(point - implied) > rules["base_gap_pp"]:
            above = point > implied
            sentences.append(
                f"The forecast is {'above' if above else 'below'} the {fmt_pct(implied)} "
                f"base-effect path because the model projects {'stronger' if above else 'weaker'}"
                " momentum" + (" as the New Year distortion unwinds"
                               if _janfeb_combined(period) else "") + ".")  # fmt: skip
    else:
        note.skip("an export forecast")
    scenarios = fig.series("scenario_effect", "export", "scenario", period)
    labels = rules.get("scenario_labels") or {}
    risks = scenarios.drop(labels=["total"], errors="ignore")
    risks = risks[[c in labels for c in risks.index]].sort_values()
    if len(risks):
        parts = [f"{labels[c]} ({fmt_pp(v)})" for c, v in risks.items()]
        printed = sum(round_half_up(v, 1) for v in risks)
        if "total" in scenarios and _num(printed) == _num(scenarios["total"]):
            sentences.append(f"Risks: {_list(parts)}; together {fmt_pp(scenarios['total'])} on "
                             "export growth.")  # fmt: skip
        else:  # the rounded parts would not add to the printed total: no total in print
            sentences.append(f"Risks, each taken alone, in pp of export growth: {_list(parts)}.")
    note.section("Outlook", sentences)
    note.blocks.append(("chart", "export_forecast"))


def _absent_view(view: str, meta: dict) -> str:
    """Why a view's figures are absent: left out of the report, failed in this build, or not
    built from this store."""
    if view in (meta.get("failed") or {}):
        return (f"the {view} view (failed in this build: {view}.html names the failing "
                "statement and the command that reproduces it)")  # fmt: skip
    if view in meta.get("views", []):
        return (f"the {view} view (not built: the store lacks the tables it needs for the month; "
                f"{view}.html names them)")  # fmt: skip
    return f"the {view} view (not in this report)"


def _cny_beside(figures: pd.DataFrame, period: str) -> str:
    """`--currency both`: the CNY growth beside the USD figures and the yuan's move (the rows
    of figures.csv whose currency is CNY)."""
    if "currency" not in figures:
        return ""
    cny = Figures(figures[figures["currency"].fillna("").astype(str) == "CNY"])
    parts = []
    for flow, noun in (("export", "exports"), ("import", "imports")):
        value = cny.get("yoy", flow, "total", "total", period)
        if value is not None:
            parts.append(f"{noun} {moved(value)}")
    if not parts:
        return ""
    text = f"In yuan terms, {_list(parts)} y/y"
    move = cny.get("cny_per_usd_yoy", "net", "total", "total", period)
    if move is not None and _num(abs(move)) != "0.0":
        verb = "weakened" if move > 0 else "strengthened"
        text += (f", the gap to dollar growth being the yuan-per-dollar rate's "
                 f"{fmt_pct(move, signed=True)} y/y (the yuan {verb})")  # fmt: skip
    us = cny.get("yoy", "export", "partner", "united_states", period)
    if us is not None:
        text += f". In yuan, exports to the US {moved(us)}"
    return text + "."


def build_note(figures: pd.DataFrame, meta: dict, rules: dict | None = None) -> Note:
    """Write the note for meta['period'] (YYYY-MM) from the figures table.

    meta keys: period, currency ('USD'/'CNY'/'BOTH'), views (list), sample (bool), failed
    (view -> error, the views that failed in the build), janfeb (bool: the data fold this
    February into January-February). A 'BOTH'
    note is in USD with the CNY growth beside it (figures.csv rows whose currency is CNY).
    """
    year = pd.Period(meta["period"], "M").year
    folded = frozenset([f"{year}-02"] if meta.get("janfeb") else [])
    token = _FOLDED_FEBRUARIES.set(folded)
    try:
        return _write_note(figures, meta, rules)
    finally:
        _FOLDED_FEBRUARIES.reset(token)


def _write_note(figures: pd.DataFrame, meta: dict, rules: dict | None) -> Note:
    rules = rules or load_thresholds()
    period = meta["period"]
    currency, both = check_both(meta.get("currency", "USD"))
    fig = Figures(figures, currency=currency)
    views = fig.views() or set(meta.get("views", []))
    label = _release_label(period)
    note = Note(title=claim_title(fig, period, rules))
    note.kicker = f"China trade, {label}: flash note"
    money_unit = "cny_bn" if currency == "CNY" else "usd_bn"
    beside = both and bool(_cny_beside(figures, period))
    values = ("Values in USD, with growth in CNY beside them; growth y/y on GAC's USD figures."
              if beside else f"Values in {currency}; growth y/y on GAC's {currency} figures.")
    if both and not beside:  # asked for, but nothing in yuan to put beside the dollar figures
        note.skip(f"growth in CNY beside the USD figures (the data hold no CNY totals for "
                  f"{label})")  # fmt: skip
    note.subtitle = (values + (" Illustrative sample data, not official statistics."
                               if meta.get("sample") else ""))  # fmt: skip
    note.summary = _summary(fig, period, rules, money_unit) if "headline" in views else ""
    if "headline" in views:
        note.blocks.append(("h2", "Headline"))
        rows = _headline(note, fig, period, rules, money_unit)
        if both:
            note.p([_cny_beside(figures, period)])
        if rows:
            prev = "December" if _janfeb_combined(period) else "Previous month"
            header = ("", "Latest", "Consensus", prev)
            # drop comparison columns the data do not fill at all
            keep = [i for i in range(len(header))
                    if i < 2 or any(r[i] != "not in data" for r in rows)]  # fmt: skip
            table = [tuple(r[i] for i in keep) for r in rows]
            note.blocks.append(("table", tuple(header[i] for i in keep), table))
    else:
        note.skip(_absent_view("headline", meta))
    if "product" in views:
        _products(note, fig, period, rules)
        _price_volume(note, fig, period, rules)
    else:
        note.skip(_absent_view("product", meta))
    if "regional" in views:
        _regions(note, fig, period, rules)
    else:
        note.skip(_absent_view("regional", meta))
    if "imports" in views:
        _imports(note, fig, period, rules)
    else:
        note.skip(_absent_view("imports", meta))
    if "outlook" in views:
        _outlook(note, fig, period, rules)
    else:
        note.skip(_absent_view("outlook", meta))
    if currency != "USD":
        note.skip("comparisons with the USD-based published release (this report is in "
                  f"{currency})")  # fmt: skip
    if note.omitted:
        note.blocks.append(("h2", "Not covered"))
        note.blocks.append(("p", "The data for this report do not support: "
                            + "; ".join(note.omitted) + "."))  # fmt: skip
    return note


# --------------------------------------------------------------------------- rendering

# short captions of the note's charts (the alt text stays alt text)
CAPTIONS = {
    "trade_yoy": "Exports and imports, % y/y",
    "export_contributions_by_product": "Contributions to export growth by product, pp",
    "export_contributions_by_destination": "Contributions to export growth by destination, pp",
    "export_contributions_by_product_ytd": "Contributions to year-to-date export growth by "
                                           "product, pp",
    "export_contributions_by_destination_ytd": "Contributions to year-to-date export growth by "
                                               "destination, pp",
    "export_price_volume": "Export unit values and volumes, % y/y",
    "export_forecast": "Export growth: history and forecast, % y/y",
}


def _chart_map(charts) -> dict[str, tuple[Path, str]]:
    """name -> (png path, alt text) from collect_charts' (path, alt) pairs."""
    return {Path(path).stem: (Path(path), alt) for path, alt in charts}


def chart_numbers(note: Note, charts) -> dict[str, int]:
    """Chart name -> its number in the note (only the charts the note shows)."""
    available = _chart_map(charts)
    names = [b[1] for b in note.blocks if b[0] == "chart" and b[1] in available]
    return {name: i for i, name in enumerate(dict.fromkeys(names), start=1)}


def caption(name: str, number: int) -> str:
    """'Chart 1. Exports and imports, % y/y'."""
    return f"Chart {number}. {CAPTIONS.get(name, name.replace('_', ' '))}"


def render_markdown(note: Note, charts=()) -> str:
    """The note as Markdown (charts as image links to charts/<name>.png)."""
    lines = [f"# {note.title}", ""]
    lead = ". ".join(t.rstrip(".") for t in (note.kicker, note.subtitle) if t)
    if lead:
        lines += [f"*{lead}.*", ""]
    if note.summary:
        lines += [f"**{note.summary}**", ""]
    numbers = chart_numbers(note, charts)
    for block in note.blocks:
        if block[0] == "h2":
            lines += [f"## {block[1]}", ""]
        elif block[0] == "p":
            lines += [block[1], ""]
        elif block[0] == "chart" and block[1] in numbers:
            lines += [f"![{caption(block[1], numbers[block[1]])}](charts/{block[1]}.png)", ""]
        elif block[0] == "table":
            header, rows = block[1], block[2]
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "|".join("---" for _ in header) + "|")
            lines += ["| " + " | ".join(row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def prose_words(note: Note) -> int:
    """Words in the note's title, summary and paragraphs (tables excluded)."""
    texts = [note.title, note.summary] + [b[1] for b in note.blocks if b[0] in ("p", "h2")]
    return sum(len(t.split()) for t in texts)


NOTE_CSS = """body{font-family:Georgia,serif;max-width:760px;margin:24px auto;padding:0 16px;
color:#1f2328;line-height:1.5}h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;
margin-top:1.4em}.kicker{color:#59636e;font-size:.9em;margin:0 0 .6em}.lede{font-weight:bold}
.sub{color:#59636e;font-style:italic}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #d1d9e0;padding:4px 10px;text-align:right}td:first-child,th:first-child
{text-align:left}img{max-width:100%}figure{margin:16px 0}figcaption{color:#59636e;font-size:.9em}
"""


def render_html(note: Note, charts=()) -> str:
    """The note as self-contained HTML (inline CSS, charts embedded as data URIs beside the
    paragraphs they illustrate)."""
    available = _chart_map(charts)
    numbers = chart_numbers(note, charts)
    body = []
    if note.kicker:
        body.append(f'<p class="kicker">{escape(note.kicker)}</p>')
    body.append(f"<h1>{escape(note.title)}</h1>")
    if note.subtitle:
        body.append(f'<p class="sub">{escape(note.subtitle)}</p>')
    if note.summary:
        body.append(f'<p class="lede">{escape(note.summary)}</p>')
    for block in note.blocks:
        if block[0] == "h2":
            body.append(f"<h2>{escape(block[1])}</h2>")
        elif block[0] == "p":
            body.append(f"<p>{escape(block[1])}</p>")
        elif block[0] == "chart" and block[1] in numbers:
            path, alt = available[block[1]]
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            body.append(f'<figure><img src="data:image/png;base64,{data}" alt="{escape(alt)}">'
                        f"<figcaption>{escape(caption(block[1], numbers[block[1]]))}"
                        "</figcaption></figure>")  # fmt: skip
        elif block[0] == "table":
            head = "".join(f"<th>{escape(h)}</th>" for h in block[1])
            rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>"
                           for r in block[2])  # fmt: skip
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(note.title)}</title>\n<style>{NOTE_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")  # fmt: skip
