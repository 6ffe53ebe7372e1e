"""KPI figures, the KPI page section, history and tabular data.

Every expected figure below is worked out by hand in the comments next to
it; the scenario is several issues × several languages with fuzzy units,
translations saved after delivery, a language missing entirely, incomplete
issues that can and cannot change the outcome, an issue with nothing to
translate, and thresholds met exactly at 75 %.
"""
from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import mwparserfromhell
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techroles.coverage import (
    CountedFigure,
    IssueFigure,
    StatsFigure,
    delivery_time,
    issue_figure,
)
from techroles.errors import PageContentError
from techroles.kpi import (
    KPI_END,
    KPI_MESSAGE_KEYS,
    KPI_START,
    KpiLinks,
    ambassador_kpi,
    check_report,
    check_tabular,
    default_msg,
    default_targets,
    escape_wikitext,
    frozen_at_delivery,
    history_json,
    history_record,
    merge_history,
    normalize_thresholds,
    parse_history,
    recompute_from_report,
    render_kpi_section,
    replace_between_markers,
    tabular_data,
    threshold_fraction,
    translation_kpi,
)
from techroles.model import Decision, Status


pytestmark = pytest.mark.unit

UTC = timezone.utc
I41, I42, I43, I44, I45 = (f'Tech/News/2026/{week}' for week in (41, 42, 43, 44, 45))
ISSUES = [I41, I42, I43, I44, I45]


# == Scenario ===============================================================

def _fr_42() -> IssueFigure:
    """fr, issue 42, counted unit by unit (8 units, delivered Monday 20:14).

    Now: 1-6 translated, 7 fuzzy, 8 missing -> 6/8.
    At delivery: 1-4 saved before; 5 fuzzy then, fixed after; 6 created
    after; 7 fine then, fuzzied after -> {1, 2, 3, 4, 7} = 5/8.
    """
    delivered, estimated = delivery_time(2026, 42, [datetime(2026, 10, 12, 20, 14, tzinfo=UTC)])
    assert not estimated
    before, after = delivered - timedelta(days=2), delivered + timedelta(hours=5)
    revisions = {unit: [(before, False)] for unit in ('1', '2', '4')}
    revisions['3'] = [(before, False), (after, False)]
    revisions['5'] = [(before, True), (after, False)]
    revisions['6'] = [(after, False)]
    revisions['7'] = [(before, False), (after, True)]
    counted = CountedFigure(units=tuple('12345678'),
                            translated_now=frozenset('123456'),
                            revisions=revisions, delivery=delivered)
    return issue_figure(None, counted)


def scenario_figures() -> dict[tuple[str, str], IssueFigure]:
    """Totals: 41 has no units, 42: 8, 43: 4, 44: 6, 45: 5."""
    incomplete_45 = issue_figure(StatsFigure(0, 5, complete=False), None)
    return {
        # fr: 6/8 and 3/4 meet exactly at 75 %; 6/6 meets; 2/5 does not -> 3 of 4 = 75 %: meets.
        # At delivery 5/8 no, 3/4 yes, 4/6 no, 1/5 no -> 1 of 4: does not meet.
        (I41, 'fr'): IssueFigure(0, 0, 0),
        (I42, 'fr'): _fr_42(),
        (I43, 'fr'): IssueFigure(3, 3, 4),
        (I44, 'fr'): IssueFigure(6, 4, 6),
        (I45, 'fr'): IssueFigure(2, 1, 5),
        # de: 5/8 no, 4/4 yes, 5/6 yes, 45 incomplete -> 2 of 3 + 1 open:
        # 2/4 fails, 3/4 meets -> undecided (null), now and at delivery.
        (I42, 'de'): IssueFigure(5, 5, 8),
        (I43, 'de'): IssueFigure(4, 4, 4),
        (I44, 'de'): IssueFigure(5, 5, 6),
        (I45, 'de'): incomplete_45,
        # ar: 8/8 yes (6/8 = 75 % at delivery: yes), 2/4 no, 1/6 no, 45 incomplete
        # (its partial 4/5 is ignored) -> 1 of 3 + 1 open: 1/4 and 2/4 both fail: false.
        (I42, 'ar'): IssueFigure(8, 6, 8),
        (I43, 'ar'): IssueFigure(2, 2, 4),
        (I44, 'ar'): IssueFigure(1, 1, 6),
        (I45, 'ar'): IssueFigure(4, 4, 5, complete=False),
        # es: 3 of 3 + 1 open: 3/4 and 4/4 both meet: true, also at delivery.
        (I42, 'es'): IssueFigure(8, 8, 8),
        (I43, 'es'): IssueFigure(4, 4, 4),
        (I44, 'es'): IssueFigure(6, 6, 6),
        (I45, 'es'): incomplete_45,
        # ig: nothing at all -> 0 of every total (45 borrows 5 from fr): 0 of 4, false.
    }


TARGETED = ['fr', 'de', 'ar', 'es', 'ig']
DELIVERIES = {I42: (datetime(2026, 10, 12, 20, 14, tzinfo=UTC), False),
              I43: (datetime(2026, 10, 19, 20, tzinfo=UTC), True)}


def scenario_translation(targeted: list[str] = TARGETED) -> dict[str, Any]:
    return translation_kpi([I45, I43, I41, I44, I42], targeted, scenario_figures(),
                           {'content': 0.75, 'issues': Fraction(3, 4), 'languages': 1},
                           deliveries=DELIVERIES)


def _family(wiki: str) -> str:
    return 'wiktionary' if wiki.endswith('wiktionary') else 'wikipedia'


