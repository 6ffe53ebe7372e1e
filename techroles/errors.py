"""Errors sorted by origin, and the exit statuses they lead to.

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


#: Exit statuses of every command: done with complete data; something incomplete or not
#: saved; a configuration or usage error; stopped by a shutoff page; another run holds
#: the run lock (nothing done).
EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE, EXIT_SHUTOFF, EXIT_LOCKED = 0, 1, 2, 3, 4


def worst_exit(*statuses: int) -> int:
    """The most severe of several exit statuses (shutoff > usage > incomplete > ok)."""
    rank = {EXIT_OK: 0, EXIT_INCOMPLETE: 1, EXIT_USAGE: 2, EXIT_LOCKED: 3, EXIT_SHUTOFF: 4}
    return max(statuses, key=lambda status: rank.get(status, 1))
