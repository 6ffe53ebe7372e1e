"""``techroles kpi`` end to end on the local wikis (issue: the KPI page).

Two Tech News issues on Meta in the two complete ISO weeks before the run:
issue A (4 units) delivered by a logged MassMessage send on its Monday at
15:00; issue B (2 units) with no send logged, so delivery is estimated at
Monday 20:00. Translations (hand-computed figures):

- fr: A units 1–3 before delivery, unit 4 after → 4/4 eventual, 3/4 at
  delivery (exactly 75 %: meets, compared as a fraction); B 2/2 before → meets.
  fr meets 2/2 issues eventually and at delivery.
- de: A units 1–2, unit 3 fuzzy → 2/4 (no); B 2/2 → 1/2 issues: does not meet.
- ar: nothing at all → 0/4, 0/2: does not meet.
Headline: 1 of 3 targeted languages (en is the source language).
"""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone

import pytest

from techroles import coverage
from testbed.faultproxy import ProxiedFarm, has
from testbed.fixtures import World
from testbed.humans import Human
from tests.integration.helpers import AMBASSADORS, TRANSLATORS, config, run, signup
from tests.integration.test_update import everyone_page
from tests.integration.world import EXPECTED, base_now


pytestmark = pytest.mark.integration
LIST = 'Global message delivery/Targets/Tech ambassadors'
KPI_PAGE = 'User:TechRolesBot/KPI'
HISTORY = 'User:TechRolesBot/KPI history.json'


def issue_source(units: int) -> str:
    body = '\n\n'.join(f'<!--T:{u}-->\nItem {u} of this issue.' for u in range(1, units + 1))
    return f'<languages/>\n<translate>\n{body}\n</translate>\n'


def build(wiki) -> tuple[str, str]:
    now = base_now()
    (y1, w1), (y2, w2) = coverage.reporting_period(now.date(), 2)
    a, b = coverage.issue_title('Tech/News', y1, w1), coverage.issue_title('Tech/News', y2, w2)
    monday_a = datetime.combine(coverage.week_monday(y1, w1), time(15), timezone.utc)
    monday_b = datetime.combine(coverage.week_monday(y2, w2), time(20), timezone.utc)
    ago = lambda when: (now - when).total_seconds() / 86400  # noqa: E731
    before_a, after_a = ago(monday_a - timedelta(hours=5)), ago(monday_a + timedelta(hours=2))
    before_b = ago(monday_b - timedelta(hours=5))
    world = World(wiki, now=now)
    world.page('metawiki', a, [(ago(monday_a - timedelta(days=3)), 'Admin', issue_source(4))])
    world.page('metawiki', b, [(ago(monday_b - timedelta(days=3)), 'Admin', issue_source(2))])
    tr = lambda issue, unit, lang, when, text='Traduit.': world.page(  # noqa: E731
        'metawiki', f'Translations:{issue}/{unit}/{lang}', [(when, 'Traductrice Alpha', text)])
    for unit in (1, 2, 3):
        tr(a, unit, 'fr', before_a)
    tr(a, 4, 'fr', after_a)
    tr(b, 1, 'fr', before_b)
    tr(b, 2, 'fr', before_b)
    tr(a, 1, 'de', before_a, 'Übersetzt.')
    tr(a, 2, 'de', before_a, 'Übersetzt.')
    tr(a, 3, 'de', before_a, '!!FUZZY!!Übersetzt.')
    tr(b, 1, 'de', before_b, 'Übersetzt.')
    tr(b, 2, 'de', before_b, 'Übersetzt.')
    world.page('metawiki', LIST, [(400, 'Admin', '\n'.join([
        '* {{target|page=Tech/News|site=meta.wikimedia.org}}',
        '* {{target|page=Wikipédia:Le Bistro|site=fr.wikipedia.org}}',
        '* {{target|page=ويكيبيديا:الميدان|site=ar.wikipedia.org}}',
        '* {{target|page=Project:Current issues|site=www.mediawiki.org}}',   # no ambassador
        '* {{target|page=User talk:Alice Active|site=fr.wikipedia.org}}',    # a subscriber
        '* {{target|page=Wikipedia:Pump|site=xx.example.org}}',              # unknown wiki
    ]))])
    world.log('metawiki', 'massmessage', 'send', 'Admin', LIST, ago(monday_a))
    world.apply()
    signup(wiki, everyone_page())
    signup(wiki, title=TRANSLATORS, page_text='\n'.join([
        '{| class="wikitable"', '! Language !! Translators !! Status',
        '|-', '| français || [[User:Alice Active]] || ',
        '|-', '| Deutsch (de) || [[User:Bob Stale]] || ',
        '|-', '| العربية || [[User:نجمة الصباح]] || ',
        '|-', '| English || [[User:Meta Only]] || ', '|}', '']))
    return a, b


