"""Faults between the bot and the wikis (issue 8: reliability).

The bot runs as a subprocess whose Pywikibot families point at
fault-injecting proxies (``testbed.faultproxy``) in front of the
real local wikis. Every scenario checks the same promises:

* nobody's status changes because of missing data: the cells of people
  checked on the failing wiki keep their bytes, and the report says
  ``unknown`` for them; nobody else gets a status other than the right one;
* no save is built from two different reads: every edit the bot sends
  carries the base timestamp of the last read of that page, and its text
  differs from that read's only inside status cells (same rows, same people);
* the run exits with the documented status (1 incomplete/not saved,
  3 shutoff), with a one-line ``ERROR site:page…: message`` on stderr and no
  crash;
* the next run, faults removed (through the same proxies), completes
  normally: exit 0 and the expected statuses.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pytest

from techroles import table
from testbed.faultproxy import ABSENT, PRESENT, LogEntry, ProxiedFarm, Rule, has
from testbed.humans import Human
from tests.integration.helpers import (
    AMBASSADORS,
    SHUTOFF,
    Outcome,
    config,
    put,
    run,
    signup,
    text,
)


pytestmark = pytest.mark.integration

#: (wiki cell, person, status span already in the cell or None, expected status).
PEOPLE = [
    ('fr.wikipedia', 'Alice Active', 'inactive', 'active'),
    ('fr.wikipedia', 'Bob Stale', 'active', 'inactive'),
    ('fr.wikipedia', 'Sam Slipping', None, 'slipping'),
    ('fr.wikipedia', 'Emma Email', None, 'active'),
    ('fr.wikipedia', 'Nobody Here', None, 'missing'),
    ('Meta', 'Meta Only', 'inactive', 'active'),
    ('ar.wikipedia', 'نجمة الصباح', 'slipping', 'active'),
]
EXPECTED = {name: expected for _, name, _, expected in PEOPLE}
ON_FRWIKI = [name for wiki, name, _, _ in PEOPLE if wiki == 'fr.wikipedia']
ON_ARWIKI = ['نجمة الصباح']
EVERYONE = list(EXPECTED)

LINE = re.compile(r'^ERROR \S+?:.+?: .+$', re.M)


def page_text() -> str:
    lines = ['Intro people wrote.', '{| class="wikitable sortable"',
             '! Wiki !! Ambassador !! Status !! Notes']
    for wiki, name, status, _ in PEOPLE:
        span = '' if status is None else (
            f'<span class="techroles-status" data-user="{name}" data-status="{status}">'
            f'{status.title()} since 2020-01-01</span>')
        lines += ['|-', f'| {wiki} || [[User:{name}|{name}]] || {span} || note of {name}']
    return '\n'.join([*lines, '|}', 'Footer people wrote.', ''])


def cells(page: str) -> dict[str, str]:
    """Each person's status cell, byte for byte."""
    out = {}
    for tbl in table.analyse(page).tables:
        for row in tbl.rows:
            if row.status is not None:
                for user in row.row.users:
                    out[user] = page[row.status.cell.start:row.status.cell.end]
    return out


def span_statuses(page: str) -> dict[str, str | None]:
    return {user: status for tbl in table.parse_page(page) for row in tbl.rows
            for user, status in zip(row.users, row.statuses, strict=True)}


@pytest.fixture(scope='module')
def proxied(farm, tmp_path_factory):
    """Proxies in front of every wiki, shared by the module (rules cleared per test)."""
    proxies = ProxiedFarm(farm, tmp_path_factory.mktemp('proxied')).start()
    yield proxies
    proxies.stop()


@pytest.fixture()
def faults(wiki, proxied):
    proxied.clear()
    signup(wiki, page_text())
    yield proxied
    proxied.clear()


# -- the promises ---------------------------------------------------------------

