"""`computed_by` in data/figure_names.csv names the functions that really produce each figure.

The view notebooks run in this process (their code cells, in order, as the runner's kernels run
them) with a tracer: every function named in a `computed_by` is wrapped so that the numbers it
returns are logged, and FigureSet.add is wrapped so that every recorded figure is checked.

A figure's *producers* are the named functions whose output, since the notebook began, holds
the recorded value (exactly, or divided by 1e9 for a level in bn), and the function that called
FigureSet.add when the value is not among that function's own arguments (it computed the number
itself, as `headline.record` does for coverage_months). Then

- every recorded figure has one of its `computed_by` functions among its producers: naming
  `metrics.contributions` alone for "contribution" fails on every "of which" row, which
  `metrics.contribution` computes;
- every function a `computed_by` names produced at least one recorded figure of that name;
- every `computed_by` names a function that exists.

Figures the sample builds do not record (printed GAC rates, year-to-date tables of a store, the
CNY beside USD figures, the consensus rows of a store's backtest) are checked for existence only.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import sys
from collections import defaultdict

import nbformat
import numpy as np
import pandas as pd
import pytest

from helpers import contract, figures
from helpers.paths import NOTEBOOKS_DIR

pytestmark = pytest.mark.slow

BN = 1e9  # levels are recorded in bn of the currency
# (period, views) built: every view in September, a Jan-Feb release for the combined months'
# figures (coverage_months) and the consensus the outlook holds for the month after it
BUILDS = (("2025-09", None), ("2025-02", ("headline", "outlook")))


def _functions(text: str) -> list[str]:
    """The dotted names a `computed_by` cell lists ("a.b.f; a.b.g")."""
    return [name.strip() for name in text.split(";") if name.strip()]


def _resolve(dotted: str) -> tuple[object, str, object]:
    """(owner, attribute, function) of a dotted name: a module function or a class's method."""
    module, _, attr = dotted.rpartition(".")
    try:
        owner = importlib.import_module(module)
    except ModuleNotFoundError:  # a method: helpers.data.Dataset.folded
        module, _, cls = module.rpartition(".")
        owner = getattr(importlib.import_module(module), cls)
    return owner, attr, getattr(owner, attr)


def _numbers(obj, out: set, depth: int = 0) -> set:
    """Every finite number in a return value (Series, frames, arrays, dataclasses, containers),
    and each divided by 1e9 (a level in units recorded in bn)."""
    if depth > 4 or obj is None or isinstance(obj, (bool, np.bool_, str)):
        return out
    if isinstance(obj, (int, float, np.number)):
        obj = np.asarray([obj], dtype=float)
    if isinstance(obj, pd.Series):
        obj = obj.to_numpy(dtype=float, na_value=np.nan) if pd.api.types.is_numeric_dtype(obj) \
            else obj.to_numpy(dtype=object)
    if isinstance(obj, pd.DataFrame):
        for column in obj.columns:
            _numbers(obj[column], out, depth + 1)
        return out
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fiu":
            values = obj.astype(float).ravel()
            values = values[np.isfinite(values)]
            out.update(values.tolist())
            out.update((values / BN).tolist())
        elif obj.dtype.kind == "O":
            for value in obj.ravel():
                _numbers(value, out, depth + 1)
        return out
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        for value in obj:
            _numbers(value, out, depth + 1)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _numbers(getattr(obj, f.name), out, depth + 1)
    return out


class Tracer:
    """Wraps the named functions and FigureSet.add; collects each recorded figure's producers."""

    def __init__(self, monkeypatch, names: set[str]) -> None:
        self.produced: dict[float, set[str]] = defaultdict(set)
        self.rows: list[dict] = []
        originals = {}
        for name in names:
            owner, attr, function = _resolve(name)
            originals[function] = name
            monkeypatch.setattr(owner, attr, self._wrap(function, name))
        # the same functions bound by `from module import name` in other helpers modules
        for module in [m for n, m in sys.modules.items() if n.startswith("helpers")]:
            for attr, value in list(vars(module).items()):
                if inspect.isfunction(value) and value in originals:
                    _, _, wrapped = _resolve(originals[value])
                    monkeypatch.setattr(module, attr, wrapped)
        add = figures.FigureSet.add
        tracer = self

        def traced_add(figure_set, name, flow, dimension, item, period, value, *args, **kwargs):
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                tracer._record(sys._getframe(1), name, flow, dimension, item, period, value)
            return add(figure_set, name, flow, dimension, item, period, value, *args, **kwargs)

        monkeypatch.setattr(figures.FigureSet, "add", traced_add)

    def _wrap(self, function, name: str):
        def wrapper(*args, **kwargs):
            result = function(*args, **kwargs)
            for value in _numbers(result, set()):
                self.produced[value].add(name)
            return result

        wrapper.__wrapped__ = function
        return wrapper

    def _record(self, caller, name, flow, dimension, item, period, value) -> None:
        value = float(value)
        producers = set(self.produced.get(value, ()))
        code = caller.f_code
        arguments = [caller.f_locals[v] for v in code.co_varnames[: code.co_argcount]
                     if v in caller.f_locals]  # fmt: skip
        if value not in _numbers(arguments, set()):  # computed in the recording function
            producers.add(f"{caller.f_globals['__name__']}.{code.co_name}")
        self.rows.append({"metric": name, "flow": flow, "dimension": dimension, "item": item,
                          "period": str(period), "value": value, "producers": producers})

    def start(self) -> None:
        """A new notebook: numbers logged before it do not count."""
        self.produced.clear()


