"""The two KPIs, the KPI page section and the history: pure.

* :func:`ambassador_kpi` and :func:`translation_kpi` build the two halves of
  the report of ``techroles kpi --report`` (the stable shape of issue 5 §5);
  :func:`recompute_from_report` rebuilds every figure from the report's own
  per-person and per-issue data, so anyone can check a published number
  from the report file alone.
* :func:`render_kpi_section` writes the wikitext between the bot's markers,
  :func:`replace_between_markers` puts it into the page without touching a
  byte outside them.
* :func:`history_record`, :func:`merge_history`, :func:`frozen_at_delivery`,
  :func:`history_json` and :func:`parse_history` keep the JSON history page;
  :func:`tabular_data` and :func:`check_tabular` the optional Commons
  ``Data:*.tab`` copy.

Every threshold is compared as an exact :class:`~fractions.Fraction`
(``Fraction(translated, total) >= threshold``), so 75 % is met by 3 of 4
and not by a float that happens to round up.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from fractions import Fraction
from typing import Any

from techroles.coverage import LANG_CODE_RE, IssueFigure
from techroles.errors import PageContentError
from techroles.model import ACTIVE_STATUSES, Decision, Status


__all__ = [
    'DEFAULT_THRESHOLDS',
    'KPI_END',
    'KPI_MESSAGES_EN',
    'KPI_MESSAGES_QQQ',
    'KPI_MESSAGE_KEYS',
    'KPI_START',
    'SIGNAL_CRITERIA',
    'KpiLinks',
    'ambassador_kpi',
    'check_report',
    'check_tabular',
    'default_msg',
    'default_targets',
    'escape_wikitext',
    'frozen_at_delivery',
    'history_json',
    'history_record',
    'merge_history',
    'normalize_thresholds',
    'parse_history',
    'recompute_from_report',
    'render_kpi_section',
    'replace_between_markers',
    'tabular_data',
    'threshold_fraction',
    'translation_kpi',
]

Msg = Callable[..., str]

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


def ambassador_kpi(
    decisions: Mapping[str, Decision],
    people_wikis: Mapping[str, Sequence[str]],
    *,
    target_wikis: Iterable[str] = (),
    family_of: Callable[[str], str],
) -> dict[str, Any]:
    """The ``ambassadors`` half of the KPI report.

    ``people_wikis`` maps each listed person to the database names of their
    rows; a person without a decision counts as ``unknown`` (never as
    inactive: a wrong figure is worse than none). ``active`` counts
    ``active`` + ``slipping``; ``new`` is not active yet. ``by_wiki`` covers
    the table's wikis and ``target_wikis``; its per-status counts sit in a
    nested ``by_status`` because a flat ``active`` key would clash with the
    KPI figure of the same name. ``people`` and each family's ``wikis`` are
    in the report so that :func:`recompute_from_report` can rebuild all of it.
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

    people_on: dict[str, set[str]] = {wiki: set() for wiki in all_wikis}
    for name in names:
        for wiki in wikis[name]:
            people_on[wiki].add(name)
    by_wiki = {}
    for wiki in all_wikis:
        counts = _zero_statuses()
        for name in people_on[wiki]:
            counts[status[name].value] += 1
        by_wiki[wiki] = {'listed': len(people_on[wiki]),
                         'active': len(people_on[wiki] & active_people),
                         'by_status': counts}
    without = [wiki for wiki in all_wikis if by_wiki[wiki]['active'] == 0]

    families: dict[str, list[str]] = {}
    for wiki in all_wikis:
        families.setdefault(family_of(wiki), []).append(wiki)
    by_family = {}
    for family in sorted(families):
        members = families[family]
        people = set().union(*(people_on[wiki] for wiki in members))
        by_family[family] = {'listed': len(people), 'active': len(people & active_people),
                             'wikis': members,
                             'wikis_without_active': [w for w in members if w in without]}

    criteria = {'recognizable': sum(status[name] not in _UNRESOLVED for name in names)}
    unknown = {}
    for signal in SIGNAL_CRITERIA:
        criteria[signal] = sum(signals[name].get(signal) is True for name in names)
        unknown[signal] = sum(signals[name].get(signal) is None for name in names)

    return {
        'listed': len(names),
        'active': len(active_people),
        'by_status': by_status,
        'by_wiki': by_wiki,
        'wikis_without_active': without,
        'by_family': by_family,
        'criteria': criteria,
        'criteria_unknown': unknown,
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
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


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
    no language is targeted, and also when some language's ``meets`` is None
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

    languages: dict[str, Any] = {}
    for lang in targets:
        per_issue: dict[str, dict[str, Any]] = {}
        incomplete: list[str] = []
        counted = meeting = meeting_at = 0
        for issue in issue_list:
            figure = figures.get((issue, lang))
            if figure is None:
                total = known_total.get(issue)
                figure = IssueFigure(0, 0, total or 0, complete=total is not None)
            per_issue[issue] = {'translated': figure.translated,
                                'translated_at_delivery': figure.translated_at_delivery,
                                'total': figure.total, 'complete': figure.complete}
            if not figure.complete:
                incomplete.append(issue)
                continue
            if figure.total == 0:
                continue
            counted += 1
            meeting += Fraction(figure.translated, figure.total) >= limits['content']
            meeting_at += (Fraction(figure.translated_at_delivery, figure.total)
                           >= limits['content'])
        languages[lang] = {
            'issues_meeting': meeting,
            'issues_meeting_at_delivery': meeting_at,
            'issues_total': counted,
            'issues_incomplete': incomplete,
            'meets': _decide(meeting, counted, len(incomplete), limits['issues']),
            'meets_at_delivery': _decide(meeting_at, counted, len(incomplete), limits['issues']),
            'per_issue': per_issue,
        }

    report: dict[str, Any] = {
        'issues': issue_list,
        'targeted_languages': targets,
        'thresholds': {key: float(value) for key, value in limits.items()},
        'thresholds_exact': {key: str(value) for key, value in limits.items()},
        'languages': languages,
    }
    for suffix in ('', '_at_delivery'):
        meets = [languages[lang]['meets' + suffix] for lang in targets]
        met = meets.count(True)
        undetermined = [lang for lang in targets if languages[lang]['meets' + suffix] is None]
        report['languages_meeting' + suffix] = met
        report['languages_undetermined' + suffix] = undetermined
        report['headline' + suffix] = (met / len(targets)
                                       if targets and not undetermined else None)
        report['goal_met' + suffix] = (_decide(met, len(targets) - len(undetermined),
                                               len(undetermined), limits['languages'])
                                       if targets else None)
    if deliveries is not None:
        report['delivery'] = {issue: {'time': _fmt_time(deliveries[issue][0]),
                                      'estimated': bool(deliveries[issue][1])}
                              for issue in issue_list if issue in deliveries}
    return report


# == Recomputing from the report ============================================

def _recompute_ambassadors(section: Mapping[str, Any]) -> dict[str, Any]:
    people = section['people']
    decisions = {person['name']: Decision(name=person['name'], status=Status(person['status']),
                                          signals=dict(person.get('signals', {})))
                 for person in people}
    people_wikis = {person['name']: list(person.get('wikis', [])) for person in people}
    family = {wiki: name for name, entry in section.get('by_family', {}).items()
              for wiki in entry.get('wikis', [])}
    return ambassador_kpi(decisions, people_wikis, target_wikis=section.get('target_wikis', []),
                          family_of=lambda wiki: family.get(wiki, ''))


def _recompute_translation(section: Mapping[str, Any]) -> dict[str, Any]:
    figures = {}
    for lang, entry in section['languages'].items():
        for issue, figure in entry['per_issue'].items():
            figures[issue, lang] = IssueFigure(
                translated=figure['translated'],
                translated_at_delivery=figure['translated_at_delivery'],
                total=figure['total'], complete=figure['complete'])
    thresholds = section.get('thresholds_exact') or section['thresholds']
    deliveries = None
    if 'delivery' in section:
        deliveries = {issue: (datetime.strptime(value['time'], '%Y-%m-%dT%H:%M:%SZ')
                              .replace(tzinfo=timezone.utc), value['estimated'])
                      for issue, value in section['delivery'].items()}
    return translation_kpi(section['issues'], section['targeted_languages'], figures,
                           thresholds, deliveries=deliveries)


def recompute_from_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """Every KPI figure, rebuilt from the report's own data alone.

    Ambassadors come back from ``people`` (status, wikis, signals),
    ``target_wikis`` and the families' ``wikis``; translation from each
    language's ``per_issue`` figures and the exact thresholds. The result
    equals the sections :func:`ambassador_kpi` and :func:`translation_kpi`
    produced (after a JSON round trip too); keys other tools added to the
    report are not part of it.
    """
    result: dict[str, Any] = {}
    if 'ambassadors' in report:
        result['ambassadors'] = _recompute_ambassadors(report['ambassadors'])
    if 'translation' in report:
        result['translation'] = _recompute_translation(report['translation'])
    return result


def _differences(path: str, expected: Any, actual: Any) -> list[str]:
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        found = []
        for key in expected:
            if key not in actual:
                found.append(f'{path}.{key}: missing')
            else:
                found.extend(_differences(f'{path}.{key}', expected[key], actual[key]))
        return found
    if expected != actual or isinstance(expected, bool) != isinstance(actual, bool):
        return [f'{path}: report says {actual!r}, recomputed {expected!r}']
    return []


def check_report(report: Mapping[str, Any]) -> list[str]:
    """Figures of ``report`` that its own data does not reproduce, one line each.

    Empty when the report is consistent: the wiki layer can run it before
    publishing anything.
    """
    recomputed = recompute_from_report(report)
    found: list[str] = []
    for section, expected in recomputed.items():
        found.extend(_differences(section, expected, report[section]))
    return found


# == Messages ===============================================================

#: English defaults of the KPI page's messages (merged into the i18n files).
#: ``$1``… are parameters; ``{{PLURAL:…}}`` is left for the wiki to expand,
#: so each wiki applies its content language's plural rules.
KPI_MESSAGES_EN: dict[str, str] = {
    'techroles-kpi-updated': 'Figures computed on $1 (UTC). A bot updates this section; '
                             'write outside it.',
    'techroles-kpi-headlines-caption': 'Key figures',
    'techroles-kpi-col-measure': 'Measure',
    'techroles-kpi-col-figure': 'Figure',
    'techroles-kpi-col-goal': 'Goal',
    'techroles-kpi-col-source': 'Source',
    'techroles-kpi-ambassadors-label': 'Active tech ambassadors',
    'techroles-kpi-ambassadors-figure': "'''$1''' of $2 listed",
    'techroles-kpi-wikis-without': '$1 {{PLURAL:$1|wiki|wikis}} without an active ambassador',
    'techroles-kpi-no-goal': 'none set',
    'techroles-kpi-translation-label': 'Targeted languages with $1 of the content translated '
                                       'in $2 of the Tech News issues',
    'techroles-kpi-translation-figure': "'''$1''' of $2 ($3)",
    'techroles-kpi-at-delivery': 'at delivery: $1',
    'techroles-kpi-translation-goal': '$1 of the targeted languages',
    'techroles-kpi-goal-met': 'met',
    'techroles-kpi-goal-not-met': 'not met',
    'techroles-kpi-undetermined': 'undetermined (incomplete statistics)',
    'techroles-kpi-undetermined-languages':
        '$1 {{PLURAL:$1|language|languages}} with incomplete statistics',
    'techroles-kpi-percent': '$1%',
    'techroles-kpi-none': '—',
    'techroles-kpi-source-signup': 'sign-up table',
    'techroles-kpi-source-translators': 'translator sign-up table',
    'techroles-kpi-source-languages': 'per language',
    'techroles-kpi-languages-caption': 'Coverage per language: issues with at least $1 of the '
                                       'content translated, $2 to $3',
    'techroles-kpi-col-language': 'Language',
    'techroles-kpi-col-eventual': 'Now',
    'techroles-kpi-col-at-delivery': 'At delivery',
    'techroles-kpi-col-result': 'Result',
    'techroles-kpi-language-share': '$1 of $2 {{PLURAL:$2|issue|issues}} ($3)',
    'techroles-kpi-incomplete-issues':
        '$1 {{PLURAL:$1|issue|issues}} with incomplete statistics',
    'techroles-kpi-meets': 'meets the goal',
    'techroles-kpi-fails': 'does not meet the goal',
    'techroles-kpi-no-languages': 'No language is targeted.',
    'techroles-kpi-issues-caption': 'Share of each issue translated, now and (below) at delivery',
    'techroles-kpi-stats-link': 'statistics',
    'techroles-kpi-delivered': 'sent $1',
    'techroles-kpi-delivered-estimated': 'sent about $1 (estimated)',
    'techroles-kpi-cell-incomplete': 'incomplete',
    'techroles-kpi-cell-no-units': 'nothing to translate',
    'techroles-kpi-trend-caption': 'Share of targeted languages meeting the goal, $1 to $2',
    'techroles-kpi-history-caption': 'Recent records',
    'techroles-kpi-col-date': 'Date',
    'techroles-kpi-col-active': 'Active ambassadors',
    'techroles-kpi-col-listed': 'Listed',
    'techroles-kpi-col-languages': 'Languages meeting',
    'techroles-kpi-col-headline': 'Share',
    'techroles-kpi-col-headline-at-delivery': 'Share at delivery',
    'techroles-kpi-no-history': 'No history recorded yet.',
    'techroles-kpi-history-link': 'full history (JSON)',
}

#: Message documentation (translatewiki's ``qqq``).
KPI_MESSAGES_QQQ: dict[str, str] = {
    'techroles-kpi-updated': 'First line of the KPI section. $1: date and time, YYYY-MM-DD HH:MM.',
    'techroles-kpi-headlines-caption': 'Caption of the table with the two headline figures.',
    'techroles-kpi-col-measure': 'Column header: what is measured.',
    'techroles-kpi-col-figure': 'Column header: the current value.',
    'techroles-kpi-col-goal': 'Column header: the goal the figure is compared with.',
    'techroles-kpi-col-source': 'Column header: links to the data behind the figure.',
    'techroles-kpi-ambassadors-label': 'Name of the first KPI.',
    'techroles-kpi-ambassadors-figure': '$1: active (incl. slipping) ambassadors; '
                                        '$2: people listed. Both formatted numbers.',
    'techroles-kpi-wikis-without': '$1: number of wikis without an active ambassador.',
    'techroles-kpi-no-goal': 'Goal cell when no goal is configured.',
    'techroles-kpi-translation-label': 'Name of the second KPI. $1: content threshold, '
                                       '$2: issue threshold, both percentages.',
    'techroles-kpi-translation-figure': '$1: languages meeting; $2: targeted languages; '
                                        '$3: their ratio as a percentage.',
    'techroles-kpi-at-delivery': '$1: the same figure computed at delivery time.',
    'techroles-kpi-translation-goal': '$1: share of languages required, a percentage.',
    'techroles-kpi-goal-met': 'Goal reached.',
    'techroles-kpi-goal-not-met': 'Goal not reached.',
    'techroles-kpi-undetermined': 'Shown instead of a figure that incomplete statistics '
                                  'could still change.',
    'techroles-kpi-undetermined-languages': '$1: number of languages whose result is open.',
    'techroles-kpi-percent': 'A percentage. $1: the formatted number. Use the local spacing '
                             'and percent sign.',
    'techroles-kpi-none': 'Shown where there is no value.',
    'techroles-kpi-source-signup': 'Link text to the ambassador sign-up table.',
    'techroles-kpi-source-translators': 'Link text to the translator sign-up table.',
    'techroles-kpi-source-languages': 'Link text to the per-language table below.',
    'techroles-kpi-languages-caption': '$1: content threshold (percentage); $2, $3: first '
                                       'and last issue of the period (links).',
    'techroles-kpi-col-language': 'Column header.',
    'techroles-kpi-col-eventual': 'Column header: coverage as it is today.',
    'techroles-kpi-col-at-delivery': 'Column header: coverage when the issue was sent.',
    'techroles-kpi-col-result': 'Column header: whether the language meets the goal.',
    'techroles-kpi-language-share': '$1: issues meeting the content threshold; $2: issues '
                                    'counted; $3: their ratio as a percentage.',
    'techroles-kpi-incomplete-issues': '$1: number of issues whose statistics are incomplete.',
    'techroles-kpi-meets': 'Result of a language.',
    'techroles-kpi-fails': 'Result of a language.',
    'techroles-kpi-no-languages': 'Shown instead of the per-language table.',
    'techroles-kpi-issues-caption': 'Caption of the issue × language table.',
    'techroles-kpi-stats-link': 'Link text to Special:MessageGroupStats for one issue.',
    'techroles-kpi-delivered': '$1: delivery date and time (UTC).',
    'techroles-kpi-delivered-estimated': '$1: estimated delivery date and time (UTC).',
    'techroles-kpi-cell-incomplete': 'Cell text when the statistics are incomplete.',
    'techroles-kpi-cell-no-units': 'Cell text when the issue has no translation units.',
    'techroles-kpi-trend-caption': '$1, $2: first and last date shown (YYYY-MM-DD).',
    'techroles-kpi-history-caption': 'Caption of the table of recent history records.',
    'techroles-kpi-col-date': 'Column header.',
    'techroles-kpi-col-active': 'Column header.',
    'techroles-kpi-col-listed': 'Column header.',
    'techroles-kpi-col-languages': 'Column header.',
    'techroles-kpi-col-headline': 'Column header: share of targeted languages meeting the goal.',
    'techroles-kpi-col-headline-at-delivery': 'Column header: the same share at delivery.',
    'techroles-kpi-no-history': 'Shown when the history page has no record.',
    'techroles-kpi-history-link': 'Link text to the JSON history page.',
}

KPI_MESSAGE_KEYS: list[str] = list(KPI_MESSAGES_EN)


def default_msg(key: str, *params: str) -> str:
    """English message ``key`` with ``$1``… replaced in one pass (a parameter
    containing ``$2`` is not substituted again)."""
    template = KPI_MESSAGES_EN[key]

    def param(match: re.Match[str]) -> str:
        index = int(match[1]) - 1
        return params[index] if 0 <= index < len(params) else match[0]

    return re.sub(r'\$(\d+)', param, template)


# == Wikitext helpers =======================================================

#: Characters that can start markup anywhere in a line, as numeric entities;
#: ``$`` too, so a message function cannot substitute inside data.
_ESCAPES = {ord(char): f'&#{ord(char)};' for char in '"&\'<=>[]{|}!#*:;~_-$'}
_ESCAPES.update({ord('\n'): ' ', ord('\r'): ' ', ord('\t'): ' '})
_MAGIC_LINK_RE = re.compile(r'\b(ISBN|RFC|PMID)(\s)')


def escape_wikitext(text: str) -> str:
    """Text shown literally, whatever it contains.

    Like MediaWiki's ``wfEscapeWikiText``, every character that can start
    markup becomes a numeric entity: links, templates, tables, tags,
    comments, signatures (``~~~~``), behaviour switches (``__NOTOC__``),
    bold and list markers, free URLs and magic links all stay text. Line
    breaks become spaces so a value stays in its table cell.
    """
    escaped = str(text).translate(_ESCAPES)
    return _MAGIC_LINK_RE.sub(lambda m: f'{m[1]}&#{ord(m[2])};', escaped)


_TARGET_FORBIDDEN_RE = re.compile(r'[\[\]{}|<>\n\r\t#]|~~~|__')
_INTERWIKI_RE = re.compile(r'(?:[a-z][a-z0-9-]*:)*\Z')


def _link(target: str | None, label: str, *, interwiki: str = '') -> str:
    """``[[:target|label]]``; just ``label`` when the target is unsafe.

    ``label`` is wikitext the caller built (escaped data or messages). The
    leading colon keeps a data-derived target from becoming a category,
    file or interlanguage link; targets with characters that could close
    the link or expand on save are not linked at all.
    """
    if not _linkable(target, interwiki):
        return label
    return f'[[:{interwiki}{target}|{label}]]'


def _linkable(target: str | None, interwiki: str = '') -> bool:
    return bool(target) and not _TARGET_FORBIDDEN_RE.search(target or '') \
        and bool(_INTERWIKI_RE.match(interwiki))


def _fraction(value: Any) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def _ratio(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def _percent(msg: Msg, value: Fraction | None) -> str:
    """A percentage rounded *down* to 0.1: a figure just under a threshold
    never shows as reaching it."""
    if value is None:
        return msg('techroles-kpi-none')
    tenths = math.floor(value * 1000)
    number = str(tenths // 10) if tenths % 10 == 0 else f'{tenths // 10}.{tenths % 10}'
    return msg('techroles-kpi-percent', f'{{{{formatnum:{number}}}}}')


def _num(value: int) -> str:
    return f'{{{{formatnum:{int(value)}}}}}'


def _css_width(value: Fraction | None) -> int:
    if value is None:
        return 0
    return max(0, min(100, math.floor(value * 100)))


_MEETS = '#14866d'
_FAILS = '#d73333'
_OPEN = '#a2a9b1'
_OPEN_TEXT = '#54595d'
_TRACK = '#eaecf0'
_CELL = {True: '#d5fdf4', False: '#fee7e6', None: '#f8f9fa'}
_TREND = '#36c'


def _text_colour(result: bool | None) -> str:
    """Text colours with enough contrast on white (WCAG AA)."""
    return _OPEN_TEXT if result is None else _colour(result)


def _colour(result: bool | None) -> str:
    if result is None:
        return _OPEN
    return _MEETS if result else _FAILS


def _bar(value: Fraction | None, result: bool | None) -> str:
    """A horizontal bar from two inline-styled divs (no extension needed);
    block boxes follow the text direction, so it grows from the right in RTL."""
    return (f'<div style="background-color:{_TRACK};min-width:8em;height:0.8em">'
            f'<div style="background-color:{_colour(result)};width:{_css_width(value)}%;'
            f'height:0.8em"></div></div>')


def _result(msg: Msg, result: bool | None) -> str:
    if result is None:
        return msg('techroles-kpi-undetermined')
    return msg('techroles-kpi-meets' if result else 'techroles-kpi-fails')


def _goal_result(msg: Msg, result: bool | None) -> str:
    if result is None:
        return msg('techroles-kpi-undetermined')
    return msg('techroles-kpi-goal-met' if result else 'techroles-kpi-goal-not-met')


def _issue_label(issue: str) -> str:
    match = re.search(r'/([0-9]{4})/([0-9]{1,2})\Z', issue)
    return f'{match[1]}/{int(match[2]):02d}' if match else escape_wikitext(issue)


_TIME_RE = re.compile(r'[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z')


def _date_text(value: Any) -> str:
    """A record's date: shown as is when it is one, escaped otherwise."""
    text = str(value)
    return text if re.fullmatch(r'[0-9]{4}-[0-9]{2}-[0-9]{2}', text) else escape_wikitext(text)


def _lang_code(code: str) -> str | None:
    return code if LANG_CODE_RE.match(code) else None


@dataclass(frozen=True)
class KpiLinks:
    """Where the figures on the KPI page come from.

    Titles are plain page titles (``Tech/Ambassadors/List``); the page
    links them with a leading colon. ``has_translate`` adds links to
    ``Special:MessageGroupStats`` (only where the Translate extension is
    installed); ``issues_interwiki`` (``m:``) prefixes issue and statistics
    links when the KPI page lives on another wiki than Tech News.
    """

    ambassador_table: str | None = None
    translator_table: str | None = None
    history_page: str | None = None
    has_translate: bool = False
    issues_interwiki: str = ''


def _headlines(report: Mapping[str, Any], msg: Msg, links: KpiLinks) -> list[str]:
    out = ['{| class="wikitable techroles-kpi-headlines"',
           f'|+ {msg("techroles-kpi-headlines-caption")}',
           f'! scope="col" | {msg("techroles-kpi-col-measure")}',
           f'! scope="col" | {msg("techroles-kpi-col-figure")}',
           f'! scope="col" | {msg("techroles-kpi-col-goal")}',
           f'! scope="col" | {msg("techroles-kpi-col-source")}']
    amb = report.get('ambassadors')
    if amb is not None:
        figure = msg('techroles-kpi-ambassadors-figure', _num(amb['active']), _num(amb['listed']))
        without = msg('techroles-kpi-wikis-without', _num(len(amb['wikis_without_active'])))
        out += ['|-',
                f'! scope="row" | {msg("techroles-kpi-ambassadors-label")}',
                f'| class="techroles-kpi-figure" | {figure}<br /><small>{without}</small>',
                f'| class="techroles-kpi-goal" | {msg("techroles-kpi-no-goal")}',
                '| class="techroles-kpi-source" | '
                + _link(links.ambassador_table, msg('techroles-kpi-source-signup'))]
    tr = report.get('translation')
    if tr is not None:
        limits = normalize_thresholds(tr.get('thresholds_exact') or tr['thresholds'])
        targeted = len(tr['targeted_languages'])
        label = msg('techroles-kpi-translation-label', _percent(msg, limits['content']),
                    _percent(msg, limits['issues']))
        figures = []
        for suffix in ('', '_at_delivery'):
            if tr['headline' + suffix] is None and targeted:
                text = msg('techroles-kpi-undetermined')
            else:
                met = tr['languages_meeting' + suffix]
                text = msg('techroles-kpi-translation-figure', _num(met), _num(targeted),
                           _percent(msg, _ratio(met, targeted)))
            figures.append(text)
        figure = f'{figures[0]}<br /><small>{msg("techroles-kpi-at-delivery", figures[1])}</small>'
        open_langs = tr.get('languages_undetermined', [])
        if open_langs:
            figure += ('<br /><small>'
                       + msg('techroles-kpi-undetermined-languages', _num(len(open_langs)))
                       + '</small>')
        goal = (msg('techroles-kpi-translation-goal', _percent(msg, limits['languages']))
                + ': ' + _goal_result(msg, tr.get('goal_met')))
        sources = [_link(links.translator_table, msg('techroles-kpi-source-translators')),
                   f'[[#techroles-kpi-languages|{msg("techroles-kpi-source-languages")}]]']
        out += ['|-',
                f'! scope="row" | {label}',
                f'| class="techroles-kpi-figure" | {figure}',
                f'| class="techroles-kpi-goal" | {goal}',
                '| class="techroles-kpi-source" | ' + ', '.join(sources)]
    out.append('|}')
    return out


def _issue_link(issue: str, links: KpiLinks, label: str) -> str:
    """A link to the issue page; an issue that cannot be linked shows its
    whole (escaped) title, never a short label that would hide it."""
    if not _linkable(issue, links.issues_interwiki):
        return escape_wikitext(issue)
    return _link(issue, label, interwiki=links.issues_interwiki)


def _stats_link(issue: str, links: KpiLinks, label: str) -> str:
    if not links.has_translate:
        return _issue_link(issue, links, label)
    return _link(f'Special:MessageGroupStats/page-{issue}', label,
                 interwiki=links.issues_interwiki)


def _languages(
    tr: Mapping[str, Any], msg: Msg, links: KpiLinks, names: Mapping[str, str],
) -> list[str]:
    targets = tr['targeted_languages']
    if not targets:
        return [msg('techroles-kpi-no-languages')]
    limits = normalize_thresholds(tr.get('thresholds_exact') or tr['thresholds'])
    issues = tr['issues']
    first = _issue_link(issues[0], links, _issue_label(issues[0])) if issues else ''
    last = _issue_link(issues[-1], links, _issue_label(issues[-1])) if issues else ''
    out = ['{| class="wikitable sortable techroles-kpi-languages" id="techroles-kpi-languages"',
           '|+ ' + msg('techroles-kpi-languages-caption', _percent(msg, limits['content']),
                       first, last),
           f'! scope="col" | {msg("techroles-kpi-col-language")}',
           f'! scope="col" data-sort-type="number" | {msg("techroles-kpi-col-eventual")}',
           f'! scope="col" data-sort-type="number" | {msg("techroles-kpi-col-at-delivery")}',
           f'! scope="col" | {msg("techroles-kpi-col-result")}']
    for lang in targets:
        entry = tr['languages'][lang]
        code = _lang_code(lang)
        shown = escape_wikitext(lang)
        if names.get(lang):
            shown = f'{escape_wikitext(names[lang])} <small>({shown})</small>'
        lang_attr = f'lang="{code}" ' if code else ''
        out += ['|-', f'! scope="row" {lang_attr}| {shown}']
        for suffix in ('', '_at_delivery'):
            share = _ratio(entry['issues_meeting' + suffix], entry['issues_total'])
            text = msg('techroles-kpi-language-share', _num(entry['issues_meeting' + suffix]),
                       _num(entry['issues_total']), _percent(msg, share))
            if code:
                text = f'[[#techroles-kpi-lang-{code}|{text}]]'
            if entry['issues_incomplete'] and not suffix:
                text += ('<br /><small>' + msg('techroles-kpi-incomplete-issues',
                                               _num(len(entry['issues_incomplete'])))
                         + '</small>')
            sort = float(share) if share is not None else -1
            out.append(f'| data-sort-value="{sort:.4f}" | '
                       f'{_bar(share, entry["meets" + suffix])}{text}')
        result = _result(msg, entry['meets'])
        at = msg('techroles-kpi-at-delivery', _result(msg, entry['meets_at_delivery']))
        out.append(f'| style="color:{_text_colour(entry["meets"])}" | '
                   f"'''{result}'''<br /><small>{at}</small>")
    out.append('|}')
    return out


def _matrix(tr: Mapping[str, Any], msg: Msg, links: KpiLinks) -> list[str]:
    targets, issues = tr['targeted_languages'], tr['issues']
    if not targets or not issues:
        return []
    limits = normalize_thresholds(tr.get('thresholds_exact') or tr['thresholds'])
    delivery = tr.get('delivery', {})
    out = ['{| class="wikitable techroles-kpi-issues" id="techroles-kpi-issues"',
           f'|+ {msg("techroles-kpi-issues-caption")}',
           f'! scope="col" | {msg("techroles-kpi-col-language")}']
    for issue in issues:
        head = _issue_link(issue, links, _issue_label(issue))
        if links.has_translate:
            head += f'<br /><small>{_stats_link(issue, links, msg("techroles-kpi-stats-link"))}'
            head += '</small>'
        sent = delivery.get(issue)
        if sent is not None and _TIME_RE.fullmatch(str(sent.get('time'))):
            when = sent['time'][:10] + ' ' + sent['time'][11:16]
            key = 'techroles-kpi-delivered-estimated' if sent['estimated'] else \
                'techroles-kpi-delivered'
            head += f'<br /><small>{msg(key, when)}</small>'
        out.append(f'! scope="col" | {head}')
    for lang in targets:
        code = _lang_code(lang)
        anchor = f'id="techroles-kpi-lang-{code}" lang="{code}" ' if code else ''
        out += ['|-', f'! scope="row" {anchor}| {escape_wikitext(lang)}']
        for issue in issues:
            figure = tr['languages'][lang]['per_issue'][issue]
            if not figure['complete']:
                out.append(f'| style="background-color:{_CELL[None]}" | '
                           + _stats_link(issue, links, msg('techroles-kpi-cell-incomplete')))
                continue
            if figure['total'] == 0:
                out.append(f'| style="background-color:{_CELL[None]}" | '
                           + _issue_link(issue, links, msg('techroles-kpi-cell-no-units')))
                continue
            now = Fraction(figure['translated'], figure['total'])
            then = Fraction(figure['translated_at_delivery'], figure['total'])
            colour = _CELL[now >= limits['content']]
            out.append(f'| style="background-color:{colour}" | '
                       + _stats_link(issue, links, _percent(msg, now))
                       + f'<br /><small>{_percent(msg, then)}</small>')
    out.append('|}')
    return out


def _record_share(record: Mapping[str, Any], suffix: str = '') -> Fraction | None:
    tr = record.get('translation') or {}
    if tr.get('headline' + suffix) is None:
        return None
    if tr.get('targeted'):
        return Fraction(tr['languages_meeting' + suffix], tr['targeted'])
    return _fraction(tr['headline' + suffix])


def _plain_percent(value: Fraction | None) -> str:
    if value is None:
        return '?'
    tenths = math.floor(value * 1000)
    return f'{tenths // 10}%' if tenths % 10 == 0 else f'{tenths // 10}.{tenths % 10}%'


def _trend(history: Sequence[Mapping[str, Any]], msg: Msg, limit: int) -> list[str]:
    records = [record for record in history if record.get('translation')][-limit:]
    if not records:
        return []
    # The caption is a line of its own: as a table caption it would wrap to
    # the width of a few thin bars.
    out = [msg('techroles-kpi-trend-caption', _date_text(records[0]['date']),
               _date_text(records[-1]['date'])),
           '{| class="techroles-kpi-trend" style="border-collapse:collapse;'
           f'border-bottom:1px solid {_OPEN}"',
           '|- style="vertical-align:bottom"']
    for record in records:
        share = _record_share(record)
        title = f'{_date_text(record["date"])} {_plain_percent(share)}'
        if share is None:
            bar = f'<div style="width:0.6em;height:0.2em;background-color:{_OPEN}"></div>'
        else:
            height = max(0.1, math.floor(share * 40) / 10)
            bar = f'<div style="width:0.6em;height:{height}em;background-color:{_TREND}"></div>'
        out.append(f'| title="{title}" style="padding:0 1px;height:4em" | {bar}')
    out.append('|}')
    return out


def _history_table(
    history: Sequence[Mapping[str, Any]], msg: Msg, links: KpiLinks, recent: int,
) -> list[str]:
    records = list(history)[-recent:][::-1] if recent > 0 else []
    out: list[str] = []
    if not records:
        out.append(msg('techroles-kpi-no-history'))
    else:
        out += ['{| class="wikitable techroles-kpi-history"',
                f'|+ {msg("techroles-kpi-history-caption")}']
        for key in ('date', 'active', 'listed', 'languages', 'headline', 'headline-at-delivery'):
            out.append(f'! scope="col" | {msg("techroles-kpi-col-" + key)}')
        none = msg('techroles-kpi-none')
        for record in records:
            amb = record.get('ambassadors') or {}
            tr = record.get('translation') or {}
            languages = (f'{_num(tr["languages_meeting"])} / {_num(tr["targeted"])}'
                         if 'languages_meeting' in tr and 'targeted' in tr else none)
            cells = [_date_text(record['date']),
                     _num(amb['active']) if 'active' in amb else none,
                     _num(amb['listed']) if 'listed' in amb else none,
                     languages,
                     _percent(msg, _record_share(record)) if tr else none,
                     _percent(msg, _record_share(record, '_at_delivery')) if tr else none]
            out.append('|-')
            out += [f'| {cell}' for cell in cells]
        out.append('|}')
    if links.history_page:
        out.append(_link(links.history_page, msg('techroles-kpi-history-link')))
    return out


def render_kpi_section(
    report: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    *,
    lang: str,
    links: KpiLinks,
    now: datetime,
    msg: Msg = default_msg,
    direction: str = 'ltr',
    language_names: Mapping[str, str] | None = None,
    recent: int = 8,
    trend: int = 52,
) -> str:
    """The wikitext between the KPI markers.

    Leads with the two headline figures against their goals, then the
    coverage of each targeted language as horizontal bars (coloured for
    meeting, not meeting, undetermined; the figure at delivery beside the
    eventual one), the per-issue figures each linking to its source, the
    headline's trend as a row of bars, and a table of the ``recent`` latest
    history records. Only core markup and inline styles: no extension or
    template needed. Text comes from ``msg(key, *params)`` in the page's
    language ``lang``, wrapped in ``<div dir="…">`` for right-to-left
    languages. Everything from data (language names, codes, titles, dates)
    is escaped or validated, so it cannot inject markup.
    """
    if direction not in ('ltr', 'rtl'):
        raise ValueError(f"direction must be 'ltr' or 'rtl', not {direction!r}")
    if not LANG_CODE_RE.match(lang):
        raise ValueError(f'invalid language code {lang!r}')
    names = language_names or {}
    stamp = now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)
    stamp = stamp.astimezone(timezone.utc)
    out = [f'<div class="techroles-kpi" dir="{direction}" lang="{lang}">',
           msg('techroles-kpi-updated', stamp.strftime('%Y-%m-%d %H:%M')),
           '']
    out += _headlines(report, msg, links)
    tr = report.get('translation')
    if tr is not None:
        out += ['', *_languages(tr, msg, links, names)]
        matrix = _matrix(tr, msg, links)
        if matrix:
            out += ['', *matrix]
    trend_rows = _trend(history, msg, trend)
    if trend_rows:
        out += ['', *trend_rows]
    out += ['', *_history_table(history, msg, links, recent), '</div>']
    return '\n'.join(out)


# == The bot's markers ======================================================

KPI_START = '<!-- techroles:kpi:start -->'
KPI_END = '<!-- techroles:kpi:end -->'


def _marker_re(section: str, edge: str) -> re.Pattern[str]:
    return re.compile(r'<!--\s*techroles:' + re.escape(section) + ':' + edge + r'\s*-->')


def replace_between_markers(page_text: str, new_section: str, section: str = 'kpi') -> str:
    """``page_text`` with the bot's section replaced by ``new_section``.

    The section sits between ``<!-- techroles:<section>:start -->`` and
    ``<!-- techroles:<section>:end -->`` (``kpi`` for the KPI page; the status,
    evidence and explanation pages use their own names). Everything outside
    the markers stays byte for byte; without markers the section is appended
    at the end (after a line break) with both markers. Refuses
    (:class:`~techroles.errors.PageContentError`) when a marker is
    duplicated, alone or out of order, or when the markers sit inside
    ``<translate>`` (an edit there would outdate every translation). The
    markers' own spelling (spacing) is kept.
    """
    start_re, end_re = _marker_re(section, 'start'), _marker_re(section, 'end')
    name = section.upper() if section == 'kpi' else section
    if start_re.search(new_section) or end_re.search(new_section):
        raise ValueError(f'the new section must not contain the {name} markers')
    starts = list(start_re.finditer(page_text))
    ends = list(end_re.finditer(page_text))
    if not starts and not ends:
        glue = '' if not page_text or page_text.endswith('\n') else '\n'
        return (f'{page_text}{glue}<!-- techroles:{section}:start -->\n{new_section}\n'
                f'<!-- techroles:{section}:end -->\n')
    if len(starts) > 1 or len(ends) > 1:
        raise PageContentError(f'{name} markers appear more than once; fix the page by hand')
    if not starts or not ends:
        which = 'end' if starts else 'start'
        raise PageContentError(f'the {name} {which} marker is missing; fix the page by hand')
    start, end = starts[0], ends[0]
    if end.start() < start.end():
        raise PageContentError(f'the {name} end marker comes before the start marker')
    before = page_text[:start.start()]
    if len(re.findall(r'<translate[ >]', before)) > before.count('</translate>'):
        raise PageContentError(f'the {name} markers are inside <translate>; the bot will not '
                               'edit translatable text')
    return f'{page_text[:start.end()]}\n{new_section}\n{page_text[end.start():]}'


def section_between_markers(page_text: str, section: str) -> str | None:
    """The text between a section's markers (None when there are none)."""
    start = _marker_re(section, 'start').search(page_text)
    end = _marker_re(section, 'end').search(page_text)
    if not start or not end or end.start() < start.end():
        return None
    return page_text[start.end():end.start()]


# == History ================================================================

def history_record(report: Mapping[str, Any], day: date) -> dict[str, Any]:
    """One history record (the figures of one UTC date) from a KPI report.

    Holds the headline figures, the per-language figures (with
    ``issues_incomplete`` as a count), and the figure at delivery of every
    complete (issue, language) with units: once recorded, those are reused
    (:func:`frozen_at_delivery`) instead of being computed again.
    """
    record: dict[str, Any] = {'date': day.isoformat()}
    amb = report.get('ambassadors')
    if amb is not None:
        record['ambassadors'] = {'listed': amb['listed'], 'active': amb['active'],
                                 'wikis_without_active': len(amb['wikis_without_active'])}
    tr = report.get('translation')
    if tr is not None:
        at_delivery: dict[str, dict[str, int]] = {}
        languages = {}
        for lang in tr['targeted_languages']:
            entry = tr['languages'][lang]
            languages[lang] = {key: entry[key] for key in (
                'issues_meeting', 'issues_meeting_at_delivery', 'issues_total', 'meets',
                'meets_at_delivery')}
            languages[lang]['issues_incomplete'] = len(entry['issues_incomplete'])
            for issue, figure in entry['per_issue'].items():
                if figure['complete'] and figure['total'] > 0:
                    at_delivery.setdefault(issue, {})[lang] = figure['translated_at_delivery']
        record['translation'] = {
            'issues': len(tr['issues']),
            'targeted': len(tr['targeted_languages']),
            'languages_meeting': tr['languages_meeting'],
            'languages_meeting_at_delivery': tr['languages_meeting_at_delivery'],
            'headline': tr['headline'],
            'headline_at_delivery': tr['headline_at_delivery'],
            'languages': languages,
            'at_delivery': at_delivery,
        }
    return record


def merge_history(existing: Iterable[Mapping[str, Any]],
                  record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``existing`` with ``record`` added, sorted by date; a rerun on the
    same UTC date replaces that date's record instead of adding one."""
    kept = [dict(item) for item in existing if item['date'] != record['date']]
    kept.append(dict(record))
    return sorted(kept, key=lambda item: item['date'])


def frozen_at_delivery(history: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], int]:
    """The at-delivery figure per (issue, language), first recorded wins.

    Pass these to :func:`techroles.coverage.issue_figure` so that later runs
    reuse the figure instead of recomputing it from revisions that may since
    have been deleted or moved.
    """
    frozen: dict[tuple[str, str], int] = {}
    for record in sorted(history, key=lambda item: item['date']):
        tr = record.get('translation') or {}
        for issue, by_lang in (tr.get('at_delivery') or {}).items():
            for lang, value in by_lang.items():
                frozen.setdefault((issue, lang), value)
    return frozen


HISTORY_VERSION = 1


def history_json(records: Sequence[Mapping[str, Any]]) -> str:
    """The history page content (content model ``json``)."""
    return json.dumps({'version': HISTORY_VERSION, 'records': list(records)},
                      ensure_ascii=False, indent=4, sort_keys=True) + '\n'


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_share(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                             and 0 <= value <= 1)


def _check_record(index: int, record: Any, seen: set[str]) -> None:
    def fail(message: str) -> None:
        raise PageContentError(f'history page: record {index}: {message}')

    if not isinstance(record, dict):
        fail('is not an object')
    day = record.get('date')
    try:
        valid = isinstance(day, str) and date.fromisoformat(day).isoformat() == day
    except ValueError:
        valid = False
    if not valid:
        fail(f"'date' {day!r} is not a YYYY-MM-DD date")
    if day in seen:
        fail(f'date {day} appears twice')
    seen.add(day)
    amb = record.get('ambassadors')
    if amb is not None:
        if not isinstance(amb, dict):
            fail("'ambassadors' is not an object")
        for key in ('listed', 'active'):
            if not _is_int(amb.get(key)):
                fail(f"'ambassadors.{key}' is not a count")
    tr = record.get('translation')
    if tr is None:
        return
    if not isinstance(tr, dict):
        fail("'translation' is not an object")
    for key in ('targeted', 'languages_meeting', 'languages_meeting_at_delivery'):
        if not _is_int(tr.get(key)):
            fail(f"'translation.{key}' is not a count")
    for key in ('headline', 'headline_at_delivery'):
        if not _is_share(tr.get(key)):
            fail(f"'translation.{key}' is not a number from 0 to 1 or null")
    languages = tr.get('languages', {})
    if not isinstance(languages, dict) or not all(isinstance(v, dict) for v in languages.values()):
        fail("'translation.languages' is not an object of objects")
    at_delivery = tr.get('at_delivery', {})
    if not isinstance(at_delivery, dict):
        fail("'translation.at_delivery' is not an object")
    for issue, by_lang in at_delivery.items():
        if not isinstance(by_lang, dict) or not all(_is_int(v) for v in by_lang.values()):
            fail(f"'translation.at_delivery' of {issue!r} is not an object of counts")


def parse_history(text: str) -> list[dict[str, Any]]:
    """The records of a history page, validated, sorted by date.

    An empty or missing page is an empty history. Anything else that is not
    the shape :func:`history_json` writes raises
    :class:`~techroles.errors.PageContentError` with a one-line reason:
    the bot must not overwrite a history it cannot read.
    """
    if not text.strip():
        return []
    try:
        data = json.loads(text)
    except ValueError as error:
        raise PageContentError(f'history page: not valid JSON ({error})') from None
    if isinstance(data, list):
        records = data
    elif isinstance(data, dict):
        if data.get('version', HISTORY_VERSION) != HISTORY_VERSION:
            raise PageContentError(f'history page: unknown version {data.get("version")!r}')
        records = data.get('records', [])
        if not isinstance(records, list):
            raise PageContentError("history page: 'records' is not a list")
    else:
        raise PageContentError('history page: expected an object with "records"')
    seen: set[str] = set()
    for index, record in enumerate(records):
        _check_record(index, record, seen)
    return sorted(records, key=lambda item: item['date'])


# == Commons tabular data ===================================================

_TABULAR_FIELDS = (
    ('date', 'string', 'Date (UTC)'),
    ('listed', 'number', 'Tech ambassadors listed'),
    ('active', 'number', 'Active tech ambassadors'),
    ('targeted', 'number', 'Targeted languages'),
    ('languages_meeting', 'number', 'Languages meeting the coverage goal'),
    ('languages_meeting_at_delivery', 'number', 'Languages meeting it at delivery'),
    ('headline', 'number', 'Share of targeted languages meeting the goal'),
    ('headline_at_delivery', 'number', 'The same share at delivery'),
)


def tabular_data(records: Sequence[Mapping[str, Any]],
                 *, sources: str = 'Computed by techroles.') -> dict[str, Any]:
    """The history as a Commons ``Data:*.tab`` page (JsonConfig tabular data).

    One row per record; figures a record lacks are null, which the format
    allows in every column.
    """
    rows = []
    for record in records:
        amb = record.get('ambassadors') or {}
        tr = record.get('translation') or {}
        rows.append([record['date'], amb.get('listed'), amb.get('active'), tr.get('targeted'),
                     tr.get('languages_meeting'), tr.get('languages_meeting_at_delivery'),
                     tr.get('headline'), tr.get('headline_at_delivery')])
    return {
        'license': 'CC0-1.0',
        'description': {'en': 'Tech ambassadors and Tech News translation coverage KPIs'},
        'sources': sources,
        'schema': {'fields': [{'name': name, 'type': kind, 'title': {'en': title}}
                              for name, kind, title in _TABULAR_FIELDS]},
        'data': rows,
    }


_TAB_NAME_RE = re.compile(r'[^\W\d]\w*\Z')
_TAB_TYPES = {'number', 'string', 'boolean', 'localized'}
_TAB_KEYS = {'license', 'description', 'sources', 'schema', 'data', 'mediawikiCategories'}


def _tab_value_ok(kind: str, value: Any) -> bool:
    if value is None:
        return True
    if kind == 'number':
        return isinstance(value, (int, float)) and not isinstance(value, bool) \
            and math.isfinite(value)
    if kind == 'boolean':
        return isinstance(value, bool)
    if kind == 'string':
        return isinstance(value, str) and '\n' not in value and len(value) <= 400
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def check_tabular(content: str | Mapping[str, Any]) -> list[str]:
    """Problems JsonConfig would report for a ``Data:*.tab`` page, one line each.

    Checks the text as it would be saved (valid JSON, at most 2 MB), the
    licence, the field names (letter or ``_`` first, then letters, digits
    and ``_``; unique), the field types (number, string, boolean,
    localized), and that every data row has one value of the right type per
    field. Empty when the page would be accepted.
    """
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    if len(text.encode('utf-8')) > 2 * 1024 * 1024:
        return ['larger than 2 MB']
    try:
        data = json.loads(text)
    except ValueError as error:
        return [f'not valid JSON ({error})']
    if not isinstance(data, dict):
        return ['not a JSON object']
    problems = [f'unexpected key {key!r}' for key in sorted(set(data) - _TAB_KEYS)]
    if not isinstance(data.get('license'), str) or not data['license']:
        problems.append("'license' is missing")
    if 'sources' in data and not isinstance(data['sources'], str):
        problems.append("'sources' is not a string")
    if 'description' in data and not (isinstance(data['description'], dict) and all(
            isinstance(v, str) for v in data['description'].values())):
        problems.append("'description' is not a localized string")
    schema = data.get('schema')
    fields = schema.get('fields') if isinstance(schema, dict) else None
    if not isinstance(fields, list) or not fields:
        return [*problems, "'schema.fields' is missing or empty"]
    kinds: list[str] = []
    names: set[str] = set()
    for index, spec in enumerate(fields):
        if not isinstance(spec, dict):
            problems.append(f'field {index} is not an object')
            kinds.append('')
            continue
        extra = sorted(set(spec) - {'name', 'type', 'title'})
        if extra:
            problems.append(f'field {index}: unexpected key {extra[0]!r}')
        name = spec.get('name')
        if not isinstance(name, str) or not _TAB_NAME_RE.match(name):
            problems.append(f'field {index}: invalid name {name!r}')
        elif name in names:
            problems.append(f'field {index}: duplicate name {name!r}')
        else:
            names.add(name)
        kind = spec.get('type')
        if kind not in _TAB_TYPES:
            problems.append(f'field {index}: invalid type {kind!r}')
        kinds.append(kind if isinstance(kind, str) else '')
    rows = data.get('data')
    if not isinstance(rows, list):
        return [*problems, "'data' is not a list"]
    for number, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(kinds):
            problems.append(f'data row {number}: expected {len(kinds)} values')
            continue
        for index, (kind, value) in enumerate(zip(kinds, row, strict=True)):
            if kind in _TAB_TYPES and not _tab_value_ok(kind, value):
                problems.append(f'data row {number}, field {index}: not a {kind}: {value!r}')
    return problems
