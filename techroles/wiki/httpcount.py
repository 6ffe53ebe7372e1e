"""Every HTTP request the process sends, counted by purpose.

The run report says what a run cost the wikis. Counting only the requests
techroles builds itself would hide Pywikibot's own (login, tokens, paraminfo,
siteinfo, the page information read before a save), so the count is taken
where ``requests`` sends, as the benchmark does. The purpose is whatever the
sending thread declared with :func:`purpose` (``activity``, ``page``,
``save`` …); a request sent outside any declared purpose is Pywikibot's own
and counts as ``pywikibot``.
"""
from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar


#: HTTP requests sent by this process, by purpose.
HTTP_COUNTER: Counter[str] = Counter()
_lock = threading.Lock()
_local = threading.local()
_installed = False
F = TypeVar('F', bound=Callable[..., Any])


@contextmanager
def purpose(name: str) -> Iterator[None]:
    """Count the HTTP requests this thread sends inside the block as ``name``."""
    previous = getattr(_local, 'purpose', None)
    _local.purpose = name
    try:
        yield
    finally:
        _local.purpose = previous


def install() -> None:
    """Count at ``requests``' transport adapter (once per process)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    import requests.adapters

    original = requests.adapters.HTTPAdapter.send

    def send(adapter, request, *args, **kwargs):
        with _lock:
            HTTP_COUNTER[getattr(_local, 'purpose', None) or 'pywikibot'] += 1
        return original(adapter, request, *args, **kwargs)

    requests.adapters.HTTPAdapter.send = send


def snapshot() -> dict[str, int]:
    """The counts so far, by purpose."""
    with _lock:
        return dict(sorted(HTTP_COUNTER.items()))


def counted(name: str) -> Callable[[F], F]:
    """Decorator: the requests a function sends count as ``name``."""
    def wrap(function: F) -> F:
        @functools.wraps(function)
        def inner(*args, **kwargs):
            with purpose(name):
                return function(*args, **kwargs)
        return inner  # type: ignore[return-value]
    return wrap
