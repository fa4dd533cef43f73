"""What every `ctk <command>` (`python -m helpers <command>`) does with its arguments.

One table of exit codes (EXIT_CODES) for every command, printed by `--help` and in the README;
one argument parser entry (`parse_args`) every command's main() goes through; one period parser
(`parse_period`, the contract's check_period) for every `--period`; the closest command
suggested for a typo.

Below every command: this module imports none of them (nor helpers.__main__, the dispatcher,
which also generates the CLI reference docs/cli.md from the commands' own `--help`).
"""

from __future__ import annotations

import argparse
import difflib
import sys

__all__ = [
    "BUSY",
    "COMMANDS",
    "EXIT_CODES",
    "FAILED",
    "INTERRUPTED",
    "NOTHING_BUILT",
    "OK",
    "PARTIAL",
    "USAGE",
    "exit_code_table",
    "parse_args",
    "parse_period",
    "suggest",
]

# --------------------------------------------------------------------------- exit codes

OK = 0  # done
FAILED = 1  # bad input or data, a failed view under --strict, an unreachable site
USAGE = 2  # a malformed option or argument, an unknown command
BUSY = 3  # another build into the same folder is running (run --no-wait)
NOTHING_BUILT = 4  # no view could be built from the store
PARTIAL = 5  # built with a failed view: the others, the note and the index are there
INTERRUPTED = 130  # Ctrl-C

# code, meaning, commands that return it
EXIT_CODES: tuple[tuple[int, str, str], ...] = (
    (OK, "done", "all"),
    (FAILED, "bad input or data: a view failed under --strict (the previous report is kept), "
             "a file was rejected, the site or its index could not be reached, the data cannot "
             "support the backtest", "run, import, fetch, backtest"),  # fmt: skip
    (USAGE, "usage: a malformed option or argument (e.g. --period not YYYY-MM), an unknown "
            "command, a data path that is not there", "all"),  # fmt: skip
    (BUSY, "busy: another build into the same --out is running (with --no-wait)", "run"),
    (NOTHING_BUILT, "nothing built: no view could be built from the store (the report's pages "
                    "name the missing tables)", "run"),  # fmt: skip
    (PARTIAL, "built with a failed view: the other views, the note and the index were built; "
              "the failed view's page names the failing statement (run --strict keeps the "
              "all-or-nothing rule: exit 1 and the previous report kept)", "run"),  # fmt: skip
    (INTERRUPTED, "interrupted (Ctrl-C); the previous report or store is untouched",
     "run, fetch"),
)


def exit_code_table(markdown: bool = False) -> str:
    """The exit codes as plain text (for --help) or as a Markdown table (for the README)."""
    if markdown:
        rows = ["| code | meaning | returned by |", "| --- | --- | --- |"]
        rows += [f"| {code} | {meaning} | {who} |" for code, meaning, who in EXIT_CODES]
        return "\n".join(rows)
    import textwrap

    lines = ["exit status (every command):"]
    for code, meaning, who in EXIT_CODES:
        text = f"{meaning} [{who}]"
        wrapped = textwrap.wrap(text, width=88)
        lines.append(f"  {code:<4} {wrapped[0]}")
        lines += [f"       {more}" for more in wrapped[1:]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- arguments

COMMANDS: dict[str, str] = {
    "run": "build the five views as an offline HTML report",
    "import": "import GAC pages, wide series, Comtrade, consensus and indicators into a store",
    "fetch": "download GAC's release pages into a store and import them",
    "backtest": "score the outlook's forecast models on a dataset's history",
    "sample": "regenerate the illustrative sample data",
    "cache": "show the cache's size, or clear it (ctk cache clear)",
}


def parse_period(text) -> str:
    """The one --period parser: 'YYYY-MM' (spaces around allowed) as a string, else
    ParameterError with the message every command prints. Same rule as run's check."""
    from helpers.contract import check_period  # pandas: imported when a period is parsed

    return str(check_period(text))


def suggest(word: str, choices) -> str | None:
    """The closest of `choices` to a mistyped `word` (e.g. 'rnu' -> 'run'), or None."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    if found:
        return found[0]
    # transpositions of short words score low with difflib: same letters, same length
    same = [c for c in choices if sorted(c) == sorted(word)]
    return same[0] if same else None


def parse_args(parser: argparse.ArgumentParser, argv: list[str] | None, command: str):
    """(args, None), or (None, exit code) when argparse printed help or a usage error.

    Every command's main() parses its arguments here (tests/test_rules.py checks it). `argv`
    may start with the command word (as `python -m helpers` passes it) or not; argparse's
    SystemExit becomes an exit code so that callers (and tests) get a return value.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == command:
        argv = argv[1:]
    try:
        return parser.parse_args(argv), None
    except SystemExit as exit_:
        return None, int(exit_.code or 0)


if __name__ == "__main__":  # the old `python -m helpers.cli > docs/cli.md`: say where it went
    sys.exit("docs/cli.md is written by `make docs` (helpers.__main__.print_reference); "
             "helpers.cli imports no command, so it cannot print the reference")
