"""Build the HTML report: run the five notebooks with papermill, export them, swap in atomically.

`python -m helpers run --period 2025-09 [--data PATH] [--views headline,product] [--out reports/]
[--currency USD] [--show-code]` builds `reports/<period>/`:

- `index.html`: links to the views, headline numbers from figures.csv, a sample-data banner;
- `<view>.html`: each executed notebook, code hidden unless --show-code, nothing from a CDN;
- `figures.csv`: every view's figures with a trailing `view` column, values rounded half-up on
  their decimal form to 1 decimal for units pct/pp/usd_bn/cny_bn and 2 for `ratio`, other units
  (e.g. usd_mn, counts) as written; rows sorted stably by view (canonical order), metric, flow,
  dimension, item, period;
- `figures_<view>.csv`: each notebook's own file, full precision;
- `manifest.json`: parameters, data sha256, package versions, timings, git commit, timestamp;
- `notebooks/<view>.ipynb`: the executed notebooks.

Contract with the notebooks (`<n>_<view>.ipynb` in `notebooks_dir`):

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

The build happens in `<out>/.build-<period>-<random>/` and replaces `<out>/<period>/` only when
every requested view succeeded; otherwise `ReportError` names the view and the failing cell, the
failed executed notebooks are kept in `<out>/<period>.failed/` (with `<view>.kernel.log` if the
kernel printed anything unusual) and the old report is untouched. The next successful build of the
period removes `<period>.failed/`. Notebooks run in `workers` spawned processes (papermill's cwd
handling is process-wide) and each exports its own HTML.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import ctypes
import hashlib
import importlib
import json
import multiprocessing as mp
import os
import platform
import queue
import re
import shutil
import signal
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
    VIEWS,
    ParameterError,
    check_currency,
    check_period,
    figures_file,
)
from helpers.figures import NUMERIC_COLUMNS, PUBLISHED_COLUMNS, round_half_up
from helpers.figures import registry as figure_registry
from helpers.paths import NOTEBOOKS_DIR, REPORTS_DIR, ROOT, SAMPLE_DIR
from helpers.schema import TradeKitError

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DRILL_VIEWS = ("product", "regional")  # the views with product_group / partner parameters
SAMPLE_BANNER = SAMPLE_LABEL + "."
PACKAGES = ("pandas", "papermill", "nbconvert", "matplotlib", "statsmodels", "seaborn", "numpy")
_KERNEL_NOISE = ("running over TCP without encryption", "KeyboardInterrupt caught in kernel")


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


def check_views(views: str | Iterable[str] | None) -> list[str]:
    """Normalise views (None/"all", "a,b" or a list) to known names in canonical order."""
    if views is None or views == "all":
        return list(VIEWS)
    names = views.split(",") if isinstance(views, str) else list(views)
    names = [n.strip().lower() for n in names if n and n.strip()]
    unknown = [n for n in names if n not in VIEWS]
    if unknown or not names:
        raise ParameterError(
            f"unknown view(s) {', '.join(unknown) or '(none given)'}: "
            f"choose from {', '.join(VIEWS)}"
        )
    return [v for v in VIEWS if v in names]


def find_notebooks(notebooks_dir: Path, views: list[str]) -> dict[str, Path]:
    """Map each view to its `<n>_<view>.ipynb` in notebooks_dir, or raise ParameterError."""
    paths = {v: Path(notebooks_dir) / f"{i}_{v}.ipynb" for i, v in enumerate(VIEWS, start=1)}
    found = {v: paths[v] for v in views if paths[v].is_file()}
    missing = [paths[v].name for v in views if v not in found]
    if missing:
        raise ParameterError(f"notebook(s) missing in {notebooks_dir}: {', '.join(missing)}")
    return found


# --------------------------------------------------------------------------- worker side

_progress_queue = None


def _kill_own_group(*_args) -> None:
    """Kill this worker's children (its kernel starts a session of its own) and its process
    group (the worker and anything else it started). Children are found with psutil (Linux,
    macOS, Windows); the process group is POSIX's."""
    import psutil

    with contextlib.suppress(psutil.Error):
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
    if hasattr(os, "killpg"):
        os.killpg(os.getpgrp(), signal.SIGKILL)
    else:  # Windows: no process groups; the children are gone, end this worker
        os._exit(1)


