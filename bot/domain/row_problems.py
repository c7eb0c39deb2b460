"""A problem found in an imported file's row, as every import reports it (the members CSV,
a register or actions tracker): where it is and what is wrong, never what the cell holds
(a shifted column could put a name or an email anywhere), listed by line and then in the
order of the file's columns, so an operator can fix the file from top to bottom."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A bad cell or row: its line and column (empty: the whole row) and what is wrong."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


def problems_in_order(
    problems: Iterable[RowProblem], columns: Sequence[str]
) -> tuple[RowProblem, ...]:
    """By line, then in the order of ``columns`` (a problem of no known column first)."""

    def key(problem: RowProblem) -> tuple[int, int, str]:
        index = columns.index(problem.column) if problem.column in columns else -1
        return problem.line, index, problem.message

    return tuple(sorted(problems, key=key))
