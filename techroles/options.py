"""The commands' options and help texts, from one table.

Pure: no Pywikibot import. :data:`COMMANDS` is the single source of every
help text (``techroles --help``, each command's ``--help``, the ``pwb
techroles_*`` scripts' docstrings) and of the README's command table, so
they cannot disagree. :func:`parse_job_args` reads a job's command line
before Pywikibot sees it: our options in either style (``--limit 5``,
``--limit=5``, ``-limit:5``), Pywikibot's global options passed on, and the
options that would silently do something else refused with a one-line
reason.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from techroles.errors import (  # noqa: F401 - the exit statuses the help documents
    EXIT_INCOMPLETE,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_SHUTOFF,
    EXIT_USAGE,
)


EXIT_STATUS = """\
Exit status: 0 done with complete data; 1 something incomplete or not saved
(the brake, a fetch failure, an unreadable table, edit conflicts exhausted);
2 a configuration or usage error; 3 stopped by a shutoff page; 4 another
run holds the run lock (nothing was done)."""

HELP_FLAGS = ('-help', '--help', '-h', '-help:global')


@dataclass(frozen=True)
class Option:
    """One option of ours: its name, the value it takes, what it does."""

    name: str
    metavar: str
    help: str

    def usage(self) -> str:
        return f'{self.name} {self.metavar}' if self.metavar else self.name


OPTIONS = {option.name: option for option in (
    Option('--config', 'FILE', 'the JSON configuration (docs/configuration.md)'),
    Option('--report', 'OUT', 'write what was found and done as JSON (-simulate too)'),
    Option('--kpi-report', 'OUT', 'write the KPI figures as JSON'),
    Option('-always', '', 'save without asking for each page (needed in jobs)'),
    Option('--limit', 'N', 'change at most N status cells in this run (approval trials)'),
    Option('--print', '', 'print the page to standard output instead of saving it'),
)}

#: Pywikibot's global options a job accepts (passed on to Pywikibot).
PYWIKIBOT_GLOBALS = ('-simulate', '-user:NAME', '-dir:PATH', '-log', '-maxlag:N',
                     '-putthrottle:N', '-debug', '-verbose')

#: Pywikibot options that would not do what they say here -> why.
REFUSED = {
    '-family': 'techroles reads and writes the wikis its configuration names (tables[].site, '
               'page keys as "family:code") and logs in on Meta; {option} would only move '
               "Pywikibot's default site, which techroles does not use: remove it and name "
               'the wiki in the configuration',
}
for _name in ('-code', '-lang', '-site'):
    REFUSED[_name] = REFUSED['-family']


@dataclass(frozen=True)
class Command:
    """A subcommand: its usage line, one-line summary, options and description."""

    name: str
    summary: str
    options: tuple[str, ...]
    description: str
    #: Talks to a wiki (accepts Pywikibot's global options, has a pwb script).
    wiki: bool = True
    #: Saves pages (needs -always or -simulate without a terminal).
    saves: bool = True
    usage_tail: str = ''

    def usage(self) -> str:
        parts = [f'techroles {self.name}']
        for name in self.options:
            option = OPTIONS[name]
            parts.append(option.usage() if name == '--config' else f'[{option.usage()}]')
        if self.usage_tail:
            parts.append(self.usage_tail)
        if self.wiki:
            parts.append('[global options]')
        return ' '.join(parts)

    def help(self) -> str:
        """The whole help text of this command (also its pwb script's docstring)."""
        lines = [self.summary, '', 'Usage::', '', f'    {self.usage()}']
        if self.wiki:
            lines.append(f'    pwb techroles_{self.name} ' + self.usage().split(' ', 2)[2]
                         .replace(' [global options]', ''))
        lines += ['', self.description.strip(), '']
        if self.options:
            lines += ['Options:', '']
            for name in self.options:
                option = OPTIONS[name]
                lines.append(f'{option.usage():<16}{option.help}')
            lines.append('')
        if self.wiki:
            lines += ["Pywikibot's global options, anywhere on the line:",
                      '  ' + ', '.join(PYWIKIBOT_GLOBALS) + '.',
                      '-simulate shows each diff and saves nothing. -family, -code, -lang and',
                      '-site are refused: the configuration names every wiki.', '']
        lines.append(EXIT_STATUS if self.wiki else
                     'Exit status: 0 done; 2 a configuration or usage error.')
        return '\n'.join(lines) + '\n'


COMMANDS = {command.name: command for command in (
    Command('parse', 'Print the sign-up tables of a page\'s wikitext as JSON (offline).',
            (), """
Offline: no wiki is contacted and Pywikibot is not initialised. FILE may be
'-' for standard input. --lang is the content language of the page's wiki
(default: en); it decides which localized namespace names are recognised.
Output (a stable contract): {"tables": [{"index", "kind", "columns",
"columns_by", "rows": [{"line", "users", "statuses", "wikis", "languages"}],
"errors": [{"line", "message"}]}]}; columns_by says how each column was found
("header", "content" or null).""", wiki=False, saves=False, usage_tail='FILE [--lang CODE]'),
    Command('check', 'Check a configuration file without contacting any wiki.',
            ('--config',), """
Every key against the schema (docs/configuration.md), page titles, and the
wikis it names against the bundled list of Wikimedia wikis: every problem at
once, one line each (ERROR FILE: key: problem). Every job runs the same
check before its first request. The on-wiki configuration page is checked
when a job reads it.""", wiki=False, saves=False),
    Command('update', 'Check every listed tech ambassador and translator; update the status '
            'cells.', ('--config', '--report', '-always', '--limit'), """
For every sign-up page in the configuration, read it, find the people in its
tables, check their activity on the wikis named in their rows, on Meta and
(translators) on their home wiki, decide a status per person, and save the
page with only the bot's spans in the status cells changed. Nothing else on
the page changes; a cell changes only when that person's status changes."""),
    Command('kpi', 'Compute the tech ambassador and Tech News translation KPIs; update the KPI '
            'page.', ('--config', '--report', '-always'), """
Recomputes every person's status with the same rule and data as update
(statuses are never read back from cells), measures Tech News translation
coverage per issue and language, and writes the KPI page between its
bot-owned markers and one record per UTC date on the history page."""),
    Command('run', 'Run update and then kpi in one process (the scheduled job).',
            ('--config', '--report', '--kpi-report', '-always', '--limit'), """
Activity is collected once for both; --report is the update's report. The
status page is updated once, after both. The exit status is the worse of
the two jobs' (4 lock > 3 shutoff > 2 configuration > 1 incomplete > 0)."""),
    Command('explain', 'Write (or print) the explanation page: the status rule, thresholds, '
            'labels.', ('--config', '--print', '-always'), """
The text is generated from the docstring of the one function that applies
the rule and the configured thresholds and labels, in the wiki's content
language. --print writes it to standard output and saves nothing."""),
    Command('bench', 'Benchmarks on the local test bed (a checkout only; make bench).',
            (), """
Needs the checkout's local test bed (Debian packages, root): exits 2 with
one line when it is absent. Not part of a deployment.""", wiki=False, saves=False,
            usage_tail='[--json OUT] [--latency-ms N] [--people N]'),
)}


def main_help() -> str:
    """``techroles --help``."""
    lines = ['techroles: keeps the tech-ambassador and tech-translator sign-up tables and the '
             'KPI page up to date.', '', 'Usage:', '']
    for command in COMMANDS.values():
        lines.append(f'  {command.usage()}')
        lines.append(f'      {command.summary}')
    lines += ['', "'techroles COMMAND --help' (or -help) prints a command's help. Commands "
              "that touch a", "wiki accept Pywikibot's global options anywhere on the line:",
              '  ' + ', '.join(PYWIKIBOT_GLOBALS) + '.', '', EXIT_STATUS]
    return '\n'.join(lines) + '\n'


def command_help(name: str) -> str:
    """A command's ``--help`` text."""
    return COMMANDS[name].help()


def readme_table() -> str:
    """The README's command table (a test keeps the README equal to it)."""
    lines = ['<!-- Generated by techroles.options.readme_table(); do not edit by hand. -->', '',
             '| Command | What it does |', '|---|---|']
    for command in COMMANDS.values():
        lines.append(f'| `{command.usage()}` | {command.summary} |')
    return '\n'.join(lines) + '\n'


@dataclass
class Options:
    """A job's command line, read before Pywikibot is initialised."""

    command: str
    config: str
    report: str | None = None
    kpi_report: str | None = None
    always: bool = False
    limit: int | None = None
    print_only: bool = False
    simulate: bool = False
    #: Pywikibot's global options, for ``pywikibot.handle_args``.
    pywikibot_args: list[str] = field(default_factory=list)


class _Usage(Exception):
    """A usage error: one line."""


def parse_job_args(prog: str, args: Sequence[str]) -> Options | int:
    """Read a job's command line; an int is the exit status (help printed, or a usage error).

    ``prog`` is ``techroles <command>``. Help wins wherever it appears. Errors
    are printed as one ``ERROR <prog>: …`` line each and give exit 2.
    """
    name = prog.split()[-1]
    command = COMMANDS[name]
    args = list(args)
    if any(a in HELP_FLAGS for a in args):
        print(command.help())
        return EXIT_OK
    try:
        return _parse(command, args)
    except _Usage as error:
        print(f'ERROR {prog}: {error}', file=sys.stderr)
        return EXIT_USAGE


def _split(arg: str) -> tuple[str, str | None]:
    """``--name=value``, ``-name:value`` or a bare option -> (``--name``, value)."""
    if arg.startswith('--'):
        name, eq, value = arg.partition('=')
        return ('-always' if name == '--always' else name), value if eq else None
    name, colon, value = arg.partition(':')
    long_name = '-always' if name == '-always' else '-' + name
    return long_name, value if colon else None


def _parse(command: Command, args: list[str]) -> Options:
    values: dict[str, str | bool] = {}
    pywikibot_args: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith('-') or arg == '-':
            raise _Usage(f'unexpected argument {arg!r} (see --help)')
        bare = arg.partition(':')[0]
        if bare == '-config':
            value = arg.partition(':')[2]
            if value.endswith('.py'):  # Pywikibot's own: the user-config file name
                pywikibot_args.append(arg)
                continue
            raise _Usage(f"{arg} is Pywikibot's option naming its user-config.py file, "
                         f'not the techroles configuration: write --config {value or "FILE"}')
        if bare in REFUSED:
            raise _Usage(f'{bare}: ' + REFUSED[bare].format(option=bare))
        name, value = _split(arg)
        if name not in OPTIONS:
            if arg.startswith('--'):
                raise _Usage(f'unknown option {arg} (see --help)')
            pywikibot_args.append(arg)  # a global option: Pywikibot reports what it ignores
            continue
        if name not in command.options:
            raise _Usage(f'{name} is not an option of techroles {command.name} (see --help)')
        if OPTIONS[name].metavar:
            if value is None:
                if i >= len(args):
                    raise _Usage(f'{name} needs a value: {OPTIONS[name].usage()}')
                value = args[i]
                i += 1
            values[name] = value
        elif value is not None:
            raise _Usage(f'{name} takes no value')
        else:
            values[name] = True
    if '--config' not in values:
        raise _Usage('--config FILE is required')
    limit = None
    if '--limit' in values:
        text = str(values['--limit'])
        if not text.isdigit():
            raise _Usage(f'--limit must be a whole number, 0 or more; got {text!r}')
        limit = int(text)
    simulate = any(a.partition(':')[0] == '-simulate' for a in pywikibot_args)
    always = bool(values.get('-always'))
    print_only = bool(values.get('--print'))
    if command.saves and not print_only and not (always or simulate or _interactive()):
        raise _Usage('without -always every save is confirmed at the terminal, and there is '
                     'none: add -always (or -simulate)')
    return Options(
        command=command.name, config=str(values['--config']),
        report=_str(values.get('--report')), kpi_report=_str(values.get('--kpi-report')),
        always=always, limit=limit, print_only=print_only, simulate=simulate,
        pywikibot_args=pywikibot_args)


def _str(value: str | bool | None) -> str | None:
    return None if value is None else str(value)


def _interactive() -> bool:
    return bool(sys.stdin and sys.stdin.isatty())


def leftover_problem(prog: str, rest: Sequence[str]) -> int | None:
    """After ``pywikibot.handle_args``: an option neither we nor Pywikibot know is a usage error."""
    unknown = [a for a in rest if a != SENTINEL]
    if not unknown:
        return None
    print(f'ERROR {prog}: unknown option {unknown[0]} (see --help)', file=sys.stderr)
    return EXIT_USAGE


#: ``handle_args([])`` would fall back to ``sys.argv``: always pass at least this.
SENTINEL = '--techroles-end-of-arguments'