def scenario_ambassadors(unknown_fay: bool = False) -> dict[str, Any]:
    """Nine people; Fay could not be checked when ``unknown_fay`` (else inactive)."""
    yes = {'proactive': True, 'supportive': True, 'reachable': True}
    decisions = {
        'Alice': Decision('Alice', Status.ACTIVE, signals=yes),
        'Bob': Decision('Bob', Status.SLIPPING, signals={'proactive': False, 'reachable': True}),
        'Chloé': Decision('Chloé', Status.NEW),
        'Dan': Decision('Dan', Status.INACTIVE),
        'Eve': Decision('Eve', Status.MISSING),
        'Gus': Decision('Gus', Status.RENAMED, new_name='Gustave'),
        'Hal': Decision('Hal', Status.LOCKED),
        'Ivy': Decision('Ivy', Status.BLOCKED),
    }
    if not unknown_fay:
        decisions['Fay'] = Decision('Fay', Status.INACTIVE)
    people_wikis = {
        'Alice': ['frwiki', 'dewiki', 'frwiki'], 'Bob': ['frwiki'], 'Chloé': ['arwiki'],
        'Dan': ['enwiktionary'], 'Eve': ['frwiki'], 'Fay': ['dewiki'],  # Fay: no decision
        'Gus': ['arwiki'], 'Hal': ['frwiktionary'], 'Ivy': ['dewiki'],
    }
    return ambassador_kpi(decisions, people_wikis, target_wikis=['eswiki', 'frwiki'],
                          family_of=_family)


def scenario_report(targeted: list[str] = TARGETED) -> dict[str, Any]:
    return {'ambassadors': scenario_ambassadors(), 'translation': scenario_translation(targeted)}


# == Ambassadors ============================================================

def _statuses(**counts: int) -> dict[str, int]:
    result = {status.value: 0 for status in Status}
    result.update(counts)
    return result


def test_ambassador_kpi_hand_computed() -> None:
    amb = scenario_ambassadors(unknown_fay=True)
    assert amb['listed'] == 9
    # Fay could not be checked: the figure is undetermined, not the lower bound 2.
    assert (amb['active'], amb['undetermined']) == (None, 1)
    assert amb['by_status'] == {status.value: 1 for status in Status}   # Fay is unknown
    assert list(amb['by_status']) == [status.value for status in Status]
    assert {wiki: (entry['listed'], entry['active']) for wiki, entry in amb['by_wiki'].items()} \
        == {'arwiki': (2, 0), 'dewiki': (3, 1), 'enwiktionary': (1, 0), 'eswiki': (0, 0),
            'frwiki': (3, 2), 'frwiktionary': (1, 0)}
    assert amb['by_wiki']['dewiki']['by_status'] == _statuses(active=1, unknown=1, blocked=1)
    assert amb['by_wiki']['eswiki']['by_status'] == _statuses()
    assert amb['wikis_without_active'] == ['arwiki', 'enwiktionary', 'eswiki', 'frwiktionary']
    assert amb['by_family'] == {
        'wikipedia': {'listed': 7, 'active': None, 'undetermined': 1,
                      'wikis': ['arwiki', 'dewiki', 'eswiki', 'frwiki'],
                      'wikis_without_active': ['arwiki', 'eswiki'], 'wikis_undetermined': []},
        'wiktionary': {'listed': 2, 'active': 0, 'undetermined': 0,
                       'wikis': ['enwiktionary', 'frwiktionary'],
                       'wikis_without_active': ['enwiktionary', 'frwiktionary'],
                       'wikis_undetermined': []},
    }
    assert amb['wikis_undetermined'] == []     # dewiki has Alice: with, whoever else is unknown
    # recognizable: all but Eve (missing) and Fay (unknown).
    assert amb['criteria'] == {'recognizable': 7, 'proactive': 1, 'supportive': 1,
                               'reachable': 2}
    assert amb['criteria_unknown'] == {'proactive': 7, 'supportive': 8, 'reachable': 7}
    assert amb['target_wikis'] == ['eswiki', 'frwiki']
    alice = amb['people'][0]
    assert alice == {'name': 'Alice', 'status': 'active', 'wikis': ['dewiki', 'frwiki'],
                     'signals': {'proactive': True, 'reachable': True, 'supportive': True}}


def test_ambassador_kpi_empty() -> None:
    amb = ambassador_kpi({}, {}, family_of=_family)
    assert (amb['listed'], amb['active'], amb['by_wiki'], amb['wikis_without_active']) == \
        (0, 0, {}, [])
    assert amb['by_status'] == _statuses()
    amb = ambassador_kpi({}, {}, target_wikis=['frwiki'], family_of=_family)
    assert amb['wikis_without_active'] == ['frwiki']


def test_ambassador_kpi_person_without_rows() -> None:
    amb = ambassador_kpi({'Jo': Decision('Jo', Status.ACTIVE)}, {}, family_of=_family)
    assert (amb['listed'], amb['active'], amb['by_wiki']) == (1, 1, {})


# == Translation ============================================================

def test_translation_report_shape_is_the_stable_contract() -> None:
    tr = scenario_translation()
    for key in ('issues', 'targeted_languages', 'thresholds', 'languages', 'languages_meeting',
                'languages_meeting_at_delivery', 'headline', 'headline_at_delivery'):
        assert key in tr
    assert tr['issues'] == ISSUES                     # oldest first, whatever the input order
    assert tr['targeted_languages'] == TARGETED
    assert tr['thresholds'] == {'content': 0.75, 'issues': 0.75, 'languages': 1.0}
    assert tr['thresholds_exact'] == {'content': '3/4', 'issues': '3/4', 'languages': '1'}
    for entry in tr['languages'].values():
        # The stable keys, plus the at-delivery figure's own completeness.
        assert set(entry) == {'issues_meeting', 'issues_meeting_at_delivery', 'issues_total',
                              'issues_incomplete', 'meets', 'meets_at_delivery', 'per_issue',
                              'issues_total_at_delivery', 'issues_incomplete_at_delivery'}
        assert list(entry['per_issue']) == ISSUES
        for figure in entry['per_issue'].values():
            assert set(figure) == {'translated', 'translated_at_delivery', 'total', 'complete',
                                   'complete_at_delivery'}


