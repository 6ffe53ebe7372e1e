#!/usr/bin/env python3
"""Write (or print) the explanation page: the status rule, thresholds, labels.

Usage::

    techroles explain --config FILE [--print] [-always] [global options]

The text is generated from the docstring of the one function that applies the
rule (``techroles.policy.decide``) and the configured thresholds and labels,
in the wiki's content language. --print writes it to standard output instead
of saving it to ``explanation_page``.
"""
from __future__ import annotations

import sys


def main(*args: str) -> int:
    """Run ``techroles explain``."""
    from techroles.cli import main as cli_main

    return cli_main(['explain', *(args or sys.argv[1:])])


if __name__ == '__main__':
    raise SystemExit(main())
