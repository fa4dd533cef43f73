"""The rules the code states, checked: every error of the kit derives from TradeKitError (the one
base, helpers.schema); every command parses its arguments through `helpers.cli.parse_args`; no
module uses another module's private name; the analysis modules keep clear of helpers.ingest
(helpers/ingest/__init__.py); helpers.cli, below every command, imports none of them."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from helpers import cli
from helpers.schema import TradeKitError

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "helpers"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_module(name: str) -> bool:
    return name in MODULES


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _imports(module: str, path: Path | None = None) -> list[tuple[int, str, ast.alias]]:
    """(line, imported-from base, alias) of every `from helpers... import` (relative ones
    resolved) and (line, "", alias) of every `import helpers...`, at any depth of the file."""
    path = path or MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package[: len(package) - (node.level - 1)]
                base = ".".join([*parts, *([base] if base else [])])
            if base == "helpers" or base.startswith("helpers."):
                found += [(node.lineno, base, alias) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, "", alias) for alias in node.names
                      if alias.name == "helpers" or alias.name.startswith("helpers.")]  # fmt: skip
    return found


def _imported_modules(module: str) -> set[str]:
    """The helpers modules `module` imports (at any depth: lazy imports count)."""
    out = set()
    for _line, base, alias in _imports(module):
        name = f"{base}.{alias.name}" if base else alias.name
        while name and not _is_module(name):
            name = name.rpartition(".")[0]
        if name and name != module:
            out.add(name)
    return out


# ------------------------------------------------------------------ (a) one exception base


def _defined_exceptions() -> list[type]:
    classes = []
    for name in MODULES:
        module = importlib.import_module(name)
        classes += [obj for _, obj in inspect.getmembers(module, inspect.isclass)
                    if issubclass(obj, BaseException) and obj.__module__ == name]  # fmt: skip
    return classes


def test_fetch_error_is_a_trade_kit_error():
    from helpers.ingest.fetch import FetchError, SiteUnreachable

    assert issubclass(FetchError, TradeKitError)
    assert issubclass(SiteUnreachable, TradeKitError)


def test_every_exception_of_the_kit_derives_from_trade_kit_error():
    classes = _defined_exceptions()
    names = {c.__name__ for c in classes}
    assert {"FetchError", "PanelError", "StoreError", "ParameterError"} <= names  # found them
    strays = [f"{c.__module__}.{c.__qualname__}" for c in classes
              if not issubclass(c, TradeKitError)]  # fmt: skip
    assert not strays, f"derive these from helpers.schema.TradeKitError: {strays}"


# ------------------------------------------------------------------ (b) one argument parser


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_every_command_parses_through_cli_parse_args(command, monkeypatch, capsys):
    from helpers.__main__ import main

    real = cli.parse_args
    seen = []

    def spy(parser, argv, name):
        seen.append(name)
        return real(parser, argv, name)

    monkeypatch.setattr(cli, "parse_args", spy)
    assert main([command, "--help"]) == cli.OK
    assert seen == [command], f"`{command}` does not parse its arguments with cli.parse_args"
    assert "usage:" in capsys.readouterr().out


# ------------------------------------------------------------------ (c) no private name across


def _private_uses(module: str, path: Path | None = None) -> list[str]:
    """`from helpers.x import _y` and `x._y` (x a helpers module bound by an import) in
    `module` (its file: `path`), where helpers.x is another module; "file:line: use"."""
    path = path or MODULES[module]
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    uses, bound = [], {}
    for line, base, alias in _imports(module, path):
        if not base:  # import helpers.x [as y]
            bound[alias.asname or alias.name.partition(".")[0]] = (
                alias.name if alias.asname else "helpers")
            continue
        full = f"{base}.{alias.name}"
        if _is_module(full):
            bound[alias.asname or alias.name] = full
        elif _private(alias.name) and base != module:
            uses.append(f"{where}:{line}: from {base} import {alias.name}")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not (isinstance(node, ast.Attribute) and _private(node.attr)):
            continue
        chain, inner = [], node.value
        while isinstance(inner, ast.Attribute):
            chain.append(inner.attr)
            inner = inner.value
        if isinstance(inner, ast.Name) and inner.id in bound:
            target = ".".join([bound[inner.id], *reversed(chain)])
            if _is_module(target) and target != module:
                uses.append(f"{where}:{node.lineno}: {target}.{node.attr}")
    return sorted(set(uses))


@pytest.mark.parametrize("module", MODULES)
def test_no_private_name_used_across_modules(module):
    uses = _private_uses(module)
    assert not uses, "make these public (a good name, a docstring, __all__):\n" + "\n".join(uses)


def test_the_private_name_scan_finds_both_forms(tmp_path):
    """The scan itself: both forms are caught, a public name and a module's own are not."""
    probe = tmp_path / "probe.py"
    probe.write_text("\n".join([
        "from helpers.panel import _glob, sql",
        "from helpers import panel",
        "from helpers.ingest.readers import comtrade as ct",
        "import helpers.forecast",
        "def f():",
        "    return panel._group, ct._resolve, helpers.forecast._prepared, panel.sql, _own",
    ]) + "\n")  # fmt: skip
    uses = {u.split(": ", 1)[1] for u in _private_uses("helpers.probe", probe)}
    assert uses == {"from helpers.panel import _glob", "helpers.panel._group",
                    "helpers.ingest.readers.comtrade._resolve", "helpers.forecast._prepared"}


