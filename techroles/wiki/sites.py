"""Pywikibot sites by database name, as the operator's configuration defines them.

A wiki named in a table is known by its database name (``frwiki``); it is
reached as ``pywikibot.Site('fr', 'wikipedia')``, so the operator's family
configuration (Pywikibot's own families in production, local family files on
the test bed) decides where it is. Meta's site matrix, where the wiki has
the SiteMatrix module, is authoritative on which wikis exist and which are
closed; otherwise the offline data in ``techroles/data`` is.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pywikibot
from pywikibot.exceptions import Error as PywikibotError
from pywikibot.exceptions import SiteDefinitionError

from techroles import notation
from techroles.errors import ConfigError, FetchError
from techroles.kpi.reach import SiteFacts
from techroles.wiki import api, httpcount
from techroles.wiki.sitefacts import read_site_facts


class UnknownWikiError(FetchError):
    """A wiki named in a table does not exist, is closed or is not configured."""


def site_from_key(key: str) -> pywikibot.site.APISite:
    """``"family:code"`` (as in the configuration) → a Pywikibot site."""
    family, sep, code = key.partition(':')
    if not sep or not family or not code:
        raise ConfigError(f'site {key!r}: expected "family:code", e.g. "meta:meta"')
    try:
        return pywikibot.Site(code, family)
    except (SiteDefinitionError, ValueError) as exc:
        raise ConfigError(f'site {key!r}: {exc}'.splitlines()[0]) from exc
    except api.FETCH_ERRORS as exc:
        # Pywikibot contacts the wiki when it makes the site: not answering is
        # a fetch failure (exit 1), not a configuration error (exit 2).
        raise FetchError(f'{key}: cannot be reached: {type(exc).__name__}: {exc}'
                         .splitlines()[0]) from exc


@httpcount.counted('login')
def login(site: pywikibot.site.APISite) -> None:
    """Log in on ``site``; a refusal (revoked BotPassword, expired session) or a
    wiki that does not answer is a :class:`FetchError` with a one-line reason."""
    try:
        site.login()
    except api.FETCH_ERRORS as exc:
        raise FetchError(f'{site.family.name}:{site.code}: cannot log in: '
                         f'{type(exc).__name__}: {exc}'.splitlines()[0]) from exc


def dbname_of(site: pywikibot.site.APISite) -> str:
    """The database name of a Pywikibot site (offline data, then siteinfo)."""
    db = notation.dbname_for(site.code, site.family.name)
    if db:
        return db
    try:
        return site.siteinfo['wikiid']
    except (PywikibotError, KeyError):
        return f'{site.code}{site.family.name}'


@httpcount.counted('setup')
def server_time(site: pywikibot.site.APISite) -> datetime:
    """The wiki's clock (never the local one), timezone-aware UTC."""
    api.count('setup')
    return site.server_time().replace(tzinfo=timezone.utc)


class Sites:
    """Resolves database names to sites; remembers what it could not resolve."""

    def __init__(self, meta: pywikibot.site.APISite) -> None:
        self.meta = meta
        self.meta_dbname = dbname_of(meta)
        self._sites: dict[str, pywikibot.site.APISite] = {self.meta_dbname: meta}
        self._errors: dict[str, str] = {}
        #: Configured wikis that did not answer in this run (not retried).
        self._down: dict[str, str] = {}
        self._facts: dict[str, SiteFacts] | None = None
        self._matrix_loaded = False
        self._lock = threading.Lock()

    def site_facts(self) -> dict[str, SiteFacts] | None:
        """Every wiki of Meta's site matrix, read once per run (the wikis' resolution
        and the KPI's reach share it); None where Meta has no SiteMatrix."""
        with self._lock:
            return self._load_facts()

    def _load_facts(self) -> dict[str, SiteFacts] | None:
        if not self._matrix_loaded:
            self._matrix_loaded = True  # a failed read is not repeated in this run
            self._facts = read_site_facts(self.meta)
        return self._facts

    def _sitematrix(self) -> dict[str, bool] | None:
        """``{dbname: closed}`` of the public wikis in the site matrix, or None without it."""
        facts = self._load_facts()
        if facts is None:
            return None
        return {db: fact.closed for db, fact in facts.items() if not fact.private}

    def site(self, dbname: str) -> pywikibot.site.APISite:
        """The site of ``dbname`` or :class:`UnknownWikiError` with the reason."""
        with self._lock:
            if dbname in self._sites:
                return self._sites[dbname]
            if dbname in self._errors:
                raise UnknownWikiError(self._errors[dbname])
            if dbname in self._down:
                raise FetchError(self._down[dbname])
            try:
                site = self._resolve(dbname)
            except UnknownWikiError as exc:
                self._errors[dbname] = str(exc)
                raise
            except FetchError as exc:
                self._down[dbname] = str(exc)
                raise
            self._sites[dbname] = site
            return site

    def _resolve(self, dbname: str) -> pywikibot.site.APISite:
        matrix = self._sitematrix()
        if matrix is not None:
            if dbname not in matrix:
                raise UnknownWikiError(f'unknown wiki {dbname} (not in the site matrix)')
            if matrix[dbname]:
                raise UnknownWikiError(f'closed wiki {dbname}')
        elif notation.is_closed(dbname):
            raise UnknownWikiError(f'closed wiki {dbname}')
        pair = notation.site_for_dbname(dbname)
        if pair is None:
            raise UnknownWikiError(f'unknown wiki {dbname}')
        code, family = pair
        try:
            return pywikibot.Site(code, family)
        except (SiteDefinitionError, ValueError) as exc:
            raise UnknownWikiError(
                f'wiki {dbname} ({family}:{code}) is not in the Pywikibot configuration: '
                + str(exc).splitlines()[0]) from exc
        except api.FETCH_ERRORS as exc:
            # Configured but not answering: a fetch failure (the people checked
            # there are ``unknown``), not an unknown wiki (row skipped, warning).
            raise FetchError(f'wiki {dbname} ({family}:{code}) cannot be reached: '
                             f'{type(exc).__name__}: {exc}'.splitlines()[0]) from exc

    def unusable(self, dbname: str) -> str | None:
        """Why ``dbname`` cannot be used (unknown or closed), or None when it can.

        A configured wiki that does not answer counts as known: reading it
        fails later, which makes the people checked there ``unknown``.
        """
        try:
            self.site(dbname)
        except UnknownWikiError as exc:
            return str(exc)
        except FetchError:
            return None
        return None
