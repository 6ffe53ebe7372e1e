"""The KPI section of the KPI page, as wikitext: pure.

:func:`render_kpi_section` writes what goes between the bot's markers
(:func:`~techroles.kpi.wikitext.replace_between_markers` puts it into the
page). Text comes from the messages in ``techroles/i18n/*.json``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from fractions import Fraction
from typing import Any

from techroles import i18n
from techroles.coverage import LANG_CODE_RE
from techroles.kpi.figures import normalize_thresholds
from techroles.kpi.helppage import help_section, last_determined, reach_row, undetermined_note
from techroles.kpi.wikitext import (
    Msg,
    escape_wikitext,
    fraction,
    link,
    linkable,
    num,
    percent_number,
    ratio,
)


__all__ = ['KPI_MESSAGE_KEYS', 'KpiLinks', 'default_msg', 'render_kpi_section']

#: Every message of the KPI page (the ``techroles-kpi-*`` keys of ``en.json``).
KPI_MESSAGE_KEYS: list[str] = [key for key in i18n.keys('en') if key.startswith('techroles-kpi-')]


def default_msg(key: str, *params: str) -> str:
    """English message ``key`` with ``$1``… replaced in one pass (a parameter
    containing ``$2`` is not substituted again); ``{{PLURAL:}}`` is left for
    the wiki to expand with its content language's rules."""
    template = i18n.template(key, 'en')

    def param(match: re.Match[str]) -> str:
        index = int(match[1]) - 1
        return params[index] if 0 <= index < len(params) else match[0]

    return re.sub(r'\$(\d+)', param, template)


def _percent(msg: Msg, value: Fraction | None, *limits: Fraction | None) -> str:
    """A percentage for the page (see :func:`percent_number`)."""
    if value is None:
        return msg('techroles-kpi-none')
    return msg('techroles-kpi-percent', f'{{{{formatnum:{percent_number(value, limits)}}}}}')


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


