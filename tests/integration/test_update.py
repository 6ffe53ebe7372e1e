"""``techroles update`` end to end on the local wikis (issue: the main job)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from techroles import table
from testbed.fixtures import World
from testbed.humans import Human
from tests.integration.helpers import (
    AMBASSADORS,
    SHUTOFF,
    TRANSLATORS,
    config,
    put,
    run,
    signup,
    statuses,
    text,
)
from tests.integration.world import EXPECTED, FR_TECH_PAGE, base_now


pytestmark = pytest.mark.integration

ROW_WIKI = {'نجمة الصباح': 'ar.wikipedia', 'Meta Only': 'Meta', 'Patch Runner': 'fr.wikipedia'}


def everyone_page() -> str:
    lines = ['Intro text people wrote.', '', '== Wikipedias ==',
             '{| class="wikitable sortable"', '! Wiki !! Ambassador !! Status !! Notes']
    for name in EXPECTED:
        lines += ['|-', f'| {ROW_WIKI.get(name, "fr.wikipedia")} || [[User:{name}|{name}]] || '
                        f'|| note of {name}']
    lines += ['|}', '', 'Footer people wrote.']
    return '\n'.join(lines) + '\n'


def spans(page_text: str, lang: str = 'en') -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for tbl in table.parse_page(page_text, lang):
        for row in tbl.rows:
            for user, status in zip(row.users, row.statuses, strict=True):
                out[user] = status
    return out


def test_every_status_and_its_precedence(wiki, tmp_path):
    signup(wiki, everyone_page())
    before = text(wiki, AMBASSADORS)
    outcome = run('update', config(tmp_path), '-always')
    assert outcome.code == 0, outcome.stderr
    expected = dict(EXPECTED, **{'Patch Runner': 'inactive'})
    assert statuses(outcome) == expected
    after = text(wiki, AMBASSADORS)
    assert spans(after) == expected
    # Only the status cells changed: same rows, same people, same notes.
    assert after.startswith('Intro text people wrote.') and after.endswith('Footer people wrote.')
    for name in EXPECTED:
        assert f'note of {name}' in after
    assert [r.users for t in table.parse_page(before) for r in t.rows] == \
        [r.users for t in table.parse_page(after) for r in t.rows]
    people = {p['name']: p for p in outcome.report['people']}
    now = base_now()
    bob = people['Bob Stale']
    assert bob['evidence']['wiki'] == 'frwiki' and 'revid' in bob['evidence']
    assert bob['evidence']['timestamp'].startswith((now - timedelta(days=400)).date().isoformat())
    assert (now - timedelta(days=400)).date().isoformat() in after  # the label's date
    lucy = people['Lucy Logger']
    assert 'logid' in lucy['evidence']  # active through a logged action
    assert people['Old Name']['new_name'] == 'New Name'
    assert people['Former Global']['new_name'] == 'Current Global'
    assert 'New Name' in after and '[[User:Old Name|Old Name]]' in after  # entry never rewritten
    saved = outcome.report['tables']
    assert saved and saved[0]['saved'] is True
    last = Human(wiki, 'metawiki').recent_changes(AMBASSADORS, limit=1)[0]
    assert last['user'] == 'TechRolesBot' and last['bot'] is True
    assert '#techroles' in last['comment'] and 'now inactive' in last['comment']


def test_a_second_run_saves_nothing(wiki, tmp_path):
    signup(wiki, everyone_page())
    cfg = config(tmp_path)
    assert run('update', cfg, '-always').code == 0
    revisions = len(Human(wiki, 'metawiki').revisions(AMBASSADORS))
    outcome = run('update', cfg, '-always')
    assert outcome.code == 0, outcome.stderr
    assert len(Human(wiki, 'metawiki').revisions(AMBASSADORS)) == revisions
    assert all(t['saved'] is False for t in outcome.report['tables'])
    # The incremental run used the state store and still agrees.
    assert statuses(outcome)['Sam Slipping'] == 'slipping'


def test_simulate_shows_the_diff_and_saves_nothing(wiki, tmp_path):
    signup(wiki, everyone_page())
    before = text(wiki, AMBASSADORS)
    outcome = run('update', config(tmp_path), '-simulate', '-always')
    assert outcome.code == 0, outcome.stderr
    assert text(wiki, AMBASSADORS) == before
    assert 'techroles-status' in outcome.stdout + outcome.stderr  # the diff was shown
    assert outcome.report['tables'][0]['saved'] is False
    assert outcome.report['tables'][0]['reason'] == 'simulated'
    assert statuses(outcome)['Bob Stale'] == 'inactive'


def test_new_only_ever_replaces_inactive(wiki, tmp_path):
    rows = lambda *names: everyone_page().split('|-')[0] + ''.join(  # noqa: E731
        f'|-\n| fr.wikipedia || [[User:{n}]] || \n' for n in names) + '|}\n'
    world = World(wiki, now=base_now())
    world.page('metawiki', AMBASSADORS, [
        (60, 'Admin', rows('Bob Stale')),
        (10, 'Admin', rows('Bob Stale', 'Zero Edits', 'Alice Active')),
    ])
    world.apply()
    outcome = run('update', config(tmp_path), '-always')
    assert outcome.code == 0, outcome.stderr
    got = statuses(outcome)
    assert got == {'Bob Stale': 'inactive', 'Zero Edits': 'new', 'Alice Active': 'active'}
    signup = (base_now() - timedelta(days=10)).date().isoformat()
    assert signup in text(wiki, AMBASSADORS)


def test_role_signals_are_evidence_unless_required(wiki, tmp_path):
    put(wiki, 'Global message delivery/Targets/Tech ambassadors', '\n'.join([
        f'* {{{{target | page = {FR_TECH_PAGE} | site = fr.wikipedia.org}}}}',
        '* {{target|page=User talk:Emma Email|site=fr.wikipedia.org}}',
        '{{#target:Tech/News|meta.wikimedia.org}}',
    ]))
    signup(wiki, everyone_page())
    outcome = run('update', config(tmp_path), '-always')
    assert outcome.code == 0, outcome.stderr
    people = {p['name']: p for p in outcome.report['people']}
    assert people['Alice Active']['signals'] == {
        'proactive': True, 'supportive': True, 'reachable': True}
    assert people['Emma Email']['signals']['reachable'] is True  # e-mail on Meta
    assert people['Emma Email']['signals']['proactive'] is False
    assert people['Patch Runner']['signals']['supportive'] is True
    assert people['Emma Email']['status'] == 'active'
    # Required: Emma (no community edit) is no longer counted active; Alice is.
    put(wiki, AMBASSADORS, everyone_page())
    outcome = run('update', config(tmp_path, required_signals=['proactive']), '-always')
    got = statuses(outcome)
    assert got['Alice Active'] == 'active'
    assert got['Emma Email'] == 'inactive'


def test_translating_signal(wiki, tmp_path):
    world = World(wiki, now=base_now())
    world.edits('metawiki', 'Traductrice Alpha', 5, title='Translations:Tech/News/2026/45/1/fr')
    world.edits('metawiki', 'Traductrice Alpha', 5, title='Tech/News/2026/45/fr')
    world.edits('metawiki', 'Traducteur Beta', 20, title='Translations:Tech/News/2026/45/1/de')
    world.apply()
    signup(wiki, title=TRANSLATORS, page_text='\n'.join([
        '{| class="wikitable"', '! Language !! Translators !! Status',
        '|-', '| français || [[User:Traductrice Alpha]] || ',
        '|-', '| French || [[User:Traducteur Beta]] || ', '|}', '']))
    cfg = config(tmp_path, tables=[{'site': 'meta:meta', 'page': TRANSLATORS,
                                    'kind': 'translators'}])
    outcome = run('update', cfg, '-always')
    assert outcome.code == 0, outcome.stderr
    people = {p['name']: p for p in outcome.report['people']}
    assert people['Traductrice Alpha']['signals']['translating'] is True
    assert people['Traducteur Beta']['signals']['translating'] is False  # wrong language
    assert people['Traductrice Alpha']['status'] == 'active'


def test_the_brake_refuses_a_wave_of_inactive_marks(wiki, tmp_path):
    quiet = ['Bob Stale', 'Andy Autocreated', 'Zero Edits', 'Nobody Here']
    lines = ['{| class="wikitable"', '! Wiki !! User !! Status']
    for name in [*quiet, 'Alice Active']:
        lines += ['|-', f'| fr.wikipedia || [[User:{name}]] || '
                        f'<span class="techroles-status" data-user="{name}" '
                        'data-status="active">Active</span>']
    signup(wiki, '\n'.join([*lines, '|}', '']))
    before = text(wiki, AMBASSADORS)
    outcome = run('update', config(tmp_path), '-always')
    assert outcome.code == 1
    assert text(wiki, AMBASSADORS) == before
    assert 'brake' in outcome.report['tables'][0]['reason']
    assert 'brake' in outcome.stderr


def test_the_shutoff_page_stops_the_run(wiki, tmp_path):
    signup(wiki, everyone_page())
    put(wiki, SHUTOFF, 'Stop: checking a complaint on the talk page.')
    before = text(wiki, AMBASSADORS)
    outcome = run('update', config(tmp_path), '-always')
    assert outcome.code == 3
    assert text(wiki, AMBASSADORS) == before
    assert 'shutoff' in outcome.stderr and outcome.stderr.count('\n') >= 1


def test_nobots_pages_are_skipped_with_a_warning(wiki, tmp_path):
    signup(wiki, '{{nobots}}\n' + everyone_page())
    before = text(wiki, AMBASSADORS)
    outcome = run('update', config(tmp_path), '-always')
    assert outcome.code == 0, outcome.stderr
    assert text(wiki, AMBASSADORS) == before
    assert 'nobots' in outcome.stderr


def test_an_edit_conflict_keeps_the_person_who_signed_up_meanwhile(wiki, tmp_path, monkeypatch):
    """A human adds a row between the bot's read and its save (with -always)."""
    import pywikibot
    from pywikibot import config as pwb_config

    from techroles.config import load_file, validate
    from techroles.wiki import jobs, pages

    signup(wiki, everyone_page())
    human = Human(wiki, 'metawiki')
    original = pages.SavePath.save
    calls = []

    def save_after_a_human(self, snap, new_text, summary):
        if snap.title != AMBASSADORS:
            return original(self, snap, new_text, summary)
        if not calls:
            current = human.text(AMBASSADORS)
            human.edit(AMBASSADORS, current.replace(
                '|}', '|-\n| fr.wikipedia || [[User:Late Signup]] || || just joined\n|}'),
                'signing up')
        calls.append(snap.revid)
        return original(self, snap, new_text, summary)

    monkeypatch.setattr(pages.SavePath, 'save', save_after_a_human)
    monkeypatch.setattr(pwb_config, 'simulate', False)
    cfg_path = config(tmp_path)
    cfg = validate(load_file(str(cfg_path)), source=str(cfg_path))
    pywikibot.Site('meta', 'meta').login()
    code = jobs.run_configuration(cfg, always=True, report=str(tmp_path / 'r.json'))
    assert code == 0
    assert len(calls) == 2 and calls[0] != calls[1]  # re-read after the conflict
    after = text(wiki, AMBASSADORS)
    assert '[[User:Late Signup]]' in after and 'just joined' in after
    got = spans(after)
    assert got['Late Signup'] is None  # gets a status next run
    assert got['Bob Stale'] == 'inactive'


