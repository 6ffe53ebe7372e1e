"""What every job shares, and the entry points of ``update``, ``kpi``, ``run``, ``explain``.

A job wires the pure core to the wiki layer. This module holds the parts
they share: loading the configuration (the file, then the on-wiki page, which
is accepted only from a safe place), the Pywikibot bot object whose
``userPut`` every save goes through, the problems printed one line each to
stderr (``ERROR site:page[ table N][ line L]: message``), the bot-owned
sections of pages (status, evidence, explanation, KPI) and the status page
written after every run.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import ClassVar

import pywikibot
from pywikibot import config as pwb_config
from pywikibot.bot import BaseBot
from pywikibot.exceptions import EditConflictError

from techroles import config as tr_config
from techroles import i18n, kpi, reports
from techroles.errors import (
    BotsExcludedError,
    ConfigError,
    FetchError,
    PageContentError,
    ShutoffError,
)
from techroles.wiki import api, pages
from techroles.wiki.pages import SavePath, place, site_key
from techroles.wiki.sites import Sites, login, site_from_key
from techroles.wiki.store import StateStore


EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE, EXIT_SHUTOFF = 0, 1, 2, 3


@dataclass
class Problem:
    """One line for stderr, the report and the status page."""

    place: str
    message: str
    severity: str = 'error'  # 'error' makes the run incomplete; 'warning' does not
    table: int | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.place
        if self.table is not None:
            where += f' table {self.table}'
        if self.line is not None:
            where += f' line {self.line}'
        return f'{self.severity.upper()} {where}: {self.message}'


class TechrolesBot(BaseBot):
    """Pywikibot's bot machinery: ``-always``, ``userPut`` (diff, no-op skip), counters."""

    update_options: ClassVar[dict] = {
        'limit': None,
        'report': None,
    }


@dataclass
class ConfigSource:
    """Where the configuration of a run came from."""

    path: str
    #: (title, revid) of the on-wiki page whose values were used.
    wiki_page: tuple[str, int] | None = None
    #: Why the on-wiki page was not used (the run then stops with exit 2).
    wiki_error: str | None = None


def load_configuration(path: str) -> tuple[tr_config.Config, ConfigSource]:
    """The file's configuration, overridden by the on-wiki page when it is valid.

    The on-wiki page is accepted only as a ``.json`` page in the bot's or an
    operator's user space, or as a page whose edit protection is ``sysop``:
    nobody can steer the bot by editing an open page. A file error raises
    :class:`ConfigError`; an on-wiki page that is unacceptable or invalid is
    not used at all and is reported in ``ConfigSource.wiki_error``.
    """
    raw = tr_config.load_file(path)
    cfg = tr_config.validate(raw, source=path)
    source = ConfigSource(path)
    ref = cfg.wiki_config_page
    if ref is None:
        return cfg, source
    site = site_from_key(ref.site)
    where = place(site, ref.title)
    try:
        snap = pages.read(site, ref.title)
    except FetchError as exc:
        source.wiki_error = f'{where}: cannot read the on-wiki configuration: {exc}'
        return cfg, source
    if not snap.exists:
        source.wiki_error = f'{where}: the on-wiki configuration page does not exist'
        return cfg, source
    reason = _unsafe_config_page(snap, cfg)
    if reason:
        source.wiki_error = f'{where}: {reason}'
        return cfg, source
    try:
        wiki_raw = tr_config.loads(snap.text, source=where)
        merged = tr_config.merge(raw, wiki_raw, None, file_source=path, wiki_source=where)
    except ConfigError as exc:
        source.wiki_error = str(exc)
        return cfg, source
    source.wiki_page = (ref.title, snap.revid)
    return merged, source


