"""Problems found in a table, as structured values.

Each problem says where (table, line), what kind it is, and why in a short
reason; :attr:`Problem.message` is the one-line text ``techroles parse``
prints (``table N line L: reason``), built here and nowhere else, so no
consumer has to parse it back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from techroles.model import TableProblem


#: What a problem is about. Table-wide kinds make the table unreadable
#: (``broken``); row kinds affect one row.
ProblemKind = Literal[
    # the whole table
    'unclosed-table', 'overlapping-span', 'no-user-column', 'unclosed-nested-table',
    'in-translate', 'columns-by-content', 'rows-from-templates',
    # one row
    'cells-beyond-header', 'no-user-cell', 'nested-table-in-user-cell', 'unreadable-name',
    'withdrawn', 'empty-user-cell', 'no-person', 'invalid-name', 'unknown-wiki', 'no-wiki',
    'unknown-language', 'no-status-cell', 'status-in-translate', 'status-not-writable',
    'row-template', 'duplicate-row',
]


@dataclass(frozen=True)
class Problem(TableProblem):
    """A :class:`~techroles.model.TableProblem` with its kind and place.

    ``message`` stays the full line (the ``techroles parse`` contract);
    ``reason`` is the same without the place, for callers that print the
    place themselves.
    """

    kind: ProblemKind = 'no-person'
    table: int = 0
    #: True when the place names the row's line (``table N line L:``).
    in_row: bool = False
    reason: str = field(default='', compare=False)


def problem(kind: ProblemKind, table: int, line: int, reason: str, *,
            in_row: bool = False) -> Problem:
    """A problem of table ``table`` at ``line``; the message is formatted here only."""
    place = f'table {table} line {line}' if in_row else f'table {table}'
    return Problem(line=line, message=f'{place}: {reason}', kind=kind, table=table,
                   in_row=in_row, reason=reason)
