"""The pages of a view that was not built: one the store cannot build (what it needs, how to
get it, what is held) and one that failed in the build (where, and the command reproducing it).

Self-contained like every report page (inline CSS, no scripts), in the index page's style;
Jinja2 templates with autoescape (templates/pages/placeholder.html.j2, failed.html.j2).
"""

from __future__ import annotations

from markupsafe import Markup

from helpers.coverage import MissingTable, held_lines
from helpers.report.index_page import CSS, render_page

__all__ = ["failure_html", "placeholder_html"]

PAGE_CSS = CSS + """
nav { margin-bottom: 12px; } nav a, nav b { margin-right: 10px; }
.missing li { margin: 6px 0; }
code { background: #eef1f4; padding: 1px 4px; border-radius: 4px; font-size: .92em; }
table.held { border-collapse: collapse; background: #fff; font-size: .95em; }
table.held th, table.held td { padding: 4px 10px; border-bottom: 1px solid #e4e8ec; }
table.held th { text-align: right; border-bottom: 2px solid #59636e; }
table.held th:first-child, table.held td:first-child { text-align: left; white-space: pre; }
table.held td { text-align: right; }
small { color: #59636e; }
.banner.failed { background: #fff0f0; color: #82071e; border-color: #ffb3b8; }
dl.where dt { font-weight: 600; margin-top: 6px; } dl.where dd { margin: 2px 0 0 16px; }
pre { background: #eef1f4; padding: 8px 12px; border-radius: 6px; white-space: pre-wrap; }
"""


def placeholder_html(view: str, period, currency: str, missing: list[MissingTable],
                     data: str, nav: list[str], ds=None) -> str:  # fmt: skip
    """A self-contained page saying what the view needs and how to get it, and what is held."""
    held, source = held_lines(ds, view, period, currency) if ds is not None else (None, "")
    held_table = ""
    if held is not None and len(held):  # pandas escapes the cells it writes
        held_table = Markup(held.to_html(index=False, na_rep="not printed", classes="held",
                                         border=0, float_format=lambda v: f"{v:,.1f}"))
    return render_page("placeholder.html.j2", css=PAGE_CSS, view=view, nav=nav,
                       period=str(period), title=f"{view.title()} — {period} ({currency})",
                       missing=[m.sentence(data) for m in missing], held_table=held_table,
                       source=source)  # fmt: skip


def failure_html(view: str, period, currency: str, result: dict, nav: list[str],
                 notebook: str = "") -> str:  # fmt: skip
    """A self-contained page saying where a view failed (cell, statement, the frame that raised,
    the error) and the command that reproduces it; `result` is the worker's result with
    `reproduce` set; `notebook` the executed notebook's path relative to the page, if kept."""
    cell = None
    if result.get("exec_count") is not None:
        cell = f"In [{result['exec_count']}]" + (f": {result['cell_source']}"
                                                 if result.get("cell_source") else "")
    statement = result.get("statement")
    if statement and result.get("cell_line"):
        statement = f"line {result['cell_line']}: {statement}"
    return render_page("failed.html.j2", css=PAGE_CSS, view=view, nav=nav, period=str(period),
                       title=f"{view.title()} — {period} ({currency}): failed", cell=cell,
                       statement=statement, raised_in=result.get("raised_in"),
                       error=f"{result.get('ename')}: {result.get('evalue')}",
                       command=result["reproduce"], notebook=notebook)  # fmt: skip