def _die_with_parent(parent: int) -> None:
    """Make this worker (and its kernel) die when the runner dies, even by kill -9.

    The worker leads its own process group, which the kernel it launches joins; Linux sends it
    SIGTERM when its parent exits (PR_SET_PDEATHSIG), and the handler kills the whole group.
    Elsewhere (macOS, Windows), or where prctl is not to be had, a daemon thread polls the
    runner with psutil every second and does the same when it is gone.
    """
    if hasattr(os, "setpgid"):
        os.setpgid(0, 0)
        signal.signal(signal.SIGTERM, _kill_own_group)
    armed = False
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            armed = ctypes.CDLL(None, use_errno=True).prctl(
                1, signal.SIGTERM, 0, 0, 0) == 0  # PR_SET_PDEATHSIG  # fmt: skip
    if os.getppid() != parent:  # the runner died before the signal was armed
        _kill_own_group()
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int, every: float = 1.0) -> None:
    """Kill this worker and its children once the runner `parent` is gone (psutil)."""
    import psutil

    while psutil.pid_exists(parent) and os.getppid() == parent:
        time.sleep(every)
    _kill_own_group()


def _init_worker(q, parent: int | None = None) -> None:
    """Worker initialiser: die with the runner, keep the progress queue, pre-import the heavy
    libraries."""
    global _progress_queue
    if parent is not None:
        _die_with_parent(parent)
    _progress_queue = q
    # Two kernels already share the two cores: one BLAS thread each avoids oversubscription.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401


def _post(*msg) -> None:
    if _progress_queue is not None:
        _progress_queue.put(msg)


