"""The jobs: ``update`` (sign-up tables), ``kpi`` (the KPI page), ``run`` (both).

A job wires the pure core to the wiki layer: read the configuration, read
each sign-up page once, find the people (``table``), collect their activity
(``activity``), decide a status per person (``policy``), write the spans
(``render``), check the brake and the limits, and save through the one save
path (``pages.SavePath``). Problems are printed to stderr one line each
(``ERROR site:page[ table N][ line L]: message``) and collected for the
report and the status page.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pywikibot
from dateutil.relativedelta import relativedelta
from pywikibot import config as pwb_config
from pywikibot.bot import BaseBot
from pywikibot.exceptions import EditConflictError

from techroles import config as tr_config
from techroles import i18n, names, policy, render, table
from techroles.errors import (
    BotsExcludedError,
    ConfigError,
    FetchError,
    PageContentError,
    ShutoffError,
)
from techroles.model import Decision, PersonFacts, SignupTable, Status
from techroles.wiki import api, pages
from techroles.wiki.activity import ActivityCollector, Target
from techroles.wiki.pages import PageSnapshot, SavePath, place, site_key
from techroles.wiki.sites import Sites, dbname_of, server_time, site_from_key
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


@dataclass
class PageWork:
    """One configured sign-up page through one run."""

    spec: tr_config.TableSpec
    site: pywikibot.site.APISite
    snap: PageSnapshot
    lang: str
    tables: list[SignupTable] = field(default_factory=list)
    #: person -> rows (table index, Row) where the person is written usably.
    rows: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    decisions: dict[str, Decision] = field(default_factory=dict)
    facts: dict[str, PersonFacts] = field(default_factory=dict)
    previous: dict[str, str | None] = field(default_factory=dict)

    @property
    def place(self) -> str:
        return place(self.site, self.spec.page)


class TechrolesBot(BaseBot):
    """Pywikibot's bot machinery for techroles: options, ``userPut``, counters."""

    update_options: ClassVar[dict] = {
        'limit': None,
        'report': None,
    }


class Job:
    """What ``update`` and ``kpi`` share: configuration, sites, store, report."""

    def __init__(self, cfg: tr_config.Config, *, always: bool = False,
                 report: str | None = None, limit: int | None = None) -> None:
        self.cfg = cfg
        self.report_path = report
        self.problems: list[Problem] = []
        self.bot = TechrolesBot(always=always, limit=limit, report=report)
        self.meta = pywikibot.Site('meta', 'meta')
        self.sites = Sites(self.meta)
        self.store = StateStore(self._store_path())
        self.simulate = bool(pwb_config.simulate)
        self.now: datetime | None = None

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

    def page_site(self, ref: tr_config.PageRef | None) -> tuple | None:
        if ref is None:
            return None
        return site_from_key(ref.site), ref.title

    def write_report(self, data: dict) -> None:
        if not self.report_path:
            return
        path = Path(self.report_path)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + '\n', encoding='utf-8')


