"""Progress for long commands (`fetch`, `import comtrade`): a tqdm bar on a terminal, one line
per step otherwise (a log file or CI gets a readable record, not carriage returns)."""

from __future__ import annotations

import re
import sys
import time

__all__ = ["Progress", "fetch_progress"]

_COUNTED = re.compile(r"^\[(\d+)/(\d+)\] (.*)$")


class Progress:
    """`total` steps of one task. `step(text)` advances by one; `note(text)` says something
    without advancing. On a terminal (or bar=True) a tqdm bar on `stream` (default stderr);
    otherwise each call prints one line with the step number and the seconds since the start."""

    def __init__(self, total: int | None, desc: str, stream=None, bar: bool | None = None,
                 lines=None):  # fmt: skip
        self.stream = stream if stream is not None else sys.stderr
        self.total, self.desc, self.done = total, desc, 0
        self.started = time.perf_counter()
        self.lines = lines or (lambda text: print(text, file=self.stream, flush=True))
        isatty = getattr(self.stream, "isatty", lambda: False)
        self._bar = None
        if bar if bar is not None else isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, file=self.stream, leave=True,
                             unit="step", dynamic_ncols=True)  # fmt: skip

    def step(self, text: str, to: int | None = None) -> None:
        """One more step done (or `to` steps done in all), `text` saying which."""
        advance = (to - self.done) if to is not None else 1
        self.done += advance
        if self._bar is not None:
            self._bar.set_postfix_str(text[:60], refresh=False)
            self._bar.update(advance)
        else:
            of = f"/{self.total}" if self.total else ""
            self.lines(f"{self.desc}: [{self.done}{of}] {text} "
                       f"({time.perf_counter() - self.started:.1f} s)")  # fmt: skip

    def note(self, text: str) -> None:
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            self.lines(text)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def fetch_progress(stream=None, bar: bool | None = None):
    """The `progress` callback of fetch_gac for the command line: its "[k/N] page: outcome"
    lines drive a bar on a terminal (other lines, e.g. the index, printed above it); off a
    terminal every line is printed as it comes. Returns (callback, close)."""
    stream = stream if stream is not None else sys.stderr
    state: dict = {}
    tty = bar if bar is not None else getattr(stream, "isatty", lambda: False)()

    def callback(line: str) -> None:
        counted = _COUNTED.match(line)
        if not tty:
            print(line, flush=True)
        elif counted is None:
            (state["bar"].note if "bar" in state else print)(line)
        else:
            if "bar" not in state:
                state["bar"] = Progress(int(counted.group(2)), "fetch", stream, bar=True)
            state["bar"].step(counted.group(3), to=int(counted.group(1)))

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return callback, close
