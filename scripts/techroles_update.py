#!/usr/bin/env python3
"""Check every listed tech ambassador and translator; update the status cells.

For every sign-up page in the configuration, read it, find the people in its
tables, check their activity on the wikis named in their rows, on Meta and
(translators) on their home wiki, decide a status per person, and save the
page with only the bot's spans in the status cells changed. Nothing else on
the page changes; a cell changes only when that person's status changes.

Usage::

    techroles update --config FILE [--report OUT] [-always] [--limit N] [global options]
    pwb techroles_update --config FILE [--report OUT] [-always] [--limit N]

Options:

--config FILE   the JSON configuration (README: configuration reference)
--report OUT    write what was found and done as JSON (in every mode,
                -simulate included)
-always         save without asking for each page (needed in jobs)
--limit N       change at most N status cells in this run (approval trials)

-simulate (a Pywikibot global option) shows each diff and saves nothing.

Exit status: 0 done with complete data; 1 something incomplete or not saved
(the brake, a fetch failure, an unreadable table, edit conflicts exhausted);
2 a configuration or usage error; 3 stopped by the shutoff page.
"""
from __future__ import annotations

import sys


def main(*args: str) -> int:
    """Run ``techroles update`` with Pywikibot's global options anywhere."""
    from techroles.cli import main as cli_main

    return cli_main(['update', *(args or sys.argv[1:])])


if __name__ == '__main__':
    raise SystemExit(main())
