"""`ctk <command>` (or `python -m helpers <command>`): run the views, import data, fetch GAC's
pages, backtest the models, regenerate the sample, manage the cache.

`ctk` is the console script installed with the package; it works from any folder, also one that
holds a `helpers.py` of its own (where `python -m helpers` would run that file instead).

The top of the package: the dispatcher imports each command's main() (which parses through
helpers.cli.parse_args) when it is asked for, and the CLI reference (docs/cli.md, `make docs`)
is generated here from what `--help` prints. helpers.cli, below every command, imports none of
this.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

from helpers.cli import COMMANDS, FAILED, INTERRUPTED, OK, USAGE, exit_code_table, suggest


def _prog() -> str:
    name = os.path.basename(sys.argv[0] or "")
    return "ctk" if name.startswith("ctk") else "python -m helpers"


def version() -> str:
    """The installed distribution's version, else pyproject's (a checkout run without install)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("china-trade-kit")
    except PackageNotFoundError:
        from helpers import __version__

        return __version__


def usage() -> str:
    width = max(len(c) for c in COMMANDS)
    lines = [
        f"usage: ctk [--version] [--help] {{{','.join(COMMANDS)}}} ...",
        "",
        "China Trade Kit: analysis of China's monthly customs (GAC) trade releases.",
        "`ctk` and `python -m helpers` are the same command.",
        "",
        "commands:",
        *(f"  {c:<{width}}  {text}" for c, text in COMMANDS.items()),
        "",
        "Each command's options: ctk <command> --help.",
        "",
        exit_code_table(),
    ]
    return "\n".join(lines)


def _cache_main(argv: list[str]) -> int:
    """`ctk cache [info|clear]`."""
    import argparse

    from helpers import cache
    from helpers.cli import parse_args

    p = argparse.ArgumentParser(
        prog="python -m helpers cache",
        description="The cache of X-13 runs and model fits: where it is, its size, clear it. "
        f"Entries beyond the size cap (CTK_CACHE_MAX_MB, default {cache.DEFAULT_MAX_MB} MB) are "
        "evicted oldest first after each write. Clearing is always safe.",
    )
    p.add_argument("action", nargs="?", default="info", choices=("info", "clear"),
                   help="info (default): folder, entries and size; clear: delete every entry")
    args, code = parse_args(p, argv, "cache")
    if args is None:
        return code
    if args.action == "clear":
        removed, freed = cache.clear()
        print(f"cache cleared: {removed} entries, {freed / 1e6:.1f} MB freed ({cache.cache_dir()})")
        return OK
    entries, size = cache.usage()
    state = "on" if cache.enabled() else "off (CTK_CACHE)"
    print(f"cache {cache.cache_dir()}: {entries} entries, {size / 1e6:.1f} MB "
          f"(cap {cache.max_bytes() / 1e6:.0f} MB), {state}")  # fmt: skip
    return OK


def _command_main(command: str):
    if command == "run":
        from helpers.report.runner import main as command_main
    elif command == "import":
        from helpers.ingest.importer import main as command_main
    elif command == "backtest":
        from helpers.backtest_command import main as command_main
    elif command == "fetch":
        from helpers.ingest.fetch import main as command_main
    elif command == "sample":
        from helpers.sample import main as command_main
    else:
        command_main = _cache_main
    return command_main


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the subcommand's own main(); returns the exit code (see helpers.cli)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return OK if argv else USAGE
    if argv[0] in ("-V", "--version"):
        print(f"{_prog()} (china-trade-kit) {version()}")
        return OK
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        close = suggest(command, COMMANDS)
        hint = f"; did you mean '{close}'?" if close else ""
        print(f"{_prog()}: unknown command '{command}'{hint}\n"
              f"commands: {', '.join(COMMANDS)} (ctk --help)", file=sys.stderr)  # fmt: skip
        return USAGE
    try:
        code = _command_main(command)(rest)
    except SystemExit as exit_:  # a command whose parser exits (help, usage error)
        code = exit_.code if isinstance(exit_.code, int) else (USAGE if exit_.code else OK)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    code = FAILED if code is None else int(code)
    if code == OK and any(a in ("-h", "--help") for a in rest):
        print("\n" + exit_code_table())
    return code


# --------------------------------------------------------------------------- reference


@contextlib.contextmanager
def _columns(width: int = 80):
    """argparse wraps help to the terminal's width (COLUMNS): fixed here, so that the
    reference is the same on every machine."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def command_help(command: str) -> str:
    """What `ctk <command> --help` prints (the parser's help and the exit-code table)."""
    out = io.StringIO()
    with _columns(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main([command, "--help"])
    return out.getvalue().rstrip() + "\n"


def top_help() -> str:
    """What `ctk --help` prints."""
    out = io.StringIO()
    with _columns(), contextlib.redirect_stdout(out):
        main(["--help"])
    return out.getvalue().rstrip() + "\n"


def reference_markdown() -> str:
    """docs/cli.md: every command's --help, generated from the argument parsers."""
    parts = [
        "# CLI reference",
        "",
        "Generated from the commands' own argument parsers by `make docs` "
        "(`helpers.__main__.reference_markdown`); a test checks it matches `--help`. "
        "`ctk` and `python -m helpers` are the same command.",
        "",
        "## Exit codes",
        "",
        exit_code_table(markdown=True),
        "",
        "## ctk",
        "",
        "```text",
        top_help().rstrip(),
        "```",
    ]
    for command in COMMANDS:
        parts += ["", f"## ctk {command}", "", "```text", command_help(command).rstrip(), "```"]
    return "\n".join(parts) + "\n"


def print_reference() -> None:
    """Write docs/cli.md's text to stdout (`make docs`)."""
    sys.stdout.write(reference_markdown())


if __name__ == "__main__":
    sys.exit(main())
