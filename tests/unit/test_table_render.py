"""Writing status cells (techroles.render): fixtures, no churn, escaping, manual cells."""
from __future__ import annotations

from pathlib import Path

import mwparserfromhell
import pytest
from mwparserfromhell.nodes import Text

from techroles import render
from techroles.model import Status
from techroles.render import BotSpan, CellChange, apply, escape, read_spans, sort_value, span_text
from techroles.table import parse_page
from tests.unit.table_data import (
    decision,
    label,
    load_decisions,
    outside,
    render_cases,
    sibling,
    status_cell_ranges,
    stem,
)


pytestmark = pytest.mark.unit

TABLE = '{| class="wikitable"\n! Wiki !! User !! Status\n|-\n'


@pytest.mark.parametrize('path', render_cases(), ids=stem)
def test_render_fixture(path: Path) -> None:
    text = path.read_text(encoding='utf-8')
    decisions, options = load_decisions(path)
    expected = sibling(path, '.expected.wiki').read_text(encoding='utf-8')
    result = apply(text, decisions, label=label, **options)
    assert result.text == expected
    # Idempotent: the same decisions again change nothing.
    again = apply(result.text, decisions, label=label, **options)
    assert again.text == result.text
    assert again.changes == []


@pytest.mark.parametrize('path', [p for p in render_cases()
                                  if not load_decisions(p)[1].get('add_status_column')],
                         ids=stem)
def test_render_changes_only_status_cells(path: Path) -> None:
    text = path.read_text(encoding='utf-8')
    decisions, options = load_decisions(path)
    new = apply(text, decisions, label=label, **options).text
    assert outside(text, status_cell_ranges(text)) == outside(new, status_cell_ranges(new))


@pytest.mark.parametrize('path', render_cases(), ids=stem)
def test_render_keeps_people(path: Path) -> None:
    text = path.read_text(encoding='utf-8')
    decisions, options = load_decisions(path)
    new = apply(text, decisions, label=label, **options).text
    assert [r.users for t in parse_page(text) for r in t.rows] == \
        [r.users for t in parse_page(new) for r in t.rows]


def test_written_statuses_read_back() -> None:
    path = Path(__file__).parent.parent / 'data' / 'signup' / 'ambassadors-meta.wiki'
    decisions, _ = load_decisions(path)
    new = apply(path.read_text(), decisions, label=label).text
    for tbl in parse_page(new):
        for row in tbl.rows:
            for user, status in zip(row.users, row.statuses, strict=True):
                wanted = decisions.get(user)
                if wanted is None or wanted.status is Status.UNKNOWN:
                    assert status is None
                else:
                    assert status == wanted.status.value


def test_changes_report_old_and_new() -> None:
    text = TABLE + ('| frwiki || [[User:A]] || <span class="techroles-status" data-user="A" '
                    'data-status="active">Active</span>\n|-\n| dewiki || [[User:B]] ||\n|}')
    result = apply(text, {'A': decision('A', 'inactive', '2026-01-01'),
                          'B': decision('B', 'new', '2026-02-02')})
    assert result.changes == [CellChange(0, 4, 'A', 'active', 'inactive'),
                              CellChange(0, 6, 'B', None, 'new')]
    assert result.changed


def test_no_churn_same_status_other_date() -> None:
    text = TABLE + ('| frwiki || [[User:A]] || <span class="techroles-status" data-user="A" '
                    'data-status="inactive">Inactive since 2025-01-01</span>\n|}')
    result = apply(text, {'A': decision('A', 'inactive', '2026-06-06')}, label=label)
    assert result.text == text
    assert result.changes == []


def test_unknown_and_absent_people_keep_their_part() -> None:
    span = ('<span class="techroles-status" data-user="A" data-status="active">Active</span>'
            ' (was here)')
    text = TABLE + f'| frwiki || [[User:A]] || {span}\n|}}'
    assert apply(text, {'A': decision('A', 'unknown')}).text == text
    assert apply(text, {'Z': decision('Z', 'inactive')}).text == text