def _language(entry: dict[str, Any]) -> tuple[Any, ...]:
    return (entry['issues_meeting'], entry['issues_meeting_at_delivery'], entry['issues_total'],
            entry['issues_incomplete'], entry['meets'], entry['meets_at_delivery'])


def test_translation_kpi_hand_computed() -> None:
    tr = scenario_translation()
    languages = tr['languages']
    assert _language(languages['fr']) == (3, 1, 4, [], True, False)
    assert _language(languages['de']) == (2, 2, 3, [I45], None, None)
    assert _language(languages['ar']) == (1, 1, 3, [I45], False, False)
    assert _language(languages['es']) == (3, 3, 3, [I45], True, True)
    assert _language(languages['ig']) == (0, 0, 4, [], False, False)
    assert languages['fr']['per_issue'][I42] == {'translated': 6, 'translated_at_delivery': 5,
                                                 'total': 8, 'complete': True,
                                                 'complete_at_delivery': True}
    assert languages['de']['per_issue'][I45] == {'translated': 0, 'translated_at_delivery': 0,
                                                 'total': 5, 'complete': False,
                                                 'complete_at_delivery': False}
    # The language missing entirely: 0 of each issue's total, 45's total borrowed from fr.
    assert {issue: (f['translated'], f['total'], f['complete'])
            for issue, f in languages['ig']['per_issue'].items()} == {
        I41: (0, 0, True), I42: (0, 8, True), I43: (0, 4, True), I44: (0, 6, True),
        I45: (0, 5, True)}
    # Eventual: fr, es meet; de undecided -> headline null, goal (100 %) surely not met.
    assert tr['languages_meeting'] == 2
    assert tr['languages_undetermined'] == ['de']
    assert tr['headline'] is None
    assert tr['goal_met'] is False
    # At delivery: only es.
    assert tr['languages_meeting_at_delivery'] == 1
    assert tr['headline_at_delivery'] is None
    assert tr['goal_met_at_delivery'] is False
    assert tr['delivery'] == {I42: {'time': '2026-10-12T20:14:00Z', 'estimated': False},
                              I43: {'time': '2026-10-19T20:00:00Z', 'estimated': True}}


def test_translation_headline_without_undecided_languages() -> None:
    tr = scenario_translation(['fr', 'ar', 'es', 'ig'])
    assert (tr['languages_meeting'], tr['headline'], tr['goal_met']) == (2, 0.5, False)
    assert (tr['languages_meeting_at_delivery'], tr['headline_at_delivery']) == (1, 0.25)
    tr = scenario_translation(['fr', 'es'])
    assert (tr['headline'], tr['goal_met']) == (1.0, True)
    assert (tr['headline_at_delivery'], tr['goal_met_at_delivery']) == (0.5, False)


def test_issue_without_units_is_no_issue() -> None:
    """Total 0 (page not marked for translation): neither counted nor incomplete."""
    tr = scenario_translation()
    for lang in TARGETED:
        assert I41 not in tr['languages'][lang]['issues_incomplete']
    assert tr['languages']['fr']['issues_total'] == 4       # 42-45, not 41
    only = translation_kpi([I41], ['fr'], {(I41, 'fr'): IssueFigure(0, 0, 0)})
    # Only 0-unit issues: no issue in the period, neither 0 % nor "goal not met".
    assert _language(only['languages']['fr']) == (0, 0, 0, [], None, None)
    assert (only['no_issue'], only['headline'], only['goal_met']) == (True, None, None)
    assert only['languages_undetermined'] == []


def test_current_and_at_delivery_figures_have_their_own_completeness() -> None:
    """One unreadable old revision withholds the figure at delivery, not the current one."""
    figures = {(I42, 'fr'): IssueFigure(8, 0, 8, complete_at_delivery=False),
               (I43, 'fr'): IssueFigure(4, 4, 4)}
    tr = translation_kpi([I42, I43], ['fr'], figures, {'issues': 1})
    fr = tr['languages']['fr']
    assert (fr['issues_total'], fr['issues_incomplete'], fr['meets']) == (2, [], True)
    assert (fr['issues_total_at_delivery'], fr['issues_incomplete_at_delivery'],
            fr['meets_at_delivery']) == (1, [I42], None)
    assert (tr['headline'], tr['headline_at_delivery']) == (1.0, None)
    assert recompute_from_report(json.loads(json.dumps({'translation': tr}))) == \
        {'translation': tr}
    # Only complete figures at delivery are frozen.
    assert history_record({'translation': tr}, date(2026, 11, 9))['translation'][
        'at_delivery'] == {I43: {'fr': 4}}


def test_thresholds_are_exact_fractions_met_at_equality() -> None:
    figures = {(I42, 'fr'): IssueFigure(3, 2, 4), (I43, 'fr'): IssueFigure(7, 7, 10)}
    tr = translation_kpi([I42, I43], ['fr'], figures, {'content': 0.75, 'issues': 0.5})
    assert tr['languages']['fr']['issues_meeting'] == 1     # 3/4 yes, 7/10 no
    assert tr['languages']['fr']['meets'] is True           # 1/2 >= 1/2
    tr = translation_kpi([I42, I43], ['fr'], figures, {'content': 0.7, 'issues': 1})
    assert tr['languages']['fr']['issues_meeting'] == 2     # 7/10 >= 0.7 read as 7/10
    assert tr['languages']['fr']['meets'] is True
    just_above = Fraction(3, 4) + Fraction(1, 10**9)
    tr = translation_kpi([I42, I43], ['fr'], figures, {'content': just_above})
    assert tr['languages']['fr']['issues_meeting'] == 0


