"""The renderer changes only the bot's spans (issue 8), over generated tables.

Stricter than test_table_property's "only status cells change": inside each
status cell, the text outside the bot's spans (a person's note, other
markup, comments, manual markers) and the cell's attributes other than
``data-sort-value`` come back unchanged; only blanks and ``<br />`` may be
added around a new span. 300 examples in the default lane, over
test_table_property's generator; the ``slow`` lane's examples (10,000 under ``make slow``) are in
test_table_property, where each generated page is checked for both properties.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings

from techroles.model import Decision
from techroles.render import apply
from techroles.table import analyse
from tests.unit.table_data import label
from tests.unit.test_table_property import page


pytestmark = pytest.mark.unit

_SPAN = re.compile(r'<span class="techroles-status"[^>]*>[^<]*</span>')
_GLUE = re.compile(r'<br />|\s+')
_SORT = re.compile(r'data-sort-value\s*=\s*("[^"]*"|\S*)')


def cells(text: str) -> list[tuple[str, str]]:
    """(attributes, content) of every status cell, in page order."""
    found: dict[int, tuple[str, str]] = {}
    for tbl in analyse(text).tables:
        for row in tbl.rows:
            if row.status is not None:
                cell = row.status.cell
                found[cell.start] = (text[cell.start:cell.content_start],
                                     text[cell.content_start:cell.end])
    return [found[start] for start in sorted(found)]


def without_spans(attrs: str, content: str) -> tuple[str, str]:
    attrs = _GLUE.sub('', _SORT.sub('', attrs)).replace('|', '')
    return attrs, _GLUE.sub('', _SPAN.sub('', content))


def check(text: str, decisions: dict[str, Decision]) -> None:
    new = apply(text, decisions, label=label).text
    before, after = cells(text), cells(new)
    assert len(before) == len(after)
    for old, now in zip(before, after, strict=True):
        assert without_spans(*old) == without_spans(*now), (old, now)
    # What is outside the spans is also what it was: spans only were added or replaced.
    assert _SPAN.sub('', text).count('\n') == _SPAN.sub('', new).count('\n')


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page())
def test_only_the_bots_spans_change(case: tuple[str, dict[str, Decision]]) -> None:
    check(*case)
