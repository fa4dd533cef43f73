"""The figure vocabulary: one name per number, resolvable functions, one rounding rule."""

import importlib
import math

import pandas as pd
import pytest

from helpers import figures, notebook
from helpers.figures import FigureSet, format_value, round_half_up


def _resolve(dotted: str):
    module, _, attr = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError:  # a method: helpers.data.Dataset.folded
        module, _, owner = module.rpartition(".")
        return getattr(getattr(importlib.import_module(module), owner), attr)


UNITS = {"pct", "pp", "bn", "ratio", "months", "count", "share", "log", "t", "mt", "mb_d"}


def test_every_figure_names_a_function_that_exists():
    table = figures.registry()
    assert table.index.is_unique
    for name, row in table.iterrows():
        # one function, or several ("a.f; b.g") where views compute the figure differently
        assert all(callable(_resolve(f.strip())) for f in row["computed_by"].split(";")), name
        assert row["unit"] in UNITS, name
        assert row["label"], name


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [(8.25, 1, 8.3), (-8.25, 1, -8.3), (8.249999, 1, 8.2), (0.125, 2, 0.13), (90.45, 1, 90.5),
     (-0.04, 1, 0.0), (2.5, 0, 3.0)],
)  # fmt: skip
def test_round_half_up_on_the_printed_decimal(value, places, expected):
    rounded = round_half_up(value, places)
    assert rounded == expected and math.copysign(1, rounded) == math.copysign(1, expected)


def test_format_value_never_prints_nan_or_minus_zero():
    assert format_value(float("nan")) == "–"
    assert format_value(None) == "–"
    assert format_value(float("inf")) == "–"
    assert format_value(-0.04) == "0.0"
    assert format_value(8.25, sign=True) == "+8.3"


def test_figure_set_takes_units_from_the_registry():
    fs = FigureSet("CNY")
    fs.add("level", "export", "total", "total", pd.Period("2025-09", "M"), 1234.5)
    fs.add("yoy", "export", "total", "total", pd.Period("2025-09", "M"), float("nan"))
    frame = fs.frame()
    assert frame["unit"].tolist() == ["cny_bn"]
    with pytest.raises(KeyError, match="not a figure name"):
        fs.add("growth", "export", "total", "total", "2025-09", 1.0)


def test_display_table_and_figures_csv_round_alike():
    """8.25 reads 8.3 in the HTML table, as in figures.csv (was 8.2 with '{:.1f}')."""
    frame = pd.DataFrame({"yoy": [8.25, -0.04], "contribution": [1.05, float("nan")]},
                         index=["a", "b"])  # fmt: skip
    html = notebook.table(frame).to_html()
    assert ">8.3<" in html and ">0.0<" in html and ">1.1<" in html and ">–<" in html
    assert "y/y %" in html and "Contribution (pp)" in html
    assert "nan" not in html.lower()


def test_key_table_rows_are_labelled_from_the_registry(sample):
    from helpers import headline

    h = headline.headline(sample, "2025-09")
    html = notebook.table(headline.key_table(h)).to_html()
    assert "Consensus y/y %" in html and "3-month sum y/y %" in html
    assert ">8.3<" in html  # exports y/y, Sep 2025 published figure


def test_empty_table_says_what_is_missing():
    from helpers import breakdown

    none = pd.DataFrame(columns=["name", "role", "yoy_prev", "yoy", "yoy_change"])
    shown = notebook.table(breakdown.movers(none))
    assert "no line has y/y growth in both this release and the previous one" in (
        shown._repr_markdown_()
    )
    assert "Nothing to show" in notebook.table(pd.DataFrame())._repr_markdown_()


def test_a_table_with_a_name_twice_is_shown_not_raised():
    """A line GAC revised in two months is two rows of one name (the revisions table on a
    store of several releases): shown with the names as a column, nothing dropped."""
    frame = pd.DataFrame({"name": ["Total exports", "Total exports"], "Period": ["2025-04",
                          "2025-05"], "Change %": [-0.153, 0.004]})  # fmt: skip
    html = notebook.table(frame, decimals=3).to_html()
    assert html.count(">Total exports<") == 2
    assert ">2025-04<" in html and ">-0.153<" in html and ">0.004<" in html
