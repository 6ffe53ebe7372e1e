"""The bot-owned pages people read: status, evidence and explanation.

Pure text work: each function turns report data into the wikitext of one
section, in the page's language (messages from ``techroles.i18n``), with every
value that came from a wiki (names, titles, reasons) escaped so it shows as
text and cannot inject markup. The wiki layer puts each section between its
own markers (``kpi.replace_between_markers(text, section, name)``), so people
can write above and below it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from techroles import i18n, notation, policy
from techroles.kpi import escape_wikitext as esc
from techroles.model import Decision, Status
from techroles.timefmt import iso


#: Interwiki prefix of each project family, as Wikimedia's interwiki map has them.
FAMILY_PREFIX = {
    'wikipedia': 'w', 'wiktionary': 'wikt', 'wikibooks': 'b', 'wikinews': 'n',
    'wikiquote': 'q', 'wikisource': 's', 'wikiversity': 'v', 'wikivoyage': 'voy',
    'commons': 'c', 'wikidata': 'd', 'mediawiki': 'mw', 'meta': 'm', 'species': 'species',
    'incubator': 'incubator', 'wikifunctions': 'f', 'wikimania': 'wikimania',
}
_SAFE_TITLE = re.compile(r'^[^\[\]{}|<>\n#~]+$')


def interwiki(dbname: str, here: str) -> str | None:
    """The link prefix from wiki ``here`` to wiki ``dbname`` (``''`` for itself).

    ``w:fr:`` for frwiki, ``wikt:fr:`` for frwiktionary, ``c:`` for Commons;
    None when the wiki is unknown.
    """
    if dbname == here:
        return ''
    pair = notation.site_for_dbname(dbname)
    if pair is None:
        return None
    code, family = pair
    prefix = FAMILY_PREFIX.get(family)
    if prefix is None:
        return None
    if family in ('commons', 'wikidata', 'mediawiki', 'meta', 'species', 'incubator',
                  'wikifunctions', 'wikimania'):
        return f'{prefix}:'
    return f'{prefix}:{code}:'


def link(target: str, label: str) -> str:
    """``[[:target|label]]``; the label alone when the target is not safe."""
    if not _SAFE_TITLE.match(target):
        return label
    return f'[[:{target}|{label}]]'


def _day(when: datetime | str | None) -> str:
    if when is None:
        return '—'
    if isinstance(when, str):
        return when.replace('T', ' ').removesuffix('Z')
    return when.strftime('%Y-%m-%d %H:%M')


# -- the status page --------------------------------------------------------------

@dataclass
class RunSummary:
    """What the status page says about one run."""

    time: datetime
    complete: bool
    #: (site:page, title on this wiki or None, cells changed, revid or None)
    changes: list[tuple[str, str | None, int, int | None]] = field(default_factory=list)
    #: Warning lines (plain text, will be escaped), already in reading order.
    warnings: list[str] = field(default_factory=list)
    #: (person, page) of cells marked manual.
    manual: list[tuple[str, str]] = field(default_factory=list)
    #: (person, page, kept until) of human corrections being respected.
    human: list[tuple[str, str, str]] = field(default_factory=list)
    #: Title (and revid) of the on-wiki configuration used, or None.
    config_page: tuple[str, int] | None = None
    config_error: str | None = None
    shutoff: str | None = None
    shutoff_page: str | None = None
    explanation_page: str | None = None


LAST_COMPLETE_RE = re.compile(r'data-last-complete="([0-9T:\-Z]*)"')


def last_complete(previous_section: str | None) -> str | None:
    """The heartbeat recorded by the previous status page, if any."""
    if not previous_section:
        return None
    match = LAST_COMPLETE_RE.search(previous_section)
    return match.group(1) or None if match else None


def status_section(run: RunSummary, lang: str, previous_complete: str | None, *,
                   job: str = 'update') -> str:
    """One job's status page section: heartbeat, changes with diff links, warnings.

    ``update`` and ``kpi`` each have their own section, so a run of one job
    leaves what the other reported in place.
    """
    msg = lambda key, *p: i18n.message(key, lang, *p)  # noqa: E731
    stamp = iso(run.time)
    complete = stamp if run.complete else (previous_complete or '')
    heading = 'techroles-statuspage-heading' if job == 'update' else \
        'techroles-statuspage-heading-kpi'
    out = [
        f'<div class="techroles-statuspage" data-job="{job}" dir="{i18n.direction(lang)}" '
        f'data-last-run="{stamp}" data-last-complete="{complete}">',
        f"== {msg(heading)} ==",
        f"* {msg('techroles-statuspage-last-run', _day(run.time))}",
        f"* {msg('techroles-statuspage-last-complete', _day(complete) if complete else msg('techroles-never'))}",  # noqa: E501
    ]
    if run.config_page:
        title, revid = run.config_page
        used = f'[[Special:PermanentLink/{revid}|{esc(title)}]]'
    else:
        used = msg('techroles-statuspage-config-file')
    out.append(f"* {msg('techroles-statuspage-config', used)}")
    if run.config_error:
        out.append(f"* '''{esc(run.config_error)}'''")
    if run.shutoff:
        out.append(f"* '''{msg('techroles-statuspage-shutoff', esc(run.shutoff_page or ''))}'''")
    if run.explanation_page:
        out.append(f'* {link(run.explanation_page, esc(run.explanation_page))}')
    out.append(f"=== {msg('techroles-statuspage-changes-heading')} ===")
    if run.changes:
        for where, title, cells, revid in run.changes:
            diff = (f" [[Special:Diff/{revid}|{msg('techroles-statuspage-diff')}]]"
                    if revid else '')
            page = link(title, esc(title)) if title else esc(where)
            out.append(f"* {msg('techroles-statuspage-change', page, cells, diff.strip())}")
    else:
        out.append(msg('techroles-statuspage-no-changes'))
    out.append(f"=== {msg('techroles-statuspage-warnings-heading')} ===")
    warnings = list(dict.fromkeys(run.warnings))  # repeated warnings once
    if warnings:
        out += [f'* {esc(w)}' for w in warnings]
    else:
        out.append(msg('techroles-statuspage-no-warnings'))
    if run.manual or run.human:
        out.append(f"=== {msg('techroles-statuspage-manual-heading')} ===")
        for person, page in run.manual:
            out.append(f"* {msg('techroles-statuspage-manual', esc(person), esc(page))}")
        for person, page, until in run.human:
            out.append(f"* {msg('techroles-statuspage-human', esc(person), esc(page), until)}")
    if run.shutoff_page:
        out.append('')
        out.append(msg('techroles-statuspage-shutoff-hint',
                       link(run.shutoff_page, esc(run.shutoff_page))))
    out.append('</div>')
    return '\n'.join(out)


# -- the evidence page ------------------------------------------------------------

@dataclass(frozen=True)
class EvidenceRow:
    """One person not ``active``, and what was checked for them."""

    name: str
    page: str
    decision: Decision
    wikis_checked: tuple[str, ...]
    window_start: datetime
    window_end: datetime
    label: str


def evidence_section(rows: Sequence[EvidenceRow], *, lang: str, here: str, checked: datetime,
                     config_used: str) -> str:
    """A table: for every person not active, what was checked and what was found."""
    msg = lambda key, *p: i18n.message(key, lang, *p)  # noqa: E731
    out = [
        f'<div class="techroles-evidence" dir="{i18n.direction(lang)}">',
        f"== {msg('techroles-evidence-heading')} ==",
        msg('techroles-evidence-intro', _day(checked), esc(config_used)),
        '',
        '{| class="wikitable sortable"',
        '! ' + ' !! '.join(msg(f'techroles-evidence-col-{c}')
                           for c in ('person', 'status', 'checked', 'found', 'links')),
    ]
    for row in sorted(rows, key=lambda r: (r.page, r.name)):
        decision = row.decision
        user = esc(row.name)
        checked_wikis = i18n.format_list([esc(w) for w in row.wikis_checked], lang)
        window = msg('techroles-evidence-checked', checked_wikis, row.window_start.date()
                     .isoformat(), row.window_end.date().isoformat())
        found = _found(decision, lang, here)
        links = ' · '.join([
            link(f'm:Special:GlobalContributions/{row.name}',
                 msg('techroles-evidence-globalcontribs')),
            link(f'm:Special:CentralAuth/{row.name}', msg('techroles-evidence-centralauth')),
        ])
        out += [
            '|-',
            f'| {link(f"m:User:{row.name}", user)} <small>({esc(row.page)})</small>',
            f'| data-sort-value="{_rank(decision.status)}" | {esc(row.label)}',
            f'| {window}',
            f'| {found}',
            f'| {links}',
        ]
    out += ['|}', '</div>']
    return '\n'.join(out)


def _rank(status: Status) -> int:
    return list(Status).index(status)


def _found(decision: Decision, lang: str, here: str) -> str:
    msg = lambda key, *p: i18n.message(key, lang, *p)  # noqa: E731
    parts = []
    ev = decision.evidence
    if ev is not None:
        prefix = interwiki(ev.wiki, here)
        when = ev.timestamp.strftime('%Y-%m-%d')
        if ev.kind == 'log' and ev.logid is not None:
            target = f'{prefix}Special:Redirect/logid/{ev.logid}' if prefix is not None else None
            shown = link(target, when) if target else when
            parts.append(msg('techroles-evidence-log', shown, esc(ev.wiki), esc(ev.action or '')))
        elif ev.revid is not None:
            target = f'{prefix}Special:Diff/{ev.revid}' if prefix is not None else None
            shown = link(target, when) if target else when
            parts.append(msg('techroles-evidence-edit', shown, esc(ev.wiki)))
    else:
        parts.append(msg('techroles-evidence-nothing'))
    if decision.new_name:
        parts.append(msg('techroles-evidence-renamed', esc(decision.new_name)))
    if decision.unmet_signals:
        names = [msg(f'techroles-signal-{s}') for s in decision.unmet_signals]
        parts.append(msg('techroles-evidence-signals', i18n.format_list(names, lang)))
    return '<br />'.join(parts)


# -- the explanation page -------------------------------------------------------

def rule_items(doc: str | None = None) -> list[str]:
    """The numbered rules of :func:`techroles.policy.decide`'s docstring, as wikitext."""
    doc = doc if doc is not None else (policy.decide.__doc__ or '')
    items: list[str] = []
    current: list[str] = []
    for line in doc.splitlines():
        stripped = line.strip()
        match = re.match(r'^\d+\.\s+(.*)$', stripped)
        if match:
            if current:
                items.append(' '.join(current))
            current = [match.group(1)]
        elif current and stripped:
            current.append(stripped)
        elif current:
            items.append(' '.join(current))
            current = []
            if len(items) >= 9:
                break
    if current:
        items.append(' '.join(current))

    def wikify(text: str) -> str:
        out = []
        for part in re.split(r'(\*\*.+?\*\*|``.+?``)', text):
            if len(part) > 4 and part.startswith('**') and part.endswith('**'):
                out.append("'''" + esc(part[2:-2]) + "'''")
            elif len(part) > 4 and part.startswith('``') and part.endswith('``'):
                out.append('<code>' + esc(part[2:-2]) + '</code>')
            else:
                out.append(esc(part.replace(' -- ', ' — ')))
        return ''.join(out)

    return [wikify(item) for item in items]


