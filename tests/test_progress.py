"""Progress of the long commands: a tqdm bar on a terminal, one line per step otherwise."""

from __future__ import annotations

import io
import re
from pathlib import Path

from helpers.ingest import importer
from helpers.progress import Progress, fetch_progress

COMTRADE = Path(__file__).parent / "fixtures" / "comtrade" / "china_monthly.csv"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_one_line_per_step():
    out = io.StringIO()
    with Progress(3, "job", stream=out) as progress:
        progress.step("read 10 rows")
        progress.note("a remark")
        progress.step("summed", to=3)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert re.fullmatch(r"job: \[1/3\] read 10 rows \(\d+\.\d s\)", lines[0])
    assert lines[1] == "a remark"
    assert re.fullmatch(r"job: \[3/3\] summed \(\d+\.\d s\)", lines[2])


def test_on_a_terminal_a_bar():
    out = Terminal()
    with Progress(4, "job", stream=out) as progress:
        for k in range(4):
            progress.step(f"step {k}")
    text = out.getvalue()
    assert "\r" in text and "4/4" in text and "job" in text
    assert "[1/4]" not in text  # no per-step lines


def test_fetch_lines_off_a_terminal_are_printed_as_they_come(capsys):
    callback, close = fetch_progress(stream=io.StringIO())
    for line in ("index latest: http://x -> HTTP 200, 10 bytes", "[1/2] (1) USD 2025-09: held",
                 "[2/2] (1) CNY 2025-09: missing - not linked"):
        callback(line)
    close()
    assert capsys.readouterr().out.splitlines()[1:] == [
        "[1/2] (1) USD 2025-09: held", "[2/2] (1) CNY 2025-09: missing - not linked"]


def test_fetch_lines_on_a_terminal_drive_a_bar(capsys):
    out = Terminal()
    callback, close = fetch_progress(stream=out)
    callback("index latest: http://x -> HTTP 200, 10 bytes")
    for k in range(1, 5):
        callback(f"[{k}/4] (1) USD 2025-0{k}: kept")
    close()
    assert "index latest" in capsys.readouterr().out  # before the bar: printed as usual
    text = out.getvalue()
    assert "fetch" in text and "4/4" in text and "[2/4]" not in text


def test_import_comtrade_reports_each_step(capsys, tmp_path):
    assert importer.main(["comtrade", str(COMTRADE), "--store", str(tmp_path / "s")]) == 0
    steps = [ln for ln in capsys.readouterr().err.splitlines()
             if ln.startswith("import comtrade china_monthly.csv: [")]  # fmt: skip
    assert [re.search(r"\[(\d/4)\]", ln).group(1) for ln in steps] == ["1/4", "2/4", "3/4", "4/4"]
    assert "rows (DuckDB)" in steps[0] and steps[-1].split("] ")[1].startswith("HS panel written")
