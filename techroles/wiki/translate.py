"""Tech News translation coverage: the wiki half (issue 5 §2).

:func:`collect_coverage` reads, for the issues of a reporting period, what
the pure half (:mod:`techroles.coverage`) needs and returns one
:class:`~techroles.coverage.IssueFigure` per (issue, language), the delivery
time of each issue and one-line warnings. Every request goes through
:mod:`techroles.wiki.api` with purpose ``coverage``.

Cost model, for ``n`` existing issues (``L`` = the multi-value limit of the
account, 500 with ``apihighlimits``, else 50):

- once: ``action=paraminfo`` for ``query+messagegroupstats|query+logevents``
  (does the wiki have Translate's statistics, and the ``massmessage`` log?);
  one ``prop=info|revisions`` request (with content) for every candidate
  title of the period, which both tells which issues exist and gives their
  source wikitext; one ``list=logevents`` request for the sends of the
  delivery list over the whole period;
- per issue: one ``meta=messagegroupstats`` request where Translate exists
  (more only while Translate rebuilds its cache, see below), and
  ``ceil(translation pages / L)`` requests of ``generator=allpages`` on
  namespace 1198 with the current content of every ``Translations:`` page
  of the issue;
- at delivery, for all issues together: only the translation pages edited
  since the delivery need an older revision. Their parent revisions are read
  by id, ``L`` per request, round after round along the parent chain until
  each reaches the delivery (usually one or two rounds for the whole
  period; none when nothing changed after delivery or the figure is frozen).

Why the parent chain rather than ``list=allrevisions`` around the delivery:
``allrevisions`` cannot filter by prefix, so on Meta it would page through
every translation of every translatable page in namespace 1198, and it has no
safe lower bound (the revision current at delivery may be weeks older than
the delivery). The current revision of each page, which the eventual count
reads anyway, already says which pages need history (those saved after the
delivery) and where it continues (``parentid``).

Statistics can stop early: Translate serves ``messagegroupstats`` from its
cache only and, while a language is not computed yet, answers with a
``continue`` offset at that language. Those requests are sent with
:func:`api.request` rather than :func:`api.query`, because blindly following
such a continuation would loop for as long as the cache is rebuilding: a
continuation that brings nothing new is retried after ``stats_retry_wait``
seconds (one wait shared by every waiting issue), at most ``stats_retries``
times; what is then still missing is *incomplete*, never 0 %.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from datetime import time as dtime
from typing import NamedTuple

import pywikibot

from techroles import coverage
from techroles.coverage import CountedFigure, Issue, IssueFigure, StatsFigure, UnitRevision
from techroles.errors import FetchError
from techroles.wiki import api
from techroles.wiki.store import iso, parse_iso
from techroles.wiki.translatestats import group_stats


__all__ = [
    'DISPLAY_TITLE_UNIT',
    'NS_TRANSLATIONS',
    'PURPOSE',
    'CoverageData',
    'Delivery',
    'Features',
    'Issue',
    'TranslationRevision',
    'collect_coverage',
    'delivery_times',
    'existing_issues',
    'group_stats',
    'translation_pages',
    'wiki_features',
]

#: Request purpose in :data:`techroles.wiki.api.COUNTER`.
PURPOSE = 'coverage'
NS_TRANSLATIONS = 1198
#: The unit Translate adds when a page translates its title.
DISPLAY_TITLE_UNIT = 'Page display title'
#: Parent-chain rounds before giving up (a page edited this often after its
#: delivery makes its figure incomplete instead of costing more requests).
MAX_HISTORY_ROUNDS = 25

Key = tuple[str, str]  # (issue, language)


class Delivery(NamedTuple):
    """When an issue went out; ``estimated`` without a send log entry.

    A tuple, so a mapping of these is what :func:`techroles.kpi.translation_kpi`
    takes as ``deliveries``.
    """

    time: datetime
    estimated: bool


@dataclass(frozen=True)
class Features:
    """What the wiki offers (from one ``action=paraminfo`` request)."""

    #: Translate's ``meta=messagegroupstats`` exists.
    has_translate: bool
    #: The ``massmessage`` log type exists (MassMessage is installed).
    has_delivery_log: bool


@dataclass(frozen=True)
class TranslationRevision:
    """One revision of a ``Translations:`` page, as far as coverage cares."""

    revid: int
    parentid: int
    timestamp: datetime
    #: None when the text is hidden (revision deletion): fuzziness unknown.
    fuzzy: bool | None

    def unit_revision(self) -> UnitRevision:
        return UnitRevision(self.timestamp, bool(self.fuzzy), self.revid)


@dataclass
class CoverageData:
    """Everything :func:`collect_coverage` learnt, ready for the KPI.

    ``figures``, ``issues``, ``totals`` and ``deliveries`` are the arguments
    of :func:`techroles.kpi.translation_kpi`; ``stats`` and ``counted`` keep
    the two sources for reports and tests; ``new_at_delivery`` holds the
    at-delivery figures computed in this run (complete, not from ``frozen``),
    which the history should freeze.
    """

    issues: list[str] = field(default_factory=list)
    figures: dict[Key, IssueFigure] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    stats: dict[Key, StatsFigure] = field(default_factory=dict)
    counted: dict[Key, CountedFigure] = field(default_factory=dict)
    new_at_delivery: dict[Key, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    has_translate: bool = False
    has_delivery_log: bool = False


def _chunks(items: Sequence, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _norm(title: str) -> str:
    return title.replace('_', ' ')


def _batch_size(site: pywikibot.site.APISite, limit: int | None) -> int:
    """The multi-value limit (50, or 500 with ``apihighlimits``), as Pywikibot knows it."""
    if limit is not None:
        return max(1, limit)
    return site.maxlimit


def _revision(rev: Mapping) -> TranslationRevision:
    slot = (rev.get('slots') or {}).get('main') or {}
    text = slot.get('content')
    return TranslationRevision(
        revid=int(rev['revid']), parentid=int(rev.get('parentid') or 0),
        timestamp=parse_iso(rev['timestamp']),
        fuzzy=None if text is None else coverage.is_fuzzy(text),
    )


# -- what the wiki has -------------------------------------------------------

def wiki_features(site: pywikibot.site.APISite) -> Features:
    """Whether the wiki has ``meta=messagegroupstats`` and the ``massmessage`` log.

    Asked of the wiki every time (one request), not of Pywikibot's cached
    paraminfo: an extension enabled or disabled since the cache was filled
    would otherwise go unnoticed.
    """
    data = api.request(site, PURPOSE, action='paraminfo',
                       modules='query+messagegroupstats|query+logevents')
    has_stats = has_log = False
    for module in data.get('paraminfo', {}).get('modules', []):
        name = module.get('name')
        if name == 'messagegroupstats':
            has_stats = True
        elif name == 'logevents':
            for param in module.get('parameters', []):
                if param.get('name') == 'type':
                    has_log = 'massmessage' in (param.get('type') or [])
    return Features(has_translate=has_stats, has_delivery_log=has_log)


# -- issues ------------------------------------------------------------------

def _candidates(prefix: str, year: int, week: int) -> list[str]:
    """The titles an issue may have: two-digit week first, then unpadded."""
    padded = coverage.issue_title(prefix, year, week)
    unpadded = f'{prefix.rstrip("/")}/{year:04d}/{week}'
    return [padded] if unpadded == padded else [padded, unpadded]


def existing_issues(
    site: pywikibot.site.APISite, prefix: str, weeks: Iterable[tuple[int, int]],
    *, limit: int | None = None,
) -> list[Issue]:
    """The issues of ``weeks`` that exist, oldest first, with their units.

    One ``prop=info|revisions`` request (per multi-value limit of titles)
    checks every candidate title and returns the current source text; the
    two-digit title wins over the unpadded one when both exist. Weeks
    without an issue are simply absent: they are not counted.
    """
    wanted = sorted(set(weeks))
    candidates = [title for year, week in wanted for title in _candidates(prefix, year, week)]
    # Keyed by the wiki's own spelling of the title (``normalized`` maps ours to it).
    found: dict[str, Mapping | None] = {}
    spelling: dict[str, str] = {}
    for batch in _chunks(candidates, _batch_size(site, limit)):
        for data in api.query(site, PURPOSE, prop='info|revisions', titles=batch,
                              rvprop='ids|timestamp|content', rvslots='main'):
            query = data['query']
            spelling.update({n['from']: n['to'] for n in query.get('normalized', [])})
            for page in query.get('pages', []):
                if page.get('missing') or page.get('invalid'):
                    continue
                revisions = page.get('revisions') or []
                if revisions or page['title'] not in found:
                    found[page['title']] = revisions[0] if revisions else None
    issues = []
    for year, week in wanted:
        for candidate in _candidates(prefix, year, week):
            title = spelling.get(candidate, candidate)
            if title not in found:
                continue
            rev = found[title]
            slot = ((rev or {}).get('slots') or {}).get('main') or {}
            text = slot.get('content')
            units = tuple(coverage.source_units(text)) if text is not None else ()
            issues.append(Issue(title, year, week, units, readable=text is not None))
            break
    return issues


# -- delivery ----------------------------------------------------------------

def delivery_times(
    site: pywikibot.site.APISite, issues: Sequence[Issue], delivery_list: str | None,
    hour_utc: int, *, has_log: bool,
) -> tuple[dict[str, Delivery], list[str]]:
    """Each issue's delivery (see :func:`techroles.coverage.delivery_time`).

    One ``list=logevents`` query (``leaction=massmessage/send``, ``letitle`` =
    the delivery list) over the period's weeks, where the wiki has that log
    and a list is configured; an issue without a send in its week gets the
    estimated time, and a warning when sends were expected.
    """
    warnings: list[str] = []
    sends: list[datetime] = []
    if issues and has_log and delivery_list:
        first = min(coverage.week_monday(i.year, i.week) for i in issues)
        last = max(coverage.week_monday(i.year, i.week) for i in issues) + timedelta(weeks=1)
        start = datetime.combine(last, dtime(0), tzinfo=timezone.utc)
        end = datetime.combine(first, dtime(0), tzinfo=timezone.utc)
        # ledir=older (the default): lestart is the later bound.
        for data in api.query(site, PURPOSE, list='logevents', leaction='massmessage/send',
                              letitle=delivery_list, lestart=iso(start), leend=iso(end),
                              leprop='timestamp|title|type', lelimit='max'):
            for entry in data['query'].get('logevents', []):
                if entry.get('timestamp'):
                    sends.append(parse_iso(entry['timestamp']))
    result = {}
    for issue in issues:
        moment, estimated = coverage.delivery_time(issue.year, issue.week, sends, hour_utc)
        result[issue.title] = Delivery(moment, estimated)
        if estimated and has_log and delivery_list:
            warnings.append(f'{issue.title}: no massmessage/send of {delivery_list} in its week; '
                            f'delivery estimated at {iso(moment)}')
    return result, warnings


# -- source 2: counting Translations: pages ------------------------------------

def translation_pages(
    site: pywikibot.site.APISite, issue: str, prefix: str, *, limit: int | None = None,
) -> dict[tuple[str, str], TranslationRevision | None]:
    """The current revision of every ``Translations:<issue>/<unit>/<lang>`` page.

    ``generator=allpages`` on namespace 1198 with the issue as prefix and
    ``prop=revisions`` with content: all translation pages of the issue, in
    every language, ``limit`` per request. Keys are ``(unit, lang)``; a page
    whose revision did not come back maps to None (unknown).
    """
    if NS_TRANSLATIONS not in site.namespaces:
        return {}
    size = _batch_size(site, limit)
    pages: dict[tuple[str, str], TranslationRevision | None] = {}
    for data in api.query(site, PURPOSE, generator='allpages', gapnamespace=NS_TRANSLATIONS,
                          gapprefix=f'{issue}/', gaplimit=size, prop='revisions',
                          rvprop='ids|timestamp|content', rvslots='main'):
        for page in data['query'].get('pages', []):
            parsed = coverage.parse_translation_title(page['title'], prefix=prefix)
            if parsed is None or _norm(parsed[0]) != _norm(issue):
                continue
            key = (parsed[1], parsed[2])
            revisions = page.get('revisions') or []
            if revisions:
                pages[key] = _revision(revisions[0])
            else:
                pages.setdefault(key, None)
    return pages


@dataclass
class _Walk:
    """One translation page whose revision at delivery is still sought."""

    key: Key
    unit: str
    delivery: datetime
    found: list[TranslationRevision] = field(default_factory=list)
    failed: bool = False


def _revisions_at_delivery(
    site: pywikibot.site.APISite, walks: dict[int, _Walk], size: int,
) -> tuple[list[_Walk], str | None]:
    """Follow parent revisions (by id, ``size`` per request) back to each delivery.

    ``walks`` maps the revid to read next to its walk. Returns every walk
    (resolved or failed) and an error message when a request failed.
    """
    done: list[_Walk] = []
    error = None
    for _ in range(MAX_HISTORY_ROUNDS):
        if not walks:
            break
        following: dict[int, _Walk] = {}
        try:
            for batch in _chunks(sorted(walks), size):
                seen: set[int] = set()
                for data in api.query(site, PURPOSE, prop='revisions', revids=batch,
                                      rvprop='ids|timestamp|content', rvslots='main'):
                    for page in data['query'].get('pages', []):
                        for raw in page.get('revisions') or []:
                            rev = _revision(raw)
                            walk = walks.get(rev.revid)
                            if walk is None or rev.revid in seen:
                                continue
                            seen.add(rev.revid)
                            if rev.timestamp <= walk.delivery:
                                walk.found.append(rev)
                                walk.failed = rev.fuzzy is None
                                done.append(walk)
                            elif rev.parentid:
                                following[rev.parentid] = walk
                            else:
                                done.append(walk)  # created after the delivery
                for revid in set(batch) - seen:  # deleted or suppressed revision
                    walks[revid].failed = True
                    done.append(walks[revid])
        except FetchError as exc:
            error = str(exc)
            for walk in [*walks.values(), *following.values()]:
                walk.failed = True
                done.append(walk)
            return done, error
        walks = following
    for walk in walks.values():
        walk.failed = True
        done.append(walk)
    if walks:
        error = f'more than {MAX_HISTORY_ROUNDS} revisions after delivery on some pages'
    return done, error


# -- everything together -------------------------------------------------------

def _with_display_title(
    issue: Issue, units: tuple[str, ...], stats: Mapping[Key, StatsFigure],
    pages: Mapping[tuple[str, str], TranslationRevision | None],
) -> tuple[str, ...]:
    """The units, with the page title when Translate translates it.

    Translate's total is the units of the last marking (plus the title when
    the page translates it), not those of the current text: a total one
    above the text's count also happens when a unit was removed from the
    text after marking. So the title counts as a unit only when the totals
    say so *and* some language has a translation of it
    (``Translations:<issue>/Page display title/<lang>``); otherwise the
    count stays that of the text (within the one unit of slack the two
    sources are allowed).
    """
    stats_total = max((f.total for (i, _), f in stats.items()
                       if i == issue.title and f.complete), default=None)
    translated_title = any(unit == DISPLAY_TITLE_UNIT for unit, _ in pages)
    if units and stats_total == len(units) + 1 and translated_title:
        return (*units, DISPLAY_TITLE_UNIT)
    return units


def collect_coverage(
    site: pywikibot.site.APISite,
    *,
    weeks: Sequence[tuple[int, int]],
    languages: Sequence[str],
    prefix: str = 'Tech/News',
    source_language: str = 'en',
    delivery_list: str | None = None,
    delivery_hour_utc: int = 20,
    frozen: Mapping[Key, int] | None = None,
    stats_retries: int = 3,
    stats_retry_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    limit: int | None = None,
    now: datetime | None = None,
) -> CoverageData:
    """Coverage of every existing issue of ``weeks`` in every language.

    ``weeks`` are the period's ISO ``(year, week)`` pairs
    (:func:`techroles.coverage.reporting_period` or ``period_between``);
    ``languages`` the targeted languages. The source language, if listed,
    is fully covered by definition and costs no request. ``frozen`` holds
    at-delivery figures from the history: those pairs are not recomputed
    (and their history is not read). ``limit`` overrides the multi-value
    limit (tests use it to exercise batching). ``now`` is the server time:
    an issue whose delivery time is later has no figure at delivery yet
    (incomplete, and nothing to freeze).

    Failures never turn into 0 %: a source that could not be read makes the
    figures it would have given incomplete (the other source is used where
    it is complete), and the reason is a warning. A failure of what every
    figure depends on (the features, the issue pages, the send log) raises
    :class:`FetchError` instead: without the send log, a guessed delivery
    time would give at-delivery figures that the history then freezes.
    """
    frozen = dict(frozen or {})
    langs = list(dict.fromkeys(languages))
    targets = [lang for lang in langs if lang != source_language]
    size = _batch_size(site, limit)
    out = CoverageData()

    features = wiki_features(site)
    out.has_translate, out.has_delivery_log = features.has_translate, features.has_delivery_log
    issues = existing_issues(site, prefix, weeks, limit=size)
    out.issues = [issue.title for issue in issues]
    out.deliveries, warnings = delivery_times(site, issues, delivery_list, delivery_hour_utc,
                                              has_log=features.has_delivery_log)
    out.warnings += warnings

    if features.has_translate and targets:
        out.stats, warnings = group_stats(site, issues, targets, retries=stats_retries,
                                          wait=stats_retry_wait, sleep=sleep)
        out.warnings += warnings

    # Current translation pages, and the walks towards each delivery.
    units_of: dict[str, tuple[str, ...]] = {}
    current: dict[str, dict[tuple[str, str], TranslationRevision | None]] = {}
    failed_issue: set[str] = set()
    walks: dict[int, _Walk] = {}
    for issue in issues:
        units = issue.units
        units_of[issue.title] = units
        if not issue.readable:
            out.warnings.append(f'{issue.title}: source text hidden; figures incomplete')
            failed_issue.add(issue.title)
            continue
        if not units or not targets:
            current[issue.title] = {}
            continue
        try:
            pages = translation_pages(site, issue.title, prefix, limit=size)
        except FetchError as exc:
            out.warnings.append(f'{issue.title}: cannot read its Translations: pages: {exc}')
            failed_issue.add(issue.title)
            continue
        current[issue.title] = pages
        units = units_of[issue.title] = _with_display_title(issue, units, out.stats, pages)
        delivery = out.deliveries[issue.title].time
        for (unit, lang), rev in pages.items():
            key = (issue.title, lang)
            if lang not in targets or unit not in units or key in frozen or rev is None:
                continue
            if rev.timestamp > delivery and rev.parentid:
                walks[rev.parentid] = _Walk(key, unit, delivery)

    walked, error = _revisions_at_delivery(site, walks, size) if walks else ([], None)
    if error:
        out.warnings.append(f'revisions at delivery: {error}')
    older: dict[Key, dict[str, list[TranslationRevision]]] = {}
    broken: set[Key] = set()
    for walk in walked:
        older.setdefault(walk.key, {}).setdefault(walk.unit, []).extend(walk.found)
        if walk.failed:
            broken.add(walk.key)

    for issue in issues:
        title = issue.title
        units = units_of[title]
        out.totals[title] = len(units)
        delivery = out.deliveries[title].time
        for lang in langs:
            key = (title, lang)
            if lang == source_language:
                n = len(units)
                out.figures[key] = IssueFigure(n, n, n, complete=issue.readable)
                continue
            if title in failed_issue:
                counted = CountedFigure(units, frozenset(), complete=False)
            else:
                pages = {unit: rev for (unit, code), rev in current[title].items()
                         if code == lang and unit in units}
                unknown = any(rev is None or rev.fuzzy is None for rev in pages.values())
                translated_now = frozenset(unit for unit, rev in pages.items()
                                           if rev is not None and rev.fuzzy is False)
                revisions: dict[str, list[UnitRevision]] = {}
                if key not in frozen:
                    for unit, rev in pages.items():
                        found = older.get(key, {}).get(unit, [])
                        revisions[unit] = [r.unit_revision() for r in
                                           [*found, *([rev] if rev is not None else [])]]
                if unknown or key in broken:
                    out.warnings.append(f'{title} [{lang}]: a translation revision could not '
                                        'be read; figure incomplete')
                counted = CountedFigure(
                    units, translated_now, revisions, None if key in frozen else delivery,
                    complete=not (unknown or key in broken),
                )
            out.counted[key] = counted
            stats = out.stats.get(key)
            out.figures[key] = coverage.issue_figure(stats, counted,
                                                     frozen_at_delivery=frozen.get(key), now=now)
            if stats is not None:
                warning = coverage.compare_sources(stats, counted, where=f'{title} [{lang}]')
                if warning:
                    out.warnings.append(warning)
            if key not in frozen and counted.complete and counted.delivery is not None \
                    and out.figures[key].at_delivery_complete:
                at = counted.translated_at_delivery
                if at is not None:
                    out.new_at_delivery[key] = at
    return out