def explanation_section(*, lang: str, bot: str, thresholds: policy.Thresholds,
                        required_signals: Iterable[str], labels: Mapping[Status, str],
                        signup_pages: Sequence[str], talk_page: str, evidence_page: str | None,
                        shutoff_page: str | None, respect_human_days: int) -> str:
    """The explanation page: the rule, the thresholds, a legend, how to act."""
    msg = lambda key, *p: i18n.message(key, lang, *p)  # noqa: E731
    pages = i18n.format_list([link(p, esc(p)) for p in signup_pages], lang)
    out = [
        f'<div class="techroles-explanation" dir="{i18n.direction(lang)}">',
        f"== {msg('techroles-explanation-heading')} ==",
        msg('techroles-explanation-intro', link(f'User:{bot}', esc(bot)), pages),
        '',
        f"=== {msg('techroles-explanation-rule-heading')} ===",
        msg('techroles-explanation-rule-intro'),
    ]
    out += [f'# {item}' for item in rule_items()]
    out += [
        '',
        msg('techroles-explanation-thresholds', thresholds.slipping_days,
            thresholds.active_days, thresholds.grace_days),
        '',
        msg('techroles-explanation-wikis'),
        '',
        msg('techroles-explanation-grace', thresholds.grace_days),
        '',
        msg('techroles-explanation-slipping', thresholds.slipping_days, thresholds.active_days),
        '',
    ]
    required = list(required_signals)
    if required:
        names = [msg(f'techroles-signal-{s}') for s in required]
        out.append(msg('techroles-explanation-signals', i18n.format_list(names, lang)))
    else:
        out.append(msg('techroles-explanation-signals-none'))
    out += ['', f"=== {msg('techroles-explanation-legend-heading')} ===",
            '{| class="wikitable"']
    legend_params = {
        Status.ACTIVE: (thresholds.slipping_days,),
        Status.SLIPPING: (thresholds.slipping_days, thresholds.active_days),
        Status.NEW: (thresholds.grace_days,),
        Status.INACTIVE: (thresholds.active_days,),
    }
    for status in Status:
        example = labels.get(status, status.value)
        out += ['|-',
                f'| <span class="techroles-status" data-status="{status.value}">{esc(example)}'
                '</span>',
                f"| {msg(f'techroles-legend-{status.value}', *legend_params.get(status, ()))}"]
    out += ['|}', '']
    out.append(msg('techroles-explanation-manual', '<code>&lt;!-- techroles:manual --&gt;</code>',
                   respect_human_days))
    out.append('')
    out.append(msg('techroles-explanation-report', link(talk_page, esc(talk_page)),
                   link(evidence_page, esc(evidence_page)) if evidence_page else '—',
                   link(shutoff_page, esc(shutoff_page)) if shutoff_page else '—'))
    out.append('</div>')
    return '\n'.join(out)
