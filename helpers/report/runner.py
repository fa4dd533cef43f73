"""Build the HTML report: run the registered views' notebooks, export them, swap in atomically.

`python -m helpers run --period 2025-09 [--data PATH] [--views headline,product] [--out reports/]
[--currency USD] [--show-code] [--strict]` builds `reports/<period>/`:

- `index.html`: links to the views, headline numbers from figures.csv, a sample-data banner;
- `<view>.html`: each executed notebook, code hidden unless --show-code, nothing from a CDN;
- `figures.csv`: every view's figures with a trailing `view` column, values rounded half-up on
  their decimal form to 1 decimal for units pct/pp/usd_bn/cny_bn and 2 for `ratio`, other units
  (e.g. usd_mn, counts) as written; rows sorted stably by view (canonical order), metric, flow,
  dimension, item, period;
- `figures_<view>.csv`: each notebook's own file, full precision;
- `manifest.json`: parameters, data sha256, package versions, timings, git commit, timestamp;
- `notebooks/<view>.ipynb`: the executed notebooks.

Contract with the notebooks (each view's notebook in `notebooks_dir`, as the view registry
data/views.csv names it; helpers.contract):

- a cell tagged `parameters` defining `period: str`, `data: str` (empty: bundled sample),
  `currency: str` and `output_dir: str`; the runner passes all four (output_dir = the temporary
  build folder, an absolute path; papermill's cwd is `notebooks_dir`);
- write `{output_dir}/figures_{view}.csv` with columns `metric, flow, dimension, item, period,
  value, unit` at full precision (skip writing when output_dir is ""); a view that succeeds
  without writing it fails the build;
- optionally write `{output_dir}/sample_flag` (text) when figures rest on illustrative sample
  data; the banner is shown when `data` is empty or any notebook wrote the flag;
- optionally leave the flash note's charts as `{output_dir}/charts/<name>.png` with
  `<name>.json` (its alt text) — `ViewContext.for_note` does it; the note shows those of
  `note_files.NOTE_CHARTS` that exist;
- charts as inline PNG (matplotlib's default); cells tagged `remove-cell`, `remove-input` or
  `remove-output` are dropped from the HTML accordingly.

The build happens in `<out>/.build-<period>-<random>/` and replaces `<out>/<period>/` when done.
A view that fails gets a page naming the failing cell, statement and error and the command that
reproduces it (its executed notebook kept in notebooks/), while the other views, the note and
the index are built (manifest.json's "failed"; `main` exits 5). With `strict`, or when no view
succeeded, a failure raises `ReportError` naming the view and the failing cell instead: the
failed executed notebooks are kept in `<out>/<period>.failed/` (with `<view>.kernel.log` if the
kernel printed anything unusual) and the old report is untouched. The next successful build of
the period removes `<period>.failed/`. Notebooks run in spawned worker processes
(helpers.report.workers), each exporting its own HTML.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from helpers.contract import (
    FIGURE_COLUMNS,
    SAMPLE_FLAG,
    SAMPLE_LABEL,
    ParameterError,
    check_both,
    check_currency,
    check_period,
    figures_file,
    view_spec,
    views,
)
from helpers.figures import NUMERIC_COLUMNS, FiguresFileError, combine_figures
from helpers.paths import NOTEBOOKS_DIR, REPORTS_DIR, ROOT, SAMPLE_DIR
from helpers.report.workers import describe_failure, run_all, useful_log
from helpers.schema import TradeKitError

SAMPLE_BANNER = SAMPLE_LABEL + "."
PACKAGES = ("pandas", "papermill", "nbconvert", "matplotlib", "statsmodels", "seaborn", "numpy")


class ReportError(TradeKitError, RuntimeError):
    """The report could not be built; the previous report for the period is untouched."""

    def __init__(
        self,
        message: str,
        view: str | None = None,
        cell: str | None = None,
        notebook: Path | None = None,
    ):
        super().__init__(message)
        self.view, self.cell, self.notebook = view, cell, notebook


# --------------------------------------------------------------------------- validation


def check_views(wanted: str | Iterable[str] | None) -> list[str]:
    """Normalise views (None/"all", "a,b" or a list) to registered names in report order."""
    known = views()
    if wanted is None or wanted == "all":
        return list(known)
    names = wanted.split(",") if isinstance(wanted, str) else list(wanted)
    names = [n.strip().lower() for n in names if n and n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ParameterError(
            f"unknown view(s) {', '.join(unknown) or '(none given)'}: "
            f"choose from {', '.join(known)}"
        )
    return [v for v in known if v in names]


def find_notebooks(notebooks_dir: Path, wanted: list[str]) -> dict[str, Path]:
    """Map each view to its registered notebook in notebooks_dir, or raise ParameterError."""
    paths = {v: Path(notebooks_dir) / view_spec(v).notebook for v in wanted}
    found = {v: paths[v] for v in wanted if paths[v].is_file()}
    missing = [paths[v].name for v in wanted if v not in found]
    if missing:
        raise ParameterError(f"notebook(s) missing in {notebooks_dir}: {', '.join(missing)}")
    return found


# --------------------------------------------------------------------------- figures


def _read_figures(build: Path, built: list[str]) -> dict:
    import pandas as pd

    frames = {}
    for view in built:
        path = build / figures_file(view)
        if not path.is_file():
            raise ReportError(
                f"view {view!r} ran but did not write figures_{view}.csv to output_dir", view=view
            )
        frames[view] = pd.read_csv(
            path,
            dtype={c: str for c in FIGURE_COLUMNS if c not in NUMERIC_COLUMNS},
            keep_default_na=False,
            na_values={c: [""] for c in NUMERIC_COLUMNS},
        )
    return frames


# --------------------------------------------------------------------------- manifest


def hash_data(path: Path) -> list[dict]:
    """sha256 and size of a data file, or of every file under a directory (sorted)."""
    path = Path(path)
    if path.is_file():
        files, base = [path], path.parent
    elif path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        base = path
    else:
        return []
    out = []
    for f in files:
        h = hashlib.sha256()
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        out.append(
            {
                "path": f.relative_to(base).as_posix(),
                "bytes": f.stat().st_size,
                "sha256": h.hexdigest(),
            }
        )
    return out


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _git_commit() -> dict | None:
    try:

        def git(*a):
            return subprocess.run(
                ["git", "-C", str(ROOT), *a], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()

        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.SubprocessError):
        return None


# --------------------------------------------------------------------------- orchestration


def _swap_in(build: Path, target: Path) -> None:
    """Replace target by build with renames; restore the old folder if the second rename fails.

    Runs under the output folder's lock, so no other build swaps at the same time; a rename
    that fails anyway becomes a ReportError, never a traceback, and no .trash-* stays behind.
    """
    trash = target.parent / f".trash-{target.name}-{os.getpid()}"
    moved = False
    try:
        if target.exists():
            target.rename(trash)
            moved = True
        build.rename(target)
    except OSError as error:
        if moved:
            with contextlib.suppress(OSError):
                trash.rename(target)
        raise ReportError(f"could not move the new report into {target} ({error.strerror}); "
                          "the previous report is untouched") from None
    finally:
        if trash.exists() and target.exists():
            shutil.rmtree(trash, ignore_errors=True)


@dataclass
class Plan:
    """Checked parameters of one report build."""

    period: str
    data: Path | None
    views: list[str]
    currency: str  # as requested: USD, CNY or BOTH (the notebooks' parameter)
    notebooks_dir: Path
    notebooks: dict[str, Path]
    out: Path
    show_code: bool
    workers: int
    drill: dict[str, str] = field(default_factory=dict)  # product_group, partner (HS panel)
    ds: object = None  # the dataset, loaded once by check_data (helpers.data.Dataset)
    strict: bool = False  # all or nothing: one failed view keeps the previous report

    @property
    def computed_in(self) -> str:
        """The currency the figures are computed in (BOTH: USD, CNY growth beside it)."""
        return check_both(self.currency)[0]

    @property
    def target(self) -> Path:
        return self.out / self.period

    @property
    def failed_dir(self) -> Path:
        return self.out / f"{self.period}.failed"


def check_out(out) -> Path:
    """The output folder as an absolute path, or ParameterError when it is a file, lies below a
    file or cannot be written to."""
    out = Path(out).expanduser().absolute()
    probe = out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        where = "is a file" if probe == out else f"lies below {probe}, which is a file"
        raise ParameterError(f"--out {out} {where}: give a folder")
    try:  # os.access is not enough: root, read-only mounts and immutable folders
        Path(tempfile.mkdtemp(prefix=".write-test-", dir=probe)).rmdir()
    except OSError as error:
        raise ParameterError(f"--out {out}: cannot write to {probe} ({error.strerror})") from None
    return out


def check_workers(workers) -> int:
    """Workers as a positive int, capped at the number of cores (with a warning on stderr)."""
    try:
        workers = int(workers)
    except (TypeError, ValueError):
        raise ParameterError(f"--workers {workers!r}: give a whole number") from None
    if workers < 1:
        raise ParameterError(f"--workers {workers}: give at least 1")
    cores = os.cpu_count() or 1
    if workers > cores:
        print(f"warning: --workers {workers} is more than the {cores} core(s) here; "
              f"using {cores}", file=sys.stderr)  # fmt: skip
        workers = cores
    return workers


def check_data(data: Path | None, period: str, currency: str):
    """Load the data once and check they hold the period's world totals in the currency, naming
    what is missing (ParameterError) before any notebook starts; returns the dataset."""
    import pandas as pd

    from helpers.data import load_dataset

    name = f"the data at {data} hold" if data else "the bundled sample holds"
    try:
        ds = load_dataset(data)
    except TradeKitError as error:
        raise ParameterError(f"--data {data}: {error}") from None
    trade = ds.trade
    if trade.empty:
        raise ParameterError(
            f"--data {data} holds no store: no trade.parquet or store.parquet in it (import files "
            f"with `python -m helpers import KIND FILE... --store {data}`)"
        )
    held = sorted(trade["currency"].unique())
    code, both = check_both(currency)
    for needed in ("USD", "CNY") if both else (code,):
        if needed not in held:
            raise ParameterError(f"--currency {'both' if both else code}: "
                                 f"{name} no {needed} figures, only {', '.join(held)}")  # fmt: skip
    wanted = ds.resolve(period).period
    if ds.is_store:  # a store builds whatever it holds for the month (helpers.coverage)
        from helpers.coverage import period_problem

        problem = period_problem(ds, wanted, code)
        if problem:
            raise ParameterError(f"--period {period}: {problem}")
        return ds
    world = trade[(trade["partner"] == "WORLD") & (trade["product"] == "TOTAL")
                  & (trade["currency"] == code) & (trade["measure"] == "level")]  # fmt: skip
    label = period if str(wanted) == period else f"{period} (published with {wanted})"
    for flow in ("export", "import"):
        months = pd.PeriodIndex(world.loc[world["flow"] == flow, "period"], freq="M")
        if wanted not in months:
            span = f"they run from {months.min()} to {months.max()}" if len(months) else "none"
            raise ParameterError(f"--period {period}: {name} no {code} world total of "
                                 f"{flow}s for {label} ({span})")  # fmt: skip
    return ds


def check_drill(product_group: str = "", partner: str = "") -> dict[str, str]:
    """The HS drill-down parameters of the product and regional views, checked against
    hs_groups.csv and the partner list (ParameterError naming the option); {} when both are off."""
    from helpers import panel

    drill = {"product_group": (product_group or "").strip(), "partner": (partner or "").strip()}
    checks = (("--product-group", drill["product_group"], panel.group_spec),
              ("--partner", drill["partner"], panel.partner_condition))  # fmt: skip
    for option, value, check_value in checks:
        try:
            if value:
                check_value(value)
        except TradeKitError as error:
            raise ParameterError(f"{option}: {error}") from None
    return drill if any(drill.values()) else {}


def check(period, data, views, out, currency, notebooks_dir, show_code, workers,
          product_group: str = "", partner: str = "", strict: bool = False) -> Plan:  # fmt: skip
    """Step 1: validate every argument and the data before anything runs (ParameterError)."""
    period = str(check_period(period))
    drill = check_drill(product_group, partner)
    views = check_views(views)
    currency = check_currency(currency, allow_both=True)
    workers = check_workers(workers)
    if data is not None and str(data) != "":
        data = Path(data).expanduser().resolve()
        if not data.exists():
            raise ParameterError(f"--data {data}: data path not found")
    else:
        data = None
    out = check_out(out)
    notebooks_dir = Path(notebooks_dir).resolve()
    notebooks = find_notebooks(notebooks_dir, views)
    ds = check_data(data, period, currency)
    return Plan(period, data, views, currency, notebooks_dir, notebooks, out,
                show_code, workers, drill, ds, strict)  # fmt: skip


class BusyError(TradeKitError):
    """Another build into the same output folder is running (and --no-wait was given)."""


@contextlib.contextmanager
def out_lock(out: Path, wait: bool = True, progress=print):
    """Hold an exclusive lock on the output folder for a whole build (helpers.locking: a lock
    file outside the folder, so nothing is left behind, released by the OS when a build is
    killed); then remove what killed builds left: .build-* and .trash-* folders."""
    from helpers.locking import folder_lock

    out.mkdir(parents=True, exist_ok=True)

    def waiting() -> None:
        progress(f"another build into {out} is running; waiting for it to finish")

    try:
        held = folder_lock(out, wait=wait, on_wait=waiting)
        held.__enter__()
    except BlockingIOError:
        raise BusyError(f"another build into {out} is running; try again later "
                        "(or leave out --no-wait to wait for it)") from None
    try:
        for stale in [*out.glob(".build-*"), *out.glob(".trash-*")]:
            shutil.rmtree(stale, ignore_errors=True)
        yield
    finally:
        held.__exit__(None, None, None)


def new_build_dir(plan: Plan) -> Path:
    """A private temporary folder beside the target; the report is assembled there."""
    plan.out.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".build-{plan.period}-", dir=plan.out))
    build.chmod(0o755)  # mkdtemp makes it private; the report is an ordinary folder
    (build / "notebooks").mkdir()
    (build / "logs").mkdir()
    return build


def write_placeholders(plan: Plan, build: Path, progress) -> dict[str, int]:
    """Step 2a: views whose tables the store lacks get a page naming them (helpers.coverage)
    instead of a notebook run; returns those views with the number of tables each lacks."""
    gaps = _store_gaps(plan)
    for v, missing in gaps.items():
        _write_placeholder(build, v, plan, missing)
        progress(f"  {v:<9} not built: {len(missing)} table(s) missing from the store")
    return {v: len(missing) for v, missing in gaps.items()}


def plan_tasks(plan: Plan, build: Path, skip: set[str] = frozenset()) -> list[dict]:
    """Step 2: one papermill task per view (except `skip`), with the contract's parameters."""
    params = {"period": plan.period, "data": str(plan.data) if plan.data else "",
              "currency": plan.currency, "output_dir": str(build)}  # fmt: skip
    return [
        {
            "view": v,
            "input": str(plan.notebooks[v]),
            "output": str(build / "notebooks" / f"{v}.ipynb"),
            "html": str(build / f"{v}.html"),
            "log": str(build / "logs" / f"{v}.log"),
            "parameters": {**params, **(plan.drill if view_spec(v).drill else {})},
            "weight": view_spec(v).weight,
            "cwd": str(plan.notebooks_dir),
            "show_code": plan.show_code,
            "resources": {
                "metadata": {"name": f"{v.title()} — {plan.period} ({plan.currency})"},
                "ctk_nav": plan.views,
                "ctk_view": v,
                "ctk_banner": "",  # the views print their own banner from the data
                "ctk_paths": (str(build), str(plan.target)),
            },
        }
        for v in plan.views
        if v not in skip
    ]


