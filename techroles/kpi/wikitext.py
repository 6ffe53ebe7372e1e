"""Generic wikitext helpers for the pages the bot writes: pure.

Escaping data so it stays text, safe links, the bot's section markers, and
the one rule for showing a percentage. Used by the KPI page and by the
status and evidence pages (``techroles.reports``).
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any

from techroles.errors import PageContentError


__all__ = [
    'KPI_END', 'KPI_START', 'Msg', 'escape_wikitext', 'fraction', 'link', 'linkable', 'num',
    'percent_number', 'ratio', 'replace_between_markers', 'section_between_markers',
]

#: ``msg(key, *params)``: a message in the page's language, parameters filled in.
Msg = Callable[..., str]

#: Characters that can start markup anywhere in a line, as numeric entities;
#: ``$`` too, so a message function cannot substitute inside data.
_ESCAPES = {ord(char): f'&#{ord(char)};' for char in '"&\'<=>[]{|}!#*:;~_-$'}
_ESCAPES.update({ord('\n'): ' ', ord('\r'): ' ', ord('\t'): ' '})
_MAGIC_LINK_RE = re.compile(r'\b(ISBN|RFC|PMID)(\s)')


def escape_wikitext(text: str) -> str:
    """Text shown literally, whatever it contains.

    Like MediaWiki's ``wfEscapeWikiText``, every character that can start
    markup becomes a numeric entity: links, templates, tables, tags,
    comments, signatures (``~~~~``), behaviour switches (``__NOTOC__``),
    bold and list markers, free URLs and magic links all stay text. Line
    breaks become spaces so a value stays in its table cell.
    """
    escaped = str(text).translate(_ESCAPES)
    return _MAGIC_LINK_RE.sub(lambda m: f'{m[1]}&#{ord(m[2])};', escaped)


_TARGET_FORBIDDEN_RE = re.compile(r'[\[\]{}|<>\n\r\t#]|~~~|__')
_INTERWIKI_RE = re.compile(r'(?:[a-z][a-z0-9-]*:)*\Z')


def link(target: str | None, label: str, *, interwiki: str = '') -> str:
    """``[[:target|label]]``; just ``label`` when the target is unsafe.

    ``label`` is wikitext the caller built (escaped data or messages). The
    leading colon keeps a data-derived target from becoming a category,
    file or interlanguage link; targets with characters that could close
    the link or expand on save are not linked at all.
    """
    if not linkable(target, interwiki):
        return label
    return f'[[:{interwiki}{target}|{label}]]'


def linkable(target: str | None, interwiki: str = '') -> bool:
    """Whether ``target`` (with ``interwiki``) can be linked without risk."""
    return bool(target) and not _TARGET_FORBIDDEN_RE.search(target or '') \
        and bool(_INTERWIKI_RE.match(interwiki))


def fraction(value: Any) -> Fraction | None:
    """An exact value from a report number (a float through its shortest decimal)."""
    if value is None:
        return None
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def ratio(part: int, whole: int) -> Fraction | None:
    """``part / whole`` exactly; None when there is no whole."""
    return Fraction(part, whole) if whole else None


def num(value: int) -> str:
    """A count, formatted by the wiki in its content language."""
    return f'{{{{formatnum:{int(value)}}}}}'


# == Percentages ============================================================

def percent_number(value: Fraction | float, limits: Iterable[Fraction | float | None] = ()) -> str:
    """``value`` (a share, 0..1) as a percentage with at most one decimal.

    Rounds half-up (2/3 → ``66.7``), except that a value below one of
    ``limits`` (a threshold it is compared with) or below 100 % is never
    shown as reaching it: 0.7496 against 3/4 is ``74.9``, not ``75``, and
    0.9996 is ``99.9``. The one rule for every percentage the bot writes:
    the page, the history table, the tooltips.
    """
    exact = fraction(value)
    assert exact is not None
    tenths = math.floor(exact * 1000 + Fraction(1, 2))
    for limit in (*limits, Fraction(1)):
        bound = fraction(limit)
        if bound is not None and exact < bound <= Fraction(tenths, 1000):
            tenths = math.floor(exact * 1000)
            break
    sign = '-' if tenths < 0 else ''
    whole, tenth = divmod(abs(tenths), 10)
    return f'{sign}{whole}' if tenth == 0 else f'{sign}{whole}.{tenth}'


# == The bot's markers ======================================================

KPI_START = '<!-- techroles:kpi:start -->'
KPI_END = '<!-- techroles:kpi:end -->'


def _marker_re(section: str, edge: str) -> re.Pattern[str]:
    return re.compile(r'<!--\s*techroles:' + re.escape(section) + ':' + edge + r'\s*-->')


def replace_between_markers(page_text: str, new_section: str, section: str = 'kpi') -> str:
    """``page_text`` with the bot's section replaced by ``new_section``.

    The section sits between ``<!-- techroles:<section>:start -->`` and
    ``<!-- techroles:<section>:end -->`` (``kpi`` for the KPI page; the status,
    evidence and explanation pages use their own names). Everything outside
    the markers stays byte for byte; without markers the section is appended
    at the end (after a line break) with both markers. Refuses
    (:class:`~techroles.errors.PageContentError`) when a marker is
    duplicated, alone or out of order, or when the markers sit inside
    ``<translate>`` (an edit there would outdate every translation). The
    markers' own spelling (spacing) is kept.
    """
    start_re, end_re = _marker_re(section, 'start'), _marker_re(section, 'end')
    name = section.upper() if section == 'kpi' else section
    if start_re.search(new_section) or end_re.search(new_section):
        raise ValueError(f'the new section must not contain the {name} markers')
    starts = list(start_re.finditer(page_text))
    ends = list(end_re.finditer(page_text))
    if not starts and not ends:
        glue = '' if not page_text or page_text.endswith('\n') else '\n'
        return (f'{page_text}{glue}<!-- techroles:{section}:start -->\n{new_section}\n'
                f'<!-- techroles:{section}:end -->\n')
    if len(starts) > 1 or len(ends) > 1:
        raise PageContentError(f'{name} markers appear more than once; fix the page by hand')
    if not starts or not ends:
        which = 'end' if starts else 'start'
        raise PageContentError(f'the {name} {which} marker is missing; fix the page by hand')
    start, end = starts[0], ends[0]
    if end.start() < start.end():
        raise PageContentError(f'the {name} end marker comes before the start marker')
    before = page_text[:start.start()]
    if len(re.findall(r'<translate[ >]', before)) > before.count('</translate>'):
        raise PageContentError(f'the {name} markers are inside <translate>; the bot will not '
                               'edit translatable text')
    return f'{page_text[:start.end()]}\n{new_section}\n{page_text[end.start():]}'


def section_between_markers(page_text: str, section: str) -> str | None:
    """The text between a section's markers (None when there are none)."""
    start = _marker_re(section, 'start').search(page_text)
    end = _marker_re(section, 'end').search(page_text)
    if not start or not end or end.start() < start.end():
        return None
    return page_text[start.end():end.start()]


