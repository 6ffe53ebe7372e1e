"""Sign-up tables in any language: localized User-namespace headers, columns found by content."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from techroles import names
from techroles.table import Aliases, parse_page, to_json


pytestmark = pytest.mark.unit

HELD_OUT = Path(__file__).resolve().parent.parent / 'data' / 'table' / 'held-out'


def test_held_out_500_rows_read_completely() -> None:
    """Headers in a language the alias list never named: every person, in order, as linked."""
    text = (HELD_OUT / 'georgian-500.wiki').read_text(encoding='utf-8')
    headers = re.search(r'^! (.*)$', text, re.MULTILINE)
    assert headers is not None
    aliases = Aliases()
    assert all(aliases.match(h) == (set(), set()) for h in headers.group(1).split(' !! '))
    linked = [m.group(1) for line in text.splitlines() if line.startswith('| ')
              for m in [re.search(r'\[\[მომხმარებელი:([^|\]]+)', line)] if m]
    assert len(linked) == 500
    [found] = to_json(parse_page(text))['tables']
    assert [row['users'] for row in found['rows']] == [[name] for name in linked]
    assert found['columns_by'] == {'wiki': 'content', 'user': 'content', 'language': None,
                                   'status': None}
    assert found['kind'] == 'ambassadors'
    assert all(row['wikis'] for row in found['rows'])
    assert found['errors'] == []


def test_every_user_namespace_name_is_a_user_header() -> None:
    forms = names.user_namespace_names()
    assert len(forms) > 300
    for form in forms:
        header = form[:1].upper() + form[1:]
        [found] = parse_page(f'{{|\n! Wiki !! {header}\n|-\n| frwiki || [[User:Someone]]\n|}}')
        assert found.columns['user'] == 1, form
        assert to_json([found])['tables'][0]['columns_by']['user'] == 'header', form


def test_header_and_content_disagree_content_wins_with_a_warning() -> None:
    text = ('{| class="wikitable"\n! User !! Wiki !! Contact\n|-\n'
            '| Anna || frwiki || [[User:Anna L]]\n|-\n| Bob || dewiki || [[User:Bob K]]\n|}')
    [found] = parse_page(text)
    assert found.columns['user'] == 2
    assert [r.users for r in found.rows] == [('Anna L',), ('Bob K',)]
    assert [e.message for e in found.errors] == [
        'table 0: the header names column 0 as the user column, but the user links are in '
        'column 2; read by content']


def test_header_user_column_with_people_is_kept() -> None:
    text = ('{|\n! User !! Added by\n|-\n| [[User:A]] || [[User:B]]\n|-\n'
            '| [[User:C]] || [[User:B]]\n|}')
    [found] = parse_page(text)
    assert found.columns['user'] == 0 and found.errors == ()


def test_no_column_of_user_links_is_no_signup_table() -> None:
    text = '{|\n! Ориентир !! Заметка\n|-\n| Анна || frwiki\n|-\n| Боб || dewiki\n|}'
    [found] = parse_page(text)
    assert found.broken and found.rows == ()
    assert found.errors[0].message.startswith('table 0: no user column')


def test_language_column_by_content() -> None:
    text = ('{|\n! ენა !! მთარგმნელი\n|-\n| ქართული || [[მომხმარებელი:ნინო]]\n|-\n'
            '| de || [[User:Kiefer]]\n|}')
    [found] = to_json(parse_page(text))['tables']
    assert found['kind'] == 'translators'
    assert found['columns'] == {'wiki': None, 'user': 1, 'language': 0, 'status': None}
    assert [r['languages'] for r in found['rows']] == [['ka'], ['de']]
    assert [r['users'] for r in found['rows']] == [['ნინო'], ['Kiefer']]
