"""The bot's configuration schema: every key, its type, default and meaning.

Pure. :data:`SCHEMA` is built with the general framework of
:mod:`techroles.schema` and is the single definition of every key:
:mod:`techroles.config` validates against it and prints it as the reference
(``docs/configuration.md``). The validated values are the frozen dataclasses
below. Pages the bot owns default to the bot's own user space: their titles
hold :data:`BOT` until :func:`techroles.config.resolve_defaults` puts in the
logged-in account's name.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, Literal

from techroles.i18n import LABEL_PARAMS
from techroles.names import parse_user_title
from techroles.policy import MAX_DAYS, SIGNALS, Thresholds
from techroles.schema import (
    INVALID,
    Bool,
    Choice,
    Context,
    Int,
    IsoDate,
    Key,
    ListOf,
    MapOf,
    Nullable,
    Number,
    Obj,
    Spec,
    Str,
    key_path,
    reject_unknown,
)


__all__ = [
    'BOT', 'HINTS', 'KEYS', 'SCHEMA', 'TECH_NEWS', 'WIKI_OVERRIDABLE', 'Config', 'KpiThresholds',
    'PageRef', 'PendingPage', 'TableSpec', 'TechNewsConfig',
]

# ---------------------------------------------------------------------------
# The validated configuration
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRef:
    """A page on a wiki: Pywikibot's ``family:code`` and the page title."""

    site: str
    title: str

    def __str__(self) -> str:
        return f'{self.site}:{self.title}'


@dataclass(frozen=True)
class TableSpec:
    """One configured sign-up page (``tables[n]``)."""

    site: str
    page: str
    kind: Literal['ambassadors', 'translators']
    #: Content language of the page's labels, when not the wiki's.
    lang: str | None = None
    #: Add a status column to tables that have none.
    add_status_column: bool = False

    @property
    def ref(self) -> PageRef:
        return PageRef(self.site, self.page)


@dataclass(frozen=True)
class TechNewsConfig:
    """Which Tech News issues the KPI counts, and when they were sent.

    Either ``weeks`` (the last N complete ISO weeks) or ``start``/``end``
    (whole ISO weeks whose Monday lies in the range) is set, never both.
    """

    prefix: str = 'Tech/News'
    weeks: int | None = 13
    start: date | None = None
    end: date | None = None
    delivery_hour_utc: int = 20
    source_language: str = 'en'


@dataclass(frozen=True)
class KpiThresholds:
    """KPI thresholds as exact fractions, so that ``>=`` is exact."""

    content: Fraction = Fraction(3, 4)
    issues: Fraction = Fraction(3, 4)
    languages: Fraction = Fraction(1)


@dataclass(frozen=True)
class Config:
    """The validated configuration of one run. See :data:`SCHEMA` for each key."""

    tables: tuple[TableSpec, ...]
    active_days: int = 90
    slipping_days: int = 60
    grace_days: int = 30
    required_signals: tuple[str, ...] = ()
    max_flip_share: float = 0.2
    max_changes_per_edit: int | None = None
    respect_human_days: int = 30
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    language: str | None = None
    summary_hashtag: str | None = '#techroles'
    column_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    user_templates: tuple[str, ...] = ()
    proactive_pages: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    targeted_languages: tuple[str, ...] | None = None
    target_wikis: tuple[str, ...] = ()
    tech_news: TechNewsConfig = TechNewsConfig()
    thresholds: KpiThresholds = KpiThresholds()
    shutoff_page: PageRef | None = None
    kpi_shutoff_page: PageRef | None = None
    status_page: PageRef | None = None
    evidence_page: PageRef | None = None
    explanation_page: PageRef | None = None
    feedback_page: PageRef | None = None
    kpi_page: PageRef | None = None
    history_page: PageRef | None = None
    history_tab_page: PageRef | None = None
    delivery_list: PageRef | None = None
    wiki_config_page: PageRef | None = None
    operators: tuple[str, ...] = ()
    state_store: str = 'techroles-state.sqlite'
    concurrency: int = 3
    edit_conflict_retries: int = 3
    messagegroupstats_retries: int = 3
    messagegroupstats_retry_wait: int = 10

    @property
    def policy_thresholds(self) -> Thresholds:
        """The day counts as :func:`techroles.policy.decide` takes them."""
        return Thresholds(active_days=self.active_days, slipping_days=self.slipping_days,
                          grace_days=self.grace_days)

    def shutoff_pages(self, job: str) -> tuple[PageRef, ...]:
        """The pages whose content stops ``job`` (``update``, ``kpi``, ``explain``)."""
        pages = [self.shutoff_page]
        if job == 'kpi':
            pages.append(self.kpi_shutoff_page)
        return tuple(page for page in pages if page is not None)

    def as_dict(self) -> dict[str, Any]:
        """The configuration as JSON-ready data (for reports and the status page)."""
        return {key.name: _jsonable(getattr(self, key.name)) for key in SCHEMA}


