"""The ``techroles`` command (placeholder; grows with the issues)."""
from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``techroles`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    print('techroles: no subcommands yet', file=sys.stderr)
    return 2
