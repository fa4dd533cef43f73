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

- a cell tagged `parameters` defining `period: str`, `data: str` ("" = bundled sample),
  `currency: str` and `output_dir: str`; the runner passes all four (output_dir = the temporary
  build folder, an absolute path; papermill's cwd is `notebooks_dir`);
- write `{output_dir}/figures_{view}.csv` with columns `metric, flow, dimension, item, period,
  value, unit` at full precision (skip writing when output_dir is ""); a view that succeeds
  without writing it fails the build;
- optionally write `{output_dir}/sample_flag` (text) when figures rest on illustrative sample
  data; the banner is shown when `data` is empty or any notebook wrote the flag;
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
import hashlib
import json
import multiprocessing as mp
import os
import platform
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
from helpers.figures import registry as figure_registry
from helpers.figures import round_half_up
from helpers.paths import NOTEBOOKS_DIR, REPORTS_DIR, ROOT, SAMPLE_DIR
from helpers.schema import TradeKitError

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
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


def _init_worker(q) -> None:
    """Worker initialiser: keep the progress queue, pre-import the heavy libraries."""
    global _progress_queue
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


def _execute_notebook(task: dict) -> dict:
    """Run one notebook with papermill; the failure (view, cell, error) as data, {} on success."""
    import papermill as pm

    try:
        with _stderr_to(task["log"]):
            pm.execute_notebook(task["input"], task["output"], parameters=task["parameters"],
                                kernel_name="python3", language="python", cwd=task["cwd"],
                                log_output=False, progress_bar=False)  # fmt: skip
    except pm.PapermillExecutionError as exc:
        first = next((ln for ln in (exc.source or "").splitlines() if ln.strip()), "")
        return {"ename": exc.ename, "evalue": exc.evalue, "exec_count": exc.exec_count,
                "cell_index": exc.cell_index, "cell_source": first[:120]}  # fmt: skip
    except Exception as exc:  # kernel died, bad notebook JSON, ...
        return {"ename": type(exc).__name__, "evalue": str(exc)}
    return {}


def _run_view(task: dict) -> dict:
    """Execute one notebook and export it; never raises (errors come back as data)."""
    view, start = task["view"], time.perf_counter()
    _post("start", view)
    result = {"view": view, "ok": False, "execute_s": None, "export_s": None}
    failure = _execute_notebook(task)
    result.update(failure)
    if not failure:
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
        missing = [c for c in FIGURE_COLUMNS if c not in df.columns]
        if missing:
            raise ReportError(f"figures_{view}.csv lacks column(s) {', '.join(missing)}", view=view)
        part = df[FIGURE_COLUMNS].copy()
        part["view"] = view  # last, so the first seven columns are the published vocabulary
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*FIGURE_COLUMNS, "view"])
    out = pd.concat(parts, ignore_index=True)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    rows = zip(out["value"], out["metric"], out["unit"], strict=True)
    out["value"] = [round_value(v, m, u) for v, m, u in rows]
    order = {v: i for i, v in enumerate(VIEWS)}
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
            dtype={c: str for c in FIGURE_COLUMNS if c != "value"},
            keep_default_na=False,
            na_values={"value": [""]},
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
    """'in cell In [3] `first line`: ValueError: ...' or ': KernelDied: ...'."""
    if r.get("exec_count") is not None or r.get("cell_index") is not None:
        src = f" `{r['cell_source']}`" if r.get("cell_source") else ""
        return f"in cell In [{r.get('exec_count')}]{src}: {r['ename']}: {r['evalue']}"
    return f": {r.get('ename')}: {r.get('evalue')}"


def _useful_log(path: Path) -> bool:
    """True if a kernel log holds more than the usual start/stop chatter."""
    if not path.exists():
        return False
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return any(ln.strip() and not any(n in ln for n in _KERNEL_NOISE) for ln in lines)


def _swap_in(build: Path, target: Path) -> None:
    """Replace target by build with renames; restore the old folder if the second rename fails."""
    trash = None
    if target.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".trash-{target.name}-", dir=target.parent))
        trash.rmdir()
        target.rename(trash)
    try:
        build.rename(target)
    except OSError:
        if trash is not None:
            trash.rename(target)
        raise
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


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

    with cf.ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(tasks))),
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(q,),
    ) as pool:
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

    @property
    def target(self) -> Path:
        return self.out / self.period

    @property
    def failed_dir(self) -> Path:
        return self.out / f"{self.period}.failed"


def check(period, data, views, out, currency, notebooks_dir, show_code, workers) -> Plan:
    """Step 1: validate every argument before anything runs (raises ParameterError)."""
    period = str(check_period(period))
    views = check_views(views)
    currency = check_currency(currency, allow_both=True)
    if data is not None and str(data) != "":
        data = Path(data).expanduser().resolve()
        if not data.exists():
            raise ParameterError(f"data path not found: {data}")
    else:
        data = None
    notebooks_dir = Path(notebooks_dir).resolve()
    notebooks = find_notebooks(notebooks_dir, views)
    return Plan(period, data, views, currency, notebooks_dir, notebooks, Path(out).resolve(),
                show_code, workers)  # fmt: skip


