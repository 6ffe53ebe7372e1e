"""People control their own entry; every status is explained (issue: trust)."""
from __future__ import annotations

import re
import urllib.request

import pytest

from testbed.fixtures import World
from testbed.humans import Human
from tests.integration.helpers import AMBASSADORS, config, run, signup, statuses, text
from tests.integration.test_update import everyone_page, spans
from tests.integration.world import EXPECTED, base_now


pytestmark = pytest.mark.integration

BOB_BOT = ('<span class="techroles-status" data-user="Bob Stale" data-status="inactive">'
           'No activity seen since 2025-10-21</span>')
BOB_HUMAN = ('<span class="techroles-status" data-user="Bob Stale" data-status="active">'
             'Active (on leave, back in spring)</span>')
SAM_BOT = ('<span class="techroles-status" data-user="Sam Slipping" data-status="active">'
           'Active</span>')
SAM_HUMAN = ('<span class="techroles-status" data-user="Sam Slipping" data-status="active">'
             'Active (says a friend)</span>')


def two_rows(bob: str, sam: str) -> str:
    return '\n'.join(['{| class="wikitable"', '! Wiki !! User !! Status',
                      '|-', f'| fr.wikipedia || [[User:Bob Stale]] || {bob}',
                      '|-', f'| fr.wikipedia || [[User:Sam Slipping]] || {sam}', '|}', ''])


def history_with_a_correction(wiki, corrected_days_ago: float) -> None:
    """Bot wrote Bob 'inactive' and Sam 'active' 40 days ago; a person then
    corrected both spans ``corrected_days_ago`` days ago."""
    World(wiki, now=base_now()).page('metawiki', AMBASSADORS, [
        (60, 'Admin', two_rows('', '')),
        (40, 'TechRolesBot', two_rows(BOB_BOT, SAM_BOT)),
        (corrected_days_ago, 'Admin', two_rows(BOB_HUMAN, SAM_HUMAN)),
    ]).apply()


def test_a_human_correction_sticks_for_the_configured_days(wiki, tmp_path):
    history_with_a_correction(wiki, corrected_days_ago=10)
    outcome = run('update', config(tmp_path, respect_human_days=30), '-always')
    assert outcome.code == 0, outcome.stderr
    after = text(wiki, AMBASSADORS)
    # Bob is still inactive, as the bot last wrote: the person's correction stays.
    assert BOB_HUMAN in after
    # Sam's status changed again (active -> slipping): the bot writes it.
    assert SAM_HUMAN not in after and spans(after)['Sam Slipping'] == 'slipping'
    people = {p['name']: p for p in outcome.report['people']}
    assert people['Bob Stale']['held_until'] is not None
    status_page = text(wiki, 'User:TechRolesBot/status')
    assert 'Bob Stale' in status_page and 'corrected by a person' in status_page


def test_a_human_correction_expires(wiki, tmp_path):
    history_with_a_correction(wiki, corrected_days_ago=10)
    outcome = run('update', config(tmp_path, respect_human_days=5), '-always')
    assert outcome.code == 0, outcome.stderr
    after = text(wiki, AMBASSADORS)
    assert BOB_HUMAN not in after and spans(after)['Bob Stale'] == 'inactive'


def test_a_manual_cell_survives_runs_and_is_listed(wiki, tmp_path):
    manual = '<!-- techroles:manual --> On a wikibreak, back in March'
    page = everyone_page().replace(
        '[[User:Bob Stale|Bob Stale]] || ', f'[[User:Bob Stale|Bob Stale]] || {manual} ')
    signup(wiki, page)
    cfg = config(tmp_path)
    for _ in range(2):
        outcome = run('update', cfg, '-always')
        assert outcome.code == 0, outcome.stderr
        assert f'[[User:Bob Stale|Bob Stale]] || {manual} ||' in text(wiki, AMBASSADORS)
    assert 'Bob Stale' in text(wiki, 'User:TechRolesBot/status').split('Cells marked manual')[1]


def test_limit_changes_at_most_n_cells_per_run(wiki, tmp_path):
    signup(wiki, everyone_page())
    cfg = config(tmp_path)
    first = run('update', cfg, '-always', '--limit', '3')
    assert first.code == 0, first.stderr
    assert sum(s is not None for s in spans(text(wiki, AMBASSADORS)).values()) == 3
    second = run('update', cfg, '-always', '--limit', '3')
    assert second.code == 0
    assert sum(s is not None for s in spans(text(wiki, AMBASSADORS)).values()) == 6
    # The per-edit ceiling holds on top of it.
    ceiling = run('update', config(tmp_path, max_changes_per_edit=2), '-always')
    assert ceiling.code == 0
    assert sum(s is not None for s in spans(text(wiki, AMBASSADORS)).values()) == 8


def test_evidence_and_explanation_pages_render_with_working_links(wiki, tmp_path):
    signup(wiki, everyone_page())
    outcome = run('update', config(tmp_path), '-always')
    assert outcome.code == 0, outcome.stderr
    human = Human(wiki, 'metawiki')
    evidence = human.get(action='parse', page='User:TechRolesBot/evidence',
                         prop='text|iwlinks')['parse']
    html = evidence['text']
    assert 'Bob Stale' in html and 'Alice Active' not in html  # only people not active
    bob = next(p for p in outcome.report['people'] if p['name'] == 'Bob Stale')
    revid = bob['evidence']['revid']
    hrefs = re.findall(r'href="([^"]+)"', html)
    diff = next(h for h in hrefs if f'Special:Diff/{revid}' in h)
    with urllib.request.urlopen(diff.replace("&amp;", "&")) as response:  # follows redirects
        assert f':{wiki.ports["frwiki"]}/' in response.geturl()
        assert f'diff={revid}' in response.geturl() or 'Special:Diff' in response.geturl() \
            or str(revid) in response.read().decode()
    lucy = next(p for p in outcome.report['people'] if p['name'] == 'Lucy Logger')
    assert lucy['status'] == 'active'  # active people are not on the evidence page
    assert any('Special:CentralAuth/Bob' in h for h in hrefs)
    explanation = human.get(action='parse', page='User:TechRolesBot/explanation',
                            prop='text')['parse']['text']
    assert 'techroles:manual' in explanation and 'shutoff' in explanation
    assert 'data-status="inactive"' in explanation  # the legend shows the labels
    # Every edit summary links the explanation page and the status page.
    last = human.recent_changes(AMBASSADORS, limit=1)[0]
    assert 'User:TechRolesBot/explanation' in last['comment']
    assert 'User:TechRolesBot/status' in last['comment']
    assert set(statuses(outcome)) == set(EXPECTED)


def test_the_explanation_is_printed_without_a_wiki_write(wiki, tmp_path):
    outcome = run('explain', config(tmp_path), '--print')
    assert outcome.code == 0, outcome.stderr
    assert 'first rule that applies' in outcome.stdout
    assert "'''inactive'''" in outcome.stdout
    assert text(wiki, 'User:TechRolesBot/explanation') is None