def test_threshold_fraction() -> None:
    assert threshold_fraction(0.75) == Fraction(3, 4)
    assert threshold_fraction(0.7) == Fraction(7, 10)
    assert threshold_fraction('3/4') == Fraction(3, 4)
    assert threshold_fraction('0.75') == Fraction(3, 4)
    assert threshold_fraction(1) == 1
    for bad in (1.5, -0.1, True, float('nan'), '5/4'):
        with pytest.raises(ValueError):
            threshold_fraction(bad)  # type: ignore[arg-type]
    assert normalize_thresholds(None) == {'content': Fraction(3, 4), 'issues': Fraction(3, 4),
                                          'languages': 1}
    with pytest.raises(ValueError, match='unknown threshold'):
        normalize_thresholds({'contents': 0.5})


def test_no_targeted_language_gives_null_headline() -> None:
    tr = translation_kpi([I42], [], {})
    assert (tr['headline'], tr['headline_at_delivery'], tr['languages_meeting']) == (None, None, 0)
    assert tr['languages'] == {}


def test_period_without_any_issue_has_no_headline() -> None:
    tr = translation_kpi([], ['fr'], {})
    assert _language(tr['languages']['fr']) == (0, 0, 0, [], None, None)
    assert (tr['no_issue'], tr['headline'], tr['headline_at_delivery']) == (True, None, None)
    text = render_kpi_section({'translation': tr}, [], lang='en', now=NOW, links=KpiLinks())
    assert 'no Tech News issue in the period' in text
    assert '{{formatnum:0}}%' not in text and 'not met' not in text


def test_issue_without_any_figure_is_incomplete() -> None:
    tr = translation_kpi([I42, I43], ['fr'], {(I42, 'fr'): IssueFigure(4, 4, 4)})
    assert tr['languages']['fr']['issues_incomplete'] == [I43]
    assert tr['languages']['fr']['meets'] is None            # 1/2 fails, 2/2 meets
    tr = translation_kpi([I42, I43], ['fr'], {(I42, 'fr'): IssueFigure(4, 4, 4)},
                         totals={I43: 6})
    assert tr['languages']['fr']['issues_incomplete'] == []
    assert tr['languages']['fr']['per_issue'][I43]['total'] == 6


def test_default_targets() -> None:
    assert default_targets(['fr', 'en', 'de', 'fr', '']) == ['de', 'fr']
    assert default_targets(['fr', 'de'], source_language='fr') == ['de']


# == Recomputing ============================================================

def test_recompute_from_report_equals_the_report() -> None:
    report = scenario_report()
    assert recompute_from_report(report) == report
    from_file = json.loads(json.dumps(report))
    assert recompute_from_report(from_file) == from_file
    assert check_report(from_file) == []


def test_check_report_finds_a_tampered_figure() -> None:
    report = json.loads(json.dumps(scenario_report(['fr', 'ar', 'es', 'ig'])))
    report['translation']['headline'] = 0.75
    report['ambassadors']['by_wiki']['frwiki']['active'] = 3
    report['translation']['languages']['fr']['meets'] = 1
    assert check_report(report) == [
        "ambassadors.by_wiki.frwiki.active: report says 3, recomputed 2",
        "translation.languages.fr.meets: report says 1, recomputed True",
        "translation.headline: report says 0.75, recomputed 0.5",
    ]


def _oracle_meets(meeting: int, counted: int, incomplete: int, limit: Fraction) -> bool | None:
    """Try every number of incomplete issues that could turn out meeting."""
    if counted + incomplete == 0:
        return False
    outcomes = {Fraction(meeting + j, counted + incomplete) >= limit
                for j in range(incomplete + 1)}
    return outcomes.pop() if len(outcomes) == 1 else None


LANGS = ['fr', 'de', 'ar', 'es', 'zh-hant', 'ig']


@st.composite
def translation_inputs(draw: st.DrawFn) -> tuple[Any, ...]:
    weeks = draw(st.lists(st.integers(1, 53), unique=True, max_size=6))
    issues = [f'Tech/News/2026/{week:02d}' for week in weeks]
    targeted = draw(st.lists(st.sampled_from(LANGS), unique=True, max_size=5))
    figures = {}
    for issue in issues:
        total = draw(st.integers(0, 9))
        for lang in targeted:
            if draw(st.integers(0, 4)) == 0:
                continue                                   # no figure: nothing translated
            figures[issue, lang] = IssueFigure(
                translated=draw(st.integers(0, total)),
                translated_at_delivery=draw(st.integers(0, total)),
                total=total, complete=draw(st.integers(0, 3)) > 0)
    share = st.fractions(min_value=0, max_value=1, max_denominator=12)
    thresholds = {'content': draw(share), 'issues': draw(share), 'languages': draw(share)}
    return issues, targeted, figures, thresholds


