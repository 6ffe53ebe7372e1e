"""Offsets and text of mwparserfromhell nodes, as the table reader needs them.

Every node's offset in the page is tracked so :mod:`techroles.render` can
rewrite status cells without touching any other byte.
"""
from __future__ import annotations

import bisect
import contextlib
import re
from collections.abc import Iterator
from typing import Any

from mwparserfromhell.nodes import (
    Comment,
    ExternalLink,
    HTMLEntity,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.wikicode import Wikicode

from techroles.markup import tag_name


#: Tags whose contents are never table markup or text to read.
OPAQUE = frozenset({'nowiki', 'pre', 'syntaxhighlight', 'source', 'math', 'score',
                    'templatedata', 'graph', 'mapframe', 'maplink', 'chem', 'ce'})


def content_offset(tag: Tag) -> int:
    """Offset of ``tag.contents`` inside ``str(tag)`` (mwparserfromhell's Tag.__str__)."""
    cached = getattr(tag, '_techroles_offset', None)
    if cached is not None:
        return cached
    attrs = sum(len(str(attr)) for attr in tag.attributes)
    if tag.wiki_markup:
        offset = (len(tag.wiki_markup) + attrs + len(tag.padding or '')
                  + len(tag.wiki_style_separator or ''))
    else:
        offset = (2 if tag.invalid else 1) + len(str(tag.tag)) + attrs + len(tag.padding) + 1
    with contextlib.suppress(AttributeError):
        tag._techroles_offset = offset
    return offset


def node_length(node: Any) -> int:
    """``len(str(node))``, computed without building the string for tags.

    Memoised per node (tags and wikicode are walked many times, and building
    ``str()`` of a big table over and over would dominate the parse time).
    """
    kind = type(node)
    if kind is Text:
        return len(node.value)
    cached = node.__dict__.get('_techroles_len')
    if cached is not None:
        return cached
    if kind is Wikicode:
        size = sum(len(child.value) if type(child) is Text else node_length(child)
                   for child in node.nodes)
    elif kind is Tag:
        size = content_offset(node)
        if node.wiki_markup:
            if not node.self_closing:
                size += node_length(node.contents) + len(node.closing_wiki_markup or '')
        elif node.self_closing:
            size += 0 if node.implicit else 1
        else:
            size += node_length(node.contents) + 3 + len(str(node.closing_tag))
    else:
        size = len(str(node))
    node.__dict__['_techroles_len'] = size
    return size


def iter_offsets(code: Wikicode, start: int) -> Iterator[tuple[Any, int, int]]:
    """``(node, start, end)`` of each direct child of ``code`` beginning at ``start``."""
    pos = start
    for node in code.nodes:
        size = len(node.value) if type(node) is Text else node_length(node)
        yield node, pos, pos + size
        pos += size


def at_line_start(text: str, pos: int, allowed: str = ' \t') -> bool:
    """True when only ``allowed`` characters precede ``pos`` on its line."""
    line_start = text.rfind('\n', 0, pos) + 1
    return not text[line_start:pos].strip(allowed)


class Lines:
    """1-based line numbers of offsets, by binary search over the newlines."""

    def __init__(self, text: str) -> None:
        self.breaks = [m.start() for m in re.finditer('\n', text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_left(self.breaks, offset) + 1



def plain_text(code: Wikicode | None) -> str:
    """Readable text of wikitext: link labels, tag contents; no templates, refs, comments."""
    if code is None:
        return ''
    out: list[str] = []
    for node in code.nodes:
        if isinstance(node, Text):
            out.append(node.value)
        elif isinstance(node, HTMLEntity):
            out.append(node.normalize())
        elif isinstance(node, Wikilink):
            out.append(plain_text(node.text) if node.text is not None else str(node.title))
        elif isinstance(node, ExternalLink):
            out.append(plain_text(node.title) if node.title is not None else str(node.url))
        elif isinstance(node, Tag):
            if tag_name(node) in ('ref', 'references') or tag_name(node) in OPAQUE:
                continue
            if node.wiki_markup in ('*', '#', ':', ';') or tag_name(node) == 'br':
                out.append('\n')
            if node.contents is not None and not node.self_closing:
                out.append(plain_text(node.contents))
        elif isinstance(node, (Template, Comment)):
            continue
        else:
            out.append(str(node))
    return ''.join(out)



def attributes(tag: Tag) -> dict[str, Any]:
    """A tag's attributes by lower-case name (first one wins), memoised."""
    found = getattr(tag, '_techroles_attrs', None)
    if found is None:
        found = {}
        for attr in tag.attributes:
            found.setdefault(str(attr.name).strip().lower(), attr)
        with contextlib.suppress(AttributeError):
            tag._techroles_attrs = found
    return found


def int_attr(tag: Tag, name: str, limit: int) -> int:
    """An integer span attribute as browsers read it (leading digits; else 1)."""
    attr = attributes(tag).get(name) if tag.attributes else None
    if attr is None:
        return 1
    value = str(attr.value).strip() if attr.value is not None else ''
    digits = re.match('[0-9]+', value)  # browsers read ASCII digits only
    return min(int(digits.group(0)), limit) if digits else 1


def attr(tag: Tag, name: str) -> str | None:
    attr = attributes(tag).get(name) if tag.attributes else None
    if attr is None:
        return None
    return str(attr.value) if attr.value is not None else ''


def is_caption(tag: Tag) -> bool:
    return tag.wiki_markup == '|' and str(tag).startswith('|+')


def template_label(node: Template) -> str:
    name = ' '.join(str(node.name).split())
    return '{{' + (name if len(name) <= 40 else name[:39] + '…') + '}}'


def line_start_templates(code: Wikicode, start: int, text: str
                         ) -> Iterator[tuple[Template, int]]:
    """Templates at the start of a line in a cell (also inside its tags)."""
    for node, a, _b in iter_offsets(code, start):
        if isinstance(node, Template):
            if at_line_start(text, a):
                yield node, a
        elif isinstance(node, Tag) and node.contents is not None and not node.self_closing \
                and node.wiki_markup != '{|' and tag_name(node) not in OPAQUE:
            yield from line_start_templates(node.contents, a + content_offset(node), text)


def short(text: str, limit: int = 60) -> str:
    """A value quoted for a one-line message."""
    text = ' '.join(text.split())
    return repr(text if len(text) <= limit else text[:limit - 1] + '…')
