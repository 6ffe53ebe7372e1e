"""The one place techroles sends API requests, and their accounting.

Requests go through Pywikibot (``site.simple_request``), which brings
retries, maxlag, the User-Agent, login and throttling. Pywikibot's query
generators follow continuation for one module at a time; techroles combines
``list=users`` and ``list=usercontribs`` in one request, so :func:`query`
follows the API's ``continue`` object itself for such requests and hands
each response to the caller, which may stop early (the adaptive strategy of
``activity``).

:data:`COUNTER` counts requests by purpose, for reports and the benchmark.
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pywikibot
import requests
from pywikibot.exceptions import Error as PywikibotError

from techroles.errors import FetchError
from techroles.wiki import httpcount, redact


# Pywikibot logs the parameters of failed requests (a login's password) and
# response headers (session cookies): keep them out of every log.
redact.install()


#: Request counts by purpose (``activity``, ``person``, ``setup``, ``page`` …).
COUNTER: Counter[str] = Counter()
_lock = threading.Lock()

#: Exceptions that mean "the data could not be fetched": Pywikibot's errors
#: (API errors, server errors, timeouts, invalid titles from a wiki) and the
#: network's. Not ``ValueError`` or ``OSError`` in general: those are bugs in
#: the core and must not read as "cannot be reached" (a per-wiki worker still
#: catches every exception and makes that wiki's people ``unknown``).
FETCH_ERRORS: tuple[type[BaseException], ...] = (
    PywikibotError, requests.exceptions.RequestException, ConnectionError, TimeoutError,
)


def count(purpose: str, n: int = 1) -> None:
    with _lock:
        COUNTER[purpose] += n


def request(site: pywikibot.site.APISite, purpose: str, **params: Any) -> dict:
    """One API request (formatversion 2) through Pywikibot; errors → FetchError."""
    params.setdefault('formatversion', 2)
    count(purpose)
    try:
        with httpcount.purpose(purpose):
            return site.simple_request(**params).submit()
    except FETCH_ERRORS as exc:
        raise FetchError(f'{site}: {type(exc).__name__}: {exc}'.splitlines()[0]) from exc


def query(site: pywikibot.site.APISite, purpose: str, **params: Any) -> Iterator[dict]:
    """``action=query`` with continuation; yields each whole response.

    The caller reads ``response['query']`` and can see from
    ``response.get('continue')`` whether more is coming.

    Any failure (including one half-way through the continuation) raises
    :class:`FetchError`: the caller then treats what it asked for as
    incomplete rather than as "nothing found".
    """
    params = {'action': 'query', **params}
    while True:
        data = request(site, purpose, **params)
        if 'query' not in data and 'continue' not in data:
            raise FetchError(f'{site}: unexpected API answer without query: {sorted(data)}')
        data.setdefault('query', {})
        yield data
        cont = data.get('continue')
        if not cont:
            return
        params.update(cont)
