"""The contract between the runner and the view notebooks, in one place.

The view registry (data/views.csv: each view's notebook, the function that computes and records
it, the tables it needs, the lines it shows, whether it drills down, its scheduling weight and
its blurb), the parameters every notebook takes and how they are checked, the figures file each
view writes, and the sample-data label. The runner (helpers.report.runner), the coverage checks
(helpers.coverage), the index page and the notebooks' start-up (helpers.notebook) all read it.

`CTK_VIEWS=FILE` reads the registry from FILE instead: a view of one's own can be tried out
(by the runner and the notebooks' kernels alike) before it is added to data/views.csv.
"""

from __future__ import annotations

import csv
import importlib
import os
import re
from dataclasses import dataclass
from functools import cache

import pandas as pd

from helpers.figures import FIGURE_COLUMNS
from helpers.paths import DATA_DIR
from helpers.schema import CURRENCIES, TradeKitError

__all__ = [
    "BOTH",
    "NOTE_CHARTS_DIR",
    "VIEWS_FILE",
    "CURRENCIES",
    "FIGURE_COLUMNS",
    "SAMPLE_FLAG",
    "SAMPLE_LABEL",
    "ParameterError",
    "ViewSpec",
    "check_both",
    "check_currency",
    "check_history_months",
    "check_period",
    "figures_file",
    "view_registry",
    "view_spec",
    "views",
]

VIEWS_FILE = DATA_DIR / "views.csv"
SAMPLE_LABEL = "Illustrative sample data, not official statistics"
SAMPLE_FLAG = "sample_flag"  # file a view writes into output_dir when it rests on sample data
_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class ParameterError(TradeKitError, ValueError):
    """A report or notebook parameter is malformed or does not fit the data."""


@dataclass(frozen=True)
class ViewSpec:
    """One row of the view registry (data/views.csv)."""

    view: str
    notebook: str  # file name in the notebooks folder
    function: str  # dotted path of the function computing and recording it: f(ctx, **options)
    needs: tuple[tuple[str, str], ...]  # (kind, flow) tables the month must hold
    lines: tuple[str, str] | None  # (kind, flow) of the lines it shows, if any
    lines_suffice: bool  # those lines alone make the view (no world total needed)
    drill: bool  # takes the HS drill-down parameters (product_group, partner)
    weight: float  # relative run time, for scheduling only
    blurb: str  # one line on the index page

    def compute(self):
        """The view's function (imported on first use)."""
        module, _, name = self.function.rpartition(".")
        return getattr(importlib.import_module(module), name)


def _pair(text: str, where: str) -> tuple[str, str]:
    kind, sep, flow = text.partition(":")
    if not sep or flow not in ("export", "import"):
        raise ParameterError(f"{where}: {text!r} is not KIND:FLOW (e.g. total:export)")
    return kind, flow


def _yes(text: str, where: str) -> bool:
    if text not in ("yes", "no"):
        raise ParameterError(f"{where}: {text!r} is not yes or no")
    return text == "yes"


@cache
def _read_registry(path: str) -> tuple[ViewSpec, ...]:
    columns = ["view", "notebook", "function", "needs", "lines", "lines_suffice", "drill",
               "weight", "blurb"]  # fmt: skip
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as error:
        raise ParameterError(f"view registry {path}: {error.strerror}") from None
    specs = []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        where = f"{path}, line {number}"
        missing = [c for c in columns if not (row.get(c) or "").strip() and c != "lines"]
        if missing:
            raise ParameterError(f"{where}: empty or missing {', '.join(missing)}")
        try:
            weight = float(row["weight"])
        except ValueError:
            raise ParameterError(f"{where}: weight {row['weight']!r} is not a number") from None
        lines = row["lines"].strip()
        specs.append(ViewSpec(
            view=row["view"].strip(), notebook=row["notebook"].strip(),
            function=row["function"].strip(),
            needs=tuple(_pair(t, where) for t in row["needs"].split()),
            lines=_pair(lines, where) if lines else None,
            lines_suffice=_yes(row["lines_suffice"].strip(), where),
            drill=_yes(row["drill"].strip(), where), weight=weight, blurb=row["blurb"].strip(),
        ))  # fmt: skip
    names = [s.view for s in specs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice or not specs:
        raise ParameterError(f"view registry {path}: "
                             + (f"view(s) {', '.join(twice)} listed twice" if twice
                                else "no views"))  # fmt: skip
    return tuple(specs)


def view_registry() -> tuple[ViewSpec, ...]:
    """Every view in report order: data/views.csv, or the file CTK_VIEWS names."""
    return _read_registry(os.environ.get("CTK_VIEWS") or str(VIEWS_FILE))


def views() -> tuple[str, ...]:
    """The views' names in report order."""
    return tuple(s.view for s in view_registry())


def view_spec(view: str) -> ViewSpec:
    """The registry row of `view`, else ParameterError naming the known views."""
    for spec in view_registry():
        if spec.view == view:
            return spec
    raise ParameterError(f"unknown view {view!r}: choose from {', '.join(views())}")


def check_period(period) -> pd.Period:
    """A 'YYYY-MM' string (or monthly Period) as a monthly Period, else ParameterError."""
    text = str(period).strip()
    if not _PERIOD.fullmatch(text):
        raise ParameterError(f"invalid period {str(period)!r}: write it as YYYY-MM, e.g. 2025-09")
    return pd.Period(text, freq="M")


BOTH = "BOTH"  # --currency both: USD figures, with USD and CNY growth side by side


def check_currency(currency, allow_both: bool = False) -> str:
    """The currency code in upper case ('BOTH' when allowed), else ParameterError."""
    code = str(currency).strip().upper()
    choices = (*CURRENCIES, BOTH) if allow_both else CURRENCIES
    if code not in choices:
        names = ", ".join(c.lower() if c == BOTH else c for c in choices)
        raise ParameterError(f"invalid currency {currency!r}: choose from {names}")
    return code


def check_both(currency) -> tuple[str, bool]:
    """(the currency the views compute in, whether CNY growth is set beside it): the one place
    where `--currency both` becomes USD figures with CNY growth beside them."""
    code = check_currency(currency, allow_both=True)
    return ("USD", True) if code == BOTH else (code, False)


NOTE_CHARTS_DIR = "charts"  # folder in output_dir where views leave the flash note's charts


def figures_file(view: str) -> str:
    """Name of the figures file a view writes into output_dir (full precision)."""
    return f"figures_{view}.csv"


def check_history_months(months) -> int:
    """Months of history the time-series charts show (12 to 240), else ParameterError."""
    try:
        value = int(months)
    except (TypeError, ValueError):
        value = None
    if value is None or value != months or not 12 <= value <= 240:
        raise ParameterError(f"invalid history_months {months!r}: give a whole number of months "
                             "from 12 to 240 (default 36)")  # fmt: skip
    return value
