"""Reach, where help is needed, undetermined ambassadors and the display rule (pure)."""
from __future__ import annotations

import copy
import json
from datetime import date, datetime, timezone
from fractions import Fraction
from typing import Any

import pytest

from techroles import i18n
from techroles.coverage import IssueFigure
from techroles.delivery import DeliveryTarget, parse_targets
from techroles.kpi import (
    KpiLinks,
    ambassador_kpi,
    check_report,
    history_record,
    merge_history,
    parse_history,
    percent_number,
    recompute_from_report,
    render_kpi_section,
    select_targets,
    translation_kpi,
)
from techroles.kpi.reach import (
    SiteFacts,
    communities,
    help_needed,
    reach,
    site_facts_from_matrix,
)
from techroles.model import Decision, Status


pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 9, 6, 30, tzinfo=timezone.utc)
ISSUE = 'Tech/News/2026/44'

MATRIX = {'sitematrix': {
    'count': 7,
    '0': {'code': 'fr', 'name': 'français', 'site': [
        {'url': 'https://fr.wikipedia.org', 'dbname': 'frwiki', 'code': 'wiki'},
        {'url': 'https://fr.wiktionary.org', 'dbname': 'frwiktionary', 'code': 'wiktionary'},
    ]},
    '1': {'code': 'ar', 'name': 'العربية', 'site': [
        {'url': 'https://ar.wikipedia.org', 'dbname': 'arwiki', 'code': 'wiki'}]},
    '2': {'code': 'ig', 'name': 'Igbo', 'site': [
        {'url': 'https://ig.wikipedia.org', 'dbname': 'igwiki', 'code': 'wiki'}]},
    '3': {'code': 'ho', 'name': 'Hiri Motu', 'site': [
        {'url': 'https://ho.wikipedia.org', 'dbname': 'howiki', 'code': 'wiki', 'closed': ''}]},
    'specials': [
        {'url': 'https://meta.wikimedia.org', 'dbname': 'metawiki', 'code': 'meta', 'lang': 'en'},
        {'url': 'https://board.wikimedia.org', 'dbname': 'boardwiki', 'code': 'board',
         'lang': 'en', 'private': ''},
        {'url': 'https://test.wikipedia.org', 'dbname': 'testwiki', 'code': 'test', 'lang': 'en',
         'fishbowl': True},
    ],
}}

DELIVERY = '\n'.join([
    '* {{target | page = Wikipédia:Le Bistro/Technique | site = fr.wikipedia.org}}',
    '* {{target | page = Utilisateur:Alice | site = fr.wikipedia.org}}',     # subscriber
    '* {{target | page = User talk:Bob | site = ar.wikipedia.org}}',         # subscriber
    '* {{target | page = ويكيبيديا:الميدان/تقنية | site = ar.wikipedia.org}}',
    '* {{target | page = Wikipedia:Village pump | site = ig.wikipedia.org}}',
    '* {{target | page = Wiktionnaire:Wikidémie | site = fr.wiktionary.org}}',
    '* {{target | page = Wikipedia:Village pump | site = ho.wikipedia.org}}',  # closed
    '* {{target | page = Noticeboard | site = board.wikimedia.org}}',         # private
    '* {{target | page = Wikipedia:Village pump | site = xx.nowhere.org}}',   # unknown
    '* {{#target:Tech}}',                                                       # Meta itself
])


def sites() -> dict[str, SiteFacts]:
    return site_facts_from_matrix(MATRIX)


def ambassadors(unknown: tuple[str, ...] = ()) -> tuple[dict[str, Decision], dict[str, list]]:
    decisions = {
        'Alice': Decision('Alice', Status.ACTIVE),
        'Bob': Decision('Bob', Status.SLIPPING, since=date(2026, 9, 20)),
        'Cyd': Decision('Cyd', Status.INACTIVE, since=date(2026, 3, 1)),
        'Dee': Decision('Dee', Status.INACTIVE, since=date(2025, 12, 24)),
        'Eli': Decision('Eli', Status.NEW, since=date(2026, 11, 1)),
    }
    for name in unknown:
        decisions[name] = Decision(name, Status.UNKNOWN)
    wikis = {'Alice': ['frwiki'], 'Bob': ['arwiki'], 'Cyd': ['frwiktionary'],
             'Dee': ['frwiktionary', 'metawiki'], 'Eli': ['metawiki']}
    return decisions, wikis


