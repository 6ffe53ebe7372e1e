"""Tech News translation coverage: the pure half.

Everything here works on plain values the wiki layer (``techroles.wiki``)
fills in from the API: issue titles, the source wikitext of an issue,
``messagegroupstats`` rows, the current state and the revisions of
``Translations:`` pages, and the MassMessage send log. No network, no clock
(the caller passes ``today``/``now``), no pywikibot.

The flow for one issue and one language::

    source_units(wikitext)                      -> unit ids
    StatsFigure (messagegroupstats)             -> eventual figure, where Translate has it
    CountedFigure (Translations: pages)         -> eventual + at-delivery figure
    issue_figure(stats, counted, frozen=...)    -> IssueFigure, the input of kpi.translation_kpi
    compare_sources(stats, counted)             -> a warning when the two disagree

Times are compared in UTC; a naive ``datetime`` is taken to be UTC (that is
how MediaWiki and Pywikibot timestamps come).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, NamedTuple


__all__ = [
    'FUZZY_PREFIX',
    'LANG_CODE_RE',
    'TRANSLATIONS_NAMESPACE',
    'CountedFigure',
    'IssueFigure',
    'StatsFigure',
    'UnitRevision',
    'compare_sources',
    'delivery_time',
    'is_fuzzy',
    'iso_weeks_in_year',
    'issue_figure',
    'issue_title',
    'message_group',
    'parse_issue_title',
    'parse_translation_title',
    'period_between',
    'reporting_period',
    'source_units',
    'stats_from_rows',
    'translated_at',
    'translation_title',
    'week_monday',
]

#: Text Translate puts in an outdated unit translation (in front; found anywhere).
FUZZY_PREFIX = '!!FUZZY!!'
#: Canonical name of namespace 1198, where unit translations live.
TRANSLATIONS_NAMESPACE = 'Translations'

#: Characters a unit id can never contain (Translate's
#: ``TranslationUnit::UNIT_MARKER_INVALID_CHARS``).
_UNIT_INVALID_CHARS = frozenset('_/\n<>')
#: A language code as Translate and MediaWiki write them (``fr``, ``zh-hant``,
#: ``be-tarask``, ``sr-ec``); deliberately strict, it also guards the markup
#: the KPI page builds from codes.
LANG_CODE_RE = re.compile(r'[a-z]{2,3}(?:-[a-z0-9]{1,8})*\Z')

YearWeek = tuple[int, int]


# -- ISO weeks and issue titles ---------------------------------------------

@dataclass(frozen=True)
class Issue:
    """One existing Tech News issue and the units of its source page."""

    title: str
    year: int
    week: int
    #: Unit ids from the ``<!--T:n-->`` markers, in page order.
    units: tuple[str, ...]
    #: False when the source text could not be read (hidden revision).
    readable: bool = True


def iso_weeks_in_year(year: int) -> int:
    """52 or 53: 28 December always lies in the ISO year's last week."""
    return date(year, 12, 28).isocalendar()[1]


def week_monday(year: int, week: int) -> date:
    """The Monday of ISO week ``week`` of ISO year ``year``."""
    return date.fromisocalendar(year, week, 1)


def issue_title(prefix: str, year: int, week: int) -> str:
    """The title of a Tech News issue: ``Tech/News/2026/05`` (two-digit week).

    Refuses weeks the ISO year does not have, so a title this returns always
    names a real week.
    """
    if not 1 <= week <= iso_weeks_in_year(year):
        raise ValueError(f'ISO year {year} has no week {week}')
    return f'{prefix.rstrip("/")}/{year:04d}/{week:02d}'


def parse_issue_title(title: str, prefix: str) -> YearWeek | None:
    """``(year, week)`` when ``title`` is a Tech News issue, else None.

    Accepts the two-digit week and the unpadded one (``2024/5``); rejects
    subpages (``…/05/fr`` is a rendered translation, ``…/05/3`` a unit),
    week 0, and week 53 in years that have only 52. Underscores count as
    spaces, as in MediaWiki titles.
    """
    title = title.replace('_', ' ')
    prefix = prefix.replace('_', ' ').rstrip('/')
    head = prefix + '/'
    if not title.startswith(head):
        return None
    match = re.fullmatch(r'([0-9]{4})/([0-9]{1,2})', title[len(head):])
    if match is None:
        return None
    year, week = int(match[1]), int(match[2])
    if year < 1 or not 1 <= week <= iso_weeks_in_year(year):
        return None
    return year, week


