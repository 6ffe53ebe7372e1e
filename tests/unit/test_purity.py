"""The pure core never imports pywikibot, the wiki layer or anything that talks to a network.

DESIGN: parsing tables, deciding statuses, rendering cells and computing KPIs
are pure functions of text, data and an injected ``now``. This is proved two
ways: every pure module imports (and its main function runs) in a process
where pywikibot cannot be imported, and no pure module's source names a
networking or wiki-layer module.
"""
from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.conftest import ROOT, subprocess_env


pytestmark = pytest.mark.unit

PURE_CORE = ('model', 'errors', 'table', 'names', 'notation', 'render', 'policy', 'config',
             'i18n', 'coverage', 'kpi', 'reports', 'delivery', 'facts', 'markup', 'timefmt',
             'schema', 'config_schema', 'options', 'check')
FORBIDDEN = ('pywikibot', 'requests', 'urllib.request', 'http', 'socket', 'sqlite3',
             'techroles.wiki', 'testbed')

SCRIPT = r'''
import sys
for blocked in ('pywikibot', 'requests', 'urllib3'):
    sys.modules[blocked] = None   # importing them now raises ImportError
from datetime import datetime, timezone
from techroles import (config, coverage, delivery, facts, i18n, kpi, model, names, policy,
                       render, reports, table, notation)
now = datetime(2026, 11, 25, tzinfo=timezone.utc)
seen = model.Activity('frwiki', datetime(2026, 11, 1, tzinfo=timezone.utc))
person = model.PersonFacts('X', latest=seen)
decision = policy.decide(person, now, policy.Thresholds())
assert decision.status is model.Status.ACTIVE, decision
assert i18n.status_label(decision, 'fr')
assert config.validate({'tables': [{'site': 'meta:meta', 'page': 'P', 'kind': 'ambassadors'}]},
                       source='test').active_days == 90
assert coverage.source_units('<translate><!--T:1--> a</translate>') == ['1']
figures = kpi.ambassador_kpi({'X': decision}, {'X': ['frwiki']}, family_of=notation.project_group)
assert figures['active'] == 1
assert reports.rule_items()
assert delivery.parse_targets('{{#target:Project:Pump|fr.wikipedia.org}}')
assert facts.normalize_title('wikipedia:kurier', {'': ''}) == 'Wikipedia:kurier'
print('ok')
'''


def test_the_core_runs_with_pywikibot_and_the_network_modules_blocked() -> None:
    done = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True,
                          env=subprocess_env(), cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == 'ok'


@pytest.mark.parametrize('module', PURE_CORE)
def test_no_pure_module_names_a_network_or_wiki_module(module: str) -> None:
    path = ROOT / 'techroles' / f'{module}.py'
    if not path.exists():
        path = ROOT / 'techroles' / module / '__init__.py'
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
            imported.update(f'{node.module}.{alias.name}' for alias in node.names)
    bad = sorted(name for name in imported
                 if any(name == f or name.startswith(f + '.') for f in FORBIDDEN))
    assert not bad, f'{module} imports {bad}'
