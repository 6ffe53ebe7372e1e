"""Shared helpers of the integration tests: run the command, write pages."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from testbed.farm import Farm
from testbed.fixtures import World
from testbed.humans import Human
from tests.conftest import subprocess_env


AMBASSADORS = 'Tech/Ambassadors/List'
TRANSLATORS = 'Tech/Translators/List'
SHUTOFF = 'User:TechRolesBot/shutoff'


@dataclass
class Outcome:
    """What one run of the command did."""

    code: int
    stdout: str
    stderr: str
    report: dict


def config(tmp_path: Path, **overrides) -> Path:
    """A configuration file for the farm's Meta (state store in ``tmp_path``)."""
    data = {
        'tables': [{'site': 'meta:meta', 'page': AMBASSADORS, 'kind': 'ambassadors'}],
        'shutoff_page': SHUTOFF,
        'state_store': str(tmp_path / 'state.sqlite'),
    }
    data.update(overrides)
    path = tmp_path / 'config.json'
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


def run(command: str, cfg: Path, *args: str, report: Path | None = None,
        timeout: float = 180, env: dict[str, str] | None = None) -> Outcome:
    """Run ``techroles COMMAND --config CFG …`` in a subprocess, like an operator.

    ``env`` adds to the environment, e.g. ``PYWIKIBOT_DIR`` of a configuration
    that reaches the wikis through fault proxies (``testbed.faultproxy``).
    """
    report = report or cfg.with_name(f'report-{command}.json')
    if report.exists():
        report.unlink()
    reporting = ['--report', str(report)] if command != 'explain' else []  # explain has none
    proc = subprocess.run(
        [sys.executable, '-m', 'techroles.cli', command, '--config', str(cfg),
         *reporting, *args],
        capture_output=True, text=True, env=subprocess_env(**(env or {})), timeout=timeout,
        check=False,
    )
    data = json.loads(report.read_text()) if report.exists() else {}
    return Outcome(proc.returncode, proc.stdout, proc.stderr, data)


def statuses(outcome: Outcome) -> dict[str, str]:
    return {p['name']: p['status'] for p in outcome.report.get('people', [])}


def put(farm: Farm, title: str, text: str, dbname: str = 'metawiki',
        summary: str = 'test set-up') -> None:
    """Save a page as a human (the farm's Admin)."""
    Human(farm, dbname).edit(title, text, summary)


def signup(farm: Farm, page_text: str, title: str = AMBASSADORS, days_ago: float = 60) -> None:
    """A sign-up page that has said ``page_text`` for ``days_ago`` days (backdated).

    The import skips link updates, so the page's links tables are refreshed
    afterwards, as an edit would have done.
    """
    World(farm).page('metawiki', title, [(days_ago, 'Admin', page_text)]).apply()
    Human(farm, 'metawiki').post(action='purge', titles=title, forcelinkupdate=1)


def text(farm: Farm, title: str, dbname: str = 'metawiki') -> str | None:
    return Human(farm, dbname).text(title)


def table(rows: list[tuple[str, str]], header: str = '! Wiki !! User !! Status') -> str:
    """An ambassadors table: one ``| wiki || user || `` row per pair."""
    lines = ['{| class="wikitable sortable"', header]
    for wiki, user in rows:
        lines += ['|-', f'| {wiki} || {user} || ']
    lines.append('|}')
    return '\n'.join(lines) + '\n'
