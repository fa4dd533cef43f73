"""The report's worker processes: each runs one view's notebook with papermill and exports it
to offline HTML; the runner (helpers.report.runner) plans the work and assembles the report.

    run_all(tasks, workers, progress) -> results    one result dict per task; never raises for
                                                     a failed view (its error comes back as data)
    describe_failure(result) -> str                  the failing cell, statement and error

A task is a dict: view, input, output, html, log (paths), parameters, cwd, show_code,
resources (for the HTML exporter). Workers are spawned processes (papermill's cwd handling is
process-wide); each dies with the runner, even when the runner is killed with -9, and takes its
kernel with it.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import multiprocessing as mp
import os
import queue
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["KERNEL_NOISE", "TEMPLATES_DIR", "describe_failure", "failing_statement", "run_all",
           "useful_log"]  # fmt: skip

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
KERNEL_NOISE = ("running over TCP without encryption", "KeyboardInterrupt caught in kernel")

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
    A daemon thread also polls the runner with psutil every second and does the same when it is
    gone: the only way elsewhere (macOS, Windows, no prctl), and on Linux the backstop for a
    signal whose handler cannot run (it runs only when the main thread gets back to Python; a
    worker that outlived a killed runner was seen once on a loaded 2-core machine).
    """
    if hasattr(os, "setpgid"):
        os.setpgid(0, 0)
        signal.signal(signal.SIGTERM, _kill_own_group)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PDEATHSIG
    if os.getppid() != parent:  # the runner died before the signal was armed
        _kill_own_group()
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


def run_all(tasks: list[dict], workers: int, progress: Callable[[str], None]) -> list[dict]:
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
        ordered = sorted(tasks, key=lambda t: -t.get("weight", 1))
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
                        f"{describe_failure(r)}"
                    )
        drain()
    q.close()
    return results


def describe_failure(r: dict) -> str:
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


def useful_log(path: Path) -> bool:
    """True if a kernel log holds more than the usual start/stop chatter."""
    if not path.exists():
        return False
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return any(ln.strip() and not any(n in ln for n in KERNEL_NOISE) for ln in lines)
