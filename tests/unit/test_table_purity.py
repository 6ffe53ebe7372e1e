"""The table engine is pure: it works with pywikibot blocked and reads only its JSON data."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, subprocess_env


pytestmark = pytest.mark.unit

PURE = ('table', 'names', 'notation', 'render')

SCRIPT = r'''
import sys
sys.modules['pywikibot'] = None      # any "import pywikibot" now raises ImportError
sys.modules['babel'] = None          # a development-only dependency
from techroles import names, render, table, notation
from techroles.model import Decision, Status
text = open(sys.argv[1], encoding='utf-8').read()
tables = table.parse_page(text)
assert tables and tables[0].rows, tables
result = render.apply(text, {'Lune Claire': Decision('Lune Claire', Status.ACTIVE)})
assert result.changes, result
assert notation.resolve_wiki('fr.wikipedia') == 'frwiki'
assert names.find_people('[[Utilisateur:X]]') == ['X']
assert not [m for m in sys.modules if m.startswith(('pywikibot', 'babel')) and sys.modules[m]]
print('ok')
'''


def test_import_and_use_with_pywikibot_blocked() -> None:
    fixture = ROOT / 'tests' / 'data' / 'signup' / 'ambassadors-meta.wiki'
    done = subprocess.run([sys.executable, '-c', SCRIPT, str(fixture)], capture_output=True,
                          text=True, env=subprocess_env(), cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == 'ok'


def sources(module: str) -> list[Path]:
    """The module's file, or every file of the package."""
    package = ROOT / 'techroles' / module
    return sorted(package.glob('*.py')) if package.is_dir() else [package.with_suffix('.py')]


@pytest.mark.parametrize('module', PURE)
def test_no_pywikibot_import_anywhere_in_module(module: str) -> None:
    imported: set[str] = set()
    for node in (n for path in sources(module)
                 for n in ast.walk(ast.parse(path.read_text(encoding='utf-8')))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not {m for m in imported if m.split('.')[0] in ('pywikibot', 'babel', 'requests')}


def test_data_read_from_package_only() -> None:
    """The pure modules never look outside the package for data (no shared folder)."""
    outside = '..' + '/shared'
    for path in (p for module in PURE for p in sources(module)):
        source = path.read_text(encoding='utf-8')
        assert outside not in source and '/shared/' not in source
    assert Path(ROOT / 'techroles' / 'data' / 'wikis.json').exists()


def _generator_missing() -> str | None:
    """Why the generator cannot reproduce the committed data here (None when it can).

    Each data file records the versions of its inputs; the test compares only
    when the installed inputs are those (``make`` installs the pinned ones).
    """
    import importlib.metadata
    import importlib.util
    import re
    import shutil

    if shutil.which('php') is None:
        return 'php is not installed'
    defines = Path('/usr/share/mediawiki/includes/Defines.php')
    if not defines.exists():
        return "Debian's MediaWiki is not installed"
    if importlib.util.find_spec('babel') is None:
        return 'babel (development only) is not installed'
    found = re.search(r"define\( 'MW_VERSION', '([^']+)'", defines.read_text(encoding='utf-8'))
    installed = {'mediawiki': found.group(1) if found else 'unknown',
                 'babel': importlib.metadata.version('babel'),
                 'pywikibot': importlib.metadata.version('pywikibot')}
    for name in ('namespaces.json', 'languages.json', 'wikis.json'):
        recorded = json.loads((ROOT / 'techroles' / 'data' / name).read_text('utf-8'))['inputs']
        for package, version in recorded.items():
            if installed[package] != version:
                return (f'{name} was generated from {package} {version}; {installed[package]} '
                        'is installed (make installs the versions pinned in constraints.txt)')
    return None


@pytest.mark.skipif(_generator_missing() is not None, reason=str(_generator_missing()))
def test_generated_data_is_reproducible(tmp_path: Path) -> None:
    """``python -m tools.generate_data`` rebuilds the committed JSON byte for byte."""
    # Pywikibot's own family files, not the test farm's (which map families to local wikis).
    env = subprocess_env(PYWIKIBOT_NO_USER_CONFIG='2')
    env.pop('PYWIKIBOT_DIR')
    done = subprocess.run([sys.executable, '-m', 'tools.generate_data', '--out',
                           str(tmp_path)], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ('namespaces.json', 'languages.json', 'wikis.json'):
        assert (tmp_path / name).read_bytes() == (ROOT / 'techroles' / 'data' / name).read_bytes()


def test_pinned_inputs_are_the_recorded_ones() -> None:
    """constraints.txt pins the very babel and Pywikibot the data was generated from."""
    pins = dict(line.split('==') for line in
                (ROOT / 'constraints.txt').read_text('utf-8').splitlines()
                if '==' in line and not line.startswith('#'))
    for name in ('languages.json', 'wikis.json'):
        recorded = json.loads((ROOT / 'techroles' / 'data' / name).read_text('utf-8'))['inputs']
        for package in ('babel', 'pywikibot'):
            if package in recorded:
                assert pins[package] == recorded[package], (name, package)
