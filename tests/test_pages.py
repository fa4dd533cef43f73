"""The kit's own HTML pages (index, placeholder) are Jinja2 templates with autoescape: text
from data (paths, banners, sentences) can never become markup; the kit's CSS stays as written."""

from __future__ import annotations

import pandas as pd

from helpers.report.index_page import CSS, render_index
from helpers.report.placeholder import placeholder_html

HOSTILE = "<script>alert('x')</script> & \"q\""
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;q&#34;"


def _figures() -> pd.DataFrame:
    rows = [("yoy", "export", "total", "total", "2025-09", 8.3, "pct", "headline"),
            ("yoy", "import", "total", "total", "2025-09", 7.4, "pct", "headline"),
            ("balance", "net", "total", "total", "2025-09", 90.5, "usd_bn", "headline")]
    return pd.DataFrame(rows, columns=["metric", "flow", "dimension", "item", "period", "value",
                                       "unit", "view"])  # fmt: skip


def test_index_escapes_data_and_keeps_the_css():
    manifest = {"created": "2026-01-01T00:00:00+00:00", "git": {"commit": "abc123def456789"},
                "data": {"source": "user", "path": f"/data/{HOSTILE}", "files": [1, 2]},
                "versions": {"pandas": "3.1.1"}, "not_built": {"product": 2}}  # fmt: skip
    page = render_index("2025-09", "USD", ["headline", "product"], _figures(), manifest,
                        banner=HOSTILE)  # fmt: skip
    assert "<script" not in page and page.count(ESCAPED) == 2  # banner and data path
    assert f"<style>{CSS}</style>" in page  # "Segoe UI" not turned into &#34;Segoe UI&#34;
    assert '<div class="value">+8.3%</div>' in page and "USD 90.5 bn" in page
    assert ('Product</a> <span class="notbuilt">— not built: the store lacks 2 tables for the '
            "month") in page  # fmt: skip
    assert 'Headline</a><br>' in page
    assert "from commit <code>abc123def4</code>" in page and "(2 file(s)" in page
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")


class _Missing:
    def __init__(self, text):
        self.text = text

    def sentence(self, data):
        return self.text


def test_placeholder_escapes_sentences_and_marks_commands_as_code():
    missing = [_Missing(f"section (1) USD for 2026-06: `ctk fetch gac --period 2026-06` {HOSTILE}"),
               _Missing("an odd ` backtick")]  # fmt: skip
    page = placeholder_html("regional", "2026-06", "USD", missing, "data/store",
                            ["headline", "regional"])  # fmt: skip
    assert "<script" not in page and ESCAPED in page
    assert "<code>ctk fetch gac --period 2026-06</code>" in page
    assert "<li>an odd ` backtick</li>" in page
    assert '<a href="headline.html">Headline</a><b>Regional</b>' in page
    assert "<title>Regional — 2026-06 (USD)</title>" in page
