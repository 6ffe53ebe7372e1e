"""Shared helpers of the table-engine tests: fixture discovery, decisions, labels.

Fixtures live under ``tests/data`` (never the shared research folder outside the checkout):

* parse: ``NAME.wiki`` + ``NAME.expected.json`` (``techroles parse`` output),
  optional ``NAME.options.json`` (``lang``, ``aliases``, ``user_templates``);
* render: ``NAME.wiki`` + ``NAME.decisions.json`` (``{"decisions": {name:
  {"status", "since", "new_name"}}, "options": {...}}``) + ``NAME.expected.wiki``.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from techroles.model import Decision, Status
from techroles.table import analyse


DATA = Path(__file__).resolve().parent.parent / 'data'
PARSE_DIRS = (DATA / 'signup', DATA / 'table' / 'parse')
RENDER_DIRS = (DATA / 'signup', DATA / 'table' / 'render')
PEER = DATA / 'peer' / 'mwparserfromhell-tables.json'


def stem(path: Path) -> str:
    return path.name[:-len('.wiki')]


def sibling(path: Path, suffix: str) -> Path:
    return path.with_name(stem(path) + suffix)


def parse_cases() -> list[Path]:
    """Every ``.wiki`` input that has an ``.expected.json``."""
    return sorted(p for d in PARSE_DIRS for p in d.glob('*.wiki')
                  if sibling(p, '.expected.json').exists())


def render_cases() -> list[Path]:
    """Every ``.wiki`` input that has ``.decisions.json`` and ``.expected.wiki``."""
    return sorted(p for d in RENDER_DIRS for p in d.glob('*.wiki')
                  if not p.name.endswith('.expected.wiki')
                  and sibling(p, '.decisions.json').exists())


def all_wiki_files() -> list[Path]:
    """Every wikitext file under tests/data (inputs and expected outputs)."""
    return sorted(DATA.rglob('*.wiki'))


def peer_cases() -> list[dict[str, str]]:
    return json.loads(PEER.read_text(encoding='utf-8'))['cases']


def parse_options(path: Path) -> tuple[str, dict[str, Any]]:
    """``(lang, keyword options)`` for a parse fixture."""
    options_file = sibling(path, '.options.json')
    options = json.loads(options_file.read_text(encoding='utf-8')) if options_file.exists() else {}
    lang = options.pop('lang', 'en')
    return lang, options


def decision(name: str, status: str, since: str | None = None,
             new_name: str | None = None) -> Decision:
    return Decision(name, Status(status), since=date.fromisoformat(since) if since else None,
                    new_name=new_name)


def load_decisions(path: Path) -> tuple[dict[str, Decision], dict[str, Any]]:
    """Decisions and ``apply`` options of a render fixture."""
    spec = json.loads(sibling(path, '.decisions.json').read_text(encoding='utf-8'))
    decisions = {name: decision(name, **fields) for name, fields in spec['decisions'].items()}
    return decisions, spec.get('options', {})


def label(d: Decision) -> str:
    """The label the render fixtures were written with (English)."""
    if d.status in (Status.SLIPPING, Status.INACTIVE):
        return f'{d.status.value.capitalize()} since {d.since}'
    if d.status is Status.NEW:
        return f'New since {d.since}'
    if d.status is Status.RENAMED:
        return f'Renamed to {d.new_name}'
    return d.status.value.capitalize()


def status_cell_ranges(text: str, lang: str = 'en', **options: Any) -> list[tuple[int, int]]:
    """``(start, end)`` of every status cell of every readable table, in page order."""
    ranges: set[tuple[int, int]] = set()
    for table in analyse(text, lang, **options).tables:
        for row in table.rows:
            if row.status is not None:
                ranges.add((row.status.cell.start, row.status.cell.end))
    return sorted(ranges)


def outside(text: str, ranges: list[tuple[int, int]]) -> list[str]:
    """The pieces of ``text`` between the given ranges."""
    pieces = []
    pos = 0
    for start, end in ranges:
        pieces.append(text[pos:start])
        pos = end
    pieces.append(text[pos:])
    return pieces
