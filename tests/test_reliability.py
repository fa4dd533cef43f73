"""Bad inputs and faults: every one ends in a clear message, a non-zero exit and nothing changed.

One table of cases (CSV, Parquet, Excel and GAC inputs, store faults, report arguments and
output folders), run in-process through the commands' main(argv). Each case asserts the exit
code, a message naming the file/line/column or the argument, no traceback, and that every file
under the test folder (inputs, store, previous report) is byte-identical afterwards, which also
means nothing was left behind. Concurrency, kill -9 and the wheel run in subprocesses (slow).
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import __main__ as cli
from helpers.ingest import importer, store
from helpers.report import runner, workers

FIXTURES = Path(__file__).parent / "fixtures"
STANDINS = FIXTURES / "notebooks"
HEADER = "period,months,flow,partner,product,value,currency,quantity,quantity_unit,measure,source,vintage\n"  # noqa: E501


def row(period="2025-09", value="3.0e11", currency="USD", flow="export", partner="WORLD",
        product="TOTAL", quantity="", unit="", months="1", source="analyst") -> str:  # fmt: skip
    return (f"{period},{months},{flow},{partner},{product},{value},{currency},{quantity},{unit},"
            f"level,{source},2025-10-20\n")  # fmt: skip


def tree(path: Path) -> dict[str, str]:
    """sha256 of every file (and the names of empty folders) under path."""
    out = {}
    for p in sorted(path.rglob("*")):
        rel = str(p.relative_to(path))
        if p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        elif p.is_dir() and not any(p.iterdir()):
            out[rel] = "<empty dir>"
    return out


@contextlib.contextmanager
def immutable(path: Path):
    """Make a folder unwritable even for root (chattr +i), else skip."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield
        finally:
            path.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a folder read-only here (no chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


# --------------------------------------------------------------------------- the world a case sees


def base_store(path: Path) -> None:
    """A store with USD world totals 2025-06..09 and US exports in June and August only."""
    text = HEADER + "".join(
        row(p, v, flow=f) for p in ("2025-06", "2025-07", "2025-08", "2025-09")
        for f, v in (("export", "3.0e11"), ("import", "2.1e11"))
    ) + row("2025-06", "4.0e10", partner="united_states") + row("2025-08", "4.1e10",
                                                                partner="united_states")
    src = path.parent / "base.csv"
    src.write_text(text)
    assert importer.main(["tidy", str(src), "--store", str(path)]) == 0
    src.unlink()


@pytest.fixture(scope="module")
def world_template(tmp_path_factory) -> Path:
    """inputs/, store/ and reports/2025-09/ (an earlier report) built once, copied per case."""
    root = tmp_path_factory.mktemp("world")
    (root / "in").mkdir()
    base_store(root / "store")
    old = root / "reports" / "2025-09"
    old.mkdir(parents=True)
    (old / "index.html").write_text("<html>the previous report</html>")
    (root / "reports" / "2025-08").mkdir()
    (root / "reports" / "2025-08" / "index.html").write_text("<html>August</html>")
    return root


@pytest.fixture()
def world(world_template, tmp_path) -> Path:
    root = tmp_path / "w"
    shutil.copytree(world_template, root)
    return root


def write(name: str, content: str | bytes):
    """Setup step: write an input file into in/."""

    def setup(root: Path) -> None:
        path = root / "in" / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return setup


def parquet(name: str, frame: pd.DataFrame):
    def setup(root: Path) -> None:
        frame.to_parquet(root / "in" / name)

    return setup


def frame(**changes) -> pd.DataFrame:
    base = pd.DataFrame({"period": ["2025-09"], "months": [1], "flow": ["export"],
                         "partner": ["WORLD"], "product": ["TOTAL"], "value": [3.0e11],
                         "currency": ["USD"], "measure": ["level"], "source": ["analyst"],
                         "vintage": ["2025-10-20"]})  # fmt: skip
    for column, value in changes.items():
        base[column] = value
    return base


def corrupt_store(root: Path) -> None:
    (root / "store" / "store.parquet").write_bytes(b"PAR1 this is not a store")


def store_is_a_file(root: Path) -> None:
    (root / "in" / "store_file").write_text("not a folder")


def empty_folder(root: Path) -> None:
    (root / "in" / "empty").mkdir()


def out_is_file(root: Path) -> None:
    (root / "in" / "out_file").write_text("I am a file")


LATIN1 = (HEADER + row() + row("2025-08", source="analyst é")).encode("latin-1")
LATIN1_OFFSET = LATIN1.index(b"\xe9")
GBK = (HEADER + row(source="海关总署")).encode("gbk")
GAC = FIXTURES / "gac"
SERIES_MAPPING = FIXTURES / "series" / "mapping.yaml"

# id, setup steps, argv ({root} is the case folder), exit code, message (a substring)
IMPORT_CASES = [
    ("misspelt-column", [write("bad.csv", HEADER.replace("quantity_unit", "quantity_units"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "bad.csv, line 1, column 'quantity_units': unknown column: did you mean 'quantity_unit'?"),
    ("unknown-column", [write("bad.csv", HEADER.strip() + ",region\n" + row().strip() + ",x\n")],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "bad.csv, line 1, column 'region': unknown column"),
    ("header-only-wrong-columns", [write("bad.csv", "date,amount,ccy\n")],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "bad.csv, line 1, column 'period': required column is missing"),
    ("empty-file", [write("bad.csv", "")], ["import", "tidy", "{root}/in/bad.csv"], 1,
     "bad.csv, line 1: the file is empty"),
    ("currency-switch-in-file",
     [write("bad.csv", HEADER + row("2025-01") + row("2025-02", currency="CNY") + row("2025-03"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "bad.csv, line 2, column 'currency': series ('export', 'WORLD', 'TOTAL') switches currency"),
    ("currency-switch-across-store",
     [write("bad.csv", HEADER + row("2025-07", "2.9e11", currency="CNY",
                                    partner="united_states"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "bad.csv, line 2, column 'currency': series ('export', 'united_states', 'TOTAL') switches"),
    ("infinite-value", [write("bad.csv", HEADER + row() + row("2025-10", "inf"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "bad.csv, line 3, column 'value': 'inf' is not a finite number"),
    ("nan-text-value", [write("bad.csv", HEADER + row(value="NaN"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "bad.csv, line 2, column 'value': 'NaN' is not a number"),
    ("implausible-usd", [write("bad.csv", HEADER + row(value="6.0e15"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "bad.csv, line 2, column 'value': 6e+15 USD is more than 10 times the largest monthly total"),
    ("implausible-cny", [write("bad.csv", HEADER + row(value="5.0e13", currency="CNY"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "column 'value': 5e+13 CNY is more than 10 times the largest monthly total seen "
     "(4,104.6 bn"),
    ("future-month", [write("bad.csv", HEADER + row("2031-01"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "bad.csv, line 2, column 'period': 2031-01 is after the current month"),
    ("quantity-without-unit", [write("bad.csv", HEADER + row(product="steel", quantity="12.5"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "line 2, column 'quantity_unit': quantity 12.5 is given without a quantity_unit"),
    ("impossible-month", [write("bad.csv", HEADER + row("2025-13"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "line 2, column 'period': '2025-13' is not a month"),
    ("unknown-partner", [write("bad.csv", HEADER + row(partner="narnia"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "line 2, column 'partner': unknown partner code 'narnia'"),
    ("unknown-flow", [write("bad.csv", HEADER + row(flow="re-export"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1, "column 'flow': 're-export' is not one of export"),
    ("duplicate-key", [write("bad.csv", HEADER + row() + row(value="3.1e11"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1, "bad.csv, line 3, column 'period': duplicate key"),
    ("negative-value", [write("bad.csv", HEADER + row(value="-5"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1, "line 2, column 'value': negative value -5"),
    ("months-three", [write("bad.csv", HEADER + row(months="3"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1, "line 2, column 'months': months must be 1 or 2"),
    ("value-not-a-number", [write("bad.csv", HEADER + row(value="3.0e11x"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1, "column 'value': '3.0e11x' is not a number"),
    ("latin-1-bytes", [write("bad.csv", LATIN1)], ["import", "tidy", "{root}/in/bad.csv"], 1,
     f"bad.csv, line 3: byte 0xe9 at byte offset {LATIN1_OFFSET} is not valid utf-8; the "
     "file looks like Windows-1252 / Latin-1"),
    ("gbk-bytes-undeclared", [write("bad.csv", GBK)], ["import", "tidy", "{root}/in/bad.csv"], 1,
     "bad.csv, line 2: byte 0xba at byte offset 144 is not valid utf-8; the file looks like "
     "GB18030 / GBK"),
    ("semicolon-delimited", [write("bad.csv", (HEADER + row()).replace(",", ";"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1,
     "bad.csv, line 1: the header has no commas but 11 semicolons: the file looks "
     "semicolon-delimited"),
    ("tab-delimited", [write("bad.csv", (HEADER + row()).replace(",", "\t"))],
     ["import", "tidy", "{root}/in/bad.csv"], 1, "line 1: the header has no commas but 11 tabs"),
    ("unknown-declared-encoding", [write("bad.csv", "# encoding: klingon\n" + HEADER + row())],
     ["import", "tidy", "{root}/in/bad.csv"], 1, "bad.csv, line 1: unknown encoding 'klingon'"),
    ("missing-file", [], ["import", "tidy", "{root}/in/nope.csv"], 1, "nope.csv: no such file"),
    ("parquet-corrupt", [write("bad.parquet", b"PAR1 garbage")],
     ["import", "tidy", "{root}/in/bad.parquet"], 1, "bad.parquet: not a readable Parquet file"),
    ("parquet-misspelt-column",
     [parquet("bad.parquet", frame().rename(columns={"currency": "currncy"}))],
     ["import", "tidy", "{root}/in/bad.parquet"], 1,
     "bad.parquet, line 1, column 'currncy': unknown column: did you mean 'currency'?"),
    ("parquet-infinite", [parquet("bad.parquet", frame(value=[np.inf]))],
     ["import", "tidy", "{root}/in/bad.parquet"], 1,
     "bad.parquet, line 2, column 'value': 'inf' is not a finite number"),
    ("parquet-implausible", [parquet("bad.parquet", frame(value=[3.0e14]))],
     ["import", "tidy", "{root}/in/bad.parquet"], 1,
     "bad.parquet, line 2, column 'value': 3e+14 USD is more than 10 times"),
    ("excel-not-a-workbook", [write("broken.xlsx", b"PK\x03\x04 not really a workbook")],
     ["import", "series", "{root}/in/broken.xlsx", "--mapping", str(SERIES_MAPPING)], 1,
     "broken.xlsx: REJECTED (store unchanged)"),
    ("gac-truncated", [], ["import", "gac", str(GAC / "bad_truncated.html")], 1,
     "bad_truncated.html, table row 7 (line 147) 'Japan': 5 cells"),
    ("gac-image-only", [], ["import", "gac", str(GAC / "bad_image_only.html")], 1,
     "bad_image_only.html: the page holds an image"),
    ("gac-missing-total", [], ["import", "gac", str(GAC / "bad_missing_total.html")], 1,
     "bad_missing_total.html, table row 5 (line 83) 'European Union': no 'Total' row"),
    ("gac-unknown-partner", [], ["import", "gac", str(GAC / "bad_unknown_partner.html")], 1,
     "bad_unknown_partner.html, table row 7 (line 147) 'Atlantis': unknown partner label"),
    ("gac-currency-mismatch", [], ["import", "gac", str(GAC / "bad_currency_mismatch.html")], 1,
     "bad_currency_mismatch.html, table row 2 (line 20): the title"),
    ("comtrade-wrong-columns", [write("ct.csv", "x,y\n1,2\n")],
     ["import", "comtrade", "{root}/in/ct.csv"], 1,
     "ct.csv, line 1, column 'period': required column is missing"),
    ("comtrade-other-reporter", [], ["import", "comtrade", str(FIXTURES / "comtrade" /
                                                               "mixed_reporters.csv")], 1,
     "mixed_reporters.csv, line 4, column 'reporterCode': reporter is 842 USA, not China"),
    ("store-unreadable", [corrupt_store, write("ok.csv", HEADER + row("2025-10"))],
     ["import", "tidy", "{root}/in/ok.csv"], 2, "store.parquet: cannot read the store"),
    ("store-is-a-file", [store_is_a_file, write("ok.csv", HEADER + row("2025-10"))],
     ["import", "tidy", "{root}/in/ok.csv", "--store", "{root}/in/store_file"], 2,
     "store_file: not a directory"),
    ("unknown-kind", [], ["import", "excel", "{root}/in/x.xlsx"], 2,
     "argument kind: invalid choice: 'excel'"),
    ("series-without-mapping", [write("s.csv", "x\n")], ["import", "series", "{root}/in/s.csv"],
     2, "series files need --mapping FILE"),
]

RUN = ["run", "--out", "{root}/reports"]
RUN_CASES = [
    ("out-is-a-file", [out_is_file], ["run", "--period", "2025-09", "--out",
                                      "{root}/in/out_file"], 2,
     "--out {root}/in/out_file is a file: give a folder"),
    ("out-below-a-file", [out_is_file],
     ["run", "--period", "2025-09", "--out", "{root}/in/out_file/sub/dir"], 2,
     "lies below {root}/in/out_file, which is a file"),
    ("data-empty-folder", [empty_folder], [*RUN, "--period", "2025-09", "--data",
                                           "{root}/in/empty"], 2,
     "--data {root}/in/empty holds no store"),
    ("data-missing", [], [*RUN, "--period", "2025-09", "--data", "{root}/in/nothing"], 2,
     "--data {root}/in/nothing: data path not found"),
    ("currency-not-in-data", [], [*RUN, "--period", "2025-09", "--data", "{root}/store",
                                  "--currency", "CNY"], 2,
     "--currency CNY: the data at {root}/store hold no CNY figures, only USD"),
    ("period-not-in-data", [], [*RUN, "--period", "2025-11", "--data", "{root}/store"], 2,
     "--period 2025-11: the data at {root}/store hold no table for 2025-11"),
    ("period-malformed", [], [*RUN, "--period", "2025-13"], 2, "invalid period '2025-13'"),
    ("view-unknown", [], [*RUN, "--period", "2025-09", "--views", "tariffs"], 2,
     "unknown view(s) tariffs"),
    ("currency-unknown", [], [*RUN, "--period", "2025-09", "--currency", "EUR"], 2,
     "invalid currency 'EUR'"),
    ("workers-zero", [], [*RUN, "--period", "2025-09", "--workers", "0"], 2,
     "--workers 0: give at least 1"),
    ("workers-not-a-number", [], [*RUN, "--period", "2025-09", "--workers", "two"], 2,
     "argument --workers: invalid int value: 'two'"),
    ("period-missing", [], RUN, 2, "the following arguments are required: --period"),
    ("data-file-bad-encoding", [write("d.csv", LATIN1)],
     [*RUN, "--period", "2025-09", "--data", "{root}/in/d.csv"], 2,
     "d.csv, line 3: byte 0xe9 at byte offset"),
    ("data-file-misspelt-column", [write("d.csv", HEADER.replace("vintage", "vintag") + row())],
     [*RUN, "--period", "2025-09", "--data", "{root}/in/d.csv"], 2,
     "d.csv, line 1, column 'vintag': unknown column: did you mean 'vintage'?"),
    ("data-store-unreadable", [corrupt_store],
     [*RUN, "--period", "2025-09", "--data", "{root}/store"], 2, "cannot read the store"),
    ("notebooks-missing", [], [*RUN, "--period", "2025-09", "--notebooks", "{root}/in"], 2,
     "notebook(s) missing in {root}/in: 1_headline.ipynb"),
    ("unknown-command", [], ["frobnicate"], 2, "unknown command 'frobnicate'"),
]
CASES = IMPORT_CASES + RUN_CASES


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(("setup", "argv", "code", "message"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_input_or_fault(world, capsys, setup, argv, code, message):
    for step in setup:
        step(world)
    argv = [a.format(root=world) for a in argv]
    if argv[0] == "import" and "--store" not in argv and len(argv) > 2:
        argv += ["--store", str(world / "store")]
    before = tree(world)
    got, text = run_cli(argv, capsys)
    assert got == code, text
    assert message.format(root=world) in text, text
    assert "Traceback" not in text
    assert tree(world) == before  # inputs, store and earlier reports untouched; no leftovers


def test_corpus_is_large_enough():
    assert len(CASES) + len(FAULT_TESTS) >= 40


# --------------------------------------------------------------------------- store/output faults


def test_store_that_cannot_be_written(world, capsys):
    """A read-only store folder: the import says the store could not be written (exit 1)."""
    (world / "in" / "ok.csv").write_text(HEADER + row("2025-10"))
    before = tree(world)
    with immutable(world / "store"):
        code, text = run_cli(["import", "tidy", str(world / "in" / "ok.csv"), "--store",
                              str(world / "store")], capsys)  # fmt: skip
    assert code == 1, text
    assert "valid, but the store could not be written" in text
    assert f"the store {world / 'store' / 'store.parquet'} could not be written" in text
    assert "Traceback" not in text and tree(world) == before


def test_out_that_cannot_be_written(world, capsys):
    before = tree(world)
    with immutable(world / "reports"):
        code, text = run_cli(["run", "--period", "2025-09", "--out", str(world / "reports")],
                             capsys)  # fmt: skip
    assert code == 2 and f"--out {world / 'reports'}: cannot write to" in text, text
    assert "Traceback" not in text and tree(world) == before


def test_second_build_with_no_wait_says_busy(world, capsys):
    """Another build holds the output folder's lock: --no-wait exits 3 and touches nothing."""
    from helpers.locking import folder_lock

    before = tree(world)
    with folder_lock(world / "reports"):  # the lock any build takes (filelock)
        code, text = run_cli(["run", "--period", "2025-09", "--out", str(world / "reports"),
                              "--notebooks", str(STANDINS), "--no-wait"], capsys)  # fmt: skip
    assert code == 3 and f"busy: another build into {world / 'reports'} is running" in text
    assert "Traceback" not in text and tree(world) == before


def test_stale_temporary_store_files_are_removed(world, capsys):
    """What a killed import leaves (a half-written .store.parquet.*.tmp) goes at the next one."""
    stale = world / "store" / ".store.parquet.k1ll3d.tmp"
    stale.write_bytes(b"half a parquet file")
    (world / "in" / "ok.csv").write_text(HEADER + row("2025-10") + row("2025-10", flow="import",
                                                                         value="2.0e11"))
    code, text = run_cli(["import", "tidy", str(world / "in" / "ok.csv"), "--store",
                          str(world / "store")], capsys)  # fmt: skip
    assert code == 0, text
    assert not stale.exists()
    assert (world / "store" / "store.parquet").stat().st_mode & 0o777 == 0o644 & ~_umask()


def test_swap_in_failure_is_a_report_error_and_restores(tmp_path):
    target, build = tmp_path / "2025-09", tmp_path / ".build-x"
    target.mkdir()
    (target / "index.html").write_text("old")
    with pytest.raises(runner.ReportError, match="could not move the new report"):
        runner._swap_in(build, target)  # the build folder vanished: rename fails
    assert (target / "index.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2025-09"]


FAULT_TESTS = [test_store_that_cannot_be_written, test_out_that_cannot_be_written,
               test_second_build_with_no_wait_says_busy,
               test_stale_temporary_store_files_are_removed,
               test_swap_in_failure_is_a_report_error_and_restores]  # fmt: skip


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------- cases that succeed


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bom.csv", codecs.BOM_UTF8 + (HEADER + row("2025-10", source="analyst é")).encode()),
        ("declared.csv", b"# encoding: gb18030\n" + (HEADER + row("2025-10", source="海关")).encode(
            "gb18030")),
        ("gb18030-bom.csv", b"\x84\x31\x95\x33" + (HEADER + row("2025-10", source="海关")).encode(
            "gb18030")),
    ],
)
def test_unambiguous_encodings_are_read(world, capsys, name, content):
    (world / "in" / name).write_bytes(content)
    code, text = run_cli(["import", "tidy", str(world / "in" / name), "--store",
                          str(world / "store")], capsys)  # fmt: skip
    assert code == 0, text
    stored = store.load(world / "store")
    assert stored[stored["period"] == pd.Period("2025-10", "M")]["source"].iloc[0] in (
        "analyst é", "海关")


def test_header_only_with_the_right_columns_imports_nothing(world, capsys):
    (world / "in" / "empty.csv").write_text(HEADER)
    before = tree(world / "store")
    code, text = run_cli(["import", "tidy", str(world / "in" / "empty.csv"), "--store",
                          str(world / "store")], capsys)  # fmt: skip
    assert code == 0 and "rows read 0" in text, text
    assert tree(world / "store") == before


def test_editions_gathered_page_by_page_are_not_a_switch(world, capsys):
    """USD pages for June and August and a CNY page for July (GAC pages collected as found):
    one change between adjacent months per direction is allowed across files."""
    (world / "in" / "cny.csv").write_text(HEADER + row("2025-10", "2.1e12", currency="CNY"))
    code, text = run_cli(["import", "tidy", str(world / "in" / "cny.csv"), "--store",
                          str(world / "store")], capsys)  # fmt: skip
    assert code == 0, text


def test_check_data_names_the_missing_month_of_a_combined_january(world):
    with pytest.raises(runner.ParameterError, match="for 2025-05"):
        runner.check_data(world / "store", "2025-05", "USD")


def test_workers_above_core_count_are_capped(capsys):
    assert runner.check_workers((os.cpu_count() or 1) + 7) == (os.cpu_count() or 1)
    assert "warning: --workers" in capsys.readouterr().err


# --------------------------------------------------------------------------- failing statement


def test_failing_statement_from_a_real_ipython_traceback():
    """The statement in the cell and the innermost frame, from IPython's own traceback."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    result = shell.run_cell("import json\nx = 1\njson.loads('{bad')\ny = 2", silent=True)
    error = result.error_in_exec
    lines = shell.InteractiveTB.structured_traceback(type(error), error, error.__traceback__)
    where = workers.failing_statement(lines)
    assert where["line"] == 3 and where["statement"] == "json.loads('{bad')"
    assert where["raised_in"].split(":")[0].endswith("json/decoder.py")
    described = workers.describe_failure({"exec_count": 4, "cell_index": 3, "ename": "E",
                                          "evalue": "v", "cell_line": 3, **{
                                              "statement": where["statement"]}})
    assert described == "in cell In [4], line 3 `json.loads('{bad')`: E: v"


def test_kernel_start_failures_are_recognised():
    assert workers._kernel_failed_to_start(RuntimeError("Kernel died before replying to "
                                                       "kernel_info"))  # fmt: skip
    assert not workers._kernel_failed_to_start(ValueError("bad notebook JSON"))


# --------------------------------------------------------------------------- subprocesses (slow)


def _spawn(args, cwd, **kw):
    return subprocess.Popen([sys.executable, "-m", "helpers", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_kill_9_of_the_runner_leaves_no_worker_and_next_run_cleans_up(tmp_path):
    out = tmp_path / "reports"
    root = Path(__file__).resolve().parent.parent
    proc = _spawn(["run", "--period", "2025-09", "--out", out, "--notebooks", STANDINS,
                   "--views", "headline,product"], root)  # fmt: skip
    deadline = time.time() + 120
    family: list[int] = []
    while time.time() < deadline:  # wait until a kernel runs under a worker
        workers = _children(proc.pid)
        kernels = [k for w in workers for k in _children(w)]
        if kernels:
            family = workers + kernels
            break
        time.sleep(0.2)
    assert family, "no kernel started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(_alive(p) for p in family):
        time.sleep(0.2)
    assert not [p for p in family if _alive(p)]
    assert list(out.glob(".build-*"))  # what the killed run left
    # the next run (a failing one, fast) removes it
    rerun = subprocess.run([sys.executable, "-m", "helpers", "run", "--period", "2025-09",
                            "--out", str(out), "--notebooks", str(STANDINS), "--views",
                            "headline"], cwd=root, capture_output=True, text=True)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert sorted(p.name for p in out.iterdir()) == ["2025-09"]


@pytest.mark.slow
def test_two_builds_into_one_folder_are_serialised(tmp_path):
    out = tmp_path / "reports"
    root = Path(__file__).resolve().parent.parent
    args = ["run", "--period", "2025-09", "--out", out, "--notebooks", STANDINS, "--views",
            "headline"]  # fmt: skip
    first = _spawn(args, root)
    time.sleep(0.5)
    while not list(out.glob(".build-*")) and first.poll() is None:
        time.sleep(0.1)
    busy = subprocess.run([sys.executable, "-m", "helpers", *map(str, args), "--no-wait"],
                          cwd=root, capture_output=True, text=True)  # fmt: skip
    second = _spawn([*args, "--workers", "999"], root)
    texts = [p.communicate(timeout=600)[0] for p in (first, second)]
    assert busy.returncode == 3 and "busy: another build into" in busy.stderr
    assert [first.returncode, second.returncode] == [0, 0], texts
    assert "waiting for it to finish" in texts[1] and "warning: --workers 999" in texts[1]
    assert "Traceback" not in "".join(texts) + busy.stderr
    assert sorted(p.name for p in out.iterdir()) == ["2025-09"]  # no .trash-*, no .build-*
    assert (out / "2025-09" / "index.html").is_file()


@pytest.mark.slow
def test_kill_9_during_import_leaves_a_readable_store(tmp_path):
    """Kill imports at several moments: the store is always the old one or the new one."""
    big = tmp_path / "big.csv"
    months = pd.period_range("2000-01", "2025-09", freq="M").astype(str)
    partners = ["WORLD", "united_states", "japan", "germany", "asean", "european_union"]
    rows = [row(p, f"{1e9 + i:.1f}", partner=c) for c in partners for i, p in enumerate(months)]
    big.write_text(HEADER + "".join(rows))
    dest = tmp_path / "store"
    base_store(dest)
    root = Path(__file__).resolve().parent.parent
    for delay in (0.5, 1.5, 3.0, 5.0):
        before = tree(dest)
        proc = _spawn(["import", "tidy", big, "--store", dest], root)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        store.load(dest)  # readable
        after = {k: v for k, v in tree(dest).items() if not k.startswith(".store.parquet.")}
        assert after == before or len(store.load(dest)) > 100
    code = importer.main(["tidy", str(big), "--store", str(dest)])
    assert code == 0
    assert not list(dest.glob(".store.parquet.*.tmp"))


@pytest.mark.slow
def test_kernel_that_fails_to_start_is_retried(tmp_path):
    """A kernel spec whose first start exits at once: the runner retries and the build works."""
    marker = tmp_path / "started-once"
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    script = (f"import os, sys, runpy; m = {str(marker)!r}\n"
              "if not os.path.exists(m):\n    open(m, 'w').close(); sys.exit(1)\n"
              "sys.argv = ['ipykernel_launcher', *sys.argv[1:]]\n"
              "runpy.run_module('ipykernel_launcher', run_name='__main__')\n")  # fmt: skip
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", script, "-f", "{connection_file}"],
        "display_name": "flaky", "language": "python"}))
    env = {**os.environ, "JUPYTER_PATH": str(tmp_path / "jupyter")}
    out = tmp_path / "reports"
    result = subprocess.run([sys.executable, "-m", "helpers", "run", "--period", "2025-09",
                             "--out", str(out), "--notebooks", str(STANDINS), "--views",
                             "headline"], capture_output=True, text=True, env=env,
                            cwd=Path(__file__).resolve().parent.parent, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert marker.exists()
    assert "kernel failed to start, retrying once" in result.stdout


# --------------------------------------------------------------------------- the outlook


@pytest.mark.slow
def test_outlook_with_too_short_a_history_skips_the_backtest_and_says_why(sample):
    """Data from 2017-06, report for 2022-02 (54 months, above the 48 the adjustment needs):
    backtest targets start five years in (2022-06), after the last month: no origins at all."""
    from helpers import outlook
    from helpers.data import Dataset

    trade = sample.trade[sample.trade["period"] >= pd.Period("2017-06", "M")]
    ds = Dataset(trade.reset_index(drop=True), sample.location, [], None, sample.indicators)
    result = outlook.compute(ds, "2022-02")
    assert result.backtest is None
    assert any("Backtest skipped" in note and "fewer than 12 forecast origins" in note
               for note in result.notes)  # fmt: skip
    assert result.forecast is not None and result.base is not None  # the rest still runs