def reporting_period(today: date, weeks: int = 13) -> list[YearWeek]:
    """The ``weeks`` complete ISO weeks before ``today``'s week, oldest first.

    The run's own week is never included: its issue may not be delivered or
    translated yet, and counting it would make the figure depend on the day
    of the week the job happens to run.
    """
    if weeks < 0:
        raise ValueError('weeks must not be negative')
    monday = today - timedelta(days=today.isoweekday() - 1)
    result = []
    for back in range(weeks, 0, -1):
        iso = (monday - timedelta(weeks=back)).isocalendar()
        result.append((iso[0], iso[1]))
    return result


def period_between(start: date, end: date) -> list[YearWeek]:
    """Whole ISO weeks whose Monday lies in ``start``..``end`` (inclusive)."""
    if start > end:
        raise ValueError(f'start {start} is after end {end}')
    monday = start + timedelta(days=(7 - start.weekday()) % 7)
    result = []
    while monday <= end:
        iso = monday.isocalendar()
        result.append((iso[0], iso[1]))
        monday += timedelta(weeks=1)
    return result


# -- Units of a source page ------------------------------------------------

_NOWIKI_RE = re.compile(r'<nowiki>.*?</nowiki>', re.S)
_TRANSLATE_RE = re.compile(r'<translate(?: nowrap)?>(.*?)</translate>', re.S)
_UNIT_SPLIT_RE = re.compile(r'\s*\n\n\s*')
_MARKER_RE = re.compile(r'<!--T:(.*?)-->')


def _valid_unit_id(unit: str) -> bool:
    return bool(unit) and not unit.startswith('-') and not (_UNIT_INVALID_CHARS & set(unit))


def source_units(wikitext: str) -> list[str]:
    """The unit ids of an issue's source page, in page order, each once.

    A unit is a ``<!--T:n-->`` marker inside ``<translate>…</translate>``,
    whether it ends a heading line (``== Topic == <!--T:1-->``) or stands on
    its own line or opens an inline unit. Negative ids (``<!--T:-1-->``) are
    units Translate has not saved yet, and markers outside ``<translate>``
    are not units.

    This mirrors Translate's own text-level algorithm
    (``TranslatablePageParser``) instead of using mwparserfromhell: Translate
    decides what a unit is, and it does not parse wikitext structure: it
    hides ``<nowiki>`` spans, pairs ``<translate>``/``</translate>``
    non-greedily, splits the content on blank lines and takes the marker of
    each part. A wikitext parser sees other things (a ``<translate>`` that
    spans a template or a table cell, the deprecated ``<tvar|1>…</>``) and
    could disagree with Translate. Variables of both syntaxes are just text
    here. Where Translate would refuse the page (two markers in one part),
    every valid id is kept: the message group still has the units of the last
    marked version, and the ids are the best estimate of them.
    """
    armoured: dict[str, str] = {}

    def armour(match: re.Match[str]) -> str:
        key = f'\x7fNOWIKI{len(armoured)}\x7f'
        armoured[key] = match[0]
        return key

    text = _NOWIKI_RE.sub(armour, wikitext)
    units: dict[str, None] = {}
    for block in _TRANSLATE_RE.finditer(text):
        content = block[1]
        for key, value in armoured.items():
            content = content.replace(key, value)
        for part in _UNIT_SPLIT_RE.split(content):
            for unit in _MARKER_RE.findall(part):
                if _valid_unit_id(unit):
                    units.setdefault(unit, None)
    return list(units)


def message_group(issue: str) -> str:
    """Translate's message group id of a translatable page."""
    return f'page-{issue}'


def translation_title(issue: str, unit: str, lang: str) -> str:
    """``Translations:<issue>/<unit>/<lang>``: one unit translation page."""
    return f'{TRANSLATIONS_NAMESPACE}:{issue}/{unit}/{lang}'


def parse_translation_title(
    title: str, *, prefix: str | None = None, namespace: str = TRANSLATIONS_NAMESPACE,
) -> tuple[str, str, str] | None:
    """``(issue, unit, lang)`` of a unit translation title, else None.

    With ``prefix``, the issue part must also be a Tech News issue title,
    so ``Translations:Other/page/1/fr`` is rejected. ``Page display title``
    is a valid unit.
    """
    title = title.replace('_', ' ')
    head = namespace.replace('_', ' ') + ':'
    if not title.startswith(head):
        return None
    parts = title[len(head):].rsplit('/', 2)
    if len(parts) != 3:
        return None
    issue, unit, lang = parts
    if not issue or not _valid_unit_id(unit.replace(' ', '')) or not LANG_CODE_RE.match(lang):
        return None
    if prefix is not None and parse_issue_title(issue, prefix) is None:
        return None
    return issue, unit, lang


