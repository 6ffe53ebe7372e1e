"""Read phase: every configured sign-up page, read once and parsed.

Everyone in a readable row is *listed*, whether or not the bot will write
their status cell there (a row whose wiki is unknown or closed, a status cell
inside ``<translate>``): the KPI counts them and their status is decided like
anyone else's, over the wikis of theirs that are known. Only the rows the bot
may write are kept in :attr:`PageWork.rows`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import pywikibot

from techroles import config as tr_config
from techroles import table
from techroles.model import Row, SignupTable
from techroles.wiki import pages
from techroles.wiki.context import RunContext
from techroles.wiki.pages import PageSnapshot, place, site_key
from techroles.wiki.sites import site_from_key


@dataclass
class PageWork:
    """One configured sign-up page through one run."""

    spec: tr_config.TableSpec
    site: pywikibot.site.APISite
    snap: PageSnapshot
    #: Content language of the page (parsing) and language of the labels.
    lang: str
    label_lang: str
    tables: list[SignupTable] = field(default_factory=list)
    #: person -> rows (table index, Row) where the bot may write the person's status.
    rows: dict[str, list[tuple[int, Row]]] = field(default_factory=dict)
    #: person -> every readable row listing them (written or not).
    listed: dict[str, list[tuple[int, Row]]] = field(default_factory=dict)
    #: The status the bot wrote earlier for each person (their first span).
    previous: dict[str, str | None] = field(default_factory=dict)
    #: People whose human-corrected span is kept, and until when.
    held: dict[str, date] = field(default_factory=dict)
    #: (table index, row line) -> why that row's status cell is not written.
    skip_rows: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def place(self) -> str:
        return place(self.site, self.spec.page)

    @property
    def key(self) -> str:
        return site_key(self.site)

    def own_tables(self) -> list[SignupTable]:
        """The page's tables of the configured kind, and unreadable ones (maybe of it)."""
        return [t for t in self.tables if t.kind == self.spec.kind or unreadable(t)]


def parse_options(cfg: tr_config.Config) -> dict:
    """The table engine's options from the configuration."""
    options = {}
    if cfg.column_aliases:
        options['aliases'] = cfg.column_aliases
    if cfg.user_templates:
        options['user_templates'] = cfg.user_templates
    return options


def read_pages(ctx: RunContext) -> list[PageWork]:
    """Every configured page that exists, parsed; problems reported once."""
    works = []
    for spec in ctx.cfg.tables:
        site = site_from_key(spec.site)
        snap = pages.read(site, spec.page)
        lang = spec.lang or site.lang
        work = PageWork(spec, site, snap, lang, ctx.cfg.language or lang)
        if not snap.exists:
            ctx.problem(work.place, 'the page does not exist')
            work.tables = []
        else:
            parse(ctx, work, report=True)
        works.append(work)
    return works


def parse(ctx: RunContext, work: PageWork, *, report: bool = False) -> None:
    """Parse ``work.snap.text``: who is listed, and where the bot may write."""
    work.tables = table.parse_page(work.snap.text, work.lang, **parse_options(ctx.cfg))
    rows: dict[str, list] = defaultdict(list)
    listed: dict[str, list] = defaultdict(list)
    work.skip_rows = {}
    for tbl in work.own_tables():
        if report:
            _report_table(ctx, work, tbl)
        if tbl.broken:
            continue
        for row in tbl.rows:
            if report:
                ctx.manual += [(user, work.spec.page)
                               for user in (row.users if row.manual else row.manual_users)]
            for user in row.users:
                listed[user].append((tbl.index, row))
            why = _not_written(ctx, work, tbl, row, report=report)
            if why is not None:
                if why:
                    work.skip_rows[(tbl.index, row.line)] = why
                continue
            for user, status in zip(row.users, row.statuses, strict=True):
                rows[user].append((tbl.index, row))
                work.previous.setdefault(user, status)
    work.rows = dict(rows)
    work.listed = dict(listed)


def _report_table(ctx: RunContext, work: PageWork, tbl: SignupTable) -> None:
    for problem in tbl.errors:
        ctx.problem(work.place, getattr(problem, 'reason', '') or problem.message,
                    severity='error' if tbl.broken else 'warning',
                    table_index=tbl.index, line=problem.line)
    if tbl.in_translate:
        ctx.problem(work.place, 'status cells inside <translate>: not written',
                    severity='warning', table_index=tbl.index)


def _not_written(ctx: RunContext, work: PageWork, tbl: SignupTable, row: Row, *,
                 report: bool) -> str | None:
    """Why the bot leaves this row's status cell alone (None: it may write it).

    An empty string: not written, and nothing to tell the renderer.
    """
    if row.unresolved or row.in_translate or tbl.in_translate or row.broken:
        return ''
    bad = [(w, why) for w in row.wikis if (why := ctx.sites.unusable(w))]
    if report:
        for _wiki, why in bad:
            ctx.problem(work.place, why, severity='warning', table_index=tbl.index,
                        line=row.line)
    return bad[0][1] if bad else None


def unreadable(tbl: SignupTable) -> bool:
    """Not even the headers could be read (e.g. an unclosed ``{|``): it may be a
    sign-up table, so it is reported as one that was skipped."""
    return tbl.broken and not tbl.columns
