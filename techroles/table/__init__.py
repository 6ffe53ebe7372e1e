"""Find the sign-up tables of a page and read every row; locate the status cells.

Pure: no network, no clock, no pywikibot. Tables are read with
mwparserfromhell (never with regular expressions); every node's offset in the
page is tracked so :mod:`techroles.render` can rewrite status cells without
touching any other byte. The rules, and the steps that apply them:

* :mod:`~techroles.table.find` -- which tables a page has (``{|`` at a line
  start, ``:`` indents only, inside ``<translate>`` or not);
* :mod:`~techroles.table.cells` -- rows, cells, the grid (rowspan/colspan);
* :mod:`~techroles.table.columns` (with :mod:`~techroles.table.aliases`) --
  header rows, subheadings, column roles by header or by content;
* :mod:`~techroles.table.rows` -- sign-up rows: people, wikis, languages,
  problems per row;
* :mod:`~techroles.table.status` -- status cells, the bot's spans, the
  manual marker;
* :mod:`~techroles.table.problems` -- problems as structured values;
* :mod:`~techroles.table.cache` -- the explicit cache of pages read.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import mwparserfromhell

from techroles import names
from techroles.model import SignupTable
from techroles.table.aliases import DEFAULT_ALIASES, Aliases
from techroles.table.cache import PAGES, PageCache, freeze
from techroles.table.cells import CellReader
from techroles.table.find import find_tables, translate_regions
from techroles.table.nodes import (
    Lines,
    at_line_start,
    attributes,
    content_offset,
    iter_offsets,
    node_length,
    plain_text,
)
from techroles.table.parts import (
    ROLES,
    SPAN_CLASS,
    Cell,
    Page,
    ParsedTable,
    ReadTable,
    RowData,
    Span,
    StatusCell,
)
from techroles.table.problems import Problem, ProblemKind
from techroles.table.read import read_table
from techroles.table.status import MANUAL_MARKER, insert_point, span_for


#: The default cache, under its former name (benchmarks and tests clear it).
_CACHE = PAGES


def read_page(text: str, lang: str = 'en', *, aliases: Mapping[str, Any] | None = None,
              user_templates: Iterable[str] | Mapping[str, str] | None = None) -> Page:
    """Read a page into the internal model (no cache; see :func:`analyse`)."""
    code = mwparserfromhell.parse(text)
    lines = Lines(text)
    reader = CellReader(text, lines, lang, names.template_table(user_templates))
    found_aliases = Aliases(aliases)
    translate = translate_regions(text)
    tables = [read_table(found, i, reader, found_aliases, translate)
              for i, found in enumerate(find_tables(text, code))]
    return Page(text=text, tables=tables, lines=lines)


def analyse(text: str, lang: str = 'en', *, aliases: Mapping[str, Any] | None = None,
            user_templates: Iterable[str] | Mapping[str, str] | None = None,
            cache: PageCache | None = PAGES) -> Page:
    """Read a page once per ``cache`` (default :data:`PAGES`) into the internal model.

    Shared by :func:`parse_page` and :mod:`techroles.render`, so reading a page
    and then rewriting it parses it only once.
    """
    if cache is None:
        return read_page(text, lang, aliases=aliases, user_templates=user_templates)
    key = (text, lang, freeze(aliases), freeze(user_templates))
    return cache.get(key, lambda: read_page(text, lang, aliases=aliases,
                                            user_templates=user_templates))


def parse_page(text: str, lang: str = 'en', *, aliases: Mapping[str, Any] | None = None,
               user_templates: Iterable[str] | Mapping[str, str] | None = None,
               cache: PageCache | None = PAGES) -> list[SignupTable]:
    """Every top-level table of a page as a :class:`ReadTable` (see the module rules).

    ``lang`` is the content language of the page's wiki. ``aliases`` adds
    header aliases, either by role (``{'user': ['Mitarbeiter']}``) or by
    language then role. ``user_templates`` adds templates that name people
    (a list, or a mapping to ``'one'``/``'all'``). Each table's ``errors``
    are :class:`Problem` values (``kind``, ``reason``, ``line``, ``message``).
    """
    page = analyse(text, lang, aliases=aliases, user_templates=user_templates, cache=cache)
    return [table.public() for table in page.tables]


def to_json(tables: Iterable[SignupTable]) -> dict[str, Any]:
    """The stable ``techroles parse`` contract, exactly these keys (``columns_by`` added)."""
    return {'tables': [
        {
            'index': table.index,
            'kind': table.kind,
            'columns': {role: table.columns.get(role) for role in ROLES},
            'columns_by': {role: getattr(table, 'columns_by', {}).get(role) for role in ROLES},
            'rows': [{'line': row.line, 'users': list(row.users),
                      'statuses': list(row.statuses), 'wikis': list(row.wikis),
                      'languages': list(row.languages)} for row in table.rows],
            'errors': [{'line': e.line, 'message': e.message} for e in table.errors],
        }
        for table in tables
    ]}


__all__ = [
    'DEFAULT_ALIASES', 'MANUAL_MARKER', 'PAGES', 'ROLES', 'SPAN_CLASS', 'Aliases', 'Cell',
    'Lines', 'Page', 'PageCache', 'ParsedTable', 'Problem', 'ProblemKind', 'ReadTable',
    'RowData', 'Span', 'StatusCell', 'analyse', 'at_line_start', 'attributes',
    'content_offset', 'insert_point', 'iter_offsets', 'node_length', 'parse_page',
    'plain_text', 'read_page', 'span_for', 'to_json',
]
