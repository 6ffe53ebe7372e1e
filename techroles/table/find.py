"""Finding a page's top-level tables (parsed or broken) and its ``<translate>`` regions.

A table is a ``{|`` at the start of a line, also inside HTML-like tags
(``<translate>``, ``<div>``) and indented with ``:`` (which mwparserfromhell
leaves as text: re-parsed from its ``{|``; MediaWiki allows no other
prefix). Tables inside template parameters are not read. A ``{|`` that does
not parse (no matching ``|}``) is a broken table; later unparsed ``{|`` are
taken to be nested in it.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass

import mwparserfromhell
from mwparserfromhell.nodes import Heading, Tag, Template, Text
from mwparserfromhell.wikicode import Wikicode

from techroles.markup import tag_name
from techroles.table.nodes import (
    OPAQUE,
    at_line_start,
    content_offset,
    iter_offsets,
    node_length,
    plain_text,
)


def unparsed_table(text: str, code: Wikicode, start: int) -> int | None:
    """Offset of a ``{|`` left as text at the start of a line (an unclosed nested table)."""
    for node, a, _b in iter_offsets(code, start):
        if isinstance(node, Text):
            pos = node.value.find('{|')
            while pos != -1:
                if at_line_start(text, a + pos, ' \t:'):
                    return a + pos
                pos = node.value.find('{|', pos + 2)
        elif isinstance(node, Tag) and node.contents is not None and not node.self_closing \
                and tag_name(node) not in OPAQUE and node.wiki_markup != '{|':
            found = unparsed_table(text, node.contents, a + content_offset(node))
            if found is not None:
                return found
    return None


@dataclass
class Found:
    start: int
    end: int
    node: Tag | None
    in_translate: bool
    section: str | None


def translate_regions(text: str) -> list[tuple[int, int]]:
    """``<translate>`` … ``</translate>`` ranges (comments skipped; unclosed runs to the end)."""
    lower = text.lower()
    if '<translate' not in lower:
        return []
    comments: list[tuple[int, int]] = []
    pos = lower.find('<!--')
    while pos != -1:
        end = lower.find('-->', pos + 4)
        end = len(text) if end == -1 else end + 3
        comments.append((pos, end))
        pos = lower.find('<!--', end)

    def in_comment(offset: int) -> bool:
        i = bisect.bisect_right(comments, (offset, len(text) + 1)) - 1
        return i >= 0 and comments[i][0] <= offset < comments[i][1]

    events: list[tuple[int, int]] = []
    for marker, delta in (('<translate', 1), ('</translate', -1)):
        pos = lower.find(marker)
        while pos != -1:
            nxt = lower[pos + len(marker):pos + len(marker) + 1]
            if nxt in ('>', ' ', '\t', '\n', '/') and not in_comment(pos):
                close = lower.find('>', pos)
                self_closing = close != -1 and lower[close - 1] == '/'
                if not self_closing:
                    events.append((pos, delta))
            pos = lower.find(marker, pos + 1)
    events.sort()
    regions: list[tuple[int, int]] = []
    depth = 0
    start = 0
    for pos, delta in events:
        if delta > 0:
            if depth == 0:
                start = pos
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                regions.append((start, lower.find('>', pos) + 1 or len(text)))
    if depth > 0:
        regions.append((start, len(text)))
    return regions


def overlaps(regions: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in regions)


def find_tables(text: str, code: Wikicode) -> list[Found]:
    """Top-level tables (parsed or broken), in page order."""
    found: list[Found] = []
    unparsed: list[tuple[int, str | None]] = []
    section: list[str | None] = [None]

    def walk(wikicode: Wikicode, start: int, in_translate: bool) -> None:
        for node, a, b in iter_offsets(wikicode, start):
            if isinstance(node, Tag):
                if node.wiki_markup == '{|':
                    found.append(Found(a, b, node, in_translate, section[0]))
                elif node.contents is not None and not node.self_closing \
                        and tag_name(node) not in OPAQUE:
                    walk(node.contents, a + content_offset(node),
                         in_translate or tag_name(node) == 'translate')
            elif isinstance(node, Text):
                value = node.value
                pos = value.find('{|')
                while pos != -1:
                    if at_line_start(text, a + pos, ' \t:'):  # MediaWiki: only ':' may indent
                        unparsed.append((a + pos, section[0]))
                    pos = value.find('{|', pos + 2)
            elif isinstance(node, Heading):
                section[0] = plain_text(node.title).strip() or None

    walk(code, 0, False)
    for pos, sec in unparsed:
        if any(f.start <= pos < f.end for f in found):
            continue
        sub = mwparserfromhell.parse(text[pos:])
        first = sub.nodes[0] if sub.nodes else None
        if isinstance(first, Tag) and first.wiki_markup == '{|':
            found.append(Found(pos, pos + node_length(first), first, False, sec))
        else:
            found.append(Found(pos, pos + 2, None, False, sec))
    found.sort(key=lambda f: f.start)
    result: list[Found] = []
    broken_seen = False
    for item in found:
        if any(r.start <= item.start < r.end for r in result if r.node is not None):
            continue  # nested inside a re-parsed (indented) table
        if item.node is None:
            if broken_seen:
                continue
            broken_seen = True
        result.append(item)
    return result

def row_level_templates(table: Tag, start: int, text: str) -> Iterator[tuple[Template, int]]:
    """Templates at the start of a line between rows or in header cells: their
    output may be table rows, which cannot be read from the page's wikitext."""
    def scan(code: Wikicode, offset: int, depth: int) -> Iterator[tuple[Template, int]]:
        for node, a, _b in iter_offsets(code, offset):
            if isinstance(node, Template):
                if at_line_start(text, a):
                    yield node, a
            elif isinstance(node, Tag) and node.wiki_markup and depth < 2 and (
                    node.wiki_markup == '|-' or tag_name(node) == 'th'):
                yield from scan(node.contents, a + content_offset(node), depth + 1)

    yield from scan(table.contents, start + content_offset(table), 0)


