"""The ``techroles`` command.

Usage::

    techroles parse FILE [--lang CODE]                 offline: the tables of a page as JSON
    techroles update --config FILE [--report OUT] [-always] [--limit N] [global options]
    techroles kpi --config FILE [--report OUT] [-always] [global options]
    techroles run --config FILE [--report OUT] [--kpi-report OUT] [-always] [global options]
    techroles bench [--json OUT] [--latency-ms N] [--people N]
    techroles explain [--config FILE] [--lang CODE]    print the status rule and thresholds

``-help`` or ``--help`` after a subcommand prints its help. Every subcommand
that touches a wiki accepts Pywikibot's global options (``-simulate``,
``-family``, ``-code``, ``-site``, ``-user``, ``-dir``, ``-log``, ``-maxlag`` …)
anywhere on the line, as Pywikibot scripts do.

Exit status: 0 done with complete data; 1 something incomplete or not saved
(the brake, a fetch failure, an unreadable table, conflicts exhausted); 2 a
configuration or usage error; 3 stopped by the shutoff page.
"""
from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from techroles.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE


PARSE_HELP = """\
techroles parse FILE [--lang CODE]

Print the sign-up tables of a page's wikitext as JSON (offline: no wiki is
contacted and Pywikibot is not initialised). FILE may be '-' for standard
input. --lang is the content language of the page's wiki (default: en); it
decides which localized namespace names are recognised.

Output (a stable contract):
  {"tables": [{"index", "kind", "columns", "rows": [{"line", "users",
  "statuses", "wikis", "languages"}], "errors": [{"line", "message"}]}]}
"""


def _error(message: str) -> None:
    print(f'ERROR {message}', file=sys.stderr)


def cmd_parse(args: Sequence[str]) -> int:
    """``techroles parse``: pure, offline, a stable contract."""
    import argparse

    if any(a in ('-help', '--help', '-h') for a in args):
        print(PARSE_HELP, end='')
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


def wiki_command(run: Callable[[list[str]], int], doc: str) -> Callable[[Sequence[str]], int]:
    """Wrap a subcommand that touches a wiki: help, then Pywikibot's globals."""

    def command(args: Sequence[str]) -> int:
        args = list(args)
        if any(a in ('-help', '--help', '-h', '-help:global') for a in args):
            print(doc.strip() + '\n')
            try:
                from pywikibot.bot import _GLOBAL_HELP
            except ImportError:  # pragma: no cover
                return EXIT_OK
            print(_GLOBAL_HELP.format('techroles'))
            return EXIT_OK
        prepare_pywikibot(args)
        from techroles.wiki import httpcount

        httpcount.install()  # before Pywikibot's first request: the report counts them all
        import pywikibot

        # handle_args([]) would fall back to sys.argv: always pass something.
        sentinel = '--techroles-end-of-arguments'
        from pywikibot.exceptions import SiteDefinitionError

        from techroles.wiki.api import FETCH_ERRORS

        try:
            rest = pywikibot.handle_args([*args, sentinel], do_help=False)
        except SystemExit as exc:  # unknown site/family in -family/-code
            return EXIT_USAGE if exc.code else EXIT_OK
        except SiteDefinitionError as exc:
            _error(f'techroles: {exc}'.splitlines()[0])
            return EXIT_USAGE
        except FETCH_ERRORS as exc:  # the default site (Meta) does not answer
            config = pywikibot.config
            _error(f'{config.family}:{config.mylang}: cannot be reached: '
                   f'{type(exc).__name__}: {exc}'.splitlines()[0])
            return EXIT_INCOMPLETE
        rest = [a for a in rest if a != sentinel]
        return run(rest)

    return command


def _job(name: str) -> Callable[[list[str]], int]:
    def run(rest: list[str]) -> int:
        from techroles.wiki import jobs

        return getattr(jobs, name)(rest)

    return run


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


def script_doc(command: str) -> str:
    """A subcommand's help: the docstring of its Pywikibot script."""
    import importlib

    return importlib.import_module(f'techroles_scripts.techroles_{command}').__doc__ or ''


#: Subcommands that touch a wiki -> the job function in techroles.wiki.jobs.
WIKI_COMMANDS = {'update': 'run_update', 'kpi': 'run_kpi', 'run': 'run_both',
                 'explain': 'run_explain'}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``techroles`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-help', '--help', '-h', 'help'):
        print(__doc__.strip())
        return EXIT_OK if argv else EXIT_USAGE
    command, args = argv[0], argv[1:]
    if command == 'parse':
        return cmd_parse(args)
    if command == 'bench':
        return _bench(args)
    if command in WIKI_COMMANDS:
        return wiki_command(_job(WIKI_COMMANDS[command]), script_doc(command))(args)
    _error(f'techroles: unknown command {command!r} (try techroles --help)')
    return EXIT_USAGE


if __name__ == '__main__':  # pragma: no cover
    raise SystemExit(main())
