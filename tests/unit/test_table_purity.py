"""The table engine is pure: it works with pywikibot blocked and reads only its JSON data."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, subprocess_env


pytestmark = pytest.mark.unit

PURE = ('table', 'names', 'wikis', 'render')

SCRIPT = r'''
import sys
sys.modules['pywikibot'] = None      # any "import pywikibot" now raises ImportError
sys.modules['babel'] = None          # a development-only dependency
from techroles import names, render, table, wikis
from techroles.model import Decision, Status
text = open(sys.argv[1], encoding='utf-8').read()
tables = table.parse_page(text)
assert tables and tables[0].rows, tables
result = render.apply(text, {'Lune Claire': Decision('Lune Claire', Status.ACTIVE)})
assert result.changes, result
assert wikis.resolve_wiki('fr.wikipedia') == 'frwiki'
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
    import importlib.util
    import shutil

    if shutil.which('php') is None:
        return 'php is not installed'
    if not Path('/usr/share/mediawiki/languages/messages/MessagesEn.php').exists():
        return "Debian's MediaWiki is not installed"
    if importlib.util.find_spec('babel') is None:
        return 'babel (development only) is not installed'
    return None


@pytest.mark.skipif(_generator_missing() is not None, reason=str(_generator_missing()))
def test_generated_data_is_reproducible(tmp_path: Path) -> None:
    """``python -m techroles.data.generate`` rebuilds the committed JSON byte for byte."""
    done = subprocess.run([sys.executable, '-m', 'techroles.data.generate', '--out',
                           str(tmp_path)], capture_output=True, text=True, env=subprocess_env(),
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ('namespaces.json', 'languages.json', 'wikis.json'):
        assert (tmp_path / name).read_bytes() == (ROOT / 'techroles' / 'data' / name).read_bytes()
