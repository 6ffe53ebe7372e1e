"""Batched, concurrent, incremental collection of people's activity.

For every person it finds, on every wiki where they are checked, the latest
edit, the latest logged action (only when the latest edit is older than the
slipping threshold, and never ``newusers/*``), the edits in the activity
window (for the count and the role signals), the account state (existence,
blocks, renames, CentralAuth lock and home wiki, global blocks) and whether
Meta can e-mail them. The output is one :class:`~techroles.model.PersonFacts`
per person (assembled by the pure :mod:`techroles.facts`), which
:func:`techroles.policy.decide` turns into a status.

The requests come from one part per source, each in its own module:
batched contributions (:mod:`~techroles.wiki.contributions`), logged actions
and renames (:mod:`~techroles.wiki.logged`), CentralAuth and GlobalBlocking
(:mod:`~techroles.wiki.centralauth`); this module orders them.

Cost model (what the benchmark measures). Per wiki, people go in batches of
the multi-value limit, one ``list=users|usercontribs`` request per batch.
The latest edit of people with no edit in the window matters only when they
have none anywhere: then their logged actions are asked (one user per
request) and the latest edit comes in the same request. Wikis are worked on
in parallel (bounded); one wiki's requests stay sequential. Requests that
can only name one person (``globaluserinfo``, ``logevents``, heavy editors)
are counted apart as per-person requests.

Incremental runs use the :class:`~techroles.wiki.store.StateStore`: the
window query asks only for edits since the last check of the batch, the
global facts are cached until Meta's logs name the person (or the wikis'
account lists stop agreeing with them), and the store keeps the window's
edits so counts and signals come out the same as in a cold run. Deleting the
store changes no result.

Failures never read as "no activity": a wiki that cannot be read completely,
or whose worker fails in any way, makes every person checked there
incomplete (status ``unknown``).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping

from techroles.errors import FetchError
from techroles.facts import Global, Target, WikiResult, account_exists, assemble, latest_activity
from techroles.model import PersonFacts
from techroles.wiki.centralauth import CentralAuthSource
from techroles.wiki.collecting import MEDIAWIKI, META, one_line
from techroles.wiki.sites import UnknownWikiError


__all__ = ['MEDIAWIKI', 'META', 'ActivityCollector', 'Target']


class ActivityCollector(CentralAuthSource):
    """Collects :class:`PersonFacts` for many people on many wikis.

    ``site_for(dbname)`` gives the Pywikibot site of a wiki (raising
    :class:`FetchError` for a wiki that cannot be reached, its subclass
    :class:`~techroles.wiki.sites.UnknownWikiError` for one that is closed or
    unknown). ``now`` is the server time of the run; ``active_days`` and
    ``slipping_days`` define the window and when logged actions are looked
    up. After :meth:`collect`, :attr:`warnings` holds one line per problem
    that the job should report (a skipped home wiki, a worker's failure).
    """

    def collect(self, targets: Mapping[Hashable, Target],
                invalid: Iterable[str] = ()) -> dict[Hashable, PersonFacts]:
        """Facts for every target (``invalid`` names are answered without asking).

        Targets are keyed by anything: ``(page, name)`` (a person listed on
        several pages, checked on different wikis per page) or one target per
        person over the union of their wikis; a person is asked for once per
        wiki whatever the number of targets.
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
        try:
            self._refresh_from_meta_logs()
        except Exception as exc:  # Meta's logs unread: trust nothing cached about them
            if not isinstance(exc, FetchError):
                self.warn(f'{self.meta}: lock and rename logs: unexpected error: '
                          f'{one_line(exc)}: every cached CentralAuth fact is asked again')
            if self.store is not None:
                self.store.forget_global_facts(self.store.people())
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
        seen_locally = {n for r in results.values() for n, u in r.users.items() if u.exists}
        # 2. Logged actions of the people already known to need them, wiki by
        #    wiki; Meta's worker first asks the CentralAuth facts (one request
        #    per person: the longest chain of a cold run), which bring each
        #    person's Meta log entries along.
        asked: set[tuple[str, str]] = set()
        early = self._stale(keys, targets, wikis_of, results, asked, translators=False)
        found: dict[str, Global] = {}

        def global_then_logs(wiki: str, people: list[str]) -> WikiResult:
            if wiki == self.meta:
                found['global'] = self._global_facts(names, results[wiki], seen_locally)
                people = sorted(early.get(wiki, ()))
            return self._logs_pass(results[wiki], people) if people else results[wiki]

        self._run_parallel({self.meta: names, **{w: sorted(p) for w, p in early.items()
                                                 if w != self.meta}},
                           global_then_logs, 'CentralAuth (Meta), logged actions', into=results)
        asked |= {(w, n) for w, p in early.items() for n in p}
        global_facts = found.get('global') or Global(
            error=results[self.meta].error or 'CentralAuth was not read')
        # 3. Translators' home wikis, known only now.
        homes: dict[str, set[str]] = defaultdict(set)
        for key in keys:
            target = targets[key]
            account = global_facts.accounts.get(target.name)
            home = account.home if account else None
            if target.translator and home and home not in wikis_of[key] \
                    and self._home_reachable(target.name, home):
                wikis_of[key].add(home)
                all_wikis[target.name].add(home)
                if home not in results or target.name not in results[home].users:
                    homes[home].add(target.name)
        for wiki, extra in self._run_parallel({w: sorted(p) for w, p in homes.items()},
                                              self._wiki_pass, 'home wikis',
                                              into=results).items():
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
                   if not account_exists(n, all_wikis[n], results, global_facts.accounts.get(n))]
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
                           logs_and_renames, 'logged actions, renames', into=results)
        renames = self._renames(missing, all_wikis, renamed)
        # 5. Only when role signals decide statuses: the latest edit of everyone
        #    left with edits but none in the window (see _quiet_pass).
        if self.check_quiet:
            quiet = {w: [n for n in sorted(r.users) if self._needs_latest(r, n)]
                     for w, r in results.items() if r.error is None}
            self._run_parallel({w: p for w, p in quiet.items() if p},
                               lambda w, p: self._quiet_pass(results[w], p), 'latest edits',
                               into=results)
        rules = self.rules
        for key in keys:
            target = targets[key]
            facts[key] = assemble(target, wikis_of[key], results, global_facts,
                                  renames.get(target.name, (None, None)), rules)
        if self.store is not None:
            for wiki, result in results.items():
                if result.error is None:
                    self.store.put_last_complete(wiki, self.now)
        return facts

    def _home_reachable(self, name: str, home: str) -> bool:
        """Whether a translator's home wiki can be read; a closed or unknown one is
        skipped with a warning (the other wikis decide), a configured one that does
        not answer is read anyway (and makes the person ``unknown``)."""
        try:
            self.site_for(home)
        except UnknownWikiError as exc:
            self.warn(f'{name}: home wiki skipped: {one_line(exc)}')
            return False
        except FetchError:
            return True
        return True

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
            latest = latest_activity(name, wikis_of[key], results, with_logs=False)
            if latest is not None and latest.timestamp >= self.slipping_cutoff:
                continue
            for wiki in wikis_of[key]:
                result = results.get(wiki)
                if result is not None and result.error is None and (wiki, name) not in asked \
                        and name in result.users and result.users[name].exists:
                    stale[wiki].add(name)
        return stale

