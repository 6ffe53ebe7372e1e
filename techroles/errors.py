"""Errors sorted by origin (see DESIGN: errors, exit status, and what is saved).

``ConfigError`` refuses the run (exit 2); ``PageContentError`` skips one page or
table with a one-line reason (exit 1); ``FetchError`` makes the affected people
``unknown`` (exit 1). Anything else is a bug and is not caught in the core.
"""
from __future__ import annotations


class TechrolesError(Exception):
    """Base class of the errors techroles reports in one line."""


class ConfigError(TechrolesError):
    """The configuration (file, on-wiki page or command line) is invalid."""


class PageContentError(TechrolesError):
    """A page or table cannot be understood; it is skipped, not guessed."""


class FetchError(TechrolesError):
    """Data could not be fetched completely from a wiki."""


class ShutoffError(TechrolesError):
    """The on-wiki shutoff page is filled in: stop now (exit 3)."""


class BotsExcludedError(PageContentError):
    """``{{bots}}``/``{{nobots}}`` on the page excludes this bot: skipped, counts as done."""