class UpdateJob(Job):
    """Check every listed person and update the status cells of the tables."""

    def __init__(self, cfg: tr_config.Config, **kwargs) -> None:
        super().__init__(cfg, **kwargs)
        self.thresholds = policy.Thresholds(cfg.active_days, cfg.slipping_days, cfg.grace_days)
        self.remaining = kwargs.get('limit')
        self.save_path = SavePath(self.bot, self.page_site(cfg.shutoff_page))
        self.report: dict = {'tables': [], 'people': []}

    # -- reading ---------------------------------------------------------------
    def load(self, spec: tr_config.TableSpec) -> PageWork | None:
        site = site_from_key(spec.site)
        snap = pages.read(site, spec.page)
        lang = spec.lang or site.lang
        work = PageWork(spec, site, snap, lang)
        if not snap.exists:
            self.problem(work.place, 'the page does not exist')
            self.report['tables'].append(self._table_entry(work, None, False,
                                                           'the page does not exist'))
            return None
        self._parse(work)
        return work

    def _parse(self, work: PageWork) -> None:
        """Parse ``work.snap.text`` and collect the usable rows per person."""
        work.tables = table.parse_page(work.snap.text, work.lang, **self._parse_options())
        work.rows = defaultdict(list)
        for tbl in work.tables:
            usable = tbl.kind == work.spec.kind and not tbl.broken
            for problem in tbl.errors:
                if usable or tbl.kind == work.spec.kind:
                    self.problem(work.place, problem.message, severity='warning',
                                 table_index=tbl.index, line=problem.line)
            if not usable:
                continue
            for row in tbl.rows:
                if row.unresolved or row.in_translate:
                    continue
                bad_wiki = [w for w in row.wikis if self.sites.known(w)]
                for wiki in bad_wiki:
                    self.problem(work.place, self.sites.known(wiki) or wiki, severity='warning',
                                 table_index=tbl.index, line=row.line)
                if bad_wiki:
                    continue
                for user, status in zip(row.users, row.statuses, strict=True):
                    work.rows[user].append((tbl.index, row))
                    work.previous.setdefault(user, status)

    def _parse_options(self) -> dict:
        options = {}
        if self.cfg.column_aliases:
            options['aliases'] = self.cfg.column_aliases
        if self.cfg.user_templates:
            options['user_templates'] = self.cfg.user_templates
        return options

    def targets(self, work: PageWork) -> dict[tuple[str, str], Target]:
        translator = work.spec.kind == 'translators'
        meta_db = self.sites.meta_dbname
        out = {}
        for name, rows in work.rows.items():
            wikis = frozenset(w for _, row in rows for w in row.wikis)
            languages = frozenset(lang for _, row in rows for lang in row.languages)
            block = frozenset({meta_db}) if translator else (wikis or frozenset({meta_db}))
            out[(work.place, name)] = Target(name, wikis, block, languages, translator)
        return out

    # -- deciding ----------------------------------------------------------------
    def collect(self, works: list[PageWork]) -> None:
        targets: dict[tuple[str, str], Target] = {}
        invalid: set[str] = set()
        for work in works:
            targets.update(self.targets(work))
            invalid |= {n for n in work.rows if not names.is_valid_name(n)}
        for wiki in {w for t in targets.values() for w in t.wikis | t.block_wikis}:
            self.sites.known(wiki)  # resolve sites before the worker threads start
        collector = ActivityCollector(
            self.sites.site, now=self.now, active_days=self.cfg.active_days,
            slipping_days=self.cfg.slipping_days, store=self.store,
            concurrency=self.cfg.concurrency, proactive_pages=self.proactive_pages(),
            tech_news_prefix=self.cfg.tech_news.prefix, meta=self.sites.meta_dbname,
        )
        facts = collector.collect(targets, invalid=invalid)
        for work in works:
            new = self.listed_since(work)
            for name in work.rows:
                fact = facts[(work.place, name)]
                if new is None:
                    fact = _replace(fact, complete=False,
                                    problems=(*fact.problems, 'page history unreadable'))
                elif name in new:
                    fact = _replace(fact, listed_since=new[name])
                work.facts[name] = fact
                work.decisions[name] = policy.decide(
                    fact, self.now, self.thresholds,
                    required_signals=self.cfg.required_signals)

    def listed_since(self, work: PageWork) -> dict[str, datetime] | None:
        """When people signed up within the grace window (None if unreadable)."""
        cutoff = self.now + relativedelta(days=-self.cfg.grace_days)
        names_now = list(work.rows)

        def people_in(text: str) -> set[str]:
            found: set[str] = set()
            for tbl in table.parse_page(text, work.lang, **self._parse_options()):
                if tbl.kind == work.spec.kind:
                    found |= set(tbl.people())
            return found

        try:
            return pages.listed_since(work.site, work.spec.page, cutoff, names_now, people_in)
        except FetchError as exc:
            self.problem(work.place, f'cannot read the page history: {exc}')
            return None

    def proactive_pages(self) -> dict[str, list[str]]:
        """Community technical pages: the delivery list's targets + configuration."""
        from techroles import delivery

        out: dict[str, list[str]] = defaultdict(list)
        ref = self.cfg.delivery_list
        if ref is not None:
            try:
                site = site_from_key(ref.site)
                snap = pages.read(site, ref.title)
                if snap.exists:
                    for target in delivery.parse_targets(snap.text, snap.content_model):
                        db = delivery.target_dbname(target, default=dbname_of(site))
                        if db and not delivery.is_subscriber(target.title):
                            out[db].append(target.title)
            except (FetchError, PageContentError) as exc:
                self.problem(place(self.meta, ref.title), f'delivery list unreadable: {exc}',
                             severity='warning')
        for wiki, titles in (self.cfg.proactive_pages or {}).items():
            out[wiki].extend(titles)
        return dict(out)

    # -- writing -------------------------------------------------------------------
    def label(self, lang: str):
        overrides = self.cfg.labels

        def label(decision: Decision) -> str:
            return i18n.status_label(decision, lang, overrides)

        return label

    def plan(self, work: PageWork, text: str) -> tuple[str, list, dict[int, str]]:
        """Render the decisions into ``text``; apply brake, limit and ceiling.

        Returns the new text, the cell changes made and, per table index, why
        its changes were withheld.
        """
        decisions = dict(work.decisions)
        withheld: dict[int, str] = {}
        for tbl in work.tables:
            if tbl.kind != work.spec.kind or tbl.broken:
                continue
            people = tbl.people()
            previous = {n: work.previous.get(n) for n in people}
            mine = {n: decisions[n] for n in people if n in decisions}
            trips, flips = policy.brake_trips(previous, mine, len(people),
                                              self.cfg.max_flip_share)
            if trips:
                withheld[tbl.index] = (f'brake: {flips} of {len(people)} people would flip '
                                       'from active to inactive or missing; nothing saved')
                for name in people:
                    decisions.pop(name, None)
        result = self._render(text, work, decisions)
        allowed = self._within_limits(result.changes)
        if allowed is not None:
            decisions = {n: d for n, d in decisions.items() if n in allowed}
            result = self._render(text, work, decisions)
        return result.text, result.changes, withheld

    def _render(self, text: str, work: PageWork, decisions: Mapping[str, Decision]):
        return render.apply(
            text, decisions, lang=work.lang, label=self.label(work.lang),
            add_status_column=work.spec.add_status_column,
            status_header=i18n.message('techroles-status-header', work.lang),
            **self._parse_options(),
        )

    def _within_limits(self, changes: Sequence) -> set[str] | None:
        """People whose changes fit ``--limit`` and the per-edit ceiling."""
        caps = [c for c in (self.remaining, self.cfg.max_changes_per_edit) if c is not None]
        if not caps or len(changes) <= min(caps):
            return None
        cap = min(caps)
        allowed: set[str] = set()
        used = 0
        per_person = Counter(change.user for change in changes)
        for change in changes:
            if change.user in allowed:
                continue
            if used + per_person[change.user] > cap:
                continue
            allowed.add(change.user)
            used += per_person[change.user]
        return allowed

    def summary(self, work: PageWork, changes: Sequence) -> str:
        counts = Counter(Status(change.new) for change in changes)
        status_link = self._link(work, self.cfg.status_page)
        explanation = self._link(work, self.cfg.explanation_page)
        return i18n.edit_summary(counts, work.lang, self.cfg.summary_hashtag, status_link,
                                 explanation)

    def _link(self, work: PageWork, ref: tr_config.PageRef | None) -> str | None:
        if ref is None:
            return None
        if ref.site == site_key(work.site):
            return ref.title
        target = site_from_key(ref.site)
        return f':{target.family.name}:{target.code}:{ref.title}' if target != work.site else \
            ref.title

    def save(self, work: PageWork) -> None:
        """Apply the decisions to the page and save, re-reading on conflicts."""
        attempts = self.cfg.edit_conflict_retries + 1
        for attempt in range(attempts):
            new_text, changes, withheld = self.plan(work, work.snap.text)
            for index, reason in withheld.items():
                self.problem(work.place, reason, table_index=index)
            if not changes:
                self._record(work, saved=False, reason='no change needed' if not withheld
                             else 'withheld', withheld=withheld)
                return
            summary = self.summary(work, changes)
            try:
                saved = self.save_path.save(work.snap, new_text, summary)
            except EditConflictError:
                if attempt + 1 == attempts:
                    self.problem(work.place, f'edit conflict {attempts} times: not saved')
                    self._record(work, saved=False, reason='edit conflicts', withheld=withheld)
                    return
                work.snap = pages.read(work.site, work.spec.page)
                self._parse(work)
                continue
            if saved and self.remaining is not None:
                self.remaining -= len(changes)
            reason = 'simulated' if self.simulate else ('saved' if saved else 'not saved')
            self._record(work, saved=saved and not self.simulate, reason=reason,
                         withheld=withheld, changes=changes)
            return

    # -- report ----------------------------------------------------------------------
    def _table_entry(self, work: PageWork, index: int | None, saved: bool, reason: str) -> dict:
        return {'site': site_key(work.site), 'page': work.spec.page, 'index': index,
                'saved': saved, 'reason': reason}

    def _record(self, work: PageWork, *, saved: bool, reason: str,
                withheld: Mapping[int, str], changes: Sequence = ()) -> None:
        changed_tables = {c.table for c in changes}
        for tbl in work.tables:
            if tbl.kind != work.spec.kind:
                continue
            if tbl.broken:
                why = '; '.join(p.message for p in tbl.errors) or 'unreadable table'
                self.report['tables'].append(self._table_entry(work, tbl.index, False, why))
            elif tbl.index in withheld:
                self.report['tables'].append(
                    self._table_entry(work, tbl.index, False, withheld[tbl.index]))
            elif tbl.in_translate:
                self.report['tables'].append(self._table_entry(
                    work, tbl.index, False, 'status cells inside <translate>: not written'))
            else:
                self.report['tables'].append(self._table_entry(
                    work, tbl.index, saved and tbl.index in changed_tables,
                    reason if tbl.index in changed_tables else 'no change needed'))
        for name, decision in work.decisions.items():
            first = work.rows[name][0][1]
            evidence = None
            if decision.evidence is not None:
                ev = decision.evidence
                evidence = {'wiki': ev.wiki, 'timestamp': _iso(ev.timestamp)}
                if ev.kind == 'log':
                    evidence['logid'] = ev.logid
                else:
                    evidence['revid'] = ev.revid
            fact = work.facts.get(name)
            self.report['people'].append({
                'name': name, 'site': site_key(work.site), 'page': work.spec.page,
                'line': first.line, 'status': decision.status.value,
                'previous': work.previous.get(name), 'evidence': evidence,
                'signals': dict(decision.signals), 'reason': decision.reason,
                'new_name': decision.new_name,
                'wikis_checked': list(fact.wikis_checked) if fact else [],
                'problems': list(fact.problems) if fact else [],
            })

    # -- the run -----------------------------------------------------------------------
    def run(self) -> int:
        status = EXIT_OK
        try:
            write_sites = {site_from_key(t.site) for t in self.cfg.tables}
            for site in write_sites:
                site.login()
            self.now = server_time(next(iter(write_sites)))
            works = [w for spec in self.cfg.tables if (w := self.load(spec)) is not None]
            self.collect(works)
            for work in works:
                try:
                    self.save(work)
                except BotsExcludedError as exc:
                    self.problem(work.place, str(exc), severity='warning')
                except FetchError as exc:
                    self.problem(work.place, str(exc))
                    self._record(work, saved=False, reason=str(exc), withheld={})
        except ShutoffError as exc:
            self.problem('shutoff', str(exc))
            status = EXIT_SHUTOFF
        except (FetchError, PageContentError) as exc:
            self.problem('run', str(exc))
            status = EXIT_INCOMPLETE
        finally:
            self.report['run'] = {
                'time': _iso(self.now) if self.now else None,
                'simulate': self.simulate,
                'requests': dict(api.COUNTER),
                'problems': [str(p) for p in self.problems],
            }
            self.write_report(self.report)
        if status != EXIT_OK:
            return status
        unknown = any(p['status'] == Status.UNKNOWN.value for p in self.report['people'])
        errors = any(p.severity == 'error' for p in self.problems)
        return EXIT_INCOMPLETE if unknown or errors else EXIT_OK