def is_fuzzy(text: str) -> bool:
    """True when a unit translation is outdated: ``!!FUZZY!!`` anywhere in it.

    Translate's own test (``MessageHandle::hasFuzzyString``,
    src/MessageLoading/MessageHandle.php line 212 at 196526a8) is
    ``str_contains``, not a prefix check. Translate also marks a translation
    fuzzy with a revision tag that no text shows (a validation failure, an
    edit by someone without the ``unfuzzy`` right): where Translate exists its
    statistics are the reference for the current figure; the figure at
    delivery can only see the marker in the text.
    """
    return FUZZY_PREFIX in text


# -- Delivery --------------------------------------------------------------

def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def delivery_time(
    issue_year: int, week: int, send_log: Iterable[datetime], hour_utc: int = 20,
) -> tuple[datetime, bool]:
    """When an issue was delivered, and whether that time is estimated.

    ``send_log`` holds the timestamps of the ``massmessage/send`` log
    entries for the delivery list. The earliest one within the issue's ISO
    week (Monday 00:00 UTC up to the next Monday) is the delivery; without
    one (no such log on the wiki, or a week without a send) the delivery is
    taken to be Monday of that week at ``hour_utc``, and flagged estimated.
    """
    if not 0 <= hour_utc <= 23:
        raise ValueError(f'hour_utc must be 0..23, not {hour_utc}')
    start = datetime.combine(week_monday(issue_year, week), time(0), tzinfo=timezone.utc)
    end = start + timedelta(weeks=1)
    sends = [moment for moment in map(_utc, send_log) if start <= moment < end]
    if sends:
        return min(sends), False
    return start + timedelta(hours=hour_utc), True


# -- Figures ---------------------------------------------------------------

@dataclass(frozen=True)
class StatsFigure:
    """One ``meta=messagegroupstats`` row (one issue, one language).

    ``translated`` already excludes ``fuzzy``. ``complete`` is False when
    the statistics were still being rebuilt (the API stopped with an
    ``mgsoffset`` and retries did not help): such a figure is never read as
    0 %.
    """

    translated: int
    total: int
    fuzzy: int = 0
    complete: bool = True
    #: The response was complete but had no row for this language (a code
    #: Translate does not know): the figure is undetermined, never 0 %.
    absent: bool = False

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> StatsFigure:
        """Read one API row (formatversion 1 or 2: the counts are numbers)."""
        return cls(translated=int(row['translated']), total=int(row['total']),
                   fuzzy=int(row.get('fuzzy', 0)))


def stats_from_rows(
    rows: Iterable[Mapping[str, Any]], languages: Iterable[str], *, complete: bool,
) -> dict[str, StatsFigure]:
    """One StatsFigure per wanted language from ``messagegroupstats`` rows.

    ``complete`` says whether the response came back without a pending
    ``mgsoffset``. Translate answers a row for every language it knows (the
    bot never asks ``mgssuppressempty``), so a language without a row in a
    complete response is one it does not know: ``absent``, undetermined and
    worth a warning, not 0 %. In an incomplete response the row may simply
    not be computed yet: incomplete.
    """
    by_lang = {str(row.get('language') or row.get('code')): StatsFigure.from_row(row)
               for row in rows}
    total = max((figure.total for figure in by_lang.values()), default=0)
    result = {}
    for lang in languages:
        if lang in by_lang:
            result[lang] = by_lang[lang]
        else:
            result[lang] = StatsFigure(0, total, 0, complete=False,
                                       absent=complete and bool(by_lang))
    return result


class UnitRevision(NamedTuple):
    """One revision of a ``Translations:`` page: when, and whether fuzzy.

    A plain ``(timestamp, is_fuzzy)`` tuple works too; ``revid`` only breaks
    ties between revisions saved in the same second.
    """

    timestamp: datetime
    fuzzy: bool
    revid: int = 0


def translated_at(
    units_revisions: Mapping[str, Iterable[tuple[Any, ...]]], delivery: datetime,
) -> frozenset[str]:
    """The units whose translation was current and not fuzzy at ``delivery``.

    For each unit the revision current at ``delivery`` (the latest one at or
    before it) decides: a translation saved after delivery does not count,
    and neither does one that was fuzzy at that moment, even if it was
    fixed later. The revisions must include, per unit, that latest revision
    before delivery; older ones may be left out.
    """
    cut = _utc(delivery)
    result = set()
    for unit, revisions in units_revisions.items():
        current: tuple[datetime, int, bool] | None = None
        for revision in revisions:
            rev = UnitRevision(*revision)
            moment = _utc(rev.timestamp)
            if moment <= cut and (current is None or (moment, rev.revid) >= current[:2]):
                current = (moment, rev.revid, rev.fuzzy)
        if current is not None and not current[2]:
            result.add(unit)
    return frozenset(result)


