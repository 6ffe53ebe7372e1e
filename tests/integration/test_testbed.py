"""The test bed itself: real wikis, real accounts, real backdated data."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from datetime import timedelta

import pytest

from testbed import netguard
from tests.conftest import subprocess_env
from tests.integration.world import base_now


pytestmark = pytest.mark.integration


def api(farm, dbname: str, **params: str) -> dict:
    query = '&'.join(f'{k}={urllib.request.quote(str(v))}' for k, v in params.items())
    with urllib.request.urlopen(f'{farm.api_url(dbname)}?format=json&formatversion=2&{query}') as r:
        return json.load(r)


def test_three_wikis_with_their_languages_and_the_translations_namespace(farm):
    langs = {}
    for dbname in ('metawiki', 'frwiki', 'arwiki', 'mediawikiwiki'):
        info = api(farm, dbname, action='query', meta='siteinfo', siprop='general|namespaces')
        langs[dbname] = info['query']['general']['lang']
        namespaces = info['query']['namespaces']
        assert namespaces['1198']['canonical'] == 'Translations'
        assert namespaces['1199']['canonical'] == 'Translations talk'
    assert langs == {'metawiki': 'en', 'frwiki': 'fr', 'arwiki': 'ar', 'mediawikiwiki': 'en'}
    fr = api(farm, 'frwiki', action='query', meta='siteinfo', siprop='namespaces')
    assert fr['query']['namespaces']['2']['name'] == 'Utilisateur'
    ar = api(farm, 'arwiki', action='query', meta='siteinfo', siprop='general')
    assert ar['query']['general']['rtl'] is True


def test_bot_logs_in_on_two_wikis_and_saves_with_the_bot_flag(wiki):
    import pywikibot
    from pywikibot import config

    meta = pywikibot.Site('meta', 'meta')
    fr = pywikibot.Site('fr', 'wikipedia')
    config.usernames['wikipedia']['fr'] = 'TechRolesBot'
    try:
        for site in (meta, fr):
            site.login()
            assert site.user() == 'TechRolesBot'
            assert site.has_group('bot')
            assert not site.has_group('sysop')
        assert meta.has_right('apihighlimits')
        page = pywikibot.Page(meta, 'Test bed/bot flag')
        page.text = 'Saved by the bot.'
        page.save('test bed: bot flag', bot=True, asynchronous=False)
        changes = list(meta.recentchanges(total=5, changetype='new'))
        change = next(c for c in changes if c['title'] == 'Test bed/bot flag')
        assert 'bot' in change and change['user'] == 'TechRolesBot'
    finally:
        config.usernames['wikipedia'].pop('fr', None)
        fr.logout()


def test_backdated_contributions_are_read_back_with_their_timestamps(wiki):
    import pywikibot

    fr = pywikibot.Site('fr', 'wikipedia')
    user = pywikibot.User(fr, 'Bob Stale')
    stamps = [c[2] for c in user.contributions(total=10)]
    now = base_now()
    expected = [now - timedelta(days=400), now - timedelta(days=500)]
    assert [s.replace(tzinfo=None) for s in stamps] == [e.replace(tzinfo=None) for e in expected]
    assert user.editCount() == 2
    registration = user.registration()
    assert abs(registration.replace(tzinfo=None) - expected[1].replace(tzinfo=None)) < timedelta(
        seconds=1)


def test_blocked_renamed_and_missing_accounts_as_pywikibot_sees_them(wiki):
    import pywikibot

    fr = pywikibot.Site('fr', 'wikipedia')
    bertha = pywikibot.User(fr, 'Blocked Bertha')
    assert bertha.isRegistered() and bertha.is_blocked()
    assert bertha.getprops()['blockexpiry'] == 'infinite'
    pete = pywikibot.User(fr, 'Partial Pete')
    assert pete.is_blocked() and 'blockpartial' in pete.getprops()  # fv1: ''
    old = pywikibot.User(fr, 'Old Name')
    assert not old.isRegistered()
    assert old.renamed_target() == pywikibot.User(fr, 'New Name')
    assert pywikibot.User(fr, 'New Name').isRegistered()
    nobody = pywikibot.User(fr, 'Nobody Here')
    assert not nobody.isRegistered() and nobody.last_edit is None


def test_reset_is_a_file_copy_and_forgets_later_edits(wiki):
    import pywikibot

    meta = pywikibot.Site('meta', 'meta')
    page = pywikibot.Page(meta, 'Test bed/reset')
    page.text = 'temporary'
    page.save('test bed: reset', asynchronous=False)
    assert pywikibot.Page(meta, 'Test bed/reset').exists()
    wiki.restore('base')
    assert not pywikibot.Page(meta, 'Test bed/reset').exists()


def test_emailable_fixture_person(wiki):
    users = api(wiki, 'metawiki', action='query', list='users', ususers='Emma Email|Zero Edits',
                usprop='emailable')['query']['users']
    assert [u.get('emailable', False) for u in users] == [True, False]


def test_connections_outside_loopback_are_refused():
    sock = socket.socket()
    try:
        with pytest.raises(netguard.NonLoopbackError):
            sock.connect(('198.51.100.7', 443))
    finally:
        sock.close()
    netguard.violations.clear()
    # The attempt above was recorded; forget it so this test does not fail itself.
    from tests.conftest import NETGUARD_REPORT

    lines = NETGUARD_REPORT.read_text().splitlines()
    NETGUARD_REPORT.write_text(''.join(line + '\n' for line in lines if '198.51.100.7' not in line))


def test_subprocesses_get_the_guard_too(tmp_path):
    code = ('import socket\n'
            'try:\n'
            '    socket.create_connection(("meta.wikimedia.org", 443), timeout=1)\n'
            'except ConnectionRefusedError as exc:\n'
            '    print("refused", exc)\n')
    report = tmp_path / 'guard.log'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         env=subprocess_env(TECHROLES_NETGUARD_FILE=str(report)), check=True)
    assert out.stdout.startswith('refused')
    assert 'meta.wikimedia.org' in report.read_text()
