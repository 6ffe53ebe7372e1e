"""Contract tests of the test-only stand-ins (testbed/php/StandIns).

The stand-ins answer on the local wikis under the real Wikimedia module names
(CentralAuth ``meta=globaluserinfo``, Translate ``meta=messagegroupstats``,
SiteMatrix ``action=sitematrix``, MassMessage ``prop=mmcontent``). These
tests pin their answers to the recorded sample responses in
``tests/data/api/`` (copied from the project's research; shapes from the real
extensions' code): same key sets, same value types, in formatversion 1 and 2,
the quirks that matter (``missing`` for unknown names, the incomplete-stats
continuation), and the real errors, including the "unrecognized value" answer
of a wiki where the module does not exist.
"""
from __future__ import annotations

import contextlib
import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from testbed import farm as farm_module
from testbed.fixtures import World


pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parent.parent / 'data' / 'api'
STANDINS = farm_module.PHP_DIR / 'StandIns'
ADD_LOG_ENTRY = STANDINS / 'maintenance' / 'addLogEntry.php'

ISSUE = 'Tech/News/2026/45'
GROUP = f'page-{ISSUE}'
LIST_PAGE = 'Global message delivery/Targets/Tech ambassadors'
ISO = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
SNAPSHOT = 'standins-contract'


def sample(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding='utf-8'))


def api(farm, dbname: str, fv: int = 2, **params) -> dict:
    """One GET request to a farm wiki's api.php (plain urllib, no client magic)."""
    query = urllib.parse.urlencode({'format': 'json', 'formatversion': fv, **params})
    with urllib.request.urlopen(f'{farm.api_url(dbname)}?{query}', timeout=30) as response:
        return json.load(response)


def type_name(value) -> str:
    return {bool: 'bool', int: 'int', float: 'float', str: 'str', list: 'list', dict: 'dict',
            type(None): 'null'}[type(value)]


def assert_types_like(sample_obj: dict, actual: dict, where: str) -> None:
    """Every key both have carries a value of the same JSON type."""
    for key in sample_obj.keys() & actual.keys():
        assert type_name(actual[key]) == type_name(sample_obj[key]), (
            f'{where}.{key}: {actual[key]!r} is not a {type_name(sample_obj[key])}')


def assert_same_shape(sample_obj: dict, actual: dict, where: str) -> None:
    """The same keys in the same order, each with a value of the same JSON type
    (recursively for objects): a key one side lacks is a difference too."""
    sample_keys = [k for k in sample_obj if not k.startswith('_')]
    assert list(actual) == sample_keys, f'{where}: keys {list(actual)} != {sample_keys}'
    assert_types_like(sample_obj, actual, where)
    for key in sample_keys:
        if isinstance(sample_obj[key], dict):
            assert_same_shape(sample_obj[key], actual[key], f'{where}.{key}')


class AdminSession:
    """The farm's administrator, logged in through its BotPassword (plain HTTP)."""

    def __init__(self, farm, dbname: str) -> None:
        import requests

        self.http = requests.Session()
        self.url = farm.api_url(dbname)
        token = self.get(action='query', meta='tokens', type='login')['query']['tokens']
        result = self.http.post(self.url, data={
            'action': 'login', 'format': 'json', 'formatversion': 2,
            'lgname': f'{farm_module.ADMIN}@{farm_module.ADMIN_APPID}',
            'lgpassword': farm_module.ADMIN_APP_PASSWORD, 'lgtoken': token['logintoken'],
        }, timeout=30).json()
        assert result['login']['result'] == 'Success', result
        self.csrf = self.get(action='query', meta='tokens')['query']['tokens']['csrftoken']

    def get(self, **params) -> dict:
        return self.http.get(self.url, params={'format': 'json', 'formatversion': 2, **params},
                             timeout=30).json()

    def edit(self, title: str, text: str, **params) -> dict:
        return self.http.post(self.url, data={
            'action': 'edit', 'title': title, 'text': text, 'token': self.csrf,
            'format': 'json', 'formatversion': 2, **params,
        }, timeout=30).json()


