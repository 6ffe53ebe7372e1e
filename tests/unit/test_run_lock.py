"""The run lock in the state store: two runs never share a store at once."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from techroles.wiki.store import RunLockHeld, StateStore
from tests.conftest import subprocess_env


pytestmark = pytest.mark.unit

HOLDER = '''
import sys, time
from techroles.wiki.store import StateStore
store = StateStore(sys.argv[1])
store.acquire_run_lock("run")
print("held", flush=True)
sys.stdin.readline()
store.release_run_lock()
'''


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock of a store until its stdin closes."""
    path = tmp_path / 'state.sqlite'
    proc = subprocess.Popen([sys.executable, '-c', HOLDER, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=subprocess_env())
    assert proc.stdout.readline() == 'held\n'
    yield path, proc
    if proc.poll() is None:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_a_second_run_is_refused_while_the_first_holds_the_lock(holder):
    path, proc = holder
    store = StateStore(path)
    with pytest.raises(RunLockHeld) as info:
        store.acquire_run_lock('update')
    message = str(info.value)
    assert '\n' not in message and 'another run holds the run lock (run, process' in message
    assert f'process {proc.pid} ' in message
    proc.stdin.close()  # the first run ends and releases the lock
    proc.wait(timeout=30)
    store.acquire_run_lock('update')
    store.release_run_lock()


def test_a_lock_whose_process_is_gone_is_taken_over(holder):
    path, proc = holder
    proc.kill()
    proc.wait(timeout=30)
    StateStore(path).acquire_run_lock('update')


def test_an_old_lock_is_stale(holder):
    path, _proc = holder
    later = datetime.now(timezone.utc) + timedelta(hours=7)
    store = StateStore(path)
    with pytest.raises(RunLockHeld):
        store.acquire_run_lock('kpi', now=later - timedelta(hours=2))
    store.acquire_run_lock('kpi', now=later)


def test_release_leaves_another_runs_lock_alone(holder):
    path, _proc = holder
    store = StateStore(path)
    store.release_run_lock()  # not ours: nothing happens
    with pytest.raises(RunLockHeld):
        store.acquire_run_lock('update')
