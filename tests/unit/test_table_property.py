"""Property tests of the table engine: generated tables in the styles people write.

(a) parse + render with no decisions gives the input back; (b) a rewrite changes
only bytes inside status cells; (c) rewriting is idempotent and writes what was
decided; (d) people are never invented or lost; (e) the bot's output never
changes which rows exist: ``parse(apply(text))`` has the same rows and people as
``parse(text)`` and a second ``apply`` is a no-op, also when a status column is
added. The tables use rowspans (blank ones too), subheadings and notes. A few
hundred examples in the default lane; in the ``slow`` lane 1,500 under ``make
test`` (a minute and a half on two cores) and 10,000 under ``make slow``
(``TECHROLES_SLOW_EXAMPLES``).
"""
from __future__ import annotations

import os
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techroles.model import Decision, Status
from techroles.render import apply
from techroles.table import parse_page
from tests.unit.table_data import label, outside, status_cell_ranges


pytestmark = pytest.mark.unit

NAMES = ['Lune Claire', 'Kiefernzapfen', 'نجمة الصباح', '山の風', 'Rio Azul', 'Ελένη',
         'Übersetzerin Gamma', 'Minh Khang', 'A&B', 'Quote"Name', 'O\'Brien', 'X']
WIKIS = ['frwiki', 'fr.wikipedia', '[[:de:]]', '[[:es:|es.wikipedia]]', 'https://it.wikipedia.org',
         'Wikimedia Commons', 'Wikidata', 'Meta-Wiki', 'wikt:fr', 'French Wikipedia',
         'xx.wikipedia', '']
LANGS = ['fr', 'de-N, en-3', 'Deutsch (de)', 'Português (Brasil)', '中文', 'Klingonish', '']
STATUSES = [s.value for s in Status]


def person(name: str, style: int) -> str:
    """One way of writing a person (links, signatures, templates, interwiki)."""
    forms = [
        f'[[User:{name}]]',
        f'[[User:{name}|{name}]]',
        f'[[User:{name}|{name}]] ([[User talk:{name}|talk]]) 08:42, 25 September 2018 (UTC)',
        f'{{{{u|{name}}}}}',
        f'{{{{user|{name}}}}}',
        f'[[:fr:Utilisateur:{name.replace(" ", "_")}|{name}]]',
        f'[[m:User:{name}]]',
        f'[[Special:Contributions/{name}|{name}]]',
    ]
    return forms[style % len(forms)]


SEPARATORS = [', ', '<br />', '\n* ', ' and ', ' / ', '、']


@st.composite
def status_cell(draw: st.DrawFn, users: list[str]) -> str:
    """Existing contents of a status cell: blank, notes, spans, markers, comments."""
    parts: list[str] = []
    for user in users:
        if draw(st.booleans()):
            status = draw(st.sampled_from(STATUSES))
            named = draw(st.booleans()) or len(users) == 1
            attr = f' data-user="{user.replace(chr(34), "&quot;")}"' if named else ''
            if draw(st.integers(0, 9)) == 0:
                parts.append('<!-- techroles:manual -->')
            parts.append(f'<span class="techroles-status"{attr} data-status="{status}">'
                         f'{status.title()}</span>')
    extra = draw(st.sampled_from(['', '', ' (on leave)', '<!-- note -->', 'joined 2024',
                                  '<!-- techroles:manual -->', '<translate>x</translate>']))
    joiner = draw(st.sampled_from(['<br />', ' ', '']))
    body = joiner.join(parts)
    if extra:
        body = f'{body} {extra}' if draw(st.booleans()) else f'{extra} {body}'
    return draw(st.sampled_from(['', ' ', '  '])) + body


