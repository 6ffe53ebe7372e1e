#!/usr/bin/env python3
"""``pwb techroles_update``: the same as ``techroles update`` (its help is below)."""
from __future__ import annotations

import sys

from techroles.options import command_help


__doc__ = command_help('update')


def main(*args: str) -> int:
    """Run ``techroles update`` with Pywikibot's global options anywhere."""
    from techroles.cli import main as cli_main

    return cli_main(['update', *(args or sys.argv[1:])])


if __name__ == '__main__':
    raise SystemExit(main())
