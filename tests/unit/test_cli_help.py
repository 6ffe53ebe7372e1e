"""Every command, subcommand and script answers ``-help`` and ``--help`` without a wiki.

Each case runs in a subprocess (Pywikibot reads its configuration at import
time) with a Pywikibot configuration whose wikis point at a closed loopback
port and the loopback-only network guard installed, so a help path that
touched a wiki would fail or leave traces (a throttle file, an API cache, a
cookie jar) in that configuration directory.
"""
from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from techroles.options import COMMANDS, command_help, main_help
from tests.conftest import ROOT, subprocess_env


pytestmark = pytest.mark.unit

TECHROLES = [sys.executable, '-m', 'techroles.cli']
SUBCOMMANDS = ('parse', 'update', 'kpi', 'run', 'explain', 'bench')
SCRIPTS = ('update', 'kpi', 'run', 'explain')
#: Words each help text must contain (its usage line).
USAGE = {
    'parse': 'techroles parse FILE', 'update': 'techroles update --config FILE',
    'kpi': 'techroles kpi --config FILE', 'run': 'techroles run --config FILE',
    'explain': 'techroles explain', 'bench': 'techroles bench',
}


@pytest.fixture(scope='module')
def offline_dir(tmp_path_factory) -> Path:
    """A Pywikibot configuration whose every wiki is a closed loopback port."""
    path = tmp_path_factory.mktemp('pywikibot-offline')
    (path / 'families').mkdir()
    for family, code in (('meta', 'meta'), ('wikipedia', 'fr')):
        (path / 'families' / f'{family}_family.py').write_text(
            'from pywikibot import family\n\n\n'
            'class Family(family.Family):\n'
            f'    name = {family!r}\n'
            f"    langs = {{{code!r}: '127.0.0.1:9'}}\n\n"
            '    def scriptpath(self, code):\n'
            "        return ''\n\n"
            '    def protocol(self, code):\n'
            "        return 'http'\n")
    (path / 'user-config.py').write_text(
        "family = 'meta'\nmylang = 'meta'\n"
        f"family_files['meta'] = {str(path / 'families' / 'meta_family.py')!r}\n"
        f"family_files['wikipedia'] = {str(path / 'families' / 'wikipedia_family.py')!r}\n"
        "usernames['meta']['meta'] = 'TechRolesBot'\n"
        'max_retries = 0\nretry_wait = 0\n')
    return path


def run(args: list[str], offline_dir: Path) -> subprocess.CompletedProcess:
    env = subprocess_env(PYWIKIBOT_DIR=str(offline_dir))
    return subprocess.run(args, capture_output=True, text=True, timeout=60, env=env,
                          cwd=str(offline_dir), check=False)


def cases() -> list[tuple[str, list[str], str]]:
    out = []
    for flag in ('-help', '--help'):
        out.append((f'techroles {flag}', [*TECHROLES, flag], 'techroles parse FILE'))
        for command in SUBCOMMANDS:
            out.append((f'techroles {command} {flag}', [*TECHROLES, command, flag],
                        USAGE[command]))
        # Help wins wherever it appears on the line, as in Pywikibot scripts.
        out.append((f'techroles update --config missing.json -simulate {flag}',
                    [*TECHROLES, 'update', '--config', 'missing.json', '-simulate', flag],
                    USAGE['update']))
        for script in SCRIPTS:
            path = ROOT / 'scripts' / f'techroles_{script}.py'
            out.append((f'scripts/techroles_{script}.py {flag}',
                        [sys.executable, str(path), flag], USAGE[script]))
            out.append((f'python -m techroles_scripts.techroles_{script} {flag}',
                        [sys.executable, '-m', f'techroles_scripts.techroles_{script}', flag],
                        USAGE[script]))
    return out


def test_every_command_and_script_answers_help_without_a_wiki(offline_dir):
    before = set(os.listdir(offline_dir))
    todo = cases()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda case: run(case[1], offline_dir), todo))
    failures = []
    for (name, _args, usage), proc in zip(todo, results, strict=True):
        if proc.returncode != 0 or usage not in proc.stdout or 'Traceback' in proc.stderr:
            failures.append(f'{name}: exit {proc.returncode}; stdout {proc.stdout[:200]!r}; '
                            f'stderr {proc.stderr[-400:]!r}')
    assert not failures, '\n'.join(failures)
    # Subcommands that touch a wiki list Pywikibot's global options too.
    update = results[[c[0] for c in todo].index('techroles update -help')]
    assert '-simulate' in update.stdout and '-always' in update.stdout
    # Nothing was fetched: no throttle file, API cache or cookies appeared.
    traces = {name for name in set(os.listdir(offline_dir)) - before
              if name.startswith(('throttle', 'apicache', 'pywikibot-')) or name.endswith('.lwp')}
    assert not traces, f'the help path touched a wiki: {sorted(traces)}'


def test_pwb_finds_the_scripts_and_prints_their_help(offline_dir):
    """``pwb techroles_update -help`` through the ``pywikibot``/``scriptspath`` entry point.

    Runs in the development install (``pip install -e``) as well as in a regular one.
    """
    pwb = Path(sys.executable).with_name('pwb')
    if not pwb.exists():
        pytest.skip('no pwb next to this Python')
    for flag in ('-help', '--help'):
        proc = run([str(pwb), 'techroles_update', flag], offline_dir)
        assert proc.returncode == 0, proc.stderr[-1000:]
        assert command_help('update').strip() in proc.stdout


@pytest.mark.parametrize('command', SCRIPTS)
def test_each_commands_help_is_the_one_source(offline_dir, command):
    """``techroles X --help`` and ``scripts/techroles_X.py -help`` print the same text."""
    expected = command_help(command).strip()
    for args in ([*TECHROLES, command, '--help'],
                 [sys.executable, str(ROOT / 'scripts' / f'techroles_{command}.py'), '-help']):
        proc = run(args, offline_dir)
        assert expected in proc.stdout, (args, proc.stdout[:500])


def test_the_main_help_and_check_come_from_the_one_source(offline_dir):
    proc = run([*TECHROLES, '--help'], offline_dir)
    assert proc.stdout == main_help()
    proc = run([*TECHROLES, 'check', '--help'], offline_dir)
    assert proc.stdout.strip() == command_help('check').strip()


def test_no_help_text_advertises_what_is_refused():
    """Every option a help text names is accepted; -family/-code/-site are named only as refused."""
    for name in COMMANDS:
        text = command_help(name)
        assert '-family:' not in text and '-lang:' not in text and '-site:' not in text
    assert '--lang' not in command_help('explain')
