"""The reach figure and the "where help is needed" section of the KPI page: pure.

Rows and tables :func:`techroles.kpi.page.render_kpi_section` puts in the
page, from the report's ``reach`` and ``help_needed`` blocks; also the
"undetermined, and the last determined figure" note both headline rows use.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from techroles.kpi.wikitext import Msg, escape_wikitext, link, num, percent_number, ratio


__all__ = ['help_section', 'last_determined', 'reach_row', 'undetermined_note']

_URL_RE = re.compile(r'(?:https?:)?//[A-Za-z0-9.-]+(?::[0-9]+)?\Z')
_DATE_RE = re.compile(r'[0-9]{4}-[0-9]{2}-[0-9]{2}\Z')


def last_determined(history: Sequence[Mapping[str, Any]], section: str, key: str,
                    whole: str) -> tuple[str, int, int] | None:
    """``(date, figure, whole)`` of the latest record where ``section.key``
    was determined (not null), or None."""
    for record in reversed(list(history)):
        part = record.get(section) or {}
        if part.get(key) is not None and part.get(whole) is not None \
                and _DATE_RE.match(str(record.get('date'))):
            return str(record['date']), int(part[key]), int(part[whole])
    return None


def undetermined_note(
    msg: Msg, unchecked_key: str, unchecked: int, unanswered: Sequence[str],
    previous: tuple[str, int, int] | None,
) -> list[str]:
    """Why a figure is undetermined, and the last determined one with its date."""
    notes = [msg(unchecked_key, num(unchecked))]
    if unanswered:
        notes.append(msg('techroles-kpi-unanswered-wikis',
                         ', '.join(escape_wikitext(w) for w in unanswered)))
    if previous is not None:
        day, figure, whole = previous
        notes.append(msg('techroles-kpi-last-determined',
                         msg('techroles-kpi-of', num(figure), num(whole)), day))
    return [f'<small>{note}</small>' for note in notes]


def _share(msg: Msg, part: int, whole: int) -> str:
    value = ratio(part, whole)
    if value is None:
        return msg('techroles-kpi-none')
    return msg('techroles-kpi-percent', f'{{{{formatnum:{percent_number(value)}}}}}')


def reach_row(reach: Mapping[str, Any], history: Sequence[Mapping[str, Any]],
              msg: Msg) -> list[str]:
    """The headline row "communities receiving Tech News with an active ambassador"."""
    if reach['with_active'] is None:
        lines = [msg('techroles-kpi-figure-undetermined'),
                 *undetermined_note(msg, 'techroles-kpi-unchecked-communities',
                                    reach['undetermined'], reach.get('unanswered_wikis', []),
                                    last_determined(history, 'reach', 'with_active',
                                                    'communities'))]
    else:
        lines = [msg('techroles-kpi-reach-figure', num(reach['with_active']),
                     num(reach['communities']),
                     _share(msg, reach['with_active'], reach['communities']))]
    return ['|-',
            f'! scope="row" | {msg("techroles-kpi-reach-label")}',
            '| class="techroles-kpi-figure" | ' + '<br />'.join(lines),
            f'| class="techroles-kpi-goal" | {msg("techroles-kpi-no-goal")}',
            f'| class="techroles-kpi-source" | [[#techroles-kpi-help|'
            f'{msg("techroles-kpi-source-help")}]]']


def _target(url: str, title: str) -> str:
    """An external link to a delivery target on its wiki (text alone when the
    wiki's address is not a plain host)."""
    shown = escape_wikitext(title)
    if not _URL_RE.match(url or ''):
        return shown
    return f'[{url}/wiki/{quote(title.replace(" ", "_"), safe="/:")} {shown}]'


def _targets(entry: Mapping[str, Any]) -> str:
    return '<br />'.join(_target(entry.get('url', ''), title) for title in entry['targets'])


def _date(value: Any) -> str:
    return str(value) if value and _DATE_RE.match(str(value)) else ''


def _table(css: str, caption: str, headers: Sequence[str], rows: list[list[str]],
           msg: Msg) -> list[str]:
    out = [f'{{| class="wikitable sortable {css}"', f'|+ {caption}']
    out += [f'! scope="col" | {header}' for header in headers]
    if not rows:
        out += ['|-', f'| colspan="{len(headers)}" | {msg("techroles-kpi-help-none")}']
    for cells in rows:
        out += ['|-', f'! scope="row" | {cells[0]}', *[f'| {cell}' for cell in cells[1:]]]
    out.append('|}')
    return out


def help_section(help_needed: Mapping[str, Any], msg: Msg, *, issues_interwiki: str = '',
                 language_names: Mapping[str, str] | None = None) -> list[str]:
    """The "where help is needed" section: four sortable tables."""
    names = language_names or {}

    def lang_cell(code: str) -> str:
        shown = escape_wikitext(code)
        return f'{escape_wikitext(names[code])} ({shown})' if names.get(code) else shown

    col = {key: msg(f'techroles-kpi-col-{key}') for key in (
        'wiki', 'family', 'target', 'last-active', 'since', 'language', 'translators',
        'issues-short', 'start', 'communities')}
    out = [f'<h3 id="techroles-kpi-help">{msg("techroles-kpi-help-heading")}</h3>']

    rows = []
    for entry in help_needed.get('communities_without_active', []):
        last = entry.get('last_active')
        last_text = msg('techroles-kpi-last-active', escape_wikitext(last['name']),
                        _date(last['since'])) if last else msg('techroles-kpi-none')
        rows.append([escape_wikitext(entry['wiki']), escape_wikitext(entry['family']),
                     _targets(entry), last_text])
    out += _table('techroles-kpi-help-without', msg('techroles-kpi-help-without-caption'),
                  [col['wiki'], col['family'], col['target'], col['last-active']], rows, msg)

    rows = []
    for entry in help_needed.get('communities_at_risk', []):
        rows.append([escape_wikitext(entry['wiki']), escape_wikitext(entry['family']),
                     _targets(entry), _date(entry.get('since')) or msg('techroles-kpi-none')])
    out += ['', *_table('techroles-kpi-help-at-risk', msg('techroles-kpi-help-at-risk-caption'),
                        [col['wiki'], col['family'], col['target'], col['since']], rows, msg)]

    rows = []
    for entry in help_needed.get('languages_short', []):
        count = entry['active_translators']
        start = entry.get('start_page')
        rows.append([
            lang_cell(entry['language']),
            f'data-sort-value="{-1 if count is None else count}" | '
            + (msg('techroles-kpi-figure-undetermined') if count is None else num(count)),
            num(len(entry['issues_short'])),
            link(start, escape_wikitext(start), interwiki=issues_interwiki) if start
            else msg('techroles-kpi-none'),
        ])
    out += ['', *_table('techroles-kpi-help-languages',
                        msg('techroles-kpi-help-languages-caption'),
                        [col['language'], col['translators'], col['issues-short'], col['start']],
                        rows, msg)]

    rows = []
    for entry in help_needed.get('languages_without_translator', []):
        rows.append([lang_cell(entry['language']),
                     ', '.join(escape_wikitext(w) for w in entry['communities'])])
    out += ['', *_table('techroles-kpi-help-untranslated',
                        msg('techroles-kpi-help-untranslated-caption'),
                        [col['language'], col['communities']], rows, msg)]
    return out
