"""The role signals and the fact assembly, tested directly on typed records (no wiki)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from techroles.facts import (
    Edit,
    Global,
    GlobalAccount,
    Rules,
    Target,
    WikiResult,
    WikiUser,
    assemble,
    cache_agrees,
    iso,
    normalize_title,
    signals,
)


pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 25, tzinfo=timezone.utc)
WINDOW = NOW - timedelta(days=90)
FR_NAMESPACES = {'': '', 'utilisateur': 'Utilisateur', 'user': 'Utilisateur',
                 'discussion utilisateur': 'Discussion utilisateur',
                 'user talk': 'Discussion utilisateur',
                 'wikipédia': 'Wikipédia', 'project': 'Wikipédia', 'wp': 'Wikipédia'}
RULES = Rules(window_start=WINDOW, meta='metawiki', mediawiki='mediawikiwiki',
              proactive_pages={'frwiki': frozenset({'Wikipédia:Le Bistro/Technique'})})


def ago(days: float) -> str:
    return iso(NOW - timedelta(days=days))


def result(wiki: str, **users: WikiUser) -> WikiResult:
    return WikiResult(wiki, users=dict(users))


def target(name: str = 'Ann', **kw) -> Target:
    kw.setdefault('wikis', frozenset({'frwiki'}))
    kw.setdefault('block_wikis', frozenset({'frwiki'}))
    return Target(name, **kw)


@pytest.mark.parametrize(('title', 'expected'), [
    # Not a namespace here: a main-namespace title, never an interwiki.
    ('Wikipedia:Kurier', 'Wikipedia:Kurier'),
    ('wikipedia:Kurier', 'Wikipedia:Kurier'),
    # Canonical names, aliases, any case, underscores: the local spelling.
    ('project:Le_Bistro/Technique', 'Wikipédia:Le Bistro/Technique'),
    ('WP:le Bistro', 'Wikipédia:Le Bistro'),
    ('User talk:ann', 'Discussion utilisateur:Ann'),
    (':Wikipédia:Le  Bistro', 'Wikipédia:Le Bistro'),
    ('le bistro', 'Le bistro'),
])
def test_titles_are_normalised_with_the_wikis_own_namespaces(title, expected):
    assert normalize_title(title, FR_NAMESPACES) == expected


def test_proactive_needs_a_window_edit_of_a_community_page():
    user = WikiUser(exists=True, recent=[
        Edit(ago(10), 1, 4, 'Wikipédia:Le Bistro/Technique'),
        Edit(ago(200), 2, 0, 'Wikipédia:Le Bistro/Technique')])
    results = {'frwiki': result('frwiki', Ann=user), 'metawiki': result('metawiki'),
               'mediawikiwiki': result('mediawikiwiki')}
    assert signals(target(), results, RULES)['proactive'] is True
    user.recent = user.recent[1:]  # only the edit outside the window is left
    assert signals(target(), results, RULES)['proactive'] is False


def test_a_signal_is_unknown_where_its_wiki_is_incomplete():
    results = {'frwiki': WikiResult('frwiki', error='down'), 'metawiki': result('metawiki'),
               'mediawikiwiki': WikiResult('mediawikiwiki', error='down')}
    got = signals(target(), results, RULES)
    assert got['proactive'] is None and got['supportive'] is None
    assert got['reachable'] is False  # Meta answered: no e-mail, no own talk edit


def test_reachable_by_email_or_an_own_user_talk_edit():
    talk = WikiUser(exists=True, recent=[Edit(ago(3), 5, 3, 'Discussion utilisateur:Ann')])
    other = WikiUser(exists=True, recent=[Edit(ago(3), 6, 3, 'Discussion utilisateur:Bob')])
    base = {'metawiki': result('metawiki'), 'mediawikiwiki': result('mediawikiwiki')}
    assert signals(target(), {**base, 'frwiki': result('frwiki', Ann=talk)},
                   RULES)['reachable'] is True
    assert signals(target(), {**base, 'frwiki': result('frwiki', Ann=other)},
                   RULES)['reachable'] is False
    mail = {**base, 'metawiki': result('metawiki', Ann=WikiUser(exists=True, emailable=True)),
            'frwiki': result('frwiki')}
    assert signals(target(), mail, RULES)['reachable'] is True


def test_translating_counts_tech_news_translations_in_the_persons_languages():
    meta = WikiUser(exists=True, recent=[
        Edit(ago(5), 7, 1198, 'Translations:Tech/News/2026/45/1/fr')])
    results = {'metawiki': result('metawiki', Ann=meta), 'mediawikiwiki': result('mediawikiwiki')}
    fr = Target('Ann', frozenset(), frozenset({'metawiki'}), frozenset({'fr'}), translator=True)
    de = Target('Ann', frozenset(), frozenset({'metawiki'}), frozenset({'de'}), translator=True)
    assert signals(fr, results, RULES)['translating'] is True
    assert signals(de, results, RULES)['translating'] is False
    assert 'translating' not in signals(target(), results, RULES)


def test_assembly_takes_the_newest_activity_and_counts_window_edits():
    fr = WikiUser(exists=True, latest_edit={'ts': ago(100), 'revid': 1, 'title': 'A'},
                  recent=[Edit(ago(100), 1, 0, 'A')])
    meta = WikiUser(exists=True, latest_edit={'ts': ago(20), 'revid': 9, 'title': 'B'},
                    latest_log={'ts': ago(2), 'logid': 4, 'action': 'patrol/patrol', 'title': 'C'},
                    recent=[Edit(ago(20), 9, 0, 'B'), Edit(ago(30), 8, 0, 'B')])
    results = {'frwiki': result('frwiki', Ann=fr), 'metawiki': result('metawiki', Ann=meta),
               'mediawikiwiki': result('mediawikiwiki')}
    facts = assemble(target(), {'frwiki', 'metawiki'}, results, Global(), (None, None), RULES)
    assert facts.complete and facts.exists
    assert facts.latest.kind == 'log' and facts.latest.logid == 4
    assert facts.edits_in_window == 2  # the frwiki edit is outside the window


def test_an_indefinite_global_block_makes_the_facts_blocked():
    results = {'frwiki': result('frwiki', Ann=WikiUser(exists=True)),
               'metawiki': result('metawiki'), 'mediawikiwiki': result('mediawikiwiki')}
    blocked = Global(accounts={'Ann': GlobalAccount(blocked=True)})
    facts = assemble(target(), {'frwiki', 'metawiki'}, results, blocked, (None, None), RULES)
    assert facts.blocked
    free = assemble(target(), {'frwiki', 'metawiki'}, results, Global(), (None, None), RULES)
    assert not free.blocked


def test_a_rename_counts_only_when_no_account_has_the_name():
    results = {'frwiki': result('frwiki', Ann=WikiUser(exists=False)),
               'metawiki': result('metawiki'), 'mediawikiwiki': result('mediawikiwiki')}
    gone = Global(accounts={'Ann': GlobalAccount(exists=False)})
    assert assemble(target(), {'frwiki', 'metawiki'}, results, gone, ('Anne', None),
                    RULES).renamed_to == 'Anne'
    there = Global(accounts={'Ann': GlobalAccount(exists=True)})
    assert assemble(target(), {'frwiki', 'metawiki'}, results, there, ('Anne', None),
                    RULES).renamed_to is None


@pytest.mark.parametrize(('cached', 'seen', 'usable'), [
    (GlobalAccount(exists=True), True, True),
    (GlobalAccount(exists=False), False, True),
    # Hidden since: no wiki lists the account any more, ask CentralAuth again.
    (GlobalAccount(exists=True), False, False),
    # Created since.
    (GlobalAccount(exists=False), True, False),
    (None, True, False),
])
def test_a_cached_global_answer_stands_only_while_the_wikis_agree(cached, seen, usable):
    assert cache_agrees(cached, seen) is usable


def test_global_accounts_round_trip_through_the_store_without_the_block():
    account = GlobalAccount(exists=True, locked=True, home='frwiki', blocked=True)
    again = GlobalAccount.from_json(account.to_json())
    assert again == GlobalAccount(exists=True, locked=True, home='frwiki')