@settings(max_examples=300, deadline=None)
@given(translation_inputs())
def test_translation_kpi_properties(inputs: tuple[Any, ...]) -> None:
    issues, targeted, figures, thresholds = inputs
    tr = translation_kpi(issues, targeted, figures, thresholds)
    # The report file alone gives the same numbers.
    from_file = json.loads(json.dumps({'translation': tr}))
    assert recompute_from_report(from_file) == {'translation': tr}
    # An independent count of every figure.
    known: dict[str, int] = {}
    for (issue, _), figure in figures.items():
        if figure.complete:
            known[issue] = max(known.get(issue, 0), figure.total)
    met = {'': 0, '_at_delivery': 0}
    undecided: dict[str, list[str]] = {'': [], '_at_delivery': []}
    no_issue = all(known.get(issue) == 0 for issue in issues)
    assert tr['no_issue'] is no_issue
    for lang in targeted:
        entry = tr['languages'][lang]
        counted = 0
        meeting = {'': 0, '_at_delivery': 0}
        incomplete = []
        for issue in sorted(issues):
            figure = figures.get((issue, lang))
            if figure is None:
                figure = IssueFigure(0, 0, known.get(issue, 0), complete=issue in known)
            if not figure.complete:
                incomplete.append(issue)
            elif figure.total:
                counted += 1
                meeting[''] += figure.translated * 1 >= thresholds['content'] * figure.total
                meeting['_at_delivery'] += (figure.translated_at_delivery
                                            >= thresholds['content'] * figure.total)
        assert entry['issues_total'] == counted
        assert entry['issues_incomplete'] == incomplete
        for suffix in met:
            assert entry['issues_meeting' + suffix] == meeting[suffix]
            expected = None if no_issue else _oracle_meets(
                meeting[suffix], counted, len(incomplete), thresholds['issues'])
            assert entry['meets' + suffix] is expected
            met[suffix] += expected is True
            if expected is None and not no_issue:
                undecided[suffix].append(lang)
    for suffix in met:
        assert tr['languages_meeting' + suffix] == met[suffix]
        if not targeted or undecided[suffix] or no_issue:
            assert tr['headline' + suffix] is None
        else:
            assert tr['headline' + suffix] == met[suffix] / len(targeted)
            assert 0 <= tr['headline' + suffix] <= 1


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=5),
                       st.tuples(st.sampled_from(list(Status)),
                                 st.lists(st.sampled_from(['frwiki', 'dewiki', 'frwiktionary',
                                                           'metawiki']), max_size=3),
                                 st.dictionaries(st.sampled_from(['proactive', 'supportive',
                                                                  'reachable']),
                                                 st.none() | st.booleans())),
                       max_size=8),
       st.lists(st.sampled_from(['eswiki', 'frwiki']), max_size=2))
def test_ambassador_kpi_properties(people: dict[str, Any], targets: list[str]) -> None:
    decisions = {name: Decision(name, status, signals=signals)
                 for name, (status, _, signals) in people.items()}
    wikis = {name: row_wikis for name, (_, row_wikis, _) in people.items()}
    amb = ambassador_kpi(decisions, wikis, target_wikis=targets, family_of=_family)
    assert sum(amb['by_status'].values()) == amb['listed'] == len(people)
    unknown = amb['by_status']['unknown']
    assert amb['undetermined'] == unknown
    if unknown:
        assert amb['active'] is None                      # never a lower bound
    else:
        assert amb['active'] == amb['by_status']['active'] + amb['by_status']['slipping']
    for wiki, entry in amb['by_wiki'].items():
        assert sum(entry['by_status'].values()) == entry['listed'] >= entry['active']
        open_wiki = entry['active'] == 0 and entry['by_status']['unknown'] > 0
        assert (entry['active'] == 0 and not open_wiki) == (wiki in amb['wikis_without_active'])
        assert open_wiki == (wiki in amb['wikis_undetermined'])
    from_file = json.loads(json.dumps({'ambassadors': amb}))
    assert recompute_from_report(from_file) == {'ambassadors': amb}


# == Messages ===============================================================

def test_message_keys() -> None:
    from techroles import i18n

    assert 'techroles-kpi-ambassadors-figure' in KPI_MESSAGE_KEYS
    assert all(key.startswith('techroles-kpi-') for key in KPI_MESSAGE_KEYS)
    assert set(KPI_MESSAGE_KEYS) <= set(i18n.keys('qqq'))   # each one documented
    assert default_msg('techroles-kpi-ambassadors-figure', '3', '$2') == "'''3''' of $2 listed"


def test_render_uses_only_declared_messages() -> None:
    used: list[str] = []

    def msg(key: str, *params: str) -> str:
        used.append(key)
        return default_msg(key, *params)

    history = [history_record(scenario_report(), date(2026, 11, 9))]
    for has_translate in (True, False):
        render_kpi_section(scenario_report(), history, lang='en', now=NOW, msg=msg,
                           links=KpiLinks('A', 'T', 'H.json', has_translate=has_translate))
    render_kpi_section(scenario_report(['fr', 'es']), [], lang='en', now=NOW, msg=msg,
                       links=KpiLinks())
    render_kpi_section({'translation': translation_kpi([], [], {})}, [], lang='en', now=NOW,
                       msg=msg, links=KpiLinks())
    # Reach, where help is needed, undetermined figures with their last determined value,
    # and a period without any issue.
    from tests.unit.test_kpi_reach import full_report

    past = [history_record(full_report(), date(2026, 11, 2))]
    render_kpi_section(full_report(unknown=True), past, lang='en', now=NOW, msg=msg,
                       links=KpiLinks())
    render_kpi_section({**full_report(), 'help_needed': {}}, past, lang='en', now=NOW, msg=msg,
                       links=KpiLinks())
    gap = full_report()
    gap['ambassadors'] = {**gap['ambassadors'], 'active': None,
                          'listing_incomplete': ['meta:meta:List does not exist']}
    render_kpi_section(gap, past, lang='en', now=NOW, msg=msg, links=KpiLinks())
    render_kpi_section({'translation': translation_kpi([I41], ['fr'], {}, totals={I41: 0})}, [],
                       lang='en', now=NOW, msg=msg, links=KpiLinks())
    assert set(used) == set(KPI_MESSAGE_KEYS)               # none missing, none unused


# == The KPI page ===========================================================

NOW = datetime(2026, 11, 9, 6, 30, tzinfo=UTC)
LINKS = KpiLinks(ambassador_table='Tech/Ambassadors/List', translator_table='Tech/News/Translators',
                 history_page='User:TechrolesBot/KPI history.json', has_translate=True)


def _history() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for day, targeted in ((date(2026, 10, 26), ['fr', 'es']), (date(2026, 11, 2), TARGETED),
                          (date(2026, 11, 9), ['fr', 'ar', 'es', 'ig'])):
        records = merge_history(records, history_record(scenario_report(targeted), day))
    return records


