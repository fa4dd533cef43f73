"""Named product groups defined by HS prefixes (data/classifications/hs_groups.csv).

One row per prefix: ``group`` (snake_case name), ``label`` (display name, the same on every row
of a group), ``hs_prefix`` (2 to 10 digits as in the tariff; dots are ignored, so 8542.3 is
the one-dash subheading 85423), ``exclude`` (True:
the prefix is taken out of the group; it must lie inside one of the group's own prefixes) and
``note`` (source or definition). An analyst adds a group by adding rows.

A group's value is the sum of the panel rows under its prefixes minus those under its
exclusions; see :func:`helpers.panel.group_levels` for how HS levels are chosen so that nothing
is counted twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from helpers.paths import CLASSIFICATIONS_DIR
from helpers.schema import DataValidationError, Problem

__all__ = ["GROUPS_FILE", "Group", "HSGroupError", "groups", "load_groups"]

GROUPS_FILE = CLASSIFICATIONS_DIR / "hs_groups.csv"
COLUMNS = ["group", "label", "hs_prefix", "exclude", "note"]
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_PREFIX = re.compile(r"\d{2,10}")


class HSGroupError(DataValidationError):
    """The group definitions file has a bad row (the message names the file, row and column)."""


@dataclass(frozen=True)
class Group:
    """One named group: HS prefixes included and excluded."""

    name: str
    label: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]

    def need(self, prefix: str) -> int:
        """Fewest HS digits a row under `prefix` needs so that the exclusions can be applied."""
        inner = [len(e) for e in self.exclude if e.startswith(prefix)]
        return max([len(prefix), *inner])


def load_groups(path: str | Path = GROUPS_FILE) -> dict[str, Group]:
    """Read and check a groups file; raises HSGroupError naming the file, row and column."""
    path = Path(path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    name = str(path)
    unknown = [c for c in table.columns if c not in COLUMNS]
    missing = [c for c in COLUMNS if c not in table.columns and c != "note"]
    problems = [Problem(name, 1, c, f"unknown column (expected {', '.join(COLUMNS)})")
                for c in unknown]  # fmt: skip
    problems += [Problem(name, 1, c, "required column is missing") for c in missing]
    if problems:
        raise HSGroupError(problems)
    table = table.assign(**{c: table[c].str.strip() for c in table.columns})
    labels: dict[str, str] = {}
    rows: dict[str, list[tuple[str, bool, int]]] = {}
    for i, row in enumerate(table.itertuples(index=False), start=2):
        group, prefix, flag = row.group, row.hs_prefix.replace(".", ""), row.exclude
        if not _NAME.fullmatch(group):
            problems.append(Problem(name, i, "group", f"'{group}' is not a snake_case name"))
        if not _PREFIX.fullmatch(prefix):
            problems.append(Problem(name, i, "hs_prefix", f"'{row.hs_prefix}' is not an HS "
                                    "prefix of 2 to 10 digits"))  # fmt: skip
        if flag not in ("True", "False", ""):
            problems.append(Problem(name, i, "exclude", f"'{flag}' is not True or False"))
        if group in labels and labels[group] != row.label:
            problems.append(Problem(name, i, "label", f"'{row.label}' differs from "
                                    f"'{labels[group]}' on an earlier row of '{group}'"))
        labels.setdefault(group, row.label)
        rows.setdefault(group, []).append((prefix, flag == "True", i))
    if problems:
        raise HSGroupError(problems)
    out = {}
    for group, entries in rows.items():
        include = [p for p, ex, _ in entries if not ex]
        for prefix, is_exclusion, line in entries:
            same = [p for p, ex, li in entries if li != line and p == prefix]
            if same:
                problems.append(Problem(name, line, "hs_prefix", f"{prefix} appears twice in "
                                        f"'{group}'"))  # fmt: skip
            elif is_exclusion and not any(prefix.startswith(p) and p != prefix for p in include):
                problems.append(Problem(name, line, "hs_prefix", f"exclusion {prefix} lies "
                                        f"inside none of the prefixes of '{group}'"))  # fmt: skip
            elif not is_exclusion:
                outer = [p for p in include if p != prefix and prefix.startswith(p)]
                if outer:
                    problems.append(Problem(name, line, "hs_prefix", f"{prefix} lies inside "
                                            f"{outer[0]} of the same group (counted twice)"))
        if not include:
            problems.append(Problem(name, entries[0][2], "exclude", f"'{group}' has no prefix "
                                    "that is not an exclusion"))  # fmt: skip
        out[group] = Group(group, labels[group], tuple(include),
                           tuple(p for p, ex, _ in entries if ex))  # fmt: skip
    if problems:
        raise HSGroupError(problems)
    return out


@cache
def groups() -> dict[str, Group]:
    """The shipped groups (data/classifications/hs_groups.csv), checked."""
    return load_groups(GROUPS_FILE)
