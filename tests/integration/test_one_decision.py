"""One decision per person per run, and figures that are right or undetermined.

Xavier is an ambassador on two pages: for frwiki on one (no edit there) and
for arwiki on the other (he edits there every week). Whatever the order of
the pages in the configuration, he is decided once, over both wikis: active
in both cells, counted once in the KPI.
"""
from __future__ import annotations

import json

import pytest

from techroles import table
from testbed.fixtures import World
from tests.integration.helpers import AMBASSADORS, config, run, signup, text


pytestmark = pytest.mark.integration

SECOND = 'Tech/Ambassadors/Arabic'
KPI_PAGE = 'User:TechRolesBot/KPI'
STATUS_PAGE = 'User:TechRolesBot/status'
XAVIER = 'Xavier Twopages'


def page(wiki_cell: str, people: list[str]) -> str:
    rows = ''.join(f'|-\n| {wiki_cell} || [[User:{name}|{name}]] || \n' for name in people)
    return ('{| class="wikitable"\n! Wiki !! Ambassador !! Status\n' + rows + '|}\n')


@pytest.fixture()
def two_pages(wiki):
    world = World(wiki)
    world.account('frwiki', XAVIER)
    world.edits('arwiki', XAVIER, 2, 9, 16)
    world.apply()
    signup(wiki, page('fr.wikipedia', [XAVIER, 'Bob Stale']))
    signup(wiki, page('ar.wikipedia', [XAVIER]), title=SECOND)
    return wiki


def spans(farm, title: str) -> dict[str, str | None]:
    return {user: status for tbl in table.parse_page(text(farm, title)) for row in tbl.rows
            for user, status in zip(row.users, row.statuses, strict=True)}


def tables(*titles: str) -> list[dict]:
    return [{'site': 'meta:meta', 'page': t, 'kind': 'ambassadors'} for t in titles]


def test_a_person_on_two_pages_is_decided_once_whatever_the_order(two_pages, tmp_path):
    outcomes = []
    for order in ((AMBASSADORS, SECOND), (SECOND, AMBASSADORS)):
        signup(two_pages, page('fr.wikipedia', [XAVIER, 'Bob Stale']))
        signup(two_pages, page('ar.wikipedia', [XAVIER]), title=SECOND)
        directory = tmp_path / order[0].replace('/', '_')
        directory.mkdir()
        cfg = config(directory, tables=tables(*order), kpi_page=KPI_PAGE)
        outcome = run('run', cfg, '-always', '--kpi-report', str(directory / 'kpi.json'))
        assert outcome.code == 0, outcome.stderr
        kpi = json.loads((directory / 'kpi.json').read_text())
        outcomes.append((outcome, kpi))
        # Every cell of Xavier says what his one decision says.
        assert spans(two_pages, AMBASSADORS)[XAVIER] == 'active'
        assert spans(two_pages, SECOND)[XAVIER] == 'active'
    (first, first_kpi), (second, second_kpi) = outcomes
    key = lambda p: (p['page'], p['name'])  # noqa: E731
    people = lambda o: sorted(((p['page'], p['name'], p['status']) for p in  # noqa: E731
                               o.report['people']), key=lambda t: t[:2])
    assert people(first) == people(second)
    assert {key(p): p['status'] for p in first.report['people']}[(AMBASSADORS, XAVIER)] == \
        'active'
    for field in ('active', 'listed', 'by_status'):
        assert first_kpi['ambassadors'][field] == second_kpi['ambassadors'][field]
    assert first_kpi['ambassadors']['active'] == 1  # Xavier, counted once
    assert first_kpi['ambassadors']['listed'] == 2  # Xavier and Bob


def test_people_in_rows_the_bot_does_not_write_are_listed_and_decided(two_pages, tmp_path):
    """An unknown wiki or a <translate> status cell: not written, still listed."""
    signup(two_pages, '{| class="wikitable"\n! Wiki !! Ambassador !! Status\n'
           '|-\n| xx.nonexistentproject || [[User:Meta Only|Meta Only]] || \n'
           '|-\n| fr.wikipedia || [[User:Bob Stale|Bob Stale]] || \n|}\n')
    cfg = config(tmp_path, kpi_page=KPI_PAGE)
    outcome = run('run', cfg, '-always', '--kpi-report', str(tmp_path / 'kpi.json'))
    kpi = json.loads((tmp_path / 'kpi.json').read_text())
    people = {p['name']: p for p in outcome.report['people']}
    assert people['Meta Only']['status'] == 'active'  # decided over Meta
    assert people['Meta Only']['written'] is False
    assert spans(two_pages, AMBASSADORS)['Meta Only'] is None  # cell left alone
    assert kpi['ambassadors']['listed'] == 2
    assert kpi['ambassadors']['active'] == 1


def test_run_publishes_no_ambassador_figure_after_a_failed_update(two_pages, tmp_path):
    """The sign-up page cannot be read: no "0 of 0" on the KPI page or in the history."""
    history = 'User:TechRolesBot/KPI history.json'
    cfg = config(tmp_path, tables=tables('Tech/Ambassadors/Does not exist'),
                 kpi_page=KPI_PAGE, history_page=history)
    outcome = run('run', cfg, '-always', '--kpi-report', str(tmp_path / 'kpi.json'))
    assert outcome.code == 1, outcome.stderr
    assert (tmp_path / 'kpi.json').exists(), outcome.stderr
    kpi = json.loads((tmp_path / 'kpi.json').read_text())
    assert kpi['ambassadors']['active'] is None
    records = json.loads(text(two_pages, history))['records']
    assert records[-1]['ambassadors']['active'] is None
    assert 'does not exist' in kpi['ambassadors']['listing_incomplete'][0]


def test_a_kpi_run_keeps_what_the_update_reported_on_the_status_page(two_pages, tmp_path):
    cfg = config(tmp_path, status_page=STATUS_PAGE, kpi_page=KPI_PAGE)
    assert run('update', cfg, '-always').code == 0
    before = text(two_pages, STATUS_PAGE)
    assert 'data-job="update"' in before and 'Bob Stale' not in before.split('data-job')[0]
    update_part = before[before.index('<!-- techroles:status:start'):
                         before.index('<!-- techroles:status:end')]
    outcome = run('kpi', cfg, '-always')
    assert outcome.code == 0, outcome.stderr
    after = text(two_pages, STATUS_PAGE)
    assert update_part in after  # the update's section, byte for byte
    assert 'data-job="kpi"' in after


def test_the_report_counts_every_http_request(two_pages, tmp_path, proxied_meta):
    """The run report's request count is what a counting proxy in front of the wiki saw."""
    cfg = config(tmp_path)
    outcome = run('update', cfg, '-always', env=proxied_meta.env())
    assert outcome.code == 0, outcome.stderr
    seen = len(proxied_meta.log())
    counted = sum(outcome.report['run']['requests'].values())
    assert counted == seen, outcome.report['run']['requests']
    assert outcome.report['run']['requests'].get('pywikibot', 0) > 0


@pytest.fixture()
def proxied_meta(farm, tmp_path_factory):
    from testbed.faultproxy import ProxiedFarm

    proxies = ProxiedFarm(farm, tmp_path_factory.mktemp('proxied')).start()
    yield proxies
    proxies.stop()