def test_render_leads_with_headlines_and_links_sources() -> None:
    report = scenario_report(['fr', 'ar', 'es', 'ig'])
    text = render_kpi_section(report, _history(), lang='en', links=LINKS, now=NOW,
                              language_names={'fr': 'français', 'es': 'español'})
    assert text.startswith('<div class="techroles-kpi" dir="ltr" lang="en">\n'
                           'Figures computed on 2026-11-09 06:30 (UTC).')
    assert text.endswith('</div>')
    headlines = text.index('techroles-kpi-headlines')
    assert headlines < text.index('techroles-kpi-languages') < text.index('techroles-kpi-issues')
    assert text.index('techroles-kpi-issues') < text.index('techroles-kpi-trend') \
        < text.index('techroles-kpi-history')
    # Headline 1: 2 active of 9 listed, 4 wikis without; linked to the sign-up table.
    assert "'''{{formatnum:2}}''' of {{formatnum:9}} listed" in text
    assert '[[:Tech/Ambassadors/List|sign-up table]]' in text
    # Headline 2: 2 of 4 languages (50 %), at delivery 1 of 4 (25 %), goal 100 %: not met.
    assert "'''{{formatnum:2}}''' of {{formatnum:4}} ({{formatnum:50}}%)" in text
    assert "at delivery: '''{{formatnum:1}}''' of {{formatnum:4}} ({{formatnum:25}}%)" in text
    assert '{{formatnum:100}}% of the targeted languages: not met' in text
    assert '[[:Tech/News/Translators|translator sign-up table]]' in text
    # Per language: bars coloured for meeting / not meeting, at delivery beside.
    fr_row = text[text.index('lang="fr" | français'):text.index('lang="ar"')]
    assert 'background-color:#14866d;width:75%' in fr_row     # 3 of 4 issues now
    assert 'background-color:#d73333;width:25%' in fr_row     # 1 of 4 at delivery
    assert '[[#techroles-kpi-lang-fr|{{formatnum:3}} of {{formatnum:4}}' in fr_row
    # Every per-issue figure links to its source; issues link to their pages.
    assert '[[:Tech/News/2026/45|2026/45]]' in text
    assert '[[:Special:MessageGroupStats/page-Tech/News/2026/42|{{formatnum:75}}%]]' in text
    assert 'sent 2026-10-12 20:14' in text and 'sent about 2026-10-19 20:00 (estimated)' in text
    # Trend: one bar per record, the undecided day is a grey stub.
    assert text.count('height:3em" |') == 6     # ambassadors and languages, 3 records each
    assert 'title="2026-11-02 ?"' in text and 'title="2026-11-09 50%"' in text
    assert '[[:User:TechrolesBot/KPI history.json|full history (JSON)]]' in text


def test_render_without_translate_links_issue_pages() -> None:
    links = KpiLinks(ambassador_table='Tech/Ambassadors/List', has_translate=False)
    text = render_kpi_section(scenario_report(), [], lang='en', links=links, now=NOW)
    assert 'MessageGroupStats' not in text
    assert '[[:Tech/News/2026/42|{{formatnum:75}}%]]' in text
    assert 'No history recorded yet.' in text
    # de is undecided: grey, and the headline says so.
    assert 'undetermined (incomplete statistics)' in text
    de_row = text[text.index('lang="de" | de'):text.index('lang="ar"')]
    assert '#a2a9b1' in de_row


def test_render_interwiki_links() -> None:
    links = KpiLinks(has_translate=True, issues_interwiki='m:')
    text = render_kpi_section(scenario_report(), [], lang='en', links=links, now=NOW)
    assert '[[:m:Tech/News/2026/45|2026/45]]' in text
    assert '[[:m:Special:MessageGroupStats/page-Tech/News/2026/45|' in text


def test_render_right_to_left() -> None:
    text = render_kpi_section(scenario_report(), [], lang='ar', links=LINKS, now=NOW,
                              direction='rtl', language_names={'ar': 'العربية'})
    assert text.startswith('<div class="techroles-kpi" dir="rtl" lang="ar">')
    assert 'lang="ar" | العربية <small>(ar)</small>' in text
    with pytest.raises(ValueError):
        render_kpi_section(scenario_report(), [], lang='ar', links=LINKS, now=NOW,
                           direction='auto')
    with pytest.raises(ValueError):
        render_kpi_section(scenario_report(), [], lang='ar" onmouseover="x', links=LINKS,
                           now=NOW)


HOSTILE = '|}{{evil}}<script>alert(1)</script>[[Category:X]]~~~~<!-- $1 __NOTOC__\n* ISBN 1'


def _hostile_report() -> dict[str, Any]:
    issue = 'Tech/News/[[Category:X]]{{evil}}|}~~~~<!--/2026/44'
    figures = {(I45, 'fr'): IssueFigure(3, 2, 4), (issue, 'fr'): IssueFigure(1, 1, 4),
               (I45, HOSTILE): IssueFigure(0, 0, 4)}
    report = {'ambassadors': scenario_ambassadors(),
              'translation': translation_kpi([I45, issue], ['fr', HOSTILE], figures)}
    report['translation']['delivery'] = {I45: {'time': HOSTILE, 'estimated': False}}
    return report


def test_render_escapes_hostile_data() -> None:
    history = [{'date': HOSTILE, 'translation': {'headline': None}},
               history_record(scenario_report(), date(2026, 11, 9))]
    links = KpiLinks(ambassador_table='Tech/[[Category:X]]', translator_table='{{evil}}',
                     history_page='A~~~~', has_translate=True, issues_interwiki='[[x]]')
    text = render_kpi_section(_hostile_report(), history, lang='en', links=links, now=NOW,
                              language_names={'fr': HOSTILE})
    for raw in ('<script', '[[Category:X]]', 'Category:X]]', '~~~', '<!--', '{{evil', '|}{{',
                '__NOTOC__', '$1', 'ISBN 1', '\n* '):
        assert raw not in text, raw
    # Table structure intact: every table closed exactly once, no stray cell or row breaks.
    lines = text.split('\n')
    assert sum(line.startswith('{|') for line in lines) == \
        sum(line == '|}' for line in lines) == 5
    assert all(not line.startswith('|}') or line == '|}' for line in lines)
    # What the wiki would see: only our parser functions, no comment, no category link.
    code = mwparserfromhell.parse(text)
    assert not code.filter_comments()
    for template in code.filter_templates():
        assert str(template.name).startswith(('formatnum:', 'PLURAL:')), template
    for link in code.filter_wikilinks():
        assert str(link.title).startswith((':', '#')), link
        assert 'Category' not in str(link.title)


