"""Messages for everything the bot writes: labels, summaries, pages.

The texts live in ``techroles/i18n/<lang>.json`` in translatewiki.net's
format (``"@metadata"`` plus ``"techroles-…"`` keys; ``qqq.json`` documents
each key and its parameters), so they can be translated there like any
MediaWiki extension. Pure: no network, no pywikibot.

Messages use MediaWiki's conventions: ``$1``… parameters and
``{{PLURAL:$1|one|other}}`` with the language's CLDR plural forms (explicit
``0=…``/``12=…`` forms work too). The fallback chain is the requested
language, its base language (``fr-ca`` → ``fr``), then English. A language
file that uses ``{{PLURAL:}}`` needs its rule in ``_PLURAL_RULES`` (a test
checks this), because edit summaries and cell labels are plain text that no
wiki expands.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

from techroles.model import Decision, Status


__all__ = [
    'LABEL_PARAMS', 'SUMMARY_ORDER', 'direction', 'edit_summary', 'fallback_chain',
    'format_list', 'keys', 'languages', 'message', 'percent', 'plural_form', 'status_label',
    'template',
]

#: Label keys an operator may override in ``labels`` (configuration), with
#: the number of parameters each takes. The message key is
#: ``techroles-status-<label key>``.
LABEL_PARAMS: Mapping[str, int] = {
    'active': 0,
    'slipping': 1,          # $1 = date of the latest activity (ISO 8601)
    'inactive': 1,          # $1 = date of the latest activity (ISO 8601)
    'inactive-never': 0,    # inactive, no activity ever found
    'inactive-signals': 1,  # $1 = required role signals not seen, as a list
    'new': 1,               # $1 = sign-up date (ISO 8601)
    'renamed': 1,           # $1 = the new user name
    'missing': 0,
    'locked': 0,
    'blocked': 0,
    'unknown': 0,
}

#: Order of the counts in an edit summary.
SUMMARY_ORDER: tuple[Status, ...] = (
    Status.ACTIVE, Status.SLIPPING, Status.NEW, Status.INACTIVE, Status.RENAMED,
    Status.MISSING, Status.LOCKED, Status.BLOCKED, Status.UNKNOWN,
)

_LANG_RE = re.compile(r'^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$')
_PARAM_RE = re.compile(r'\$(\d+)')
_SEPARATOR = ' · '

# MediaWiki's right-to-left content languages (languages/messages/*.php with
# $rtl = true), plus any code written in the Arabic, Hebrew, Syriac, Thaana
# or N'Ko script.
_RTL = frozenset({
    'aeb', 'aeb-arab', 'ar', 'arc', 'arq', 'ary', 'arz', 'azb', 'bal', 'bcc', 'bft', 'bgn',
    'bqi', 'ckb', 'dv', 'fa', 'glk', 'ha-arab', 'he', 'hno', 'khw', 'kk-arab', 'kk-cn', 'ks',
    'ks-arab', 'ku-arab', 'lki', 'lrc', 'luz', 'man-nkoo', 'mzn', 'nqo', 'ota', 'pnb', 'prd',
    'ps', 'sd', 'sdh', 'skr', 'skr-arab', 'syc', 'trw', 'ug', 'ug-arab', 'ur', 'uz-arab',
    'ydd', 'yi',
})
_RTL_SCRIPTS = ('-arab', '-hebr', '-syrc', '-thaa', '-nkoo', '-adlm', '-rohg')


@cache
def _load(lang: str) -> Mapping[str, str]:
    """The messages of one language file (without ``@metadata``), or none."""
    if not _LANG_RE.match(lang):
        return {}
    source = resources.files(__name__).joinpath(f'{lang}.json')
    if not source.is_file():
        return {}
    data = json.loads(source.read_text(encoding='utf-8'))
    return {key: value for key, value in data.items() if not key.startswith('@')}


def languages() -> list[str]:
    """Languages with a message file (``qqq``, the documentation, excluded)."""
    return sorted(entry.name.removesuffix('.json')
                  for entry in resources.files(__name__).iterdir()
                  if entry.name.endswith('.json') and entry.name != 'qqq.json')


def fallback_chain(lang: str) -> list[str]:
    """``lang``, its base languages (``sr-el`` → ``sr``), then ``en``."""
    lang = lang.strip().lower().replace('_', '-')
    chain: list[str] = []
    parts = lang.split('-')
    for end in range(len(parts), 0, -1):
        code = '-'.join(parts[:end])
        if code and code != 'qqq' and code not in chain:
            chain.append(code)
    if 'en' not in chain:
        chain.append('en')
    return chain


def direction(lang: str) -> str:
    """``'rtl'`` for right-to-left languages, else ``'ltr'`` (for ``dir=``)."""
    code = lang.strip().lower().replace('_', '-')
    if code in _RTL or code.endswith(_RTL_SCRIPTS):
        return 'rtl'
    return 'ltr'


# Plural rules (CLDR, as MediaWiki applies them). Each returns the index of
# the form to use among the language's forms in MediaWiki's order.
def _plural_en(n: float) -> int:
    return 0 if n == 1 else 1  # one, other


def _plural_fr(n: float) -> int:
    if 0 <= n < 2:
        return 0  # one: 0 and 1 (and 1.5)
    if n == int(n) and n % 1_000_000 == 0:
        return 1  # many: 1000000, 2000000 … ("1 million de …")
    return 2  # other


def _plural_ar(n: float) -> int:
    if n != int(n):
        return 5  # other
    i = int(n)
    if i == 0:
        return 0  # zero
    if i == 1:
        return 1  # one
    if i == 2:
        return 2  # two
    if 3 <= i % 100 <= 10:
        return 3  # few
    if 11 <= i % 100 <= 99:
        return 4  # many
    return 5  # other


_PLURAL_RULES = {'en': _plural_en, 'fr': _plural_fr, 'ar': _plural_ar}


def plural_form(lang: str, number: float, forms: list[str]) -> str:
    """Pick the form for ``number`` like MediaWiki's ``{{PLURAL:}}``.

    Explicit forms (``0=none``) win when the number matches; the remaining
    forms follow the language's CLDR order (en: one, other; fr: one, many,
    other; ar: zero, one, two, few, many, other). Missing forms repeat the
    last one given, as in MediaWiki.
    """
    plain: list[str] = []
    for form in forms:
        match = re.match(r'^\s*(\d+)=(.*)$', form, re.DOTALL)
        if match:
            if float(match.group(1)) == number:
                return match.group(2)
        else:
            plain.append(form)
    if not plain:
        return ''
    rule = next((_PLURAL_RULES[code] for code in fallback_chain(lang) if code in _PLURAL_RULES),
                _plural_en)
    return plain[min(rule(number), len(plain) - 1)]


def _split_args(text: str) -> list[str]:
    """Split on ``|`` that is not inside ``[[…]]`` or ``{{…}}``."""
    parts, depth, current, i = [], 0, [], 0
    while i < len(text):
        pair = text[i:i + 2]
        if pair in ('[[', '{{'):
            depth += 1
            current.append(pair)
            i += 2
            continue
        if pair in (']]', '}}') and depth:
            depth -= 1
            current.append(pair)
            i += 2
            continue
        if text[i] == '|' and depth == 0:
            parts.append(''.join(current))
            current = []
        else:
            current.append(text[i])
        i += 1
    parts.append(''.join(current))
    return parts


_FORMATNUM_RE = re.compile(r'\{\{\s*formatnum:([^|{}]*)(?:\|[^{}]*)?\}\}')


def _plural_number(text: str) -> float | None:
    """The number a ``{{PLURAL:}}`` is about (``5``, ``1,234``, ``{{formatnum:5}}``)."""
    text = text.strip()
    wrapped = _FORMATNUM_RE.fullmatch(text)
    if wrapped:
        text = wrapped.group(1).strip()
    try:
        number = float(text.replace(',', ''))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _expand_plural(text: str, lang: str) -> str:
    """Replace every ``{{PLURAL:n|…}}`` (innermost first) with its form.

    A ``{{PLURAL:}}`` whose number is not a plain number (``{{formatnum:5}}``
    is one) is left as written: on a wiki page the wiki expands it.
    """
    start = text.find('{{PLURAL:')
    while start != -1:
        depth, i = 0, start
        while i < len(text):
            if text.startswith('{{', i):
                depth += 1
                i += 2
            elif text.startswith('}}', i):
                depth -= 1
                i += 2
                if depth == 0:
                    break
            else:
                i += 1
        else:
            return text  # unbalanced: leave as written
        inner = _expand_plural(text[start + len('{{PLURAL:'):i - 2], lang)
        number_text, *forms = _split_args(inner)
        number = _plural_number(number_text)
        if number is None:
            text = text[:start] + '{{PLURAL:' + inner + '}}' + text[i:]
            start = text.find('{{PLURAL:', start + len(inner) + 11)
            continue
        chosen = plural_form(lang, number, forms)
        text = text[:start] + chosen + text[i:]
        start = text.find('{{PLURAL:', start + len(chosen))
    return text


def _format(template: str, lang: str, params: tuple[object, ...]) -> str:
    def substitute(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return str(params[index]) if 0 <= index < len(params) else match.group(0)

    return _expand_plural(_PARAM_RE.sub(substitute, template), lang)


def _lookup(key: str, lang: str) -> tuple[str, str]:
    """The text of ``key`` along the fallback chain, and its language."""
    for code in fallback_chain(lang):
        text = _load(code).get(key)
        if text is not None:
            return text, code
    raise KeyError(f'no message {key!r}')


def template(key: str, lang: str) -> str:
    """The text of ``key`` as written (parameters and ``{{PLURAL:}}`` untouched),
    along the fallback chain: for pages where the wiki expands the markup."""
    return _lookup(key, lang)[0]


def keys(lang: str) -> list[str]:
    """The message keys of one language file, in file order."""
    return list(_load(lang))


def message(key: str, lang: str, *params: object) -> str:
    """The message ``key`` in ``lang`` (or its fallback), parameters filled in.

    Unknown keys raise ``KeyError``: a missing message is a bug, not
    something to paper over with the key name on a public page.
    """
    text, found = _lookup(key, lang)
    return _format(text, found, params)


def format_list(items: Iterable[str], lang: str) -> str:
    """Items joined with the language's comma (``، `` in Arabic)."""
    return message('techroles-comma-separator', lang).join(items)