@contextlib.contextmanager
def standins_off(farm, dbname: str, value=False) -> Iterator[None]:
    """Switch the stand-ins of one wiki off in farm.json (re-read per request)."""
    path = farm.base / 'farm.json'
    data = json.loads(path.read_text())
    data['wikis'][dbname]['standins'] = value
    path.write_text(json.dumps(data, ensure_ascii=False))
    try:
        yield
    finally:
        farm.write_farm_file()


def merge_standins(farm, **sections) -> None:
    data = farm.read_standins()
    for key, value in sections.items():
        data.setdefault(key, {}).update(value)
    farm.write_standins(data)


# -- fixtures ---------------------------------------------------------------
LIST_CONTENT = {k: v for k, v in sample('massmessage-list-content.traced.json').items()
                if not k.startswith('_')}


@pytest.fixture(scope='module')
def contract_world(farm):
    """Base world + a translated issue page and a delivery list on Meta."""
    if not farm.has_snapshot(SNAPSHOT):
        farm.restore('base')
        source = (DATA / 'tech-news-issue-source.synthetic.wikitext').read_text(encoding='utf-8')
        world = World(farm)
        world.page('metawiki', ISSUE, [(10, 'Admin', source)])
        for unit in range(1, 6):
            world.page('metawiki', f'Translations:{ISSUE}/{unit}/fr',
                       [(9, 'Alice Active', f'Unité {unit} en français')])
        world.page('metawiki', f'Translations:{ISSUE}/6/fr',
                   [(9, 'Alice Active', '!!FUZZY!!Ancienne traduction')])
        world.page('metawiki', f'Translations:{ISSUE}/1/de', [(8, 'Meta Only', 'Einheit 1')])
        # A translation of a unit that is no longer in the source: not counted.
        world.page('metawiki', f'Translations:{ISSUE}/99/de', [(8, 'Meta Only', 'Alt')])
        world.page('metawiki', f'{ISSUE}/fr', [(9, 'Alice Active', 'Page traduite.')])
        world.page('metawiki', 'Plain page', [(5, 'Admin', 'No translation markup here.')])
        world.apply()
        admin = AdminSession(farm, 'metawiki')
        saved = admin.edit(LIST_PAGE, json.dumps(LIST_CONTENT),
                           contentmodel='MassMessageListContent', summary='fixture')
        assert saved['edit']['result'] == 'Success', saved
        farm.snapshot(SNAPSHOT)
    yield farm
    farm.restore('base')  # leave the farm as the other modules expect it


@pytest.fixture()
def cw(contract_world):
    """The contract world, reset before each test."""
    contract_world.restore(SNAPSHOT)
    yield contract_world


# -- CentralAuth: meta=globaluserinfo ---------------------------------------
GUI = sample('globaluserinfo.traced.json')
_MERGED = GUI['found_user']['query']['globaluserinfo']['merged']
MERGED_REQUIRED = set.intersection(*(set(a) for a in _MERGED))
MERGED_ALLOWED = set.union(*(set(a) for a in _MERGED))
METHODS = {'primary', 'empty', 'mail', 'password', 'admin', 'new', 'login'}


def test_globaluserinfo_found_user_has_the_sample_keys_and_types(cw):
    expected = GUI['found_user']
    answer = api(cw, 'metawiki', action='query', meta='globaluserinfo', guiuser='Alice Active',
                 guiprop='merged|editcount|groups')
    assert set(answer) == set(expected)
    info = answer['query']['globaluserinfo']
    sample_info = expected['query']['globaluserinfo']
    assert list(info) == list(sample_info)  # same keys, same order
    assert_types_like(sample_info, info, 'globaluserinfo')
    assert ISO.match(info['registration'])
    for account in info['merged']:
        assert MERGED_REQUIRED <= set(account) <= MERGED_ALLOWED
        assert_types_like(sample_info['merged'][0], account, 'merged[]')
        assert ISO.match(account['timestamp']) and ISO.match(account['registration'])
        assert account['method'] in METHODS
    # The farm is global: Alice edited on frwiki, metawiki and mediawikiwiki.
    wikis = {a['wiki']: a for a in info['merged']}
    assert set(wikis) == {'frwiki', 'metawiki', 'mediawikiwiki'}
    assert wikis['frwiki']['url'] == cw.url('frwiki')
    # home = the wiki of the earliest registration (first edit 100 days ago on frwiki).
    assert info['home'] == 'frwiki' and wikis['frwiki']['method'] == 'new'
    # Local figures come from each wiki's own database.
    for dbname, account in wikis.items():
        local = api(cw, dbname, action='query', list='users', ususers='Alice Active',
                    usprop='editcount|registration')['query']['users'][0]
        assert account['id'] == local['userid']
        assert account['editcount'] == local['editcount']
        assert account['registration'] == local['registration']
    assert info['editcount'] == sum(a['editcount'] for a in info['merged'])


