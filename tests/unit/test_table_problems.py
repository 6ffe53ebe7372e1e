"""Table problems are structured values; the parse cache is an explicit object."""
from __future__ import annotations

import gc

import pytest

from techroles import table
from techroles.table import PageCache, Problem, analyse, parse_page, to_json


pytestmark = pytest.mark.unit

TABLE = '{| class="wikitable"\n! Wiki !! User !! Status\n|-\n'


def test_row_problems_have_kind_reason_and_the_same_message() -> None:
    text = TABLE + ('| xxwiki-unknown || [[User:A]] ||\n|-\n| frwiki || <s>[[User:B]]</s> ||\n'
                    '|-\n| frwiki || [[User:A]] ||\n|-\n| frwiki || [[User:A]] ||\n|}')
    [found] = parse_page(text)
    kinds = [(p.kind, p.line, p.reason) for p in found.errors if isinstance(p, Problem)]
    assert kinds == [
        ('unknown-wiki', 4, "unknown wiki 'xxwiki-unknown'"),
        ('withdrawn', 6, "'B' is struck out (withdrawn); not listed"),
        ('duplicate-row', 10, 'duplicate of the row at line 8'),
    ]
    for p in found.errors:
        assert isinstance(p, Problem)
        place = f'table 0 line {p.line}: ' if p.in_row else 'table 0: '
        assert p.message == place + p.reason
    assert to_json([found])['tables'][0]['errors'] == [
        {'line': p.line, 'message': p.message} for p in found.errors]


def test_table_problems_have_kinds() -> None:
    pages = {
        '{|\n! User\n|-\n| [[User:A]]\n': 'unclosed-table',
        '{|\n! Wiki !! Notes\n|-\n| frwiki || no link\n|}': 'no-user-column',
        '{|\n! Wiki !! User\n|-\n| frwiki || rowspan="2" | [[User:A]]\n|-\n'
        '| colspan="2" | x\n|}': 'overlapping-span',
        '<translate>\n{|\n! User !! Status\n|-\n| [[User:A]] ||\n|}\n</translate>': 'in-translate',
    }
    for text, kind in pages.items():
        [found] = parse_page(text)
        assert found.errors[0].kind == kind, (text, found.errors)  # type: ignore[attr-defined]


def test_cache_is_explicit() -> None:
    text = TABLE + '| frwiki || [[User:A]] ||\n|}'
    cache = PageCache(size=1)
    first = analyse(text, cache=cache)
    assert analyse(text, cache=cache) is first and len(cache) == 1
    assert analyse(text + '\n', cache=cache) is not first and len(cache) == 1
    assert analyse(text, cache=None) is not analyse(text, cache=None)
    assert table._CACHE is table.PAGES


def test_reading_leaves_the_collector_as_it_was() -> None:
    assert gc.isenabled()
    analyse(TABLE + '| frwiki || [[User:GC]] ||\n|}', cache=PageCache())
    assert gc.isenabled()
    gc.disable()
    try:
        analyse(TABLE + '| frwiki || [[User:GC2]] ||\n|}', cache=PageCache())
        assert not gc.isenabled()
    finally:
        gc.enable()