def _replace(fact: PersonFacts, **changes) -> PersonFacts:
    from dataclasses import replace

    return replace(fact, **changes)


def _iso(when: datetime | None) -> str | None:
    return when.strftime('%Y-%m-%dT%H:%M:%SZ') if when else None


# -- entry points (called by techroles.cli and the scripts) -------------------------------

def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, add_help=False, allow_abbrev=False)
    parser.add_argument('--config', required=True)
    parser.add_argument('--report')
    parser.add_argument('-always', '--always', action='store_true')
    parser.add_argument('--limit', type=int)
    return parser


def _load_config(path: str) -> tr_config.Config:
    return tr_config.validate(tr_config.load_file(path), source=path)


def run_update(args: Sequence[str]) -> int:
    """``techroles update``: exit status as documented in ``techroles.cli``."""
    try:
        opts = _parser('techroles update').parse_args(list(args))
    except SystemExit:
        return EXIT_USAGE
    if opts.limit is not None and opts.limit < 0:
        print('ERROR techroles update: --limit must be 0 or more', file=sys.stderr)
        return EXIT_USAGE
    try:
        cfg = _load_config(opts.config)
        job = UpdateJob(cfg, always=opts.always, report=opts.report, limit=opts.limit)
    except ConfigError as exc:
        print(f'ERROR {opts.config}: {exc}', file=sys.stderr)
        return EXIT_USAGE
    return job.run()


def run_kpi(args: Sequence[str]) -> int:
    from techroles.wiki.kpijob import run_kpi as run

    return run(args)


def run_both(args: Sequence[str]) -> int:
    from techroles.wiki.kpijob import run_both as run

    return run(args)


def run_explain(args: Sequence[str]) -> int:
    from techroles.wiki.kpijob import run_explain as run

    return run(args)

