"""`python -m helpers <command>`: run the views, import data or regenerate the sample."""

from __future__ import annotations

import sys

USAGE = """usage: python -m helpers {run,import,fetch,backtest,sample} ...

commands:
  run      build the five views as HTML reports      (python -m helpers run --help)
  import   import GAC pages, wide series, Comtrade,  (python -m helpers import --help)
           consensus and indicators
  fetch    download GAC's release pages and import   (python -m helpers fetch --help)
  backtest score the outlook's forecast models       (python -m helpers backtest --help)
  sample   regenerate the illustrative sample data   (python -m helpers sample --help)
"""


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the subcommand's own main()."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
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
        print(f"unknown command '{command}'\n\n{USAGE}", file=sys.stderr)
        return 2
    return command_main(rest)


if __name__ == "__main__":
    sys.exit(main())
