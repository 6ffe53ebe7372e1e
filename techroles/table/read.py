"""Reading one table, step by step: rows, grid, columns, body; every step's result passed on.

Tables nested in a cell are not sign-up tables and are never written. No user
column, cells overlapping a ``rowspan``, or an unparsable nested ``{|`` make
the table *broken*: reported with a one-line reason, never written.
"""
from __future__ import annotations

from techroles.table.aliases import Aliases
from techroles.table.cells import CellReader, place
from techroles.table.columns import Columns, find_columns
from techroles.table.find import Found, overlaps, row_level_templates, unparsed_table
from techroles.table.nodes import content_offset, template_label
from techroles.table.parts import ParsedTable
from techroles.table.problems import problem
from techroles.table.rows import BodyReader


def read_table(found: Found, index: int, reader: CellReader, aliases: Aliases,
               translate: list[tuple[int, int]]) -> ParsedTable:
    """One top-level table as the internal model (see the package rules)."""
    table = ParsedTable(index=index, start=found.start, end=found.end,
                        line=reader.lines(found.start), node=found.node, section=found.section)
    if found.node is None:
        table.broken = True
        table.errors.append(problem('unclosed-table', index, table.line, (
            f"'{{|' at line {table.line} has no matching '|}}' (unclosed table)")))
        return table
    table.in_translate = found.in_translate or overlaps(translate, found.start,
                                                        found.start + 2)
    rows = reader.rows(found.node, found.start)
    grid = place(rows)
    if grid.overlap is not None:
        cell, other = grid.overlap
        table.errors.append(problem('overlapping-span', index, cell.line, (
            f'the cell at line {cell.line} overlaps the rowspan of the cell at line '
            f'{other.line}')))
    columns = find_columns(rows, grid.by_row, reader, aliases, index, table.line,
                           by_content=grid.overlap is None)
    _set_columns(table, columns)
    if grid.overlap is not None:
        table.broken = True
        return table
    if table.columns.get('user') is None:
        table.broken = True
        heads = ', '.join(repr(c.text().strip()) for r in table.header_rows for c in r)
        table.errors.append(problem('no-user-column', index, table.line,
                                    f"no user column (headers: {heads or 'none'})"))
        return table
    stray = None
    if reader.text.find('{|', found.start + 2, found.end) != -1:
        stray = unparsed_table(reader.text, found.node.contents,
                               found.start + content_offset(found.node))
    if stray is not None:
        table.broken = True
        at = reader.lines(stray)
        table.errors.append(problem('unclosed-nested-table', index, at,
                                    f"the nested '{{|' at line {at} has no matching '|}}'"))
        return table
    BodyReader(reader, table, translate).read(rows, grid.by_row, columns.body_start)
    row_templates = [problem('rows-from-templates', index, reader.lines(at), (
        f'{template_label(node)} at the start of a line may produce table rows; they are '
        'not read'), in_row=True)
        for node, at in row_level_templates(found.node, found.start, reader.text)]
    if row_templates:
        table.errors = sorted(table.errors + row_templates, key=lambda p: p.line)
    if table.in_translate:
        table.errors.insert(0, problem('in-translate', index, table.line,
                                       'inside <translate>; status cells are never written'))
    return table


def _set_columns(table: ParsedTable, columns: Columns) -> None:
    table.header_rows = columns.header_rows
    table.ncols = columns.ncols
    table.spans = dict(columns.spans)
    table.columns = columns.positions
    table.columns_by = dict(columns.by)
    table.kind = columns.kind
    table.errors.extend(columns.problems)