def test_globaluserinfo_merged_accounts_carry_groups_and_local_blocks(cw):
    info = api(cw, 'metawiki', action='query', meta='globaluserinfo', guiuser='Blocked Bertha',
               guiprop='merged')['query']['globaluserinfo']
    (fr,) = [a for a in info['merged'] if a['wiki'] == 'frwiki']
    sample_blocked = GUI['found_user']['query']['globaluserinfo']['merged'][2]['blocked']
    assert set(fr['blocked']) == set(sample_blocked)
    assert fr['blocked']['expiry'] == 'infinity'
    assert_types_like(sample_blocked, fr['blocked'], 'blocked')
    admin = api(cw, 'metawiki', action='query', meta='globaluserinfo', guiuser='Admin',
                guiprop='merged')['query']['globaluserinfo']
    assert all('sysop' in a['groups'] for a in admin['merged'])
    assert all('blocked' not in a for a in admin['merged'])


def test_globaluserinfo_formatversion_1(cw):
    answer = api(cw, 'metawiki', fv=1, action='query', meta='globaluserinfo',
                 guiuser='Locked Larry', guiprop='merged|editcount')
    info = answer['query']['globaluserinfo']
    assert answer['batchcomplete'] == ''
    assert info['locked'] == ''  # fv1 boolean: "" when true
    assert {'home', 'id', 'registration', 'name', 'merged', 'editcount'} <= set(info)
    assert 'hidden' not in info  # absent when false
    assert isinstance(info['merged'], list) and isinstance(info['id'], int)


def test_globaluserinfo_locked_user_matches_the_sample(cw):
    expected = GUI['locked_user']['query']['globaluserinfo']
    info = api(cw, 'metawiki', action='query', meta='globaluserinfo',
               guiuser='Locked Larry')['query']['globaluserinfo']
    assert_same_shape(expected, info, 'globaluserinfo')
    assert info['locked'] is True
    assert_types_like(expected, info, 'globaluserinfo')


def test_globaluserinfo_missing_names_answer_like_the_real_module(cw):
    answer = api(cw, 'metawiki', action='query', meta='globaluserinfo', guiuser='Nobody Here')
    assert answer['query'] == GUI['missing_or_hidden_user']['query']
    assert api(cw, 'metawiki', fv=1, action='query', meta='globaluserinfo',
               guiuser='Nobody Here') == GUI['missing_user_formatversion_1']
    # Hidden accounts look missing to readers without centralauth-suppress.
    merge_standins(cw, globaluserinfo={'users': {'Alice Active': {'hidden': True}}})
    assert api(cw, 'metawiki', action='query', meta='globaluserinfo', guiuser='Alice Active',
               guiprop='merged')['query']['globaluserinfo'] == {'missing': True}


def test_globaluserinfo_by_id_and_overrides_from_the_data_file(cw):
    by_name = api(cw, 'metawiki', action='query', meta='globaluserinfo',
                  guiuser='Meta Only')['query']['globaluserinfo']
    by_id = api(cw, 'frwiki', action='query', meta='globaluserinfo',
                guiid=by_name['id'])['query']['globaluserinfo']
    assert by_id == by_name  # the same global account from any wiki of the farm
    error = api(cw, 'metawiki', action='query', meta='globaluserinfo', guiid=1)
    assert error['error']['code'] == 'invaliduserid'
    merge_standins(cw, globaluserinfo={'users': {'Alice Active': {
        'home': 'metawiki', 'groups': ['global-renamer'], 'rights': ['centralauth-rename'],
        'unattached': ['mediawikiwiki']}}})
    info = api(cw, 'metawiki', action='query', meta='globaluserinfo', guiuser='Alice Active',
               guiprop='groups|rights|merged|unattached')['query']['globaluserinfo']
    assert info['home'] == 'metawiki'
    assert info['groups'] == ['global-renamer'] and info['rights'] == ['centralauth-rename']
    assert {a['wiki'] for a in info['merged']} == {'frwiki', 'metawiki'}
    (unattached,) = info['unattached']
    assert_same_shape(GUI['unattached_formatversion_2'], unattached, 'unattached[]')
    assert unattached['wiki'] == 'mediawikiwiki'


