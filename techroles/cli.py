"""The ``techroles`` command: ``main(argv) -> int``.

Every help text comes from :mod:`techroles.options` (``techroles --help``,
``techroles COMMAND --help``, the ``pwb techroles_*`` scripts). A job's
options and configuration file are checked before Pywikibot is initialised,
so a wrong configuration is refused even when no wiki answers; then
Pywikibot reads its global options and the job runs
(:mod:`techroles.wiki.jobs`).
"""
from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from techroles import options
from techroles.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE


def _error(message: str) -> None:
    print(f'ERROR {message}', file=sys.stderr)


def cmd_parse(args: Sequence[str]) -> int:
    """``techroles parse``: pure, offline, a stable contract."""
    import argparse

    if any(a in options.HELP_FLAGS for a in args):
        print(options.command_help('parse'))
        return EXIT_OK
    parser = argparse.ArgumentParser(prog='techroles parse', add_help=False)
    parser.add_argument('file')
    parser.add_argument('--lang', default='en')
    try:
        opts = parser.parse_args(list(args))
    except SystemExit:
        return EXIT_USAGE
    from techroles import table

    try:
        text = sys.stdin.read() if opts.file == '-' else Path(opts.file).read_text('utf-8')
    except (OSError, UnicodeDecodeError) as exc:
        _error(f'{opts.file}: cannot read: {exc}')
        return EXIT_USAGE
    tables = table.parse_page(text, opts.lang)
    # The parse tree stays alive (the table cache); without this the garbage
    # collector scans its millions of objects again and again while the
    # output is built (5 MB page: 26 s instead of 12 s).
    gc.freeze()
    result = table.to_json(tables)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write('\n')
    return EXIT_OK


def prepare_pywikibot(args: Sequence[str]) -> None:
    """Apply ``-dir:``/``-config:`` before Pywikibot is imported.

    Pywikibot reads them from ``sys.argv`` at import time; when ``main`` is
    called with its own argument list, copy them to where Pywikibot looks.
    """
    if 'pywikibot' in sys.modules:
        return
    for arg in args:
        if arg.startswith('-dir:'):
            os.environ['PYWIKIBOT_DIR'] = arg.removeprefix('-dir:')
    extra = [a for a in args if a.startswith(('-dir:', '-config:'))]
    if extra:
        sys.argv = [sys.argv[0], *[a for a in sys.argv[1:] if a not in extra], *extra]


def run_job(command: str, args: Sequence[str]) -> int:
    """A command that touches a wiki: options and configuration first, then Pywikibot."""
    from techroles.check import preflight

    prog = f'techroles {command}'
    opts = preflight(prog, args)
    if isinstance(opts, int):
        return opts
    prepare_pywikibot(opts.pywikibot_args)
    from techroles.wiki import httpcount

    httpcount.install()  # before Pywikibot's first request: the report counts them all
    import pywikibot
    from pywikibot.exceptions import SiteDefinitionError

    from techroles.wiki.api import FETCH_ERRORS

    try:
        rest = pywikibot.handle_args([*opts.pywikibot_args, options.SENTINEL], do_help=False)
    except SystemExit as exc:  # an unknown site or family
        return EXIT_USAGE if exc.code else EXIT_OK
    except SiteDefinitionError as exc:
        _error(f'{prog}: {exc}'.splitlines()[0])
        return EXIT_USAGE
    except FETCH_ERRORS as exc:  # the default site (Meta) does not answer
        config = pywikibot.config
        _error(f'{config.family}:{config.mylang}: cannot be reached: '
               f'{type(exc).__name__}: {exc}'.splitlines()[0])
        return EXIT_INCOMPLETE
    problem = options.leftover_problem(prog, rest)
    if problem is not None:
        return problem
    from techroles.wiki import jobs

    return jobs.run_command(opts)


def _bench(args: Sequence[str]) -> int:
    """``techroles bench``: the benchmark lives in the checkout, not in the installed package."""
    checkout = Path(__file__).resolve().parent.parent
    if not (checkout / 'benchmarks' / 'bench.py').is_file():
        _error('techroles bench: the benchmarks and the local test bed are not installed: '
               'run `make bench` in a checkout')
        return EXIT_USAGE
    if str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    from benchmarks.bench import main as bench_main

    return bench_main(list(args))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``techroles`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-help', '--help', '-h', 'help'):
        print(options.main_help(), end='')
        return EXIT_OK if argv else EXIT_USAGE
    command, args = argv[0], argv[1:]
    if command == 'parse':
        return cmd_parse(args)
    if command == 'check':
        from techroles.check import main as check_main

        return check_main(args)
    if command == 'bench':
        return _bench(args)
    if command in options.COMMANDS and options.COMMANDS[command].wiki:
        return run_job(command, args)
    _error(f'techroles: unknown command {command!r} (try techroles --help)')
    return EXIT_USAGE


if __name__ == '__main__':  # pragma: no cover
    raise SystemExit(main())
