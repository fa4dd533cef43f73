"""What every `python -m helpers <command>` does with its arguments."""

from __future__ import annotations

import argparse
import sys

__all__ = ["parse_args"]


def parse_args(parser: argparse.ArgumentParser, argv: list[str] | None, command: str):
    """(args, None), or (None, exit code) when argparse printed help or a usage error.

    `argv` may start with the command word (as `python -m helpers` passes it) or not; argparse's
    SystemExit becomes an exit code so that callers (and tests) get a return value.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == command:
        argv = argv[1:]
    try:
        return parser.parse_args(argv), None
    except SystemExit as exit_:
        return None, int(exit_.code or 0)