def execute(plan: Plan, tasks: list[dict], progress) -> dict[str, dict]:
    """Step 3: run the notebooks in worker processes; results by view."""
    progress(f"building report {plan.period} ({', '.join(plan.views)}) "
             f"with {plan.workers} worker(s)")  # fmt: skip
    # the note's writers (docx, openpyxl, matplotlib) load while the notebooks run rather than
    # after them, when nothing else is left to do
    threading.Thread(target=importlib.import_module, args=("helpers.note_files",),
                     daemon=True).start()  # fmt: skip
    return {r["view"]: r for r in (run_all(tasks, plan.workers, progress) if tasks else [])}


def reproduce_command(plan: Plan, view: str) -> str:
    """The command that runs `view` alone as this build did, all or nothing (its executed
    notebook then lands in <period>.failed/ and the report is left as it is)."""
    words = ["python", "-m", "helpers", "run", "--period", plan.period, "--views", view]
    if plan.data:
        words += ["--data", str(plan.data)]
    if plan.currency != "USD":
        words += ["--currency", plan.currency.lower()]
    if view_spec(view).drill:
        words += [w for k, v in plan.drill.items() if v
                  for w in (f"--{k.replace('_', '-')}", v)]  # fmt: skip
    if plan.notebooks_dir != Path(NOTEBOOKS_DIR).resolve():
        words += ["--notebooks", str(plan.notebooks_dir)]
    return shlex.join([*words, "--out", str(plan.out), "--strict"])