def _export_html(nb_path: Path, html_path: Path, show_code: bool, resources: dict) -> None:
    """Export an executed notebook to offline HTML with the `offline` template."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        template_name="offline",
        exclude_input=not show_code,
        exclude_input_prompt=not show_code,
        exclude_output_prompt=not show_code,
        embed_images=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags={"remove-cell"},
            remove_input_tags={"remove-input"},
            remove_all_outputs_tags={"remove-output"},
            enabled=True,
        ),
        enabled=True,
    )
    nb = nbformat.read(nb_path, as_version=4)
    build, target = resources.get("ctk_paths", ("", ""))
    for cell in nb.cells:  # shown code names the report folder, not the temporary build folder
        if build and cell.cell_type == "code":
            cell.source = cell.source.replace(build, target)
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    html_path.write_text(body, encoding="utf-8")


@contextlib.contextmanager
def _stderr_to(log: str):
    """Send fd 2 to `log` meanwhile: the kernel inherits it and prints its chatter there."""
    sys.stderr.flush()
    saved = os.dup(2)
    log_fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def failing_statement(traceback: list[str] | None) -> dict:
    """Where an IPython traceback says the cell failed: the cell's line and statement, and the
    innermost frame outside the cell (file:line in function; the innermost in `helpers` when
    there is one), each None when not found."""
    text = _ANSI.sub("", "\n".join(traceback or []))
    out = {"line": None, "statement": None, "raised_in": None}
    cell = re.search(r"(?:Cell In\[\d+\]|Input In \[\d+\]|<cell line: \d+>).*?(?:line (\d+))?$",
                     text, re.M)
    if cell:
        arrow = re.compile(r"^-+> ?(\d+)\s(.*)$", re.M).search(text, cell.end())
        if arrow:
            out["line"], out["statement"] = int(arrow.group(1)), arrow.group(2).strip()[:120]
        elif cell.group(1):
            out["line"] = int(cell.group(1))
    frames = re.findall(r"^File (\S+?):(\d+), in ([\w.<>]+)", text, re.M)
    ours = [f for f in frames if "helpers/" in f[0].replace("\\", "/")]
    if ours or frames:  # the kit's own innermost frame, else the innermost one
        path, line, func = (ours or frames)[-1]
        out["raised_in"] = f"{path}:{line} in {func}()"
    return out


def _kernel_failed_to_start(exc: Exception) -> bool:
    """A kernel that died or never answered before running anything (worth one retry)."""
    text = f"{type(exc).__name__}: {exc}".lower()
    return "kernel" in text and any(w in text for w in ("died", "respond", "kernel_info",
                                                        "dead", "timeout", "start"))


def _execute_notebook(task: dict) -> dict:
    """Run one notebook with papermill; the failure (view, cell, error) as data, {} on success.

    A kernel that fails to start (dies before answering kernel_info under load) is retried once.
    """
    import papermill as pm

    for attempt in (1, 2):
        try:
            with _stderr_to(task["log"]):
                pm.execute_notebook(task["input"], task["output"],
                                    parameters=task["parameters"], kernel_name="python3",
                                    language="python", cwd=task["cwd"], log_output=False,
                                    progress_bar=False,
                                    # written once at the end (and on error), not before and
                                    # after every cell: nobody watches the file mid-run
                                    request_save_on_cell_execute=False)  # fmt: skip
        except pm.PapermillExecutionError as exc:
            first = next((ln for ln in (exc.source or "").splitlines() if ln.strip()), "")
            where = failing_statement(exc.traceback)
            return {"ename": exc.ename, "evalue": exc.evalue, "exec_count": exc.exec_count,
                    "cell_index": exc.cell_index, "cell_source": first[:120],
                    "cell_line": where["line"], "statement": where["statement"],
                    "raised_in": where["raised_in"], "attempts": attempt}  # fmt: skip
        except Exception as exc:  # kernel died, bad notebook JSON, ...
            if attempt == 1 and _kernel_failed_to_start(exc):
                _post("retry", task["view"])
                continue
            return {"ename": type(exc).__name__, "evalue": str(exc), "attempts": attempt}
        return {"attempts": attempt} if attempt > 1 else {}
    return {}  # not reached


def _run_view(task: dict) -> dict:
    """Execute one notebook and export it; never raises (errors come back as data)."""
    view, start = task["view"], time.perf_counter()
    _post("start", view)
    result = {"view": view, "ok": False, "execute_s": None, "export_s": None}
    failure = _execute_notebook(task)
    result.update(failure)
    if "ename" not in failure:
        result["execute_s"] = round(time.perf_counter() - start, 3)
        t1 = time.perf_counter()
        try:
            _export_html(
                Path(task["output"]), Path(task["html"]), task["show_code"], task["resources"]
            )
            result["export_s"] = round(time.perf_counter() - t1, 3)
            result["ok"] = True
        except Exception as exc:
            result.update(ename=type(exc).__name__, evalue=f"HTML export failed: {exc}")
    result["seconds"] = round(time.perf_counter() - start, 3)
    return result


# --------------------------------------------------------------------------- figures


# Decimals for figures whose name is not in data/figure_names.csv (custom notebooks).
UNIT_DECIMALS = {"pct": 1, "pp": 1, "usd_bn": 1, "cny_bn": 1, "ratio": 2}


def figure_decimals(metric: str, unit: str) -> int | None:
    """Decimals figures.csv keeps: the registered figure's when the unit is the registered one,
    else by unit (None = as written, e.g. usd_mn from a custom notebook)."""
    names, unit = figure_registry(), str(unit).strip().lower()
    if metric in names.index:
        registered = names.at[metric, "unit"]
        if unit == registered or (registered == "bn" and unit.endswith("_bn")):
            return int(names.at[metric, "decimals"])
    return UNIT_DECIMALS.get(unit)


def round_value(value: float, metric: str, unit: str) -> float:
    """A figure rounded for figures.csv with the kit's one rule (figures.round_half_up)."""
    places = figure_decimals(metric, unit)
    return value if places is None else round_half_up(value, places)


