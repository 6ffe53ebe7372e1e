"""Bad input (issue 8): malformed tables, forbidden names, unknown wikis, broken or
hostile configuration, very large pages.

Each problem gives a one-line message naming its place (``site:page table N
line L``); an unknown wiki or a bad name affects its row only; a structural
error skips its table; the other tables proceed.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from benchmarks.tablebench import build
from techroles import table
from tests.conftest import subprocess_env
from tests.integration.helpers import AMBASSADORS, config, run, signup, statuses, text


pytestmark = pytest.mark.integration

PLACE = 'meta:meta:Tech/Ambassadors/List'
LINE = re.compile(r'^(ERROR|WARNING) (\S+?:\S+?:[^:]+?)( table \d+)?( line \d+)?: (.+)$')

MALFORMED = """Intro people wrote.
== Good ==
{| class="wikitable"
! Wiki !! User !! Status
|-
| fr.wikipedia || [[User:Alice Active]] ||
|-
| xx.wikipedia || [[User:Sam Slipping]] ||
|-
| fr.wikipedia || {{u|Jo@home}} ||
|-
| fr.wikipedia || [[User:Foo:Bar]] ||
|-
| fr.wikipedia || [[User:192.0.2.7]] ||
|-
| fr.wikipedia || [[User:Bob Stale]] ||
|-
| fr.wikipedia || [[User:Bob Stale]] ||
|-
| fr.wikipedia || [[User:Emma Email]] || || extra || cells
|-
| fr.wikipedia || [[User:Lucy Logger]]
|}
== Nested ==
{| class="wikitable"
! Wiki !! User !! Status
|-
| Meta || [[User:Meta Only]] ||
|-
| fr.wikipedia || [[User:Zero Edits]] ||
{|
| a table in the cell
|}
|}
== Rows from templates ==
{| class="wikitable"
! Wiki !! User !! Status
{{Ambassador row|de.wikipedia|Somebody}}
|-
| fr.wikipedia || [[User:Temp Tim]] ||
|-
| fr.wikipedia || [[User:Partial Pete]] ||
{{Ambassador row|it.wikipedia|Somebody Else}}
|}
== Unclosed ==
{| class="wikitable"
! Wiki !! User !! Status
|-
| fr.wikipedia || [[User:Andy Autocreated]] ||
"""


def status_cells(page: str) -> dict[tuple[int, str], str]:
    """(table, person) -> the status cell's bytes."""
    out = {}
    for tbl in table.analyse(page).tables:
        for row in tbl.rows:
            if row.status is not None:
                for user in row.row.users:
                    out[tbl.index, user] = page[row.status.cell.start:row.status.cell.end]
    return out


def test_malformed_tables_affect_only_their_row_or_table(wiki, tmp_path):
    signup(wiki, MALFORMED)
    outcome = run('update', config(tmp_path), '-always')
    after = text(wiki, AMBASSADORS)
    # A table that cannot be read is an incomplete run (exit 1), not a crash.
    assert outcome.code == 1, outcome.stderr[-3000:]
    assert not re.search(r'^Traceback', outcome.stderr, re.M)
    lines = [m.groups() for m in map(LINE.match, outcome.stderr.splitlines()) if m]
    said = {(sev, tbl, line): message for sev, where, tbl, line, message in lines
            if where == PLACE}

    def message(severity: str, tbl: int, line: int | None = None) -> str:
        key = (severity, f' table {tbl}', f' line {line}' if line else None)
        assert key in said, (key, sorted(said))
        return said[key]

    assert 'unclosed table' in message('ERROR', 3, 46)           # structural: table skipped
    assert all(not m.startswith('table ') for m in said.values())  # the place said once
    assert 'unknown wiki' in message('WARNING', 0, 8)            # its row only
    assert 'duplicate' in message('WARNING', 0, 18)
    assert 'beyond the header' in message('WARNING', 0, 20)
    assert 'no status cell' in message('WARNING', 0, 22)
    assert 'nested table' in message('WARNING', 1, 30)
    assert 'may produce table rows' in message('WARNING', 2, 38)
    assert 'may produce table rows' in message('WARNING', 2, 42)
    # Written: the readable rows of every readable table.
    got = statuses(outcome)
    assert got['Alice Active'] == 'active' and got['Bob Stale'] == 'inactive'
    assert got['Meta Only'] == 'active' and got['Temp Tim'] == 'active'
    for bad in ('Jo@home', 'Foo:Bar', '192.0.2.7'):       # names MediaWiki forbids
        assert got[bad] == 'missing', (bad, got[bad])
        assert 'data-status="missing"' in status_cells(after)[0, bad]
    # Listed but not written: a row with too many cells, a row with an unknown wiki.
    written = {p['name']: p['written'] for p in outcome.report['people']}
    assert written['Emma Email'] is False and written['Sam Slipping'] is False
    assert written['Alice Active'] is True
    cells = status_cells(after)
    assert 'data-status="active"' in cells[0, 'Alice Active']
    assert cells[0, 'Bob Stale'].count('data-status="inactive"') == 1
    assert 'data-status="active"' in cells[2, 'Temp Tim']
    # Not written: rows with an unknown wiki, too many cells or a nested table, the
    # cell followed by template rows, and the whole unclosed table.
    before = status_cells(MALFORMED)
    for key in [(0, 'Sam Slipping'), (0, 'Emma Email'), (1, 'Zero Edits'),
                (2, 'Partial Pete')]:
        assert cells[key] == before[key], key
    assert after.endswith(MALFORMED[MALFORMED.index('== Unclosed =='):].rstrip('\n'))
    # Nothing outside the status cells changed.
    assert _outside(MALFORMED) == _outside(after + '\n')
    reported = {(t['index'], t['reason']) for t in outcome.report['tables']}
    assert any(i == 3 and 'unclosed' in reason for i, reason in reported)


def _outside(page: str) -> list[str]:
    ranges = sorted({(r.status.cell.start, r.status.cell.end)
                     for t in table.analyse(page).tables for r in t.rows if r.status})
    pieces, pos = [], 0
    for start, end in ranges:
        pieces.append(page[pos:start])
        pos = end
    return [*pieces, page[pos:]]


@pytest.mark.parametrize(('change', 'expected'), [
    ({'active_days': '90'}, 'active_days: must be a whole number'),
    ({'active_days': 1e308}, 'active_days: must be between'),
    ({'max_flip_share': 10 ** 400}, 'max_flip_share'),
    ({'labels': {'en': {'active': "[[Category:X]] '''Active'''"}}}, 'labels.en.active'),
    ({'tables': [{'site': 'meta:meta', 'page': AMBASSADORS, 'kind': 'ambassadors',
                  'colour': 'red'}]}, 'tables[0].colour: unknown key'),
    ({'tables': [{'site': 'wikipedia:xx', 'page': 'X', 'kind': 'ambassadors'}]},
     "site 'wikipedia:xx'"),
], ids=['wrong-type', 'huge-number', 'huge-integer', 'markup-label', 'unknown-key',
        'unknown-site'])
def test_a_broken_configuration_file_is_refused_in_one_line(wiki, tmp_path, change, expected):
    before = text(wiki, AMBASSADORS)
    path = config(tmp_path, **change)
    outcome = run('update', path, '-always')
    assert outcome.code == 2, outcome.stderr
    errors = [line for line in outcome.stderr.splitlines() if line.startswith('ERROR ')]
    assert len(errors) == 1 and errors[0].count(str(path)) == 1 and expected in errors[0], errors
    assert 'Traceback' not in outcome.stderr
    assert text(wiki, AMBASSADORS) == before


def test_a_configuration_that_is_not_json_is_refused(wiki, tmp_path):
    path = tmp_path / 'config.json'
    path.write_text('{"tables": [ {"site": "meta:meta", ')
    outcome = run('update', path, '-always')
    assert outcome.code == 2
    assert re.fullmatch(rf'ERROR {re.escape(str(path))}: .*invalid JSON at line 1 column \d+.*\n',
                        outcome.stderr), outcome.stderr


def big_page(size: int) -> str:
    """The base people's sign-up table, then archived tables up to ``size`` bytes."""
    people = ['Alice Active', 'Bob Stale', 'Sam Slipping', 'Emma Email', 'Meta Only',
              'Lucy Logger', 'Zero Edits', 'Temp Tim']
    head = ['Intro.', '{| class="wikitable sortable"', '! Wiki !! Ambassador !! Status !! Notes']
    for name in people:
        wiki = 'Meta' if name == 'Meta Only' else 'fr.wikipedia'
        head += ['|-', f'| {wiki} || [[User:{name}|{name}]] || || note of {name}']
    head += ['|}', '', '== Archive ==']
    parts = ['\n'.join(head)]
    used = len(parts[0].encode())
    i = 0
    while used < size - 200:
        block = ['{| class="wikitable"', '! Date !! Topic !! Summary']
        for j in range(500):
            block += ['|-', f'| 2019-{1 + j % 12:02d}-{1 + j % 28:02d} || Topic {i}-{j} || '
                            f"Discussion about [[Tech/News/2019/{j % 52:02d}|issue {j}]], "
                            "with ''notes'' and a {{tl|template}}."]
        block.append('|}')
        chunk = '\n'.join(block)
        if used + len(chunk.encode()) + 1 > size:
            break
        parts.append(chunk)
        used += len(chunk.encode()) + 1
        i += 1
    page = '\n'.join(parts)
    return page + '\n' + 'x' * (size - len(page.encode()) - 1)


@pytest.mark.slow
def test_a_2mb_signup_page_on_the_wiki(wiki, tmp_path, record_property):
    page = big_page(2_000_000)  # MediaWiki's limit is 2048 KiB; the spans fit.
    assert len(page.encode()) == 2_000_000
    signup(wiki, page)
    start = time.perf_counter()
    outcome = run('update', config(tmp_path), '-always')
    elapsed = time.perf_counter() - start
    record_property('update_2mb_seconds', round(elapsed, 1))
    print(f'\nupdate of a 2 MB sign-up page: {elapsed:.1f} s')
    assert outcome.code == 0, outcome.stderr[-3000:]
    after = text(wiki, AMBASSADORS)
    got = statuses(outcome)
    assert got['Alice Active'] == 'active' and got['Bob Stale'] == 'inactive'
    assert len(after.encode()) > len(page.encode())
    assert after[after.index('== Archive =='):] == page[page.index('== Archive =='):].rstrip('\n')


@pytest.mark.slow
def test_a_5mb_page_through_techroles_parse(tmp_path, record_property):
    page, _decisions = build(31_000)
    path = tmp_path / 'big.wiki'
    path.write_text(page, encoding='utf-8')
    assert len(page.encode()) > 5_000_000
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, '-m', 'techroles.cli', 'parse', str(path)],
                          capture_output=True, text=True, env=subprocess_env(), check=False,
                          timeout=300)
    elapsed = time.perf_counter() - start
    record_property('parse_5mb_seconds', round(elapsed, 1))
    print(f'\ntechroles parse of a {len(page.encode()) / 1e6:.1f} MB page: {elapsed:.1f} s')
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert sum(len(t['rows']) for t in result['tables']) == 31_000