def test_site_facts_from_the_site_matrix() -> None:
    facts = sites()
    assert facts['frwiki'] == SiteFacts('frwiki', 'wikipedia', 'fr', 'https://fr.wikipedia.org')
    assert facts['frwiktionary'].family == 'wiktionary'
    assert facts['metawiki'].family == 'meta' and facts['metawiki'].lang == 'en'
    assert facts['howiki'].closed and not facts['howiki'].community
    assert facts['boardwiki'].private and not facts['boardwiki'].community
    assert facts['testwiki'].fishbowl and not facts['testwiki'].community
    assert facts['arwiki'].community


def test_communities_count_community_targets_only() -> None:
    found, warnings = communities(parse_targets(DELIVERY), 'metawiki', sites())
    assert found == {'arwiki': ['ويكيبيديا:الميدان/تقنية'],
                     'frwiki': ['Wikipédia:Le Bistro/Technique'],
                     'frwiktionary': ['Wiktionnaire:Wikidémie'],
                     'igwiki': ['Wikipedia:Village pump'],
                     'metawiki': ['Tech']}
    assert len(warnings) == 1 and 'xx.nowhere.org' in warnings[0] and 'line 9' in warnings[0]


def _reach(unknown: tuple[str, ...] = (), extra: dict[str, list] | None = None) -> dict:
    found, _ = communities(parse_targets(DELIVERY), 'metawiki', sites())
    decisions, wikis = ambassadors(unknown)
    wikis.update(extra or {})
    return reach(found, sites(), decisions, wikis)


def test_reach_counts_communities_with_an_active_ambassador() -> None:
    block = _reach()
    # frwiki (Alice active), arwiki (Bob slipping) of 5; frwiktionary, igwiki, metawiki without.
    assert (block['communities'], block['with_active'], block['undetermined']) == (5, 2, 0)
    assert block['by_family'] == {
        'meta': {'communities': 1, 'with_active': 0, 'undetermined': 0},
        'wikipedia': {'communities': 3, 'with_active': 2, 'undetermined': 0},
        'wiktionary': {'communities': 1, 'with_active': 0, 'undetermined': 0}}
    assert block['wikis']['arwiki']['people'] == [
        {'name': 'Bob', 'status': 'slipping', 'since': '2026-09-20'}]


def test_reach_is_undetermined_when_a_community_could_not_be_checked() -> None:
    # Fay (unknown) on igwiki, where nobody is active: igwiki is neither with nor without.
    block = _reach(('Fay', 'Gil'), {'Fay': ['igwiki'], 'Gil': ['frwiki']})
    assert block['with_active'] is None and block['undetermined'] == 1
    assert block['wikis']['igwiki']['state'] == 'undetermined'
    assert block['wikis']['frwiki']['state'] == 'with'       # Alice is active whatever Gil is
    assert block['by_family']['wikipedia'] == {'communities': 3, 'with_active': None,
                                               'undetermined': 1}
    assert block['by_family']['wiktionary']['with_active'] == 0


def test_recompute_reproduces_reach_from_the_report_alone() -> None:
    for block in (_reach(), _reach(('Fay',), {'Fay': ['igwiki']})):
        report = json.loads(json.dumps({'reach': block}))
        assert recompute_from_report(report) == {'reach': block}
        assert check_report(report) == []
    tampered = json.loads(json.dumps({'reach': _reach()}))
    tampered['reach']['with_active'] = 3
    assert check_report(tampered) == ['reach.with_active: report says 3, recomputed 2']


def _translation() -> dict[str, Any]:
    figures = {(ISSUE, 'fr'): IssueFigure(4, 4, 4), (ISSUE, 'ar'): IssueFigure(1, 0, 4),
               (ISSUE, 'de'): IssueFigure(0, 0, 4)}
    return translation_kpi([ISSUE], ['fr', 'ar', 'de'], figures,
                           {'content': 0.75, 'issues': 0.75, 'languages': 1})


def _help(block: dict | None = None) -> dict[str, Any]:
    translators = {'Tia': Decision('Tia', Status.ACTIVE), 'Uma': Decision('Uma', Status.INACTIVE,
                                                                         since=date(2026, 1, 2))}
    return help_needed(block or _reach(), _translation(), translators,
                       {'Tia': ['ar'], 'Uma': ['de', 'fr']})