def test_an_unknown_wiki_affects_only_its_own_row(wiki, tmp_path):
    """de.wikipedia is a real wiki, but not one this configuration reaches."""
    rows = '\n'.join(['{| class="wikitable"', '! Wiki !! User !! Status',
                      '|-', '| fr.wikipedia || [[User:Alice Active]] || ',
                      '|-', '| de.wikipedia || [[User:Alice Active]] || kept as it is',
                      '|-', '| fr.wikipedia || [[User:Bob Stale]] || ', '|}', ''])
    signup(wiki, rows)
    outcome = run('update', config(tmp_path), '-always')
    assert outcome.code == 0, outcome.stderr
    after = text(wiki, AMBASSADORS)
    assert '| de.wikipedia || [[User:Alice Active]] || kept as it is' in after
    assert after.count('data-user="Alice Active"') == 1
    assert 'WARNING' in outcome.stderr and 'dewiki' in outcome.stderr
    assert statuses(outcome) == {'Alice Active': 'active', 'Bob Stale': 'inactive'}


def test_the_state_store_is_only_a_cache(wiki, tmp_path):
    """An incremental run and a run without the store find the same things."""
    signup(wiki, everyone_page())
    cfg = config(tmp_path)
    assert run('update', cfg, '-always').code == 0
    incremental = run('update', cfg, '-always')
    (tmp_path / 'state.sqlite').unlink()
    cold = run('update', cfg, '-always')
    assert incremental.code == cold.code == 0

    def essentials(outcome):
        return {p['name']: (p['status'], p['evidence'], p['signals'])
                for p in outcome.report['people']}

    assert essentials(incremental) == essentials(cold)
    asked = lambda o: o.report['run']['requests']['activity'] + \
        o.report['run']['requests'].get('person', 0)  # noqa: E731
    assert asked(incremental) < asked(cold)


