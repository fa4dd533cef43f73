"""`python -m helpers <command>`: temporary dispatcher (run -> helpers.runner.main)."""

import sys


def main(argv=None) -> int:
    """Dispatch the subcommand."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "run":
        from helpers.runner import main as run_main

        return run_main(argv[1:])
    print(
        "usage: python -m helpers run --period YYYY-MM [...]  (see: python -m helpers run -h)",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