def test_help_needed_lists_with_their_evidence() -> None:
    found = _help()
    without = {e['wiki']: e for e in found['communities_without_active']}
    assert sorted(without) == ['frwiktionary', 'igwiki', 'metawiki']
    # The last ambassador active there: Cyd (2026-03-01), later than Dee.
    assert without['frwiktionary']['last_active'] == {'name': 'Cyd', 'status': 'inactive',
                                                      'since': '2026-03-01'}
    assert without['frwiktionary']['targets'] == ['Wiktionnaire:Wikidémie']
    assert without['igwiki']['last_active'] is None
    assert without['metawiki']['last_active']['name'] == 'Dee'       # Eli is new, not "was active"
    assert [(e['wiki'], e['since']) for e in found['communities_at_risk']] == \
        [('arwiki', '2026-09-20')]
    # ar and de miss the goal; de has no active translator, so it comes first.
    short = found['languages_short']
    assert [(e['language'], e['active_translators']) for e in short] == [('de', 0), ('ar', 1)]
    assert short[0]['issues_short'] == [ISSUE] and short[0]['start_page'] == f'{ISSUE}/de'
    assert short[0]['translators'] == [{'name': 'Uma', 'status': 'inactive',
                                        'since': '2026-01-02'}]
    # Content languages of communities no translator lists (en is the source language).
    assert found['languages_without_translator'] == [{'language': 'ig', 'communities': ['igwiki']}]


def test_help_needed_leaves_undetermined_communities_out() -> None:
    block = _reach(('Fay',), {'Fay': ['igwiki']})
    assert 'igwiki' not in [e['wiki'] for e in _help(block)['communities_without_active']]


def _family(wiki: str) -> str:
    return 'wiktionary' if 'wiktionary' in wiki else 'wikipedia'


def full_report(unknown: bool = False) -> dict[str, Any]:
    """A report with every block, the ambassador figure undetermined when ``unknown``."""
    decisions, wikis = ambassadors(('Fay',) if unknown else ())
    if unknown:
        wikis['Fay'] = ['igwiki']
    amb = ambassador_kpi(decisions, wikis, family_of=_family,
                         unanswered_wikis=['igwiki'] if unknown else ())
    block = _reach(('Fay',) if unknown else (), {'Fay': ['igwiki']} if unknown else None)
    if unknown:
        block['unanswered_wikis'] = ['igwiki']
    return {'ambassadors': amb, 'reach': block, 'translation': _translation(),
            'help_needed': _help(block)}


def test_undetermined_ambassadors_on_the_page_and_in_the_history() -> None:
    determined = history_record(full_report(), date(2026, 11, 2))
    assert determined['ambassadors']['active'] == 2
    assert determined['reach'] == {'communities': 5, 'with_active': 2, 'undetermined': 0}
    report = full_report(unknown=True)
    assert (report['ambassadors']['active'], report['ambassadors']['undetermined']) == (None, 1)
    assert report['ambassadors']['wikis_undetermined'] == ['igwiki']
    assert 'igwiki' not in report['ambassadors']['wikis_without_active']
    assert check_report(json.loads(json.dumps(report))) == []
    record = history_record(report, date(2026, 11, 9))
    assert record['ambassadors']['active'] is None and record['reach']['with_active'] is None
    history = merge_history([determined], record)
    assert parse_history(json.dumps({'version': 1, 'records': history})) == history
    text = render_kpi_section(report, history, lang='en', links=KpiLinks(), now=NOW)
    headline = text[text.index('Active tech ambassadors'):text.index('Communities receiving')]
    assert 'undetermined' in headline and "'''" not in headline     # no figure in bold
    assert '{{formatnum:1}} {{PLURAL:{{formatnum:1}}|person|people}} could not be checked' \
        in headline
    assert 'wikis that did not answer: igwiki' in headline
    assert 'last determined figure: {{formatnum:2}} of {{formatnum:5}} on 2026-11-02' in headline
    reach_row = text[text.index('Communities receiving'):text.index('Targeted languages')]
    assert 'last determined figure: {{formatnum:2}} of {{formatnum:5}} on 2026-11-02' in reach_row
    table = text[text.index('techroles-kpi-history"'):]
    assert table.count('| undetermined') == 2                        # active and reach, 11-09