def test_escape_wikitext() -> None:
    assert escape_wikitext('[[Category:X]]') == '&#91;&#91;Category&#58;X&#93;&#93;'
    assert escape_wikitext('~~~~') == '&#126;' * 4
    assert escape_wikitext('a|}b{{c') == 'a&#124;&#125;b&#123;&#123;c'
    assert escape_wikitext('<!--') == '&#60;&#33;&#45;&#45;'
    assert escape_wikitext("''b''\n*x") == '&#39;&#39;b&#39;&#39; &#42;x'
    assert escape_wikitext('ISBN 123') == 'ISBN&#32;123'
    assert escape_wikitext('Norsk bokmål') == 'Norsk bokmål'
    assert escape_wikitext('العربية') == 'العربية'


# == Markers ================================================================

def test_markers_appended_when_absent() -> None:
    assert replace_between_markers('Intro\n', 'X') == f'Intro\n{KPI_START}\nX\n{KPI_END}\n'
    assert replace_between_markers('Intro', 'X') == f'Intro\n{KPI_START}\nX\n{KPI_END}\n'
    assert replace_between_markers('', 'X') == f'{KPI_START}\nX\n{KPI_END}\n'


@pytest.mark.parametrize(('before', 'after'), [
    ('== KPI ==\nText people wrote.  \n', '\n[[Category:Tech]]\n'),
    ('\r\nWindows\r\n \u200f\u00a0', '\t trailing  '),
    ('', ''),
    ('<!-- techroles:kpi:note -->', '{{Template|x=<!-- -->}}'),
])
def test_markers_keep_outside_bytes(before: str, after: str) -> None:
    page = f'{before}{KPI_START}\nold\nsection\n{KPI_END}{after}'
    new = replace_between_markers(page, 'NEW')
    assert new.startswith(before + KPI_START)
    assert new.endswith(KPI_END + after)
    assert new == f'{before}{KPI_START}\nNEW\n{KPI_END}{after}'
    assert replace_between_markers(new, 'NEW') == new                  # idempotent
    assert replace_between_markers(new, 'old\nsection') == f'{before}{KPI_START}\nold\nsection\n' \
        f'{KPI_END}{after}'


def test_markers_spelling_is_kept() -> None:
    page = 'a<!--techroles:kpi:start-->x<!--  techroles:kpi:end  -->b'
    assert replace_between_markers(page, 'Y') == \
        'a<!--techroles:kpi:start-->\nY\n<!--  techroles:kpi:end  -->b'


@pytest.mark.parametrize('page', [
    f'{KPI_START}\nx\n{KPI_END}\n{KPI_START}\ny\n{KPI_END}',
    f'{KPI_START}\n{KPI_START}\nx\n{KPI_END}',
    f'{KPI_START}\nx\n{KPI_END}\n{KPI_END}',
    f'{KPI_END}\nx\n{KPI_START}',
    f'{KPI_START}\nno end',
    f'no start\n{KPI_END}',
    f'<translate>\n{KPI_START}\nx\n{KPI_END}\n</translate>',
])
def test_markers_refused(page: str) -> None:
    with pytest.raises(PageContentError):
        replace_between_markers(page, 'X')


def test_markers_after_translate_are_fine_and_section_cannot_carry_markers() -> None:
    page = f'<translate>Intro</translate>\n{KPI_START}\nx\n{KPI_END}'
    assert replace_between_markers(page, 'Y').endswith(f'{KPI_START}\nY\n{KPI_END}')
    with pytest.raises(ValueError):
        replace_between_markers('', f'x {KPI_END}')


def test_rendered_section_round_trips_through_markers() -> None:
    section = render_kpi_section(_hostile_report(), [], lang='en', links=LINKS, now=NOW)
    page = replace_between_markers('Intro\n', section)
    assert page.count(KPI_START) == page.count(KPI_END) == 1
    assert replace_between_markers(page, section) == page


# == History ================================================================

def test_history_record() -> None:
    record = history_record(scenario_report(), date(2026, 11, 9))
    assert record['date'] == '2026-11-09'
    assert record['ambassadors'] == {'listed': 9, 'active': 2, 'undetermined': 0,
                                     'wikis_without_active': 4}
    tr = record['translation']
    assert (tr['issues'], tr['targeted'], tr['languages_meeting'],
            tr['languages_meeting_at_delivery'], tr['headline'], tr['headline_at_delivery']) \
        == (5, 5, 2, 1, None, None)
    assert tr['languages']['de'] == {'issues_meeting': 2, 'issues_meeting_at_delivery': 2,
                                     'issues_total': 3, 'issues_incomplete': 1, 'meets': None,
                                     'meets_at_delivery': None}
    # Frozen: complete figures with units only (not 41, not the incomplete 45 of de/ar/es).
    assert tr['at_delivery'][I42] == {'fr': 5, 'de': 5, 'ar': 6, 'es': 8, 'ig': 0}
    assert tr['at_delivery'][I45] == {'fr': 1, 'ig': 0}
    assert I41 not in tr['at_delivery']


def test_merge_history_replaces_same_day_and_sorts() -> None:
    first = {'date': '2026-11-09', 'ambassadors': {'listed': 1, 'active': 1}}
    again = {'date': '2026-11-09', 'ambassadors': {'listed': 2, 'active': 0}}
    older = {'date': '2026-11-02'}
    merged = merge_history(merge_history([first], older), again)
    assert merged == [older, again]


