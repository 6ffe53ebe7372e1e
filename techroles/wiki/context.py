"""One run's context, built once and handed to every phase of the pipeline.

The configuration, the sites, the state store, the wiki's server time, the
problems found so far and the one save path live here, so that ``update``,
``kpi`` and ``run`` are the same phases read top to bottom (see
:mod:`techroles.wiki.jobs`). Every save of the run goes through
:meth:`RunContext.save_with_retry`: read, build the new text from what was
read, save through Pywikibot's ``userPut``; after an edit conflict read again
and build again.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pywikibot
from pywikibot import config as pwb_config
from pywikibot.bot import BaseBot
from pywikibot.exceptions import EditConflictError

from techroles import config as tr_config
from techroles import i18n, reports
from techroles.errors import BotsExcludedError, FetchError, PageContentError
from techroles.kpi import replace_between_markers, section_between_markers
from techroles.timefmt import ISO_UTC
from techroles.wiki import pages
from techroles.wiki.pages import PageSnapshot, SavePath, place, site_key
from techroles.wiki.sites import Sites, site_from_key
from techroles.wiki.store import StateStore


@dataclass
class Problem:
    """One line for stderr, the report and the status page."""

    place: str
    message: str
    severity: str = 'error'  # 'error' makes the run incomplete; 'warning' does not
    table: int | None = None
    line: int | None = None
    #: The phase that found it (``update`` or ``kpi``): each has its own status section.
    job: str = 'update'

    def __str__(self) -> str:
        where = self.place
        if self.table is not None:
            where += f' table {self.table}'
        if self.line is not None:
            where += f' line {self.line}'
        return f'{self.severity.upper()} {where}: {self.message}'


@dataclass
class Change:
    """One save the run made, for the status page."""

    place: str
    #: The title as linked from the status page's wiki, or None when on another wiki.
    title: str | None
    cells: int
    revid: int | None
    job: str = 'update'


class TechrolesBot(BaseBot):
    """Pywikibot's bot machinery: ``-always``, ``userPut`` (diff, no-op skip), counters."""


@dataclass
class ConfigSource:
    """Where the configuration of a run came from."""

    path: str
    #: (title, revid) of the on-wiki page whose values were used.
    wiki_page: tuple[str, int] | None = None
    #: Why the on-wiki page was not used (the run then stops with exit 2).
    wiki_error: str | None = None


@dataclass
class SaveResult:
    """What became of one save."""

    #: A revision was made (False for a no-op and under ``-simulate``).
    saved: bool
    #: The read the saved text was built from.
    snap: PageSnapshot | None
    #: Every attempt met an edit conflict: not saved.
    conflicts: bool = False


#: Builds the new text (and edit summary) from a read of the page; None: nothing to save.
Builder = Callable[[PageSnapshot], 'tuple[str, str] | None']