def _headlines(report: Mapping[str, Any], history: Sequence[Mapping[str, Any]], msg: Msg,
               links: KpiLinks) -> list[str]:
    out = ['{| class="wikitable techroles-kpi-headlines"',
           f'|+ {msg("techroles-kpi-headlines-caption")}',
           f'! scope="col" | {msg("techroles-kpi-col-measure")}',
           f'! scope="col" | {msg("techroles-kpi-col-figure")}',
           f'! scope="col" | {msg("techroles-kpi-col-goal")}',
           f'! scope="col" | {msg("techroles-kpi-col-source")}']
    amb = report.get('ambassadors')
    if amb is not None:
        if amb['active'] is None:
            lines = [msg('techroles-kpi-figure-undetermined'),
                     *(f"<small>{msg('techroles-kpi-listing-incomplete', escape_wikitext(gap))}"
                       '</small>' for gap in amb.get('listing_incomplete', [])),
                     *undetermined_note(msg, 'techroles-kpi-unchecked-people',
                                        amb.get('undetermined', 0),
                                        amb.get('unanswered_wikis', []),
                                        last_determined(history, 'ambassadors', 'active',
                                                        'listed'))]
        else:
            lines = [msg('techroles-kpi-ambassadors-figure', num(amb['active']),
                         num(amb['listed']))]
        lines.append('<small>' + msg('techroles-kpi-wikis-without',
                                     num(len(amb['wikis_without_active']))) + '</small>')
        if amb.get('wikis_undetermined'):
            lines.append('<small>' + msg('techroles-kpi-wikis-undetermined',
                                         num(len(amb['wikis_undetermined']))) + '</small>')
        out += ['|-',
                f'! scope="row" | {msg("techroles-kpi-ambassadors-label")}',
                '| class="techroles-kpi-figure" | ' + '<br />'.join(lines),
                f'| class="techroles-kpi-goal" | {msg("techroles-kpi-no-goal")}',
                '| class="techroles-kpi-source" | '
                + link(links.ambassador_table, msg('techroles-kpi-source-signup'))]
    if report.get('reach') is not None:
        out += reach_row(report['reach'], history, msg)
    tr = report.get('translation')
    if tr is not None:
        limits = normalize_thresholds(tr.get('thresholds_exact') or tr['thresholds'])
        targeted = len(tr['targeted_languages'])
        label = msg('techroles-kpi-translation-label', _percent(msg, limits['content']),
                    _percent(msg, limits['issues']))
        figures = []
        for suffix in ('', '_at_delivery'):
            if tr.get('no_issue'):
                text = msg('techroles-kpi-no-issue')
            elif tr['headline' + suffix] is None and targeted:
                text = msg('techroles-kpi-undetermined')
            else:
                met = tr['languages_meeting' + suffix]
                text = msg('techroles-kpi-translation-figure', num(met), num(targeted),
                           _percent(msg, ratio(met, targeted), limits['languages']))
            figures.append(text)
        figure = f'{figures[0]}<br /><small>{msg("techroles-kpi-at-delivery", figures[1])}</small>'
        open_langs = tr.get('languages_undetermined', [])
        if open_langs:
            figure += ('<br /><small>'
                       + msg('techroles-kpi-undetermined-languages', num(len(open_langs)))
                       + '</small>')
        goal = (msg('techroles-kpi-translation-goal', _percent(msg, limits['languages']))
                + ': ' + _goal_result(msg, tr.get('goal_met')))
        sources = [link(links.translator_table, msg('techroles-kpi-source-translators')),
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
    if not linkable(issue, links.issues_interwiki):
        return escape_wikitext(issue)
    return link(issue, label, interwiki=links.issues_interwiki)


def _stats_link(issue: str, links: KpiLinks, label: str) -> str:
    if not links.has_translate:
        return _issue_link(issue, links, label)
    return link(f'Special:MessageGroupStats/page-{issue}', label,
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
            total = entry.get('issues_total' + suffix, entry['issues_total'])
            share = ratio(entry['issues_meeting' + suffix], total)
            text = msg('techroles-kpi-language-share', num(entry['issues_meeting' + suffix]),
                       num(total),
                       _percent(msg, share, limits['issues']))
            if code:
                text = f'[[#techroles-kpi-lang-{code}|{text}]]'
            if entry['issues_incomplete'] and not suffix:
                text += ('<br /><small>' + msg('techroles-kpi-incomplete-issues',
                                               num(len(entry['issues_incomplete'])))
                         + '</small>')
            sort = float(share) if share is not None else -1
            out.append(f'| data-sort-value="{sort:.4f}" | '
                       f'{_bar(share, entry["meets" + suffix])}{text}')
        if tr.get('no_issue'):
            result, at = msg('techroles-kpi-no-issue'), ''
        else:
            result = _result(msg, entry['meets'])
            at = msg('techroles-kpi-at-delivery', _result(msg, entry['meets_at_delivery']))
        out.append(f'| style="color:{_text_colour(entry["meets"])}" | '
                   f"'''{result}'''" + (f'<br /><small>{at}</small>' if at else ''))
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
            then_text = _percent(msg, then, limits['content']) \
                if figure.get('complete_at_delivery', True) \
                else msg('techroles-kpi-cell-incomplete')
            colour = _CELL[now >= limits['content']]
            out.append(f'| style="background-color:{colour}" | '
                       + _stats_link(issue, links, _percent(msg, now, limits['content']))
                       + f'<br /><small>{then_text}</small>')
    out.append('|}')
    return out


def _record_share(record: Mapping[str, Any], suffix: str = '') -> Fraction | None:
    tr = record.get('translation') or {}
    if tr.get('headline' + suffix) is None:
        return None
    if tr.get('targeted'):
        return Fraction(tr['languages_meeting' + suffix], tr['targeted'])
    return fraction(tr['headline' + suffix])


def _plain_percent(value: Fraction | None, limit: Fraction | None) -> str:
    """A percentage in a tooltip (an attribute: no markup, no message)."""
    return '?' if value is None else f'{percent_number(value, (limit,))}%'


#: The trend's series: (label message, record section, part, whole).
_SERIES = (
    ('techroles-kpi-col-active', 'ambassadors', 'active', 'listed'),
    ('techroles-kpi-col-reach', 'reach', 'with_active', 'communities'),
    ('techroles-kpi-col-languages', 'translation', 'languages_meeting', 'targeted'),
)


def _series_share(record: Mapping[str, Any], section: str, part: str,
                  whole: str) -> Fraction | None:
    if section == 'translation':
        return _record_share(record)
    values = record.get(section) or {}
    if values.get(part) is None or not values.get(whole):
        return None
    return Fraction(values[part], values[whole])


def _trend(history: Sequence[Mapping[str, Any]], msg: Msg, count: int,
           limit: Fraction | None) -> list[str]:
    """The three headline figures over time, one row of bars each."""
    records = [record for record in history if record.get('translation')
               or record.get('ambassadors') or record.get('reach')][-count:]
    series = [entry for entry in _SERIES if any(r.get(entry[1]) for r in records)]
    if not records or not series:
        return []
    # The caption is a line of its own: as a table caption it would wrap to
    # the width of a few thin bars.
    out = [msg('techroles-kpi-trend-caption', _date_text(records[0]['date']),
               _date_text(records[-1]['date'])),
           '{| class="techroles-kpi-trend" style="border-collapse:collapse"']
    for key, section, part, whole in series:
        out += [f'|- style="vertical-align:bottom;border-bottom:1px solid {_OPEN}"',
                f'! scope="row" style="font-weight:normal;padding:0 0.5em" | {msg(key)}']
        for record in records:
            share = _series_share(record, section, part, whole)
            goal = limit if section == 'translation' else None
            title = f'{_date_text(record["date"])} {_plain_percent(share, goal)}'
            if share is None:
                bar = f'<div style="width:0.6em;height:0.2em;background-color:{_OPEN}"></div>'
            else:
                height = max(0.1, math.floor(share * 30) / 10)
                bar = (f'<div style="width:0.6em;height:{height}em;'
                       f'background-color:{_TREND}"></div>')
            out.append(f'| title="{title}" style="padding:0 1px;height:3em" | {bar}')
    out.append('|}')
    return out


def _history_table(
    history: Sequence[Mapping[str, Any]], msg: Msg, links: KpiLinks, recent: int,
    limit: Fraction | None,
) -> list[str]:
    records = list(history)[-recent:][::-1] if recent > 0 else []
    out: list[str] = []
    if not records:
        out.append(msg('techroles-kpi-no-history'))
    else:
        out += ['{| class="wikitable techroles-kpi-history"',
                f'|+ {msg("techroles-kpi-history-caption")}']
        for key in ('date', 'active', 'listed', 'reach', 'languages', 'headline',
                    'headline-at-delivery'):
            out.append(f'! scope="col" | {msg("techroles-kpi-col-" + key)}')
        none = msg('techroles-kpi-none')
        undetermined = msg('techroles-kpi-figure-undetermined')
        for record in records:
            amb = record.get('ambassadors') or {}
            reach = record.get('reach') or {}
            tr = record.get('translation') or {}
            languages = (f'{num(tr["languages_meeting"])} / {num(tr["targeted"])}'
                         if 'languages_meeting' in tr and 'targeted' in tr else none)
            active = none if 'active' not in amb else \
                undetermined if amb['active'] is None else num(amb['active'])
            reached = none if 'communities' not in reach else \
                undetermined if reach.get('with_active') is None else \
                msg('techroles-kpi-of', num(reach['with_active']), num(reach['communities']))
            cells = [_date_text(record['date']), active,
                     num(amb['listed']) if 'listed' in amb else none,
                     reached,
                     languages,
                     _percent(msg, _record_share(record), limit) if tr else none,
                     _percent(msg, _record_share(record, '_at_delivery'), limit) if tr else none]
            out.append('|-')
            out += [f'| {cell}' for cell in cells]
        out.append('|}')
    if links.history_page:
        out.append(link(links.history_page, msg('techroles-kpi-history-link')))
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

    Leads with the headline figures against their goals (an undetermined
    one says why and shows the last determined figure from ``history``), then the
    coverage of each targeted language as horizontal bars (coloured for
    meeting, not meeting, undetermined; the figure at delivery beside the
    eventual one), the per-issue figures each linking to its source, where
    help is needed (``help_needed``), the headline figures' trend as rows of
    bars, and a table of the ``recent`` latest history records. Only core
    markup and inline styles: no extension or template needed. Text comes
    from ``msg(key, *params)`` in the page's language ``lang``, wrapped in
    ``<div dir="…">`` for right-to-left languages. Everything from data
    (language names, codes, titles, dates) is escaped or validated, so it
    cannot inject markup.
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
    out += _headlines(report, history, msg, links)
    tr = report.get('translation')
    if tr is not None:
        out += ['', *_languages(tr, msg, links, names)]
        matrix = _matrix(tr, msg, links)
        if matrix:
            out += ['', *matrix]
    if report.get('help_needed') is not None:
        out += ['', *help_section(report['help_needed'], msg,
                                  issues_interwiki=links.issues_interwiki,
                                  language_names=names)]
    goal = normalize_thresholds(tr.get('thresholds_exact') or tr['thresholds'])['languages'] \
        if tr is not None else None
    trend_rows = _trend(history, msg, trend, goal)
    if trend_rows:
        out += ['', *trend_rows]
    out += ['', *_history_table(history, msg, links, recent, goal), '</div>']
    return '\n'.join(out)