def test_frozen_at_delivery_first_record_wins() -> None:
    late = {'date': '2026-11-09', 'translation': {'at_delivery': {I42: {'fr': 3, 'de': 4}}}}
    early = {'date': '2026-11-02', 'translation': {'at_delivery': {I42: {'fr': 5}}}}
    assert frozen_at_delivery([late, early, {'date': '2026-11-10'}]) == \
        {(I42, 'fr'): 5, (I42, 'de'): 4}
    # And the frozen value is what the next figure uses.
    assert issue_figure(StatsFigure(6, 8), None, frozen_at_delivery=5) == IssueFigure(6, 5, 8)


def test_history_json_round_trip() -> None:
    records = _history()
    text = history_json(records)
    assert json.loads(text)['version'] == 1
    assert parse_history(text) == records
    assert parse_history('') == []
    assert parse_history('  \n') == []
    assert parse_history('[]') == []
    assert parse_history('{"version": 1, "records": []}') == []


@pytest.mark.parametrize(('text', 'message'), [
    ('{not json', 'not valid JSON'),
    ('"a string"', 'expected an object'),
    ('{"version": 2, "records": []}', 'unknown version 2'),
    ('{"records": {}}', "'records' is not a list"),
    ('[1]', 'record 0: is not an object'),
    ('[{"date": "2026-13-01"}]', "record 0: 'date' '2026-13-01' is not a YYYY-MM-DD date"),
    ('[{"date": "9 Nov 2026"}]', 'is not a YYYY-MM-DD date'),
    ('[{"date": "2026-11-09"}, {"date": "2026-11-09"}]', 'record 1: date 2026-11-09 appears twice'),
    ('[{"date": "2026-11-09", "ambassadors": {"listed": -1, "active": 0}}]',
     "'ambassadors.listed' is not a count"),
    ('[{"date": "2026-11-09", "ambassadors": {"listed": true, "active": 0}}]',
     "'ambassadors.listed' is not a count"),
    ('[{"date": "2026-11-09", "translation": {"targeted": 1, "languages_meeting": 0, '
     '"languages_meeting_at_delivery": 0, "headline": 1.5}}]',
     "'translation.headline' is not a number from 0 to 1 or null"),
    ('[{"date": "2026-11-09", "translation": {"targeted": 1, "languages_meeting": 0, '
     '"languages_meeting_at_delivery": 0, "at_delivery": {"Tech/News/2026/45": {"fr": "3"}}}}]',
     "'translation.at_delivery' of 'Tech/News/2026/45' is not an object of counts"),
])
def test_parse_history_refuses_broken_pages(text: str, message: str) -> None:
    with pytest.raises(PageContentError) as error:
        parse_history(text)
    assert message in str(error.value)
    assert str(error.value).startswith('history page: ')
    assert '\n' not in str(error.value)


# == Tabular data ===========================================================

def test_tabular_data_is_valid() -> None:
    tab = tabular_data(_history())
    assert tab['license'] == 'CC0-1.0'
    assert [field['name'] for field in tab['schema']['fields']][:3] == ['date', 'listed', 'active']
    assert tab['data'][-1] == ['2026-11-09', 9, 2, 4, 2, 1, 0.5, 0.25, None, None]
    assert tab['data'][1][6] is None                        # undecided headline stays null
    assert check_tabular(json.dumps(tab)) == []
    assert check_tabular(tab) == []


def _broken(change: Any) -> list[str]:
    tab = copy.deepcopy(tabular_data(_history()))
    change(tab)
    return check_tabular(json.dumps(tab))


def test_check_tabular_finds_violations() -> None:
    def rename(name: str) -> Any:
        return lambda tab: tab['schema']['fields'][1].update(name=name)

    assert _broken(rename('1listed')) == ["field 1: invalid name '1listed'"]
    assert _broken(rename('listed-count')) == ["field 1: invalid name 'listed-count'"]
    assert _broken(rename('date')) == ["field 1: duplicate name 'date'"]
    assert _broken(lambda tab: tab['schema']['fields'][1].update(type='int')) == \
        ["field 1: invalid type 'int'"]
    assert _broken(lambda tab: tab['data'][0].pop()) == ['data row 0: expected 10 values']
    assert _broken(lambda tab: tab['data'][0].__setitem__(1, '9')) == \
        ["data row 0, field 1: not a number: '9'"]
    assert _broken(lambda tab: tab['data'][0].__setitem__(0, 5)) == \
        ['data row 0, field 0: not a string: 5']
    assert _broken(lambda tab: tab.pop('license')) == ["'license' is missing"]
    assert _broken(lambda tab: tab.update(extra=1)) == ["unexpected key 'extra'"]
    assert check_tabular('{') [0].startswith('not valid JSON')
    assert check_tabular('{"license": "CC0-1.0", "schema": {"fields": []}, "data": []}') == \
        ["'schema.fields' is missing or empty"]
    assert re.fullmatch(r'[\w ]+', check_tabular('x' * (2 * 1024 * 1024 + 1))[0])


def test_an_unread_signup_table_makes_the_ambassador_figure_undetermined():
    """Everyone read is active, but a page could not be read: the count is a lower bound."""
    decisions = {'A': Decision('A', Status.ACTIVE)}
    section = ambassador_kpi(decisions, {'A': ['frwiki']}, family_of=lambda wiki: 'wikipedia',
                             listing_incomplete=['meta:meta:Tech/Ambassadors/B does not exist'])
    assert section['active'] is None and section['listed'] == 1
    report = {'ambassadors': section}
    assert recompute_from_report(report)['ambassadors'] == section
    assert check_report(report) == []
    complete = ambassador_kpi(decisions, {'A': ['frwiki']}, family_of=lambda wiki: 'wikipedia')
    assert complete['active'] == 1 and complete['listing_incomplete'] == []
