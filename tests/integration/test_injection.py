"""Injection (issue 8): nothing the bot reads from a wiki can leave its cell or
become markup in a page it writes.

Hostile strings come in through every channel the bot reads: people's names,
a rename's new name (from the rename log), a logged action, the wiki and
language cells of the sign-up tables, the delivery list's targets, an API
error's text (through the fault proxy) and the on-wiki configuration. The
saved pages (sign-up pages, status, evidence, explanation and KPI pages) are
then parsed by the wiki (``action=parse``: categories, templates, links,
page properties, HTML) and by ``techroles.table.parse_page``: no category,
template, link, behaviour switch, signature or script comes out of the
hostile data, and the sign-up tables keep exactly their tables, rows and cells.
"""
from __future__ import annotations

import html
import json
import re

import pytest

from techroles import table
from testbed.faultproxy import ProxiedFarm, has
from testbed.fixtures import World
from testbed.humans import Human
from tests.integration.helpers import (
    AMBASSADORS,
    TRANSLATORS,
    config,
    put,
    run,
    signup,
    text,
)
from tests.integration.world import base_now


pytestmark = pytest.mark.integration

#: Every hostile piece the issue names; each must come out as visible text.
PIECES = ['|}', '{{', '<script>', '[[Category:Injected]]', '~~~~', '<!--', '__NOTOC__',
          '{|', ']]']
HOSTILE = '|}{{Injected}}<script>alert(1)</script>[[Category:Injected]]~~~~<!--__NOTOC__{|]]'
ODD_NAME = 'Quote O\'Hara "Q" & Co!!'
BOT_PAGES = ['User:TechRolesBot/status', 'User:TechRolesBot/evidence',
             'User:TechRolesBot/explanation', 'User:TechRolesBot/KPI']
STATUS = 'User:TechRolesBot/status'
DELIVERY = 'Global message delivery/Targets/Tech ambassadors'

AMBASSADOR_PAGE = f"""Intro.
{{| class="wikitable sortable"
! Wiki !! Ambassador !! Status !! Notes
|-
| fr.wikipedia || [[User:Alice Active]] || || note
|-
| fr.wikipedia || [[User:Hostile Rename]] || || renamed with a hostile new name
|-
| fr.wikipedia || [[User:Log Mischief]] || || only a hostile logged action
|-
| fr.wikipedia || [[User:{ODD_NAME}]] || || quotes in the name
|-
| ar.wikipedia || [[User:نجمة الصباح]] || || the API answers a hostile error here
|-
| xx<script>alert(1)</script>[[Category:Injected]]~~~~ || [[User:Bob Stale]] || || hostile wiki
|}}
"""
TRANSLATOR_PAGE = """{| class="wikitable"
! Language !! Translators !! Status
|-
| Klingon<script>alert(1)</script>[[Category:Injected]] || [[User:Meta Only]] ||
|-
| français || [[User:Emma Email]] ||
|}
"""


@pytest.fixture(scope='module')
def proxied(farm, tmp_path_factory):
    proxies = ProxiedFarm(farm, tmp_path_factory.mktemp('proxied')).start()
    yield proxies
    proxies.stop()


def parsed(human: Human, title: str) -> dict:
    return human.get(action='parse', page=title,
                     prop='text|categories|templates|links|properties|sections')['parse']


def visible(parse: dict) -> str:
    """The rendered page as a reader sees it (tags removed, entities decoded)."""
    return html.unescape(re.sub(r'<[^>]+>', '', parse['text']))


def assert_nothing_injected(parse: dict, *, allowed: dict | None = None) -> None:
    """No category, template, link or behaviour switch from the hostile data."""
    allowed = allowed or {}
    categories = {c['category'] for c in parse.get('categories', [])}
    templates = {t['title'] for t in parse.get('templates', [])}
    links = {link['title'] for link in parse.get('links', [])}
    assert categories <= allowed.get('categories', set()), categories
    assert templates <= allowed.get('templates', set()), templates
    assert not {t for t in links if 'Injected' in t or 'alert' in t} - \
        allowed.get('links', set()), links
    assert 'notoc' not in {p.get('name') for p in parse.get('properties', [])}
    assert '<script' not in parse['text'].lower()


def counts(parse: dict) -> tuple[int, int, int]:
    """Tables, rows and cells of the rendered page."""
    page = parse['text']
    return page.count('<table'), page.count('<tr'), page.count('<td') + page.count('<th')


