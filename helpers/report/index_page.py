"""The report's index page: self-contained HTML (inline CSS, no scripts, no external assets).

The HTML is a Jinja2 template with autoescape (templates/pages/index.html.j2): every value is
escaped unless marked safe here (only the kit's own CSS and HTML made by pandas)."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import jinja2
import numpy as np
from markupsafe import Markup

from helpers.contract import check_both, view_spec
from helpers.figures import round_half_up

UNITS = {
    "pct": "{:+.1f}%",
    "pp": "{:+.1f} pp",
    "usd_bn": "USD {:,.1f} bn",
    "cny_bn": "CNY {:,.1f} bn",
}

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328;
  background: #fafafa; }
main { max-width: 900px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
.sub { color: #59636e; margin: 0 0 16px; }
.banner { background: #fff3cd; color: #664d03; border: 1px solid #ffe69c; padding: 10px 14px;
  border-radius: 6px; margin: 12px 0; }
.kpis { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.kpi { flex: 1 1 200px; background: #fff; border: 1px solid #d1d9e0; border-radius: 8px;
  padding: 12px 16px; }
.kpi .label { color: #59636e; font-size: .9em; }
.kpi .value { font-size: 1.8em; font-weight: 600; }
.kpi .note { color: #59636e; font-size: .85em; }
ul.views { list-style: none; padding: 0; }
ul.views li { background: #fff; border: 1px solid #d1d9e0; border-radius: 8px; margin: 8px 0;
  padding: 10px 16px; }
ul.views a { font-weight: 600; font-size: 1.1em; }
.meta { color: #59636e; font-size: .85em; margin-top: 24px; }
.notbuilt { color: #9a6700; font-size: .9em; }
.meta code { font-size: .95em; }
table.check { border-collapse: collapse; font-size: .85em; margin: 8px 0; background: #fff; }
table.check th, table.check td { border: 1px solid #d1d9e0; padding: 3px 8px; text-align: left; }
table.check td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.check tr.bad td { background: #fff0f0; }
"""


PAGES_DIR = Path(__file__).resolve().parent / "templates" / "pages"


def _with_code(text: str) -> Markup:
    """Escaped text with `command` spans as <code> (the sentences are written for markdown)."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: plain text
        return Markup.escape(text)
    return Markup("").join(Markup("<code>{}</code>").format(p) if i % 2 else Markup.escape(p)
                           for i, p in enumerate(parts))  # fmt: skip


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the kit's HTML pages: autoescape on, strict undefined."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(PAGES_DIR)), autoescape=True,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.filters["with_code"] = _with_code
    return env


def render_page(name: str, **values) -> str:
    """Render templates/pages/<name>; CSS passed as `css` is the kit's own and kept as is."""
    if "css" in values:
        values["css"] = Markup(values["css"])
    return environment().get_template(name).render(**values)


def fmt_value(value, unit: str) -> str:
    """Format a figure with its unit, e.g. 8.3 pct -> '+8.3%'."""
    if value is None or value != value:
        return "n/a"
    pattern = UNITS.get(str(unit).lower())
    return pattern.format(value) if pattern else f"{value:,.2f} {unit}"  # escaped by the page


def headline_notes(figures, period: str) -> list[str]:
    """Consensus and surprise under each flow's figure, the y/y change under the balance."""
    rows = figures[(figures["dimension"].str.lower() == "total") & (figures["period"] == period)]

    def value(metric, flow):
        sel = rows[(rows["metric"] == metric) & (rows["flow"] == flow)]
        return (sel["value"].iloc[0], sel["unit"].iloc[0]) if len(sel) else None

    def basis_note(flow):
        sel = rows[(rows["metric"] == "yoy") & (rows["flow"] == flow)]
        if sel.empty:
            return "year to date as GAC printed it; no month y/y in the data" if value(
                "ytd_yoy", flow) else ""  # fmt: skip
        kind = sel["basis"].iloc[0] if "basis" in sel else "computed"
        if kind == "derived":
            low, high = sel["low"].iloc[0], sel["high"].iloc[0]
            return (f"derived from GAC's printed YTD growth ({fmt_value(low, 'pct')} to "
                    f"{fmt_value(high, 'pct')} given its rounding)")  # fmt: skip
        return "as printed by GAC" if kind == "printed" else ""

    notes = []
    for flow in ("export", "import"):
        consensus, surprise = value("consensus_yoy", flow), value("surprise", flow)
        parts = [f"consensus {fmt_value(*consensus)}, surprise {fmt_value(*surprise)}"
                 if consensus and surprise else "no consensus in the data",
                 basis_note(flow)]  # fmt: skip
        notes.append("; ".join(p for p in parts if p))
    change = value("balance_change_yoy", "net")
    if change:
        amount, unit = change
        sign = "+" if amount >= 0 else "−"
        notes.append(f"{sign}{fmt_value(abs(amount), unit)} on a year earlier")
    else:
        notes.append("")
    return notes