def assert_saves_built_from_one_read(proxies: ProxiedFarm, title: str = AMBASSADORS) -> int:
    """Every edit of ``title`` names as its base the revision of the latest read of the
    page, and differs from that read only inside status cells. Returns the number of edits."""
    last_read: tuple[int, str] | None = None
    edits = 0
    for entry in proxies.log():
        params = entry.params
        if params.get('action') == 'edit' and params.get('title') == title:
            edits += 1
            assert last_read is not None, 'a save without a read'
            base_revid, base_text = last_read
            assert params.get('baserevid') == str(base_revid), \
                f'edit based on {params.get("baserevid")}, last read {base_revid}'
            new = params['text']
            assert _outside(base_text, _cell_ranges(base_text)) == _outside(new, _cell_ranges(new))
            assert [r.users for t in table.parse_page(base_text) for r in t.rows] == \
                [r.users for t in table.parse_page(new) for r in t.rows]
        elif params.get('action') == 'query' and 'revisions' in params.get('prop', '') \
                and 'content' in params.get('rvprop', '') and 'rvuser' not in params \
                and params.get('titles') == title and isinstance(entry.answer, dict):
            for page in _pages(entry.answer):
                revisions = page.get('revisions') or []
                if revisions:
                    rev = revisions[0]
                    content = rev.get('slots', {}).get('main', {})
                    last_read = (rev['revid'], content.get('content', content.get('*')))
    return edits


def _pages(answer: dict) -> list[dict]:
    pages = answer.get('query', {}).get('pages', [])
    return list(pages.values()) if isinstance(pages, dict) else list(pages)


def _cell_ranges(page: str) -> list[tuple[int, int]]:
    return sorted({(r.status.cell.start, r.status.cell.end)
                   for t in table.analyse(page).tables for r in t.rows if r.status})


def _outside(page: str, ranges: list[tuple[int, int]]) -> list[str]:
    pieces, pos = [], 0
    for start, end in ranges:
        pieces.append(page[pos:start])
        pos = end
    pieces.append(page[pos:])
    return pieces


def assert_failed_safely(outcome, before: str, after: str, *, unknown: Iterable[str] = (),
                         kept: Iterable[str] | None = None, code: int = 1,
                         where: str = '') -> None:
    """The documented exit, one-line reasons, untouched cells of the people not checked.

    ``unknown``: people the report must call ``unknown`` (data missing);
    ``kept``: people whose cells must keep their bytes (default: ``unknown``).
    """
    assert outcome.code == code, outcome.stderr[-3000:]
    assert not re.search(r'^Traceback', outcome.stderr, re.M), outcome.stderr[-3000:]
    reasons = LINE.findall(outcome.stderr)
    assert reasons, outcome.stderr[-3000:]
    if where:
        assert any(where in line for line in reasons), reasons
    old, new = cells(before), cells(after)
    reported = {p['name']: p['status'] for p in outcome.report.get('people', [])}
    for name in unknown:
        if reported:
            assert reported[name] == 'unknown', (name, reported[name])
    for name in unknown if kept is None else kept:
        assert new[name] == old[name], f'{name}: cell changed without data'
    # Whoever changed got the right status, never a wrong one.
    was, now = span_statuses(before), span_statuses(after)
    for name, status in now.items():
        assert status in (was[name], EXPECTED[name]), (name, was[name], status)


def assert_next_run_completes(proxies: ProxiedFarm, cfg, wiki) -> None:
    proxies.clear()
    outcome = run('update', cfg, '-always', env=proxies.env())
    assert outcome.code == 0, outcome.stderr[-3000:]
    assert {p['name']: p['status'] for p in outcome.report['people']} == EXPECTED
    assert span_statuses(text(wiki, AMBASSADORS)) == EXPECTED
    assert_saves_built_from_one_read(proxies)


