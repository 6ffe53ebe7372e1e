"""Write the bot's status spans into status cells, touching no other byte.

Pure: no network, no clock, no pywikibot. The page is read once by
:func:`techroles.table.analyse`; every change is a splice at offsets inside a
status cell (or, when asked, one added status column), so everything else is
byte-identical and ``apply(text, {}).text == text`` for every input.

The status cell:

* Per person the bot writes one span::

      <span class="techroles-status" data-user="NAME" data-status="STATUS">LABEL</span>

  NAME and LABEL are escaped (:func:`escape`) so nothing read from a wiki can
  leave the cell or become markup.
* **No churn**: a person's span is rewritten only when their status differs
  from the ``data-status`` already there; a person not in ``decisions`` or
  decided ``unknown`` keeps their part of the cell as it is. A new span goes
  after the span of the person before them in the cell (or before the next
  one's, or at the end of the cell's content), separated by ``<br />``.
* Text outside the bot's spans (a person's note) is kept verbatim; spans of
  people no longer listed are left alone.
* **Manual**: ``<!-- techroles:manual -->`` (any spacing and case, an
  optional reason after the word) anywhere in a cell except right before a
  bot span freezes the whole cell, also inside the bot's own span; right
  before a span (blanks between are allowed) it freezes only that person's
  span.
* ``data-sort-value`` of a changed cell is set from the statuses of its bot
  spans only (:func:`sort_value`: the rank of the best status, 1 = active),
  so it too changes only when a status changes.
* Never written: broken tables, status cells inside ``<translate>``, rows
  with an unresolved wiki or name or cells beyond the header or a row-making
  template in another cell, cells holding a nested table or a template at
  the start of a line (it may produce rows). A new span goes before an
  unclosed ``<!--`` (which would hide it); a status column is never added
  over rows wider than the header.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from techroles.model import Decision, Status
from techroles.table import (
    SPAN_CLASS,
    Cell,
    ParsedTable,
    RowData,
    StatusCell,
    analyse,
    insert_point,
    span_for,
)


#: Sort rank of each status in ``data-sort-value`` (1 sorts first: most active).
SORT_RANK: dict[Status, int] = {
    Status.ACTIVE: 1, Status.SLIPPING: 2, Status.NEW: 3, Status.INACTIVE: 4,
    Status.RENAMED: 5, Status.BLOCKED: 6, Status.LOCKED: 7, Status.MISSING: 8,
    Status.UNKNOWN: 9,
}

#: Characters that could end a cell, open markup or a link, sign, or set an
#: attribute; written as numeric character references.
_ESCAPES = {
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '|': '&#124;',
    '{': '&#123;', '}': '&#125;', '[': '&#91;', ']': '&#93;', '~': '&#126;', '=': '&#61;',
    '!': '&#33;', ':': '&#58;', '_': '&#95;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;',
}
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
#: Magic links (``ISBN 978…``, ``RFC 123``, ``PMID 123``): their first letter
#: becomes a character reference, so the keyword no longer starts a link.
_MAGIC = re.compile(r'\b(ISBN|RFC|PMID)\b')
_BR = '<br />'


def escape(text: str) -> str:
    """Make text inert inside a cell and inside an attribute value.

    ``& < > " ' | { } [ ] ~ = ! : _`` and line breaks become character
    references and control characters are dropped, so ``|}``, ``{{``,
    ``<script>``, ``[[Category:X]]``, ``~~~~``, ``<!--``, ``__NOTOC__``,
    ``!!``, free ``https://`` links and magic links (``ISBN``, ``RFC``,
    ``PMID``) stay text. (The span never starts a
    line, so line-start markup such as ``*``, ``#`` or ``----`` is inert.)
    Its character set is deliberately narrower than the KPI pages'
    ``escape_wikitext``: the bytes of every span already on a wiki depend on
    it, and a wider set would rewrite every cell once (``-`` in dates).
    """
    escaped = ''.join(ch if ch >= ' ' or ch in '\n\r\t' else '' for ch in text
                      ).translate(_ESCAPE_TABLE)
    if 'ISBN' in escaped or 'RFC' in escaped or 'PMID' in escaped:
        escaped = _MAGIC.sub(lambda m: f'&#{ord(m.group(1)[0])};{m.group(1)[1:]}', escaped)
    return escaped


def span_text(user: str, status: Status | str, label: str) -> str:
    """The bot's span for one person."""
    value = status.value if isinstance(status, Status) else str(status)
    return (f'<span class="{SPAN_CLASS}" data-user="{escape(user)}" '
            f'data-status="{escape(value)}">{escape(label)}</span>')


def sort_value(statuses: Sequence[Status]) -> str:
    """Default ``data-sort-value``: the rank of the best status in the cell."""
    return str(min(SORT_RANK[s] for s in statuses)) if statuses else ''


@dataclass(frozen=True)
class CellChange:
    """One person's status written (or changed) in a cell."""

    table: int
    line: int
    user: str
    old: str | None
    new: str


@dataclass(frozen=True)
class Skipped:
    """A table or row the renderer did not write, and why."""

    table: int
    line: int
    reason: str


@dataclass(frozen=True)
class BotSpan:
    """A bot span found in a status cell (for detecting human corrections)."""

    table: int
    line: int
    user: str | None
    status: str | None
    text: str
    manual: bool = False


@dataclass
class RenderResult:
    """The new page text and what changed."""

    text: str
    changes: list[CellChange] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


#: ``(start, end, new text, order)``: at one offset, lower order goes first.
_Edit = tuple[int, int, str, int]


def _splice(text: str, edits: Iterable[_Edit]) -> str:
    out: list[str] = []
    pos = 0
    for start, end, new, _order in sorted(edits, key=lambda e: (e[0], e[3], e[1])):
        if start < pos:
            raise AssertionError('overlapping edits')  # a bug, never user data
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return ''.join(out)


def _status(value: str | None) -> Status | None:
    try:
        return Status(value) if value else None
    except ValueError:
        return None


class _Renderer:
    def __init__(self, text: str, decisions: Mapping[str, Decision],
                 label: Callable[[Decision], str],
                 sort_key: Callable[[Sequence[Status]], str] | None,
                 skip_rows: Mapping[tuple[int, int], str] | None = None) -> None:
        self.text = text
        self.decisions = decisions
        self.skip_rows = skip_rows or {}
        self.label = label
        self.sort_key = sort_key or sort_value
        self.edits: list[_Edit] = []
        self.result = RenderResult(text)

    def decision(self, user: str) -> Decision | None:
        found = self.decisions.get(user)
        if found is None or found.status == Status.UNKNOWN:
            return None
        return found

    # -- existing status cells --

    def table(self, table: ParsedTable) -> None:
        done: set[int] = set()
        for data in table.rows:
            cell = data.status
            if cell is None:
                if any(self.decision(u) for u in data.row.users):
                    self.result.skipped.append(Skipped(table.index, data.row.line,
                                                       'the row has no status cell'))
                continue
            if id(cell) in done:
                continue
            done.add(id(cell))
            rows = [table.rows[i] for i in cell.rows]
            reason = self.blocked(table, cell, rows)
            if reason:
                if any(self.decision(u) for r in rows for u in r.row.users):
                    self.result.skipped.append(Skipped(table.index, data.row.line, reason))
                continue
            self.cell(table, cell, rows)

    def row_skip(self, table: ParsedTable, row: RowData) -> str | None:
        """Why a row's status may not be written (the parser's or the caller's reason)."""
        return row.skip or self.skip_rows.get((table.index, row.row.line))

    def blocked(self, table: ParsedTable, cell: StatusCell, rows: list[RowData]) -> str | None:
        if cell.manual:
            return 'the status cell is marked manual'
        if cell.in_translate or table.in_translate:
            return 'the status cell is inside <translate>'
        if cell.blocked:
            return cell.blocked
        for row in rows:
            reason = self.row_skip(table, row)
            if reason:
                return reason
        return None

    def cell(self, table: ParsedTable, cell: StatusCell, rows: list[RowData]) -> None:
        users: list[str] = []
        line_of: dict[str, int] = {}
        for row in rows:
            for user in row.row.users:
                if user not in line_of:
                    users.append(user)
                    line_of[user] = row.row.line
        replace: dict[int, str] = {}           # span index -> new text
        inserts: dict[int, list[str]] = {}      # offset -> span texts (in user order)
        final_status: dict[int, Status] = {}    # span index -> status after the edit
        added: list[Status] = []
        changes: list[CellChange] = []
        for i, span in enumerate(cell.spans):
            status = _status(span.status)
            if status is not None:
                final_status[i] = status
        for user in users:
            decision = self.decision(user)
            span = span_for(user, users, cell.spans)
            if decision is None:
                continue
            new_text = span_text(user, decision.status, self.label(decision))
            if span is not None:
                if span.manual or span.status == decision.status.value:
                    continue
                index = next(i for i, s in enumerate(cell.spans) if s is span)
                replace[index] = new_text
                final_status[index] = decision.status
                changes.append(CellChange(table.index, line_of[user], user, span.status,
                                          decision.status.value))
                continue
            where = self.insertion(user, users, cell)
            inserts.setdefault(where, []).append(new_text)
            added.append(decision.status)
            changes.append(CellChange(table.index, line_of[user], user, None,
                                      decision.status.value))
        if not changes:
            return
        for index, new_text in replace.items():
            span = cell.spans[index]
            self.edits.append((span.start, span.end, new_text, 1))
        for where, texts in inserts.items():
            self.edits.append((where, where, self.joined(where, texts, cell), 1))
        statuses = list(final_status.values()) + added
        self.sort_attribute(cell.cell, self.sort_key(statuses))
        self.result.changes.extend(changes)

    def insertion(self, user: str, users: list[str], cell: StatusCell) -> int:
        """Where a new span for ``user`` goes: after the previous person's span, or
        before the next person's, or at the end of the content."""
        position = users.index(user)
        for other in reversed(users[:position]):
            span = span_for(other, users, cell.spans)
            if span is not None:
                return span.end
        for other in users[position + 1:]:
            span = span_for(other, users, cell.spans)
            if span is not None:
                return span.anchor
        return cell.insert_at

    def joined(self, where: int, texts: list[str], cell: StatusCell) -> str:
        """The inserted text: spans joined by ``<br />``, separated from neighbours."""
        body = _BR.join(texts)
        if any(s.end == where for s in cell.spans):
            return _BR + body
        if any(s.anchor == where for s in cell.spans):
            return body + _BR
        before = self.text[cell.cell.content_start:where]
        if _meaningful(before):
            return _BR + body  # a note is there: keep it, the spans follow it
        lead = '' if before.endswith((' ', '\t')) else ' '
        after = self.text[where:cell.cell.end]
        if after:
            trail = '' if after[0].isspace() else ' '
        else:
            following = self.text[cell.cell.end:cell.cell.end + 1]
            trail = ' ' if following not in ('', '\n') else ''
        return lead + body + trail

    def sort_attribute(self, cell: Cell, value: str) -> None:
        """Set ``data-sort-value`` on the cell (replace, or add before the separator)."""
        if not value:
            return
        value = escape(value)  # a caller's sort key is text like any other
        node = cell.node
        pos = cell.start + len(node.wiki_markup or '')
        if cell.attrs_are_content:
            # MediaWiki reads the whole cell as content: attributes go first.
            self.edits.append((pos, pos, f' data-sort-value="{value}" |', 0))
            return
        for attr in node.attributes:
            size = len(str(attr))
            if str(attr.name).strip().lower() == 'data-sort-value':
                head = attr.pad_first + str(attr.name) + attr.pad_before_eq
                if attr.value is None:
                    name_end = pos + len(attr.pad_first) + len(str(attr.name))
                    self.edits.append((name_end, name_end, f'="{value}"', 0))
                else:
                    start = pos + len(head) + 1 + len(attr.pad_after_eq) + len(attr.quotes or '')
                    end = start + len(str(attr.value))
                    new = value if attr.quotes else f'"{value}"'
                    self.edits.append((start, end, new, 0))
                return
            pos += size
        if node.wiki_style_separator:
            self.edits.append((pos, pos, f' data-sort-value="{value}"', 0))
        else:
            pos = cell.start + len(node.wiki_markup or '')
            self.edits.append((pos, pos, f' data-sort-value="{value}" |', 0))

    # -- an added status column --

    def add_column(self, table: ParsedTable, header: str) -> None:
        if not table.header_rows:
            self.result.skipped.append(Skipped(table.index, table.line,
                                               'no header row to add a status column to'))
            return
        wide = next((r for r in table.rows if r.row.broken), None)
        if wide is not None:
            self.result.skipped.append(Skipped(
                table.index, wide.row.line,
                'rows are wider than the header: a status column would go over a column '
                'people write in; no status column added'))
            return
        first = table.header_rows[0]
        nheader = len(table.header_rows)
        attrs = f' rowspan="{nheader}" |' if nheader > 1 else ''
        self.edits.append(self.append_cell(first, '!', f'{attrs} {escape(header)}'))
        for cells, _end, kind in table.all_rows:
            if kind != 'data':
                continue
            data = next(r for r in table.rows if r.cells is cells)
            occupied_end = max((c.col + c.colspan for c in data.grid.values()), default=0)
            if occupied_end < table.ncols:
                self.result.skipped.append(Skipped(
                    table.index, data.row.line,
                    'the row is shorter than the header: no status cell added'))
                continue
            if data.row.broken:
                continue
            body = ''
            sort = ''
            skip = self.row_skip(table, data)
            if not (skip or data.row.in_translate or table.in_translate):
                texts = []
                statuses: list[Status] = []
                for user in data.row.users:
                    decision = self.decision(user)
                    if decision is None:
                        continue
                    texts.append(span_text(user, decision.status, self.label(decision)))
                    statuses.append(decision.status)
                    self.result.changes.append(CellChange(table.index, data.row.line, user,
                                                          None, decision.status.value))
                body = _BR.join(texts)
                value = self.sort_key(statuses) if statuses else ''
                sort = f' data-sort-value="{value}" |' if value else ''
            elif skip:
                self.result.skipped.append(Skipped(table.index, data.row.line, skip))
            self.edits.append(self.append_cell(cells, '|', sort + (' ' + body if body else '')))

    def append_cell(self, cells: list[Cell], mark: str, content: str) -> _Edit:
        """An edit adding one cell after the row's last cell, in the row's style.

        Inline rows (``| a || b``) get `` || content`` on the same line; rows
        with one cell per line get a new line. Either goes before trailing
        blanks and comments of the last cell.
        """
        last = cells[-1]
        where = insert_point(last)
        inline = len(cells) > 1 and last.line == cells[0].line and \
            '\n' not in self.text[last.start:where]
        if inline:
            return where, where, f' {mark}{mark}{content}', 2
        return where, where, f'\n{mark}{content}', 2


def _meaningful(text: str) -> bool:
    """True when text holds more than blanks and comments."""
    rest = text
    while True:
        rest = rest.lstrip()
        if rest.startswith('<!--'):
            end = rest.find('-->')
            if end == -1:
                return False
            rest = rest[end + 3:]
            continue
        return bool(rest)


def apply(text: str, decisions: Mapping[str, Decision], *, lang: str = 'en',
          label: Callable[[Decision], str] | None = None,
          sort_key: Callable[[Sequence[Status]], str] | None = None,
          add_status_column: bool = False, status_header: str = 'Status',
          aliases: Mapping[str, Any] | None = None,
          user_templates: Iterable[str] | Mapping[str, str] | None = None,
          skip_rows: Mapping[tuple[int, int], str] | None = None) -> RenderResult:
    """Rewrite the status cells of every table of ``text`` from ``decisions``.

    ``decisions`` maps normalised names to decisions; ``label`` gives the
    text shown in a person's span (escaped here; default: the status value).
    ``sort_key`` maps the statuses of a changed cell to its
    ``data-sort-value`` (default :func:`sort_value`). ``add_status_column``
    adds a status column (header ``status_header``) to tables without one.
    ``skip_rows`` maps ``(table index, row line)`` to why the caller forbids
    writing that row's status cell (a wiki the site matrix says is closed,
    say): it stays as it is. See the module docstring for what else is
    never written.
    """
    page = analyse(text, lang, aliases=aliases, user_templates=user_templates)
    renderer = _Renderer(text, decisions, label or (lambda d: d.status.value), sort_key,
                         skip_rows)
    for table in page.tables:
        if table.broken:
            if decisions:
                renderer.result.skipped.append(Skipped(
                    table.index, table.line,
                    table.errors[0].message if table.errors else 'broken table'))
            continue
        if table.columns.get('status') is None:
            if add_status_column and not table.in_translate and decisions:
                renderer.add_column(table, status_header)
            continue
        renderer.table(table)
    if renderer.edits:
        renderer.result.text = _splice(text, renderer.edits)
    return renderer.result


def read_spans(text: str, lang: str = 'en', *, aliases: Mapping[str, Any] | None = None,
               user_templates: Iterable[str] | Mapping[str, str] | None = None
               ) -> list[BotSpan]:
    """Every bot span in the status cells of the page's tables, in page order.

    ``line`` is the line of the first row whose status lives in the cell;
    a span without ``data-user`` gets the user it stands for (by order).
    """
    page = analyse(text, lang, aliases=aliases, user_templates=user_templates)
    out: list[BotSpan] = []
    for table in page.tables:
        done: set[int] = set()
        for data in table.rows:
            cell = data.status
            if cell is None or id(cell) in done:
                continue
            done.add(id(cell))
            users = [u for i in cell.rows for u in table.rows[i].row.users]
            for span in cell.spans:
                user = span.user
                if user is None:
                    user = next((u for u in users if span_for(u, users, cell.spans) is span),
                                None)
                out.append(BotSpan(table.index, data.row.line, user, span.status, span.text,
                                   span.manual or cell.manual))
    return out


__all__ = ['SORT_RANK', 'BotSpan', 'CellChange', 'RenderResult', 'Skipped', 'apply', 'escape',
           'read_spans', 'sort_value', 'span_text']
