#!/usr/bin/env python3
"""Compute the tech ambassador and Tech News translation KPIs; update the KPI page.

Recomputes every person's status with the same rule and data as ``update``
(sharing its state store; statuses are never read back from cells), measures
Tech News translation coverage per issue and language (Translate's
statistics where the wiki has them, else by counting translation units), and
writes the KPI page between its bot-owned markers and one record per UTC date
on the history page.

Usage::

    techroles kpi --config FILE [--report OUT] [-always] [global options]
    pwb techroles_kpi --config FILE [--report OUT] [-always]

Options:

--config FILE   the JSON configuration (README: configuration reference)
--report OUT    write every figure as JSON (in every mode, -simulate included)
-always         save without asking

Exit status: 0 done with complete figures; 1 some figure incomplete or a page
not saved; 2 a configuration or usage error; 3 stopped by the shutoff page.
"""
from __future__ import annotations

import sys


def main(*args: str) -> int:
    """Run ``techroles kpi`` with Pywikibot's global options anywhere."""
    from techroles.cli import main as cli_main

    return cli_main(['kpi', *(args or sys.argv[1:])])


if __name__ == '__main__':
    raise SystemExit(main())