def test_meta_log_entries_ride_along_with_globaluserinfo(wiki, tmp_path):
    """Meta's logged actions come in the globaluserinfo request (no request of their own)."""
    world = World(wiki, now=base_now())
    world.edits('frwiki', 'Meta Mover', 400)
    world.account('metawiki', 'Meta Mover')
    world.log('metawiki', 'upload', 'upload', 'Meta Mover', 'File:Mover.png', 20)
    world.log('metawiki', 'newusers', 'autocreate', 'Meta Mover', 'User:Meta Mover', 1,
              {'4::userid': 0})
    world.edits('frwiki', 'Old Logger', 200)
    world.account('metawiki', 'Old Logger')
    world.log('metawiki', 'upload', 'upload', 'Old Logger', 'File:Old.png', 300)
    world.apply()
    signup(wiki, '{| class="wikitable"\n! Wiki !! Ambassador !! Status\n'
                 '|-\n| fr.wikipedia || [[User:Meta Mover]] ||\n'
                 '|-\n| fr.wikipedia || [[User:Old Logger]] ||\n|}\n')
    outcome = run('update', config(tmp_path), '-always')
    assert outcome.code == 0, outcome.stderr
    assert statuses(outcome) == {'Meta Mover': 'active', 'Old Logger': 'inactive'}
    people = {p['name']: p for p in outcome.report['people']}
    # The newest entry (an autocreation) is stepped over; the upload counts.
    assert people['Meta Mover']['evidence']['wiki'] == 'metawiki'
    assert 'logid' in people['Meta Mover']['evidence']
    # A log entry older than the latest edit is not "the latest activity".
    assert 'revid' in people['Old Logger']['evidence']
    assert people['Old Logger']['evidence']['wiki'] == 'frwiki'
    # Per person: one globaluserinfo (+ Meta's log) and one frwiki logevents.
    assert outcome.report['run']['requests']['person'] == 4
    # Their latest edits (none in the window) came with those requests too: no
    # batched round of its own, only one name batch per wiki (Meta, frwiki,
    # mediawiki.org).
    assert outcome.report['run']['requests']['activity'] == 3


