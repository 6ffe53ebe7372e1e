"""Logged actions and renames: the latest logged action of people with no recent edit,
and the rename logs of names that have no account.

``logevents`` takes one user per request, so it is asked only for people
whose latest edit, over all the wikis they are checked on, is older than the
slipping threshold. ``newusers/*`` entries (an account auto-created by a
visit) are not activity.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from techroles.errors import FetchError
from techroles.facts import WikiResult, WikiUser, norm_title
from techroles.wiki import api
from techroles.wiki.contributions import ContributionsSource
from techroles.wiki.store import CachedActivity, iso


# One person's newest log entries: enough to step over a few newusers/* entries.
LOG_PAGE = 20
LOG_PROP = 'ids|type|timestamp|title'


class LoggedSource(ContributionsSource):
    """``list=logevents``: latest logged actions, local rename logs."""

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

