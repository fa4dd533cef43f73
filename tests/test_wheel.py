"""The wheel is complete: built from the sources, installed into a fresh venv, it builds a report
from a folder outside the checkout.

Fast and offline-friendly: the fresh venv has no pip and no packages of its own; a .pth file
points it at this interpreter's site-packages for the dependencies only (site-packages added
that way are not scanned for .pth files, so the checkout's editable install stays invisible),
and the wheel is installed with --no-index: its declared dependencies must be met by what is
there. Jupyter data files (nbconvert's templates), which a
real install puts into the venv, are found through JUPYTER_PATH.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX venv layout")]  # fmt: skip


def _sources(dest: Path) -> Path:
    """A copy of the files git knows (tracked and new), or of the tree without build output."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
                            capture_output=True, text=True)  # fmt: skip
    if listed.returncode == 0 and listed.stdout.strip():
        for name in listed.stdout.splitlines():
            src = ROOT / name
            if src.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
    else:
        shutil.copytree(ROOT, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
            ".venv", ".git", "reports", "build", "dist", "*.egg-info", "__pycache__", "_data"))
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = _sources(tmp_path_factory.mktemp("src"))
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "--wheel-dir", str(dist), str(src)],
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    (path,) = dist.glob("china_trade_kit-*.whl")
    return path


def test_wheel_carries_code_data_and_notebooks(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "helpers/ingest/readers/gac.py",
        "helpers/report/runner.py",
        "helpers/report/templates/offline/index.html.j2",
        "helpers/report/templates/pages/index.html.j2",
        "helpers/report/templates/pages/placeholder.html.j2",
        "helpers/_data/data/classifications/partners.csv",
        "helpers/_data/data/classifications/plausibility.csv",
        "helpers/_data/data/sample/trade.parquet",
        "helpers/_data/data/published/2025-09.csv",
        "helpers/_data/data/figure_names.csv",
        *(f"helpers/_data/notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")),
    ):
        assert name in names, name


def test_installed_wheel_builds_a_report_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # with its dependencies resolved, offline: the versions already there satisfy the declared
    # lower bounds, so nothing is downloaded and nothing (pandas included) is replaced
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                                "--no-index", str(wheel)],
                               capture_output=True, text=True)  # fmt: skip
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    assert "Successfully installed china-trade-kit-" in installed.stdout
    assert "pandas" not in installed.stdout.split("Successfully installed")[-1]
    assert not list(Path(purelib).glob("pandas*"))  # the environment's pandas, kept

    elsewhere, home = tmp_path / "elsewhere", tmp_path / "home"
    elsewhere.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
           "PYTHONPATH": ""}  # fmt: skip
    where = subprocess.run([str(python), "-c", "import helpers.paths as p; "
                            "print(p.INSTALLED, p.NOTEBOOKS_DIR, p.REPORTS_DIR)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True)  # fmt: skip
    installed_flag, notebooks, reports = where.stdout.split()
    assert installed_flag == "True" and notebooks.startswith(purelib), where.stdout
    assert reports == str(home / "data" / "china-trade-kit" / "reports")

    # the console script, from an analyst's folder that holds a helpers.py of its own
    (elsewhere / "helpers.py").write_text("raise SystemExit('the wrong helpers')\n")
    ctk = venv / "bin" / "ctk"
    version = subprocess.run([str(ctk), "--version"], cwd=elsewhere, env=env,
                             capture_output=True, text=True)  # fmt: skip
    assert version.stdout.strip() == "ctk (china-trade-kit) 0.1.0", version.stderr[-2000:]
    help_text = subprocess.run([str(ctk), "run", "--help"], cwd=elsewhere, env=env,
                               capture_output=True, text=True).stdout  # fmt: skip
    assert "(default:~/data/china-trade-kit/reports)" in "".join(help_text.split())

    out = tmp_path / "out"
    result = subprocess.run([str(ctk), "run", "--period", "2025-09",
                             "--out", str(out), "--views", "headline"], cwd=elsewhere, env=env,
                            capture_output=True, text=True, timeout=900)  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    report = out / "2025-09"
    assert (report / "index.html").is_file() and (report / "headline.html").is_file()
    # the sample is calibrated to the published September 2025 export growth, 8.3%
    with open(report / "figures.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["value"], r["unit"]) for r in rows
            if (r["metric"], r["flow"], r["dimension"], r["period"], r["view"])
            == ("yoy", "export", "total", "2025-09", "headline")] == [("8.3", "pct")]


def test_wheel_metadata_declares_a_library(wheel):
    """Lower bounds, not pins; JupyterLab, comtradeapicall and the test tools as extras; `ctk`."""
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(info).decode()
        entry_points = archive.read(info.replace("METADATA", "entry_points.txt")).decode()
    requires = [ln.split(": ", 1)[1] for ln in metadata.splitlines()
                if ln.startswith("Requires-Dist: ")]  # fmt: skip
    assert requires and not [r for r in requires if "==" in r.split(";")[0]]
    runtime = {re.split(r"[<>=!~ ;\[]", r)[0].lower() for r in requires if "extra ==" not in r}
    assert {"pandas", "papermill", "filelock", "platformdirs", "psutil", "tqdm"} <= runtime
    assert not runtime & {"jupyterlab", "pytest", "playwright", "comtradeapicall", "ruff"}
    extras = {ln.split(": ", 1)[1] for ln in metadata.splitlines()
              if ln.startswith("Provides-Extra: ")}  # fmt: skip
    assert extras == {"lab", "comtrade", "dev"}
    assert 'jupyterlab>=4.0; extra == "lab"' in requires
    assert "Requires-Python: >=3.11" in metadata
    assert "ctk = helpers.__main__:main" in entry_points
