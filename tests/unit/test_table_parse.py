"""Reading sign-up tables (techroles.table): data-driven fixtures and the peer cases."""
from __future__ import annotations

import json
from pathlib import Path

import mwparserfromhell
import pytest

from techroles import render, table
from techroles.model import Row
from techroles.table import node_length, parse_page, to_json
from tests.unit.table_data import (
    all_wiki_files,
    parse_cases,
    parse_options,
    peer_cases,
    sibling,
    stem,
)


pytestmark = pytest.mark.unit


@pytest.mark.parametrize('path', parse_cases(), ids=stem)
def test_parse_fixture(path: Path) -> None:
    lang, options = parse_options(path)
    expected = json.loads(sibling(path, '.expected.json').read_text(encoding='utf-8'))
    assert to_json(parse_page(path.read_text(encoding='utf-8'), lang, **options)) == expected


@pytest.mark.parametrize('path', all_wiki_files(), ids=lambda p: p.name)
def test_noop_round_trip(path: Path) -> None:
    text = path.read_text(encoding='utf-8')
    assert render.apply(text, {}).text == text
    assert render.apply(text, {}, add_status_column=True).text == text


@pytest.mark.parametrize('case', peer_cases(), ids=lambda c: c['name'])
def test_peer_case(case: dict[str, str]) -> None:
    """mwparserfromhell's own table cases: no crash, no people, input given back."""
    text = case['input']
    tables = parse_page(text)
    assert all(not row.users for t in tables for row in t.rows)
    assert to_json(tables)['tables'] == [to_json([t])['tables'][0] for t in tables]
    assert render.apply(text, {}).text == text
    from tests.unit.table_data import decision

    someone = {'Foo': decision('Foo', 'active'), 'Test': decision('Test', 'inactive')}
    assert render.apply(text, someone, add_status_column=True).text == text
    assert render.read_spans(text) == []


def test_peer_cases_count() -> None:
    assert len(peer_cases()) == 61


def test_json_contract_keys() -> None:
    text = (Path(__file__).parent.parent / 'data' / 'signup' / 'ambassadors-meta.wiki').read_text()
    out = to_json(parse_page(text))
    assert list(out) == ['tables']
    for tbl in out['tables']:
        assert list(tbl) == ['index', 'kind', 'columns', 'columns_by', 'rows', 'errors']
        assert list(tbl['columns']) == ['wiki', 'user', 'language', 'status']
        assert list(tbl['columns_by']) == ['wiki', 'user', 'language', 'status']
        assert all((tbl['columns'][role] is None) == (tbl['columns_by'][role] is None)
                   for role in tbl['columns'])
        for row in tbl['rows']:
            assert list(row) == ['line', 'users', 'statuses', 'wikis', 'languages']
            assert len(row['statuses']) == len(row['users'])
    json.dumps(out)  # serialisable as is


def test_index_counts_top_level_tables_only() -> None:
    text = ('{|\n! User\n|-\n| [[User:A]]\n{|\n! User\n|-\n| [[User:Inner]]\n|}\n|}\n'
            '{|\n! User\n|-\n| [[User:B]]\n|}\n')
    tables = parse_page(text)
    assert [t.index for t in tables] == [0, 1]
    assert [r.users for t in tables for r in t.rows] == [('A',), ('B',)]


@pytest.mark.parametrize('path', all_wiki_files(), ids=lambda p: p.name)
def test_offsets_match_mwparserfromhell(path: Path) -> None:
    """The memoised lengths equal ``len(str(node))`` for every node."""
    code = mwparserfromhell.parse(path.read_text(encoding='utf-8'))
    for node in code.ifilter(recursive=True):
        assert node_length(node) == len(str(node))


def test_row_fields_for_flags() -> None:
    text = ('{|\n! Wiki !! User !! Status\n|-\n'
            '| frwiki || [[User:A]] || <!-- techroles:manual --> x\n|-\n'
            '| frwiki || [[User:B]] || <translate>x</translate>\n|-\n'
            '| zzwiki || [[User:C]] ||\n|-\n'
            '| frwiki || [[User:D]] || || extra\n|}')
    rows = parse_page(text)[0].rows
    assert [r.manual for r in rows] == [True, False, False, False]
    assert [r.in_translate for r in rows] == [False, True, False, False]
    assert [r.unresolved for r in rows] == [(), (), ('zzwiki',), ()]
    assert [r.broken for r in rows] == [False, False, False, True]


def test_manual_users() -> None:
    text = ('{|\n! User !! Status\n|-\n| [[User:A]], [[User:B]] || '
            '<!-- techroles:manual --><span class="techroles-status" data-user="A" '
            'data-status="active">x</span><span class="techroles-status" data-user="B" '
            'data-status="new">y</span>\n|}')
    row: Row = parse_page(text)[0].rows[0]
    assert row.manual is False
    assert row.manual_users == ('A',)
    assert row.statuses == ('active', 'new')


def test_sections_and_lines() -> None:
    text = 'intro\n== Первый ==\n{|\n! User\n|-\n| [[User:A]]\n|}\n\n== Second ==\n\n{|\n! User\n|}'
    tables = parse_page(text)
    assert [(t.section, t.line) for t in tables] == [('Первый', 3), ('Second', 11)]
    assert tables[0].rows[0].line == 6


def test_cache_gives_equal_results() -> None:
    text = (Path(__file__).parent.parent / 'data' / 'signup' / 'translators-list.wiki').read_text()
    assert parse_page(text) == parse_page(text)
    table._CACHE.clear()
    assert parse_page(text) == parse_page(text, 'en')


def test_lang_affects_first_letter() -> None:
    text = '{|\n! User\n|-\n| [[Kullanıcı:istanbul]]\n|}'
    assert parse_page(text, 'tr')[0].rows[0].users == ('İstanbul',)
    assert parse_page(text, 'en')[0].rows[0].users == ('Istanbul',)


def test_aliases_by_language() -> None:
    text = '{|\n! Gebruiker !! Wikiproject\n|-\n| [[User:A]] || nlwiki\n|}'
    aliases = {'nl': {'user': ['Gebruiker'], 'wiki': ['Wikiproject']}}
    tbl = parse_page(text, aliases=aliases)[0]
    assert tbl.columns == {'wiki': 1, 'user': 0, 'language': None, 'status': None}
    assert tbl.rows[0].wikis == ('nlwiki',)


def test_user_templates_list_form() -> None:
    text = '{|\n! User\n|-\n| {{Botschafter|Jemand}}\n|}'
    assert parse_page(text)[0].rows[0].users == ()
    assert parse_page(text, user_templates=['Botschafter'])[0].rows[0].users == ('Jemand',)


def test_tablebench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    """The benchmark runs (its timing is printed, never asserted)."""
    from benchmarks import tablebench

    text, decisions = tablebench.build(40)
    assert sum(len(t.rows) for t in parse_page(text)) == 40
    assert len(decisions) == 40
    assert tablebench.main(['--rows', '40']) == 0
    out = capsys.readouterr().out
    assert out.startswith('40 rows') and 'rewrite' in out
