"""Reading a table's body: which rows are sign-up rows, and who, where and which status cell.

* Not sign-up rows: rows without cells, rows of ``!`` cells naming nobody
  (subheadings), one cell spanning several columns (a note), and rows whose
  cells are all blank, the status column aside (so the bot's own writing
  never turns a blank row into a data row). A row is judged with every cell
  reaching it (rowspans included).
* Problems in a row affect only that row: an unknown wiki or a person form
  whose name cannot be read (``Row.unresolved``), cells beyond the header's
  columns (``Row.broken``), a status cell inside ``<translate>``, a template
  at the start of a line in one of its cells (other than a user template:
  it may produce rows). Such rows are reported and never written.
  Unreadable languages, invalid names, withdrawn people, duplicate rows and
  missing cells are reported but do not stop the row.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from techroles import names
from techroles.model import Row
from techroles.table.cells import CellReader, is_blank
from techroles.table.find import overlaps
from techroles.table.nodes import line_start_templates, short, template_label
from techroles.table.parts import Cell, ParsedTable, RawRow, RowData, StatusCell, distinct
from techroles.table.problems import Problem, ProblemKind, problem
from techroles.table.status import read_status_cell, span_for, status_of, statuses_of


@dataclass
class _Found:
    """What one part of a row gave: values, notations not resolved, problems."""

    values: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    problems: list[tuple[ProblemKind, str]] = field(default_factory=list)


@dataclass
class BodyReader:
    """Reads the body rows of one table into ``table.rows``."""

    reader: CellReader
    table: ParsedTable
    translate: list[tuple[int, int]]
    status_cells: dict[int, StatusCell] = field(default_factory=dict)
    #: (people, wikis + languages) -> (line, id of the user cell) of its first row.
    seen: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[int, int]] = field(
        default_factory=dict)

    def read(self, rows: list[RawRow], by_row: list[dict[int, Cell]], start: int) -> None:
        for r in range(start, len(rows)):
            cells, _a, row_end = rows[r]
            kind = self.row_kind(cells, by_row[r])
            self.table.all_rows.append((cells, row_end, kind))
            if kind == 'data':
                self.table.rows.append(self.data_row(cells, by_row[r]))
        self.share_status_cells()

    def row_kind(self, cells: list[Cell], grid: dict[int, Cell]) -> str:
        """``empty``, ``subheading``, ``note`` or ``data`` (module rules)."""
        if not cells:
            return 'empty'
        if self.reader.is_subheading(cells):
            return 'subheading'
        if len(cells) == 1 and cells[0].colspan > 1:
            return 'note'
        start, stop = self.table.spans.get('status', (-1, -1))
        if all(is_blank(c) for c in distinct(grid.values()) if not start <= c.col < stop):
            return 'empty'
        return 'data'

    def cells_of(self, role: str, grid: dict[int, Cell]) -> list[Cell]:
        start, stop = self.table.spans[role]
        return distinct(grid.get(c) for c in range(start, stop))

    def data_row(self, cells: list[Cell], grid: dict[int, Cell]) -> RowData:
        line = cells[0].line
        problems: list[tuple[ProblemKind, str]] = []
        broken = bool(self.table.ncols) and any(
            c.col + c.colspan > self.table.ncols for c in cells)
        if broken:
            problems.append(('cells-beyond-header', (
                f"the row has cells beyond the header's {self.table.ncols} columns "
                f'({sum(c.colspan for c in cells)} cells); not written')))
        users = self.users(grid)
        wikis_found = self.wikis(grid)
        languages = self.languages(grid)
        status, status_problems = self.status(grid)
        templates = self.row_templates(grid, status)
        problems += users.problems + wikis_found.problems + languages.problems
        problems += status_problems + [('row-template', t) for t in templates]
        problems += self.duplicate(users.values, wikis_found.values + languages.values,
                                   grid, line)
        spans = status.spans if status else []
        unresolved = users.unresolved + wikis_found.unresolved
        row = Row(line=line, users=tuple(users.values),
                  statuses=tuple(statuses_of(users.values, spans)),
                  wikis=tuple(wikis_found.values), languages=tuple(languages.values),
                  unresolved=tuple(unresolved), manual=bool(status and status.manual),
                  in_translate=(status.in_translate or self.table.in_translate) if status
                  else False,
                  manual_users=tuple(u for u in users.values for s in spans
                                     if s.manual and s.user == u),
                  broken=broken)
        skip = ('cells beyond the header' if broken
                else 'unresolved ' + ', '.join(short(u) for u in unresolved) if unresolved
                else templates[0] if templates else None)
        self.table.errors.extend(self.problem(kind, line, reason) for kind, reason in problems)
        if status is not None:
            status.rows.append(len(self.table.rows))
        return RowData(row=row, cells=cells, grid=grid, status=status, end=cells[-1].end,
                       skip=skip)

    def problem(self, kind: ProblemKind, line: int, reason: str) -> Problem:
        return problem(kind, self.table.index, line, reason, in_row=True)

    def users(self, grid: dict[int, Cell]) -> _Found:
        found = _Found()
        user_cells = self.cells_of('user', grid)
        if not user_cells:
            found.problems.append(('no-user-cell', 'the row has no user cell'))
        for cell in user_cells:
            if any(getattr(n, 'wiki_markup', None) == '{|' for n in cell.contents.nodes):
                found.problems.append(('nested-table-in-user-cell',
                                       'the user cell holds a nested table; it is not read'))
            people = self.reader.people(cell)
            found.values += [n for n in people.names if n not in found.values]
            for raw in people.unresolved:
                found.unresolved.append(raw)
                found.problems.append(('unreadable-name',
                                       f'cannot read the user name in {short(raw)}'))
            found.problems += [('withdrawn', f'{short(n, 80)} is struck out (withdrawn); '
                                'not listed') for n in people.withdrawn]
            if people.people or people.unresolved or people.withdrawn:
                continue
            found.problems.append(('empty-user-cell', 'the user cell is empty') if is_blank(cell)
                                  else ('no-person', 'no user link or user template in ' + short(
                                      cell.text().strip() or str(cell.contents).strip())))
        for name in found.values:
            reason = names.invalid_reason(name)
            if reason:
                found.problems.append(('invalid-name',
                                       f'invalid user name {short(name, 80)} ({reason})'))
        return found

    def wikis(self, grid: dict[int, Cell]) -> _Found:
        found = _Found()
        if 'wiki' not in self.table.spans:
            return found
        for cell in self.cells_of('wiki', grid):
            values = self.reader.wikis_of(cell)
            found.values += [v for v in values.values if v not in found.values]
            found.unresolved += values.unresolved
            found.problems += [('unknown-wiki', f'unknown wiki {short(raw)}')
                               for raw in values.unresolved]
        if not found.values and not found.unresolved:
            found.problems.append(('no-wiki', 'no wiki given'))
        return found

    def languages(self, grid: dict[int, Cell]) -> _Found:
        found = _Found()
        if 'language' not in self.table.spans:
            return found
        for cell in self.cells_of('language', grid):
            values = self.reader.langs_of(cell)
            found.values += [v for v in values.values if v not in found.values]
            found.problems += [('unknown-language', f'unknown language {short(raw)}')
                               for raw in values.unresolved]
        return found

    def status(self, grid: dict[int, Cell]
               ) -> tuple[StatusCell | None, list[tuple[ProblemKind, str]]]:
        """The row's status cell (shared with the rows its rowspan reaches)."""
        if 'status' not in self.table.spans:
            return None, []
        cell = grid.get(self.table.spans['status'][0])
        if cell is None:
            return None, [('no-status-cell', 'the row has no status cell')]
        status = self.status_cells.get(id(cell.node))
        if status is None:
            status = read_status_cell(cell, self.reader.text, self.reader.lines,
                                      overlaps(self.translate, cell.start, cell.end))
            self.status_cells[id(cell.node)] = status
        problems: list[tuple[ProblemKind, str]] = []
        if status.in_translate and not self.table.in_translate:
            problems.append(('status-in-translate',
                             'the status cell is inside <translate>; never written'))
        if status.blocked:
            problems.append(('status-not-writable', status.blocked))
        return status, problems

    def row_templates(self, grid: dict[int, Cell], status: StatusCell | None) -> list[str]:
        """Templates (other than user templates) at the start of a line in the
        row's other cells: their output may start new rows, and the status cell
        would then render in the last of them, against someone else."""
        found: list[str] = []
        for cell in distinct(grid.values()):
            if status is not None and cell is status.cell:
                continue
            for node, at in line_start_templates(cell.contents, cell.content_start,
                                                 self.reader.text):
                if names.template_key(str(node.name)) not in self.reader.templates:
                    found.append(f'{template_label(node)} at the start of line '
                                 f'{self.reader.lines(at)} may produce table rows; '
                                 'the row is not written')
        return found

    def duplicate(self, users: list[str], where: list[str], grid: dict[int, Cell],
                  line: int) -> list[tuple[ProblemKind, str]]:
        """A row listing the same people at the same places as an earlier one (the
        same rowspan cell reaching the next row is no duplicate)."""
        if not users:
            return []
        key = (tuple(users), tuple(where))
        user_cell = id(self.cells_of('user', grid)[0])
        if key not in self.seen:
            self.seen[key] = (line, user_cell)
            return []
        first, cell = self.seen[key]
        return [] if cell == user_cell else [('duplicate-row',
                                              f'duplicate of the row at line {first}')]

    def share_status_cells(self) -> None:
        """A status cell shared by several rows (rowspan): spans without data-user
        are matched against everyone in the cell, as render does."""
        for cell in self.status_cells.values():
            if len(cell.rows) < 2:
                continue
            users = [u for i in cell.rows for u in self.table.rows[i].row.users]
            for i in cell.rows:
                data = self.table.rows[i]
                statuses = tuple(status_of(span_for(u, users, cell.spans))
                                 for u in data.row.users)
                data.row = dataclasses.replace(data.row, statuses=statuses)
