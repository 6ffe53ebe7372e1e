"""Every published figure, rebuilt from the report alone: pure.

A KPI report carries the data behind its figures (each person's status,
wikis and signals; each issue's per-language counts; each community's
people). :func:`recompute_from_report` recomputes the figures from that
data and :func:`check_report` lists any that differ, so the wiki layer can
refuse to publish an inconsistent report and anyone can check one.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from techroles.coverage import IssueFigure
from techroles.kpi.figures import ambassador_kpi, translation_kpi
from techroles.kpi.reach import reach_from_wikis
from techroles.model import Decision, Status
from techroles.timefmt import parse_iso


__all__ = ['check_report', 'recompute_from_report']

def _recompute_ambassadors(section: Mapping[str, Any]) -> dict[str, Any]:
    people = section['people']
    decisions = {person['name']: Decision(name=person['name'], status=Status(person['status']),
                                          signals=dict(person.get('signals', {})))
                 for person in people}
    people_wikis = {person['name']: list(person.get('wikis', [])) for person in people}
    family = {wiki: name for name, entry in section.get('by_family', {}).items()
              for wiki in entry.get('wikis', [])}
    return ambassador_kpi(decisions, people_wikis, target_wikis=section.get('target_wikis', []),
                          family_of=lambda wiki: family.get(wiki, ''),
                          unanswered_wikis=section.get('unanswered_wikis', ()),
                          listing_incomplete=section.get('listing_incomplete', ()))


def _recompute_translation(section: Mapping[str, Any]) -> dict[str, Any]:
    figures = {}
    for lang, entry in section['languages'].items():
        for issue, figure in entry['per_issue'].items():
            figures[issue, lang] = IssueFigure(
                translated=figure['translated'],
                translated_at_delivery=figure['translated_at_delivery'],
                total=figure['total'], complete=figure['complete'],
                complete_at_delivery=figure.get('complete_at_delivery'))
    thresholds = section.get('thresholds_exact') or section['thresholds']
    deliveries = None
    if 'delivery' in section:
        deliveries = {issue: (parse_iso(value['time']), value['estimated'])
                      for issue, value in section['delivery'].items()}
    return translation_kpi(section['issues'], section['targeted_languages'], figures,
                           thresholds, deliveries=deliveries)


def recompute_from_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """Every KPI figure, rebuilt from the report's own data alone.

    Reach comes back from each community's people and statuses.
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
    if 'reach' in report:
        block = report['reach']
        result['reach'] = reach_from_wikis(block.get('wikis', {}),
                                           block.get('unanswered_wikis', ()),
                                           block.get('listing_incomplete', ()))
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

