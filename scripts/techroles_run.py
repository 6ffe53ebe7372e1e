#!/usr/bin/env python3
"""``pwb techroles_run``: the same as ``techroles run`` (its help is below)."""
from __future__ import annotations

import sys

from techroles.options import command_help


__doc__ = command_help('run')


def main(*args: str) -> int:
    """Run ``techroles run`` with Pywikibot's global options anywhere."""
    from techroles.cli import main as cli_main

    return cli_main(['run', *(args or sys.argv[1:])])


if __name__ == '__main__':
    raise SystemExit(main())