def keep_failures(plan: Plan, build: Path, results: dict[str, dict], progress) -> None:
    """Step 3b: when a view failed, either give it a page naming the failing statement and the
    command that reproduces it, its executed notebook kept in the report's notebooks/ (the
    other views, the note and the index are built: exit 5); or, under --strict or when no view
    was built, keep the failed notebooks in <period>.failed/ and raise (the previous report
    stays)."""
    failed = [v for v in plan.views if not results[v]["ok"]]
    if not failed:
        return
    built = [v for v in plan.views if results[v]["ok"] and "missing_tables" not in results[v]]
    if not plan.strict and built:
        for v in failed:
            _write_failure_page(plan, build, v, results[v])
            progress(f"  {v:<9} failed: its page names the failing statement; the other views "
                     "are built")  # fmt: skip
        return
    if plan.failed_dir.exists():
        shutil.rmtree(plan.failed_dir)
    plan.failed_dir.mkdir()
    lines = []
    for v in failed:
        kept = None
        src, log = build / "notebooks" / f"{v}.ipynb", build / "logs" / f"{v}.log"
        if src.exists():
            kept = plan.failed_dir / f"{v}.ipynb"
            shutil.move(src, kept)
        if useful_log(log):
            shutil.move(log, plan.failed_dir / f"{v}.kernel.log")
        where = f"; executed notebook kept at {kept}" if kept else ""
        lines.append(f"view {v!r} failed {describe_failure(results[v])}{where}")
    first = results[failed[0]]
    raise ReportError(
        "report not built, previous report left untouched:\n  " + "\n  ".join(lines),
        view=failed[0],
        notebook=plan.failed_dir / f"{failed[0]}.ipynb",
        cell=(f"In [{first.get('exec_count')}]: {first.get('cell_source', '')}"
              if first.get("cell_index") is not None else None),  # fmt: skip
    )


