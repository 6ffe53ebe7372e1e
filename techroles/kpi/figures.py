"""The two KPI figures and their check: pure.

:func:`ambassador_kpi` and :func:`translation_kpi` build the two halves of
the report of ``techroles kpi --report``; :func:`recompute_from_report`
rebuilds every figure from the report's own per-person and per-issue data,
so anyone can check a published number from the report file alone.

Every threshold is compared as an exact :class:`~fractions.Fraction`
(``Fraction(translated, total) >= threshold``), so 75 % is met by 3 of 4
and not by a float that happens to round up.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from fractions import Fraction
from typing import Any

from techroles.coverage import IssueFigure
from techroles.model import ACTIVE_STATUSES, Decision, Status
from techroles.timefmt import iso


__all__ = [
    'DEFAULT_THRESHOLDS', 'SIGNAL_CRITERIA', 'ambassador_kpi', 'default_targets',
    'normalize_thresholds', 'select_targets', 'threshold_fraction', 'translation_kpi',
]

#: Role criteria counted from ``Decision.signals`` (besides ``recognizable``).
SIGNAL_CRITERIA = ('proactive', 'supportive', 'reachable')
#: Statuses whose account cannot be told to exist (not "recognizable").
_UNRESOLVED = frozenset({Status.MISSING, Status.UNKNOWN})

DEFAULT_THRESHOLDS: Mapping[str, Fraction] = {
    'content': Fraction(3, 4), 'issues': Fraction(3, 4), 'languages': Fraction(1),
}


# == Active tech ambassadors ================================================

def _status(decision: Decision | None) -> Status:
    return Status.UNKNOWN if decision is None else Status(decision.status)


def _zero_statuses() -> dict[str, int]:
    return {status.value: 0 for status in Status}


def _wiki_state(active: int, unknown: int) -> str:
    """``with`` / ``without`` an active ambassador, or ``undetermined`` when
    nobody is active yet someone could not be checked (they might be)."""
    if active:
        return 'with'
    return 'undetermined' if unknown else 'without'


def ambassador_kpi(
    decisions: Mapping[str, Decision],
    people_wikis: Mapping[str, Sequence[str]],
    *,
    target_wikis: Iterable[str] = (),
    family_of: Callable[[str], str],
    unanswered_wikis: Iterable[str] = (),
    listing_incomplete: Iterable[str] = (),
) -> dict[str, Any]:
    """The ``ambassadors`` half of the KPI report.

    ``people_wikis`` maps each listed person to the database names of their
    rows; a person without a decision counts as ``unknown`` (never as
    inactive: a wrong figure is worse than none). ``active`` counts
    ``active`` + ``slipping``; ``new`` is not active yet. Right or
    undetermined: when anyone listed is ``unknown``, ``active`` is None and
    ``undetermined`` says how many could not be checked (the count of the
    others would be a lower bound); a wiki with nobody active but someone
    unknown is neither with nor without an active ambassador (it is in
    ``wikis_undetermined``). ``unanswered_wikis`` (the wikis that did not
    answer this run) are kept in the report so the page can say why.
    ``listing_incomplete`` says why not everyone listed could be read (a
    sign-up page or table that could not be read): the count would be a lower
    bound, so ``active`` is None then too.

    ``by_wiki`` covers the table's wikis and ``target_wikis``; its per-status
    counts sit in a nested ``by_status`` because a flat ``active`` key would
    clash with the KPI figure of the same name. ``people`` and each family's
    ``wikis`` are in the report so that
    :func:`~techroles.kpi.recompute.recompute_from_report` can rebuild all of it.
    """
    names = sorted(set(decisions) | set(people_wikis))
    status = {name: _status(decisions.get(name)) for name in names}
    wikis = {name: sorted(set(people_wikis.get(name, ()))) for name in names}
    signals = {name: dict(decisions[name].signals) if name in decisions else {}
               for name in names}
    targets = sorted(set(target_wikis))
    all_wikis = sorted({wiki for name in names for wiki in wikis[name]} | set(targets))

    by_status = _zero_statuses()
    for name in names:
        by_status[status[name].value] += 1
    active_people = {name for name in names if status[name] in ACTIVE_STATUSES}
    unknown_people = {name for name in names if status[name] is Status.UNKNOWN}

    people_on: dict[str, set[str]] = {wiki: set() for wiki in all_wikis}
    for name in names:
        for wiki in wikis[name]:
            people_on[wiki].add(name)
    by_wiki = {}
    state = {}
    for wiki in all_wikis:
        counts = _zero_statuses()
        for name in people_on[wiki]:
            counts[status[name].value] += 1
        active = len(people_on[wiki] & active_people)
        state[wiki] = _wiki_state(active, counts[Status.UNKNOWN.value])
        by_wiki[wiki] = {'listed': len(people_on[wiki]), 'active': active, 'by_status': counts}
    without = [wiki for wiki in all_wikis if state[wiki] == 'without']
    open_wikis = [wiki for wiki in all_wikis if state[wiki] == 'undetermined']

    families: dict[str, list[str]] = {}
    for wiki in all_wikis:
        families.setdefault(family_of(wiki), []).append(wiki)
    by_family = {}
    for family in sorted(families):
        members = families[family]
        people = set().union(*(people_on[wiki] for wiki in members))
        unknown = len(people & unknown_people)
        by_family[family] = {'listed': len(people),
                             'active': None if unknown else len(people & active_people),
                             'undetermined': unknown,
                             'wikis': members,
                             'wikis_without_active': [w for w in members if w in without],
                             'wikis_undetermined': [w for w in members if w in open_wikis]}

    criteria = {'recognizable': sum(status[name] not in _UNRESOLVED for name in names)}
    unknown_signals = {}
    for signal in SIGNAL_CRITERIA:
        criteria[signal] = sum(signals[name].get(signal) is True for name in names)
        unknown_signals[signal] = sum(signals[name].get(signal) is None for name in names)

    gaps = list(listing_incomplete)
    return {
        'listed': len(names),
        'active': None if unknown_people or gaps else len(active_people),
        'listing_incomplete': gaps,
        'undetermined': len(unknown_people),
        'by_status': by_status,
        'by_wiki': by_wiki,
        'wikis_without_active': without,
        'wikis_undetermined': open_wikis,
        'unanswered_wikis': sorted(set(unanswered_wikis)),
        'by_family': by_family,
        'criteria': criteria,
        'criteria_unknown': unknown_signals,
        'target_wikis': targets,
        'people': [{'name': name, 'status': status[name].value, 'wikis': wikis[name],
                    'signals': dict(sorted(signals[name].items()))} for name in names],
    }


# == Tech News translation coverage =========================================

def threshold_fraction(value: Fraction | int | float | str) -> Fraction:
    """An exact threshold from a configuration value.

    A float is read through its shortest decimal form, so ``0.7`` is 7/10
    and not the binary number closest to it; strings may be ``"0.75"`` or
    ``"3/4"``. A threshold lies between 0 and 1.
    """
    if isinstance(value, bool):
        raise ValueError(f'threshold must be a number, not {value!r}')
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f'threshold must be finite, not {value!r}')
        result = Fraction(repr(value))
    else:
        result = Fraction(value)
    if not 0 <= result <= 1:
        raise ValueError(f'threshold must be between 0 and 1, not {value!r}')
    return result


def normalize_thresholds(
    thresholds: Mapping[str, Fraction | int | float | str] | None,
) -> dict[str, Fraction]:
    """``content``, ``issues`` and ``languages`` as Fractions, defaults filled in."""
    given = dict(thresholds or {})
    unknown = sorted(set(given) - set(DEFAULT_THRESHOLDS))
    if unknown:
        raise ValueError(f'unknown threshold {unknown[0]!r}')
    return {key: threshold_fraction(given.get(key, default))
            for key, default in DEFAULT_THRESHOLDS.items()}


def default_targets(table_languages: Iterable[str], source_language: str = 'en') -> list[str]:
    """Targeted languages by default: every language with a row in the translator
    table, the source language excluded (it has nothing to translate)."""
    return sorted({lang for lang in table_languages if lang and lang != source_language})


def select_targets(
    configured: Sequence[str] | None, table_languages: Iterable[str], source_language: str,
) -> tuple[list[str], list[str]]:
    """The targeted languages and one-line warnings.

    ``configured`` (``targeted_languages``) wins when set, else
    :func:`default_targets`. The source language is never targeted: it has
    nothing to translate and would always count as n/n; configured, it is
    dropped with a warning.
    """
    if configured is None:
        return default_targets(table_languages, source_language), []
    targets = list(dict.fromkeys(configured))
    if source_language not in targets:
        return targets, []
    targets.remove(source_language)
    return targets, [f'targeted_languages: {source_language!r} is the source language of '
                     'Tech News, never a targeted language; dropped']


def _issue_order(title: str) -> tuple[int, int, int, str]:
    match = re.search(r'/([0-9]{4})/([0-9]{1,2})\Z', title)
    if match is None:
        return (1, 0, 0, title)
    return (0, int(match[1]), int(match[2]), title)


def _decide(meeting: int, counted: int, incomplete: int, threshold: Fraction) -> bool | None:
    """Whether ``meeting`` of ``counted`` issues reach ``threshold``.

    Each incomplete issue could still turn out meeting or failing: both
    extremes are computed, and when they disagree the answer is None. With no
    issue to judge at all the language does not meet.
    """
    issues = counted + incomplete
    if issues == 0:
        return False
    worst = Fraction(meeting, issues) >= threshold
    best = Fraction(meeting + incomplete, issues) >= threshold
    return worst if worst == best else None


def _fmt_time(moment: datetime) -> str:
    return iso(moment)


def translation_kpi(
    issues: Sequence[str],
    targeted: Sequence[str],
    figures: Mapping[tuple[str, str], IssueFigure],
    thresholds: Mapping[str, Fraction | int | float | str] | None = None,
    *,
    totals: Mapping[str, int] | None = None,
    deliveries: Mapping[str, tuple[datetime, bool]] | None = None,
) -> dict[str, Any]:
    """The ``translation`` half of the KPI report.

    ``issues`` are the existing issues of the period (any order: the report
    lists them oldest first). ``figures`` maps ``(issue, language)`` to the
    coverage; a pair without a figure means nothing is translated: 0 units
    of the issue's total (``totals[issue]``, else the total of another
    language's complete figure; when no total is known at all the pair is
    incomplete). An incomplete figure is neither meeting nor failing: it
    leaves ``issues_total``, is listed in ``issues_incomplete``, and
    ``meets`` is None (null) when it could change the outcome.

    An issue whose complete figure has ``total`` 0 has nothing to translate
    (its page is not marked for translation): it is no issue for coverage,
    counted neither in ``issues_total`` nor as incomplete, and only shown in
    ``per_issue``. Counting it as failing would blame translators for a
    page they could not translate; counting it as incomplete would leave
    ``meets`` undecided for ever.

    ``headline`` is languages meeting ÷ targeted languages; it is None when
    no language is targeted, when the period has no issue with units
    (``no_issue``: each language's ``meets`` is None too, and the page says
    there was no issue rather than 0 %), and also when some language's ``meets`` is None
    (those are listed in ``languages_undetermined``): a lower bound quoted
    as the figure would be wrong. ``deliveries`` (issue -> (time,
    estimated)) only adds the ``delivery`` key the page shows.
    """
    limits = normalize_thresholds(thresholds)
    issue_list = sorted(dict.fromkeys(issues), key=_issue_order)
    targets = list(dict.fromkeys(targeted))

    known_total: dict[str, int] = {}
    for (issue, _lang), figure in figures.items():
        if figure.complete:
            known_total[issue] = max(known_total.get(issue, 0), figure.total)
    known_total.update(totals or {})

    # No issue with units at all: nothing to judge, which is not 0 %.
    no_issue = all(known_total.get(issue) == 0 for issue in issue_list)
    languages: dict[str, Any] = {}
    for lang in targets:
        per_issue: dict[str, dict[str, Any]] = {}
        incomplete: dict[str, list[str]] = {'': [], '_at_delivery': []}
        counted = {'': 0, '_at_delivery': 0}
        meeting = {'': 0, '_at_delivery': 0}
        for issue in issue_list:
            figure = figures.get((issue, lang))
            if figure is None:
                total = known_total.get(issue)
                figure = IssueFigure(0, 0, total or 0, complete=total is not None)
            per_issue[issue] = {'translated': figure.translated,
                                'translated_at_delivery': figure.translated_at_delivery,
                                'total': figure.total, 'complete': figure.complete,
                                'complete_at_delivery': figure.at_delivery_complete}
            for suffix, done, part in (('', figure.complete, figure.translated),
                                       ('_at_delivery', figure.at_delivery_complete,
                                        figure.translated_at_delivery)):
                if not done:
                    incomplete[suffix].append(issue)
                elif figure.total:
                    counted[suffix] += 1
                    meeting[suffix] += Fraction(part, figure.total) >= limits['content']
        languages[lang] = {
            'issues_meeting': meeting[''],
            'issues_meeting_at_delivery': meeting['_at_delivery'],
            'issues_total': counted[''],
            'issues_total_at_delivery': counted['_at_delivery'],
            'issues_incomplete': incomplete[''],
            'issues_incomplete_at_delivery': incomplete['_at_delivery'],
            **{'meets' + suffix: None if no_issue else _decide(
                meeting[suffix], counted[suffix], len(incomplete[suffix]), limits['issues'])
               for suffix in ('', '_at_delivery')},
            'per_issue': per_issue,
        }

    report: dict[str, Any] = {
        'issues': issue_list,
        'targeted_languages': targets,
        'thresholds': {key: float(value) for key, value in limits.items()},
        'thresholds_exact': {key: str(value) for key, value in limits.items()},
        'languages': languages,
        'no_issue': no_issue,
    }
    for suffix in ('', '_at_delivery'):
        meets = [languages[lang]['meets' + suffix] for lang in targets]
        met = meets.count(True)
        undetermined = [] if no_issue else [
            lang for lang in targets if languages[lang]['meets' + suffix] is None]
        report['languages_meeting' + suffix] = met
        report['languages_undetermined' + suffix] = undetermined
        report['headline' + suffix] = (met / len(targets)
                                       if targets and not undetermined and not no_issue
                                       else None)
        report['goal_met' + suffix] = (_decide(met, len(targets) - len(undetermined),
                                               len(undetermined), limits['languages'])
                                       if targets and not no_issue else None)
    if deliveries is not None:
        report['delivery'] = {issue: {'time': _fmt_time(deliveries[issue][0]),
                                      'estimated': bool(deliveries[issue][1])}
                              for issue in issue_list if issue in deliveries}
    return report


