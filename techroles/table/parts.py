"""The table reader's internal model: cells, status cells, rows, tables, pages.

:mod:`techroles.render` rewrites pages from these (offsets absolute in the
page); :meth:`ParsedTable.public` gives the frozen view ``parse_page`` returns.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from mwparserfromhell.nodes import Tag
from mwparserfromhell.wikicode import Wikicode

from techroles.model import ColumnRole, Row, SignupTable, TableKind, TableProblem
from techroles.table.nodes import Lines, plain_text


ROLES: tuple[ColumnRole, ...] = ('wiki', 'user', 'language', 'status')
#: Span class the bot writes and reads back.
SPAN_CLASS = 'techroles-status'

#: One row as read: its own cells, where it starts and where it ends.
RawRow = tuple[list['Cell'], int, int]

@dataclass
class Span:
    """A bot span in a status cell (offsets absolute in the page)."""

    start: int
    end: int
    text: str
    user: str | None
    status: str | None
    manual: bool = False
    #: Where the span's own text begins, its manual marker included: a new
    #: span inserted before this one goes here, so the marker stays with it.
    anchor: int = -1

    def __post_init__(self) -> None:
        if self.anchor < 0:
            self.anchor = self.start


@dataclass
class Cell:
    """One table cell and where it sits in the page."""

    node: Tag
    start: int
    end: int
    content_start: int
    header: bool
    rowspan: int
    colspan: int
    line: int
    row: int = 0
    col: int = 0
    _text: str | None = None
    #: The cell's content when it differs from mwparserfromhell's: ``| [[A|B]] | C``
    #: is all content for MediaWiki (a ``[[`` before the first ``|``), not
    #: attributes ``[[A`` and content ``B]] | C``.
    own_contents: Wikicode | None = None

    @property
    def contents(self) -> Wikicode:
        return self.own_contents if self.own_contents is not None else self.node.contents

    @property
    def attrs_are_content(self) -> bool:
        """True when what mwparserfromhell read as attributes is content."""
        return self.own_contents is not None

    def text(self) -> str:
        """Plain text of the cell (for blank tests and messages)."""
        if self._text is None:
            self._text = plain_text(self.contents)
        return self._text


@dataclass
class StatusCell:
    """A status cell with what the renderer needs to rewrite it."""

    cell: Cell
    spans: list[Span]
    manual: bool
    in_translate: bool
    #: Where a span is inserted when the cell has none: (offset, leading, trailing).
    insert_at: int
    #: Not writable, with why (nested table, ...).
    blocked: str | None = None
    #: Data rows (indexes in ParsedTable.rows) whose status lives here.
    rows: list[int] = field(default_factory=list)


@dataclass
class RowData:
    """A data row with its public Row and the cells the renderer needs."""

    row: Row
    cells: list[Cell]
    grid: dict[int, Cell]
    status: StatusCell | None
    end: int
    #: The renderer may not write this row's status cell.
    skip: str | None = None


@dataclass
class ParsedTable:
    """Everything known about one top-level table."""

    index: int
    start: int
    end: int
    line: int
    node: Tag | None
    kind: TableKind = 'unknown'
    columns: dict[str, int | None] = field(default_factory=dict)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    ncols: int = 0
    header_rows: list[list[Cell]] = field(default_factory=list)
    rows: list[RowData] = field(default_factory=list)
    all_rows: list[tuple[list[Cell], int, str]] = field(default_factory=list)
    errors: list[TableProblem] = field(default_factory=list)
    #: How each found column was found: ``'header'`` or ``'content'``.
    columns_by: dict[str, str] = field(default_factory=dict)
    broken: bool = False
    in_translate: bool = False
    section: str | None = None

    def public(self) -> ReadTable:
        """The frozen view ``parse_page`` returns."""
        return ReadTable(
            index=self.index, kind=self.kind, columns=dict(self.columns),
            rows=tuple(r.row for r in self.rows) if not self.broken else (),
            errors=tuple(self.errors), section=self.section, line=self.line,
            broken=self.broken, in_translate=self.in_translate,
            columns_by={role: self.columns_by.get(role) if self.columns.get(role) is not None
                        else None for role in ROLES})


@dataclass(frozen=True)
class ReadTable(SignupTable):
    """A :class:`SignupTable` that also says how each column was found."""

    #: ``'header'``, ``'content'`` or None (no such column), per role.
    columns_by: dict[str, str | None] = field(default_factory=dict)


@dataclass
class Page:
    """A parsed page: its text, line index and tables."""

    text: str
    tables: list[ParsedTable]
    lines: Lines




def distinct(cells: Iterable[Cell | None]) -> list[Cell]:
    """The cells once each, in order (a spanning cell reaches several columns)."""
    out: list[Cell] = []
    for cell in cells:
        if cell is not None and all(cell is not c for c in out):
            out.append(cell)
    return out