@dataclass
class Faulty:
    """The run with the faults: its outcome and every request the proxies saw."""

    outcome: Outcome
    log: list[LogEntry]

    def requests(self, wiki: str, **match) -> list[LogEntry]:
        probe = Rule(match=match)
        return [e for e in self.log if e.request.wiki == wiki and probe.matches(e.request)]


def fail_then_recover(faults: ProxiedFarm, wiki, tmp_path, *, repair=None, cfg=None,
                      **expect) -> Faulty:
    """Run with the faults, check the promises, remove the faults (``repair``), run again."""
    cfg = cfg or config(tmp_path)
    before = text(wiki, AMBASSADORS)
    try:
        outcome = run('update', cfg, '-always', env=faults.env())
    finally:
        faults.clear_rules()
        if repair is not None:
            repair()
    after = text(wiki, AMBASSADORS)
    faulty = Faulty(outcome, faults.log())
    assert_failed_safely(outcome, before, after, **expect)
    assert_saves_built_from_one_read(faults)
    assert_next_run_completes(faults, cfg, wiki)
    return faulty


# -- scenarios --------------------------------------------------------------------

ACTIVITY = {'action': 'query', 'list': has('usercontribs')}
SAVE = {'action': 'edit', 'title': AMBASSADORS}
READ = {'action': 'query', 'titles': AMBASSADORS, 'rvprop': has('content'), 'rvuser': ABSENT}


def test_http_500_on_one_wiki(faults, wiki, tmp_path):
    faults['frwiki'].add(action='http', status=500, match=ACTIVITY)
    fail_then_recover(faults, wiki, tmp_path, unknown=ON_FRWIKI, where='Alice Active')


def test_http_503_on_every_request_of_one_wiki(faults, wiki, tmp_path):
    faults['arwiki'].add(action='http', status=503)
    fail_then_recover(faults, wiki, tmp_path, unknown=ON_ARWIKI, where='arwiki')


def test_a_timeout(faults, wiki, tmp_path):
    faults['frwiki'].add(action='delay', delay=5, match=ACTIVITY)
    fail_then_recover(faults, wiki, tmp_path, unknown=ON_FRWIKI, where='frwiki')


def test_maxlag_on_every_save(faults, wiki, tmp_path):
    faults['metawiki'].add(action='maxlag', retry_after=1, match=SAVE)
    fail_then_recover(faults, wiki, tmp_path, kept=EVERYONE, where='maxlag')


def test_a_wiki_going_down_mid_run(faults, wiki, tmp_path):
    stopped = []

    def stop(request):
        if not stopped:
            wiki.stop_wiki('arwiki')
            stopped.append(True)

    faults['arwiki'].add(match=ACTIVITY, before=stop)
    fail_then_recover(faults, wiki, tmp_path, unknown=ON_ARWIKI, where='arwiki',
                      repair=lambda: wiki.start())
    assert stopped


def test_continuation_cut_off_half_way(faults, wiki, tmp_path):
    # The fixture histories are short: two rows per answer make the activity
    # query continue; every continuation request then fails.
    proxy = faults['frwiki']
    proxy.add(action='close', match={**ACTIVITY, 'uccontinue': PRESENT})
    proxy.add(match=ACTIVITY, rewrite={'uclimit': '2'})
    faulty = fail_then_recover(faults, wiki, tmp_path, unknown=ON_FRWIKI, where='frwiki')
    assert faulty.requests('frwiki', uccontinue=PRESENT)


def test_the_login_session_expiring(faults, wiki, tmp_path):
    # From the first save on, the wiki no longer sees the session cookies.
    faults['metawiki'].add(action='expire_session', match={'action': 'edit'})
    faults['metawiki'].add(action='expire_session', match={'action': 'login'})
    fail_then_recover(faults, wiki, tmp_path, kept=EVERYONE, where='assertuserfailed')


