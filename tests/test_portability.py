"""Any analyst's laptop: no POSIX-only import at module top, and the locks, child-process
cleanup and user folders go through filelock, psutil and platformdirs."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POSIX_ONLY = {"fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "posix", "syslog"}
MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "helpers").rglob("*.py")
    if "_data" not in p.parts
)


def test_no_posix_only_module_is_imported_at_module_top():
    """Inside functions is fine (guarded by the caller); at the top of a module it is not."""
    found = []
    for path in (ROOT / "helpers").rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names
                      if n.split(".")[0] in POSIX_ONLY]  # fmt: skip
    assert found == []


def test_every_module_imports_without_fcntl():
    """As on Windows: `import fcntl` fails; every helpers module still imports, and the lock
    still works (filelock falls back to its own)."""
    script = textwrap.dedent(f"""
        import importlib, sys, tempfile, pathlib
        sys.modules["fcntl"] = None  # `import fcntl` now raises ImportError
        failed = []
        for name in {MODULES!r}:
            try:
                importlib.import_module(name)
            except Exception as error:
                failed.append(f"{{name}}: {{type(error).__name__}}: {{error}}")
        from helpers.locking import folder_lock
        with folder_lock(pathlib.Path(tempfile.mkdtemp())):
            pass
        print("\\n".join(failed) or "ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"
    assert len(MODULES) > 40  # the walk found the package


# --------------------------------------------------------------------------- locks


def test_folder_lock_is_exclusive_and_leaves_the_folder_as_it_was(tmp_path):
    import filelock

    from helpers.locking import folder_lock, lock_path

    with folder_lock(tmp_path):
        with pytest.raises(BlockingIOError), folder_lock(tmp_path, wait=False):
            pass
        # the lock is an OS lock through filelock on a file outside the folder
        held = filelock.FileLock(str(lock_path(tmp_path)))
        with pytest.raises(filelock.Timeout):
            held.acquire(timeout=0)
    assert list(tmp_path.iterdir()) == []
    assert not lock_path(tmp_path).is_relative_to(tmp_path)
    with folder_lock(tmp_path, wait=False):  # released: free again
        pass


def test_folder_lock_holds_against_another_process_and_waits(tmp_path):
    from helpers.locking import folder_lock

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time, pathlib; from helpers.locking import "
         "folder_lock\nwith folder_lock(pathlib.Path(sys.argv[1])):\n print('held', flush=True)"
         "\n time.sleep(1.5)", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BlockingIOError), folder_lock(tmp_path, wait=False):
            pass
        waited = []
        began = time.monotonic()
        with folder_lock(tmp_path, on_wait=lambda: waited.append(True)):
            elapsed = time.monotonic() - began
        assert waited == [True] and elapsed > 0.3
    finally:
        holder.wait(timeout=30)


def test_store_and_runner_lock_through_filelock(tmp_path):
    from helpers.ingest import store
    from helpers.locking import folder_lock
    from helpers.report.runner import BusyError, out_lock

    with folder_lock(tmp_path):
        with pytest.raises(BlockingIOError), store._locked(tmp_path, wait=False):
            pass
        with pytest.raises(BusyError), out_lock(tmp_path, wait=False, progress=None):
            pass
    with store._locked(tmp_path, wait=False), pytest.raises(BlockingIOError):
        with folder_lock(tmp_path, wait=False):
            pass


# --------------------------------------------------------------------------- user folders


def test_user_folders_come_from_platformdirs(monkeypatch, tmp_path):
    import platformdirs

    from helpers import cache, paths

    monkeypatch.delenv("CTK_CACHE_DIR", raising=False)
    monkeypatch.setattr(platformdirs, "user_data_dir",
                        lambda name, appauthor=None: str(tmp_path / "data" / name))
    monkeypatch.setattr(platformdirs, "user_cache_dir",
                        lambda name, appauthor=None: str(tmp_path / "cache" / name))  # fmt: skip
    assert paths.user_data_dir() == tmp_path / "data" / "china-trade-kit"
    assert cache.cache_dir() == tmp_path / "cache" / "china-trade-kit"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is Linux's convention")
def test_linux_folders_follow_xdg(monkeypatch, tmp_path):
    from helpers import cache, paths

    monkeypatch.delenv("CTK_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "d"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    assert paths.user_data_dir() == tmp_path / "d" / "china-trade-kit"
    assert cache.cache_dir() == tmp_path / "c" / "china-trade-kit"


# --------------------------------------------------------------------------- cleanup

_WORKER = """
import subprocess, sys, time
from helpers.report import workers
# a session of its own, as a kernel's: out of reach of the worker's process group
sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                           start_new_session=True)
print(sleeper.pid, flush=True)
time.sleep(0.3)
{action}
time.sleep(60)
"""


def _gone(pid: int, within: float = 10.0) -> bool:
    import psutil

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX's")
@pytest.mark.parametrize("action", [
    "workers._kill_own_group()",                        # what SIGTERM (prctl's signal) runs
    "workers._watch_parent(2 ** 22 + 12345, every=0.05)",  # the psutil watcher: parent gone
])  # fmt: skip
def test_worker_cleanup_kills_its_children_through_psutil(action):
    worker = subprocess.Popen([sys.executable, "-c", _WORKER.format(action=action)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True,
                              start_new_session=True)  # its own group, as a worker's  # fmt: skip
    try:
        sleeper = int(worker.stdout.readline())
        assert worker.wait(timeout=30) == -signal.SIGKILL
        assert _gone(sleeper)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
