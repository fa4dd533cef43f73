"""The command line: `ctk` and `python -m helpers`, one exit-code table for every command, one
period parser, the closest command for a typo, --version, and docs/cli.md matching --help."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import helpers
from helpers import cli
from helpers.__main__ import main
from helpers.contract import ParameterError

ROOT = Path(__file__).resolve().parent.parent
CTK = Path(sys.executable).parent / "ctk"


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# (arguments, exit code, a phrase the command prints to stderr); {tmp} is a fresh folder
CASES = [
    ([], cli.USAGE, ""),
    (["rnu"], cli.USAGE, "did you mean 'run'?"),
    (["imprt"], cli.USAGE, "did you mean 'import'?"),
    (["frobnicate"], cli.USAGE, "unknown command 'frobnicate'"),
    (["run"], cli.USAGE, "--period"),
    (["run", "--period", "2025"], cli.USAGE, "write it as YYYY-MM"),
    (["run", "--period", "2025-13"], cli.USAGE, "write it as YYYY-MM"),
    (["run", "--period", "2025-09", "--views", "nope"], cli.USAGE, "unknown view"),
    (["run", "--period", "2025-09", "--currency", "EUR"], cli.USAGE, "invalid currency"),
    (["fetch", "gac", "--period", "2025", "--store", "{tmp}/s"], cli.USAGE,
     "write it as YYYY-MM"),
    (["fetch", "gac", "--period", "2025-09", "--store", "{tmp}/s", "--back", "-1"], cli.USAGE,
     "--back"),
    (["backtest", "--models", "foo"], cli.USAGE, "unknown foo"),
    (["backtest", "--start", "2025"], cli.USAGE, "YYYY-MM"),
    (["backtest", "--horizons", "0"], cli.USAGE, "--horizons"),
    (["import", "gac", "--store", "{tmp}/s"], cli.USAGE, "no files given"),
    (["import", "gac", "{tmp}/missing.html", "--store", "{tmp}/s"], cli.FAILED, ""),
    (["cache", "wipe"], cli.USAGE, "invalid choice"),
    (["--version"], cli.OK, ""),
]


@pytest.mark.parametrize(("argv", "code", "phrase"), CASES,
                         ids=[" ".join(c[0]) or "(nothing)" for c in CASES])  # fmt: skip
def test_exit_codes(argv, code, phrase, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CTK_CACHE_DIR", str(tmp_path / "cache"))
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == code
    assert phrase in capsys.readouterr().err


def test_fetch_exits_1_when_the_site_cannot_be_reached(tmp_path, capsys):
    url = f"http://127.0.0.1:{_closed_port()}"
    code = main(["fetch", "gac", "--period", "2025-09", "--store", str(tmp_path / "s"),
                 "--base-url", url, "--retries", "0", "--timeout", "5"])  # fmt: skip
    assert code == cli.FAILED
    assert "cannot reach" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()  # nothing written


def test_run_exits_3_when_busy(tmp_path, capsys):
    from helpers.locking import folder_lock

    out = tmp_path / "reports"
    out.mkdir()
    with folder_lock(out):
        code = main(["run", "--period", "2025-09", "--out", str(out), "--no-wait"])
    assert code == cli.BUSY
    assert "busy: another build into" in capsys.readouterr().err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("command", [None, *cli.COMMANDS])
def test_help_exits_0_and_prints_the_exit_code_table(command, capsys):
    assert main(["--help"] if command is None else [command, "--help"]) == cli.OK
    out = capsys.readouterr().out
    assert out.rstrip().endswith(cli.exit_code_table().splitlines()[-1].strip())
    for code, _meaning, _who in cli.EXIT_CODES:
        assert re.search(rf"^  {code}\s", out, re.M), code


def test_one_table_every_code_once():
    codes = [code for code, _, _ in cli.EXIT_CODES]
    assert codes == sorted(set(codes)) == [0, 1, 2, 3, 4, 5, 130]
    markdown = cli.exit_code_table(markdown=True).splitlines()
    assert markdown[0] == "| code | meaning | returned by |" and len(markdown) == 2 + len(codes)
    # code 5 is a real constant: a report built with a failed view, returned by run
    rows = {c: (m, who) for c, m, who in cli.EXIT_CODES}
    assert cli.PARTIAL == 5 and "PARTIAL" in cli.__all__
    assert rows[cli.PARTIAL][0].startswith("built with a failed view") and rows[5][1] == "run"
    assert "--strict" in rows[cli.PARTIAL][0] and "--strict" in rows[cli.FAILED][0]


def test_readme_carries_the_exit_code_table():
    assert cli.exit_code_table(markdown=True) in (ROOT / "README.md").read_text()


@pytest.mark.parametrize(("word", "expected"), [
    ("rnu", "run"), ("rum", "run"), ("fecth", "fetch"), ("backtets", "backtest"),
    ("smaple", "sample"), ("import", "import"), ("cahce", "cache"), ("xyzzy", None),
])  # fmt: skip
def test_closest_command(word, expected):
    assert cli.suggest(word, cli.COMMANDS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-09", "2025-09"), (" 2025-09 ", "2025-09"), ("1999-12", "1999-12"),
    ("2025", None), ("2025-9", None), ("2025-13", None), ("2025/09", None), ("Sep 2025", None),
    ("2025-09-01", None), ("", None),
])  # fmt: skip
def test_one_period_parser(text, expected):
    if expected is None:
        with pytest.raises(ParameterError, match="write it as YYYY-MM, e.g. 2025-09"):
            cli.parse_period(text)
    else:
        assert cli.parse_period(text) == expected


def test_version_is_the_package_version(capsys):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == helpers.__version__
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"(china-trade-kit) {project['version']}")


def test_cli_reference_matches_help(monkeypatch):
    monkeypatch.setenv("COLUMNS", "137")  # a wide terminal changes nothing
    """docs/cli.md is what the parsers print today (refresh it with `make docs`)."""
    from helpers.__main__ import reference_markdown

    assert (ROOT / "docs" / "cli.md").read_text() == reference_markdown(), (
        "docs/cli.md is out of date: run `make docs`")


@pytest.mark.skipif(not CTK.is_file(), reason="the ctk script is installed by `make setup`")
def test_ctk_works_from_a_folder_with_its_own_helpers_py(tmp_path):
    (tmp_path / "helpers.py").write_text("print('the analyst\\'s own helpers.py')\n")
    version = subprocess.run([str(CTK), "--version"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)  # fmt: skip
    assert version.returncode == 0 and version.stdout.startswith("ctk (china-trade-kit) ")
    typo = subprocess.run([str(CTK), "rnu"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert typo.returncode == 2 and "ctk: unknown command 'rnu'; did you mean 'run'?" in typo.stderr
    usage = subprocess.run([str(CTK), "run", "--period", "2025"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert usage.returncode == 2 and "the analyst" not in usage.stdout


def test_readme_starts_small_and_links_resolve():
    lines = (ROOT / "README.md").read_text().splitlines()
    contents = lines.index("## Contents")
    assert contents <= 60  # the quickstart (title, what it is, two commands, first real run)
    assert "make report" in "\n".join(lines[:contents])
    assert "make test" in "\n".join(lines[:contents])
    headings = {ln[3:].strip() for ln in lines if ln.startswith("## ")}
    for target in re.findall(r"\]\(#([a-z0-9-]+)\)", "\n".join(lines)):
        assert any(re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") == target
                   for h in headings), target  # fmt: skip
    for path in re.findall(r"\]\(((?:docs|data)/[^)#]*)\)", "\n".join(lines)):
        assert (ROOT / path).exists(), path


def test_make_stops_at_once_on_an_old_python(tmp_path):
    """`make report` with Python 3.10 says what is needed and how to pick another, before
    anything is created or installed."""
    old = tmp_path / "python3.10"
    old.write_text("#!/bin/sh\ncase \"$*\" in *--version*) echo 'Python 3.10.12';; "
                   "*) exec python3 -c 'import sys; sys.exit(1)';; esac\n")  # fmt: skip
    old.chmod(0o755)
    result = subprocess.run(["make", "--no-print-directory", "report", f"PYTHON={old}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert f"needs Python 3.11.5 or newer; '{old}' is Python 3.10.12." in result.stderr
    assert "make report PYTHON=python3.12" in result.stderr
    assert result.stdout == ""  # nothing ran before the check


def test_lock_pins_every_declared_dependency():
    """requirements.lock holds an exact version of every package pyproject declares (runtime,
    [lab], [dev]): `make lock` was run after the last change to the declarations."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["lab"],
                *project["optional-dependencies"]["dev"]]  # fmt: skip
    pinned = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split(";")[0].strip().split("==")
            pinned[re.sub(r"[-_.]+", "-", name.lower())] = version
    from packaging.requirements import Requirement

    for spec in declared:
        requirement = Requirement(spec)
        name = re.sub(r"[-_.]+", "-", requirement.name.lower())
        assert name in pinned, name
        assert requirement.specifier.contains(pinned[name], prereleases=True), (spec, pinned[name])