def test_hostile_data_cannot_break_out_of_its_cell(wiki, proxied, tmp_path):
    human = Human(wiki, 'metawiki')
    world = World(wiki, now=base_now())
    world.log('frwiki', 'renameuser', 'renameuser', 'Admin', 'Utilisateur:Hostile Rename', 3,
              {'4::olduser': 'Hostile Rename', '5::newuser': HOSTILE, '6::edits': 0})
    world.account('frwiki', 'Log Mischief')
    world.log('frwiki', 'upload', f'upload{HOSTILE[:40]}', 'Log Mischief', 'File:X.png', 75)
    world.account('frwiki', ODD_NAME)
    world.edits('frwiki', ODD_NAME, 5)
    world.apply()
    put(wiki, DELIVERY, '\n'.join([
        '* {{target | page = Wikipédia:Le Bistro/Technique | site = fr.wikipedia.org}}',
        '* {{target | page = X]]{{Injected}}<script>alert(1)</script> '
        '| site = fr.wikipedia.org}}',
        f'* {{{{target | page = {HOSTILE} | site = xx{HOSTILE}}}}}',
    ]))
    signup(wiki, AMBASSADOR_PAGE)
    signup(wiki, TRANSLATOR_PAGE, title=TRANSLATORS)
    before = {title: parsed(human, title) for title in (AMBASSADORS, TRANSLATORS)}
    proxied.clear()
    proxied['arwiki'].add(action='api_error', code='hostile-code', info=HOSTILE,
                          match={'list': has('usercontribs')})
    cfg = config(tmp_path, tables=[
        {'site': 'meta:meta', 'page': AMBASSADORS, 'kind': 'ambassadors'},
        {'site': 'meta:meta', 'page': TRANSLATORS, 'kind': 'translators'}])
    outcome = run('run', cfg, '-always', '--kpi-report', str(tmp_path / 'kpi.json'),
                  env=proxied.env())
    proxied.clear()
    assert outcome.code == 1, outcome.stderr[-3000:]   # arwiki incomplete
    assert 'Traceback (most recent call last)' not in outcome.stderr.replace(
        'ERROR: Traceback (most recent call last)', '')
    got = {p['name']: p for p in outcome.report['people']}
    assert got['Hostile Rename']['status'] == 'renamed'
    assert got['Hostile Rename']['new_name'] == HOSTILE
    assert got['Log Mischief']['status'] == 'slipping'
    assert got[ODD_NAME]['status'] == 'active'
    assert got['نجمة الصباح']['status'] == 'unknown'

    # The sign-up pages: the same tables, rows and cells; nothing new rendered.
    for title, source in ((AMBASSADORS, AMBASSADOR_PAGE), (TRANSLATORS, TRANSLATOR_PAGE)):
        saved = text(wiki, title)
        assert saved != source.rstrip('\n'), title
        shape = lambda page: [(t.index, t.kind, [(r.line, r.users, r.wikis, r.languages)  # noqa: E731
                                                 for r in t.rows]) for t in
                              table.parse_page(page)]
        assert shape(saved) == shape(source)
        after = parsed(human, title)
        assert counts(after) == counts(before[title]), title
        was = before[title]
        assert_nothing_injected(after, allowed={
            'categories': {c['category'] for c in was.get('categories', [])},
            'templates': {t['title'] for t in was.get('templates', [])},
            'links': {link['title'] for link in was.get('links', [])}})
        assert {s['line'] for s in after['sections']} == {s['line'] for s in was['sections']}
    page = visible(parsed(human, AMBASSADORS))
    assert f'Renamed to {HOSTILE}' in page                    # shown as text, in its cell
    cells = {user: page_cell for user, page_cell in _status_cells(text(wiki, AMBASSADORS))}
    assert cells['Hostile Rename'].count('<span') == 1
    assert 'data-status="renamed"' in cells['Hostile Rename']

    # The pages the bot owns: nothing injected, the hostile text shown as text.
    for title in BOT_PAGES:
        assert_nothing_injected(parsed(human, title))
    status = visible(parsed(human, STATUS))
    assert 'hostile-code' in status and HOSTILE in status       # the API's error text
    assert "unknown wiki '[[Category:Injected]]'" in status      # the wiki cell
    assert "unknown language '[[Category:Injected]]'" in status  # the language cell
    evidence = visible(parsed(human, 'User:TechRolesBot/evidence'))
    assert HOSTILE in evidence                                    # the new name
    assert f'upload{HOSTILE[:40]}' in evidence                    # the logged action
    for piece in PIECES:
        assert piece in status + evidence, piece
    # Every edit summary is the bot's own text.
    for rev in human.recent_changes(AMBASSADORS) + human.recent_changes(STATUS):
        if rev['user'] == 'TechRolesBot':
            assert not any(p in rev['comment'] for p in ('Injected', '<script', '~~~~', '{{'))
    kpi = json.loads((tmp_path / 'kpi.json').read_text())
    assert 'ambassadors' in kpi


def _status_cells(page: str) -> list[tuple[str, str]]:
    return [(user, page[r.status.cell.start:r.status.cell.end])
            for t in table.analyse(page).tables for r in t.rows if r.status
            for user in r.row.users]


def test_a_hostile_onwiki_configuration_is_refused_and_shown_as_text(wiki, tmp_path):
    title = 'User:TechRolesBot/config.json'
    World(wiki, now=base_now()).page('metawiki', title, [(1, 'TechRolesBot', json.dumps({
        'labels': {'en': {'active': HOSTILE[:100]}}}))]).apply()
    signup(wiki, AMBASSADOR_PAGE)
    before = text(wiki, AMBASSADORS)
    outcome = run('update', config(tmp_path, wiki_config_page=title), '-always')
    assert outcome.code == 2
    assert text(wiki, AMBASSADORS) == before
    human = Human(wiki, 'metawiki')
    status = parsed(human, STATUS)
    assert_nothing_injected(status)
    shown = visible(status)
    assert 'labels.en.active' in shown and 'wiki markup' in shown
    assert '[[Category:Injected]]' in shown or '{{Injected}}' in shown
