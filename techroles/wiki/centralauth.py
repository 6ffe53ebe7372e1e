"""CentralAuth and GlobalBlocking on Meta: global accounts, locks, home wikis, global blocks.

``meta=globaluserinfo`` names one user per request (CentralAuth has no
batched lookup), so its answers are cached in the store; an incremental run
forgets the cached facts of the names Meta's ``globalauth`` and ``gblrename``
logs mention since the last run. A lock that also hides the account is
logged in the ``suppress`` log, which the bot cannot read. A suppressed
account answers ``missing`` on every wiki (CentralAuth puts a hideuser block
on each), so a cached answer is trusted only while the wikis' own account
lists agree with it (:func:`techroles.facts.cache_agrees`); an account hidden
from lists only changes nothing the bot can see, and its cached answer holds
until it is ``GLOBAL_MAX_AGE_DAYS`` old.

GlobalBlocking's ``list=globalblocks`` takes many targets per request: it
rides along in Meta's batched contributions request (see
:mod:`~techroles.wiki.contributions`) on every run, never cached; an
indefinite global block makes the person ``blocked``.
"""
from __future__ import annotations

from collections.abc import Collection

from dateutil.relativedelta import relativedelta

from techroles.errors import FetchError
from techroles.facts import Global, GlobalAccount, WikiResult, cache_agrees
from techroles.wiki import api
from techroles.wiki.logged import LOG_PAGE, LOG_PROP, LoggedSource
from techroles.wiki.store import iso


#: CentralAuth facts are asked again after this many days even if no log says so.
GLOBAL_MAX_AGE_DAYS = 30


class CentralAuthSource(LoggedSource):
    """``meta=globaluserinfo`` (one request per person, cached) and ``list=globalblocks``."""

    def _global_facts(self, names: list[str], meta: WikiResult,
                      seen_locally: Collection[str]) -> Global:
        """Every name's global account (cached) and global block, from Meta.

        The global blocks were read with Meta's batches (step 1 of ``collect``).

        Each globaluserinfo request also brings the person's newest Meta log
        entries and, when not known yet, their latest Meta edit (kept in
        ``meta``). ``seen_locally`` are the names some wiki of this run lists
        as an existing account: a cached answer that disagrees is asked again.
        """
        accounts: dict[str, GlobalAccount | None] = {}
        error: str | None = None
        try:
            if self._has_module(self.meta, 'meta', 'globaluserinfo'):
                self._global_accounts(names, meta, seen_locally, accounts)
        except FetchError as exc:
            error = str(exc)
        # The global blocks came with Meta's batches (see ContributionsSource);
        # when those failed, Meta's error already makes everyone unknown.
        blocked = self.globally_blocked if self.reads_global_blocks else set()
        for name in blocked:
            account = accounts.get(name) or GlobalAccount()
            accounts[name] = GlobalAccount(exists=account.exists, locked=account.locked,
                                           home=account.home, blocked=True)
        return Global(accounts=accounts, error=error)

    def _global_accounts(self, names: list[str], meta: WikiResult,
                         seen_locally: Collection[str],
                         accounts: dict[str, GlobalAccount | None]) -> None:
        site = self._site(self.meta)
        fresh_after = self.now + relativedelta(days=-GLOBAL_MAX_AGE_DAYS)
        for name in names:
            cached, checked = (self.store.global_facts(name) if self.store else (None, None))
            account = GlobalAccount.from_json(cached)
            if checked is not None and checked > fresh_after \
                    and cache_agrees(account, name in seen_locally):
                accounts[name] = account
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
                account = GlobalAccount(exists=False)
            else:
                account = GlobalAccount(exists=True, locked=bool(gui.get('locked')),
                                        home=gui.get('home'))
            accounts[name] = account
            if self.store:
                self.store.put_global_facts(name, account.to_json(), self.now)

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
        """Incremental runs: forget cached facts that Meta's logs say changed.

        A lock or unlock (``globalauth``) forgets the person's CentralAuth
        facts; a global rename (``gblrename``) records the rename and forgets
        everything cached under the old name at once, so the old name is
        ``renamed`` on this run, not when its cache expires.
        """
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
                            continue
                        params = entry.get('params', {})
                        old = params.get('olduser') or name
                        self.store.forget_person(old)
                        self.store.put_rename(old, params.get('newuser'), self.now)
                self.store.forget_global_facts(changed)
        except FetchError:
            # Without the logs, trust nothing cached about global state.
            self.store.forget_global_facts(self.store.people())
