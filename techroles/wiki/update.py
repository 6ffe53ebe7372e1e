"""The main job: check every listed person and update the sign-up tables.

Read each configured sign-up page once, find the people (``table``), collect
their activity (``activity``), decide a status per person (``policy``), hold
back what people control (manual cells, recent human corrections), write the
spans (``render``), check the brake and the limits, and save through the one
save path. Then the evidence page (why each status) and the explanation page
(the rule) are brought up to date.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import pywikibot
from dateutil.relativedelta import relativedelta
from pywikibot.exceptions import EditConflictError

from techroles import config as tr_config
from techroles import i18n, names, policy, render, reports, table
from techroles.errors import BotsExcludedError, FetchError, PageContentError
from techroles.model import Decision, PersonFacts, SignupTable, Status
from techroles.wiki import pages
from techroles.wiki.activity import ActivityCollector, Target
from techroles.wiki.jobs import Job
from techroles.wiki.pages import PageSnapshot, place, site_key
from techroles.wiki.sites import dbname_of, login, server_time, site_from_key


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
    #: person -> rows (table index, Row) where the person is written usably.
    rows: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    decisions: dict[str, Decision] = field(default_factory=dict)
    facts: dict[str, PersonFacts] = field(default_factory=dict)
    previous: dict[str, str | None] = field(default_factory=dict)
    #: People whose human-corrected span is kept, and until when.
    held: dict[str, date] = field(default_factory=dict)
    #: (table index, row line) -> why that row's status cell is not written.
    skip_rows: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def place(self) -> str:
        return place(self.site, self.spec.page)


class UpdateJob(Job):
    """Check every listed person and update the status cells of the tables."""

    name = 'update'

    def __init__(self, cfg: tr_config.Config, **kwargs) -> None:
        super().__init__(cfg, **kwargs)
        self.thresholds = cfg.policy_thresholds
        self.remaining = kwargs.get('limit')
        self.report: dict = {'tables': [], 'people': []}
        self.works: list[PageWork] = []

    # -- reading ---------------------------------------------------------------
    def load(self, spec: tr_config.TableSpec) -> PageWork | None:
        site = site_from_key(spec.site)
        snap = pages.read(site, spec.page)
        lang = spec.lang or site.lang
        work = PageWork(spec, site, snap, lang, self.cfg.language or lang)
        if not snap.exists:
            self.problem(work.place, 'the page does not exist')
            self.report['tables'].append(self._table_entry(work, None, False,
                                                           'the page does not exist'))
            return None
        self._parse(work, report=True)
        return work

    def _parse(self, work: PageWork, *, report: bool = False) -> None:
        """Parse ``work.snap.text`` and collect the usable rows per person."""
        work.tables = table.parse_page(work.snap.text, work.lang, **self._parse_options())
        work.rows = defaultdict(list)
        work.skip_rows = {}
        for tbl in work.tables:
            if tbl.kind != work.spec.kind and not _unreadable(tbl):
                continue
            if report:
                for problem in tbl.errors:
                    # The place is given once: the engine's messages start with it too.
                    message = problem.message.removeprefix(
                        f'table {tbl.index} line {problem.line}: ').removeprefix(
                        f'table {tbl.index}: ')
                    self.problem(work.place, message,
                                 severity='error' if tbl.broken else 'warning',
                                 table_index=tbl.index, line=problem.line)
                if tbl.in_translate:
                    self.problem(work.place, 'status cells inside <translate>: not written',
                                 severity='warning', table_index=tbl.index)
            if tbl.broken:
                continue
            for row in tbl.rows:
                if row.manual and report:
                    self.manual += [(user, work.spec.page) for user in row.users]
                elif report:
                    self.manual += [(user, work.spec.page) for user in row.manual_users]
                if row.unresolved or row.in_translate or getattr(row, 'broken', False):
                    continue
                bad_wiki = [w for w in row.wikis if self.sites.known(w)]
                if report:
                    for wiki in bad_wiki:
                        self.problem(work.place, self.sites.known(wiki) or wiki,
                                     severity='warning', table_index=tbl.index, line=row.line)
                if bad_wiki:
                    work.skip_rows[(tbl.index, row.line)] = self.sites.known(bad_wiki[0]) or ''
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
        """Who is checked where: row wikis and Meta; blocks on the community
        wikis (Meta for translators)."""
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
            check_quiet=bool(self.cfg.required_signals),
        )
        facts = collector.collect(targets, invalid=invalid)
        for work in works:
            new = self.listed_since(work)
            for name in work.rows:
                fact = facts[(work.place, name)]
                if new is None:
                    fact = replace(fact, complete=False,
                                   problems=(*fact.problems, 'page history unreadable'))
                elif name in new:
                    fact = replace(fact, listed_since=new[name])
                work.facts[name] = fact
                work.decisions[name] = policy.decide(
                    fact, self.now, self.thresholds,
                    required_signals=self.cfg.required_signals)
            for name, fact in work.facts.items():
                if not fact.complete:
                    self.problem(work.place, f'{name}: data incomplete ('
                                 + '; '.join(fact.problems[:2]) + '): status kept')

    def listed_since(self, work: PageWork) -> dict[str, datetime] | None:
        """When people signed up within the grace window (None if unreadable)."""
        cutoff = self.now + relativedelta(days=-self.cfg.grace_days)

        def people_in(text: str) -> set[str]:
            found: set[str] = set()
            for tbl in table.parse_page(text, work.lang, **self._parse_options()):
                if tbl.kind == work.spec.kind:
                    found |= set(tbl.people())
            return found

        try:
            return pages.listed_since(work.site, work.spec.page, cutoff, list(work.rows),
                                      people_in)
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

    def hold_human_corrections(self, work: PageWork) -> None:
        """Keep spans a person corrected since the bot's last save.

        For ``respect_human_days`` after the correction the bot leaves that
        span alone, unless the person's status changes again (the decision
        differs from what the bot last wrote there).
        """
        if not self.cfg.respect_human_days:
            return
        username = work.site.username()
        if not username:
            return
        try:
            last = pages.last_revision_by(work.site, work.spec.page, username.split('@')[0])
        except FetchError as exc:
            self.problem(work.place, f'cannot read the bot\'s last revision: {exc}',
                         severity='warning')
            return
        if last is None:
            return
        _revid, bot_time, bot_text = last
        options = self._parse_options()
        bot_spans = {s.user: s for s in render.read_spans(bot_text, work.lang, **options)
                     if s.user}
        now_spans = {s.user: s for s in render.read_spans(work.snap.text, work.lang, **options)
                     if s.user}
        changed = [u for u, span in bot_spans.items()
                   if u in work.decisions and now_spans.get(u) is not None
                   and now_spans[u].text != span.text]
        if not changed:
            return
        try:
            since = self._corrected_since(work, bot_time, bot_spans, changed)
        except FetchError as exc:
            self.problem(work.place, f'cannot read the page history: {exc}', severity='warning')
            return
        for user in changed:
            when = since.get(user)
            if when is None:
                continue
            until = (when + timedelta(days=self.cfg.respect_human_days)).date()
            decided = work.decisions[user].status.value
            if self.now.date() <= until and decided == bot_spans[user].status:
                work.held[user] = until
                self.human_kept.append((user, work.spec.page, until.isoformat()))

    def _corrected_since(self, work: PageWork, bot_time: datetime,
                         bot_spans: Mapping, changed: Sequence[str]) -> dict[str, datetime]:
        """When each changed span first differed from the bot's (bisection)."""
        newer, _ = pages.revisions_since(work.site, work.spec.page, bot_time)
        newer = [(revid, ts) for revid, ts in newer if ts > bot_time]
        options = self._parse_options()
        cache: dict[int, dict] = {}

        def spans(revid: int) -> dict:
            if revid not in cache:
                text = pages.revision_text(work.site, revid)
                cache[revid] = {s.user: s.text for s in
                                render.read_spans(text, work.lang, **options) if s.user}
            return cache[revid]

        out: dict[str, datetime] = {}
        for user in changed:
            lo, hi = 0, len(newer) - 1
            if hi < 0:
                continue
            while lo < hi:
                mid = (lo + hi) // 2
                if spans(newer[mid][0]).get(user) != bot_spans[user].text:
                    hi = mid
                else:
                    lo = mid + 1
            out[user] = newer[lo][1]
        return out

    # -- writing -------------------------------------------------------------------
    def label(self, lang: str):
        overrides = self.cfg.labels

        def label(decision: Decision) -> str:
            return i18n.status_label(decision, lang, overrides)

        return label

    def plan(self, work: PageWork, text: str) -> tuple[str, list, dict[int, str]]:
        """Render the decisions into ``text``; apply the brake, limit and ceiling.

        Returns the new text, the cell changes made and, per table index, why
        its changes were withheld.
        """
        decisions = {n: d for n, d in work.decisions.items() if n not in work.held}
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
                limit = policy.brake_limit(len(people), self.cfg.max_flip_share)
                withheld[tbl.index] = (
                    f'brake: {flips} of {len(people)} people would flip from active to '
                    f'inactive or missing (at most {float(limit):g} allowed); nothing saved')
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
            text, decisions, lang=work.lang, label=self.label(work.label_lang),
            add_status_column=work.spec.add_status_column,
            status_header=i18n.message('techroles-status-header', work.label_lang),
            skip_rows=work.skip_rows, **self._parse_options(),
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
            if change.user in allowed or used + per_person[change.user] > cap:
                continue
            allowed.add(change.user)
            used += per_person[change.user]
        return allowed

    def summary(self, work: PageWork, changes: Sequence) -> str:
        counts = Counter(Status(change.new) for change in changes)
        return i18n.edit_summary(counts, work.label_lang, self.cfg.summary_hashtag,
                                 self._link(work, self.cfg.status_page),
                                 self._link(work, self.cfg.explanation_page))

    def _link(self, work: PageWork, ref: tr_config.PageRef | None) -> str | None:
        """A link target to ``ref`` as written on ``work``'s wiki."""
        if ref is None:
            return None
        if ref.site == site_key(work.site):
            return ref.title
        prefix = reports.interwiki(dbname_of(site_from_key(ref.site)), dbname_of(work.site))
        return f':{prefix}{ref.title}' if prefix else None

    def save(self, work: PageWork) -> None:
        """Apply the decisions to the page and save, re-reading on conflicts.

        After an edit conflict the page is read again and the same decisions
        are applied to the new text, so a person who signed up meanwhile is
        kept (and gets a status next run).
        """
        attempts = self.cfg.edit_conflict_retries + 1
        for attempt in range(attempts):
            new_text, changes, withheld = self.plan(work, work.snap.text)
            for index, reason in withheld.items():
                self.problem(work.place, reason, table_index=index)
            if not changes:
                self._record(work, saved=False, withheld=withheld,
                             reason='withheld' if withheld else 'no change needed')
                return
            try:
                saved = self.save_path.save(work.snap, new_text, self.summary(work, changes))
            except EditConflictError:
                if attempt + 1 == attempts:
                    self.problem(work.place, f'edit conflict {attempts} times: not saved')
                    self._record(work, saved=False, reason='edit conflicts', withheld=withheld,
                                 changes=changes)
                    return
                work.snap = pages.read(work.site, work.spec.page)
                self._parse(work)
                continue
            except BotsExcludedError as exc:
                self.problem(work.place, str(exc), severity='warning')
                self._record(work, saved=False, reason='{{nobots}}', withheld=withheld,
                             changes=changes)
                return
            except FetchError as exc:  # not saved: protected, blocked, server errors …
                why = str(exc).removeprefix(f'{work.place}: ')
                self.problem(work.place, why)
                self._record(work, saved=False, reason=why, withheld=withheld,
                             changes=changes)
                return
            if saved and self.remaining is not None:
                self.remaining -= len(changes)
            if saved and not self.simulate:
                self.changes.append((work.place, work.spec.page, len(changes),
                                     work.snap.page.latest_revision_id))
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
            if tbl.kind != work.spec.kind and not _unreadable(tbl):
                continue
            if tbl.broken:
                why = '; '.join(p.message for p in tbl.errors) or 'unreadable table'
                entry = self._table_entry(work, tbl.index, False, why)
            elif tbl.index in withheld:
                entry = self._table_entry(work, tbl.index, False, withheld[tbl.index])
            elif tbl.in_translate:
                entry = self._table_entry(work, tbl.index, False,
                                          'status cells inside <translate>: not written')
            elif tbl.index in changed_tables:
                entry = self._table_entry(work, tbl.index, saved, reason)
            else:
                entry = self._table_entry(work, tbl.index, False, 'no change needed')
            self.report['tables'].append(entry)
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
                'window': [_iso(self.now + relativedelta(days=-self.cfg.active_days)),
                           _iso(self.now)],
                'held_until': work.held[name].isoformat() if name in work.held else None,
                'problems': list(fact.problems) if fact else [],
            })

    # -- the evidence and explanation pages -----------------------------------------
    def write_evidence(self) -> None:
        ref = self.cfg.evidence_page
        if ref is None or not self.works:
            return
        site = site_from_key(ref.site)
        lang = self.language(site)
        rows = [
            reports.EvidenceRow(
                name=name, page=work.spec.page, decision=decision,
                wikis_checked=work.facts[name].wikis_checked,
                window_start=self.now + relativedelta(days=-self.cfg.active_days),
                window_end=self.now, label=i18n.status_label(decision, lang, self.cfg.labels),
            )
            for work in self.works for name, decision in work.decisions.items()
            if decision.status is not Status.ACTIVE
        ]
        used = (f'{self.source.wiki_page[0]} ({self.source.wiki_page[1]})'
                if self.source.wiki_page
                else i18n.message('techroles-statuspage-config-file', lang))
        text = reports.evidence_section(rows, lang=lang, here=dbname_of(site), checked=self.now,
                                        config_used=used)
        self.write_section(ref, 'evidence', text, 'techroles-summary-evidence',
                           self.now.strftime('%Y-%m-%d'))

    def explanation_text(self, site: pywikibot.site.APISite) -> str:
        lang = self.language(site)
        sample = date(2026, 1, 31)
        examples = {
            Status.SLIPPING: Decision('X', Status.SLIPPING, since=sample),
            Status.INACTIVE: Decision('X', Status.INACTIVE, since=sample),
            Status.NEW: Decision('X', Status.NEW, since=sample),
            Status.RENAMED: Decision('X', Status.RENAMED, new_name='…'),
        }
        labels = {status: i18n.status_label(examples.get(status, Decision('X', status)), lang,
                                            self.cfg.labels) for status in Status}
        title = lambda ref: ref.title if ref else None  # noqa: E731
        return reports.explanation_section(
            lang=lang, bot=(site.username() or 'TechRolesBot').split('@')[0],
            thresholds=self.thresholds, required_signals=self.cfg.required_signals,
            labels=labels, signup_pages=[t.page for t in self.cfg.tables],
            talk_page=title(self.cfg.feedback_page) or 'User talk:TechRolesBot',
            evidence_page=title(self.cfg.evidence_page),
            shutoff_page=title(self.cfg.shutoff_page),
            respect_human_days=self.cfg.respect_human_days,
        )

    def write_explanation(self) -> None:
        ref = self.cfg.explanation_page
        if ref is None:
            return
        text = self.explanation_text(site_from_key(ref.site))
        self.write_section(ref, 'explanation', text, 'techroles-summary-explanation')

    # -- the run -----------------------------------------------------------------------
    def work(self) -> None:
        write_sites = {site_from_key(t.site) for t in self.cfg.tables}
        for site in write_sites:
            login(site)
        self.now = server_time(next(iter(write_sites)))
        self.works = [w for spec in self.cfg.tables if (w := self.load(spec)) is not None]
        self.collect(self.works)
        for work in self.works:
            self.hold_human_corrections(work)
        for work in self.works:
            try:
                self.save(work)
            except BotsExcludedError as exc:
                self.problem(work.place, str(exc), severity='warning')
                self._record(work, saved=False, reason='{{nobots}}', withheld={})
            except FetchError as exc:
                self.problem(work.place, str(exc))
                self._record(work, saved=False, reason=str(exc), withheld={})
        self.write_evidence()
        self.write_explanation()


def _unreadable(tbl: SignupTable) -> bool:
    """Not even the headers could be read (e.g. an unclosed ``{|``): it may be a
    sign-up table, so it is reported as one that was skipped."""
    return tbl.broken and not tbl.columns


def _iso(when: datetime | None) -> str | None:
    return when.strftime('%Y-%m-%dT%H:%M:%SZ') if when else None