def test_globaluserinfo_through_pywikibot(cw):
    import pywikibot

    meta = pywikibot.Site('meta', 'meta')
    info = meta.get_globaluserinfo('Alice Active', force=True)
    assert info['home'] == 'frwiki' and isinstance(info['registration'], pywikibot.Timestamp)
    assert meta.is_locked('Locked Larry', force=True) is True
    assert meta.is_locked('Alice Active', force=True) is False
    assert pywikibot.User(meta, 'Locked Larry').is_locked(refresh=True) is True
    assert 'missing' in meta.get_globaluserinfo('Nobody Here', force=True)


# -- Translate: meta=messagegroupstats --------------------------------------
MGS = sample('messagegroupstats.synthetic.json')
ROW = MGS['complete_response']['query']['messagegroupstats'][0]


def stats(farm, fv: int = 2, **params) -> dict:
    return api(farm, 'metawiki', fv=fv, action='query', meta='messagegroupstats',
               mgsgroup=GROUP, **params)


def test_messagegroupstats_rows_are_computed_from_the_wikis_pages(cw):
    answer = stats(cw)
    assert set(answer) == set(MGS['complete_response'])
    rows = answer['query']['messagegroupstats']
    for row in rows:
        assert list(row) == list(ROW)
        assert_types_like(ROW, row, 'row')
        assert row['code'] == row['language']
    codes = [r['language'] for r in rows]
    assert codes == sorted(codes) and len(codes) > 300  # every language MediaWiki knows
    by = {r['language']: r for r in rows}
    # Units T:1..T:6; fr: five translated and one !!FUZZY!!; de: one (T:99 is stale).
    assert by['fr'] == {'total': 6, 'translated': 5, 'fuzzy': 1, 'proofread': 0,
                        'code': 'fr', 'language': 'fr'}
    assert (by['de']['translated'], by['de']['fuzzy']) == (1, 0)
    assert (by['en']['translated'], by['en']['total']) == (6, 6)  # the source language
    assert (by['ar']['translated'], by['ar']['fuzzy']) == (0, 0)


def test_messagegroupstats_suppress_options_and_formatversion_1(cw):
    empty = stats(cw, mgssuppressempty=1)['query']['messagegroupstats']
    assert [r['language'] for r in empty] == ['de', 'en', 'fr']
    both = stats(cw, mgssuppressempty=1, mgssuppresscomplete=1)['query']['messagegroupstats']
    assert [r['language'] for r in both] == ['de', 'fr']
    fv1 = stats(cw, fv=1, mgssuppressempty=1)
    assert fv1['batchcomplete'] == ''
    assert [list(r) for r in fv1['query']['messagegroupstats']] == [list(ROW)] * 3


def test_messagegroupstats_incomplete_cache_stops_with_a_continuation(cw):
    languages = [r['language'] for r in stats(cw)['query']['messagegroupstats']]
    merge_standins(cw, messagegroupstats={'incomplete': {GROUP: {'from': 'fr', 'times': 2}}})
    expected = MGS['incomplete_cache_response']
    first = stats(cw)
    assert set(expected) <= set(first) <= set(expected) | {'batchcomplete'}
    assert first['continue'] == {'mgsoffset': 'fr', 'continue': '-||'}
    assert [r['language'] for r in first['query']['messagegroupstats']] == [
        code for code in languages if code < 'fr']
    # Continuing while the cache is still being rebuilt: nothing new, same offset.
    second = stats(cw, mgsoffset='fr')
    assert second['continue'] == {'mgsoffset': 'fr', 'continue': '-||'}
    assert second['query']['messagegroupstats'] == []
    # The third request that reaches fr gets the rest, and no continuation.
    third = stats(cw, mgsoffset='fr')
    assert 'continue' not in third
    rows = third['query']['messagegroupstats']
    assert rows[0]['language'] == 'fr' and rows[0]['translated'] == 5
    # Rewriting the data file starts the count again; "always" never completes.
    merge_standins(cw, messagegroupstats={'incomplete': {GROUP: {'from': 'de', 'always': True}}})
    for _ in range(3):
        assert stats(cw, mgsoffset='de')['continue']['mgsoffset'] == 'de'