def new_build_dir(plan: Plan) -> Path:
    """A private temporary folder beside the target; the report is assembled there."""
    plan.out.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".build-{plan.period}-", dir=plan.out))
    build.chmod(0o755)  # mkdtemp makes it private; the report is an ordinary folder
    (build / "notebooks").mkdir()
    (build / "logs").mkdir()
    return build


def plan_tasks(plan: Plan, build: Path) -> list[dict]:
    """Step 2: one papermill task per view, with the notebook contract's four parameters."""
    params = {"period": plan.period, "data": str(plan.data) if plan.data else "",
              "currency": plan.currency, "output_dir": str(build)}  # fmt: skip
    return [
        {
            "view": v,
            "input": str(plan.notebooks[v]),
            "output": str(build / "notebooks" / f"{v}.ipynb"),
            "html": str(build / f"{v}.html"),
            "log": str(build / "logs" / f"{v}.log"),
            "parameters": params,
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
    ]


def execute(plan: Plan, tasks: list[dict], progress) -> dict[str, dict]:
    """Step 3: run the notebooks in worker processes; results by view."""
    progress(f"building report {plan.period} ({', '.join(plan.views)}) "
             f"with {plan.workers} worker(s)")  # fmt: skip
    return {r["view"]: r for r in _run_all(tasks, plan.workers, progress)}


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


def collect_figures(plan: Plan, build: Path):
    """Step 4: every view's figures, rounded, as figures.csv in the build folder."""
    shutil.rmtree(build / "logs", ignore_errors=True)
    figures = combine_figures(_read_figures(build, plan.views))
    figures.to_csv(build / "figures.csv", index=False)
    return figures


def write_manifest_and_index(plan: Plan, build: Path, figures, results, t0: float) -> None:
    """Step 5: manifest.json (parameters, data hashes, versions, timings) and index.html."""
    from helpers.report.index_page import render_index

    flag = build / SAMPLE_FLAG
    flag_text = flag.read_text(encoding="utf-8").strip() if flag.exists() else ""
    flag.unlink(missing_ok=True)
    sample = plan.data is None or bool(flag_text)
    manifest = {
        "period": plan.period,
        "parameters": {"period": plan.period, "data": str(plan.data) if plan.data else None,
                       "currency": plan.currency, "views": plan.views,
                       "show_code": plan.show_code, "workers": plan.workers},
        "data": {"source": "sample" if plan.data is None else "user",
                 "path": str(plan.data or SAMPLE_DIR), "files": hash_data(plan.data or SAMPLE_DIR)},
        "sample_data": sample,
        "sample_flag": flag_text or None,
        "versions": _versions(),
        "timings": {v: {k: results[v][k] for k in ("seconds", "execute_s", "export_s")}
                    for v in plan.views},
        "git": _git_commit(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    index = render_index(plan.period, plan.currency, plan.views, figures, manifest,
                         SAMPLE_BANNER if sample else "")  # fmt: skip
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
) -> Path:
    """Build `<out>/<period>/` from the notebooks and return its path; raise ReportError.

    check → plan → execute → collect figures → write manifest and index → swap in; the build
    folder is removed whatever happens, so a failed run leaves the previous report in place.
    """
    t0 = time.perf_counter()
    progress = progress or (lambda _msg: None)
    plan = check(period, data, views, out, currency, notebooks_dir, show_code, workers)
    build = new_build_dir(plan)
    try:
        results = execute(plan, plan_tasks(plan, build), progress)
        keep_failures(plan, build, results)
        figures = collect_figures(plan, build)
        write_manifest_and_index(plan, build, figures, results, t0)
        swap_in(plan, build)
        progress(f"report written to {plan.target} in {time.perf_counter() - t0:.1f} s")
        return plan.target
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)


# --------------------------------------------------------------------------- CLI


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
    p.add_argument("--out", default=str(REPORTS_DIR), help="reports folder (default: reports/)")
    p.add_argument("--currency", default="USD",
                   help="USD, CNY or both (USD and CNY side by side; default: USD)")
    p.add_argument("--show-code", action="store_true", help="keep code cells in the HTML")
    p.add_argument("--workers", type=int, default=2, help="notebooks run in parallel (default 2)")
    p.add_argument("--notebooks", default=str(NOTEBOOKS_DIR), help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; accepts argv with or without the leading `run`. Returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "run":
        argv = argv[1:]
    args = build_parser().parse_args(argv)
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
        )
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"open {target / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