@dataclass(frozen=True)
class CountedFigure:
    """One issue in one language, counted from ``Translations:`` pages.

    ``units`` are the source units (:func:`source_units`, plus ``Page display
    title`` where the page translates its title); ``translated_now`` the
    units whose translation page exists and is not fuzzy; ``revisions`` the
    revisions per unit around ``delivery`` (see :func:`translated_at`).
    Units that are no longer in the source do not count.
    """

    units: tuple[str, ...]
    translated_now: frozenset[str]
    revisions: Mapping[str, Sequence[tuple[Any, ...]]] = field(default_factory=dict)
    delivery: datetime | None = None
    complete: bool = True

    @property
    def total(self) -> int:
        """Number of units in the source."""
        return len(set(self.units))

    @property
    def translated(self) -> int:
        """Units translated (not fuzzy) now."""
        return len(set(self.units) & self.translated_now)

    @property
    def translated_at_delivery(self) -> int | None:
        """Units translated at delivery; None when no delivery time is known."""
        if self.delivery is None:
            return None
        return len(set(self.units) & translated_at(self.revisions, self.delivery))


@dataclass(frozen=True)
class IssueFigure:
    """Coverage of one issue in one language: the input of the KPI.

    ``complete`` is False when the current figure could not be established,
    ``complete_at_delivery`` the same for the figure at delivery; the KPI
    then treats the issue as neither meeting nor failing for that figure,
    whatever the (partial) numbers say.
    """

    translated: int
    translated_at_delivery: int
    total: int
    complete: bool = True
    #: Whether the figure at delivery is established; None: as ``complete``.
    #: Apart because one unreadable old revision must not withhold a current
    #: figure that Translate's statistics gave in full.
    complete_at_delivery: bool | None = None

    @property
    def at_delivery_complete(self) -> bool:
        """Whether the figure at delivery can be counted."""
        return self.complete if self.complete_at_delivery is None else self.complete_at_delivery

    def __post_init__(self) -> None:
        # A count that cannot be is a bug upstream: refuse it rather than publish it.
        counts = (self.translated, self.translated_at_delivery, self.total)
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in counts):
            raise ValueError(f'counts must be non-negative integers: {self!r}')
        if max(self.translated, self.translated_at_delivery) > self.total:
            raise ValueError(f'more units translated than the issue has: {self!r}')


def issue_figure(
    stats: StatsFigure | None,
    counted: CountedFigure | None,
    *,
    frozen_at_delivery: int | None = None,
    now: datetime | None = None,
) -> IssueFigure:
    """Combine the two sources into the figure the KPI uses.

    Eventual coverage comes from ``messagegroupstats`` when it is complete
    (it is what Translate itself shows, fuzzy tags included), else from
    counting; a language Translate's complete answer lacks (``absent``) is
    undetermined whatever counting says. The figure at delivery comes from
    the history when it was frozen there earlier, else from counting; it is
    never larger than the total, and it is incomplete while the delivery
    time is later than ``now`` (the server time): nothing is delivered yet.
    Each figure has its own completeness.
    """
    if stats is not None and stats.complete:
        translated, total, complete = stats.translated, stats.total, True
    elif counted is not None and counted.complete and not (stats is not None and stats.absent):
        translated, total, complete = counted.translated, counted.total, True
    else:
        best = stats if stats is not None else counted
        translated = best.translated if best is not None else 0
        total = best.total if best is not None else 0
        complete = False
    if frozen_at_delivery is not None:
        at_delivery: int | None = frozen_at_delivery
    elif counted is not None and counted.complete and not (
            now is not None and counted.delivery is not None
            and _utc(counted.delivery) > _utc(now)):
        at_delivery = counted.translated_at_delivery
    else:
        at_delivery = None
    at_complete = at_delivery is not None
    return IssueFigure(translated=translated,
                       translated_at_delivery=min(at_delivery or 0, total),
                       total=total, complete=complete,
                       complete_at_delivery=None if at_complete == complete else at_complete)


def compare_sources(
    stats: StatsFigure, counted: CountedFigure, *, where: str = '',
) -> str | None:
    """A one-line warning when the two sources differ by more than one unit.

    One unit of slack is normal: ``messagegroupstats`` counts the page
    display title, which is no ``<!--T:n-->`` marker. Incomplete figures are
    not compared.
    """
    if not (stats.complete and counted.complete):
        return None
    if abs(stats.translated - counted.translated) <= 1 and abs(stats.total - counted.total) <= 1:
        return None
    head = f'{where}: ' if where else ''
    return (f'{head}messagegroupstats says {stats.translated}/{stats.total} translated, '
            f'counting the Translations: pages gives {counted.translated}/{counted.total}')