def test_messagegroupstats_unknown_group_is_the_real_error(cw):
    expected = MGS['error_bad_group']['error']
    for group in ('page-No such page', 'page-Plain page', 'agg-Something'):
        error = api(cw, 'metawiki', action='query', meta='messagegroupstats',
                    mgsgroup=group)['error']
        assert (error['code'], error['info']) == (expected['code'], expected['info'])


# -- SiteMatrix: action=sitematrix -----------------------------------------
SM_SAMPLE = sample('sitematrix.traced.json')
SM = SM_SAMPLE['sitematrix']
SM_LANG_KEYS = set(SM['2'])
SM_SITE_KEYS = set.union(*(set(s) for k, v in SM.items() if k.isdigit() for s in v['site']))
SM_SPECIAL_KEYS = set.union(*(set(s) for s in SM['specials']))


def matrix(farm, fv: int = 2, dbname: str = 'metawiki', **params) -> dict:
    return api(farm, dbname, fv=fv, action='sitematrix',
               smsiteprop='url|dbname|code|lang|sitename', **params)


@pytest.mark.parametrize('fv', [1, 2])
def test_sitematrix_has_the_sample_shape(cw, fv):
    answer = matrix(cw, fv)
    assert set(answer) == {'sitematrix'}
    sm = answer['sitematrix']
    assert isinstance(sm['count'], int) and isinstance(sm['specials'], list)
    languages = {k: v for k, v in sm.items() if k not in ('count', 'specials')}
    assert all(k.isdigit() for k in languages)
    for row in languages.values():
        assert list(row) == list(SM['2'])  # code, name, site, dir, localname, in this order
        assert_types_like(SM['2'], row, 'language')
        for site in row['site']:
            assert {'url', 'dbname', 'code', 'lang', 'sitename'} <= set(site) <= SM_SITE_KEYS
    for special in sm['specials']:
        assert {'url', 'dbname', 'code', 'lang', 'sitename'} <= set(special) <= SM_SPECIAL_KEYS
    by_code = {row['code']: row for row in languages.values()}
    assert by_code['fr']['site'] == [{'url': cw.url('frwiki'), 'dbname': 'frwiki', 'code': 'wiki',
                                      'lang': 'fr', 'sitename': 'Wikipédia'}]
    assert by_code['ar']['dir'] == 'rtl' and by_code['fr']['localname'] == 'French'
    specials = {s['dbname']: s for s in sm['specials']}
    assert specials['metawiki']['code'] == 'meta'
    assert specials['mediawikiwiki']['code'] == 'mediawiki'
    assert specials['metawiki']['url'] == cw.url('metawiki')


def test_sitematrix_extra_closed_wikis_states_and_continuation(cw):
    merge_standins(cw, sitematrix={'extra': [
        {'dbname': 'aawiki', 'code': 'aa', 'project': 'wiki', 'lang': 'aa',
         'url': 'https://aa.wikipedia.org', 'sitename': 'Wikipedia', 'closed': True},
        {'dbname': 'frwiktionary', 'code': 'fr', 'project': 'wiktionary', 'lang': 'fr',
         'url': 'https://fr.wiktionary.org', 'sitename': 'Wiktionnaire'},
        {'dbname': 'boardwiki', 'code': 'board', 'lang': 'en', 'url': 'https://board.wikimedia.org',
         'sitename': 'Board', 'private': True},
    ]})
    fv2 = matrix(cw)['sitematrix']
    by_code = {v['code']: v for k, v in fv2.items() if k.isdigit()}
    assert by_code['aa']['site'][0]['closed'] is True
    assert [s['code'] for s in by_code['fr']['site']] == ['wiki', 'wiktionary']
    assert {s['dbname']: s.get('private') for s in fv2['specials']}['boardwiki'] is True
    fv1 = matrix(cw, fv=1)['sitematrix']
    assert {v['code']: v for k, v in fv1.items() if k.isdigit()}['aa']['site'][0]['closed'] == ''
    closed = matrix(cw, smstate='closed')['sitematrix']
    sites = [s['dbname'] for k, v in closed.items() if k.isdigit() for s in v['site']]
    assert sites == ['aawiki'] and closed['specials'] == []
    limited = matrix(cw, smlimit=1)
    assert limited['query-continue'] == {'sitematrix': {'smcontinue': 'language|ar'}}
    assert [k for k in limited['sitematrix'] if k.isdigit()] == ['0']