def combine_figures(frames: dict):
    """Concatenate per-view figure frames: trailing `view` column, rounded values, stable sort.

    Rows are ordered by view (canonical order), then metric, flow, dimension, item, period; rows
    equal on all of these keep the notebook's order.
    """
    import pandas as pd

    parts = []
    for view, df in frames.items():
        missing = [c for c in PUBLISHED_COLUMNS if c not in df.columns]
        if missing:
            raise ReportError(f"figures_{view}.csv lacks column(s) {', '.join(missing)}", view=view)
        # a notebook of one's own may write only the published vocabulary: computed, no bounds
        part = df.reindex(columns=FIGURE_COLUMNS)
        part["view"] = view  # last, so the first seven columns are the published vocabulary
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*FIGURE_COLUMNS, "view"])
    out = pd.concat(parts, ignore_index=True)
    for column in NUMERIC_COLUMNS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
        rows = zip(out[column], out["metric"], out["unit"], strict=True)
        out[column] = [round_value(v, m, u) for v, m, u in rows]
    order = {v: i for i, v in enumerate(VIEWS)}
    out["basis"] = out["basis"].astype(object).where(out["basis"].notna(), "computed")
    out["basis"] = out["basis"].replace("", "computed")
    out["currency"] = out["currency"].astype(object).where(out["currency"].notna(), "")
    out["_v"] = out["view"].map(order)
    keys = ["_v", "metric", "flow", "dimension", "item", "period"]
    for k in keys[1:]:
        out[k] = out[k].fillna("").astype(str)
    out = out.sort_values(keys, kind="stable").drop(columns="_v").reset_index(drop=True)
    return out


def _read_figures(build: Path, views: list[str]) -> dict:
    import pandas as pd

    frames = {}
    for view in views:
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


def _describe_failure(r: dict) -> str:
    """'in cell In [3], line 4 `x = f(y)` (raised in helpers/m.py:9 in f()): ValueError: ...'
    (the cell's first line when the traceback names no statement) or ': KernelDied: ...'."""
    if r.get("exec_count") is not None or r.get("cell_index") is not None:
        if r.get("statement"):
            src = f", line {r['cell_line']} `{r['statement']}`"
        elif r.get("cell_source"):
            src = f" `{r['cell_source']}`"
        else:
            src = ""
        inner = f" (raised in {r['raised_in']})" if r.get("raised_in") else ""
        return f"in cell In [{r.get('exec_count')}]{src}{inner}: {r['ename']}: {r['evalue']}"
    return f": {r.get('ename')}: {r.get('evalue')}"


def _useful_log(path: Path) -> bool:
    """True if a kernel log holds more than the usual start/stop chatter."""
    if not path.exists():
        return False
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return any(ln.strip() and not any(n in ln for n in _KERNEL_NOISE) for ln in lines)


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


@contextlib.contextmanager
def _stop_workers_on_error(pool):
    """On Ctrl-C (or any error) in the runner, end the workers and their kernels at once
    instead of waiting for their notebooks."""
    try:
        yield
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(OSError, ValueError):
                proc.terminate()  # SIGTERM: the worker kills its process group
        pool.shutdown(wait=False, cancel_futures=True)
        raise


VIEW_WEIGHT = {"outlook": 2}  # relative run time, for scheduling only


