"""Reading a table's rows and cells and placing them on the grid (the HTML table model).

* A cell's ``rowspan``/``colspan`` are read as browsers read them (ASCII
  digits; ``rowspan="0"`` spans to the end). A cell with ``[[`` before its
  first ``|`` is all content, as MediaWiki reads it (``| [[A|B]] | C``).
* Cells spanning several rows belong to each row they cover; cells that
  overlap another's ``rowspan`` make the table unreadable.
* :class:`CellReader` reads what a cell says (people, wikis, languages) once
  per cell and keeps it for the column and row readers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import mwparserfromhell
from mwparserfromhell.nodes import Comment, HTMLEntity, Tag, Text

from techroles import names, notation
from techroles.markup import tag_name
from techroles.table.nodes import Lines, attr, content_offset, int_attr, is_caption, iter_offsets
from techroles.table.parts import Cell, RawRow


_MAX_SPAN = 1000
_MAX_ROWSPAN = 65534


@dataclass
class CellReader:
    """What the cells of one page say, read once per cell."""

    text: str
    lines: Lines
    lang: str
    templates: dict[str, str]
    _people: dict[int, names.CellPeople] = field(default_factory=dict)
    _wikis: dict[int, notation.CellValues] = field(default_factory=dict)
    _langs: dict[int, notation.CellValues] = field(default_factory=dict)

    def cell(self, node: Tag, start: int, end: int) -> Cell:
        content_start = start + content_offset(node)
        markup_end = start + len(node.wiki_markup or '')
        if node.wiki_style_separator and '[[' in self.text[markup_end:content_start]:
            # MediaWiki splits a cell at its first '|' only when no '[[' precedes it.
            return Cell(node=node, start=start, end=end, content_start=markup_end,
                        header=tag_name(node) == 'th', rowspan=1, colspan=1,
                        line=self.lines(start),
                        own_contents=mwparserfromhell.parse(self.text[markup_end:end]))
        rowspan = attr(node, 'rowspan') if node.attributes else None
        return Cell(node=node, start=start, end=end, content_start=content_start,
                    header=tag_name(node) == 'th',
                    # rowspan="0" spans to the end of the table (HTML).
                    rowspan=_MAX_ROWSPAN if rowspan is not None and rowspan.strip() == '0'
                    else max(int_attr(node, 'rowspan', _MAX_ROWSPAN), 1),
                    colspan=max(int_attr(node, 'colspan', _MAX_SPAN), 1),
                    line=self.lines(start))

    def rows(self, table: Tag, start: int) -> list[RawRow]:
        """``(cells, row start, row end)`` for every row, the implicit first one included."""
        out: list[RawRow] = []
        pending: list[Cell] = []
        pending_start = -1
        for node, a, b in iter_offsets(table.contents, start + content_offset(table)):
            if isinstance(node, Tag) and tag_name(node) in ('td', 'th') and node.wiki_markup:
                if is_caption(node):
                    continue
                if pending_start < 0:
                    pending_start = a
                pending.append(self.cell(node, a, b))
            elif isinstance(node, Tag) and node.wiki_markup == '|-':
                if pending:
                    out.append((pending, pending_start, a))
                    pending, pending_start = [], -1
                cells = []
                for child, ca, cb in iter_offsets(node.contents, a + content_offset(node)):
                    if isinstance(child, Tag) and tag_name(child) in ('td', 'th') \
                            and child.wiki_markup and not is_caption(child):
                        cells.append(self.cell(child, ca, cb))
                out.append((cells, a, b))
        if pending:
            out.append((pending, pending_start, pending[-1].end))
        return out

    def people(self, cell: Cell) -> names.CellPeople:
        key = id(cell.node)
        if key not in self._people:
            self._people[key] = names.scan_cell(cell.contents, self.lang,
                                                templates=self.templates)
        return self._people[key]

    def wikis_of(self, cell: Cell) -> notation.CellValues:
        key = id(cell.node)
        if key not in self._wikis:
            self._wikis[key] = notation.find_wikis(cell.contents)
        return self._wikis[key]

    def langs_of(self, cell: Cell) -> notation.CellValues:
        key = id(cell.node)
        if key not in self._langs:
            self._langs[key] = notation.find_languages(cell.contents)
        return self._langs[key]

    def names_people(self, cell: Cell) -> bool:
        """True when a cell names someone (readable or not, withdrawn or not)."""
        found = self.people(cell)
        return bool(found.people or found.unresolved or found.withdrawn)

    def is_subheading(self, cells: list[Cell]) -> bool:
        """A row of ``!`` cells that names nobody (a table may be written with ``!`` only)."""
        return all(c.header for c in cells) and not any(
            self.people(c).people or self.people(c).unresolved for c in cells)


def is_blank(cell: Cell) -> bool:
    """True when a cell holds only blanks, comments and blank entities."""
    for node in cell.contents.nodes:
        if isinstance(node, Comment):
            continue
        if isinstance(node, Text) and not node.value.strip():
            continue
        if isinstance(node, HTMLEntity) and not node.normalize().strip():
            continue
        return False
    return True


@dataclass
class Grid:
    """Cells by row and column; ``overlap`` is set when a cell overlaps another's rowspan."""

    by_row: list[dict[int, Cell]]
    overlap: tuple[Cell, Cell] | None = None


def place(rows: list[RawRow]) -> Grid:
    """Place cells on the grid (HTML table model); stops at the first overlap."""
    occupied: dict[tuple[int, int], Cell] = {}
    by_row: list[dict[int, Cell]] = [{} for _ in rows]
    for r, (cells, _a, _b) in enumerate(rows):
        col = 0
        for cell in cells:
            while (r, col) in occupied:
                col += 1
            cell.row, cell.col = r, col
            for dc in range(cell.colspan):
                if (r, col + dc) in occupied:
                    return Grid(by_row, (cell, occupied[r, col + dc]))
            for dr in range(min(cell.rowspan, len(rows) - r)):
                for dc in range(cell.colspan):
                    occupied[r + dr, col + dc] = cell
                    by_row[r + dr][col + dc] = cell
            col += cell.colspan
    return Grid(by_row)