@st.composite
def table(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A sign-up table in one of the usual styles, and the names it uses."""
    columns = ['wiki', 'user']
    if draw(st.booleans()):
        columns.append('language')
    if draw(st.integers(0, 4)):
        columns.append('status')
    if draw(st.booleans()):
        columns.append('notes')
    columns = draw(st.permutations(columns)) if draw(st.integers(0, 3)) == 0 else columns
    headers = {'wiki': ['Wiki', 'Project', 'Projet', 'Community'],
               'user': ['User', 'Ambassador(s)', 'Utilisateur', 'Benutzer', 'Translators'],
               'language': ['Language', 'Langues', 'Code'],
               'status': ['Status', 'Statut', 'Estado'],
               'notes': ['Notes', 'Remarques']}
    titles = [draw(st.sampled_from(headers[c])) for c in columns]
    starts = ['{| class="wikitable sortable"', '{|', '{| class="wikitable"']
    lines = [draw(st.sampled_from(starts))]
    if draw(st.booleans()):
        lines.append('|+ Caption')
    if draw(st.booleans()):
        lines.append('|-')
    if draw(st.booleans()):
        lines.append('! ' + ' !! '.join(titles))
    else:
        lines.extend(f'! {t}' for t in titles)
    used: list[str] = []
    covered: dict[int, int] = {}  # column -> rows still reached by a rowspan above
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 14))
        lines.append('|-')
        if kind == 0 and not covered:
            lines.append(f'| colspan="{len(columns)}" | a note row')
            continue
        if kind == 13 and not covered:
            lines.append(f'! colspan="{len(columns)}" | A subheading')
            continue
        if kind == 14 and 'status' in columns:
            # Only a blank cell spanning rows (the bot may write into it later).
            free = [i for i in range(len(columns)) if i not in covered]
            if free:
                lines.append(f'| rowspan="{draw(st.integers(2, 3))}" |')
                col = free[0]
                covered = {c: n - 1 for c, n in covered.items() if n > 1}
                covered[col] = 2
                continue
        if kind == 1:
            lines.append('<!--\n| xx || [[User:Commented Out]] ||\n|-\n-->')
        if kind == 2:
            continue  # empty row
        users = draw(st.lists(st.sampled_from(NAMES), min_size=0, max_size=3, unique=True))
        used.extend(u for u in users if u not in used)
        sep = draw(st.sampled_from(SEPARATORS))
        cells = []
        spans: list[str] = []
        here = dict(covered)
        covered = {c: n - 1 for c, n in covered.items() if n > 1}
        for index, column in enumerate(columns):
            if index in here:
                cells.append(None)
                spans.append('')
                continue
            span = ''
            if draw(st.integers(0, 5)) == 0:
                rows = draw(st.integers(2, 3))
                span = f'rowspan="{rows}" | '
                covered[index] = rows - 1
            spans.append(span)
            if column == 'wiki':
                cells.append(draw(st.sampled_from(WIKIS)))
            elif column == 'user':
                cells.append(sep.join(person(u, draw(st.integers(0, 7))) for u in users))
            elif column == 'language':
                cells.append(draw(st.sampled_from(LANGS)))
            elif column == 'status':
                cells.append(draw(status_cell(users)))
            else:
                cells.append(draw(st.sampled_from(['', 'since 2020', "'''note'''"])))
        written = [(span, cell) for span, cell in zip(spans, cells, strict=True)
                   if cell is not None]
        if not written:
            continue
        if '\n' in ''.join(c for _s, c in written) or any(written_span for written_span, _c
                                                        in written) or draw(st.booleans()):
            for span, cell in written:
                attr = span or draw(st.sampled_from(['', '', 'style="color:red" | ',
                                                     'data-sort-value="3" | ']))
                lines.append(f'| {attr}{cell}')
        else:
            lines.append('| ' + ' || '.join(c for _s, c in written))
    lines.append('|}')
    return '\n'.join(lines), used


@st.composite
def page(draw: st.DrawFn) -> tuple[str, dict[str, Decision]]:
    """A page with one to three tables and decisions for some of its people."""
    parts = [draw(st.sampled_from(['', 'Intro.\n', '<languages/>\n']))]
    names: list[str] = []
    for i in range(draw(st.integers(1, 3))):
        text, used = draw(table())
        names.extend(used)
        heading = draw(st.sampled_from(['', f'== Section {i} ==\n',
                                        '== <translate>Title</translate> ==\n']))
        wrap = draw(st.integers(0, 9))
        if wrap == 0:
            text = f'<translate>\n{text}\n</translate>'
        elif wrap == 1:
            text = f'<div>\n{text}\n</div>'
        parts.append(f'{heading}{text}\n')
    decisions: dict[str, Decision] = {}
    for name in names:
        if draw(st.integers(0, 4)):
            status = Status(draw(st.sampled_from(STATUSES)))
            decisions[name] = Decision(name, status, since=date(2026, 1, 2), new_name='New Name')
    return '\n'.join(parts), decisions


def rows_and_people(text: str) -> tuple[list[tuple[int, int, tuple[str, ...]]], set[str]]:
    """Every data row (table, line, people) and everyone listed."""
    rows = [(t.index, r.line, r.users) for t in parse_page(text) for r in t.rows]
    return rows, {user for _t, _l, users in rows for user in users}


def without_lines(found: tuple[list[tuple[int, int, tuple[str, ...]]], set[str]]
                  ) -> tuple[list[tuple[int, tuple[str, ...]]], set[str]]:
    """The same, lines left out (an added header cell may take a line of its own)."""
    return [(index, users) for index, _line, users in found[0]], found[1]


def check(text: str, decisions: dict[str, Decision]) -> None:
    tables = parse_page(text)
    # (a) no decisions: the input comes back byte for byte.
    assert apply(text, {}).text == text
    result = apply(text, decisions, label=label)
    new = result.text
    # (b) only status cells changed.
    assert outside(text, status_cell_ranges(text)) == outside(new, status_cell_ranges(new))
    # (d) the same people, in the same rows.
    after = parse_page(new)
    assert [(r.line, r.users, r.wikis) for t in tables for r in t.rows] == \
        [(r.line, r.users, r.wikis) for t in after for r in t.rows]
    # (c) idempotent, and every reported change is what the page now says.
    assert apply(new, decisions, label=label).text == new
    # (e) the output never changes which rows exist, also with an added column.
    assert rows_and_people(text) == rows_and_people(new)
    added = apply(text, decisions, label=label, add_status_column=True).text
    assert without_lines(rows_and_people(added)) == without_lines(rows_and_people(text))
    assert apply(added, decisions, label=label, add_status_column=True).text == added
    written = {(c.table, c.line, c.user) for c in result.changes}
    for tbl in after:
        for row in tbl.rows:
            for user, status in zip(row.users, row.statuses, strict=True):
                if (tbl.index, row.line, user) in written:
                    assert status == decisions[user].status.value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page())
def test_generated_pages(case: tuple[str, dict[str, Decision]]) -> None:
    check(*case)


#: Generated pages of the slow lane (``make slow`` asks for 10,000).
SLOW_EXAMPLES = int(os.environ.get('TECHROLES_SLOW_EXAMPLES', '1500'))


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(page())
def test_generated_pages_slow(case: tuple[str, dict[str, Decision]]) -> None:
    """Many pages, each checked here and by test_render_spans_property (only spans change)."""
    from tests.unit.test_render_spans_property import check as check_spans

    check(*case)
    check_spans(*case)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('{|}!-+ \n[]:Ua=<>/"\'x')), max_size=80))
def test_arbitrary_markup_round_trips(text: str) -> None:
    """Random table-ish markup never crashes and comes back unchanged without decisions."""
    tables = parse_page(text)
    assert apply(text, {}).text == text
    assert apply(text, {'X': Decision('X', Status.ACTIVE)}, add_status_column=True).text \
        is not None
    assert all(isinstance(t.index, int) for t in tables)