def test_kpi_figures_history_and_page(wiki, tmp_path):
    a, b = build(wiki)
    cfg = config(tmp_path, tables=[
        {'site': 'meta:meta', 'page': AMBASSADORS, 'kind': 'ambassadors'},
        {'site': 'meta:meta', 'page': TRANSLATORS, 'kind': 'translators'}],
        tech_news={'weeks': 2})
    outcome = run('kpi', cfg, '-always')
    assert outcome.code == 0, outcome.stderr
    report = outcome.report
    amb = report['ambassadors']
    expected = dict(EXPECTED, **{'Patch Runner': 'inactive'})
    assert amb['listed'] == len(expected)
    assert amb['active'] == sum(s in ('active', 'slipping') for s in expected.values())
    assert set(amb['by_status']) == {'unknown', 'missing', 'renamed', 'locked', 'blocked',
                                     'active', 'slipping', 'new', 'inactive'}
    assert amb['by_status']['blocked'] == 1 and amb['by_status']['slipping'] == 1
    assert amb['by_wiki']['arwiki'] == {**amb['by_wiki']['arwiki'], 'listed': 1, 'active': 1}
    # Reach: communities receiving Tech News (not the subscriber, not the unknown wiki).
    reach = report['reach']
    assert sorted(reach['wikis']) == ['arwiki', 'frwiki', 'mediawikiwiki', 'metawiki']
    assert (reach['communities'], reach['with_active'], reach['undetermined']) == (4, 3, 0)
    assert reach['wikis']['frwiki']['targets'] == ['Wikipédia:Le Bistro']
    assert 'xx.example.org' in outcome.stderr and 'not a community' in outcome.stderr
    needed = report['help_needed']
    assert [e['wiki'] for e in needed['communities_without_active']] == ['mediawikiwiki']
    # Languages missing the goal, fewest active translators first (Bob Stale is inactive).
    assert [(e['language'], e['active_translators']) for e in needed['languages_short']] == \
        [('de', 0), ('ar', 1)]
    tr = report['translation']
    assert tr['issues'] == [a, b]
    assert tr['targeted_languages'] == ['ar', 'de', 'fr']
    fr, de, ar = (tr['languages'][x] for x in ('fr', 'de', 'ar'))
    assert fr['per_issue'][a] == {'translated': 4, 'translated_at_delivery': 3, 'total': 4,
                                  'complete': True, 'complete_at_delivery': True}
    assert fr['per_issue'][b] == {'translated': 2, 'translated_at_delivery': 2, 'total': 2,
                                  'complete': True, 'complete_at_delivery': True}
    assert (fr['issues_meeting'], fr['issues_meeting_at_delivery'], fr['issues_total']) == (2, 2, 2)
    assert fr['meets'] is True and fr['meets_at_delivery'] is True
    assert de['per_issue'][a]['translated'] == 2 and de['issues_meeting'] == 1
    assert de['meets'] is False
    assert ar['per_issue'][a]['translated'] == 0 and ar['meets'] is False
    assert tr['languages_meeting'] == 1
    assert tr['headline'] == pytest.approx(1 / 3)
    # The history page holds one record for today, as JSON.
    human = Human(wiki, 'metawiki')
    history = json.loads(human.text(HISTORY))
    assert [r['date'] for r in history['records']] == [base_now().date().isoformat()] or \
        len(history['records']) == 1
    # A rerun the same day replaces the record; the page renders through the parser.
    assert run('kpi', cfg, '-always').code == 0
    assert len(json.loads(human.text(HISTORY))['records']) == 1
    html = human.get(action='parse', page=KPI_PAGE, prop='text')['parse']['text']
    assert 'techroles-kpi' in html or 'wikitable' in html
    assert a in html.replace('_', ' ') and 'Error' not in html
    assert 'id="techroles-kpi-help"' in html and 'Where help is needed' in html
    page = human.text(KPI_PAGE)
    assert page.count('<!-- techroles:kpi:start -->') == 1


@pytest.fixture(scope='module')
def proxied(farm, tmp_path_factory):
    """Proxies in front of every wiki (rules cleared per test)."""
    proxies = ProxiedFarm(farm, tmp_path_factory.mktemp('proxied')).start()
    yield proxies
    proxies.stop()


def test_a_wiki_that_does_not_answer_makes_the_figures_undetermined(wiki, proxied, tmp_path):
    """arwiki answers 503 to the activity query: its only ambassador is unknown, so the
    ambassador and reach figures are undetermined (null), never the lower bound."""
    build(wiki)
    proxied.clear()
    proxied['arwiki'].add(action='http', status=503,
                          match={'action': 'query', 'list': has('usercontribs')})
    cfg = config(tmp_path, tables=[
        {'site': 'meta:meta', 'page': AMBASSADORS, 'kind': 'ambassadors'},
        {'site': 'meta:meta', 'page': TRANSLATORS, 'kind': 'translators'}],
        tech_news={'weeks': 2})
    outcome = run('kpi', cfg, '-always', env=proxied.env())
    proxied.clear()
    assert outcome.code == 1, outcome.stderr[-2000:]
    amb = outcome.report['ambassadors']
    assert (amb['active'], amb['undetermined']) == (None, 1)
    assert amb['unanswered_wikis'] == ['arwiki']
    assert 'arwiki' in amb['wikis_undetermined'] and 'arwiki' not in amb['wikis_without_active']
    reach = outcome.report['reach']
    assert (reach['with_active'], reach['undetermined']) == (None, 1)
    assert reach['wikis']['arwiki']['state'] == 'undetermined'
    human = Human(wiki, 'metawiki')
    record = json.loads(human.text(HISTORY))['records'][-1]
    assert record['ambassadors']['active'] is None and record['reach']['with_active'] is None
    page = human.text(KPI_PAGE)
    assert 'wikis that did not answer: arwiki' in page
    assert "could not be checked" in page