def percent(value: float, lang: str, digits: int = 0) -> str:
    """A share (0.75) as a percentage in the language's style (``75 %`` in French)."""
    return message('techroles-percent', lang, f'{value * 100:.{digits}f}')


def _label_key(decision: Decision) -> tuple[str, tuple[object, ...]]:
    status = decision.status
    if status in (Status.SLIPPING, Status.INACTIVE):
        if status is Status.INACTIVE and decision.unmet_signals:
            return 'inactive-signals', ()
        if decision.since is None:
            return 'inactive-never', ()
        return status.value, (decision.since.isoformat(),)
    if status is Status.NEW:
        if decision.since is None:
            raise ValueError(f'a new decision needs the sign-up date: {decision!r}')
        return 'new', (decision.since.isoformat(),)
    if status is Status.RENAMED:
        if decision.new_name is None:
            raise ValueError(f'a renamed decision needs the new name: {decision!r}')
        return 'renamed', (decision.new_name,)
    return status.value, ()


def status_label(decision: Decision, lang: str,
                 overrides: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The plain-text label the bot writes into a status cell.

    ``active`` shows the label alone; ``slipping`` and ``inactive`` add the
    ISO date of the latest activity (or say that none was found); ``new``
    adds the sign-up date; ``renamed`` the new name; an ``inactive`` person
    who lacks required role signals gets the signals not seen. The text
    changes only when the decision's status, date or name does, so cells do
    not churn. ``overrides`` are the configured ``labels``
    (``{lang: {label key: text}}``, keys of :data:`LABEL_PARAMS`); along
    the fallback chain an override in a language beats that language's
    message file.
    """
    label, params = _label_key(decision)
    for code in fallback_chain(lang):
        override = (overrides or {}).get(code, {}).get(label)
        if override is not None:
            text, found = override, code
            break
        if f'techroles-status-{label}' in _load(code):
            text, found = _load(code)[f'techroles-status-{label}'], code
            break
    else:
        raise KeyError(f'no label {label!r}')
    if label == 'inactive-signals':
        names = [message(f'techroles-signal-{signal}', found)
                 for signal in decision.unmet_signals]
        params = (format_list(names, found),)
    return _format(text, found, params)


def edit_summary(changes: Mapping[Status | str, int], lang: str, hashtag: str | None,
                 status_page_link: str | None, explanation_link: str | None = None) -> str:
    """The edit summary of one save.

    For example ``5 active, 1 now inactive, 1 renamed · status page · #techroles``.

    ``changes`` maps a status to the number of people whose span this edit
    sets to that status (their previous span said something else, or there
    was none); zero counts are left out and the rest follow
    :data:`SUMMARY_ORDER`. ``status_page_link`` and ``explanation_link``
    are link targets as they must appear in ``[[…]]`` on the edited wiki
    (``m:User:TechRolesBot/status`` from another wiki); ``None`` leaves the
    link out, as an empty ``hashtag`` leaves the tag out.
    """
    counts = {Status(status): count for status, count in changes.items() if count}
    parts: list[str] = []
    listed = [message(f'techroles-summary-count-{status.value}', lang, counts[status])
              for status in SUMMARY_ORDER if status in counts]
    parts.append(format_list(listed, lang) if listed
                 else message('techroles-summary-no-change', lang))
    for target, key in ((status_page_link, 'techroles-summary-status-link'),
                        (explanation_link, 'techroles-summary-explanation-link')):
        if target:
            if any(bad in target for bad in ('|', '[', ']', '{', '}', '\n')):
                raise ValueError(f'not a link target: {target!r}')
            parts.append(message(key, lang, target))
    if hashtag:
        parts.append(hashtag)
    return _SEPARATOR.join(parts)