def _unsafe_config_page(snap: pages.PageSnapshot, cfg: tr_config.Config) -> str | None:
    """Why a configuration page may not steer the bot (None when it may)."""
    page = snap.page
    title = page.title(with_ns=False)
    if page.namespace() == 2 and title.endswith('.json'):
        owner = title.split('/', 1)[0]
        allowed = {pywikibot.tools.first_upper(n) for n in cfg.operators}
        username = page.site.username()
        if username:
            allowed.add(username.split('@', 1)[0])
        if owner in allowed:
            return None
        return (f'the configuration page is in the user space of {owner}, who is neither the '
                'bot nor an operator: not used')
    protection = page.protection().get('edit')
    if protection and protection[0] == 'sysop':
        return None
    return ('the configuration page must be a .json page in the bot\'s or an operator\'s user '
            'space, or be protected (edit=sysop): not used')


class Job:
    """What ``update`` and ``kpi`` share: configuration, sites, store, problems."""

    #: Where a problem of the job as a whole is reported (``ERROR update: …``).
    name = 'job'

    def __init__(self, cfg: tr_config.Config, *, always: bool = False,
                 report: str | None = None, limit: int | None = None,
                 source: ConfigSource | None = None) -> None:
        self.cfg = cfg
        self.source = source or ConfigSource('')
        self.report_path = report
        self.problems: list[Problem] = []
        self.bot = TechrolesBot(always=always, limit=limit, report=report)
        self.meta = site_from_key('meta:meta')
        self.sites = Sites(self.meta)
        self.store = StateStore(self._store_path())
        self.simulate = bool(pwb_config.simulate)
        self.now: datetime | None = None
        self.save_path = SavePath(self.bot, self.page_site(cfg.shutoff_page))
        #: (place, title on the status page's wiki or None, cells, revid) per save.
        self.changes: list[tuple[str, str | None, int, int | None]] = []
        #: What ``--report`` writes.
        self.report: dict = {}
        #: Manual cells (person, page) and kept human corrections (person, page,
        #: until): filled by ``update``, shown on the status page.
        self.manual: list[tuple[str, str]] = []
        self.human_kept: list[tuple[str, str, str]] = []

    def _store_path(self) -> Path:
        path = Path(self.cfg.state_store)
        if not path.is_absolute():
            path = Path(pwb_config.base_dir) / path
        return path

    def problem(self, where: str, message: str, *, severity: str = 'error',
                table_index: int | None = None, line: int | None = None) -> None:
        entry = Problem(where, message, severity, table_index, line)
        self.problems.append(entry)
        print(entry, file=sys.stderr)
        # The same line in Pywikibot's log file (-log); stderr keeps its fixed format.
        pywikibot.log(str(entry))

    def page_site(self, ref: tr_config.PageRef | None) -> tuple | None:
        if ref is None:
            return None
        return site_from_key(ref.site), ref.title

    def language(self, site: pywikibot.site.APISite) -> str:
        """The language of text the bot writes on ``site``."""
        return self.cfg.language or site.lang

    def write_report(self, data: dict) -> None:
        if not self.report_path:
            return
        path = Path(self.report_path)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + '\n', encoding='utf-8')

    def work(self) -> None:
        """The job itself; raises only what :meth:`run` turns into an exit status."""
        raise NotImplementedError

    def run(self) -> int:
        """Do the work; write the report in every case; return the exit status."""
        status = EXIT_OK
        try:
            self.work()
        except ShutoffError as exc:
            self.problem('shutoff', str(exc))
            status = EXIT_SHUTOFF
        except (FetchError, PageContentError) as exc:
            self.problem(self.name, str(exc))
            status = EXIT_INCOMPLETE
        finally:
            self.report['run'] = {
                'time': self.now.strftime('%Y-%m-%dT%H:%M:%SZ') if self.now else None,
                'simulate': self.simulate,
                'requests': dict(api.COUNTER),
                'problems': [str(p) for p in self.problems],
            }
            self.write_report(self.report)
        if status != EXIT_OK:
            return status
        return EXIT_INCOMPLETE if any(p.severity == 'error' for p in self.problems) else EXIT_OK

    def write_section(self, ref: tr_config.PageRef | None, section: str, text: str,
                      summary_key: str, *summary_params: object) -> bool:
        """Write a bot-owned section of a page between its markers; True if saved.

        Text outside the markers is kept byte for byte. Failures are reported
        as problems; they never stop the run.
        """
        if ref is None:
            return False
        site = site_from_key(ref.site)
        where = place(site, ref.title)
        summary = i18n.message(summary_key, self.language(site), *summary_params)
        if self.cfg.summary_hashtag:
            summary += f' {self.cfg.summary_hashtag}'
        for _attempt in range(self.cfg.edit_conflict_retries + 1):
            try:
                snap = pages.read(site, ref.title)
                new_text = kpi.replace_between_markers(snap.text, text, section)
                saved = self.save_path.save(snap, new_text, summary)
            except EditConflictError:
                continue
            except BotsExcludedError as exc:
                self.problem(where, str(exc), severity='warning')
                return False
            except (FetchError, PageContentError) as exc:
                why = str(exc).removeprefix(f'{where}: ')
                self.problem(where, why if why.startswith('not saved') else f'not saved: {why}')
                return False
            if saved and not self.simulate:
                self.changes.append((where, self._title_for_status(site, ref.title), 0,
                                     snap.page.latest_revision_id))
            return bool(saved)
        self.problem(where, 'edit conflicts: not saved')
        return False

    def _title_for_status(self, site: pywikibot.site.APISite, title: str) -> str | None:
        status = self.cfg.status_page
        if status is None or status.site != site_key(site):
            return None
        return title

    def write_status_page(self, *, complete: bool, shutoff: bool = False) -> None:
        """After every run: heartbeat, changes with diff links, warnings."""
        ref = self.cfg.status_page
        if ref is None or shutoff:
            return  # the shutoff page means: do not edit anything
        site = site_from_key(ref.site)
        try:
            previous = pages.read(site, ref.title).text
        except FetchError:
            previous = ''
        summary = reports.RunSummary(
            time=self.now or datetime.now(timezone.utc),
            complete=complete,
            changes=[c for c in self.changes if c[2]],
            warnings=[str(p) for p in self.problems],
            manual=list(self.manual), human=list(self.human_kept),
            config_page=self.source.wiki_page, config_error=self.source.wiki_error,
            shutoff_page=self.cfg.shutoff_page.title if self.cfg.shutoff_page else None,
            explanation_page=self.cfg.explanation_page.title if self.cfg.explanation_page
            else None,
        )
        previous_complete = reports.last_complete(
            kpi.section_between_markers(previous, 'status'))
        text = reports.status_section(summary, self.language(site), previous_complete)
        self.write_section(ref, 'status', text, 'techroles-summary-statuspage',
                           summary.time.strftime('%Y-%m-%d %H:%M'))