def _run_notebook(view: str, period: str, tracer: Tracer, data: str = "",
                  currency: str = "USD") -> None:  # fmt: skip
    """Run a view notebook's code cells here, as the runner's kernel would for `period`."""
    from IPython.display import display  # noqa: F401  (the notebooks import it themselves)

    nb = nbformat.read(NOTEBOOKS_DIR / contract.view_spec(view).notebook, as_version=4)
    namespace: dict = {"__name__": f"notebook_{view}"}
    tracer.start()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        exec(compile(cell.source, f"{view}.ipynb", "exec"), namespace)  # noqa: S102
        if "parameters" in cell.metadata.get("tags", []):
            namespace.update(period=period, data=data, currency=currency, output_dir="")


@pytest.fixture(scope="module")
def built(monkeypatch_module):
    names = {f for text in figures.registry()["computed_by"] for f in _functions(text)}
    tracer = Tracer(monkeypatch_module, names)
    for period, views in BUILDS:
        for view in views or contract.views():
            _run_notebook(view, period, tracer)
    return pd.DataFrame(tracer.rows)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _build_store(pages, store) -> None:
    from helpers.ingest import importer

    assert importer.main(["gac", *map(str, pages), "--store", str(store)]) == 0


@pytest.fixture(scope="module")
def built_on_pages(monkeypatch_module, tmp_path_factory):
    """Every view on a store of the committed GAC fixture pages for July 2024 in USD: section
    (1)'s printed month rates and section (4)'s printed year-to-date rates."""
    from helpers.paths import ROOT

    gac = ROOT / "tests" / "fixtures" / "gac"
    store = tmp_path_factory.mktemp("pages") / "store"
    _build_store([gac / "by_country_2024-07_USD.html", gac / "total_values_2024-07_USD.html"],
                 store)  # fmt: skip
    names = {f for text in figures.registry()["computed_by"] for f in _functions(text)}
    tracer = Tracer(monkeypatch_module, names)
    for view in contract.views():
        _run_notebook(view, "2024-07", tracer, str(store), "USD")
    return pd.DataFrame(tracer.rows)


@pytest.fixture(scope="module")
def built_on_real_pages(monkeypatch_module, tmp_path_factory):
    """Every view on a store of GAC's real pages (../shared): June 2026 in USD (year-to-date
    figures as GAC printed them) and March 2026 in CNY (month rates derived from them), the
    figures the sample never records."""
    from helpers.paths import SHARED_DIR

    pages = sorted((SHARED_DIR / "fixtures" / "gac").glob("gac_s*.html"))
    if not pages:
        pytest.skip("../shared/fixtures/gac not present")
    store = tmp_path_factory.mktemp("real") / "store"
    _build_store(pages + sorted((SHARED_DIR / "fixtures" / "gac").glob("gac_mb2_*.html")), store)
    names = {f for text in figures.registry()["computed_by"] for f in _functions(text)}
    tracer = Tracer(monkeypatch_module, names)
    for period, currency in (("2026-06", "USD"), ("2026-03", "CNY")):
        for view in contract.views():
            _run_notebook(view, period, tracer, str(store), currency)
    return pd.DataFrame(tracer.rows)


def test_every_computed_by_names_a_function_that_exists():
    for name, text in figures.registry()["computed_by"].items():
        assert _functions(text), f"{name}: no computed_by"
        for dotted in _functions(text):
            assert callable(_resolve(dotted)[2]), f"{name}: {dotted} is not a function"


def test_every_recorded_figure_comes_from_its_computed_by(built):
    assert len(built) > 1000 and {"contribution", "forecast_lo80", "coverage_months"} <= set(
        built["metric"])  # fmt: skip
    _check_producers(built)


def test_figures_of_gac_pages_come_from_their_computed_by(built_on_pages):
    """A store of GAC's pages records GAC's printed rates as figures: the same check."""
    printed = built_on_pages[built_on_pages["producers"].map(
        lambda p: "helpers.data.Dataset.printed_ytd_yoy" in p)]  # fmt: skip
    assert len(printed), "the fixture pages should give printed year-to-date rates"
    _check_producers(built_on_pages)


def test_figures_of_real_pages_come_from_their_computed_by(built_on_real_pages):
    """GAC's printed rates, derived month rates and year-to-date tables: figures the sample
    builds do not record, checked the same way."""
    assert {"ytd_yoy", "contribution_ytd", "yoy"} <= set(built_on_real_pages["metric"])
    _check_producers(built_on_real_pages)


def _check_producers(built: pd.DataFrame) -> None:
    registry = figures.registry()
    wrong = defaultdict(list)
    for row in built.itertuples():
        named = set(_functions(registry.loc[row.metric, "computed_by"]))
        if not named & row.producers:
            wrong[row.metric].append(
                f"{row.flow}/{row.dimension}/{row.item} {row.period} = {row.value:g}: made by "
                f"{', '.join(sorted(row.producers)) or 'none of the named functions'}")
    assert not wrong, "\n".join(f"{metric} ({registry.loc[metric, 'computed_by']}): "
                                f"{len(rows)} rows, e.g. {rows[0]}"
                                for metric, rows in wrong.items())  # fmt: skip


def test_every_named_function_produced_its_figure(built, built_on_pages):
    registry = figures.registry()
    idle = []
    for metric, rows in pd.concat([built, built_on_pages]).groupby("metric"):
        made = set().union(*rows["producers"])
        idle += [f"{metric}: {f}" for f in _functions(registry.loc[metric, "computed_by"])
                 if f not in made]  # fmt: skip
    assert not idle, f"named in computed_by but produced none of its figures: {idle}"
