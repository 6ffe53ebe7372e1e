"""The activity benchmark of issue 6, on a smaller fixture (marker ``bench``, not in make test).

The figures come from ``techroles bench --json`` run as an operator runs it
(a subprocess, on the local wikis); the tests assert the issue's targets on
them. Wall time is not asserted: it is a figure the benchmark prints.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from benchmarks import bench
from testbed import farm as farm_module
from tests.conftest import ROOT, subprocess_env


pytestmark = pytest.mark.bench

PEOPLE = 120
CONTRACT = {'people', 'wikis', 'lower_bound', 'incremental_bound', 'statuses_identical',
            'naive', 'cold', 'incremental'}
MODE_KEYS = {'requests', 'activity_requests', 'wall_s', 'peak_mb'}


@pytest.fixture(scope='module')
def figures(tmp_path_factory) -> dict:
    reason = farm_module.testbed_available()
    if reason:
        pytest.fail(f'the local test bed is missing: {reason}', pytrace=False)
    out = tmp_path_factory.mktemp('bench') / 'bench.json'
    proc = subprocess.run(
        [sys.executable, '-m', 'techroles.cli', 'bench', '--people', str(PEOPLE),
         '--json', str(out)],
        capture_output=True, text=True, env=subprocess_env(), cwd=str(ROOT), timeout=3600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    print(proc.stdout)
    return json.loads(out.read_text(encoding='utf-8'))


def test_the_json_is_the_stable_contract(figures):
    assert set(figures) >= CONTRACT
    assert figures['people'] == PEOPLE
    assert figures['wikis'] >= 10
    for mode in ('naive', 'cold', 'incremental'):
        assert set(figures[mode]) >= MODE_KEYS
        assert figures[mode]['requests'] > 0
        assert figures[mode]['wall_s'] > 0 and figures[mode]['peak_mb'] > 0


def test_the_three_modes_give_identical_statuses(figures):
    assert figures['statuses_identical'], figures['differences']


def test_cold_activity_requests_within_a_quarter_of_the_lower_bound(figures):
    cold, bound = figures['cold']['activity_requests'], figures['lower_bound']
    assert cold <= 1.25 * bound, (
        f'cold activity requests {cold} > 1.25 × lower bound {bound}: '
        f'{figures["cold"]["by_kind"]}')


def test_incremental_activity_requests_within_the_incremental_bound(figures):
    incremental = figures['incremental']['activity_requests']
    assert incremental <= figures['incremental_bound'], figures['incremental']['by_kind']


def test_exit_2_with_one_line_when_the_test_bed_is_absent(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(farm_module, 'testbed_available',
                        lambda: 'php is not installed (run make setup)')
    assert bench.main(['--json', str(tmp_path / 'out.json')]) == 2
    captured = capsys.readouterr()
    assert captured.out == ''
    assert len(captured.err.strip().splitlines()) == 1
    assert 'test bed' in captured.err
    assert not (tmp_path / 'out.json').exists()


def test_help_and_usage_errors(capsys):
    assert bench.main(['-help']) == 0
    assert 'techroles bench' in capsys.readouterr().out
    assert bench.main(['--people', 'many']) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.parametrize(('params', 'expected'), [
    ({'action': 'login'}, ('setup', 'login')),
    ({'action': 'query', 'meta': 'siteinfo|userinfo'}, ('setup', 'siteinfo|userinfo')),
    ({'action': 'paraminfo', 'modules': 'query+logevents'}, ('setup', 'paraminfo')),
    ({'action': 'query', 'list': 'users|usercontribs', 'ususers': 'A|B', 'ucuser': 'A|B'},
     ('activity', 'users+contribs')),
    ({'action': 'query', 'list': 'usercontribs', 'ucuser': '\x1fA|x\x1fB', 'ucend': 't'},
     ('activity', 'contribs-window')),
    ({'action': 'query', 'list': 'usercontribs', 'ucuser': 'A', 'uclimit': '1'},
     ('person', 'contribs-full')),
    ({'action': 'query', 'list': 'users', 'ususers': 'A'}, ('person', 'users')),
    ({'action': 'query', 'list': 'logevents', 'leuser': 'A'}, ('person', 'logevents-user')),
    ({'action': 'query', 'list': 'logevents', 'letype': 'gblrename', 'leend': 't'},
     ('activity', 'logscan-gblrename')),
    ({'action': 'query', 'meta': 'globaluserinfo', 'guiuser': 'A'},
     ('person', 'globaluserinfo')),
])
def test_requests_are_classified_from_their_parameters(params, expected):
    assert bench.classify(params) == expected


def test_the_lower_bound_counts_names_and_the_rows_the_data_forces():
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    recent, old = '2026-05-20T00:00:00Z', '2025-01-01T00:00:00Z'
    people = [{'name': f'P{i}', 'wikis': ['frwiki'], 'edits': {'frwiki': [recent] * 20}}
              for i in range(40)]                      # 800 window rows: 2 pages at 500
    people.append({'name': 'Old', 'wikis': ['frwiki'], 'edits': {'frwiki': [old] * 3}})  # 1 row
    people.append({'name': 'Heavy', 'wikis': ['frwiki'], 'edits': {'frwiki': [recent] * 501}})
    manifest = {'people': people}
    result = bench.bounds(manifest, now, {'frwiki': (50, 500), 'metawiki': (500, 5000)})
    fr = result['per_wiki']['frwiki']
    assert (fr['people'], fr['batches'], fr['rows'], fr['heavy']) == (42, 1, 801, 1)
    assert fr['bound'] == 2                            # one batch of names + one more page
    assert result['per_wiki']['metawiki']['bound'] == 1  # everyone is checked on Meta
    assert result['lower_bound'] == 3
    assert result['incremental_bound'] == 1 + 1 + 2
