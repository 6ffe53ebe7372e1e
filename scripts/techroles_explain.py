#!/usr/bin/env python3
"""``pwb techroles_explain``: the same as ``techroles explain`` (its help is below)."""
from __future__ import annotations

import sys

from techroles.options import command_help


__doc__ = command_help('explain')


def main(*args: str) -> int:
    """Run ``techroles explain`` with Pywikibot's global options anywhere."""
    from techroles.cli import main as cli_main

    return cli_main(['explain', *(args or sys.argv[1:])])


if __name__ == '__main__':
    raise SystemExit(main())
