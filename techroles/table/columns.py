"""Header rows and column roles: by header text first, by cell content when headers do not decide.

* Header rows are the leading rows made only of ``!`` cells; a later one that
  is a single cell spanning the table is a subheading, not a header.
* For each role the first matching header (reading order) wins, exact before
  word matches; two roles never share a column; a header naming a date or
  time is never the status column. Positions are 0-based grid columns.
* When no header names the user column (headers in a language the aliases
  do not know, or no header row), the user column is the one whose cells
  name people in most body rows; when the header's user column does not name
  people in most rows but another column does, the content wins. Either is
  warned about when headers named other roles. A table with no column of
  user links stays not a sign-up table. For a user column found so, the
  wiki and language columns are then the free ones whose cells resolve to
  wikis or languages in most rows (a column of language names or codes is a
  language column).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from techroles import notation
from techroles.model import TableKind
from techroles.table.aliases import Aliases, names_date
from techroles.table.cells import CellReader
from techroles.table.parts import ROLES, Cell, RawRow
from techroles.table.problems import Problem, problem


@dataclass
class Columns:
    """Where each role's column is, and how it was found."""

    #: The header rows' cells, and where the body starts (a row index).
    header_rows: list[list[Cell]] = field(default_factory=list)
    body_start: int = 0
    #: Width of the header (0 without header rows).
    ncols: int = 0
    #: Grid columns ``[start, stop)`` of each role found.
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: ``'header'`` or ``'content'`` per role found.
    by: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def positions(self) -> dict[str, int | None]:
        return {role: self.spans[role][0] if role in self.spans else None for role in ROLES}

    @property
    def kind(self) -> TableKind:
        if 'wiki' in self.spans:
            return 'ambassadors'
        if 'language' in self.spans:
            return 'translators'
        return 'unknown'


def find_columns(rows: list[RawRow], by_row: list[dict[int, Cell]], reader: CellReader,
                 aliases: Aliases, index: int, line: int, *, by_content: bool) -> Columns:
    """The header rows and each role's column (``by_content``: also look at the cells)."""
    found = header_columns(rows, reader, aliases)
    if by_content:
        content_columns(found, rows, by_row, reader, index, line)
    return found


def header_columns(rows: list[RawRow], reader: CellReader, aliases: Aliases) -> Columns:
    """Header rows, and the role each header names."""
    header_rows: list[int] = []
    width = 0
    for r, (cells, _a, _b) in enumerate(rows):
        if not cells:
            continue
        if all(c.header for c in cells) and not (header_rows and not reader.is_subheading(cells)):
            if header_rows and len(cells) == 1 and cells[0].colspan >= width:
                break  # spans the table: a subheading ("Wikipedia"), not a header
            header_rows.append(r)
            width = max([width] + [c.col + c.colspan for c in cells])
            continue
        break
    found = Columns(header_rows=[rows[r][0] for r in header_rows],
                    body_start=(header_rows[-1] + 1) if header_rows else 0)
    found.ncols = max((c.col + c.colspan for cells in found.header_rows for c in cells),
                      default=0)
    exact: dict[str, list[Cell]] = {role: [] for role in ROLES}
    loose: dict[str, list[Cell]] = {role: [] for role in ROLES}
    for cell in (c for cells in found.header_rows for c in cells):
        ex, lo = aliases.match(cell.text())
        if names_date(cell.text()):
            ex, lo = ex - {'status'}, lo - {'status'}
        for role in ex:
            exact[role].append(cell)
        if not ex and len(lo) == 1:
            loose[next(iter(lo))].append(cell)
    for role in ('user', 'wiki', 'language', 'status'):
        chosen = next((c for c in exact[role] if _free(found, c.col, c.colspan)), None)
        if chosen is None:
            chosen = next((c for c in loose[role] if _free(found, c.col, c.colspan)), None)
        if chosen is not None:
            found.spans[role] = (chosen.col, chosen.col + chosen.colspan)
            found.by[role] = 'header'
    return found


def _free(found: Columns, col: int, colspan: int) -> bool:
    """Two roles never share a column."""
    return all(col + colspan <= a or b <= col for a, b in found.spans.values())


def content_columns(found: Columns, rows: list[RawRow], by_row: list[dict[int, Cell]],
                    reader: CellReader, index: int, line: int) -> None:
    """Columns by what their cells hold, when the headers do not decide (module rules)."""
    body = [by_row[r] for r in range(found.body_start, len(rows))
            if rows[r][0] and not (len(rows[r][0]) == 1 and rows[r][0][0].colspan > 1)
            and not reader.is_subheading(rows[r][0])]
    if not body:
        return
    width = max(col + 1 for grid in body for col in grid)
    majority = len(body) // 2 + 1

    def rows_where(col: int, test: Callable[[Cell], bool]) -> int:
        return sum(1 for grid in body if col in grid and test(grid[col]))

    header = found.spans.get('user')
    if header is not None and rows_where(header[0], reader.names_people) >= majority:
        return
    counts = [rows_where(col, reader.names_people) for col in range(width)]
    best = max(range(width), key=lambda col: (counts[col], -col))
    if counts[best] < majority:
        return
    cell = next(grid[best] for grid in body if best in grid)
    span = (cell.col, cell.col + cell.colspan)
    if header is not None:
        found.problems.append(problem('columns-by-content', index, line, (
            f'the header names column {header[0]} as the user column, but the user links '
            f'are in column {span[0]}; read by content')))
    elif found.spans:
        found.problems.append(problem('columns-by-content', index, line, (
            f'no header names the user column, but column {span[0]} holds user links; '
            'read by content')))
    for role, other in list(found.spans.items()):
        if role != 'user' and other[0] < span[1] and span[0] < other[1]:
            del found.spans[role]
            found.by.pop(role, None)
    found.spans['user'] = span
    found.by['user'] = 'content'
    resolvers: tuple[tuple[str, Callable[[Cell], notation.CellValues]], ...] = (
        ('language', reader.langs_of), ('wiki', reader.wikis_of))
    for role, values in resolvers:
        if role in found.spans:
            continue
        best_col: tuple[int, int] | None = None
        for col in range(width):
            if not _free(found, col, 1):
                continue
            resolved = rows_where(col, lambda c, values=values: bool(  # type: ignore[misc]
                values(c).values) and not values(c).unresolved)
            if resolved >= majority and (best_col is None or resolved > best_col[1]):
                best_col = (col, resolved)
        if best_col is not None:
            cell = next(grid[best_col[0]] for grid in body if best_col[0] in grid)
            found.spans[role] = (cell.col, cell.col + cell.colspan)
            found.by[role] = 'content'
