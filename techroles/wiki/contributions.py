"""Batched contributions: who exists, their blocks, and their edits in the window.

Per wiki, people go in batches of the API's multi-value limit (500 where
the account has ``apihighlimits``, else 50), and one request per batch
combines ``list=users`` (existence, blocks, edit counts) with
``list=usercontribs`` over the window (``ucend`` = window start; rows come
ordered by user, then newest first). When that query would page on, people
whose total edit count exceeds one page (heavy editors) are taken out and
asked alone with ``uclimit=1``, and the light ones are continued. The store
keeps the window's edits, so an incremental run asks only for edits since
the last check of the batch and still counts the same.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from techroles.errors import FetchError
from techroles.facts import (
    NS_TRANSLATIONS,
    NS_USER_TALK,
    Edit,
    WikiResult,
    WikiUser,
    normalize_title,
    parse_iso,
)
from techroles.wiki import api
from techroles.wiki.collecting import CollectorBase, chunks
from techroles.wiki.store import CachedActivity, iso


#: Edits of the window kept per person and wiki in the store.
RECENT_CAP = 2000
#: ``expiry`` of a block that never ends, as the API formats it.
INFINITE = frozenset({'infinite', 'infinity', 'never'})


def namespace_names(site) -> dict[str, str]:
    """``{lower-case name, alias or canonical name: local name}`` of the wiki's namespaces.

    From the wiki's own siteinfo (Pywikibot's ``site.namespaces``): no other
    site is ever constructed to read a title.
    """
    names: dict[str, str] = {}
    for namespace in site.namespaces.values():
        local = '' if namespace.id == 0 else namespace.custom_name
        for spelling in (namespace.custom_name, namespace.canonical_name,
                         *namespace.aliases):
            if spelling:
                names.setdefault(spelling.replace('_', ' ').lower(), local)
    return names


class ContributionsSource(CollectorBase):
    """The batched ``list=users|usercontribs`` pass and the latest edits."""

    def _wiki_pass(self, wiki: str, people: list[str]) -> WikiResult:
        result = WikiResult(wiki)
        try:
            site = self._site(wiki)
            limit, page = self._limits(site)
            emailable = wiki == self.meta
            if wiki == self.meta and self._has_module(wiki, 'list', 'globalblocks'):
                self.reads_global_blocks = True
            for batch in chunks(people, limit):
                self._batch(site, wiki, batch, page, emailable, result)
            if wiki in self.proactive_raw:
                self.proactive_pages[wiki] = frozenset(
                    normalize_title(t, namespace_names(site)) for t in self.proactive_raw[wiki])
            self._heavy_signals(site, wiki, result)
        except FetchError as exc:
            result.error = str(exc)
        return result

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
        rows: dict[str, list[Edit]] = defaultdict(list)
        done: set[str] = set()
        heavy: set[str] = set()
        params = dict(list='users|usercontribs', ususers='|'.join(batch), usprop=usprop,
                      ucuser='|'.join(batch), ucend=iso(since), ucprop='ids|timestamp|title',
                      uclimit='max', ucdir='older')
        if wiki == self.meta and self.reads_global_blocks:
            # GlobalBlocking's list=globalblocks takes the same names: it rides
            # along in Meta's batch (no request of its own). A target has at most
            # one global block, so a page of the list limit holds the whole batch.
            params.update(list='users|usercontribs|globalblocks', bgtargets='|'.join(batch),
                          bgprop='target|expiry', bglimit=str(page))
        pending = list(batch)
        first = True
        while pending:
            restart = None
            for data in api.query(site, 'activity', **params):
                query = data['query']
                self._take_global_blocks(query, data.get('continue', {}))
                if first:
                    for user in query.get('users', []):
                        result.users[user['name']] = self._wiki_user(user)
                    first = False
                seen_order: list[str] = []
                for row in query.get('usercontribs', []):
                    name = row['user']
                    if not seen_order or seen_order[-1] != name:
                        seen_order.append(name)
                    rows[name].append(Edit(row['timestamp'], row['revid'], row['ns'], row['title']))
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

    def _take_global_blocks(self, query: dict, cont: dict) -> None:
        """Keep the names with an indefinite global block from Meta's batch answer."""
        if 'bgstart' in cont:
            raise FetchError('the global blocks of a batch did not fit in one answer '
                             '(incomplete answer)')
        blocked = {b['target'] for b in query.get('globalblocks', [])
                   if b.get('target') and b.get('expiry') in INFINITE}
        if blocked:
            with self._lock:
                self.globally_blocked |= blocked

    def _wiki_user(self, user: dict) -> WikiUser:
        if user.get('missing') or user.get('invalid'):
            return WikiUser(exists=False)
        expiry = user.get('blockexpiry')
        blocked = bool(user.get('blockid')) and expiry in ('infinite', 'infinity', 'never') \
            and not user.get('blockpartial')
        return WikiUser(exists=True, editcount=int(user.get('editcount') or 0),
                        blocked=blocked, emailable=bool(user.get('emailable')))

    def _latest_one(self, site, name: str) -> list[Edit]:
        """The latest edit of one person (``uclimit=1``)."""
        params = dict(list='usercontribs', ucuser=name, uclimit=1, ucprop='ids|timestamp|title')
        data = next(api.query(site, 'person', **params))
        return [Edit(r['timestamp'], r['revid'], r['ns'], r['title'])
                for r in data['query'].get('usercontribs', [])]

    def _merge(self, wiki: str, name: str, user: WikiUser, new_rows: list[Edit],
               cached: CachedActivity | None, since: datetime) -> None:
        """Combine this run's rows with the cache; keep the window's edits."""
        recent: dict[int, Edit] = {}
        if cached is not None:
            for row in cached.recent:
                recent[row.revid] = row
            user.latest_edit = cached.latest_edit
            user.latest_log = cached.latest_log
            user.truncated = user.truncated or cached.truncated
        for row in new_rows:
            if parse_iso(row.timestamp) >= self.window_start:
                recent[row.revid] = row
            if user.latest_edit is None or row.timestamp > user.latest_edit['ts']:
                user.latest_edit = {'ts': row.timestamp, 'revid': row.revid, 'title': row.title}
        window = iso(self.window_start)
        kept = sorted((r for r in recent.values() if r.timestamp >= window),
                      key=lambda r: r.timestamp,
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
        rows = [Edit(r['timestamp'], r['revid'], r['ns'], r['title'])
                for r in data['query'].get('usercontribs', [])][:1]
        if rows and iso(self.window_start) <= rows[0].timestamp <= iso(self.now):
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
            rows: dict[str, list[Edit]] = defaultdict(list)
            # Not limited to before the window (the group's edits fit in one page
            # anyway): an edit of the window here means the window query lost rows,
            # e.g. an answer cut short without its continuation. That is incomplete
            # data, never "no activity".
            for data in api.query(site, 'activity', list='usercontribs', ucuser='|'.join(group),
                                  ucprop='ids|timestamp|title', uclimit='max', ucdir='older'):
                for row in data['query'].get('usercontribs', []):
                    rows[row['user']].append(
                        Edit(row['timestamp'], row['revid'], row['ns'], row['title']))
            lost = sorted(n for n in group
                          if any(window <= r.timestamp <= now for r in rows.get(n, [])))
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

    def _store_latest(self, wiki: str, name: str, user: WikiUser, rows: list[Edit]) -> None:
        if rows:
            row = rows[0]
            user.latest_edit = {'ts': row.timestamp, 'revid': row.revid, 'title': row.title}
        if self.store is not None:
            entry = self.store.activity(name, wiki)
            if entry is not None:
                entry.latest_edit = user.latest_edit
                self.store.put_activity(name, wiki, entry)

    def _heavy_signals(self, site, wiki: str, result: WikiResult) -> None:
        """Role signals of heavy editors, whose window was not read in full."""
        titles = sorted(self.proactive_pages.get(wiki, ()))
        for name, user in result.users.items():
            if not user.truncated or not user.exists:
                continue
            wanted = [*titles, f'{site.namespace(NS_USER_TALK)}:{name}']
            for title in wanted:
                data = next(api.query(site, 'person', prop='revisions', titles=title,
                                      rvuser=name, rvlimit=1, rvprop='ids|timestamp',
                                      rvend=iso(self.window_start)))
                for page in data['query'].get('pages', []):
                    for rev in page.get('revisions', []):
                        user.recent.append(Edit(rev['timestamp'], rev['revid'], page['ns'],
                                            page['title']))
            if wiki == self.meta:
                for data in api.query(site, 'person', list='usercontribs', ucuser=name,
                                      ucnamespace=NS_TRANSLATIONS, uclimit='max',
                                      ucend=iso(self.window_start), ucprop='ids|timestamp|title'):
                    for row in data['query'].get('usercontribs', []):
                        user.recent.append(Edit(row['timestamp'], row['revid'], row['ns'],
                                            row['title']))