def test_sitematrix_through_pywikibot_fromdbname(cw):
    import pywikibot
    from pywikibot.site import APISite

    meta = pywikibot.Site('meta', 'meta')
    assert APISite.fromDBName('frwiki', site=meta) == pywikibot.Site('fr', 'wikipedia')
    assert APISite.fromDBName('arwiki', site=meta) == pywikibot.Site('ar', 'wikipedia')


# -- MassMessage: MassMessageListContent, prop=mmcontent ---------------------
MM = sample('mmcontent-api.traced.json')
MM_PAGE = MM['query']['pages'][0]


def expected_targets(content: dict) -> list[str]:
    return [f"{t['title']}@{t['site']}" if 'site' in t else t['title'] for t in content['targets']]


def test_mmcontent_matches_the_sample(cw):
    answer = api(cw, 'metawiki', action='query', prop='info|mmcontent', titles=LIST_PAGE)
    assert set(answer) == {k for k in MM if not k.startswith('_')}
    (page,) = answer['query']['pages']
    # Core's prop=info adds "new" only for a page with one revision (ours).
    assert set(page) - {'new'} == set(MM_PAGE)
    assert_types_like(MM_PAGE, page, 'page')
    assert page['contentmodel'] == 'MassMessageListContent'
    assert_same_shape(MM_PAGE['mmcontent'], page['mmcontent'], 'mmcontent')
    assert page['mmcontent']['description'] == LIST_CONTENT['description']
    assert page['mmcontent']['targets'] == expected_targets(LIST_CONTENT)
    assert set(MM_PAGE['mmcontent']['targets']) <= set(page['mmcontent']['targets'])
    fv1 = api(cw, 'metawiki', fv=1, action='query', prop='mmcontent', titles=LIST_PAGE)
    (page1,) = fv1['query']['pages'].values()
    assert page1['mmcontent'] == page['mmcontent']


def test_mmcontent_refuses_a_page_that_is_not_a_delivery_list(cw):
    answer = api(cw, 'metawiki', action='query', prop='mmcontent', titles=f'{LIST_PAGE}|Plain page')
    assert answer['error']['code'] == 'invalidspamlist'
    assert answer['error']['info'] == 'The specified spamlist is invalid.'
    missing = api(cw, 'metawiki', action='query', prop='mmcontent', titles='No such list')
    assert missing['query']['pages'][0]['missing'] is True and 'error' not in missing


def test_massmessage_list_content_is_validated_like_the_real_model(cw):
    cases = sample('massmessage-list-content.tests.found.json')
    admin = AdminSession(cw, 'metawiki')
    for i, content in enumerate(cases['valid'] + cases['valid_but_has_invalid_targets']):
        saved = admin.edit(f'List/valid {i}', json.dumps(content),
                           contentmodel='MassMessageListContent')
        assert saved.get('edit', {}).get('result') == 'Success', (content, saved)
    for i, content in enumerate(cases['invalid']):
        refused = admin.edit(f'List/invalid {i}', json.dumps(content),
                             contentmodel='MassMessageListContent')
        assert refused['error']['code'] == 'invalid-content-data', (content, refused)
    html = admin.get(action='parse', page='List/valid 3', prop='text')['parse']['text']
    assert 'This list contains invalid targets.' in html