# -- entry points (called by techroles.cli and the scripts) ------------------------------

def parser(prog: str, *, kpi_report: bool = False) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, add_help=False, allow_abbrev=False)
    parser.add_argument('--config', required=True)
    parser.add_argument('--report')
    parser.add_argument('-always', '--always', action='store_true')
    parser.add_argument('--limit', type=int)
    if kpi_report:
        parser.add_argument('--kpi-report')
    return parser


def prepare(prog: str, args: Sequence[str], *, kpi_report: bool = False, saves: bool = True):
    """Parse the options and load the configuration; an int is an exit status."""
    try:
        opts = parser(prog, kpi_report=kpi_report).parse_args(list(args))
    except SystemExit:
        return EXIT_USAGE
    if opts.limit is not None and opts.limit < 0:
        print(f'ERROR {prog}: --limit must be 0 or more', file=sys.stderr)
        return EXIT_USAGE
    if saves and not (opts.always or pwb_config.simulate or sys.stdin.isatty()):
        print(f'ERROR {prog}: without -always every save is confirmed at the terminal, '
              'and there is none: add -always (or -simulate)', file=sys.stderr)
        return EXIT_USAGE
    try:
        cfg, source = load_configuration(opts.config)
        for key in sorted(_sites_named(cfg)):
            site_from_key(key)  # an unknown family or code is a configuration error
    except ConfigError as exc:
        print(f'ERROR {opts.config}: ' + str(exc).removeprefix(f'{opts.config}: '),
              file=sys.stderr)
        return EXIT_USAGE
    except FetchError as exc:  # a wiki of the configuration does not answer
        print(f'ERROR {exc}', file=sys.stderr)
        return EXIT_INCOMPLETE
    return opts, cfg, source


