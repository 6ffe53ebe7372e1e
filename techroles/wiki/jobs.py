"""The entry points of ``update``, ``kpi``, ``run`` and ``explain``: one pipeline.

Every command is the same pipeline, read top to bottom, from one run context
(:class:`techroles.wiki.context.RunContext`)::

    read pages (signup) -> decide each person once (decide)
        -> update: write the status cells (tables), evidence and explanation (botpages)
        -> kpi:    figures, history and the KPI page (kpiphase)
    -> the status page (one section per job) and the reports

``run`` is both, with one collection of activity. The order of the
configured pages changes no output.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pywikibot
from pywikibot import config as pwb_config

from techroles import config as tr_config
from techroles.errors import (
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_SHUTOFF,
    EXIT_USAGE,
    ConfigError,
    FetchError,
    PageContentError,
    ShutoffError,
    worst_exit,
)
from techroles.model import Decision, Status
from techroles.wiki import botpages, httpcount, kpiphase, pages
from techroles.wiki.context import ConfigSource, RunContext
from techroles.wiki.decide import Decisions, decide
from techroles.wiki.pages import place
from techroles.wiki.signup import PageWork, read_pages, unreadable
from techroles.wiki.sites import login, server_time, site_from_key
from techroles.wiki.tables import TableWriter


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



# -- the pipeline ----------------------------------------------------------------------------

def listing_gaps(works: Sequence[PageWork]) -> list[str]:
    """Why some listed ambassadors may not have been read (a lower bound otherwise)."""
    gaps = []
    for work in works:
        if work.spec.kind != 'ambassadors':
            continue
        if not work.snap.exists:
            gaps.append(f'{work.place} does not exist')
        for tbl in work.tables:
            if tbl.broken and (tbl.kind == 'ambassadors' or unreadable(tbl)):
                gaps.append(f'{work.place} table {tbl.index} could not be read')
    return gaps


def run_pipeline(ctx: RunContext, *, update: bool, kpi: bool, report: str | None = None,
                 kpi_report: str | None = None) -> int:
    """Read, decide, then write the tables (update) and/or the figures (kpi).

    The reports are written last, whatever happened, so that their request
    counts include the status page.
    """
    httpcount.install()
    first = 'update' if update else 'kpi'
    paths = {first: report, 'kpi': kpi_report if update else report}
    outcomes: dict[str, int] = {}
    reports: dict[str, dict] = {}
    try:
        works, decisions, gaps = _read_and_decide(ctx, first, outcomes, kpi=kpi)
        if update:
            reports['update'] = {'tables': [], 'people': []}
            if 'update' not in outcomes:
                outcomes['update'], reports['update'] = _update(ctx, works, decisions)
        if kpi and EXIT_SHUTOFF not in outcomes.values():
            reports['kpi'] = {}
            outcomes['kpi'] = _kpi(ctx, works, decisions, gaps, reports['kpi'],
                                   failed=outcomes.get('kpi'))
        with contextlib.suppress(FetchError, PageContentError, ShutoffError):
            ctx.write_status_page(outcomes)
    finally:
        for job, data in reports.items():
            data['run'] = ctx.run_record(job)
            _write_report(paths[job], data)
    return worst_exit(*outcomes.values())


def _read_and_decide(ctx: RunContext, first: str, outcomes: dict[str, int], *, kpi: bool
                     ) -> tuple[list[PageWork], Decisions | None, list[str]]:
    """Log in, take the server time, read every page, decide everyone once.

    Returns the pages, the decisions (None when they could not be made) and
    why the listing of ambassadors may be incomplete.
    """
    ctx.job = first
    works: list[PageWork] = []
    gaps: list[str] = []
    try:
        sites = {site_from_key(t.site) for t in ctx.cfg.tables} if first == 'update' else set()
        if kpi:
            sites.add(site_from_key(ctx.cfg.kpi_page.site) if ctx.cfg.kpi_page else ctx.meta)
        for site in sites:
            login(site)
        ctx.now = server_time(site_from_key(ctx.cfg.tables[0].site))
        pywikibot.info(f'techroles: {first}: reading {len(ctx.cfg.tables)} sign-up page(s)')
        works = read_pages(ctx)
        gaps = listing_gaps(works)
        return works, decide(ctx, works), gaps
    except ShutoffError as exc:
        ctx.problem('shutoff', str(exc))
        outcomes[first] = EXIT_SHUTOFF
    except (FetchError, PageContentError) as exc:
        ctx.problem(first, str(exc))
        gaps.append(str(exc))
        outcomes[first] = EXIT_INCOMPLETE
    return works, None, gaps


def _kpi(ctx: RunContext, works: list[PageWork], decisions: Decisions | None,
         gaps: list[str], report: dict, *, failed: int | None) -> int:
    """The KPI phase; without decisions, the ambassador figure is undetermined."""
    ctx.job = 'kpi'
    status = failed or EXIT_OK
    try:
        if ctx.now is not None:
            report.update(kpiphase.publish(ctx, works, decisions or _unknown(works), gaps))
    except ShutoffError as exc:
        ctx.problem('shutoff', str(exc))
        return EXIT_SHUTOFF
    except (FetchError, PageContentError) as exc:
        ctx.problem('kpi', str(exc))
        return EXIT_INCOMPLETE
    if status == EXIT_OK and ctx.has_errors('kpi'):
        status = EXIT_INCOMPLETE
    return status


def _update(ctx: RunContext, works: list[PageWork], decisions: Decisions) -> tuple[int, dict]:
    """Write the status cells, the evidence and the explanation pages."""
    ctx.job = 'update'
    writer = TableWriter(ctx, decisions)
    status = EXIT_OK
    try:
        writer.write_all(works)
        botpages.write_evidence(ctx, works, decisions)
        botpages.write_explanation(ctx)
    except ShutoffError as exc:
        ctx.problem('shutoff', str(exc))
        status = EXIT_SHUTOFF
    except (FetchError, PageContentError) as exc:
        ctx.problem('update', str(exc))
        status = EXIT_INCOMPLETE
    if status == EXIT_OK and ctx.has_errors('update'):
        status = EXIT_INCOMPLETE
    return status, writer.report


def _unknown(works: Sequence[PageWork]) -> Decisions:
    """Nobody could be decided (the update stopped before deciding)."""
    people = {name: Decision(name, Status.UNKNOWN, reason='not checked')
              for work in works for name in work.listed}
    return Decisions(people, {})


def _write_report(path: str | None, data: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1) + '\n',
                              encoding='utf-8')


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


def refuse_invalid_wiki_config(ctx: RunContext, job: str) -> int:
    """An invalid on-wiki configuration: report it on the status page, exit 2."""
    ctx.job = job
    ctx.problem('configuration', ctx.source.wiki_error or 'invalid')
    with contextlib.suppress(FetchError, PageContentError, ShutoffError):
        ctx.write_status_page({job: EXIT_USAGE})
    return EXIT_USAGE


def run_configuration(cfg: tr_config.Config, source: ConfigSource | None = None, *,
                      update: bool = True, kpi: bool = False, always: bool = False,
                      limit: int | None = None, report: str | None = None,
                      kpi_report: str | None = None) -> int:
    """One run of a loaded configuration; the exit status."""
    ctx = RunContext(cfg, source or ConfigSource(''), always=always, limit=limit)
    try:
        if ctx.source.wiki_error:
            return refuse_invalid_wiki_config(ctx, 'update' if update else 'kpi')
        return run_pipeline(ctx, update=update, kpi=kpi, report=report, kpi_report=kpi_report)
    finally:
        ctx.close()


def _run(prog: str, args: Sequence[str], *, update: bool, kpi: bool) -> int:
    prepared = prepare(prog, args, kpi_report=update and kpi)
    if isinstance(prepared, int):
        return prepared
    opts, cfg, source = prepared
    return run_configuration(cfg, source, update=update, kpi=kpi, always=opts.always,
                             limit=opts.limit, report=opts.report,
                             kpi_report=getattr(opts, 'kpi_report', None))


def run_update(args: Sequence[str]) -> int:
    """``techroles update``: exit status as documented in ``techroles.cli``."""
    return _run('techroles update', args, update=True, kpi=False)


def run_kpi(args: Sequence[str]) -> int:
    """``techroles kpi``: exit status as documented in ``techroles.cli``."""
    return _run('techroles kpi', args, update=False, kpi=True)


def run_both(args: Sequence[str]) -> int:
    """``techroles run``: update and kpi from one collection of activity."""
    return _run('techroles run', args, update=True, kpi=True)


def run_explain(args: Sequence[str]) -> int:
    """``techroles explain``: write or print the explanation page."""
    argv = list(args)
    to_stdout = '--print' in argv
    argv = [a for a in argv if a != '--print']
    prepared = prepare('techroles explain', argv, saves=not to_stdout)
    if isinstance(prepared, int):
        return prepared
    opts, cfg, source = prepared
    ctx = RunContext(cfg, source, always=opts.always)
    try:
        site = site_from_key(cfg.tables[0].site)
        if to_stdout:
            print(botpages.explanation_text(ctx, site))
            return EXIT_OK
        try:
            login(site)
        except FetchError as exc:
            ctx.problem('explain', str(exc))
            return EXIT_INCOMPLETE
        botpages.write_explanation(ctx)
        return EXIT_INCOMPLETE if ctx.problems else EXIT_OK
    finally:
        ctx.close()
