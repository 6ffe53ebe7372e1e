"""The README and the configuration reference are references: keep them in step with the code."""
from __future__ import annotations

import re

import pytest

from techroles import config, options
from tests.conftest import ROOT


pytestmark = pytest.mark.unit
README = (ROOT / 'README.md').read_text(encoding='utf-8')
DOCS = ROOT / 'docs'


def test_the_configuration_reference_is_the_schema() -> None:
    assert config.reference_markdown() in (DOCS / 'configuration.md').read_text(encoding='utf-8')


def test_the_readme_command_table_is_the_help_source() -> None:
    assert options.readme_table() in README


def test_the_two_development_commands_say_what_they_need() -> None:
    head = README[:README.index('## Documentation')]
    assert 'make demo' in head and 'make test' in head
    assert 'as root' in head and 'apt-get' in head and 'not part of a deployment' in head


def test_the_readme_is_short() -> None:
    assert len(README.splitlines()) <= 160


@pytest.mark.parametrize('command', ['parse', 'check', 'update', 'kpi', 'run', 'explain', 'bench'])
def test_every_subcommand_is_documented(command: str) -> None:
    assert f'techroles {command}' in README


def test_no_document_refers_to_the_tracker_or_internal_notes() -> None:
    texts = {path.name: path.read_text(encoding='utf-8')
             for path in [ROOT / 'README.md', *DOCS.glob('*.md')]}
    for name, text in texts.items():
        assert not re.search(r'\bissue \d|(?<!\()#\d+\b|DESIGN\.md|\.\./shared', text), name


def test_ci_runs_the_readme_test_command() -> None:
    assert 'make test' in (ROOT / '.ci' / 'run').read_text()
