"""Readers that turn saved source files into the canonical trade table (helpers.schema).

Each reader keeps reading (file -> text -> rows of cells) apart from parsing (rows -> canonical
frame) and raises subclasses of ReaderError, whose message names the file, the row and the problem.
"""

from __future__ import annotations

from helpers.schema import TradeKitError


class ReaderError(TradeKitError):
    """A source file could not be read as expected.

    Attributes: file (name), row (1-based row of the source table, if known), line (line in the
    file, if known), label (the row's label, if known) and detail (what is wrong).
    """

    def __init__(
        self,
        file: str,
        detail: str,
        row: int | None = None,
        line: int | None = None,
        label: str | None = None,
    ):
        self.file, self.detail, self.row, self.line, self.label = file, detail, row, line, label
        where = str(file)
        if row is not None:
            where += f", table row {row}"
        if line is not None:
            where += f" (line {line})"
        if label:
            where += f" '{label}'"
        super().__init__(f"{where}: {detail}")