def _write_failure_page(plan: Plan, build: Path, view: str, result: dict) -> None:
    """A failed view's page and an empty figures file; its kernel log kept beside its notebook."""
    from helpers.report.placeholder import failure_html

    log = build / "logs" / f"{view}.log"
    if useful_log(log):
        shutil.move(log, build / "notebooks" / f"{view}.kernel.log")
    notebook = build / "notebooks" / f"{view}.ipynb"
    result["failed"] = f"view {view!r} failed {describe_failure(result)}"
    result["reproduce"] = reproduce_command(plan, view)
    page = failure_html(view, plan.period, plan.currency, result, plan.views,
                        f"notebooks/{view}.ipynb" if notebook.exists() else "")  # fmt: skip
    (build / f"{view}.html").write_text(page, encoding="utf-8")
    (build / figures_file(view)).write_text(",".join(FIGURE_COLUMNS) + "\n", encoding="utf-8")


def collect_figures(plan: Plan, build: Path, results: dict[str, dict]):
    """Step 4: every view's figures, rounded, as figures.csv in the build folder; and their
    check against the published figures (reconciliation.csv; empty without a published file)."""
    import pandas as pd

    from helpers import reconcile
    from helpers.report.index_page import release_period

    shutil.rmtree(build / "logs", ignore_errors=True)
    frames = _read_figures(build, plan.views)
    try:
        figures = combine_figures(frames, views())
    except FiguresFileError as error:
        raise ReportError(str(error)) from None
    main = plan.computed_in  # --currency both: USD figures, CNY y/y beside them
    figures["currency"] = figures["currency"].replace("", main)
    figures.to_csv(build / "figures.csv", index=False)
    # checked here, once, from the values the views wrote at full precision (rounding them to
    # figures.csv's decimals first could turn a balance of 90.46 into 90.5, then 91 against a
    # published 90)
    complete = set(plan.views) == set(views()) and not any(
        "missing_tables" in r or "failed" in r for r in results.values())  # fmt: skip
    written = [f[f["currency"].fillna(main).replace("", main) == main] if "currency" in f else f
               for f in frames.values() if len(f)]  # fmt: skip
    computed = pd.concat(written) if written else pd.DataFrame(columns=reconcile.KEY + ["value"])
    check = reconcile.check_build(computed, release_period(plan.period, figures)[0],
                                  main, complete)  # fmt: skip
    if not check.empty:
        # 6 decimals: the float noise of 8.2999999999999 would only distract in a spreadsheet
        rows = check.drop(columns="matches").round({"computed": 6, "difference": 6})
        rows["difference"] += 0.0  # no "-0.0"
        rows.to_csv(build / "reconciliation.csv", index=False)
    return figures, check


