"""What operators and readers see: on-wiki configuration and the status page."""
from __future__ import annotations

import html
import json

import pytest

from testbed.fixtures import World
from testbed.humans import Human
from tests.integration.helpers import AMBASSADORS, config, put, run, signup, statuses, text
from tests.integration.test_update import everyone_page
from tests.integration.world import base_now


pytestmark = pytest.mark.integration
STATUS = 'User:TechRolesBot/status'
BOT_CONFIG = 'User:TechRolesBot/config.json'


def config_page(wiki, title: str, value: object) -> None:
    """A configuration page (imported: only its owner could edit a user JSON page)."""
    content = value if isinstance(value, str) else json.dumps(value)
    World(wiki, now=base_now()).page('metawiki', title, [(1, 'TechRolesBot', content)]).apply()


def test_onwiki_configuration_in_the_bots_user_space_is_used(wiki, tmp_path):
    signup(wiki, everyone_page())
    config_page(wiki, BOT_CONFIG, {'active_days': 401, 'slipping_days': 9,
                                   'labels': {'en': {'active': 'Recently active'}}})
    outcome = run('update', config(tmp_path, wiki_config_page=BOT_CONFIG), '-always')
    assert outcome.code == 0, outcome.stderr
    got = statuses(outcome)
    assert got['Bob Stale'] == 'slipping'      # 400 days: within the on-wiki 401
    assert got['Emma Email'] == 'slipping'     # 10 days: past the on-wiki 9
    assert got['Alice Active'] == 'active'
    assert 'Recently active' in text(wiki, AMBASSADORS)
    revid = Human(wiki, 'metawiki').revisions(BOT_CONFIG, limit=1)[0]['revid']
    assert f'[[Special:PermanentLink/{revid}|' in text(wiki, STATUS)


@pytest.mark.parametrize('title', ['Tech/techroles configuration',
                                   'User:Somebody Else/techroles.json'])
def test_an_onwiki_configuration_anyone_could_edit_is_refused(wiki, tmp_path, title):
    signup(wiki, everyone_page())
    before = text(wiki, AMBASSADORS)
    config_page(wiki, title, {'active_days': 3000})
    outcome = run('update', config(tmp_path, wiki_config_page=title), '-always')
    assert outcome.code == 2
    errors = [line for line in outcome.stderr.splitlines() if line.startswith('ERROR ')]
    assert len(errors) == 1 and 'not used' in errors[0]
    assert text(wiki, AMBASSADORS) == before
    assert 'not used' in text(wiki, STATUS)


def test_a_sysop_protected_configuration_page_is_accepted(wiki, tmp_path):
    signup(wiki, everyone_page())
    title = 'Tech/techroles configuration'
    config_page(wiki, title, {'slipping_days': 9})
    Human(wiki, 'metawiki').protect(title)
    outcome = run('update', config(tmp_path, wiki_config_page=title), '-always')
    assert outcome.code == 0, outcome.stderr
    assert statuses(outcome)['Emma Email'] == 'slipping'


def test_an_invalid_onwiki_configuration_is_reported_and_not_used(wiki, tmp_path):
    signup(wiki, everyone_page())
    before = text(wiki, AMBASSADORS)
    config_page(wiki, BOT_CONFIG, {'active_days': 'ninety'})
    outcome = run('update', config(tmp_path, wiki_config_page=BOT_CONFIG), '-always')
    assert outcome.code == 2
    assert 'active_days' in outcome.stderr
    assert text(wiki, AMBASSADORS) == before
    status = html.unescape(text(wiki, STATUS))  # the page shows data as escaped text
    assert 'active_days' in status
    assert 'ninety' in status


def test_the_status_page_heartbeat_changes_and_warnings(wiki, tmp_path):
    page = everyone_page().replace('|}', '|-\n| xx.wikipedia || [[User:Alice Active]] || \n|}')
    signup(wiki, page)
    cfg = config(tmp_path)
    first = run('update', cfg, '-always')
    assert first.code == 0, first.stderr          # an unknown wiki is a warning for its row
    status = text(wiki, STATUS)
    assert 'xx' in status and 'Last complete run' in status
    saved = Human(wiki, 'metawiki').recent_changes(AMBASSADORS, limit=1)[0]['revid']
    assert f'[[Special:Diff/{saved}|' in status
    # The person fixes the row: the warning disappears, the heartbeat moves on.
    put(wiki, AMBASSADORS, text(wiki, AMBASSADORS).replace('xx.wikipedia', 'fr.wikipedia'))
    second = run('update', cfg, '-always')
    assert second.code == 0, second.stderr
    status = text(wiki, STATUS)
    assert 'xx' not in status
    assert 'No status changed.' in status or 'Special:Diff' in status
    assert status.count('data-last-complete="20') == 1


@pytest.mark.parametrize(('level', 'refused'), [(None, False), ('autoconfirmed', False),
                                                ('sysop', True)])
def test_a_shutoff_page_protected_above_autoconfirmed_is_refused(wiki, level, refused):
    """The protection as Pywikibot reads it from the wiki decides, not a guess from the title."""
    import pywikibot

    from techroles.config import shutoff_protection_problem

    title = 'Tech/Stop techroles'
    put(wiki, title, 'Write here to stop the bot.')
    if level:
        Human(wiki, 'metawiki').protect(title, level)
    page = pywikibot.Page(pywikibot.Site('meta', 'meta'), title)
    reason = shutoff_protection_problem(page.protection(), title=title)
    assert (reason is not None) == refused, reason
    if refused:
        assert reason == (f'{title}: the shutoff page is protected (edit=sysop): it must stay '
                          'editable by autoconfirmed users, who stop the bot with it')