def test_a_save_refused_as_logged_out_once_is_repeated(faults, wiki, tmp_path):
    # Pywikibot checks its login and repeats the save, still based on the same read.
    faults['metawiki'].add(action='expire_session', match=SAVE, nth=1)
    outcome = run('update', config(tmp_path), '-always', env=faults.env())
    assert outcome.code == 0, outcome.stderr[-3000:]
    assert span_statuses(text(wiki, AMBASSADORS)) == EXPECTED
    assert assert_saves_built_from_one_read(faults) == 2  # refused, then saved


def test_the_page_protected_between_read_and_save(faults, wiki, tmp_path):
    human = Human(wiki, 'metawiki')
    faults['metawiki'].add(match=SAVE, nth=1, before=lambda r: human.protect(AMBASSADORS))
    fail_then_recover(
        faults, wiki, tmp_path, kept=EVERYONE, where='locked',
        repair=lambda: human.post(action='protect', title=AMBASSADORS,
                                  protections='edit=all|move=all', token=human.token()))


def test_the_bot_blocked_between_read_and_save(faults, wiki, tmp_path):
    human = Human(wiki, 'metawiki')
    faults['metawiki'].add(match=SAVE, nth=1, before=lambda r: human.block('TechRolesBot'))
    fail_then_recover(faults, wiki, tmp_path, kept=EVERYONE, where='blocked',
                      repair=lambda: human.unblock('TechRolesBot'))


def test_an_edit_conflict_at_every_save(faults, wiki, tmp_path):
    human = Human(wiki, 'metawiki')
    edits = []

    def conflict(request):
        # A person edits the same line as the bot: MediaWiki cannot merge.
        edits.append(len(edits) + 1)
        current = human.text(AMBASSADORS)
        human.edit(AMBASSADORS, current.replace(
            '|| note of Alice Active', f'|| note of Alice Active (edit {len(edits)})', 1)
            .replace(f'(edit {len(edits) - 1})', ''), 'a person edits')

    faults['metawiki'].add(match=SAVE, before=conflict)
    faulty = fail_then_recover(faults, wiki, tmp_path, kept=EVERYONE, where='edit conflict')
    assert len(edits) == 4  # edit_conflict_retries (3) + 1, each from a fresh read
    assert faulty.outcome.report['tables'][0]['reason'] == 'edit conflicts'
    assert '(edit 4)' in text(wiki, AMBASSADORS)  # the person's edits were kept


def test_the_shutoff_page_filled_between_read_and_save(faults, wiki, tmp_path):
    faults['metawiki'].add(match=READ, nth=1,
                           before=lambda r: put(wiki, SHUTOFF, 'Stop: a complaint.'))
    faulty = fail_then_recover(faults, wiki, tmp_path, kept=EVERYONE, code=3, where='shutoff',
                               repair=lambda: put(wiki, SHUTOFF, ''))
    # The shutoff page means: edit nothing, not even the status page.
    assert not faulty.requests('metawiki', action='edit')


def test_a_bad_token_at_every_save(faults, wiki, tmp_path):
    # Pywikibot fetches a new token once and repeats; then it gives up.
    faults['metawiki'].add(action='api_error', code='badtoken', info='Invalid CSRF token.',
                           match=SAVE)
    faulty = fail_then_recover(faults, wiki, tmp_path, kept=EVERYONE, where='badtoken')
    assert len(faulty.requests('metawiki', **SAVE)) == 2


def test_an_answer_cut_short_without_its_continuation(faults, wiki, tmp_path):
    # The answer of the window query looks complete (no ``continue``) but lacks
    # its later pages; later answers are whole. frwiki orders its answer Emma
    # Email, Sam Slipping, …: with one row, Sam's edits of the window are lost,
    # and Sam has none elsewhere. His logged actions are asked (one request),
    # his latest edit comes along and lies in the window: the loss is seen.
    faults['frwiki'].add(action='strip_continue', match={**ACTIVITY, 'ucend': PRESENT},
                         rewrite={'uclimit': '1'})
    fail_then_recover(faults, wiki, tmp_path, unknown=ON_FRWIKI, where='incomplete answer')