# -- GlobalBlocking: list=globalblocks --------------------------------------
GB = sample('globalblocks.traced.json')
GB_ROW = GB['blocks']['query']['globalblocks'][0]


def globalblocks(farm, fv: int = 2, **params) -> dict:
    return api(farm, 'metawiki', fv=fv, action='query', list='globalblocks', **params)


def test_globalblocks_match_the_sample_and_are_batched(cw):
    merge_standins(cw, globalblocks={'blocks': [
        {'target': 'Alice Active', 'expiry': 'infinity', 'timestamp': '2026-03-04T05:06:07Z',
         'by': 'Admin', 'reason': 'Cross-wiki abuse', 'autoblocking-enabled': True},
        {'target': 'Meta Only', 'expiry': '2099-01-02T03:04:05Z',
         'timestamp': '2026-01-02T03:04:05Z'},
        {'target': 'Bob Stale', 'expiry': '2020-01-01T00:00:00Z'},  # expired: never listed
    ]})
    answer = globalblocks(cw, bgtargets='Alice Active|Meta Only|Bob Stale|Nobody Here',
                          bgprop='id|target|by|timestamp|expiry|reason')
    assert set(answer) == set(GB['blocks'])
    rows = answer['query']['globalblocks']
    for row in rows:
        assert_same_shape(GB_ROW, row, 'globalblocks[]')
        assert ISO.match(row['timestamp'])
    assert [(r['target'], r['expiry']) for r in rows] == [
        ('Alice Active', 'infinity'), ('Meta Only', '2099-01-02T03:04:05Z')]  # newest first
    assert rows[0]['by'] == 'Admin' and rows[0]['bywiki'] == 'metawiki'
    # A name without a global account, alone: nothing at all (not every block).
    assert globalblocks(cw, bgtargets='Nobody Here') == GB['no_blocks']
    # The limit is followed by a continuation at the first row not shown.
    limited = globalblocks(cw, bgtargets='Alice Active|Meta Only', bglimit=1)
    assert limited['continue'] == GB['limited']['continue']
    assert [r['target'] for r in limited['query']['globalblocks']] == ['Alice Active']
    (fv1,) = globalblocks(cw, fv=1, bgtargets='Alice Active',
                          bgprop='target|expiry')['query']['globalblocks']
    assert fv1['autoblocking-enabled'] == '' and 'automatic' not in fv1  # fv1 booleans


def test_globalblocks_exist_only_where_globalblocking_is(cw):
    with standins_off(cw, 'metawiki', ['centralauth']):
        answer = globalblocks(cw, bgtargets='Alice Active')
    assert 'globalblocks' not in answer.get('query', {})
    assert answer['warnings']['query']['warnings'] == \
        'Unrecognized value for parameter "list": globalblocks'