def test_titles_from_page_content_never_reach_another_site(wiki, tmp_path):
    """``Wikipedia:Kurier`` on a wiki without that namespace is a title there, not the
    ``wikipedia`` interwiki; a canonical namespace name with underscores is the local one."""
    signup(wiki, everyone_page())
    cfg = config(tmp_path, proactive_pages={
        'frwiki': ['Wikipedia:Kurier', 'project:Le_Bistro/Technique']})
    outcome = run('update', cfg, '-always')
    assert outcome.code == 0, outcome.stderr[-3000:]
    assert 'Traceback' not in outcome.stderr
    people = {p['name']: p for p in outcome.report['people']}
    assert people['Alice Active']['signals']['proactive'] is True  # Wikipédia:Le Bistro/Technique
    assert people['Emma Email']['signals']['proactive'] is False


def _two_people_page(*names: str) -> str:
    rows = ''.join(f'|-\n| fr.wikipedia || [[User:{name}]] ||\n' for name in names)
    return '{| class="wikitable"\n! Wiki !! Ambassador !! Status\n' + rows + '|}\n'


def test_an_indefinite_global_block_makes_the_person_blocked(wiki, tmp_path):
    """GlobalBlocking's list=globalblocks, batched: indefinite counts, temporary does not."""
    world = World(wiki, now=base_now())
    world.edits('frwiki', 'Globe Blocked', 2)
    world.edits('frwiki', 'Globe Temporary', 2)
    world.apply({'globalblocks': {'blocks': [
        {'target': 'Globe Blocked', 'expiry': 'infinity', 'reason': 'cross-wiki abuse'},
        {'target': 'Globe Temporary',
         'expiry': (base_now() + timedelta(days=30)).strftime('%Y%m%d%H%M%S')},
    ]}})
    signup(wiki, _two_people_page('Globe Blocked', 'Globe Temporary', 'Alice Active'))
    outcome = run('update', config(tmp_path), '-always')
    assert outcome.code == 0, outcome.stderr[-3000:]
    assert statuses(outcome) == {'Globe Blocked': 'blocked', 'Globe Temporary': 'active',
                                 'Alice Active': 'active'}
    # The global blocks ride along in Meta's batch: one batch per wiki (Meta,
    # frwiki, mediawiki.org), no request of their own.
    assert outcome.report['run']['requests']['activity'] == 3


