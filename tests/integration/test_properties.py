"""Properties of the update job against the local wikis (issue 8), with hypothesis.

Generated sign-up tables (people of the base world, link styles, inline or
one-cell-per-line rows, notes, spans already there) on fresh pages:

* a second run without new activity saves nothing;
* a person added by someone else between the bot's read and its save is
  never lost (the save conflicts, the page is read again, the decisions are
  applied to the new text).

The job runs in this process (as in test_update's edit-conflict test), so an
example costs well under a second; pages get unique titles instead of a
reset of the wikis between examples. The pure property of the renderer
(10,000 generated tables under ``make slow``) is in tests/unit.
"""
from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from techroles import table
from testbed.humans import Human
from tests.integration.world import EXPECTED


pytestmark = pytest.mark.integration

ROW_WIKI = {'نجمة الصباح': 'ar.wikipedia', 'Meta Only': 'Meta'}
PEOPLE = sorted(EXPECTED)
FORMS = ['[[User:{n}]]', '[[User:{n}|{n}]]', '{{{{u|{n}}}}}', '[[m:User:{n}|{n}]]']
PREVIOUS = [None, 'inactive', 'new', 'missing', 'unknown', 'renamed']
SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
_serial = itertools.count()


def row(name: str, form: int, previous: str | None, note: str, inline: bool) -> str:
    user = FORMS[form].format(n=name)
    span = '' if previous is None else (
        f'<span class="techroles-status" data-user="{name}" data-status="{previous}">'
        f'{previous.title()}</span>')
    cells = [ROW_WIKI.get(name, 'fr.wikipedia'), user, span, note]
    if inline:
        return '|-\n| ' + ' || '.join(cells)
    return '|-\n' + '\n'.join(f'| {c}' for c in cells)


@st.composite
def signup_page(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """(people in the table, its rows as wikitext)."""
    people = draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=7, unique=True))
    inline = draw(st.booleans())
    rows = [row(name, draw(st.integers(0, 3)), draw(st.sampled_from(PREVIOUS)),
                draw(st.sampled_from(['', 'note', "''on leave''", 'joined [[2024]]'])),
                inline and draw(st.integers(0, 4)) > 0)
            for name in people]
    return people, rows


def page_of(rows: list[str]) -> str:
    return '\n'.join(['Intro.', '{| class="wikitable sortable"',
                      '! Wiki !! Ambassador !! Status !! Notes', *rows, '|}', 'Footer.', ''])


@pytest.fixture()
def job(wiki, monkeypatch):
    """Run the update job in this process on one page; returns (exit, report)."""
    import pywikibot
    from pywikibot import config as pwb_config

    from techroles.config import validate
    from techroles.wiki import jobs

    monkeypatch.setattr(pwb_config, 'simulate', False)
    pywikibot.Site('meta', 'meta').login()

    def run(title: str, store: Path) -> tuple[int, dict]:
        cfg = validate({'tables': [{'site': 'meta:meta', 'page': title, 'kind': 'ambassadors'}],
                        'shutoff_page': 'User:TechRolesBot/shutoff',
                        'state_store': str(store / 'state.sqlite')}, source='test')
        report = store / 'report.json'
        code = jobs.run_configuration(cfg, always=True, report=str(report))
        return code, json.loads(report.read_text())

    return run


@SETTINGS
@given(case=signup_page())
def test_a_second_run_without_new_activity_saves_nothing(wiki, job, case):
    people, rows = case
    title = f'Tech/Ambassadors/Property {next(_serial)}'
    human = Human(wiki, 'metawiki')
    human.edit(title, page_of(rows), 'a generated sign-up page')
    store = Path(tempfile.mkdtemp(dir=wiki.base))
    first, report = job(title, store)
    assert first == 0, report['run']['problems']
    after_first = human.revisions(title)
    second, report = job(title, store)
    assert second == 0, report['run']['problems']
    assert human.revisions(title) == after_first  # no new revision, same text
    assert all(t['saved'] is False for t in report['tables'])
    assert {p['name'] for p in report['people']} == set(people)


@SETTINGS
@given(case=signup_page(), data=st.data())
def test_someone_added_between_read_and_save_is_never_lost(wiki, job, monkeypatch, case, data):
    from techroles.wiki import pages

    people, rows = case
    newcomer = data.draw(st.sampled_from([p for p in PEOPLE if p not in people] or PEOPLE))
    where = data.draw(st.integers(0, len(rows)))
    added = row(newcomer, data.draw(st.integers(0, 2)), None, 'just joined',
                data.draw(st.booleans()))
    title = f'Tech/Ambassadors/Property {next(_serial)}'
    human = Human(wiki, 'metawiki')
    human.edit(title, page_of(rows), 'a generated sign-up page')
    original = pages.SavePath.save
    inserted: list[str] = []

    def save_after_a_human(self, snap, new_text, summary, **kwargs):
        if snap.title == title and not inserted:
            current = human.text(title)
            lines = current.split('\n')
            # Before the where-th row (or before the table's end).
            starts = [i for i, line in enumerate(lines) if line == '|-'] + \
                [lines.index('|}')]
            at = starts[min(where, len(starts) - 1)]
            human.edit(title, '\n'.join([*lines[:at], added, *lines[at:]]), 'signing up')
            inserted.append(human.text(title))
        return original(self, snap, new_text, summary, **kwargs)

    monkeypatch.setattr(pages.SavePath, 'save', save_after_a_human)
    code, report = job(title, Path(tempfile.mkdtemp(dir=wiki.base)))
    monkeypatch.setattr(pages.SavePath, 'save', original)
    final = human.text(title)
    if not inserted:  # nothing to save: the person's edit never happened
        assert all(t['saved'] is False for t in report['tables'])
        return
    assert code == 0, report['run']['problems']
    assert added in final                       # the row, byte for byte
    listed = lambda page: [r.users for t in table.parse_page(page) for r in t.rows]  # noqa: E731
    assert listed(final) == listed(inserted[0])  # everyone, in the same order
    statuses = {u: s for t in table.parse_page(final) for r in t.rows
                for u, s in zip(r.users, r.statuses, strict=True)}
    for name in people:                         # the bot's work was applied too
        assert statuses[name] == next(p['status'] for p in report['people']
                                      if p['name'] == name)