def test_default_label_and_custom_sort_key() -> None:
    text = TABLE + '| frwiki || [[User:A]], [[User:B]] ||\n|}'
    result = apply(text, {'A': decision('A', 'slipping'), 'B': decision('B', 'missing')},
                   sort_key=lambda statuses: '-'.join(s.value for s in statuses))
    assert 'data-sort-value="slipping-missing"' in result.text
    assert '>slipping</span>' in result.text


def test_sort_value_is_best_rank() -> None:
    assert sort_value([Status.INACTIVE, Status.ACTIVE]) == '1'
    assert sort_value([Status.MISSING]) == '8'
    assert sort_value([]) == ''
    assert [render.SORT_RANK[s] for s in (Status.ACTIVE, Status.SLIPPING, Status.NEW,
                                          Status.INACTIVE)] == [1, 2, 3, 4]


DANGEROUS = [
    '|}', '||', '{{Delete}}', '{{{1}}}', '<script>alert(1)</script>', '[[Category:Spam]]',
    '[https://example.org x]', '~~~~', '~~~~~', '<!--', '-->', '__NOTOC__', "'''bold'''",
    'a\nb', 'a\r\n|}', '<nowiki>', '&amp;', '!!', 'x=y', '{|', '|-',
    '<span class="techroles-status">', '\x00\x07', 'https://example.org', '[[:fr:]]',
]


@pytest.mark.parametrize('payload', DANGEROUS)
def test_escape_makes_payload_inert(payload: str) -> None:
    escaped = escape(payload)
    for char in '|{}[]<>~=\n\r"\'!:_':
        assert char not in escaped
    code = mwparserfromhell.parse(escaped)
    assert all(isinstance(node, Text) or type(node).__name__ == 'HTMLEntity'
               for node in code.nodes)


@pytest.mark.parametrize('payload', DANGEROUS)
def test_payload_stays_in_its_cell(payload: str) -> None:
    """A hostile label or name never changes the table's structure."""
    text = TABLE + '| frwiki || [[User:A]] ||\n|-\n| dewiki || [[User:B]] ||\n|}'
    result = apply(text, {'A': decision('A', 'renamed', new_name=payload)},
                   label=lambda d: f'{d.new_name} {payload}')
    before = parse_page(text)
    after = parse_page(result.text)
    assert [(r.line, r.users) for t in before for r in t.rows] == \
        [(r.line, r.users) for t in after for r in t.rows]
    assert after[0].rows[0].statuses == ('renamed',)
    assert after[0].rows[1].statuses == (None,)
    code = mwparserfromhell.parse(result.text)
    assert not code.filter_templates() and not code.filter_comments()
    assert [str(link.title) for link in code.filter_wikilinks()] == ['User:A', 'User:B']


def test_span_text_escapes_name() -> None:
    assert span_text('A"B', Status.ACTIVE, 'x|y') == (
        '<span class="techroles-status" data-user="A&quot;B" data-status="active">x&#124;y</span>')


def test_read_spans() -> None:
    text = TABLE + (
        '| frwiki || [[User:A]], [[User:B]] || <span class="techroles-status" data-user="A" '
        'data-status="active">Active</span><!-- techroles:manual --><span '
        'class="techroles-status" data-status="new">New</span>\n|}')
    assert read_spans(text) == [
        BotSpan(0, 4, 'A', 'active', '<span class="techroles-status" data-user="A" '
                'data-status="active">Active</span>', False),
        BotSpan(0, 4, 'B', 'new', '<span class="techroles-status" data-status="new">New</span>',
                True),
    ]


def test_manual_span_only_freezes_that_person() -> None:
    text = TABLE + (
        '| frwiki || [[User:A]], [[User:B]] || <!-- techroles:manual -->\n'
        '<span class="techroles-status" data-user="A" data-status="active">Active</span>'
        '<br /><span class="techroles-status" data-user="B" data-status="active">Active</span>'
        '\n|}')
    result = apply(text, {'A': decision('A', 'missing'), 'B': decision('B', 'missing')})
    assert [c.user for c in result.changes] == ['B']
    assert 'data-user="A" data-status="active"' in result.text


