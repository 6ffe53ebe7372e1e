"""The last few pages read, so that reading a page and then rewriting it parses it once.

An explicit object: :func:`techroles.table.analyse` takes one (default
:data:`PAGES`, shared by ``parse_page`` and :func:`techroles.render.apply`;
``None`` reads afresh). While it reads a page it pauses Python's cyclic
garbage collector: the parse allocates ~50 long-lived objects per row, which
the collector would scan again and again (~20 % of the time). That is a
policy of this cache, not of the pure reader (:func:`read_page`).
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from techroles.table.parts import Page


def freeze(value: Any) -> Hashable:
    """A hashable form of options (mappings and lists) for the cache key."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(freeze(v) for v in value)
    return value


class PageCache:
    """The ``size`` most recently read pages, by text and reading options."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._pages: dict[Hashable, Page] = {}

    def get(self, key: Hashable, read: Callable[[], Page]) -> Page:
        """The cached page for ``key``, or ``read()`` (collector paused) and keep it."""
        cached = self._pages.get(key)
        if cached is not None:
            return cached
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            page = read()
        finally:
            if gc_was_enabled:
                gc.enable()
        if len(self._pages) >= self.size:
            self._pages.pop(next(iter(self._pages)))
        self._pages[key] = page
        return page

    def clear(self) -> None:
        self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


#: The cache ``parse_page`` and ``render.apply`` share by default.
PAGES = PageCache()
