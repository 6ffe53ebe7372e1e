"""Batched, concurrent, incremental collection of people's activity.

For every person it finds, on every wiki where they are checked, the latest
edit, the latest logged action (only when the latest edit is older than the
slipping threshold, and never ``newusers/*``), the edits in the activity
window (for the count and the role signals), the account state (existence,
blocks, renames, CentralAuth lock, home wiki) and whether Meta can e-mail
them. The output is one :class:`~techroles.model.PersonFacts` per person,
which :func:`techroles.policy.decide` turns into a status.

Cost model (what the benchmark measures). Per wiki, people go in batches of
the API's multi-value limit (500 where the account has ``apihighlimits``,
else 50), and one request per batch combines ``list=users`` (existence,
blocks, edit counts) with ``list=usercontribs`` over the window (``ucend`` =
window start; rows come ordered by user, then newest first). When that query
would page on, people whose total edit count exceeds one page (heavy editors)
are taken out and asked alone with ``uclimit=1``, and the light ones are
continued. The latest edit of people with no edit in the window matters
only when they have none anywhere: then their logged actions are asked (one
user per request) and the latest edit comes in the same request
(``uclimit=1``), so it costs no request of its own. Wikis are worked on
in parallel (bounded); one wiki's requests stay sequential. Requests that
can only name one person (``globaluserinfo``, ``logevents``, heavy editors)
are counted apart as per-person requests.

Incremental runs use the :class:`~techroles.wiki.store.StateStore`: the
window query asks only for edits since the last check of the batch, the
global facts are cached until Meta's lock log names the person, and the
store keeps the window's edits so counts and signals come out the same as in
a cold run. Deleting the store changes no result.

Failures never read as "no activity": a wiki that cannot be read completely
makes every person checked there incomplete (status ``unknown``).
"""
from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pywikibot
from dateutil.relativedelta import relativedelta

from techroles.errors import FetchError
from techroles.model import Activity, PersonFacts
from techroles.wiki import api
from techroles.wiki.store import CachedActivity, StateStore, iso


#: Where every person's e-mail flag and (translators') translations are read.
META = 'metawiki'
#: Editing here is the "supportive" signal.
MEDIAWIKI = 'mediawikiwiki'
NS_USER_TALK = 3
NS_TRANSLATIONS = 1198
#: Edits of the window kept per person and wiki in the store.
RECENT_CAP = 2000
#: CentralAuth facts are asked again after this many days even if no log says so.
GLOBAL_MAX_AGE_DAYS = 30
# One person's newest log entries: enough to step over a few newusers/* entries.
LOG_PAGE = 20
LOG_PROP = 'ids|type|timestamp|title'


@dataclass(frozen=True)
class Target:
    """One person to check, and where."""

    name: str
    #: Wikis whose edits and logged actions count as activity.
    wikis: frozenset[str]
    #: Wikis where an infinite sitewide block makes the person ``blocked``.
    block_wikis: frozenset[str]
    #: Translator languages (for the "translating" signal).
    languages: frozenset[str] = frozenset()
    translator: bool = False


@dataclass
class WikiUser:
    """What one wiki said about one person."""

    exists: bool = False
    editcount: int = 0
    blocked: bool = False
    emailable: bool = False
    latest_edit: dict | None = None
    latest_log: dict | None = None
    #: ``[ts, revid, ns, title]`` of the window's edits, newest first.
    recent: list[list] = field(default_factory=list)
    truncated: bool = False


@dataclass
class WikiResult:
    """Everything learnt on one wiki; ``error`` set when it is incomplete."""

    wiki: str
    users: dict[str, WikiUser] = field(default_factory=dict)
    #: Names the wiki refused as invalid.
    invalid: set[str] = field(default_factory=set)
    error: str | None = None


def _ts(text: str) -> datetime:
    return datetime.strptime(text, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=timezone.utc)


