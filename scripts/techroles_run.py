#!/usr/bin/env python3
"""Run ``update`` and then ``kpi`` in one process (the scheduled job).

Usage::

    techroles run --config FILE [--report OUT] [--kpi-report OUT] [-always] [--limit N]
    pwb techroles_run --config FILE [--report OUT] [--kpi-report OUT] [-always]

Options are those of ``update`` (``--report`` is its report) plus
``--kpi-report OUT`` for the KPI report. The status page is updated once,
after both.

Exit status: the worse of the two jobs' (3 shutoff > 2 configuration > 1
incomplete > 0 done).
"""
from __future__ import annotations

import sys


def main(*args: str) -> int:
    """Run ``techroles run`` with Pywikibot's global options anywhere."""
    from techroles.cli import main as cli_main

    return cli_main(['run', *(args or sys.argv[1:])])


if __name__ == '__main__':
    raise SystemExit(main())
