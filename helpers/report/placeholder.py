"""The page of a view the store cannot build: what it needs, how to get it, what is held.

Self-contained like every report page (inline CSS, no scripts), in the index page's style.
"""

from __future__ import annotations

import re
from html import escape

from helpers.coverage import MissingTable, held_lines
from helpers.report.index_page import CSS

__all__ = ["placeholder_html"]

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
"""


def _with_code(text: str) -> str:
    """Escaped text with `command` spans as <code> (the sentences are written for markdown)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def placeholder_html(view: str, period, currency: str, missing: list[MissingTable],
                     data: str, nav: list[str], ds=None) -> str:  # fmt: skip
    """A self-contained page saying what the view needs and how to get it, and what is held."""
    links = "".join(
        f"<b>{v.title()}</b>" if v == view else f'<a href="{v}.html">{v.title()}</a>'
        for v in nav
    )
    items = "".join(f"<li>{_with_code(m.sentence(data))}</li>" for m in missing)
    held, source = held_lines(ds, view, period, currency) if ds is not None else (None, "")
    held_html = ""
    if held is not None and len(held):
        table = held.to_html(index=False, na_rep="not printed", classes="held", border=0,
                             float_format=lambda v: f"{v:,.1f}")  # fmt: skip
        held_html = (
            f"<h2>What the store holds for {escape(str(period))}</h2>{table}"
            f"<p><small>{escape(source)} The kit's own growth and contributions need the tables "
            "listed above.</small></p>"
        )
    title = f"{view.title()} — {escape(str(period))} ({escape(currency)})"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
<style>{PAGE_CSS}</style>
</head><body><main>
<nav><a href="index.html">← Index</a> {links}</nav>
<h1>{title}</h1>
<div class="banner" role="note">This view was not built: the store does not hold the tables
it needs for {escape(str(period))}. Each line below names a table and the command that gets
it.</div>
<ul class="missing">{items}</ul>
{held_html}
</main></body></html>
"""

