"""Test lanes, the network guard and the local wiki farm.

Lanes (markers): ``unit`` (pure; no network; ``pywikibot.Site()`` forbidden),
``integration`` (the local wikis), ``slow`` (long property tests), ``bench``
(benchmarks; not in ``make test``).

No test request may leave the machine: the socket layer of this process and
of every subprocess started with :func:`subprocess_env` refuses non-loopback
connections, and a test that attempted one fails.

The farm's Pywikibot config directory must exist before anything imports
pywikibot (Pywikibot reads ``PYWIKIBOT_DIR`` at import time), so this module
chooses the ports and writes that directory when it is loaded; the wikis
themselves start only when an integration test asks for them.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from testbed import netguard
from testbed.farm import Farm, default_data_root, free_port, testbed_available


ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / 'data'

_BASE = Path(tempfile.mkdtemp(prefix='techroles-test-', dir=default_data_root()))
NETGUARD_REPORT = _BASE / 'netguard.log'
NETGUARD_REPORT.touch()
netguard.install(str(NETGUARD_REPORT))

FARM = Farm(base=_BASE / 'farm', cache=ROOT / '.testbed' / 'cache')
FARM.ports.update({wiki.dbname: free_port() for wiki in FARM.wikis})
FARM.base.mkdir(parents=True)
FARM.write_pywikibot_config()
os.environ['PYWIKIBOT_DIR'] = str(FARM.pywikibot_dir)
os.environ.pop('PYWIKIBOT_NO_USER_CONFIG', None)


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a child Python process: same farm, same network guard."""
    paths = [str(Path(__file__).parent / 'sitecustomize'), str(ROOT)]
    if os.environ.get('PYTHONPATH'):
        paths.append(os.environ['PYTHONPATH'])
    return {
        **os.environ,
        'PYTHONPATH': os.pathsep.join(paths),
        'TECHROLES_NETGUARD_FILE': str(NETGUARD_REPORT),
        'PYWIKIBOT_DIR': str(FARM.pywikibot_dir),
        **extra,
    }


@pytest.fixture(autouse=True)
def _no_network_escape(request: pytest.FixtureRequest):
    """Fail any test during which something tried to leave the machine."""
    before = NETGUARD_REPORT.read_text()
    yield
    after = NETGUARD_REPORT.read_text()
    if after != before:
        new = after[len(before):].strip()
        pytest.fail(f'non-loopback connection attempted: {new}', pytrace=False)


@pytest.fixture(autouse=True)
def _unit_lane(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """In the unit lane, ``pywikibot.Site()`` and every socket are forbidden."""
    if request.node.get_closest_marker('unit') is None:
        yield
        return
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError('unit tests must not open network connections')

    monkeypatch.setattr(socket.socket, 'connect', refuse)
    if 'pywikibot' in sys.modules and sys.modules['pywikibot'] is not None:
        def no_site(*args, **kwargs):
            raise AssertionError('pywikibot.Site() is not permitted in unit tests')

        monkeypatch.setattr(sys.modules['pywikibot'], 'Site', no_site)
    yield


@pytest.fixture(scope='session')
def farm():
    """The local wikis, started once per session and stopped at its end."""
    reason = testbed_available()
    if reason:
        pytest.fail(f'the local test bed is missing: {reason}', pytrace=False)
    FARM.create()
    try:
        FARM.start()
        from tests.integration.world import build_base_world

        build_base_world(FARM)
        FARM.snapshot('base')
        yield FARM
    finally:
        FARM.stop()


@pytest.fixture()
def wiki(farm):
    """The farm, reset to the base fixtures before the test."""
    farm.restore('base')
    yield farm


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    FARM.stop()
    violations = NETGUARD_REPORT.read_text().strip() if NETGUARD_REPORT.exists() else ''
    shutil.rmtree(_BASE, ignore_errors=True)
    if violations:
        session.exitstatus = 1
        print(f'\nnon-loopback connections were attempted:\n{violations}', file=sys.stderr)