def _jsonable(value: Any) -> Any:
    if isinstance(value, PageRef):
        return {'site': value.site, 'page': value.title}
    if isinstance(value, TableSpec):
        return {'site': value.site, 'page': value.page, 'kind': value.kind,
                'lang': value.lang, 'add_status_column': value.add_status_column}
    if isinstance(value, (TechNewsConfig, KpiThresholds)):
        return {name: _jsonable(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value
# Page references -----------------------------------------------------------

_SITE = Str(pattern=r'[A-Za-z0-9_-]+:[A-Za-z0-9_-]+',
            what="Pywikibot's family:code, e.g. \"meta:meta\" or \"wikipedia:fr\"")
_TITLE_FORBIDDEN = '#<>[]{}|'
_TITLE = Str(max_len=255, forbidden=_TITLE_FORBIDDEN, type_label='page title')

#: Placeholder for the logged-in bot's user name in page titles (see :func:`resolve_defaults`).
BOT = '{bot}'


def _title(value: Any, path: str, ctx: Context) -> str:
    """A page title; ``{bot}`` is allowed and stands for the bot's user name."""
    if isinstance(value, str) and BOT in value:
        _TITLE.check(value.replace(BOT, 'Bot'), path, ctx)
        return value
    return _TITLE.check(value, path, ctx)


@dataclass(frozen=True)
class PendingPage:
    """A page reference whose site may still be the first table's."""

    site: str | None
    title: str


@dataclass(frozen=True)
class Page(Spec):
    """``{"site": "family:code", "page": "Title"}`` or a bare title on the first table's site."""

    must_end: str = ''
    must_start: str = ''
    #: Refuse pages only their owner can edit (a shutoff page must stay open).
    community_editable: bool = False

    def check(self, value: Any, path: str, ctx: Context) -> PendingPage:
        if isinstance(value, str):
            site, title = None, _title(value, path, ctx)
        elif isinstance(value, Mapping):
            if not reject_unknown(value, (Key('site', _SITE, None, ''),
                                          Key('page', _TITLE, None, '')), path, ctx):
                return INVALID
            if 'page' not in value:
                raise ctx.fail(key_path(path, 'page'), 'is required')
            title = _title(value['page'], key_path(path, 'page'), ctx)
            site = (None if 'site' not in value
                    else _SITE.check(value['site'], key_path(path, 'site'), ctx))
        else:
            raise ctx.fail(path, 'must be a page title or {"site": …, "page": …}', value)
        if self.community_editable:
            owner = parse_user_title(title.replace(BOT, 'Bot'))
            if owner and owner[1] == 'user' and '/' in title and title.lower().endswith(
                    ('.json', '.css', '.js')):
                raise ctx.fail(path, 'must be a page the community can edit; only its owner can '
                                     'edit a .json, .css or .js user subpage', value)
        if self.must_start and not title.startswith(self.must_start):
            raise ctx.fail(path, f'must be a page whose title starts with {self.must_start!r}',
                           value)
        if self.must_end and not title.endswith(self.must_end):
            raise ctx.fail(path, f'must be a page whose title ends with {self.must_end!r}',
                           value)
        return PendingPage(site, title)

    def type_name(self) -> str:
        return 'page'

    def range_text(self) -> str:
        parts = ['title, or {"site", "page"}']
        if self.must_start:
            parts.append(f'title starts with "{self.must_start}"')
        if self.must_end:
            parts.append(f'title ends with "{self.must_end}"')
        return '; '.join(parts)


# Plain-text labels ----------------------------------------------------------

_MARKUP = re.compile(r"\[|\]|\{|\}|<|>|\||~~~|''|__|://|&[#A-Za-z0-9]+;")


@dataclass(frozen=True)
class _Label(Spec):
    """A label text: plain text, no wiki markup (the renderer escapes anyway)."""

    def check(self, value: Any, path: str, ctx: Context) -> str:
        text = Str(max_len=120).check(value, path, ctx)
        found = _MARKUP.search(text)
        if found:
            raise ctx.fail(path, f'must be plain text without wiki markup '
                                 f'({found.group(0)!r} found)', value)
        return text

    def type_name(self) -> str:
        return 'plain text'

    def range_text(self) -> str:
        return 'no wiki markup ([ ] { } < > | ~~~ \'\' __ :// &…;); at most 120 characters'


@dataclass(frozen=True)
class _LabelMap(MapOf):
    """One language's labels: ``$n`` only as far as each label takes parameters."""

    def check(self, value: Any, path: str, ctx: Context) -> Mapping[str, Any]:
        labels = super().check(value, path, ctx)
        if labels is INVALID:
            return labels
        for label, text in labels.items():
            allowed = LABEL_PARAMS[label]
            for number in re.findall(r'\$(\d+)', text):
                if not 1 <= int(number) <= allowed:
                    takes = 'takes only $1' if allowed else 'takes no parameter'
                    raise ctx.fail(key_path(path, label),
                                   f'${number} is not available (this label {takes})', text)
        return labels


# ---------------------------------------------------------------------------
# The schema
# ---------------------------------------------------------------------------

_LANG = Str(pattern=r'[a-z]{2,3}(-[a-z0-9]{1,8})*', what='a language code, e.g. "fr", "zh-hans"',
            max_len=35, type_label='language code')
_DBNAME = Str(pattern=r'[a-z][a-z0-9_]*', what='a database name, e.g. "frwiki"', max_len=64,
              type_label='database name')
_USER = Str(max_len=85, forbidden='#<>[]{}|/@:', type_label='user name')


def _days(name: str, default: int, doc: str, lo: int = 1) -> Key:
    return Key(name, Int(lo, MAX_DAYS, 'days'), default, doc)


def _check_tables(checked: tuple[TableSpec, ...], raw: list[Any], path: str,
                  ctx: Context) -> None:
    for i, table in enumerate(checked):
        for j in range(i):
            if checked[j].ref == table.ref:
                raise ctx.fail(f'{path}[{i}]', f'names the same page as {path}[{j}]', raw[i])


@dataclass(frozen=True)
class _Tables(ListOf):
    def check(self, value: Any, path: str, ctx: Context) -> tuple[Any, ...]:
        items = super().check(value, path, ctx)
        if items is not INVALID:
            _check_tables(items, value, path, ctx)
        return items


_TABLE = Obj(
    keys=(
        Key('site', _SITE, None, "Pywikibot's `family:code` of the wiki holding the page.",
            required=True),
        Key('page', _TITLE, None, 'Title of the sign-up page.', required=True),
        Key('kind', Choice(('ambassadors', 'translators')), None,
            'Which sign-up table it is: tech ambassadors (a wiki column) or tech translators '
            '(a language column).', required=True),
        Key('lang', Nullable(_LANG, "the wiki's content language"), None,
            'Language of the labels written on this page, when it differs from the '
            "wiki's content language (e.g. a French page on Meta)."),
        Key('add_status_column', Bool(), False,
            'Add a status column to tables on this page that have none.'),
    ),
    build=TableSpec,
)


def _check_tech_news(checked: dict[str, Any], raw: Mapping[str, Any], path: str,
                     ctx: Context) -> None:
    # An explicit null counts as not given (as Config.as_dict() writes it).
    has_range = raw.get('start') is not None or raw.get('end') is not None
    if has_range:
        for name in ('start', 'end'):
            if raw.get(name) is None:
                raise ctx.fail(key_path(path, name),
                               'is required when start or end is given', raw.get(name))
        if raw.get('weeks') is not None:
            raise ctx.fail(key_path(path, 'weeks'),
                           'must not be given together with start and end', raw['weeks'])
        if checked['start'] > checked['end']:
            raise ctx.fail(key_path(path, 'end'), 'must not be before start', raw['end'])
        checked['weeks'] = None
    elif checked['weeks'] is None:
        raise ctx.fail(key_path(path, 'weeks'), 'is required unless start and end are given',
                       None)


TECH_NEWS = Obj(
    keys=(
        Key('prefix', _TITLE, 'Tech/News',
            'Title prefix of the issues: an issue is `<prefix>/<YYYY>/<WW>`.'),
        Key('weeks', Nullable(Int(1, 520, 'weeks')), 13,
            'Report on the last N complete ISO weeks before the run\'s week.'),
        Key('start', Nullable(IsoDate()), None,
            'With `end`, instead of `weeks`: the ISO weeks whose Monday lies in the range.'),
        Key('end', Nullable(IsoDate()), None, 'End of the range started by `start`.'),
        Key('delivery_hour_utc', Int(0, 23, 'hour'), 20,
            'Estimated delivery time (hour, UTC, on the Monday of the issue\'s week) where the '
            'wiki has no MassMessage log.'),
        Key('source_language', _LANG, 'en',
            'Language the issues are written in; never a targeted language.'),
    ),
    build=TechNewsConfig,
    post=_check_tech_news,
)

_FRACTION = Number(0, 1, lo_open=True, exact=True)
_KPI_THRESHOLDS = Obj(
    keys=(
        Key('content', _FRACTION, 0.75,
            'Share of an issue\'s units translated for the issue to count in a language.'),
        Key('issues', _FRACTION, 0.75,
            'Share of the period\'s issues meeting `content` for a language to meet the KPI.'),
        Key('languages', _FRACTION, 1.0, 'Share of targeted languages meeting the KPI (goal).'),
    ),
    build=KpiThresholds,
)

_BOT = f'User:{BOT}'

#: Every configuration key, in documentation order.
SCHEMA: tuple[Key, ...] = (
    Key('tables', _Tables(_TABLE, min_len=1, max_len=100), None,
        'The sign-up pages to maintain. See the `tables[]` keys below.', required=True),
    _days('active_days', 90,
          'Latest activity at most this many days old counts as active (`active` or '
          '`slipping`); older is `inactive`.'),
    _days('slipping_days', 60,
          'Latest activity older than this is `slipping` (still active; the label shows the '
          'date). Must be less than `active_days`.'),
    _days('grace_days', 30,
          'A person whose name was not yet in the table this many days ago is `new` instead '
          'of `inactive`.'),
    Key('required_signals', ListOf(Choice(SIGNALS)), [],
        'Role signals a person must show (within `active_days`) to be `active`/`slipping`; '
        'without one they are `inactive` (or `new`). Default: signals are evidence only. '
        'Setting it costs one more batched round per wiki (the latest edit of everyone with '
        'edits there but none in the window, so that an answer that lost rows cannot pass '
        'for "no signal").'),
    Key('max_flip_share', Number(0, 1), 0.2,
        'Sanity brake: a table is not saved when more than max(this share × people, 3) people '
        'would flip from active/slipping to inactive/missing at once.', wiki=False),
    Key('max_changes_per_edit', Nullable(Int(1, 100000, 'cells'), 'no ceiling'), None,
        'Ceiling on status cells changed by one edit, on top of the brake; further changes '
        'wait for the next run.', wiki=False),
    _days('respect_human_days', 30,
          'A bot span changed by someone else is left alone this many days, unless the '
          "person's status changes again (0: never).", lo=0),
    Key('labels', MapOf(_LANG, _LabelMap(Choice(tuple(LABEL_PARAMS)), _Label())), {},
        'Per-language label overrides, e.g. `{"en": {"inactive": "No activity seen since '
        '$1"}}`. Label keys: ' + ', '.join(f'`{k}`' for k in LABEL_PARAMS) + '; `$1` is the '
        'date (`slipping`, `inactive`, `new`), the new name (`renamed`) or the signals not '
        'seen (`inactive-signals`).'),
    Key('language', Nullable(_LANG, "each wiki's content language"), None,
        'Language of the pages the bot writes (status, evidence, explanation, KPI pages) and '
        'of its edit summaries.'),
    Key('summary_hashtag', Nullable(Str(pattern=r'#[^\s#\[\]{}|<>]{1,50}',
                                        what='a hashtag such as "#techroles"'), 'no hashtag'),
        '#techroles', 'Hashtag appended to every edit summary.'),
    Key('column_aliases', MapOf(Choice(('wiki', 'user', 'language', 'status')),
                                ListOf(Str(max_len=100), min_len=1)), {},
        'Extra header texts that name a column role, e.g. `{"user": ["Ambassadeur"]}`.'),
    Key('user_templates', ListOf(Str(max_len=255, forbidden=_TITLE_FORBIDDEN,
                                     type_label='template name')), [],
        'Extra templates whose first parameter is a user name (besides `u`, `user`, …).'),
    Key('proactive_pages', MapOf(_DBNAME, ListOf(_TITLE, min_len=1)), {},
        'Per wiki, extra pages where edits count as community technical discussion '
        '(proactive), besides the delivery-list targets.'),
    Key('targeted_languages', Nullable(ListOf(_LANG), 'every language of the translator table'),
        None, 'Languages the translation KPI counts (the source language is always excluded).'),
    Key('target_wikis', ListOf(_DBNAME), [],
        'Wikis that should have an active tech ambassador, besides those in the table.'),
    Key('tech_news', TECH_NEWS, {}, 'The Tech News issues of the KPI. See `tech_news.*`.'),
    Key('thresholds', _KPI_THRESHOLDS, {},
        'Translation KPI thresholds, met at ≥ and compared exactly. See `thresholds.*`.'),
    Key('shutoff_page', Page(community_editable=True), f'{_BOT}/shutoff',
        'Any content on this page stops every job (exit 3); checked before every save. It must '
        'stay editable by autoconfirmed users: a `.json`/`.css`/`.js` user subpage is refused, '
        'and so is a page protected above autoconfirmed.', wiki=False),
    Key('kpi_shutoff_page', Nullable(Page(community_editable=True), 'only `shutoff_page`'),
        None, 'Any content on this page stops the `kpi` job alone (the KPI page and history), '
        'so the KPI can be paused while the tables are kept up to date. Same rules as '
        '`shutoff_page`.', wiki=False),
    Key('status_page', Page(), f'{_BOT}/status',
        'Page the bot updates after each run: heartbeat, changes, warnings.'),
    Key('evidence_page', Page(), f'{_BOT}/evidence',
        'Page listing what was checked and found for everyone not `active`.'),
    Key('explanation_page', Page(), f'{_BOT}/explanation',
        'Generated page explaining the rule and the labels; linked from edit summaries.'),
    Key('feedback_page', Page(), f'User talk:{BOT}',
        'Where people report a wrong status (linked from the explanation page).'),
    Key('kpi_page', Page(), f'{_BOT}/KPI',
        'The KPI summary page (the bot writes only between its markers).'),
    Key('history_page', Page(must_end='.json'), f'{_BOT}/KPI history.json',
        'JSON content-model page holding one KPI record per UTC date (its title ends with '
        '`.json`, which gives it the JSON content model).'),
    Key('history_tab_page', Nullable(Page(must_start='Data:', must_end='.tab'), 'not written'),
        None, 'Optional Commons-style tabular-data page (`Data:….tab`) with the same series.'),
    Key('delivery_list', Page(), 'Global message delivery/Targets/Tech ambassadors',
        'The Tech News delivery list: its community targets define "proactive", and its '
        'MassMessage log gives delivery times.'),
    Key('wiki_config_page', Nullable(Page(), 'no on-wiki configuration'), None,
        'On-wiki JSON configuration page; accepted only as a `.json` page in the bot\'s or an '
        "operator's user space, or with `sysop` edit protection.", wiki=False),
    Key('operators', ListOf(_USER, max_len=20), [],
        'User names of the bot\'s operators (their user space may hold the on-wiki '
        'configuration).', wiki=False),
    Key('state_store', Str(max_len=4096, type_label='path'), 'techroles-state.sqlite',
        'SQLite state file, relative to the Pywikibot configuration directory.', wiki=False),
    Key('concurrency', Int(1, 16, 'wikis'), 3,
        'How many wikis are read at the same time.', wiki=False),
    Key('edit_conflict_retries', Int(0, 10, 'retries'), 3,
        'Re-read and re-apply after an edit conflict at most this many times.', wiki=False),
    Key('messagegroupstats_retries', Int(0, 10, 'retries'), 3,
        'Retries while Translate rebuilds incomplete statistics.', wiki=False),
    Key('messagegroupstats_retry_wait', Int(0, 600, 'seconds'), 10,
        'Seconds to wait between those retries.', wiki=False),
)

KEYS = {key.name: key for key in SCHEMA}

#: Keys the on-wiki configuration page may set. Not: what protects the run
#: (shutoff page, brake, ceilings), what decides which page configures the
#: bot and who may (wiki_config_page, operators), and operational settings of
#: the machine running it (state file, concurrency, retries).
WIKI_OVERRIDABLE: frozenset[str] = frozenset(key.name for key in SCHEMA if key.wiki)

HINTS = {
    'limit': '--limit is a command-line option, not a configuration key',
    'simulate': '-simulate is a Pywikibot command-line option, not a configuration key',
}
