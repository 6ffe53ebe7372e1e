"""Installs the loopback-only network guard in test subprocesses.

Tests put this directory on ``PYTHONPATH`` (see ``tests/conftest.py``
``subprocess_env``); Python imports ``sitecustomize`` at start-up.
"""
import os


if os.environ.get('TECHROLES_NETGUARD_FILE'):
    from testbed import netguard

    netguard.install(os.environ['TECHROLES_NETGUARD_FILE'])