def test_a_global_rename_forgets_the_old_name_at_once(wiki, tmp_path):
    """An incremental run after a global rename: the old name is ``renamed`` now, not
    when its cached CentralAuth facts expire."""
    world = World(wiki, now=base_now())
    world.edits('frwiki', 'Gina Before', 3)
    world.apply()
    signup(wiki, _two_people_page('Gina Before', 'Alice Active'))
    cfg = config(tmp_path)
    first = run('update', cfg, '-always')
    assert statuses(first)['Gina Before'] == 'active', first.stderr[-3000:]
    world = World(wiki, now=base_now())
    world.rename('frwiki', 'Gina Before', 'Gina After')
    world.log('metawiki', 'gblrename', 'rename', 'Admin', 'Special:CentralAuth/Gina After',
              -1, {'olduser': 'Gina Before', 'newuser': 'Gina After'})
    world.apply()
    put(wiki, AMBASSADORS, _two_people_page('Gina Before', 'Alice Active'))
    second = run('update', cfg, '-always')
    assert second.code == 0, second.stderr[-3000:]
    people = {p['name']: p for p in second.report['people']}
    assert people['Gina Before']['status'] == 'renamed'
    assert people['Gina Before']['new_name'] == 'Gina After'


def test_a_hidden_account_is_asked_again_though_cached(wiki, tmp_path):
    """A lock that hides the account is logged where the bot cannot read; the wikis
    stop listing the account, so its cached CentralAuth facts are asked again."""
    world = World(wiki, now=base_now())
    world.edits('frwiki', 'Hal Hidden', 3)
    world.apply()
    signup(wiki, _two_people_page('Hal Hidden', 'Alice Active'))
    cfg = config(tmp_path)
    assert statuses(run('update', cfg, '-always'))['Hal Hidden'] == 'active'
    world = World(wiki, now=base_now())
    world.global_user('Hal Hidden', locked=True, hidden=True)
    world.ops['frwiki'].append({'op': 'block', 'target': 'Hal Hidden', 'performer': 'Admin',
                                'expiry': 'infinite', 'hidename': True})
    world.apply()
    put(wiki, AMBASSADORS, _two_people_page('Hal Hidden', 'Alice Active'))
    second = run('update', cfg, '-always')
    assert second.code == 0, second.stderr[-3000:]
    assert statuses(second)['Hal Hidden'] == 'missing'


def test_a_translator_whose_home_wiki_is_closed_is_decided_elsewhere(wiki, tmp_path):
    world = World(wiki, now=base_now())
    world.edits('metawiki', 'Homeless Translator', 5)
    world.global_user('Homeless Translator', home='aawiki')
    world.apply({'sitematrix': {'extra': [
        {'dbname': 'aawiki', 'code': 'aa', 'project': 'wiki', 'lang': 'aa',
         'url': 'https://aa.wikipedia.org', 'sitename': 'Wikipedia', 'closed': True}]}})
    signup(wiki, title=TRANSLATORS, page_text='\n'.join([
        '{| class="wikitable"', '! Language !! Translators !! Status',
        '|-', '| français || [[User:Homeless Translator]] || ', '|}', '']))
    cfg = config(tmp_path, tables=[{'site': 'meta:meta', 'page': TRANSLATORS,
                                    'kind': 'translators'}])
    outcome = run('update', cfg, '-always')
    assert outcome.code == 0, outcome.stderr[-3000:]
    assert statuses(outcome) == {'Homeless Translator': 'active'}
    assert 'home wiki skipped' in outcome.stderr and 'aawiki' in outcome.stderr
