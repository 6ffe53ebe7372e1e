"""Translate's own statistics (``meta=messagegroupstats``): one source of coverage.

Split from :mod:`techroles.wiki.translate` (which re-exports
:func:`group_stats`). Translate serves the statistics from its cache only
and, while a language is not computed yet, answers with a ``continue``
offset at that language: a continuation that brings nothing new is retried
after a wait, a bounded number of times, and what is still missing is
incomplete, never 0 %.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pywikibot
from pywikibot.exceptions import APIError

from techroles import coverage
from techroles.coverage import Issue, StatsFigure
from techroles.errors import FetchError
from techroles.wiki import api


__all__ = ['MAX_STATS_PAGES', 'group_stats']

#: Request purpose in :data:`techroles.wiki.api.COUNTER` (as the rest of coverage).
PURPOSE = 'coverage'
#: Requests following one ``messagegroupstats`` continuation that makes
#: progress; Translate has a few hundred languages, so this is never reached
#: unless the API misbehaves.
MAX_STATS_PAGES = 100

Key = tuple[str, str]  # (issue, language)


def _api_code(exc: FetchError) -> str | None:
    cause = exc.__cause__
    return cause.code if isinstance(cause, APIError) else None


@dataclass
class _StatsState:
    """One group's ``messagegroupstats`` read, possibly over several rounds."""

    issue: str
    rows: dict[str, Mapping] = field(default_factory=dict)
    cont: dict[str, str] = field(default_factory=dict)
    done: bool = False
    #: The group does not exist (page not marked for translation).
    missing: bool = False
    error: str | None = None


def _advance(site: pywikibot.site.APISite, state: _StatsState, wanted: set[str]) -> None:
    """Follow the continuation while it brings something; stop when stuck."""
    for _ in range(MAX_STATS_PAGES):
        try:
            data = api.request(site, PURPOSE, action='query', meta='messagegroupstats',
                               mgsgroup=coverage.message_group(state.issue), **state.cont)
        except FetchError as exc:
            if _api_code(exc) == 'badparameter':
                state.missing = state.done = True
            else:
                state.error, state.done = str(exc), True
            return
        rows = data.get('query', {}).get('messagegroupstats', [])
        for row in rows:
            state.rows[str(row.get('language') or row.get('code'))] = row
        cont = data.get('continue')
        if not cont or wanted <= set(state.rows):
            state.done = True
            return
        cont = {key: str(value) for key, value in cont.items()}
        if not rows and cont == state.cont:
            return  # still rebuilding: retry later
        state.cont = cont
    state.error = f'{coverage.message_group(state.issue)}: the continuation did not end'
    state.done = True


def group_stats(
    site: pywikibot.site.APISite, issues: Sequence[Issue], languages: Sequence[str], *,
    retries: int, wait: float, sleep: Callable[[float], None] = time.sleep,
) -> tuple[dict[Key, StatsFigure], list[str]]:
    """``meta=messagegroupstats`` of each issue's group, per wanted language.

    Issues without units have no group and are not asked. A group Translate
    does not know (``badparameter``: the page is not marked for translation)
    gives no figure; a failed request makes that issue's figures incomplete;
    so does a cache that is still being rebuilt after ``retries`` waits of
    ``wait`` seconds, for the languages it has not reached.
    """
    wanted = set(languages)
    states = [_StatsState(issue.title) for issue in issues if issue.units]
    for state in states:
        _advance(site, state, wanted)
    for _ in range(max(0, retries)):
        waiting = [s for s in states if not s.done]
        if not waiting:
            break
        sleep(wait)
        for state in waiting:
            _advance(site, state, wanted)
    figures: dict[Key, StatsFigure] = {}
    warnings: list[str] = []
    for state in states:
        group = coverage.message_group(state.issue)
        if state.missing:
            warnings.append(f'{state.issue}: Translate has no message group {group} '
                            '(not marked for translation?); counting only')
            continue
        if state.error is not None:
            warnings.append(f'{state.issue}: messagegroupstats failed: {state.error}')
            rows: list[Mapping] = []
        else:
            rows = list(state.rows.values())
        per_lang = coverage.stats_from_rows(rows, languages,
                                            complete=state.done and state.error is None)
        if not state.done:
            late = sorted(lang for lang, fig in per_lang.items() if not fig.complete)
            warnings.append(
                f'{state.issue}: messagegroupstats still incomplete after {retries} '
                f'retries (stopped at {state.cont.get("mgsoffset", "?")!r}); '
                f'incomplete for {", ".join(late) or "no wanted language"}')
        for lang, figure in per_lang.items():
            figures[(state.issue, lang)] = figure
            if figure.absent:
                warnings.append(f'{state.issue}: messagegroupstats has no row for {lang} '
                                '(a language code Translate does not know?); figure undetermined')
    return figures, warnings