def _run_all(tasks: list[dict], workers: int, progress: Callable[[str], None]) -> list[dict]:
    """Run tasks in `workers` spawned processes, relaying start/done lines to `progress`."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    results = []
    width = max(len(t["view"]) for t in tasks)

    def drain():
        while True:
            try:
                kind, view = q.get_nowait()
            except queue.Empty:
                return
            if kind == "start":
                progress(f"  {view:<{width}}  started")
            elif kind == "retry":
                progress(f"  {view:<{width}}  kernel failed to start, retrying once")

    with cf.ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(tasks))),
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(q, os.getpid()),
    ) as pool, _stop_workers_on_error(pool):
        # longest first: the outlook (model fits, backtest) takes about twice as long as the
        # others, and starting it last would leave one worker idle at the end
        ordered = sorted(tasks, key=lambda t: -VIEW_WEIGHT.get(t["view"], 1))
        futures = {pool.submit(_run_view, t): t["view"] for t in ordered}
        pending = set(futures)
        while pending:
            done, pending = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            drain()
            for fut in done:
                try:
                    r = fut.result()
                except Exception as exc:  # worker crashed (e.g. killed, out of memory)
                    r = {"view": futures[fut], "ok": False, "seconds": 0.0}
                    r.update(ename=type(exc).__name__, evalue=f"worker process failed: {exc}")
                results.append(r)
                if r["ok"]:
                    progress(f"  {r['view']:<{width}}  done in {r['seconds']:.1f} s")
                else:
                    progress(
                        f"  {r['view']:<{width}}  FAILED after {r['seconds']:.1f} s: "
                        f"{_describe_failure(r)}"
                    )
        drain()
    q.close()
    return results


@dataclass
class Plan:
    """Checked parameters of one report build."""

    period: str
    data: Path | None
    views: list[str]
    currency: str
    notebooks_dir: Path
    notebooks: dict[str, Path]
    out: Path
    show_code: bool
    workers: int
    drill: dict[str, str] = field(default_factory=dict)  # product_group, partner (HS panel)

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


def check_data(data: Path | None, period: str, currency: str) -> None:
    """Load the data once and check they hold the period's world totals in the currency, naming
    what is missing (ParameterError) before any notebook starts."""
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
    for code in ("USD", "CNY") if currency == "BOTH" else (currency,):
        if code not in held:
            raise ParameterError(f"--currency {currency.lower() if currency == 'BOTH' else code}: "
                                 f"{name} no {code} figures, only {', '.join(held)}")  # fmt: skip
    wanted = ds.resolve(period).period
    if ds.is_store:  # a store builds whatever it holds for the month (helpers.coverage)
        from helpers.coverage import period_problem

        problem = period_problem(ds, wanted, "USD" if currency == "BOTH" else currency)
        if problem:
            raise ParameterError(f"--period {period}: {problem}")
        return
    code = "USD" if currency == "BOTH" else currency
    world = trade[(trade["partner"] == "WORLD") & (trade["product"] == "TOTAL")
                  & (trade["currency"] == code) & (trade["measure"] == "level")]  # fmt: skip
    label = period if str(wanted) == period else f"{period} (published with {wanted})"
    for flow in ("export", "import"):
        months = pd.PeriodIndex(world.loc[world["flow"] == flow, "period"], freq="M")
        if wanted not in months:
            span = f"they run from {months.min()} to {months.max()}" if len(months) else "none"
            raise ParameterError(f"--period {period}: {name} no {code} world total of "
                                 f"{flow}s for {label} ({span})")  # fmt: skip


def check_drill(product_group: str = "", partner: str = "") -> dict[str, str]:
    """The HS drill-down parameters of the product and regional views, checked against
    hs_groups.csv and the partner list (ParameterError naming the option); {} when both are off."""
    from helpers import panel

    drill = {"product_group": (product_group or "").strip(), "partner": (partner or "").strip()}
    checks = (("--product-group", drill["product_group"], panel._group),
              ("--partner", drill["partner"], panel.partner_condition))  # fmt: skip
    for option, value, check_value in checks:
        try:
            if value:
                check_value(value)
        except TradeKitError as error:
            raise ParameterError(f"{option}: {error}") from None
    return drill if any(drill.values()) else {}


def check(period, data, views, out, currency, notebooks_dir, show_code, workers,
          product_group: str = "", partner: str = "") -> Plan:  # fmt: skip
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
    check_data(data, period, currency)
    return Plan(period, data, views, currency, notebooks_dir, notebooks, out,
                show_code, workers, drill)  # fmt: skip


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
    gaps = _store_gaps(plan.data, plan.period, plan.currency, plan.views)
    for v, (missing, ds) in gaps.items():
        _write_placeholder(build, v, plan.period, plan.currency, missing, plan.data, plan.views,
                           ds)  # fmt: skip
        progress(f"  {v:<9} not built: {len(missing)} table(s) missing from the store")
    return {v: len(missing) for v, (missing, _) in gaps.items()}


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
            "parameters": {**params, **(plan.drill if v in DRILL_VIEWS else {})},
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
    return {r["view"]: r for r in (_run_all(tasks, plan.workers, progress) if tasks else [])}


def keep_failures(plan: Plan, build: Path, results: dict[str, dict]) -> None:
    """Step 3b: when a view failed, keep its notebook in <period>.failed/ and raise."""
    failed = [v for v in plan.views if not results[v]["ok"]]
    if not failed:
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
        if _useful_log(log):
            shutil.move(log, plan.failed_dir / f"{v}.kernel.log")
        where = f"; executed notebook kept at {kept}" if kept else ""
        lines.append(f"view {v!r} failed {_describe_failure(results[v])}{where}")
    first = results[failed[0]]
    raise ReportError(
        "report not built, previous report left untouched:\n  " + "\n  ".join(lines),
        view=failed[0],
        notebook=plan.failed_dir / f"{failed[0]}.ipynb",
        cell=(f"In [{first.get('exec_count')}]: {first.get('cell_source', '')}"
              if first.get("cell_index") is not None else None),  # fmt: skip
    )


def collect_figures(plan: Plan, build: Path, results: dict[str, dict]):
    """Step 4: every view's figures, rounded, as figures.csv in the build folder; and their
    check against the published figures (reconciliation.csv; empty without a published file)."""
    import pandas as pd

    from helpers import reconcile
    from helpers.report.index_page import release_period

    shutil.rmtree(build / "logs", ignore_errors=True)
    frames = _read_figures(build, plan.views)
    figures = combine_figures(frames)
    main = "USD" if plan.currency == "BOTH" else plan.currency  # --currency both: USD + CNY y/y
    figures["currency"] = figures["currency"].replace("", main)
    figures.to_csv(build / "figures.csv", index=False)
    # checked here, once, from the values the views wrote at full precision (rounding them to
    # figures.csv's decimals first could turn a balance of 90.46 into 90.5, then 91 against a
    # published 90)
    complete = set(plan.views) == set(VIEWS) and not any(
        "missing_tables" in r for r in results.values())  # fmt: skip
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
    from helpers import note  # flash note, tables.xlsx and charts/, written from `figures`

    note.write_outputs(build, figures, {"period": plan.period, "currency": plan.currency,
                                        "views": plan.views, "sample": sample})  # fmt: skip
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
        "reconciliation": None if check is None or check.empty else {
            "published": check.attrs["source"],
            **{k: int(n) for k, n in check["status"].value_counts().items()}},
        "git": _git_commit(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    index = render_index(plan.period, plan.currency, plan.views, figures, manifest,
                         SAMPLE_BANNER if sample else "", check)  # fmt: skip
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
) -> Path:
    """Build `<out>/<period>/` from the notebooks and return its path; raise ReportError.

    check → plan → execute → collect figures → write manifest and index → swap in; the build
    folder is removed whatever happens, so a failed run leaves the previous report in place.
    One build at a time per output folder: a second one waits (or, without `wait`, raises
    BusyError).
    """
    t0 = time.perf_counter()
    progress = progress or (lambda _msg: None)
    plan = check(period, data, views, out, currency, notebooks_dir, show_code, workers,
                 product_group, partner)  # fmt: skip
    with out_lock(plan.out, wait, progress):
        return _build(plan, progress, t0)


def _build(plan: Plan, progress, t0: float) -> Path:
    build = new_build_dir(plan)
    try:
        gaps = write_placeholders(plan, build, progress)
        results = execute(plan, plan_tasks(plan, build, skip=gaps), progress)
        results.update({v: _placeholder_result(v, n) for v, n in gaps.items()})
        keep_failures(plan, build, results)
        figures, check = collect_figures(plan, build, results)
        write_manifest_and_index(plan, build, figures, results, t0, check)
        swap_in(plan, build)
        progress(f"report written to {plan.target} in {time.perf_counter() - t0:.1f} s")
        return plan.target
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)


# --------------------------------------------------------------------------- partial stores


def _store_gaps(data, period: str, currency: str, views: list[str]) -> dict[str, list]:
    """Views the store cannot support, with the tables each lacks (helpers.coverage).

    Raises ParameterError when the store holds no table at all for the month.
    """
    if data is None or not (Path(data) / "store.parquet").is_file():
        return {}  # the sample or a file: the views check their own data
    from helpers.coverage import missing_tables, period_problem
    from helpers.data import load_dataset
    from helpers.schema import TradeKitError

    try:
        ds = load_dataset(data)
    except TradeKitError:
        return {}  # the views report the problem in their own words
    problem = period_problem(ds, period, currency)
    if problem:
        raise ParameterError(problem)
    # --currency both: the views compute in USD and set CNY growth beside it
    currency = "USD" if currency == "BOTH" else currency
    gaps = {v: missing_tables(ds, v, period, currency) for v in views}
    return {v: (gap, ds) for v, gap in gaps.items() if gap}


def _write_placeholder(build: Path, view: str, period: str, currency: str, missing, data,
                       views: list[str], ds) -> None:  # fmt: skip
    """The view's page saying what is missing (and what is held), and an empty figures file."""
    from helpers.report.placeholder import placeholder_html

    page = placeholder_html(view, period, currency, missing, str(data), views, ds)
    (build / f"{view}.html").write_text(page, encoding="utf-8")
    (build / f"figures_{view}.csv").write_text(",".join(FIGURE_COLUMNS) + "\n", encoding="utf-8")


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
        "<out>/<period>/ (replaced only if every view succeeds).",
    )
    p.add_argument("--period", required=True, help="release month, YYYY-MM (e.g. 2025-09)")
    p.add_argument(
        "--data", default=None, help="data file or directory (default: bundled illustrative sample)"
    )
    p.add_argument(
        "--views", default="all", help=f"comma-separated subset of {','.join(VIEWS)} (default: all)"
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
    p.epilog = ("exit status (the kit's one table, helpers.cli.EXIT_CODES): 0 report built "
                "(views the store cannot support are pages saying what is missing); 1 a view "
                "failed (the previous report is kept); 2 a bad argument or data path; 3 busy "
                "(--no-wait); 4 no view could be built from the store (the report says which "
                "tables are missing); 130 interrupted")
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
    from helpers.cli import parse_args

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
        )
    except BusyError as exc:
        print(f"busy: {exc}", file=sys.stderr)
        return 3
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # disk full, folder removed under us ...
        print(f"error: could not write the report in {args.out} ({exc.strerror or exc}); the "
              "previous report is untouched", file=sys.stderr)  # fmt: skip
        return 1
    except KeyboardInterrupt:
        print("interrupted; the previous report is untouched", file=sys.stderr)
        return 130
    print(f"open {target / 'index.html'}")
    nothing = _nothing_built(target)
    if nothing:
        print(f"error: {nothing}", file=sys.stderr)
        return 4
    return 0


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
