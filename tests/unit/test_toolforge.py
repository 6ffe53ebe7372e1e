"""toolforge/run.sh: each run has its own password file, and ending one leaves the other's alone.

The virtualenv is a stand-in whose ``techroles`` records the password file
Pywikibot would read (``TECHROLES_PASSWORD_FILE``) and waits; ``python`` is
the real interpreter, which writes the file as on Toolforge.
"""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT


pytestmark = pytest.mark.unit

FAKE_TECHROLES = '''#!/bin/sh
# Record the password file and its content, then wait until told to stop.
echo "$TECHROLES_PASSWORD_FILE" > "$TOOL_DATA_DIR/seen-$$"
while [ ! -e "$TOOL_DATA_DIR/stop-$1" ]; do
    test -f "$TECHROLES_PASSWORD_FILE" || { echo "password file gone" >&2; exit 9; }
    sleep 0.05
done
cat "$TECHROLES_PASSWORD_FILE"
'''


@pytest.fixture
def tool(tmp_path: Path) -> Path:
    venv = tmp_path / 'techroles-venv' / 'bin'
    venv.mkdir(parents=True)
    (venv / 'techroles').write_text(FAKE_TECHROLES)
    (venv / 'techroles').chmod(0o755)
    (venv / 'python').symlink_to(sys.executable)
    (tmp_path / '.pywikibot').mkdir()
    (tmp_path / '.pywikibot' / 'user-config.py').write_text('')
    return tmp_path


def start(tool: Path, command: str) -> subprocess.Popen:
    env = {'PATH': os.environ['PATH'], 'HOME': str(tool), 'TOOL_DATA_DIR': str(tool),
           'TECHROLES_BOT_USER': 'ExampleBot', 'TECHROLES_BOTPASSWORD': 'techroles:s3cret'}
    return subprocess.Popen(['bash', str(ROOT / 'toolforge' / 'run.sh'), command],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, 'timed out'
        time.sleep(0.05)


def test_two_runs_at_once_have_their_own_password_files(tool):
    first, second = start(tool, 'update'), start(tool, 'kpi')
    wait_for(lambda: len(list(tool.glob('seen-*'))) == 2)
    files = {Path(p.read_text().strip()) for p in tool.glob('seen-*')}
    assert len(files) == 2
    for path in files:
        assert path.parent == tool / '.pywikibot'
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (tool / 'stop-update').touch()  # the first run ends: its file goes, the other's stays
    out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert out.count("('ExampleBot', BotPassword('techroles', 's3cret'))") == 1
    assert len([p for p in files if p.exists()]) == 1
    (tool / 'stop-kpi').touch()
    _out, err = second.communicate(timeout=30)
    assert second.returncode == 0, err  # its password file was there until its end
    assert not any(p.exists() for p in files)