def _sites_named(cfg: tr_config.Config) -> set[str]:
    """``family:code`` of every wiki the configuration names, and Meta."""
    keys = {'meta:meta', *(t.site for t in cfg.tables)}
    for name in cfg.__dataclass_fields__:
        value = getattr(cfg, name)
        if isinstance(value, tr_config.PageRef):
            keys.add(value.site)
    return keys


def refuse_invalid_wiki_config(job: Job) -> int:
    """An invalid on-wiki configuration: report it on the status page, exit 2."""
    job.problem('configuration', job.source.wiki_error or 'invalid')
    job.now = None
    with contextlib.suppress(FetchError, PageContentError):
        job.write_status_page(complete=False)
    return EXIT_USAGE


def _run_one(prog: str, job_class: type[Job], args: Sequence[str]) -> int:
    prepared = prepare(prog, args)
    if isinstance(prepared, int):
        return prepared
    opts, cfg, source = prepared
    job = job_class(cfg, always=opts.always, report=opts.report, limit=opts.limit, source=source)
    if source.wiki_error:
        return refuse_invalid_wiki_config(job)
    status = job.run()
    job.write_status_page(complete=status == EXIT_OK, shutoff=status == EXIT_SHUTOFF)
    return status


def run_update(args: Sequence[str]) -> int:
    """``techroles update``: exit status as documented in ``techroles.cli``."""
    from techroles.wiki.update import UpdateJob

    return _run_one('techroles update', UpdateJob, args)


def run_kpi(args: Sequence[str]) -> int:
    """``techroles kpi``: exit status as documented in ``techroles.cli``."""
    from techroles.wiki.kpijob import KpiJob

    return _run_one('techroles kpi', KpiJob, args)


def run_both(args: Sequence[str]) -> int:
    """``techroles run``: update, then kpi; one status page for both."""
    from techroles.wiki.kpijob import KpiJob
    from techroles.wiki.update import UpdateJob

    prepared = prepare('techroles run', args, kpi_report=True)
    if isinstance(prepared, int):
        return prepared
    opts, cfg, source = prepared
    update = UpdateJob(cfg, always=opts.always, report=opts.report, limit=opts.limit,
                       source=source)
    if source.wiki_error:
        return refuse_invalid_wiki_config(update)
    status = update.run()
    if status != EXIT_SHUTOFF:
        kpi_job = KpiJob(cfg, always=opts.always, report=opts.kpi_report, source=source,
                         update=update)
        status = max(status, kpi_job.run(), key=_severity)
    update.write_status_page(complete=status == EXIT_OK, shutoff=status == EXIT_SHUTOFF)
    return status


def _severity(status: int) -> int:
    return {EXIT_OK: 0, EXIT_INCOMPLETE: 1, EXIT_USAGE: 2, EXIT_SHUTOFF: 3}.get(status, 1)


def run_explain(args: Sequence[str]) -> int:
    """``techroles explain``: write or print the explanation page."""
    from techroles.wiki.update import UpdateJob

    argv = list(args)
    to_stdout = '--print' in argv
    argv = [a for a in argv if a != '--print']
    prepared = prepare('techroles explain', argv, saves=not to_stdout)
    if isinstance(prepared, int):
        return prepared
    opts, cfg, source = prepared
    job = UpdateJob(cfg, always=opts.always, source=source)
    site = site_from_key(cfg.tables[0].site)
    if to_stdout:
        print(job.explanation_text(site))
        return EXIT_OK
    try:
        login(site)
    except FetchError as exc:
        job.problem('explain', str(exc))
        return EXIT_INCOMPLETE
    job.write_explanation()
    return EXIT_INCOMPLETE if job.problems else EXIT_OK
