"""What ships: every package of techroles/ is in the wheel, and nothing else is."""
from __future__ import annotations

import configparser

import pytest

from tests.conftest import ROOT


pytestmark = pytest.mark.unit


def listed_packages() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / 'setup.cfg', encoding='utf-8')
    return {line.strip() for line in parser['options']['packages'].splitlines()
            if line.strip() and not line.strip().startswith('#')}


def test_every_package_of_techroles_is_listed_in_setup_cfg() -> None:
    found = {'.'.join(path.parent.relative_to(ROOT).parts)
             for path in (ROOT / 'techroles').rglob('__init__.py')}
    assert found - listed_packages() == set()


def test_only_production_code_is_packaged() -> None:
    """The test bed, the benchmarks and the tools stay in the checkout."""
    listed = listed_packages()
    assert not {p for p in listed if p.split('.')[0] in ('testbed', 'benchmarks', 'tools',
                                                          'tests')}
    assert not list((ROOT / 'techroles').rglob('*.php'))
