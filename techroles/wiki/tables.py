"""Write phase: the run's decisions into the status cells of each sign-up page.

Per page: hold back what people control (manual cells, recent human
corrections), render the spans (:func:`techroles.render.apply`), apply the
brake and the limits, and save through the run's one save path; after an
edit conflict the page is read and parsed again and the same decisions are
applied, so a person who signed up meanwhile is kept. Every listed person
gets a line in the report, written or not.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from techroles import config as tr_config
from techroles import i18n, policy, render, reports
from techroles.errors import BotsExcludedError, FetchError
from techroles.model import Decision, Status
from techroles.timefmt import iso
from techroles.wiki import pages
from techroles.wiki.context import Change, RunContext
from techroles.wiki.decide import Decisions
from techroles.wiki.pages import PageSnapshot, site_key
from techroles.wiki.signup import PageWork, parse, parse_options
from techroles.wiki.sites import dbname_of, site_from_key


class TableWriter:
    """Writes one run's decisions into every configured page, and reports them."""

    def __init__(self, ctx: RunContext, decisions: Decisions) -> None:
        self.ctx = ctx
        self.cfg = ctx.cfg
        self.decisions = decisions
        #: What ``--limit`` still allows (cells), across pages.
        self.remaining = ctx.limit
        self.report: dict = {'tables': [], 'people': []}

    def write_all(self, works: Sequence[PageWork]) -> None:
        for work in works:
            if not work.snap.exists:
                self.report['tables'].append(self._table_entry(work, None, False,
                                                               'the page does not exist'))
                continue
            self.hold_human_corrections(work)
            try:
                self.save(work)
            except BotsExcludedError as exc:
                self.ctx.problem(work.place, str(exc), severity='warning')
                self._record(work, saved=False, reason='{{nobots}}', withheld={})
            except FetchError as exc:
                why = str(exc).removeprefix(f'{work.place}: ')
                self.ctx.problem(work.place, why)
                self._record(work, saved=False, reason=why, withheld={})

    def mine(self, work: PageWork) -> dict[str, Decision]:
        """The decisions of the people the bot may write on this page, minus held ones."""
        return {n: self.decisions.people[n] for n in work.rows
                if n in self.decisions.people and n not in work.held}

    # -- what people control -------------------------------------------------------------
    def hold_human_corrections(self, work: PageWork) -> None:
        """Keep spans a person corrected since the bot's last save.

        For ``respect_human_days`` after the correction the bot leaves that
        span alone, unless the person's status changes again (the decision
        differs from what the bot last wrote there).
        """
        ctx = self.ctx
        if not self.cfg.respect_human_days:
            return
        username = work.site.username()
        if not username:
            return
        try:
            last = pages.last_revision_by(work.site, work.spec.page, username.split('@')[0])
        except FetchError as exc:
            ctx.problem(work.place, f'cannot read the bot\'s last revision: {exc}',
                        severity='warning')
            return
        if last is None:
            return
        _revid, bot_time, bot_text = last
        options = parse_options(self.cfg)
        bot_spans = {s.user: s for s in render.read_spans(bot_text, work.lang, **options)
                     if s.user}
        now_spans = {s.user: s for s in render.read_spans(work.snap.text, work.lang, **options)
                     if s.user}
        changed = [u for u, span in bot_spans.items()
                   if u in work.rows and u in self.decisions.people
                   and now_spans.get(u) is not None and now_spans[u].text != span.text]
        if not changed:
            return
        try:
            since = self._corrected_since(work, bot_time, bot_spans, changed)
        except FetchError as exc:
            ctx.problem(work.place, f'cannot read the page history: {exc}', severity='warning')
            return
        for user in changed:
            when = since.get(user)
            if when is None:
                continue
            until = (when + timedelta(days=self.cfg.respect_human_days)).date()
            decided = self.decisions.people[user].status.value
            if ctx.now.date() <= until and decided == bot_spans[user].status:
                work.held[user] = until
                ctx.human_kept.append((user, work.spec.page, until.isoformat()))

    def _corrected_since(self, work: PageWork, bot_time: datetime,
                         bot_spans: Mapping, changed: Sequence[str]) -> dict[str, datetime]:
        """When each changed span first differed from the bot's (bisection)."""
        newer, _ = pages.revisions_since(work.site, work.spec.page, bot_time)
        newer = [(revid, ts) for revid, ts in newer if ts > bot_time]
        options = parse_options(self.cfg)
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

    # -- rendering -----------------------------------------------------------------------
    def plan(self, work: PageWork, text: str) -> tuple[str, list, dict[int, str]]:
        """Render the decisions into ``text``; apply the brake, limit and ceiling.

        Returns the new text, the cell changes made and, per table index, why
        its changes were withheld.
        """
        decisions = self.mine(work)
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
        overrides = self.cfg.labels

        def label(decision: Decision) -> str:
            return i18n.status_label(decision, work.label_lang, overrides)

        return render.apply(
            text, decisions, lang=work.lang, label=label,
            add_status_column=work.spec.add_status_column,
            status_header=i18n.message('techroles-status-header', work.label_lang),
            skip_rows=work.skip_rows, **parse_options(self.cfg),
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

    # -- saving --------------------------------------------------------------------------
    def save(self, work: PageWork) -> None:
        """Apply the decisions to the page and save through the one save path."""
        ctx = self.ctx
        planned: dict = {'changes': [], 'withheld': {}}

        def build(snap: PageSnapshot) -> tuple[str, str] | None:
            if snap is not work.snap:  # read again after an edit conflict
                work.snap = snap
                parse(ctx, work)
            text, changes, withheld = self.plan(work, snap.text)
            planned.update(changes=changes, withheld=withheld)
            return (text, self.summary(work, changes)) if changes else None

        result = ctx.save_with_retry(work.site, work.spec.page, build, snap=work.snap)
        changes, withheld = planned['changes'], planned['withheld']
        for index, reason in withheld.items():
            ctx.problem(work.place, reason, table_index=index)
        if result.conflicts:
            attempts = self.cfg.edit_conflict_retries + 1
            ctx.problem(work.place, f'edit conflict {attempts} times: not saved')
            self._record(work, saved=False, reason='edit conflicts', withheld=withheld,
                         changes=changes)
            return
        if not changes:
            self._record(work, saved=False, withheld=withheld,
                         reason='withheld' if withheld else 'no change needed')
            return
        if result.saved:
            if self.remaining is not None:
                self.remaining -= len(changes)
            ctx.changes.append(Change(work.place, work.spec.page, len(changes),
                                      work.snap.page.latest_revision_id))
        reason = 'simulated' if ctx.simulate else ('saved' if result.saved else 'not saved')
        self._record(work, saved=result.saved, reason=reason, withheld=withheld,
                     changes=changes)

    # -- report --------------------------------------------------------------------------
    def _table_entry(self, work: PageWork, index: int | None, saved: bool, reason: str) -> dict:
        return {'site': site_key(work.site), 'page': work.spec.page, 'index': index,
                'saved': saved, 'reason': reason}

    def _record(self, work: PageWork, *, saved: bool, reason: str,
                withheld: Mapping[int, str], changes: Sequence = ()) -> None:
        changed_tables = {c.table for c in changes}
        for tbl in work.own_tables():
            if tbl.broken:
                why = '; '.join(getattr(p, 'reason', '') or p.message
                                for p in tbl.errors) or 'unreadable table'
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
        now = self.ctx.now
        window = [iso(now + relativedelta(days=-self.cfg.active_days)), iso(now)]
        for name, listed in work.listed.items():
            decision = self.decisions.people.get(name)
            if decision is None:  # signed up while the run was going: next run
                continue
            first = (work.rows.get(name) or listed)[0][1]
            fact = self.decisions.facts.get(name)
            self.report['people'].append({
                'name': name, 'site': site_key(work.site), 'page': work.spec.page,
                'line': first.line, 'status': decision.status.value,
                'previous': work.previous.get(name), 'evidence': _evidence(decision),
                'signals': dict(decision.signals), 'reason': decision.reason,
                'new_name': decision.new_name,
                'wikis_checked': list(fact.wikis_checked) if fact else [],
                'window': window,
                'held_until': work.held[name].isoformat() if name in work.held else None,
                'problems': list(fact.problems) if fact else [],
                'written': name in work.rows,
            })


def _evidence(decision: Decision) -> dict | None:
    if decision.evidence is None:
        return None
    ev = decision.evidence
    out = {'wiki': ev.wiki, 'timestamp': iso(ev.timestamp)}
    if ev.kind == 'log':
        out['logid'] = ev.logid
    else:
        out['revid'] = ev.revid
    return out
