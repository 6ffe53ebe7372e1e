"""The KPI history (one record per UTC date) and its Commons copy: pure.

:func:`history_record`, :func:`merge_history`, :func:`frozen_at_delivery`,
:func:`history_json` and :func:`parse_history` keep the JSON history page;
:func:`tabular_data` and :func:`check_tabular` the optional Commons
``Data:*.tab`` copy.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from techroles.errors import PageContentError


__all__ = [
    'HISTORY_VERSION', 'check_tabular', 'frozen_at_delivery', 'history_json', 'history_record',
    'merge_history', 'parse_history', 'tabular_data',
]

# == History ================================================================

def history_record(report: Mapping[str, Any], day: date) -> dict[str, Any]:
    """One history record (the figures of one UTC date) from a KPI report.

    Holds the headline figures (``active`` and ``with_active`` are null when
    undetermined, with the count of what could not be checked), the per-language figures (with
    ``issues_incomplete`` as a count), and the figure at delivery of every
    (issue, language) with units whose figure at delivery is complete (never
    one whose delivery is still to come): once recorded, those are reused
    (:func:`frozen_at_delivery`) instead of being computed again.
    """
    record: dict[str, Any] = {'date': day.isoformat()}
    amb = report.get('ambassadors')
    if amb is not None:
        record['ambassadors'] = {'listed': amb['listed'], 'active': amb['active'],
                                 'undetermined': amb.get('undetermined', 0),
                                 'wikis_without_active': len(amb['wikis_without_active'])}
    reach = report.get('reach')
    if reach is not None:
        record['reach'] = {key: reach[key] for key in ('communities', 'with_active',
                                                        'undetermined')}
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
                if figure.get('complete_at_delivery', figure['complete']) and figure['total'] > 0:
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
        if not _is_int(amb.get('listed')):
            fail("'ambassadors.listed' is not a count")
        if amb.get('active') is not None and not _is_int(amb['active']):
            fail("'ambassadors.active' is not a count or null")
    reach = record.get('reach')
    if reach is not None:
        if not isinstance(reach, dict) or not _is_int(reach.get('communities')):
            fail("'reach.communities' is not a count")
        if reach.get('with_active') is not None and not _is_int(reach['with_active']):
            fail("'reach.with_active' is not a count or null")
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
    ('communities', 'number', 'Communities receiving Tech News'),
    ('communities_with_active', 'number', 'Communities receiving Tech News with an active '
                                          'ambassador'),
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
        reach = record.get('reach') or {}
        rows.append([record['date'], amb.get('listed'), amb.get('active'), tr.get('targeted'),
                     tr.get('languages_meeting'), tr.get('languages_meeting_at_delivery'),
                     tr.get('headline'), tr.get('headline_at_delivery'),
                     reach.get('communities'), reach.get('with_active')])
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
