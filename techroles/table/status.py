"""Status cells: the bot's spans in them, the manual marker, where a new span goes.

* Per person the bot writes one span (class :data:`SPAN_CLASS`, ``data-user``,
  ``data-status``); a span without ``data-user`` stands for the people of the
  cell without a named span, in order (:func:`span_for`).
* ``<!-- techroles:manual -->`` (any spacing and case, an optional reason
  after the word) anywhere in the cell, also inside the bot's span, keeps the
  whole cell; right before a span (blanks between are allowed) only that span.
* A nested table, or a template at the start of a line (its output may start
  new rows), makes the cell not writable.
"""
from __future__ import annotations

import re

from mwparserfromhell.nodes import Comment, Tag, Template, Text
from mwparserfromhell.wikicode import Wikicode

from techroles import names
from techroles.markup import tag_name
from techroles.model import Status
from techroles.table.nodes import (
    OPAQUE,
    Lines,
    at_line_start,
    attr,
    content_offset,
    iter_offsets,
    template_label,
)
from techroles.table.parts import SPAN_CLASS, Cell, Span, StatusCell


#: The manual marker (a comment): whole cell, or one span when right before it.
MANUAL_MARKER = 'techroles:manual'
#: The marker's comment text, with any spacing and an optional reason after it.
_MANUAL = re.compile(r'\s*techroles\s*:\s*manual(?![\w-])', re.IGNORECASE)
_MANUAL_COMMENT = re.compile(r'<!--\s*techroles\s*:\s*manual(?![\w-])', re.IGNORECASE)
_STATUS_VALUES = frozenset(s.value for s in Status)


def read_status_cell(cell: Cell, text: str, lines: Lines, in_translate: bool) -> StatusCell:
    """The bot's spans in a status cell, its manual marks, and whether it may be written."""
    spans: list[Span] = []
    manual = False
    blocked = None
    pending_marker = False
    marker_at = -1

    def walk(code: Wikicode, start: int) -> None:
        nonlocal manual, pending_marker, blocked, marker_at
        for node, a, b in iter_offsets(code, start):
            if isinstance(node, Comment):
                if _MANUAL.match(node.contents):
                    if pending_marker:
                        manual = True
                    pending_marker = True
                    marker_at = a
                continue
            if isinstance(node, Text) and not node.value.strip():
                continue
            if isinstance(node, Tag) and not node.wiki_markup \
                    and tag_name(node) == 'span' and is_bot_span(node):
                if _MANUAL_COMMENT.search(text, a, b):
                    manual = True  # a marker inside the bot's span keeps the cell
                user = attr(node, 'data-user')
                spans.append(Span(a, b, text[a:b],
                                  names.normalize_name(user) if user else None,
                                  (attr(node, 'data-status') or '').strip() or None,
                                  manual=pending_marker,
                                  anchor=marker_at if pending_marker else a))
                pending_marker = False
                continue
            if pending_marker:
                manual = True
                pending_marker = False
            if isinstance(node, Template) and at_line_start(text, a):
                # Its output may start new rows: a span written after it
                # would show in the last of them, against someone else.
                blocked = blocked or (
                    f'the status cell holds {template_label(node)} at the start of '
                    f'line {lines(a)}, which may produce table rows; never written')
                continue
            if isinstance(node, Tag):
                if node.wiki_markup == '{|':
                    blocked = 'the status cell holds a nested table; never written'
                    continue
                if node.contents is not None and not node.self_closing \
                        and tag_name(node) not in OPAQUE:
                    walk(node.contents, a + content_offset(node))

    walk(cell.contents, cell.content_start)
    if pending_marker:
        manual = True
    return StatusCell(cell=cell, spans=spans, manual=manual, in_translate=in_translate,
                      insert_at=insert_point(cell), blocked=blocked)


def is_bot_span(tag: Tag) -> bool:
    classes = attr(tag, 'class')
    return classes is not None and SPAN_CLASS in classes.split()


def insert_point(cell: Cell) -> int:
    """End of the cell's meaningful content: before trailing blanks and comments,
    and before an unclosed ``<!--`` (MediaWiki hides the rest of the page)."""
    nodes = list(iter_offsets(cell.contents, cell.content_start))
    limit = cell.end
    for node, a, _b in nodes:
        cut = node.value.find('<!--') if isinstance(node, Text) else -1
        if cut != -1:  # a closed comment would be a Comment node
            limit = a + cut
            break
    for node, a, b in reversed(nodes):
        if a >= limit or isinstance(node, Comment):
            continue
        if isinstance(node, Text):
            stripped = node.value[:limit - a].rstrip()
            if not stripped:
                continue
            return a + len(stripped)
        return b
    return _blank_insert(cell)


def _blank_insert(cell: Cell) -> int:
    """Blank cell: after the leading spaces of the first line."""
    text = str(cell.contents)
    i = 0
    while i < len(text) and text[i] in ' \t':
        i += 1
    return cell.content_start + i


def status_of(span: Span | None) -> str | None:
    """The span's status when it is a known value."""
    return span.status if span is not None and span.status in _STATUS_VALUES else None


def statuses_of(users: list[str], spans: list[Span]) -> list[str | None]:
    """The status in each user's span (valid values only), see :func:`span_for`."""
    return [status_of(span_for(user, users, spans)) for user in users]


def span_for(user: str, users: list[str], spans: list[Span]) -> Span | None:
    """The span that holds ``user``'s status (same rule as the statuses)."""
    by_user = {s.user: s for s in reversed(spans) if s.user is not None}
    if user in by_user:
        return by_user[user]
    unnamed = [s for s in spans if s.user is None]
    waiting = [u for u in users if u not in by_user]
    if user in waiting and waiting.index(user) < len(unnamed):
        return unnamed[waiting.index(user)]
    return None