def test_translate_never_written() -> None:
    text = '<translate>\n' + TABLE + '| frwiki || [[User:A]] ||\n|}\n</translate>'
    result = apply(text, {'A': decision('A', 'active')}, add_status_column=True)
    assert result.text == text
    assert [s.reason for s in result.skipped] == ['the status cell is inside <translate>']


def test_add_status_column_only_when_asked() -> None:
    text = '{|\n! Wiki !! User\n|-\n| frwiki || [[User:A]]\n|}'
    assert apply(text, {'A': decision('A', 'active')}).text == text
    added = apply(text, {'A': decision('A', 'active')}, add_status_column=True,
                  status_header='État').text
    assert added == ('{|\n! Wiki !! User !! État\n|-\n| frwiki || [[User:A]] || '
                     'data-sort-value="1" | <span class="techroles-status" data-user="A" '
                     'data-status="active">active</span>\n|}')
    assert parse_page(added)[0].columns['status'] == 2


def test_add_status_column_with_two_header_rows() -> None:
    text = ('{|\n! rowspan="2" | Wiki !! colspan="2" | People\n|-\n! User !! Since\n|-\n'
            '| frwiki || [[User:A]] || 2020\n|}')
    new = apply(text, {'A': decision('A', 'active')}, add_status_column=True).text
    assert '! rowspan="2" | Wiki !! colspan="2" | People !! rowspan="2" | Status\n' in new
    assert new.endswith('| frwiki || [[User:A]] || 2020 || data-sort-value="1" | <span '
                        'class="techroles-status" data-user="A" data-status="active">'
                        'active</span>\n|}')


def test_broken_table_reported_not_written() -> None:
    text = '{|\n! Wiki !! Notes\n|-\n| frwiki || A, by hand\n|}'
    result = apply(text, {'A': decision('A', 'active')})
    assert result.text == text
    assert result.skipped and 'no user column' in result.skipped[0].reason


@pytest.mark.parametrize('payload', ['ISBN 978-3-16-148410-0', 'RFC 2616', 'PMID 12345',
                                     'see ISBN\xa0978-3-16-148410-0'])
def test_magic_links_are_inert(payload: str) -> None:
    """MediaWiki turns ``ISBN …``, ``RFC …``, ``PMID …`` into links: not in a label."""
    escaped = escape(payload)
    assert not any(word + ' ' in escaped or word + '\xa0' in escaped
                   for word in ('ISBN', 'RFC', 'PMID'))
    assert mwparserfromhell.parse(escaped).strip_code().replace('&#73;', 'I') != ''


def test_sort_key_is_escaped_in_the_attribute() -> None:
    text = TABLE + '| frwiki || [[User:A]] ||\n|}'
    result = apply(text, {'A': decision('A', 'active')}, sort_key=lambda s: '1" onclick="x')
    cell = parse_page(result.text)[0]
    assert cell.rows[0].statuses == ('active',)
    assert 'onclick="x' not in result.text and '&quot;' in result.text


def test_lone_surrogate_is_reported_not_a_traceback() -> None:
    text = TABLE + '| frwiki || [[User:A\udc80b]] ||\n|-\n| dewiki || [[User:B]] ||\n|}'
    table = parse_page(text)[0]
    assert [r.users for r in table.rows] == [(), ('B',)]
    assert any('cannot read the user name' in e.message for e in table.errors)
    result = apply(text, {'B': decision('B', 'active')})
    assert [c.user for c in result.changes] == ['B']


def test_no_status_column_over_wider_rows_says_why() -> None:
    text = '{|\n! Wiki !! User\n|-\n| frwiki || [[User:A]] || my note\n|}'
    result = apply(text, {'A': decision('A', 'active')}, add_status_column=True)
    assert result.text == text
    assert [s.reason for s in result.skipped] == [
        'rows are wider than the header: a status column would go over a column people '
        'write in; no status column added']