def headline_numbers(figures, period: str) -> list[tuple[str, str]]:
    """(label, formatted value) for exports y/y, imports y/y and the balance, headline view first.

    Rows used: metric `yoy` with flow `exports`/`imports`, metric `balance` (any flow), dimension
    `total`, period = the report period (any period if none match).
    """
    rows = figures[
        (figures["dimension"].str.lower() == "total")
        & figures["metric"].str.lower().isin(["yoy", "balance", "ytd_yoy"])
    ]
    if (rows["period"] == period).any():
        rows = rows[rows["period"] == period]
    rows = rows.assign(_h=(rows["view"] != "headline")).sort_values("_h", kind="stable")

    def pick(metric, flow=None):
        sel = rows[rows["metric"].str.lower() == metric]
        if flow:
            sel = sel[sel["flow"].str.lower().str.startswith(flow)]
        if sel.empty:
            return None
        text = fmt_value(sel["value"].iloc[0], sel["unit"].iloc[0])
        derived = "basis" in sel and sel["basis"].iloc[0] == "derived"
        return "\u2248" + text if derived else text

    cards = []
    for flow, noun in (("export", "Exports"), ("import", "Imports")):
        month, ytd = pick("yoy", flow), pick("ytd_yoy", flow)
        if month is None and ytd is not None:  # GAC's printed year to date, said as such
            cards.append((f"{noun}, YTD y/y", ytd))
        else:
            cards.append((f"{noun}, y/y", month or "not in the data"))
    return [*cards, ("Trade balance", pick("balance") or "not in the data")]


def month_label(period: str) -> str:
    """'2025-09' -> 'September 2025'."""
    y, m = (int(x) for x in period.split("-"))
    return date(y, m, 1).strftime("%B %Y")


def currency_text(currency: str) -> str:
    """'USD', or 'USD, with CNY growth beside it' for a both-currencies report."""
    code, both = check_both(currency)
    return f"{code}, with CNY growth beside it" if both else code


def release_period(period: str, figures) -> tuple[str, str]:
    """(figures period, label) of the release: a January or February request whose headline
    records two months of coverage is the combined release ('2025-02', 'January–February 2025')."""
    y, m = (int(x) for x in period.split("-"))
    if m <= 2 and len(figures):
        february = f"{y}-02"
        coverage = figures[(figures["metric"] == "coverage_months")
                           & (figures["period"] == february)]  # fmt: skip
        if len(coverage) and float(coverage["value"].iloc[0]) == 2:
            return february, f"January–February {y}"
    return period, month_label(period)


def reconciliation_data(check) -> dict | None:
    """The "Computed vs published" section's values: one sentence, then every published figure
    (its printed value, the computed one at the same decimals, the outcome), folded away."""
    from helpers.reconcile import reconciliation_note

    if check is None or check.empty:
        return None
    sentence = reconciliation_note(
        check, markdown=False, unchecked="belong to views not built in this run: not checked")
    rows = [{"metric": r.metric, "flow": r.flow, "item": r.item, "period": r.period,
             "published": f"{r.published:,.{r.decimals}f}",
             "computed": (f"{round_half_up(r.computed, r.decimals):,.{r.decimals}f}"
                          if np.isfinite(r.computed) else "—"),  # not computed
             "unit": r.unit, "status": r.status}
            for r in check.itertuples()]  # fmt: skip
    return {"sentence": sentence, "source": Path(check.attrs["source"]).name, "rows": rows}


def render_index(
    period: str, currency: str, views: list[str], figures, manifest: dict, banner: str = "",
    check=None, release: tuple[str, str] | None = None,
) -> str:
    """Return the index page HTML (`check`: helpers.reconcile.check_build's table; `release`:
    the (period, label) the views computed, when the caller knows it from the dataset)."""
    period, title = release or release_period(period, figures)
    not_built = manifest.get("not_built") or {}
    notes = headline_notes(figures, period)
    if "headline" in not_built:  # say why the cards are empty rather than "no consensus"
        notes = ["not built: the store lacks the month's totals (see Headline)"] * 3
    elif "headline" in (manifest.get("failed") or {}):
        notes = ["the headline view failed in this build (see Headline)"] * 3
    kpis = [{"label": label, "value": value, "note": note}
            for (label, value), note in zip(headline_numbers(figures, period), notes,
                                            strict=True)]  # fmt: skip
    failed = manifest.get("failed") or {}
    items = [{"href": f"{v}.html", "name": v.title(), "missing": not_built.get(v) or 0,
              "failed": v in failed, "description": view_spec(v).blurb}
             for v in views]  # fmt: skip
    git = manifest.get("git") or {}
    commit = (git.get("commit") or "")[:10] + (" (modified)" if git.get("dirty") else "")
    data = manifest.get("data", {})
    source = "bundled sample" if data.get("source") == "sample" else str(data.get("path", ""))
    versions = ", ".join(f"{k} {v}" for k, v in manifest.get("versions", {}).items() if v)
    return render_page("index.html.j2", css=CSS, title=title, currency=currency_text(currency),
                       banner=banner, kpis=kpis, views=items, check=reconciliation_data(check),
                       created=manifest.get("created", ""), commit=commit, source=source,
                       files=len(data.get("files", [])), versions=versions)  # fmt: skip