def test_reach_and_help_on_the_page() -> None:
    text = render_kpi_section(full_report(), [], lang='en', links=KpiLinks(), now=NOW,
                              language_names={'de': 'Deutsch'})
    assert "'''{{formatnum:2}}''' of {{formatnum:5}} ({{formatnum:40}}%)" in text
    assert '[[#techroles-kpi-help|where help is needed]]' in text
    help_part = text[text.index('id="techroles-kpi-help"'):]
    assert help_part.count('{| class="wikitable sortable') == 4
    assert '[https://fr.wiktionary.org/wiki/Wiktionnaire:Wikid%C3%A9mie ' \
           'Wiktionnaire&#58;Wikidémie]' in help_part
    assert 'Cyd, 2026-03-01' in help_part
    assert '2026-09-20' in help_part                                  # arwiki at risk since
    assert 'Deutsch (de)' in help_part and f'[[:{ISSUE}/de|' in help_part
    assert 'data-sort-value="0" | {{formatnum:0}}' in help_part


def test_help_section_in_french_and_arabic() -> None:
    for lang in ('fr', 'ar'):
        def msg(key: str, *params: str, lang: str = lang) -> str:
            return i18n.message(key, lang, *params)

        text = render_kpi_section(full_report(unknown=True), [], lang=lang, links=KpiLinks(),
                                  now=NOW, msg=msg, direction=i18n.direction(lang))
        assert f'dir="{i18n.direction(lang)}" lang="{lang}"' in text
        assert i18n.message('techroles-kpi-help-heading', lang) in text
        assert i18n.message('techroles-kpi-figure-undetermined', lang) in text
        assert 'undetermined' not in text.replace('wikis_undetermined', '')
    assert i18n.direction('ar') == 'rtl'


@pytest.mark.parametrize(('value', 'limits', 'shown'), [
    (Fraction(2, 7), (), '28.6'),             # half-up, not floored (28.57…)
    (Fraction(2, 3), (), '66.7'),
    (Fraction(1, 8), (), '12.5'),
    (Fraction(247, 2000), (), '12.4'),        # 12.35 % rounds half-up
    (Fraction(2469, 20000), (), '12.3'),      # 12.345 %
    (Fraction(7496, 10000), (Fraction(3, 4),), '74.9'),   # never shown as reaching 75 %
    (Fraction(7496, 10000), (), '75'),        # no threshold in sight: rounds
    (Fraction(3, 4), (Fraction(3, 4),), '75'),
    (Fraction(9996, 10000), (), '99.9'),      # never shown as 100 %
    (Fraction(1), (), '100'),
    (Fraction(0), (), '0'),
    (0.25, (None,), '25'),
])
def test_percent_number(value: Fraction, limits: tuple, shown: str) -> None:
    assert percent_number(value, limits) == shown


def test_threshold_rule_on_the_page() -> None:
    figures = {(ISSUE, 'fr'): IssueFigure(7496, 7496, 10000)}
    tr = translation_kpi([ISSUE], ['fr'], figures, {'content': 0.75})
    text = render_kpi_section({'translation': tr}, [], lang='en', links=KpiLinks(), now=NOW)
    assert '{{formatnum:74.9}}%' in text and '{{formatnum:75}}%' in text   # cell; threshold


def test_reach_report_round_trip_keeps_help_untouched() -> None:
    report = full_report()
    before = copy.deepcopy(report)
    recompute_from_report(report)
    assert report == before
    assert DeliveryTarget('X').site is None


def test_the_source_language_is_never_targeted() -> None:
    assert select_targets(['en', 'fr', 'fr'], ['de'], 'en') == (
        ['fr'], ["targeted_languages: 'en' is the source language of Tech News, never a "
                 'targeted language; dropped'])
    assert select_targets(['fr'], ['de'], 'en') == (['fr'], [])
    assert select_targets(None, ['de', 'en', 'ar'], 'en') == (['ar', 'de'], [])


def test_the_content_language_of_simple_english_and_old_codes():
    """Simple English Wikipedia is written in English; be-x-old is be-tarask."""
    matrix = {'count': 2,
              '0': {'code': 'simple', 'name': 'Simple English',
                    'site': [{'url': 'https://simple.wikipedia.org', 'dbname': 'simplewiki',
                              'code': 'wiki', 'sitename': 'Wikipedia'}]},
              '1': {'code': 'be-x-old', 'name': 'беларуская (тарашкевіца)',
                    'site': [{'url': 'https://be-tarask.wikipedia.org',
                              'dbname': 'be_x_oldwiki', 'code': 'wiki',
                              'sitename': 'Вікіпэдыя'}]}}
    facts = site_facts_from_matrix(matrix)
    assert facts['simplewiki'].lang == 'en'
    assert facts['be_x_oldwiki'].lang == 'be-tarask'