def write_manifest_and_index(plan: Plan, build: Path, figures, results, t0: float,
                             check=None) -> None:  # fmt: skip
    """Step 5: manifest.json (parameters, data hashes, versions, timings) and index.html."""
    from helpers.report.index_page import render_index

    flag = build / SAMPLE_FLAG
    flag_text = flag.read_text(encoding="utf-8").strip() if flag.exists() else ""
    flag.unlink(missing_ok=True)
    sample = plan.data is None or bool(flag_text)
    from helpers import note_files  # flash note, tables.xlsx and charts/, written from `figures`

    failed = {v: results[v]["failed"] for v in plan.views if "failed" in results[v]}
    # the note is written for the period the views computed: a January request of a year
    # compared as January-February is the combined release at February
    when = plan.ds.resolve(plan.period) if plan.ds is not None else None
    note_period = str(when.period) if when is not None else plan.period
    note_files.write_outputs(build, figures, {"period": note_period, "currency": plan.currency,
                                        "views": plan.views, "sample": sample,
                                        "failed": failed,
                                        "janfeb": bool(when and when.is_janfeb)})  # fmt: skip
    manifest = {
        "period": plan.period,
        "parameters": {"period": plan.period, "data": str(plan.data) if plan.data else None,
                       "currency": plan.currency, "views": plan.views,
                       "show_code": plan.show_code, "workers": plan.workers, **plan.drill},
        "data": {"source": "sample" if plan.data is None else "user",
                 "path": str(plan.data or SAMPLE_DIR), "files": hash_data(plan.data or SAMPLE_DIR)},
        "sample_data": sample,
        "sample_flag": flag_text or None,
        "versions": _versions(),
        "timings": {v: {k: results[v][k] for k in ("seconds", "execute_s", "export_s")}
                    for v in plan.views},
        "not_built": {v: results[v]["missing_tables"] for v in plan.views
                      if "missing_tables" in results[v]},
        "failed": {v: {"error": results[v]["failed"], "reproduce": results[v]["reproduce"]}
                   for v in failed},
        "reconciliation": None if check is None or check.empty else {
            "published": check.attrs["source"],
            **{k: int(n) for k, n in check["status"].value_counts().items()}},
        "git": _git_commit(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    index = render_index(plan.period, plan.currency, plan.views, figures, manifest,
                         SAMPLE_BANNER if sample else "", check,
                         (note_period, when.label) if when is not None else None)  # fmt: skip
    (build / "index.html").write_text(index, encoding="utf-8")
    manifest["timings"]["total_s"] = round(time.perf_counter() - t0, 3)
    (build / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def swap_in(plan: Plan, build: Path) -> None:
    """Step 6: replace <out>/<period>/ by the build and drop an old <period>.failed/."""
    _swap_in(build, plan.target)
    if plan.failed_dir.exists():
        shutil.rmtree(plan.failed_dir, ignore_errors=True)


def run_report(
    period: str,
    data: str | Path | None = None,
    views=None,
    out=REPORTS_DIR,
    show_code: bool = False,
    currency: str = "USD",
    notebooks_dir=NOTEBOOKS_DIR,
    workers: int = 2,
    progress: Callable[[str], None] | None = print,
    wait: bool = True,
    product_group: str = "",
    partner: str = "",
    strict: bool = False,
) -> Path:
    """Build `<out>/<period>/` from the notebooks and return its path; raise ReportError.

    check → plan → execute → keep failures → collect figures → write manifest and index →
    swap in; the build folder is removed whatever happens. A view that fails gets a page naming
    the failing statement while the others are built (manifest.json's "failed" says which);
    with `strict`, or when no view could be built, a failure raises and leaves the previous
    report in place. One build at a time per output folder: a second one waits (or, without
    `wait`, raises BusyError).
    """
    t0 = time.perf_counter()
    progress = progress or (lambda _msg: None)
    plan = check(period, data, views, out, currency, notebooks_dir, show_code, workers,
                 product_group, partner, strict)  # fmt: skip
    with out_lock(plan.out, wait, progress):
        return _build(plan, progress, t0)


def _build(plan: Plan, progress, t0: float) -> Path:
    build = new_build_dir(plan)
    try:
        gaps = write_placeholders(plan, build, progress)
        results = execute(plan, plan_tasks(plan, build, skip=gaps), progress)
        results.update({v: _placeholder_result(v, n) for v, n in gaps.items()})
        keep_failures(plan, build, results, progress)
        figures, check = collect_figures(plan, build, results)
        write_manifest_and_index(plan, build, figures, results, t0, check)
        swap_in(plan, build)
        progress(f"report written to {plan.target} in {time.perf_counter() - t0:.1f} s")
        return plan.target
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)


# --------------------------------------------------------------------------- partial stores


def _store_gaps(plan: Plan) -> dict[str, list]:
    """Views the store cannot support, with the tables each lacks (helpers.coverage); the
    month itself was checked by check_data. The sample and single files: none (the views check
    their own data)."""
    if not getattr(plan.ds, "is_store", False):
        return {}
    from helpers.coverage import missing_tables

    gaps = {v: missing_tables(plan.ds, v, plan.period, plan.computed_in) for v in plan.views}
    return {v: gap for v, gap in gaps.items() if gap}


def _write_placeholder(build: Path, view: str, plan: Plan, missing) -> None:
    """The view's page saying what is missing (and what is held), and an empty figures file."""
    from helpers.report.placeholder import placeholder_html

    page = placeholder_html(view, plan.period, plan.currency, missing, str(plan.data),
                            plan.views, plan.ds)  # fmt: skip
    (build / f"{view}.html").write_text(page, encoding="utf-8")
    (build / figures_file(view)).write_text(",".join(FIGURE_COLUMNS) + "\n", encoding="utf-8")


def _placeholder_result(view: str, missing: int) -> dict:
    return {"view": view, "ok": True, "seconds": 0.0, "execute_s": 0.0, "export_s": 0.0,
            "missing_tables": missing}


# --------------------------------------------------------------------------- CLI


def _shown_reports_dir() -> str:
    """The default --out as help shows it: reports/ in a checkout; installed, the user data
    folder's, with the home folder as ~."""
    from helpers.paths import INSTALLED

    if not INSTALLED:
        return "reports/ in the checkout"
    home, shown = str(Path.home()), str(REPORTS_DIR)
    return "~" + shown[len(home):] if shown.startswith(home + os.sep) else shown


def build_parser() -> argparse.ArgumentParser:
    """The `python -m helpers run` argument parser."""
    p = argparse.ArgumentParser(
        prog="python -m helpers run",
        description="Run the trade notebooks for one month and build an offline HTML report in "
        "<out>/<period>/. A view that fails gets a page naming the failing statement while the "
        "others, the note and the index are built (exit 5); --strict keeps the previous report "
        "unless every view succeeds.",
    )
    p.add_argument("--period", required=True, help="release month, YYYY-MM (e.g. 2025-09)")
    p.add_argument(
        "--data", default=None, help="data file or directory (default: bundled illustrative sample)"
    )
    p.add_argument(
        "--views", default="all",
        help=f"comma-separated subset of {','.join(views())} (default: all)"
    )
    p.add_argument("--out", default=str(REPORTS_DIR),
                   help=f"reports folder (default: {_shown_reports_dir()})")
    p.add_argument("--currency", default="USD",
                   help="USD, CNY or both (USD and CNY side by side; default: USD)")
    p.add_argument("--show-code", action="store_true", help="keep code cells in the HTML")
    p.add_argument("--workers", type=int, default=2,
                   help="notebooks run in parallel (default 2, at most the number of cores)")
    p.add_argument("--no-wait", action="store_true",
                   help="if another build into --out is running, exit at once (code 3)")
    p.add_argument("--strict", action="store_true",
                   help="all or nothing: if any view fails, keep the previous report (exit 1)")
    p.epilog = ("exit status (the kit's one table, helpers.cli.EXIT_CODES): 0 report built "
                "(views the store cannot support are pages saying what is missing); 1 a view "
                "failed under --strict, or every view failed (the previous report is kept); 2 a "
                "bad argument or data path; 3 busy (--no-wait); 4 no view could be built from "
                "the store (the report says which tables are missing); 5 built with a failed "
                "view (its page names the failing statement); 130 interrupted")
    p.add_argument("--product-group", default="",
                   help="HS drill-down in the product and regional views: a group of "
                   "data/classifications/hs_groups.csv, e.g. new_three (needs a store with an "
                   "HS-level panel)")  # fmt: skip
    p.add_argument("--partner", default="",
                   help="HS drill-down partner or bloc, e.g. united_states, european_union")
    p.add_argument("--notebooks", default=str(NOTEBOOKS_DIR), help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; accepts argv with or without the leading `run`. Returns the exit code."""
    from helpers.cli import BUSY, FAILED, INTERRUPTED, NOTHING_BUILT, OK, PARTIAL, USAGE, parse_args

    args, code = parse_args(build_parser(), argv, "run")
    if args is None:  # argparse printed the help, or the usage and the error
        return code
    try:
        target = run_report(
            args.period,
            data=args.data,
            views=args.views,
            out=args.out,
            show_code=args.show_code,
            currency=args.currency,
            notebooks_dir=args.notebooks,
            workers=args.workers,
            wait=not args.no_wait,
            product_group=args.product_group,
            partner=args.partner,
            strict=args.strict,
        )
    except BusyError as exc:
        print(f"busy: {exc}", file=sys.stderr)
        return BUSY
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAILED
    except OSError as exc:  # disk full, folder removed under us ...
        print(f"error: could not write the report in {args.out} ({exc.strerror or exc}); the "
              "previous report is untouched", file=sys.stderr)  # fmt: skip
        return FAILED
    except KeyboardInterrupt:
        print("interrupted; the previous report is untouched", file=sys.stderr)
        return INTERRUPTED
    print(f"open {target / 'index.html'}")
    nothing = _nothing_built(target)
    if nothing:
        print(f"error: {nothing}", file=sys.stderr)
        return NOTHING_BUILT
    failed = _failed_views(target)
    for view, failure in failed.items():
        print(f"error: {failure['error']}\n  the other views, the note and the index were "
              f"built; {view}.html says so. Reproduce it alone: {failure['reproduce']}",
              file=sys.stderr)  # fmt: skip
    return PARTIAL if failed else OK


def _failed_views(target: Path) -> dict:
    """The views that failed in the build at `target` (manifest.json), {} when none did."""
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest.get("failed") or {}


def _nothing_built(target: Path) -> str:
    """'' when at least one view was built; else one line saying why none could be (exit 4)."""
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    views = manifest.get("parameters", {}).get("views") or manifest.get("views") or []
    not_built = manifest.get("not_built") or {}
    if not views or any(v not in not_built for v in views):
        return ""
    return (f"no view could be built: the store lacks the month's world totals for every view "
            f"({', '.join(views)}); the pages in {target} name the tables and the command that "
            "gets each")


if __name__ == "__main__":
    sys.exit(main())
