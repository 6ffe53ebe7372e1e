"""``techroles check --config FILE``: every problem of a configuration, offline.

Pure: no Pywikibot, no network. It reads the file, checks it against the
schema (every key, every list item), the page titles, and the wikis it
names against the bundled list of Wikimedia wikis
(``techroles/data/wikis.json``), and prints every problem at once, one line
each. Every job runs the same :func:`check_configuration` before its first
request, so a wrong configuration is refused even when no wiki answers.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from techroles import config, notation
from techroles.errors import ConfigError
from techroles.options import EXIT_OK, EXIT_USAGE, Options, parse_job_args
from techroles.schema import key_path


def check_configuration(path: str) -> list[str]:
    """Every problem of the configuration file at ``path``, one line each (empty: valid).

    Each line starts with ``path``. The on-wiki configuration page is not read
    (that needs the network); it is checked when a job loads it.
    """
    try:
        raw = config.load_file(path)
    except ConfigError as error:
        return [str(error)]
    found = config.problems(raw, source=path)
    found += [f'{path}: {where}: {message}' for where, message in unknown_wikis(raw)]
    return found


def unknown_wikis(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key path, message) for every wiki the configuration names that is not a Wikimedia wiki.

    Looks only at values of the right shape (the schema reports the others):
    ``family:code`` sites of tables and pages, database names of
    ``proactive_pages`` and ``target_wikis``.
    """
    found = []
    for where, site in _sites(raw):
        family, _, code = site.partition(':')
        if code and notation.dbname_for(code, family) is None:
            found.append((where, f"unknown site {site!r} (no Wikimedia wiki has this "
                                 "family:code in the bundled list)"))
    known = set(notation.all_dbnames())
    proactive = raw.get('proactive_pages')
    names = [(key_path('proactive_pages', k), k) for k in proactive] if isinstance(
        proactive, Mapping) else []
    targets = raw.get('target_wikis')
    if isinstance(targets, list):
        names += [(f'target_wikis[{i}]', v) for i, v in enumerate(targets)]
    for where, dbname in names:
        if isinstance(dbname, str) and dbname and dbname not in known:
            found.append((where, f'unknown wiki {dbname!r} (not a database name of a '
                                 'Wikimedia wiki, e.g. "frwiki")'))
    return found


def _sites(raw: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    tables = raw.get('tables')
    if isinstance(tables, list):
        for i, table in enumerate(tables):
            if isinstance(table, Mapping) and isinstance(table.get('site'), str):
                yield f'tables[{i}].site', table['site']
    for key in config.SCHEMA:
        value = raw.get(key.name)
        if isinstance(value, Mapping) and isinstance(value.get('site'), str) and (
                key.name != 'tables'):
            yield f'{key.name}.site', value['site']


def preflight(prog: str, args: Sequence[str]) -> Options | int:
    """What every job does before Pywikibot is initialised: read its options, check its file.

    Returns the options, or an exit status (help printed: 0; a usage error or
    a configuration with problems, every problem printed as one ``ERROR``
    line: 2). No wiki is contacted, so a wrong configuration is refused even
    when Meta cannot be reached.
    """
    opts = parse_job_args(prog, args)
    if isinstance(opts, int):
        return opts
    found = check_configuration(opts.config)
    for line in found:
        print(f'ERROR {line}', file=sys.stderr)
    return EXIT_USAGE if found else opts


def main(argv: Sequence[str]) -> int:
    """Run ``techroles check``; returns the exit status."""
    opts = parse_job_args('techroles check', argv)
    if isinstance(opts, int):
        return opts
    if opts.pywikibot_args:
        print(f'ERROR techroles check: {opts.pywikibot_args[0]}: the check is offline; '
              "Pywikibot's options do not apply", file=sys.stderr)
        return EXIT_USAGE
    found = check_configuration(opts.config)
    for line in found:
        print(f'ERROR {line}', file=sys.stderr)
    if found:
        return EXIT_USAGE
    print(f'{opts.config}: valid')
    return EXIT_OK


if __name__ == '__main__':  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
