"""Benchmark of the table engine: parse + rewrite of a 2,000-row sign-up table.

Run ``python -m benchmarks.tablebench``: it prints the wall time (not a timed
test; the target is under one second). The table mixes the styles the
engine meets on Meta: wiki notations, user links, signatures and templates,
language lists, existing bot spans and notes; half the people change status.
It also reads the held-out page (500 rows, headers in a language the alias
list never named, columns found by content) and prints that time too.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from techroles import render, table
from techroles.model import Decision, Status


WIKIS = ('[[:fr:|fr.wikipedia]]', 'de.wikipedia', 'https://es.wikipedia.org', 'itwiki',
         'Wikimedia Commons', 'fr.wiktionary', 'w:pt', 'Wikidata')
STATUSES = (Status.ACTIVE, Status.SLIPPING, Status.INACTIVE, Status.NEW)
#: A 500-row table whose headers no alias names (Georgian): read by content.
HELD_OUT = (Path(__file__).resolve().parent.parent / 'tests' / 'data' / 'table' / 'held-out'
            / 'georgian-500.wiki')


def build(rows: int = 2000) -> tuple[str, dict[str, Decision]]:
    """A page with one ``rows``-row table and a decision for every person."""
    lines = ['== Tech ambassadors ==', '{| class="wikitable sortable"',
             '! Wiki !! Ambassador !! Languages !! Status !! Notes']
    decisions: dict[str, Decision] = {}
    for i in range(rows):
        name = f'Ambassador {i:04d}'
        style = i % 4
        if style == 0:
            user = f'[[User:{name}|{name}]]'
        elif style == 1:
            user = f'{{{{u|{name}}}}}'
        elif style == 2:
            user = (f'[[User:{name}|{name}]] ([[User talk:{name}|talk]]) '
                    '08:42, 25 September 2018 (UTC)')
        else:
            user = f'[[:fr:Utilisateur:{name}|{name}]]'
        old = STATUSES[i % len(STATUSES)]
        status = (f'<span class="techroles-status" data-user="{name}" '
                  f'data-status="{old.value}">{old.value.title()}</span>') if i % 3 else ''
        note = 'joined 2024' if i % 5 == 0 else ''
        lines += ['|-', f'| {WIKIS[i % len(WIKIS)]} || {user} || fr, en || {status} || {note}']
        new = STATUSES[(i + (i % 2)) % len(STATUSES)]
        decisions[name] = Decision(name, new, since=date(2026, 1, 1))
    lines.append('|}')
    return '\n'.join(lines) + '\n', decisions


def main(argv: list[str] | None = None) -> int:
    """Print the wall time of parse + rewrite (and of a rewrite from cold); exit 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=2000)
    args = parser.parse_args(argv)
    text, decisions = build(args.rows)
    label = lambda d: d.status.value.title()  # noqa: E731
    table._CACHE.clear()
    start = time.perf_counter()
    tables = table.parse_page(text)
    parsed = time.perf_counter()
    result = render.apply(text, decisions, label=label)
    done = time.perf_counter()
    table._CACHE.clear()
    cold_start = time.perf_counter()
    render.apply(text, decisions, label=label)
    cold = time.perf_counter() - cold_start
    rows = sum(len(t.rows) for t in tables)
    print(f'{rows} rows, {len(text)} characters, {len(result.changes)} status changes')
    print(f'parse {parsed - start:.3f} s + rewrite {done - parsed:.3f} s '
          f'= {done - start:.3f} s (the rewrite reuses the parse)')
    print(f'rewrite alone, from cold (parses again): {cold:.3f} s')
    if HELD_OUT.exists():
        held_out = HELD_OUT.read_text(encoding='utf-8')
        table._CACHE.clear()
        start = time.perf_counter()
        found = table.parse_page(held_out)
        took = time.perf_counter() - start
        people = sum(len(r.users) for t in found for r in t.rows)
        print(f'held-out page ({HELD_OUT.name}, columns by content): {people} people, '
              f'parse {took:.3f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