# ------------------------------------------------------------------ layering


COMMANDS_ON_TOP = {"helpers.__main__", "helpers.backtest_command"}  # and helpers.report.*


def _analysis(module: str) -> bool:
    return not (module in COMMANDS_ON_TOP or module.startswith(("helpers.ingest", "helpers.report"))
                or module == "helpers")


@pytest.mark.parametrize("module", [m for m in MODULES if _analysis(m)])
def test_analysis_modules_keep_clear_of_ingest(module):
    """helpers/ingest/__init__.py: analysis modules never import from helpers.ingest except
    helpers.data (load_dataset, store_vintages, market_inputs), nor reach it through a command;
    what both sides need is
    below both (helpers.panel_store, helpers.schema)."""
    allowed = ({"helpers.ingest", "helpers.ingest.store", "helpers.ingest.side_tables"}
               if module == "helpers.data" else set())  # fmt: skip
    wrong = sorted(m for m in _imported_modules(module) - allowed
                   if m.startswith("helpers.ingest") or not _analysis(m))  # fmt: skip
    assert not wrong, f"{module} imports {wrong}"


def test_the_panel_query_side_and_writer_share_only_panel_store():
    assert "helpers.panel_store" in _imported_modules("helpers.panel")
    assert "helpers.panel_store" in _imported_modules("helpers.ingest.panel")
    assert not any(m.startswith("helpers.") for m in _imported_modules("helpers.panel_store"))
    from helpers import panel, panel_store
    from helpers.ingest import panel as writer

    assert panel.PANEL_DIR == writer.PANEL_DIR == panel_store.PANEL_DIR
    assert writer.connect is panel_store.connect


def _reachable(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        for name in _imported_modules(todo.pop()) - seen:
            seen.add(name)
            todo.append(name)
    return seen


def test_cli_imports_no_command_and_not_the_dispatcher():
    """helpers.cli is below every command (each imports it for parse_args): it reaches neither
    helpers.__main__ nor a command's module, so there is no import cycle through it."""
    commands = {"helpers.__main__", "helpers.report.runner", "helpers.ingest.importer",
                "helpers.ingest.fetch", "helpers.backtest_command", "helpers.sample"}  # fmt: skip
    assert not _reachable("helpers.cli") & commands
    assert "helpers.cli" not in _reachable("helpers.cli")