def test_a_cut_answer_no_status_depends_on(faults, wiki, tmp_path):
    # Two rows: Alice Active's frwiki edits are lost, but she edited Meta within
    # the slipping threshold, so her status cannot depend on them and her
    # latest frwiki edit is not asked (by default role signals inform, they do
    # not decide). The run completes and every status is the right one.
    faults['frwiki'].add(action='strip_continue', match={**ACTIVITY, 'ucend': PRESENT},
                         rewrite={'uclimit': '2'})
    before = text(wiki, AMBASSADORS)
    outcome = run('update', config(tmp_path), '-always', env=faults.env())
    assert outcome.code == 0, outcome.stderr[-3000:]
    reported = {p['name']: p for p in outcome.report['people']}
    assert {name: p['status'] for name, p in reported.items()} == EXPECTED
    assert reported['Alice Active']['evidence']['wiki'] == 'metawiki'
    assert span_statuses(text(wiki, AMBASSADORS)) == EXPECTED != span_statuses(before)
    assert_saves_built_from_one_read(faults)


def test_a_cut_answer_when_role_signals_decide(faults, wiki, tmp_path):
    # The same loss, with a required signal: the window's edits of someone
    # active elsewhere now decide their status, so the latest edit of everyone
    # with edits but none in the window is asked, and the loss is seen.
    faults['frwiki'].add(action='strip_continue', match={**ACTIVITY, 'ucend': PRESENT},
                         rewrite={'uclimit': '2'})
    before = text(wiki, AMBASSADORS)
    outcome = run('update', config(tmp_path, required_signals=['reachable']), '-always',
                  env=faults.env())
    assert outcome.code == 1, outcome.stderr[-3000:]
    assert any('incomplete answer' in line for line in LINE.findall(outcome.stderr))
    reported = {p['name']: p['status'] for p in outcome.report['people']}
    assert all(reported[name] == 'unknown' for name in ON_FRWIKI), reported
    old, new = cells(before), cells(text(wiki, AMBASSADORS))
    assert all(new[name] == old[name] for name in ON_FRWIKI)
    assert_saves_built_from_one_read(faults)


def test_meta_down_from_the_start(faults, wiki, tmp_path):
    # The bot logs in and writes on Meta: nothing can be done, and it says so.
    faults['metawiki'].add(action='http', status=503)
    faulty = fail_then_recover(faults, wiki, tmp_path, kept=EVERYONE, where='meta:meta')
    assert not faulty.requests('metawiki', action='edit')


def test_the_login_refused(faults, wiki, tmp_path):
    # No session yet, and the wiki never sees the login's session: login fails.
    for jar in faults.pywikibot_dir.glob('*.lwp'):
        jar.unlink()
    faults['metawiki'].add(action='expire_session', match={'action': 'login'})
    fail_then_recover(faults, wiki, tmp_path, kept=EVERYONE, where='cannot log in')


def _rows_without_timestamps(answer: dict) -> dict:
    for row in answer.get('query', {}).get('usercontribs', []):
        row.pop('timestamp', None)
    return answer


def test_an_answer_nobody_foresaw_fails_only_its_wiki(faults, wiki, tmp_path):
    # frwiki's contributions come without a field the collector reads: the
    # worker's unexpected exception (a KeyError) makes frwiki's people unknown
    # with a one-line reason naming it; no traceback, the other wikis decide.
    faults['frwiki'].add(action='transform', match=ACTIVITY, transform=_rows_without_timestamps)
    faulty = fail_then_recover(faults, wiki, tmp_path, unknown=ON_FRWIKI, where='KeyError')
    assert 'Traceback' not in faulty.outcome.stderr
    reported = {p['name']: p['status'] for p in faulty.outcome.report['people']}
    assert reported['Meta Only'] == 'active'