def _chunks(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def norm_title(title: str) -> str:
    title = title.replace('_', ' ').strip()
    return title[:1].upper() + title[1:]


class ActivityCollector:
    """Collects :class:`PersonFacts` for many people on many wikis.

    ``site_for(dbname)`` gives the Pywikibot site of a wiki (raising
    :class:`FetchError` for a wiki that cannot be reached). ``now`` is the
    server time of the run; ``active_days``/``slipping_days`` define the
    window and when logged actions are looked up.
    """

    def __init__(
        self,
        site_for: Callable[[str], object],
        *,
        now: datetime,
        active_days: int,
        slipping_days: int,
        store: StateStore | None = None,
        concurrency: int = 3,
        proactive_pages: Mapping[str, Iterable[str]] | None = None,
        tech_news_prefix: str = 'Tech/News',
        meta: str = META,
        mediawiki: str = MEDIAWIKI,
        check_quiet: bool = False,
    ) -> None:
        self.site_for = site_for
        self.now = now
        self.window_start = now + relativedelta(days=-active_days)
        self.slipping_cutoff = now + relativedelta(days=-slipping_days)
        self.store = store
        self.concurrency = max(1, concurrency)
        self.proactive_raw = {w: list(t) for w, t in (proactive_pages or {}).items()}
        self.meta = meta
        self.mediawiki = mediawiki
        self.check_quiet = check_quiet
        self.translation_re = re.compile(
            r'^[^:]+:' + re.escape(tech_news_prefix)
            + r'/\d{4}/\d{1,2}/[^/]+/(?P<lang>[a-z0-9-]+)$',
        )
        self._lock = threading.Lock()
        self._module_cache: dict[tuple[str, str], bool] = {}
        # Meta's newest log entries per person, asked in the same request as
        # their globaluserinfo (one request instead of two): {name: entries or
        # None when the page held no answer (only newusers/* and more to come)}.
        self._meta_logs: dict[str, list[dict] | None] = {}

    # -- public ------------------------------------------------------------
    def collect(self, targets: Mapping[Hashable, Target],
                invalid: Iterable[str] = ()) -> dict[Hashable, PersonFacts]:
        """Facts for every target (``invalid`` names are answered without asking).

        Targets are keyed by anything (the update job uses ``(page, name)``: a
        person may be listed on several pages, checked on different wikis); a
        person is asked for once per wiki whatever the number of targets.
        """
        invalid = set(invalid)
        facts: dict[Hashable, PersonFacts] = {
            key: PersonFacts(name=t.name, invalid=True, exists=False)
            for key, t in targets.items() if t.name in invalid
        }
        keys = [key for key, t in targets.items() if t.name not in invalid]
        if not keys:
            return facts
        names = sorted({targets[key].name for key in keys})
        self._refresh_from_meta_logs()
        # Where to look: activity wikis, Meta (e-mail, translations) and
        # mediawiki.org (the supportive signal). Translators' home wikis are
        # known only from CentralAuth: they are read afterwards (step 3).
        plan: dict[str, set[str]] = defaultdict(set)
        wikis_of: dict[Hashable, set[str]] = {}
        all_wikis: dict[str, set[str]] = defaultdict(set)
        for key in keys:
            target = targets[key]
            wikis_of[key] = set(target.wikis) | {self.meta}
            all_wikis[target.name] |= wikis_of[key] | set(target.block_wikis)
            for wiki in wikis_of[key] | set(target.block_wikis) | {self.mediawiki}:
                plan[wiki].add(target.name)
        # 1. Every wiki's batched contributions, in parallel.
        results = self._run_parallel({w: sorted(p) for w, p in plan.items()}, self._wiki_pass)
        # 2. Logged actions of the people already known to need them, wiki by
        #    wiki; Meta's worker first asks the CentralAuth facts (one request
        #    per person: the longest chain of a cold run), which bring each
        #    person's Meta log entries along.
        asked: set[tuple[str, str]] = set()
        early = self._stale(keys, targets, wikis_of, results, asked, translators=False)
        found: dict[str, tuple] = {}

        def global_then_logs(wiki: str, people: list[str]) -> WikiResult:
            if wiki == self.meta:
                found['global'] = self._global_facts(names, results[wiki])
                people = sorted(early.get(wiki, ()))
            return self._logs_pass(results[wiki], people) if people else results[wiki]

        self._run_parallel({self.meta: names, **{w: sorted(p) for w, p in early.items()
                                                 if w != self.meta}},
                           global_then_logs, 'CentralAuth (Meta), logged actions')
        asked |= {(w, n) for w, p in early.items() for n in p}
        global_info, global_error = found['global']
        # 3. Translators' home wikis, known only now.
        homes: dict[str, set[str]] = defaultdict(set)
        for key in keys:
            target = targets[key]
            home = (global_info.get(target.name) or {}).get('home')
            if target.translator and home and home not in wikis_of[key]:
                wikis_of[key].add(home)
                all_wikis[target.name].add(home)
                if home not in results or target.name not in results[home].users:
                    homes[home].add(target.name)
        for wiki, extra in self._run_parallel({w: sorted(p) for w, p in homes.items()},
                                              self._wiki_pass, 'home wikis').items():
            if wiki not in results:
                results[wiki] = extra
                continue
            results[wiki].users.update(extra.users)
            results[wiki].invalid |= extra.invalid
            results[wiki].error = results[wiki].error or extra.error
        # 4. The remaining logged actions (Meta's came with globaluserinfo) and
        #    the rename logs of missing names, wiki by wiki in parallel.
        late = self._stale(keys, targets, wikis_of, results, asked)
        missing = [n for n in names
                   if not self._exists(n, all_wikis[n], results, global_info)]
        lookups = self._rename_lookups(missing, all_wikis, results)
        renamed: dict[str, dict[str, tuple[str | None, str | None]]] = {}

        def logs_and_renames(wiki: str, people: list[str]) -> WikiResult:
            result = results[wiki]
            if people:
                self._logs_pass(result, people)
            if lookups.get(wiki):
                renamed[wiki] = self._renames_on(wiki, lookups[wiki])
            return result

        self._run_parallel({w: sorted(late.get(w, ())) for w in set(late) | set(lookups)},
                           logs_and_renames, 'logged actions, renames')
        renames = self._renames(missing, all_wikis, renamed)
        # 5. Only when role signals decide statuses: the latest edit of everyone
        #    left with edits but none in the window (see _quiet_pass).
        if self.check_quiet:
            quiet = {w: [n for n in sorted(r.users) if self._needs_latest(r, n)]
                     for w, r in results.items() if r.error is None}
            self._run_parallel({w: p for w, p in quiet.items() if p},
                               lambda w, p: self._quiet_pass(results[w], p), 'latest edits')
        for key in keys:
            target = targets[key]
            facts[key] = self._assemble(
                target, wikis_of[key], results, global_info, global_error,
                renames.get(target.name, (None, None)),
            )
        if self.store is not None:
            for wiki, result in results.items():
                if result.error is None:
                    self.store.put_last_complete(wiki, self.now)
        return facts

    # -- plumbing ----------------------------------------------------------
    def _run_parallel(self, work: Mapping[str, list[str]],
                      fn: Callable[[str, list[str]], WikiResult | None],
                      step: str = 'contributions') -> dict[str, WikiResult]:
        results: dict[str, WikiResult] = {}
        if not work:
            return results
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(work))) as pool:
            futures = {pool.submit(fn, wiki, people): wiki for wiki, people in work.items()}
            for done, future in enumerate(as_completed(futures), 1):
                wiki = futures[future]
                results[wiki] = future.result()
                # Progress, as plain lines (a terminal and a job log read them alike).
                pywikibot.info(f'techroles: {wiki}: {step}: {len(work[wiki])} people '
                               f'({done}/{len(work)} wikis)'
                               + (f': incomplete: {results[wiki].error}'
                                  if results[wiki] and results[wiki].error else ''))
        return results

    def _site(self, wiki: str):
        return self.site_for(wiki)

    def _limits(self, site) -> tuple[int, int]:
        """(multi-value limit, list limit) for this site and account."""
        high = bool(site.logged_in() and site.has_right('apihighlimits'))
        return (500, 5000) if high else (50, 500)

    def _has_module(self, wiki: str, kind: str, name: str) -> bool:
        """Whether the wiki has an API module (``meta``/``list``/``letype``…)."""
        key = (wiki, f'{kind}={name}')
        if key not in self._module_cache:
            site = self._site(wiki)
            if kind == 'letype':
                params = api.request(site, 'setup', action='paraminfo',
                                     modules='query+logevents')
                values: list = []
                for module in params.get('paraminfo', {}).get('modules', []):
                    for param in module.get('parameters', []):
                        if param.get('name') == 'type':
                            values = param.get('type', [])
                present = name in values
            else:
                data = api.request(site, 'setup', action='paraminfo',
                                   modules=f'query+{name}')
                present = bool(data.get('paraminfo', {}).get('modules'))
            with self._lock:
                self._module_cache[key] = present
        return self._module_cache[key]

    # -- global facts (CentralAuth) ----------------------------------------
    def _global_facts(self, names: list[str], meta: WikiResult,
                      ) -> tuple[dict[str, dict | None], str | None]:
        """``{name: {home, locked, exists}}`` from Meta's globaluserinfo (cached).

        Each request also brings the person's newest Meta log entries and,
        when not known yet, their latest Meta edit (kept in ``meta``).
        """
        info: dict[str, dict | None] = {}
        try:
            if not self._has_module(self.meta, 'meta', 'globaluserinfo'):
                return {}, None
            site = self._site(self.meta)
            for name in names:
                cached, checked = (self.store.global_facts(name) if self.store else (None, None))
                if checked is not None and \
                        checked > self.now + relativedelta(days=-GLOBAL_MAX_AGE_DAYS):
                    info[name] = cached
                    continue
                data = self._globaluserinfo(site, name, meta.error is None
                                            and self._needs_latest(meta, name))
                if 'usercontribs' in data.get('query', {}):
                    try:
                        self._take_latest(meta, name, data)
                    except FetchError as exc:  # Meta's activity is incomplete, not CentralAuth
                        meta.error = meta.error or str(exc)
                gui = data.get('query', {}).get('globaluserinfo', {})
                if gui.get('missing'):
                    facts = {'exists': False, 'locked': False, 'home': None}
                else:
                    facts = {'exists': True, 'locked': bool(gui.get('locked')),
                             'home': gui.get('home'), 'id': gui.get('id')}
                info[name] = facts
                if self.store:
                    self.store.put_global_facts(name, facts, self.now)
        except FetchError as exc:
            return info, str(exc)
        return info, None

    def _globaluserinfo(self, site, name: str, latest: bool = False) -> dict:
        """One person's ``globaluserinfo``, with their newest Meta log entries.

        Query modules combine freely in one request: the log entries (and,
        with ``latest``, the latest edit) ride along so that Meta's
        logged-actions pass (which most inactive people need) costs no
        request of its own. A name ``list=logevents`` refuses is asked again
        without them.
        """
        extra = (dict(list='logevents|usercontribs', ucuser=name, uclimit=1,
                      ucprop='ids|timestamp|title') if latest else dict(list='logevents'))
        try:
            data = api.request(site, 'person', action='query', meta='globaluserinfo',
                               guiuser=name, leuser=name, lelimit=LOG_PAGE, leprop=LOG_PROP,
                               **extra)
        except FetchError as exc:
            if 'baduser' not in str(exc) and 'leuser' not in str(exc):
                raise
            return api.request(site, 'person', action='query', meta='globaluserinfo',
                               guiuser=name)
        entries = data.get('query', {}).get('logevents')
        if entries is not None:
            more = 'lecontinue' in data.get('continue', {})
            useful = any(e.get('type') != 'newusers' for e in entries)
            with self._lock:
                self._meta_logs[name] = entries if useful or not more else None
        return data

    def _refresh_from_meta_logs(self) -> None:
        """Incremental runs: forget cached facts that Meta's logs say changed."""
        if self.store is None:
            return
        since = self.store.last_complete(self.meta)
        if since is None:
            return
        site = self._site(self.meta)
        try:
            for letype in ('globalauth', 'gblrename'):
                if not self._has_module(self.meta, 'letype', letype):
                    continue
                changed: set[str] = set()
                for data in api.query(site, 'activity', list='logevents', letype=letype,
                                      leend=iso(since), lelimit='max',
                                      leprop='title|type|details|timestamp'):
                    for entry in data['query'].get('logevents', []):
                        title = entry.get('title', '')
                        name = title.split(':', 1)[-1]
                        if letype == 'globalauth':
                            changed.add(name.removesuffix('@global'))
                        else:
                            params = entry.get('params', {})
                            old = params.get('olduser') or name
                            self.store.put_rename(old, params.get('newuser'), self.now)
                self.store.forget_global_facts(changed)
        except FetchError:
            # Without the logs, trust nothing cached about global state.
            self.store.forget_global_facts(self._all_cached_people())

    def _all_cached_people(self) -> list[str]:
        assert self.store is not None
        with self.store._lock:
            return [r[0] for r in self.store._db.execute('SELECT person FROM person')]

    # -- one wiki ------------------------------------------------------------
    def _wiki_pass(self, wiki: str, people: list[str]) -> WikiResult:
        result = WikiResult(wiki)
        try:
            site = self._site(wiki)
            limit, page = self._limits(site)
            emailable = wiki == self.meta
            for batch in _chunks(people, limit):
                self._batch(site, wiki, batch, page, emailable, result)
            if wiki in self.proactive_raw:
                self.proactive_raw[wiki] = [
                    norm_title(t) for t in self._normalize_titles(site, self.proactive_raw[wiki])
                ]
            self._heavy_signals(site, wiki, result)
        except FetchError as exc:
            result.error = str(exc)
        return result

    def _normalize_titles(self, site, titles: list[str]) -> list[str]:
        out = []
        for title in titles:
            try:
                out.append(pywikibot.Page(site, title).title())
            except (pywikibot.exceptions.Error, ValueError):
                out.append(title)
        return out

    def _since(self, wiki: str, batch: list[str]) -> tuple[datetime, dict[str, CachedActivity]]:
        """Where this batch's window query may stop (cache-aware)."""
        cached: dict[str, CachedActivity] = {}
        if self.store is None:
            return self.window_start, cached
        for name in batch:
            entry = self.store.activity(name, wiki)
            if entry is None or entry.covered_from > self.window_start:
                return self.window_start, {}
            cached[name] = entry
        since = min(e.checked_until for e in cached.values())
        return max(since, self.window_start), cached

    def _batch(self, site, wiki: str, batch: list[str], page: int, emailable: bool,
               result: WikiResult) -> None:
        try:
            self._batch_query(site, wiki, batch, page, emailable, result)
        except FetchError as exc:
            if 'baduser' not in str(exc):
                raise
            # A name MediaWiki refuses fails the whole request: find it with
            # list=users alone, mark it, and ask again without it.
            data = api.request(site, 'activity', action='query', list='users',
                               ususers='|'.join(batch))
            bad = {u['name'] for u in data.get('query', {}).get('users', []) if u.get('invalid')}
            if not bad:
                raise
            result.invalid |= bad
            rest = [n for n in batch if n not in bad]
            if rest:
                self._batch_query(site, wiki, rest, page, emailable, result)

    def _batch_query(self, site, wiki: str, batch: list[str], page: int, emailable: bool,
                     result: WikiResult) -> None:
        since, cached = self._since(wiki, batch)
        usprop = 'blockinfo|editcount|registration' + ('|emailable' if emailable else '')
        rows: dict[str, list[list]] = defaultdict(list)
        done: set[str] = set()
        heavy: set[str] = set()
        params = dict(list='users|usercontribs', ususers='|'.join(batch), usprop=usprop,
                      ucuser='|'.join(batch), ucend=iso(since), ucprop='ids|timestamp|title',
                      uclimit='max', ucdir='older')
        pending = list(batch)
        first = True
        while pending:
            restart = None
            for data in api.query(site, 'activity', **params):
                query = data['query']
                if first:
                    for user in query.get('users', []):
                        result.users[user['name']] = self._wiki_user(user)
                    first = False
                seen_order: list[str] = []
                for row in query.get('usercontribs', []):
                    name = row['user']
                    if not seen_order or seen_order[-1] != name:
                        seen_order.append(name)
                    rows[name].append([row['timestamp'], row['revid'], row['ns'], row['title']])
                if 'continue' not in data or 'uccontinue' not in data['continue']:
                    done.update(pending)
                    pending = []
                    break
                # Users before the one the query stopped in are complete. The one
                # it stopped in is a heavy editor when they alone fill most of the
                # page and have more edits than a page: paging through their
                # window could take many requests, so they are asked alone.
                done.update(seen_order[:-1])
                remaining = [n for n in pending if n not in done]
                cursor = seen_order[-1] if seen_order else None
                filled = sum(1 for r in query.get('usercontribs', []) if r['user'] == cursor)
                new_heavy = {cursor} if cursor in result.users and cursor in remaining \
                    and 2 * filled >= page and result.users[cursor].editcount > page else set()
                if new_heavy:
                    heavy |= new_heavy
                    light = [n for n in remaining if n not in heavy]
                    for name in new_heavy:
                        result.users[name].truncated = True
                    restart = light
                    break
            if restart is not None:
                # Continue the light users alone; re-read the partial user.
                for name in restart:
                    rows.pop(name, None)
                pending = restart
                if not pending:
                    break
                params = dict(list='usercontribs', ucuser='|'.join(pending), ucend=iso(since),
                              ucprop='ids|timestamp|title', uclimit='max', ucdir='older')
        for name in batch:
            user = result.users.setdefault(name, WikiUser())
            new_rows = rows.get(name, [])
            if name in heavy and not new_rows:
                new_rows = self._latest_one(site, name)
            self._merge(wiki, name, user, new_rows, cached.get(name), since)

    def _wiki_user(self, user: dict) -> WikiUser:
        if user.get('missing') or user.get('invalid'):
            return WikiUser(exists=False)
        expiry = user.get('blockexpiry')
        blocked = bool(user.get('blockid')) and expiry in ('infinite', 'infinity', 'never') \
            and not user.get('blockpartial')
        return WikiUser(exists=True, editcount=int(user.get('editcount') or 0),
                        blocked=blocked, emailable=bool(user.get('emailable')))

    def _latest_one(self, site, name: str) -> list[list]:
        """The latest edit of one person (``uclimit=1``)."""
        params = dict(list='usercontribs', ucuser=name, uclimit=1, ucprop='ids|timestamp|title')
        data = next(api.query(site, 'person', **params))
        return [[r['timestamp'], r['revid'], r['ns'], r['title']]
                for r in data['query'].get('usercontribs', [])]

    def _merge(self, wiki: str, name: str, user: WikiUser, new_rows: list[list],
               cached: CachedActivity | None, since: datetime) -> None:
        """Combine this run's rows with the cache; keep the window's edits."""
        recent: dict[int, list] = {}
        if cached is not None:
            for row in cached.recent:
                recent[row[1]] = row
            user.latest_edit = cached.latest_edit
            user.latest_log = cached.latest_log
            user.truncated = user.truncated or cached.truncated
        for row in new_rows:
            if _ts(row[0]) >= self.window_start:
                recent[row[1]] = row
            if user.latest_edit is None or row[0] > user.latest_edit['ts']:
                user.latest_edit = {'ts': row[0], 'revid': row[1], 'title': row[3]}
        window = iso(self.window_start)
        kept = sorted((r for r in recent.values() if r[0] >= window), key=lambda r: r[0],
                      reverse=True)
        if len(kept) > RECENT_CAP:
            kept, user.truncated = kept[:RECENT_CAP], True
        user.recent = kept
        if self.store is not None:
            self.store.put_activity(name, wiki, CachedActivity(
                checked_until=self.now,
                covered_from=min(cached.covered_from, since) if cached else since,
                latest_edit=user.latest_edit, latest_log=user.latest_log,
                log_checked_until=cached.log_checked_until if cached else None,
                recent=user.recent, truncated=user.truncated,
            ))

    def _needs_latest(self, result: WikiResult, name: str) -> bool:
        """Whether this person's latest edit here is still to be asked.

        They have edits on the wiki but none in the window. Their latest edit
        matters only when it may be their latest activity, i.e. when they have
        no edit in the window anywhere: then their logged actions are asked
        too (one user per request), and the latest edit comes along in the
        same request (``list=logevents|usercontribs``, ``uclimit=1``).
        """
        user = result.users.get(name)
        return bool(user and user.exists and user.editcount > 0 and user.latest_edit is None)

    def _take_latest(self, result: WikiResult, name: str, data: dict) -> None:
        """Keep the latest edit asked along with another request.

        The person had no edit in the window query's answer: an edit of the
        window here means that answer lost rows (e.g. cut short without its
        continuation). That is incomplete data, never "no activity".
        """
        rows = [[r['timestamp'], r['revid'], r['ns'], r['title']]
                for r in data['query'].get('usercontribs', [])][:1]
        if rows and iso(self.window_start) <= rows[0][0] <= iso(self.now):
            self._distrust(result.wiki, list(result.users))
            raise FetchError(f'edits of {name} in the window are missing from the activity '
                             'answer (incomplete answer)')
        self._store_latest(result.wiki, name, result.users[name], rows)

    def _quiet_pass(self, result: WikiResult, people: list[str]) -> WikiResult:
        """Latest edit of people with edits here but none in the window, in packed batches.

        Their status does not depend on it (they have activity in the window
        elsewhere) unless role signals are required (``check_quiet``): then
        an answer that silently lost rows must not pass for "no edits here".
        Each request holds at most the multi-value limit of people whose edit
        counts add up to at most one page of results; a person with more
        edits than a page is asked alone with ``uclimit=1``.
        """
        try:
            self._latest_in_groups(result, people)
        except FetchError as exc:
            result.error = str(exc)
        return result

    def _latest_in_groups(self, result: WikiResult, people: list[str]) -> None:
        """The work of :meth:`_quiet_pass` (which turns its failure into ``result.error``)."""
        wiki = result.wiki
        site = self._site(wiki)
        limit, page = self._limits(site)
        need = sorted(people, key=lambda n: result.users[n].editcount)
        groups: list[list[str]] = []
        current: list[str] = []
        total = 0
        for name in need:
            count = result.users[name].editcount
            if count > page:
                rows = self._latest_one(site, name)
                self._store_latest(wiki, name, result.users[name], rows)
                continue
            if current and (len(current) >= limit or total + count > page):
                groups.append(current)
                current, total = [], 0
            current.append(name)
            total += count
        if current:
            groups.append(current)
        window, now = iso(self.window_start), iso(self.now)
        for group in groups:
            rows: dict[str, list[list]] = defaultdict(list)
            # Not limited to before the window (the group's edits fit in one page
            # anyway): an edit of the window here means the window query lost rows,
            # e.g. an answer cut short without its continuation. That is incomplete
            # data, never "no activity".
            for data in api.query(site, 'activity', list='usercontribs', ucuser='|'.join(group),
                                  ucprop='ids|timestamp|title', uclimit='max', ucdir='older'):
                for row in data['query'].get('usercontribs', []):
                    rows[row['user']].append(
                        [row['timestamp'], row['revid'], row['ns'], row['title']])
            lost = sorted(n for n in group if any(window <= r[0] <= now for r in rows.get(n, [])))
            if lost:
                self._distrust(wiki, list(result.users))
                raise FetchError(f'edits of {", ".join(lost[:3])} in the window are missing '
                                 'from the activity answer (incomplete answer)')
            for name in group:
                self._store_latest(wiki, name, result.users[name], rows.get(name, [])[:1])

    def _distrust(self, wiki: str, names: Iterable[str]) -> None:
        """Make the next run read these people's whole window on ``wiki`` again."""
        if self.store is None:
            return
        for name in names:
            entry = self.store.activity(name, wiki)
            if entry is not None:
                entry.covered_from = self.now
                self.store.put_activity(name, wiki, entry)

    def _store_latest(self, wiki: str, name: str, user: WikiUser, rows: list[list]) -> None:
        if rows:
            row = rows[0]
            user.latest_edit = {'ts': row[0], 'revid': row[1], 'title': row[3]}
        if self.store is not None:
            entry = self.store.activity(name, wiki)
            if entry is not None:
                entry.latest_edit = user.latest_edit
                self.store.put_activity(name, wiki, entry)

    def _heavy_signals(self, site, wiki: str, result: WikiResult) -> None:
        """Role signals of heavy editors, whose window was not read in full."""
        titles = self.proactive_raw.get(wiki, [])
        for name, user in result.users.items():
            if not user.truncated or not user.exists:
                continue
            wanted = [*list(titles), f'{site.namespace(NS_USER_TALK)}:{name}']
            for title in wanted:
                data = next(api.query(site, 'person', prop='revisions', titles=title,
                                      rvuser=name, rvlimit=1, rvprop='ids|timestamp',
                                      rvend=iso(self.window_start)))
                for page in data['query'].get('pages', []):
                    for rev in page.get('revisions', []):
                        user.recent.append([rev['timestamp'], rev['revid'], page['ns'],
                                            page['title']])
            if wiki == self.meta:
                for data in api.query(site, 'person', list='usercontribs', ucuser=name,
                                      ucnamespace=NS_TRANSLATIONS, uclimit='max',
                                      ucend=iso(self.window_start), ucprop='ids|timestamp|title'):
                    for row in data['query'].get('usercontribs', []):
                        user.recent.append([row['timestamp'], row['revid'], row['ns'],
                                            row['title']])

    # -- logged actions -----------------------------------------------------
    def _logs_pass(self, result: WikiResult, people: list[str]) -> WikiResult:
        """The latest logged action (not ``newusers/*``) of each person, one request each.

        A person whose latest edit here is not known yet (none in the window)
        gets it in the same request. Entries older than the latest edit
        cannot be the latest activity: the search stops there.
        """
        if result.error is not None:
            return result
        try:
            site = self._site(result.wiki)
            for name in people:
                user = result.users[name]
                cached = self.store.activity(name, result.wiki) if self.store else None
                known = (iso(cached.log_checked_until)
                         if cached is not None and cached.log_checked_until is not None else None)
                params = dict(list='logevents', leuser=name, lelimit=LOG_PAGE, leprop=LOG_PROP)
                ask_latest = self._needs_latest(result, name)
                if ask_latest:
                    params.update(list='logevents|usercontribs', ucuser=name, uclimit=1,
                                  ucprop='ids|timestamp|title')
                floor = self._log_floor(user, known)
                if floor:
                    params['leend'] = floor
                prefetched = self._meta_logs.get(name) if result.wiki == self.meta else None
                pages = ([{'query': {'logevents': prefetched}}] if prefetched is not None
                         else api.query(site, 'person', **params))
                latest = None
                for number, data in enumerate(pages):
                    if number == 0 and ask_latest and prefetched is None:
                        self._take_latest(result, name, data)
                        floor = self._log_floor(user, known)  # the latest edit is known now
                    for entry in data['query'].get('logevents', []):
                        if floor and entry['timestamp'] < floor:
                            break  # older than what is known: not the latest
                        if entry.get('type') == 'newusers':
                            continue
                        latest = {'ts': entry['timestamp'], 'logid': entry['logid'],
                                  'action': f"{entry['type']}/{entry.get('action', '')}",
                                  'title': entry.get('title')}
                        break
                    else:
                        # Only newusers/* so far: read on while the log goes on
                        # (the continuation may carry usercontribs alone).
                        if 'lecontinue' in data.get('continue', {}):
                            continue
                    break
                if latest and (user.latest_log is None or latest['ts'] > user.latest_log['ts']):
                    user.latest_log = latest
                if self.store is not None:
                    entry = cached or CachedActivity(checked_until=self.now,
                                                     covered_from=self.window_start)
                    entry.latest_log = user.latest_log
                    entry.log_checked_until = self.now
                    entry.latest_edit = user.latest_edit
                    entry.recent = user.recent
                    self.store.put_activity(name, result.wiki, entry)
        except FetchError as exc:
            result.error = str(exc)
        return result

    @staticmethod
    def _log_floor(user: WikiUser, known: str | None) -> str | None:
        """Where a person's log search stops: older entries are older than their latest
        edit, or were read by an earlier run."""
        return max(filter(None, (user.latest_edit and user.latest_edit['ts'], known)),
                   default=None)

    # -- stale people -----------------------------------------------------------
    def _stale(self, keys: Iterable[Hashable], targets: Mapping[Hashable, Target],
               wikis_of: Mapping[Hashable, set[str]], results: Mapping[str, WikiResult],
               asked: set[tuple[str, str]], *, translators: bool = True,
               ) -> dict[str, set[str]]:
        """``{wiki: people}`` whose logged actions are needed and not yet asked.

        Logged actions are asked only for people whose latest edit, over all
        the wikis they are checked on, is older than the slipping threshold;
        then on each of those wikis where they have an account. Without
        ``translators``, translators wait: their home wiki is not known yet.
        """
        stale: dict[str, set[str]] = defaultdict(set)
        for key in keys:
            target = targets[key]
            if target.translator and not translators:
                continue
            name = target.name
            latest = self._latest(name, wikis_of[key], results, with_logs=False)
            if latest is not None and latest.timestamp >= self.slipping_cutoff:
                continue
            for wiki in wikis_of[key]:
                result = results.get(wiki)
                if result is not None and result.error is None and (wiki, name) not in asked \
                        and name in result.users and result.users[name].exists:
                    stale[wiki].add(name)
        return stale

    # -- renames --------------------------------------------------------------
    def _rename_lookups(self, missing: list[str], wikis_of: Mapping[str, set[str]],
                        results: Mapping[str, WikiResult]) -> dict[str, list[str]]:
        """``{wiki: missing names}`` whose local rename log must be read there."""
        lookups: dict[str, list[str]] = defaultdict(list)
        for name in missing:
            if self.store is not None:
                cached, checked = self.store.rename(name)
                if checked is not None and cached:
                    continue
            for wiki in sorted(wikis_of[name] | {self.meta}):
                if results.get(wiki) is None or results[wiki].error:
                    continue
                try:
                    if self._has_module(wiki, 'letype', 'renameuser'):
                        lookups[wiki].append(name)
                except FetchError:
                    lookups[wiki].append(name)  # asked anyway: its failure is reported
        return lookups

    def _renames_on(self, wiki: str, names: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """``{old name: (new name or None, error or None)}`` from one wiki's rename log.

        A global rename also writes the local renameuser log of every wiki
        where the account was attached (CentralAuth's local rename job), under
        the old user page; Meta's gblrename log is titled with the *new* name,
        so it is read only as the log since the last run
        (``_refresh_from_meta_logs``).
        """
        out: dict[str, tuple[str | None, str | None]] = {}
        try:
            site = self._site(wiki)
            for name in names:
                out[name] = (self._rename_in_log(site, 'renameuser',
                                                 f'{site.namespace(2)}:{name}', name), None)
        except FetchError as exc:
            for name in names:
                out.setdefault(name, (None, str(exc)))
        return out

    def _renames(self, missing: list[str], wikis_of: Mapping[str, set[str]],
                 renamed: Mapping[str, Mapping[str, tuple[str | None, str | None]]],
                 ) -> dict[str, tuple[str | None, str | None]]:
        """``{old name: (new name or None, error or None)}`` from the rename logs read."""
        out: dict[str, tuple[str | None, str | None]] = {}
        for name in missing:
            if self.store is not None:
                cached, checked = self.store.rename(name)
                if checked is not None and cached:
                    out[name] = (cached, None)
                    continue
            found: str | None = None
            error: str | None = None
            for wiki in sorted(wikis_of[name] | {self.meta}):
                new, err = renamed.get(wiki, {}).get(name, (None, None))
                if new:
                    found = new
                    break
                error = error or err
            if found is None and error is not None:
                out[name] = (None, error)
                continue
            out[name] = (found, None)
            if self.store is not None:
                self.store.put_rename(name, found, self.now)
        return out

    def _rename_in_log(self, site, letype: str, title: str, old: str) -> str | None:
        data = next(api.query(site, 'person', list='logevents', letype=letype, letitle=title,
                              lelimit=5, leprop='ids|title|type|details|timestamp'))
        for entry in data['query'].get('logevents', []):
            params = entry.get('params', {})
            if norm_title(params.get('olduser', old)) == norm_title(old) and params.get('newuser'):
                return params['newuser']
        return None

    # -- assembling -------------------------------------------------------------
    def _exists(self, name: str, wikis: Iterable[str], results: Mapping[str, WikiResult],
                global_info: Mapping[str, dict | None]) -> bool:
        facts = global_info.get(name)
        if facts is not None and facts.get('exists'):
            return True
        for wiki in wikis:
            user = results.get(wiki).users.get(name) if results.get(wiki) else None
            if user is not None and user.exists:
                return True
        return False

    def _latest(self, name: str, wikis: Iterable[str], results: Mapping[str, WikiResult],
                *, with_logs: bool = True) -> Activity | None:
        best: Activity | None = None
        for wiki in wikis:
            result = results.get(wiki)
            user = result.users.get(name) if result else None
            if user is None:
                continue
            candidates = []
            if user.latest_edit:
                e = user.latest_edit
                candidates.append(Activity(wiki, _ts(e['ts']), 'edit', revid=e['revid'],
                                           title=e.get('title')))
            if with_logs and user.latest_log:
                e = user.latest_log
                candidates.append(Activity(wiki, _ts(e['ts']), 'log', logid=e['logid'],
                                           action=e.get('action'), title=e.get('title')))
            for activity in candidates:
                if best is None or activity.timestamp > best.timestamp:
                    best = activity
        return best

    def _assemble(self, target: Target, wikis: set[str], results: Mapping[str, WikiResult],
                  global_info: Mapping[str, dict | None], global_error: str | None,
                  rename: tuple[str | None, str | None]) -> PersonFacts:
        name = target.name
        problems = [f'{w}: {results[w].error}' for w in sorted(wikis | set(target.block_wikis))
                    if results.get(w) is not None and results[w].error]
        if global_error:
            problems.append(f'{self.meta} (globaluserinfo): {global_error}')
        if rename[1]:
            problems.append(rename[1])
        gfacts = global_info.get(name) or {}
        exists = self._exists(name, wikis | set(target.block_wikis), results, global_info)
        latest = self._latest(name, wikis, results)
        edits = 0
        for wiki in wikis:
            user = results.get(wiki).users.get(name) if results.get(wiki) else None
            if user is not None:
                edits += sum(1 for r in user.recent if r[0] >= iso(self.window_start))
        blocked = any(
            results[w].users.get(name, WikiUser()).blocked
            for w in target.block_wikis if results.get(w) is not None
        )
        invalid = any(name in results[w].invalid for w in wikis if results.get(w) is not None)
        return PersonFacts(
            name=name,
            wikis_checked=tuple(sorted(wikis)),
            complete=not problems,
            invalid=invalid,
            exists=exists,
            renamed_to=rename[0] if not exists else None,
            locked=bool(gfacts.get('locked')),
            blocked=blocked,
            latest=latest,
            edits_in_window=edits,
            signals=self._signals(target, wikis, results),
            home_wiki=gfacts.get('home'),
            problems=tuple(problems),
        )

    def _signals(self, target: Target, wikis: set[str],
                 results: Mapping[str, WikiResult]) -> dict[str, bool | None]:
        window = iso(self.window_start)

        def rows(wiki: str) -> list[list] | None:
            result = results.get(wiki)
            if result is None or result.error:
                return None
            user = result.users.get(target.name)
            return [r for r in user.recent if r[0] >= window] if user else []

        signals: dict[str, bool | None] = {}
        # proactive: an edit to a community target page of a row wiki.
        proactive: bool | None = False
        for wiki in target.wikis:
            pages = {norm_title(t) for t in self.proactive_raw.get(wiki, [])}
            if not pages:
                continue
            wiki_rows = rows(wiki)
            if wiki_rows is None:
                proactive = None if proactive is False else proactive
                continue
            if any(norm_title(r[3]) in pages for r in wiki_rows):
                proactive = True
        signals['proactive'] = proactive
        mw_rows = rows(self.mediawiki)
        signals['supportive'] = None if mw_rows is None else bool(mw_rows)
        # reachable: e-mail on Meta, or an own user-talk edit (row wiki or Meta).
        reachable: bool | None = False
        meta = results.get(self.meta)
        if meta is None or meta.error:
            reachable = None
        elif meta.users.get(target.name, WikiUser()).emailable:
            reachable = True
        for wiki in set(target.wikis) | {self.meta}:
            wiki_rows = rows(wiki)
            if wiki_rows is None:
                continue
            own = norm_title(target.name)
            if any(r[2] == NS_USER_TALK and norm_title(r[3].split(':', 1)[-1]) == own
                   for r in wiki_rows):
                reachable = True
        signals['reachable'] = reachable
        if target.translator:
            meta_rows = rows(self.meta)
            if meta_rows is None:
                signals['translating'] = None
            else:
                langs = set(target.languages)
                signals['translating'] = any(
                    r[2] == NS_TRANSLATIONS and (m := self.translation_re.match(r[3]))
                    and (not langs or m.group('lang') in langs)
                    for r in meta_rows
                )
        return signals

