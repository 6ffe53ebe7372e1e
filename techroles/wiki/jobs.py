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

import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pywikibot

from techroles import config as tr_config
from techroles.errors import (
    EXIT_INCOMPLETE,
    EXIT_LOCKED,
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
from techroles.options import Options
from techroles.wiki import botpages, httpcount, kpiphase
from techroles.wiki.context import ConfigSource, RunContext
from techroles.wiki.decide import Decisions, decide
from techroles.wiki.setup import bot_space, check_shutoff_pages, load_configuration
from techroles.wiki.signup import PageWork, read_pages, unreadable
from techroles.wiki.sites import login, server_time, site_from_key
from techroles.wiki.store import RunLockHeld
from techroles.wiki.tables import TableWriter


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
        if kpi and not {EXIT_SHUTOFF, EXIT_USAGE} & set(outcomes.values()):
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
    ctx.begin(first)
    works: list[PageWork] = []
    gaps: list[str] = []
    try:
        sites = {site_from_key(t.site) for t in ctx.cfg.tables} if first == 'update' else set()
        if kpi:
            sites.add(site_from_key(ctx.cfg.kpi_page.site) if ctx.cfg.kpi_page else ctx.meta)
        for site in sites:
            login(site)
        check_shutoff_pages(ctx, ('update', 'kpi') if kpi and first == 'update' else (first,))
        ctx.now = server_time(site_from_key(ctx.cfg.tables[0].site))
        pywikibot.info(f'techroles: {first}: reading {len(ctx.cfg.tables)} sign-up page(s)')
        works = read_pages(ctx)
        gaps = listing_gaps(works)
        return works, decide(ctx, works), gaps
    except ConfigError as exc:
        ctx.problem('configuration', str(exc))
        outcomes[first] = EXIT_USAGE
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
    ctx.begin('kpi')
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
    ctx.begin('update')
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

def run_command(opts: Options) -> int:
    """``techroles update|kpi|run|explain`` with options read by :mod:`techroles.options`."""
    try:
        cfg, source = load_configuration(opts.config)
    except ConfigError as exc:
        print(f'ERROR {opts.config}: ' + str(exc).removeprefix(f'{opts.config}: '),
              file=sys.stderr)
        return EXIT_USAGE
    except FetchError as exc:  # a wiki of the configuration does not answer
        print(f'ERROR {exc}', file=sys.stderr)
        return EXIT_INCOMPLETE
    if opts.command == 'explain':
        return run_explain(cfg, source, opts)
    update = opts.command in ('update', 'run')
    kpi = opts.command in ('kpi', 'run')
    return run_configuration(cfg, source, update=update, kpi=kpi, always=opts.always,
                             limit=opts.limit, report=opts.report, kpi_report=opts.kpi_report)


def refuse_invalid_wiki_config(ctx: RunContext, job: str) -> int:
    """An invalid on-wiki configuration: report it on the status page, exit 2."""
    ctx.begin(job)
    ctx.problem('configuration', ctx.source.wiki_error or 'invalid')
    with contextlib.suppress(FetchError, PageContentError, ShutoffError):
        ctx.write_status_page({job: EXIT_USAGE})
    return EXIT_USAGE


def run_configuration(cfg: tr_config.Config, source: ConfigSource | None = None, *,
                      update: bool = True, kpi: bool = False, always: bool = False,
                      limit: int | None = None, report: str | None = None,
                      kpi_report: str | None = None) -> int:
    """One run of a loaded configuration, under the store's run lock; the exit status."""
    ctx = RunContext(bot_space(cfg), source or ConfigSource(''), always=always, limit=limit)
    job = 'run' if update and kpi else ('update' if update else 'kpi')
    try:
        ctx.store.acquire_run_lock(job)
    except RunLockHeld as exc:
        print(f'ERROR {exc}', file=sys.stderr)
        ctx.close()
        return EXIT_LOCKED
    try:
        if ctx.source.wiki_error:
            return refuse_invalid_wiki_config(ctx, 'update' if update else 'kpi')
        return run_pipeline(ctx, update=update, kpi=kpi, report=report, kpi_report=kpi_report)
    finally:
        ctx.store.release_run_lock()
        ctx.close()


def run_explain(cfg: tr_config.Config, source: ConfigSource, opts: Options) -> int:
    """``techroles explain``: write (or, with ``--print``, print) the explanation page."""
    ctx = RunContext(bot_space(cfg), source, always=opts.always)
    ctx.begin('explain')
    try:
        site = site_from_key(cfg.tables[0].site)
        if opts.print_only:
            print(botpages.explanation_text(ctx, site))
            return EXIT_OK
        try:
            login(site)
            check_shutoff_pages(ctx, ('explain',))
            botpages.write_explanation(ctx)
        except ConfigError as exc:
            ctx.problem('explain', str(exc))
            return EXIT_USAGE
        except ShutoffError as exc:
            ctx.problem('shutoff', str(exc))
            return EXIT_SHUTOFF
        except FetchError as exc:
            ctx.problem('explain', str(exc))
            return EXIT_INCOMPLETE
        return EXIT_INCOMPLETE if ctx.problems else EXIT_OK
    finally:
        ctx.close()
