"""What the activity collector's sources share: the run's settings and the plumbing.

The collector (:mod:`techroles.wiki.activity`) is assembled from one part per
source: batched contributions (:mod:`~techroles.wiki.contributions`), logged
actions and renames (:mod:`~techroles.wiki.logged`), CentralAuth and
GlobalBlocking (:mod:`~techroles.wiki.centralauth`). Each part is a mixin of
:class:`CollectorBase`, which holds the settings and runs wikis in parallel.

A worker (one wiki's requests) never ends the run: a :class:`FetchError`
makes that wiki incomplete, and so does any other exception (reported with
its type, one line): the people checked there are ``unknown``.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime

import pywikibot
from dateutil.relativedelta import relativedelta

from techroles.facts import Rules, WikiResult
from techroles.wiki import api
from techroles.wiki.store import StateStore


#: Where every person's e-mail flag and (translators') translations are read.
META = 'metawiki'
#: Editing here is the "supportive" signal.
MEDIAWIKI = 'mediawikiwiki'


def chunks(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def one_line(exc: BaseException) -> str:
    """An unexpected exception as one line: its type and the first line of its text."""
    return f'{type(exc).__name__}: {exc}'.splitlines()[0]


class CollectorBase:
    """The run's settings, the sites and the parallel runner shared by every source.

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
        #: Community target pages per wiki as page content spells them;
        #: normalised with each wiki's namespaces when that wiki is read.
        self.proactive_raw = {w: list(t) for w, t in (proactive_pages or {}).items()}
        self.proactive_pages: dict[str, frozenset[str]] = {}
        self.tech_news_prefix = tech_news_prefix
        self.meta = meta
        self.mediawiki = mediawiki
        self.check_quiet = check_quiet
        #: One line per problem that did not make anyone ``unknown`` by itself
        #: (a skipped home wiki) or that did (a worker's unexpected exception).
        self.warnings: list[str] = []
        self._lock = threading.Lock()
        self._module_cache: dict[tuple[str, str], bool] = {}
        # Meta's newest log entries per person, asked in the same request as
        # their globaluserinfo (one request instead of two): {name: entries or
        # None when the page held no answer (only newusers/* and more to come)}.
        self._meta_logs: dict[str, list[dict] | None] = {}
        #: Whether Meta has GlobalBlocking (its list rides along in Meta's batches),
        #: and the names found with an indefinite global block there.
        self.reads_global_blocks = False
        self.globally_blocked: set[str] = set()

    @property
    def rules(self) -> Rules:
        return Rules(window_start=self.window_start, meta=self.meta, mediawiki=self.mediawiki,
                     proactive_pages=dict(self.proactive_pages),
                     tech_news_prefix=self.tech_news_prefix)

    def warn(self, message: str) -> None:
        with self._lock:
            self.warnings.append(message)
        pywikibot.warning(f'techroles: {message}')

    def _run_parallel(self, work: Mapping[str, list[str]],
                      fn: Callable[[str, list[str]], WikiResult],
                      step: str = 'contributions',
                      into: Mapping[str, WikiResult] | None = None) -> dict[str, WikiResult]:
        """Run ``fn(wiki, people)`` for every wiki, a few at a time.

        An exception other than :class:`FetchError` escaping ``fn`` is a bug
        or an answer nobody foresaw; it still only makes that wiki incomplete
        (its result in ``into`` when it has one there), with a warning.
        """
        results: dict[str, WikiResult] = {}
        if not work:
            return results
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(work))) as pool:
            futures = {pool.submit(fn, wiki, people): wiki for wiki, people in work.items()}
            for done, future in enumerate(as_completed(futures), 1):
                wiki = futures[future]
                try:
                    results[wiki] = future.result()
                except Exception as exc:
                    reason = f'unexpected error: {one_line(exc)}'
                    result = (into or {}).get(wiki) or WikiResult(wiki)
                    result.error = result.error or reason
                    results[wiki] = result
                    self.warn(f'{wiki}: {step}: {reason}: the people checked there are unknown')
                # Progress, as plain lines (a terminal and a job log read them alike).
                pywikibot.info(f'techroles: {wiki}: {step}: {len(work[wiki])} people '
                               f'({done}/{len(work)} wikis)'
                               + (f': incomplete: {results[wiki].error}'
                                  if results[wiki].error else ''))
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


__all__ = ['MEDIAWIKI', 'META', 'CollectorBase', 'chunks', 'one_line']
