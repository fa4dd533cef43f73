"""JupyterLab as the analyst's home: `make lab` serves the project root (as root too), takes
LAB_ARGS; a notebook exported with the kit's `offline` nbconvert template has no external
script (plain `jupyter nbconvert` pulls require.js and MathJax from a CDN)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TEMPLATES = ROOT / "helpers" / "report" / "templates"
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "jupyter").is_file(),
                    reason="make lab needs the checkout's .venv with the [lab] extra")
def test_make_lab_serves_the_project_root(tmp_path):
    (ROOT / "reports").mkdir(exist_ok=True)  # what `make report` makes; ignored by git
    port, token = _free_port(), "ctk-test-token"
    args = (f"--no-browser --port={port} --ServerApp.ip=127.0.0.1 "
            f"--IdentityProvider.token={token} --ServerApp.runtime_dir={tmp_path}/rt")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws")}  # fmt: skip
    # -o setup: the venv is there already (this test runs in it); the lab recipe is what is tested
    lab = subprocess.Popen(["make", "--no-print-directory", "-o", "setup", "-o", "check-python",
                            "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}/api/contents?token={token}"
    try:
        listing, deadline = None, time.monotonic() + 120
        while listing is None and time.monotonic() < deadline:
            assert lab.poll() is None, lab.stderr.read()[-3000:]
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    listing = json.load(answer)
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer within 120 s"
        names = {item["name"] for item in listing["content"]}
        assert {"notebooks", "reports", "data", "helpers", "README.md"} <= names
        notebooks = urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}", timeout=10)
        assert "1_headline.ipynb" in {i["name"] for i in json.load(notebooks)["content"]}
        kernels = urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/kernelspecs?token={token}", timeout=10)
        assert "python3" in json.load(kernels)["kernelspecs"]
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()


def test_make_lab_recipe_allows_root_and_opens_at_the_root():
    # under `make test` the environment carries MAKELEVEL/MAKEFLAGS, and a nested make prints
    # "Entering/Leaving directory" lines: run it as a top-level make and take the lab line
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    dry = subprocess.run(["make", "--no-print-directory", "-n", "-o", "setup", "-o",
                          "check-python", "lab", "LAB_ARGS=--port=9999"], cwd=ROOT,
                         capture_output=True, text=True, env=env)  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    command = next(line for line in dry.stdout.splitlines() if "jupyter" in line and " lab" in line)
    assert f'--ServerApp.root_dir="{ROOT}"' in command and command.endswith("--port=9999")
    assert ("--allow-root" in command) == (os.geteuid() == 0)


def test_offline_export_has_no_external_script(tmp_path):
    """The README's command: jupyter nbconvert --to html with the kit's `offline` template."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Exports\nGrowth $x^2$, a formula."),
                nbformat.v4.new_code_cell("print(1 + 1)", outputs=[
                    nbformat.v4.new_output("stream", name="stdout", text="2\n")])]  # fmt: skip
    nbformat.write(nb, tmp_path / "view.ipynb")
    exported = {}
    for name, extra in (("offline", ["--TemplateExporter.extra_template_basedirs="
                                     f"{TEMPLATES}", "--template", "offline"]),
                        ("plain", [])):  # fmt: skip
        result = subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", *extra,
                                 "--output", name, str(tmp_path / "view.ipynb")],
                                capture_output=True, text=True, timeout=300)  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        exported[name] = (tmp_path / f"{name}.html").read_text(encoding="utf-8")
    offline = exported["offline"]
    assert "2\n" in offline and "Exports" in offline
    assert re.findall(r"<script[^>]*\bsrc=", offline) == []
    assert re.findall(r"<link[^>]*https?://", offline) == []
    assert not re.search(r"https?://[^\s\"'<>]*(cdn|cloudflare|jsdelivr|unpkg)", offline)
    # the difference the template makes (plain nbconvert loads scripts from a CDN)
    assert re.findall(r"<script[^>]*\bsrc=\"https?://", exported["plain"])