# -- log types --------------------------------------------------------------
def test_backdated_log_entries_of_the_registered_types(cw):
    cw.maint('metawiki', str(ADD_LOG_ENTRY), '--type', 'massmessage', '--action', 'send',
             '--performer', 'Admin', '--title', LIST_PAGE, '--timestamp', '20261102200000',
             '--comment', 'Tech News: 2026-45')
    cw.maint('metawiki', str(ADD_LOG_ENTRY), '--type', 'gblrename', '--action', 'rename',
             '--performer', 'Admin', '--olduser', 'Old Name', '--newuser', 'New Name',
             '--timestamp', '2025-01-02T03:04:05Z')
    cw.maint('metawiki', str(ADD_LOG_ENTRY), '--type', 'globalauth', '--action', 'setstatus',
             '--performer', 'Admin', '--user', 'Locked Larry', '--added', 'locked',
             '--timestamp', '20250303000000')
    cw.maint('frwiki', str(ADD_LOG_ENTRY), '--type', 'patrol', '--action', 'patrol',
             '--performer', 'Patrol Patty', '--create-performer', '--title', 'Accueil',
             '--timestamp', '20260101000000')

    def one(dbname, letype, timestamp):
        events = api(cw, dbname, action='query', list='logevents',
                     letype=letype)['query']['logevents']
        (event,) = [e for e in events if e['timestamp'] == timestamp]
        return event

    send = one('metawiki', 'massmessage', '2026-11-02T20:00:00Z')
    assert (send['action'], send['title'], send['timestamp'], send['comment']) == (
        'send', LIST_PAGE, '2026-11-02T20:00:00Z', 'Tech News: 2026-45')
    assert set(send['params']) == {'revid', 'pageMessage'} and send['params']['revid'] > 0
    rename = one('metawiki', 'gblrename', '2025-01-02T03:04:05Z')
    assert rename['title'] == 'Special:CentralAuth/New Name'
    assert rename['params'] == {'olduser': 'Old Name', 'newuser': 'New Name',
                                'movepages': True, 'suppressredirects': False}
    status = one('metawiki', 'globalauth', '2025-03-03T00:00:00Z')
    assert status['title'] == 'User:Locked Larry@global'
    assert status['params'] == {'added': ['locked'], 'removed': []}
    # A change that leaves the account hidden goes to the suppress log, as
    # CentralAuth logs it: nobody without suppressionlog reads it.
    hidden = json.loads(cw.maint('metawiki', str(ADD_LOG_ENTRY), '--type', 'globalauth',
                                 '--action', 'setstatus', '--performer', 'Admin',
                                 '--user', 'Hal Hider', '--added', 'locked,hidden',
                                 '--timestamp', '20250404000000').splitlines()[-1])
    assert hidden['type'] == 'suppress'
    public = api(cw, 'metawiki', action='query', list='logevents', letype='globalauth')
    assert all(e['timestamp'] != '2025-04-04T00:00:00Z'
               for e in public['query']['logevents'])
    patrol = one('frwiki', 'patrol', '2026-01-01T00:00:00Z')
    assert patrol['user'] == 'Patrol Patty' and patrol['timestamp'] == '2026-01-01T00:00:00Z'


# -- Translate markup --------------------------------------------------------
def test_translate_markup_renders_as_plain_text_with_a_language_bar(cw):
    html = api(cw, 'metawiki', action='parse', page=ISSUE, prop='text')['parse']['text']
    assert 'Updates for editors' in html and 'Special:MyLanguage/Tech/News' in html
    for leftover in ('&lt;translate', 'tvar', 'T:1', '&lt;/&gt;', 'section begin'):
        assert leftover not in html
    bar = api(cw, 'metawiki', action='parse', title=ISSUE, text='<languages/>',
              prop='text')['parse']['text']
    assert f'{ISSUE}/fr' in bar and 'français' in bar


# -- wikis without the modules ----------------------------------------------
def test_a_wiki_without_the_standins_answers_unrecognized_value(cw):
    with standins_off(cw, 'frwiki'):
        error = api(cw, 'frwiki', action='sitematrix')['error']
        assert error['code'] == 'badvalue'
        assert error['info'] == 'Unrecognized value for parameter "action": sitematrix.'
        for meta in ('globaluserinfo', 'messagegroupstats'):
            answer = api(cw, 'frwiki', action='query', meta=meta)
            assert answer['warnings']['query']['warnings'] == (
                f'Unrecognized value for parameter "meta": {meta}')
            assert 'query' not in answer or meta not in answer['query']
        answer = api(cw, 'frwiki', action='query', prop='mmcontent', titles='Accueil')
        assert answer['warnings']['query']['warnings'] == (
            'Unrecognized value for parameter "prop": mmcontent')
        error = api(cw, 'frwiki', action='query', list='logevents', letype='massmessage')['error']
        assert (error['code'], error['info']) == (
            'badvalue', 'Unrecognized value for parameter "letype": massmessage.')
        # The other wikis still answer, and still count frwiki's accounts as global.
        info = api(cw, 'metawiki', action='query', meta='globaluserinfo',
                   guiuser='Bob Stale')['query']['globaluserinfo']
        assert info['home'] == 'frwiki'
    # A list keeps only the named stand-ins.
    with standins_off(cw, 'frwiki', ['sitematrix']):
        assert 'sitematrix' in api(cw, 'frwiki', action='sitematrix')
        assert 'warnings' in api(cw, 'frwiki', action='query', meta='globaluserinfo')
    assert 'globaluserinfo' in api(cw, 'frwiki', action='query', meta='globaluserinfo',
                                   guiuser='Bob Stale')['query']
