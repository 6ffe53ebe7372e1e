"""The README is a reference: keep it in step with the code."""
from __future__ import annotations

import pytest

from techroles import config
from tests.conftest import ROOT


pytestmark = pytest.mark.unit
README = (ROOT / 'README.md').read_text(encoding='utf-8')


def test_the_configuration_reference_is_the_schema() -> None:
    assert config.reference_markdown() in README


def test_the_two_commands_come_first() -> None:
    head = README[:README.index('## What the bot does')]
    assert 'make demo' in head and 'make test' in head


@pytest.mark.parametrize('command', ['parse', 'update', 'kpi', 'run', 'explain', 'bench'])
def test_every_subcommand_is_documented(command: str) -> None:
    assert f'techroles {command}' in README


def test_ci_runs_the_readme_test_command() -> None:
    assert 'make test' in (ROOT / '.ci' / 'run').read_text()