@dataclass
class RunContext:
    """What every phase of one run shares."""

    cfg: tr_config.Config
    source: ConfigSource
    always: bool = False
    limit: int | None = None
    #: The phase running now; problems and changes are filed under it.
    job: str = 'update'
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    #: (person, page) of cells marked manual, shown on the status page.
    manual: list[tuple[str, str]] = field(default_factory=list)
    #: (person, page, until) of human corrections kept, shown on the status page.
    human_kept: list[tuple[str, str, str]] = field(default_factory=list)
    #: The wiki's server time of this run (set by the first phase).
    now: datetime | None = None
    #: What one phase read for the next (the delivery list), read once per run.
    cache: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.bot = TechrolesBot(always=self.always)
        self.meta = site_from_key('meta:meta')
        self.sites = Sites(self.meta)
        self.store = StateStore(self._store_path())
        self.simulate = bool(pwb_config.simulate)
        self.save_path = SavePath(self.bot)
        self.begin(self.job)

    def begin(self, job: str) -> None:
        """Start a phase: its problems and saves are filed under ``job``, and the
        shutoff pages of that job stop its saves (``kpi`` can be paused alone)."""
        self.job = job
        self.save_path.shutoffs = [(site_from_key(ref.site), ref.title)
                                   for ref in self.cfg.shutoff_pages(job)]

    def _store_path(self) -> Path:
        path = Path(self.cfg.state_store)
        if not path.is_absolute():
            path = Path(pwb_config.base_dir) / path
        return path

    def close(self) -> None:
        self.store.close()

    # -- problems ------------------------------------------------------------------------
    def problem(self, where: str, message: str, *, severity: str = 'error',
                table_index: int | None = None, line: int | None = None) -> None:
        entry = Problem(where, message, severity, table_index, line, self.job)
        self.problems.append(entry)
        print(entry, file=sys.stderr)
        # The same line in Pywikibot's log file (-log); stderr keeps its fixed format.
        pywikibot.log(str(entry))

    def has_errors(self, job: str | None = None) -> bool:
        return any(p.severity == 'error' and (job is None or p.job == job)
                   for p in self.problems)

    # -- pages ---------------------------------------------------------------------------
    def page_site(self, ref: tr_config.PageRef | None) -> tuple | None:
        if ref is None:
            return None
        return site_from_key(ref.site), ref.title

    def language(self, site: pywikibot.site.APISite) -> str:
        """The language of text the bot writes on ``site``."""
        return self.cfg.language or site.lang

    def summary(self, site: pywikibot.site.APISite, key: str, *params: object) -> str:
        text = i18n.message(key, self.language(site), *params)
        if self.cfg.summary_hashtag:
            text += f' {self.cfg.summary_hashtag}'
        return text

    def save_with_retry(self, site: pywikibot.site.APISite, title: str, build: Builder, *,
                        snap: PageSnapshot | None = None,
                        contentmodel: str | None = None) -> SaveResult:
        """Read, build, save; after an edit conflict read again and build again.

        ``build`` sees every read, so what someone added meanwhile is kept.
        ``BotsExcludedError``, ``FetchError`` and ``ShutoffError`` reach the caller.
        """
        for _attempt in range(self.cfg.edit_conflict_retries + 1):
            if snap is None:
                snap = pages.read(site, title)
            built = build(snap)
            if built is None:
                return SaveResult(False, snap)
            text, summary = built
            try:
                extra = {'contentmodel': contentmodel} if contentmodel else {}
                saved = self.save_path.save(snap, text, summary, **extra)
            except EditConflictError:
                snap = None
                continue
            return SaveResult(bool(saved) and not self.simulate, snap)
        return SaveResult(False, None, conflicts=True)

    def write_sections(self, ref: tr_config.PageRef | None, sections: Mapping[str, str],
                       summary_key: str, *summary_params: object) -> bool:
        """Write bot-owned sections of a page between their markers; True if saved.

        Text outside the markers is kept byte for byte. Failures are reported
        as problems; they never stop the run.
        """
        if ref is None:
            return False
        site = site_from_key(ref.site)
        where = place(site, ref.title)
        summary = self.summary(site, summary_key, *summary_params)

        def build(snap: PageSnapshot) -> tuple[str, str]:
            text = snap.text
            for name, section in sections.items():
                text = replace_between_markers(text, section, name)
            return text, summary

        try:
            result = self.save_with_retry(site, ref.title, build)
        except BotsExcludedError as exc:
            self.problem(where, str(exc), severity='warning')
            return False
        except (FetchError, PageContentError) as exc:
            why = str(exc).removeprefix(f'{where}: ')
            self.problem(where, why if why.startswith('not saved') else f'not saved: {why}')
            return False
        if result.conflicts:
            self.problem(where, 'edit conflicts: not saved')
            return False
        if result.saved:
            self.changes.append(Change(where, self._title_for_status(site, ref.title), 0,
                                       result.snap.page.latest_revision_id, self.job))
        return result.saved

    def _title_for_status(self, site: pywikibot.site.APISite, title: str) -> str | None:
        status = self.cfg.status_page
        if status is None or status.site != site_key(site):
            return None
        return title

    # -- the status page -------------------------------------------------------------------
    def write_status_page(self, outcomes: Mapping[str, int]) -> None:
        """After every run: per job that ran, its heartbeat, changes and warnings.

        ``outcomes`` maps each job that ran (``update``, ``kpi``) to its exit
        status; a job that did not run keeps its section as it was. Nothing is
        written when the shutoff page stopped the run.
        """
        from techroles.errors import EXIT_OK, EXIT_SHUTOFF

        ref = self.cfg.status_page
        if ref is None or EXIT_SHUTOFF in outcomes.values():
            return
        site = site_from_key(ref.site)
        lang = self.language(site)
        try:
            previous = pages.read(site, ref.title).text
        except FetchError:
            previous = ''
        sections = {}
        for job, status in outcomes.items():
            name = STATUS_SECTIONS[job]
            summary = reports.RunSummary(
                time=self.now or datetime.now(timezone.utc),
                complete=status == EXIT_OK,
                changes=[(c.place, c.title, c.cells, c.revid) for c in self.changes
                         if c.job == job and c.cells],
                warnings=[str(p) for p in self.problems if p.job == job],
                manual=list(self.manual) if job == 'update' else [],
                human=list(self.human_kept) if job == 'update' else [],
                config_page=self.source.wiki_page, config_error=self.source.wiki_error,
                shutoff_page=shutoffs[-1].title if (shutoffs := self.cfg.shutoff_pages(job))
                else None,
                explanation_page=self.cfg.explanation_page.title
                if self.cfg.explanation_page else None,
            )
            previous_complete = reports.last_complete(section_between_markers(previous, name))
            sections[name] = reports.status_section(summary, lang, previous_complete,
                                                    job=job)
        stamp = (self.now or datetime.now(timezone.utc)).strftime('%Y-%m-%d %H:%M')
        self.begin('status')
        self.write_sections(ref, sections, 'techroles-summary-statuspage', stamp)

    def run_record(self, job: str) -> dict:
        """The ``run`` block of a job's report: every HTTP request of the process so far."""
        from techroles.wiki import httpcount

        return {
            'time': self.now.strftime(ISO_UTC) if self.now else None,
            'simulate': self.simulate,
            'requests': httpcount.snapshot(),
            'problems': [str(p) for p in self.problems if p.job == job],
        }


#: The marker name of each job's section on the status page.
STATUS_SECTIONS = {'update': 'status', 'kpi': 'status-kpi'}
