"""``techroles check``: every problem of a configuration at once, offline (techroles.check)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from techroles.check import check_configuration
from techroles.config import problems
from tests.conftest import subprocess_env
from tests.unit.test_cli_help import offline_dir  # noqa: F401 (a fixture)


pytestmark = pytest.mark.unit

FIVE_MISTAKES = {
    'tables': [
        {'site': 'wikipedia:xx', 'page': 'Tech/Ambassadors', 'kind': 'ambassadors'},
        {'site': 'meta:meta', 'page': 'Tech/Translators', 'kind': 'translator'},
    ],
    'active_days': '90',
    'shutoff_page': 'User:ExampleBot/shutoff.json',
    'history_page': 'User:ExampleBot/KPI history',
    'colour': 'red',
}
EXPECTED = [
    'colour: unknown key',
    'tables[1].kind: must be one of',
    'active_days: must be a whole number',
    'shutoff_page: must be a page the community can edit',
    "history_page: must be a page whose title ends with '.json'",
    "tables[0].site: unknown site 'wikipedia:xx'",
]


def write(tmp_path: Path, value: object) -> str:
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(value), encoding='utf-8')
    return str(path)


def test_every_mistake_is_found_in_one_pass(tmp_path):
    path = write(tmp_path, FIVE_MISTAKES)
    found = check_configuration(path)
    assert len(found) == len(EXPECTED), found
    for line, expected in zip(found, EXPECTED, strict=True):
        assert line.startswith(f'{path}: ') and expected in line and '\n' not in line


def test_a_valid_configuration_has_no_problem(tmp_path):
    path = write(tmp_path, {'tables': [{'site': 'meta:meta', 'page': 'T', 'kind': 'ambassadors'}],
                            'target_wikis': ['frwiki'], 'proactive_pages': {'dewiki': ['X']}})
    assert check_configuration(path) == []


def test_unknown_database_names_are_found(tmp_path):
    path = write(tmp_path, {'tables': [{'site': 'meta:meta', 'page': 'T', 'kind': 'ambassadors'}],
                            'target_wikis': ['frwiki', 'nowiki_at_all'],
                            'proactive_pages': {'xxwiki': ['X']}})
    found = check_configuration(path)
    assert [line.split(': ')[1] for line in found] == ['proactive_pages.xxwiki',
                                                       'target_wikis[1]']


def test_problems_inside_lists_and_objects_are_all_listed():
    raw = {'tables': [{'site': 'meta', 'page': 'T', 'kind': 'x', 'extra': 1}],
           'labels': {'en': {'active': '[[x]]', 'nosuch': 'y'}},
           'tech_news': {'weeks': 0, 'delivery_hour_utc': 30}}
    found = problems(raw, source='c.json')
    keys = [line.split(': ')[1] for line in found]
    assert keys == ['tables[0].extra', 'tables[0].site', 'tables[0].kind', 'labels.en.active',
                    'labels.en.nosuch', 'tech_news.weeks', 'tech_news.delivery_hour_utc'], found


def test_unreadable_and_invalid_json_are_one_line(tmp_path):
    assert check_configuration(str(tmp_path / 'missing.json'))[0].endswith(
        'cannot read the configuration: No such file or directory')
    path = tmp_path / 'broken.json'
    path.write_text('{"tables": [}', encoding='utf-8')
    assert check_configuration(str(path)) == [
        f'{path}: invalid JSON at line 1 column 13: Expecting value']


def cli(args: list[str], offline: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False,
                          env=subprocess_env(PYWIKIBOT_DIR=str(offline)), cwd=str(offline))


def test_the_check_command_prints_every_problem_and_exits_2(tmp_path, offline_dir):  # noqa: F811
    path = write(tmp_path, FIVE_MISTAKES)
    proc = cli([sys.executable, '-m', 'techroles.check', '--config', path], offline_dir)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == len(EXPECTED) and all(line.startswith('ERROR ') for line in lines)
    assert proc.stdout == ''


def test_techroles_check_is_a_subcommand(tmp_path, offline_dir):  # noqa: F811
    path = write(tmp_path, FIVE_MISTAKES)
    proc = cli([sys.executable, '-m', 'techroles.cli', 'check', '--config', path], offline_dir)
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == len(EXPECTED)


@pytest.mark.parametrize('command', ['update', 'kpi', 'run', 'explain'])
def test_a_bad_configuration_is_refused_before_the_first_request(tmp_path, offline_dir,  # noqa: F811
                                                                 command):
    """Meta is a closed port here: any request would end in "cannot be reached" (exit 1)."""
    path = write(tmp_path, FIVE_MISTAKES)
    proc = cli([sys.executable, '-m', 'techroles.cli', command, '--config', path, '-always'],
               offline_dir)
    assert proc.returncode == 2, proc.stderr
    assert 'cannot be reached' not in proc.stderr
    assert [line for line in proc.stderr.splitlines() if line.startswith('ERROR ')] == [
        f'ERROR {line}' for line in check_configuration(path)]


PURE_SCRIPT = r'''
import sys
for blocked in ('pywikibot', 'requests', 'urllib3', 'sqlite3'):
    sys.modules[blocked] = None   # importing them now raises ImportError
from techroles import check, config, config_schema, options, schema
assert len(check.check_configuration(sys.argv[1])) == 6
assert isinstance(options.parse_job_args('techroles kpi', ['--config', 'c', '-simulate']),
                  options.Options)
print('pure')
'''


def test_the_check_needs_no_pywikibot_and_no_network(tmp_path):
    """The check runs where pywikibot, HTTP clients and sqlite cannot even be imported."""
    path = write(tmp_path, FIVE_MISTAKES)
    proc = subprocess.run([sys.executable, '-c', PURE_SCRIPT, path], capture_output=True,
                          text=True, timeout=60, check=False, env=subprocess_env())
    assert proc.stdout == 'pure\n', proc.stderr[-2000:]


def test_preflight_refuses_a_bad_configuration_before_pywikibot(tmp_path, capsys):
    from techroles.check import preflight
    from techroles.options import Options

    path = write(tmp_path, FIVE_MISTAKES)
    assert preflight('techroles kpi', ['--config', path, '-always']) == 2
    assert len(capsys.readouterr().err.splitlines()) == len(EXPECTED)
    good = write(tmp_path, {'tables': [{'site': 'meta:meta', 'page': 'T', 'kind': 'translators'}]})
    opts = preflight('techroles kpi', ['-simulate', '--config', good])
    assert isinstance(opts, Options) and opts.pywikibot_args == ['-simulate']
