"""Wiki notations -> database names, and language names/codes -> language codes.

Pure: no network, no pywikibot. The facts come from ``techroles/data/wikis.json``
and ``languages.json`` (generated from Pywikibot's family files, Meta's
interwiki prefixes, MediaWiki's ``Names.php`` and CLDR by
:mod:`tools.generate_data`) and are loaded lazily, once. Online, the site
matrix is authoritative; these functions are the offline best effort.

Wiki notations understood (case-insensitive): ``frwiki``; ``fr.wikipedia``,
``fr.wikipedia.org``, ``fr.m.wikipedia.org``, ``https://fr.wikipedia.org/...``;
``[[:fr:]]``, ``[[:fr:|label]]``, ``w:fr``, ``wikt:fr``, ``:fr:``, ``fr``;
project names ("Commons", "Wikimedia Commons", "Wikidata", "Meta", "Meta-Wiki",
"mediawiki.org", "Wikispecies" ...); a language plus a project ("French
Wikipedia", "Wikipédia en français", "Wikipedia (fr)"). A bare language code
or name means that language's Wikipedia, as a bare language prefix does in a
link on Meta.
"""
from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import mwparserfromhell
from mwparserfromhell.nodes import (
    Comment,
    ExternalLink,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.wikicode import Wikicode

from techroles.markup import tag_name


DATA = Path(__file__).resolve().parent / 'data'

_BIDI = re.compile('[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]')
_SPACES = re.compile('[ _\t\n\r\f\v\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+')
#: Separators between several wikis or languages written in one cell.
_SEPARATORS = re.compile(r'\s*(?:[,;/\n·•・、،؛|+]|\s-\s|\s–\s|\s—\s|'
                         r'\b(?:and|und|y|e|i|og|ve|и|و)\b(?=\s))\s*', re.IGNORECASE)
#: Babel-box level suffixes on language codes: ``de-N``, ``en-3``.
_BABEL_LEVEL = re.compile(r'^(?P<code>[a-z]{2,3}(?:-[a-z0-9]+)*)-(?:[0-5]|n)$')
#: Little words between a project and its language ("Wikipedia in French").
_FILLERS = frozenset({
    'in', 'the', 'en', 'de', 'del', 'des', 'la', 'le', 'el', 'die', 'der', 'auf', 'in der',
    'на', 'di', 'da', 'do', 'em', 'w', 'na', 'version', 'edition', 'language', 'langue',
})


#: Families with one wiki per language.
_MULTI = ('wikipedia', 'wiktionary', 'wikibooks', 'wikinews', 'wikiquote', 'wikisource',
          'wikiversity', 'wikivoyage')


def _load(name: str) -> dict[str, Any]:
    with open(DATA / name, encoding='utf-8') as handle:
        return json.load(handle)


@cache
def _wikis() -> dict[str, Any]:
    """wikis.json plus the lookup tables derived from it, built once."""
    data = _load('wikis.json')
    sites: dict[str, list[str]] = data['sites']
    by_pair: dict[tuple[str, str], str] = {}
    by_host: dict[str, str] = {}
    family_codes: dict[str, set[str]] = {}
    for db, (code, family, host) in sites.items():
        by_pair[code, family] = db
        family_codes.setdefault(family, set()).add(code)
        host = host.lower()
        by_host[host] = db
        if host.startswith('www.'):
            by_host[host[4:]] = db
    # Families with one production wiki: the code does not matter.
    single = {}
    for family, codes in family_codes.items():
        real = codes - {'test', 'test2'}
        if len(real) == 1 and family not in _MULTI:
            single[family] = by_pair[next(iter(real)), family]
    prefixes = set(data['interwiki'])
    for family in _MULTI:
        prefixes |= family_codes.get(family, set())
    for aliases in data['code_aliases'].values():
        prefixes |= set(aliases)
    data.update(by_pair=by_pair, by_host=by_host, family_codes=family_codes,
                single=single, prefixes=frozenset(prefixes), closed_set=frozenset(data['closed']))
    return data


@cache
def _languages() -> dict[str, Any]:
    """languages.json plus an accent-insensitive name index, built once."""
    data = _load('languages.json')
    folded: dict[str, str] = {}
    for name, code in data['names'].items():
        folded.setdefault(_fold(name), code)
    for code, autonym in data['autonyms'].items():
        folded.setdefault(_fold(autonym), code)
    data['folded'] = folded
    return data


def _clean(text: str) -> str:
    """Entities decoded, NFC, bidi marks removed, spaces collapsed, trimmed."""
    if '&' in text:
        text = html.unescape(text)
    text = unicodedata.normalize('NFC', _BIDI.sub('', text))
    return ' '.join(_SPACES.sub(' ', text).split())


def _key(text: str) -> str:
    return _clean(text).lower()


def _fold(text: str) -> str:
    """Lower case without diacritics ("Francais" finds "français")."""
    decomposed = unicodedata.normalize('NFD', text.lower())
    return ''.join(c for c in decomposed if not unicodedata.combining(c))


# --- database names ----------------------------------------------------------

def all_dbnames() -> list[str]:
    """Every known database name."""
    return list(_wikis()['sites'])


def site_for_dbname(dbname: str) -> tuple[str, str] | None:
    """Pywikibot's ``(code, family)`` for a database name: ``frwiki`` -> ``('fr', 'wikipedia')``."""
    site = _wikis()['sites'].get(dbname)
    return (site[0], site[1]) if site else None


def host_for_dbname(dbname: str) -> str | None:
    """The wiki's host name (``frwiki`` -> ``fr.wikipedia.org``)."""
    site = _wikis()['sites'].get(dbname)
    return site[2] if site else None


def is_closed(dbname: str) -> bool:
    """True for a closed (read-only) wiki."""
    return dbname in _wikis()['closed_set']


def project_group(dbname: str) -> str:
    """Project family name for KPI grouping: Wikipedia, Wiktionary, ..., or ``Other``.

    Meta, Incubator, Outreach, the Foundation, chapter and test wikis and
    unknown names are ``Other``.
    """
    site = _wikis()['sites'].get(dbname)
    if not site or site[0] in ('test', 'test2'):
        return 'Other'
    return _wikis()['groups'].get(site[1], 'Other')


def dbname_for(code: str, family: str) -> str | None:
    """Database name of one ``(code, family)``, following code aliases.

    For a single-site family (commons, meta, wikidata ...) the code is
    ignored. A language code with no wiki of its own falls back to its base
    (``pt-br`` -> ``pt``).
    """
    data = _wikis()
    family = family.lower()
    if family in data['single']:
        return data['single'][family]
    code = code.lower().replace('_', '-')
    while code:
        db = data['by_pair'].get((code, family))
        if db:
            return db
        for scope in (family, '*'):
            alias = data['code_aliases'].get(scope, {}).get(code)
            if alias and (alias, family) in data['by_pair']:
                return data['by_pair'][alias, family]
        code = code.rpartition('-')[0]
    return None


def interwiki_prefixes() -> list[str]:
    """Every prefix that may precede a title in a link on Meta (projects and languages)."""
    return sorted(_wikis()['prefixes'])


def _from_host(host: str) -> str | None:
    data = _wikis()
    host = host.lower().strip('.')
    if host in data['by_host']:
        return data['by_host'][host]
    labels = host.split('.')
    if 'm' in labels[1:]:  # mobile: fr.m.wikipedia.org
        labels.remove('m')
        return _from_host('.'.join(labels))
    if labels and labels[0] == 'www':
        return _from_host('.'.join(labels[1:]))
    # Shorthands without the top-level domain: fr.wikipedia, commons.wikimedia
    for tld in ('org', 'wikimedia.org'):
        full = f'{host}.{tld}'
        if full in data['by_host']:
            return data['by_host'][full]
    if len(labels) >= 2 and labels[-1] != 'org':
        code, family = labels[0], labels[1]
        if family in data['family_codes']:
            return dbname_for(code, family)
    if len(labels) == 3 and labels[-1] == 'org':
        return dbname_for(labels[0], labels[1])
    return None


def _from_interwiki(parts: list[str]) -> str | None:
    """``['w', 'fr']``, ``['fr']``, ``['wikt', 'fr']``, ``['m']`` -> database name."""
    data = _wikis()
    family = None
    code = None
    for part in parts:
        key = part.strip().lower()
        if not key:
            continue
        if family is None and key in data['interwiki']:
            family = data['interwiki'][key]
        elif code is None and key in data['prefixes']:
            code = key
        else:
            return None
    if family is None and code is None:
        return None
    family = family or 'wikipedia'
    if family in data['single']:
        return data['single'][family] if code is None else None
    return dbname_for(code or data['default_code'].get(family, 'en'), family)


def _project_split(key: str) -> tuple[str, str] | None:
    """Find a project name in text: ``(family, rest)``; the longest name wins."""
    projects: dict[str, str] = _wikis()['projects']
    best: tuple[int, str, str] | None = None
    for name, family in projects.items():
        if name in key:
            pos = key.find(name)
            before = key[pos - 1] if pos else ' '
            after = key[pos + len(name)] if pos + len(name) < len(key) else ' '
            plural = after == 's' and not key[pos + len(name) + 1:pos + len(name) + 2].isalnum()
            if (before.isalnum() or after.isalnum()) and not plural:
                continue
            if best is None or len(name) > best[0]:
                rest = (key[:pos] + ' ' + key[pos + len(name) + plural:])
                best = (len(name), family, rest)
    return (best[1], best[2]) if best else None


@lru_cache(maxsize=8192)
def resolve_wiki(notation: str) -> str | None:
    """Database name for one wiki notation, or None (see the module docstring)."""
    text = _clean(notation)
    if not text:
        return None
    if text.startswith('[[') and text.endswith(']]'):
        target, _, label = text[2:-2].partition('|')
        return resolve_wiki(target.strip() or label) or (resolve_wiki(label) if label else None)
    if text.startswith('[') and text.endswith(']') and ' ' in text:
        url, _, label = text[1:-1].partition(' ')
        return resolve_wiki(url) or resolve_wiki(label)
    data = _wikis()
    key = text.lower()
    if '//' in key:
        try:
            host = urlsplit(key if '://' in key else 'https:' + key[key.index('//'):]).hostname
        except ValueError:
            host = None
        return _from_host(host) if host else None
    key = key.strip(' .()"\'')
    if not key:
        return None
    db = key.replace(' ', '_').replace('-', '_')
    if db in data['sites']:
        return db
    if ':' in key:
        return _from_interwiki(key.split(':'))
    if '.' in key and ' ' not in key:
        found = _from_host(key)
        if found:
            return found
    if key in data['projects']:
        family = data['projects'][key]
        return data['single'].get(family)
    if key in data['prefixes']:
        return _from_interwiki([key])
    split = _project_split(key)
    if split:
        family, rest = split
        if family in data['single']:
            return data['single'][family] if not rest.strip(' .-()') else None
        words = [w for w in re.split(r'[\s()\[\],:.-]+', rest) if w]
        content = [w for w in words if w not in _FILLERS]
        lang = None
        for attempt in (content, words):  # "Wikipedia (de)": 'de' is no filler there
            if attempt and lang is None:
                lang = resolve_language(' '.join(attempt))
        return dbname_for(lang, family) if lang else None
    lang = resolve_language(text)
    if lang:
        return dbname_for(lang, 'wikipedia')
    return None


# --- languages ---------------------------------------------------------------

def language_codes() -> list[str]:
    """Every language code MediaWiki knows (Names.php)."""
    return list(_languages()['autonyms'])


def autonym(code: str) -> str | None:
    """The language's name in itself (``fr`` -> ``français``)."""
    return _languages()['autonyms'].get(code)


def _as_code(text: str) -> str | None:
    data = _languages()
    key = text.strip().lower().replace('_', '-')
    if ' ' in key and len(key) <= 12:  # underscores arrive as spaces: "pt BR"
        key = key.replace(' ', '-')
    if key in data['deprecated']:
        return data['deprecated'][key]
    if key in data['autonyms']:
        return key
    if key in data['bcp47']:
        return data['bcp47'][key]
    level = _BABEL_LEVEL.match(key)
    if level:
        return _as_code(level.group('code'))
    return None


#: Subdomains of Wikimedia wikis that MediaWiki lists as language codes but are not
#: languages a translation is made in: Simple English Wikipedia is written in English.
NOT_LANGUAGES = frozenset({'simple'})


def content_language(code: str) -> str:
    """The content language of a wiki whose site-matrix language code is ``code``.

    ``simple`` (Simple English) is English; old codes (``be-x-old``,
    ``zh-classical``) are MediaWiki's current ones (``be-tarask``, ``lzh``).
    """
    if code in NOT_LANGUAGES:
        return 'en'
    return _languages()['deprecated'].get(code, code)


@lru_cache(maxsize=8192)
def resolve_language(text: str) -> str | None:
    """Language code for a code, an English name or an autonym, or None (see
    :func:`_resolve_language`); never a code of :data:`NOT_LANGUAGES`."""
    code = _resolve_language(text)
    return None if code in NOT_LANGUAGES else code


def _resolve_language(text: str) -> str | None:
    """Language code for a code, an English name or an autonym, or None.

    ``fr``, ``French``, ``français``, ``Deutsch (de)``, ``Português (Brasil)``
    (-> ``pt-br``), ``中文`` (-> ``zh``), babel levels ``de-N``/``en-3``. A
    variant is kept, from its code or its name: ``Chinese (Simplified)`` ->
    ``zh-hans``, ``Serbian (Latin)`` -> ``sr-el``, ``English (UK)`` -> ``en-gb``.
    """
    clean = _clean(text).strip(' .:*•-–')
    if not clean:
        return None
    code = _as_code(clean)
    if code:
        return code
    data = _languages()
    key = clean.lower()
    if key in data['names']:
        return data['names'][key]
    folded = _fold(key)
    if folded in data['folded']:
        return data['folded'][folded]
    match = re.fullmatch(r'(?P<outer>[^()]*?)\s*[(（](?P<inner>[^()]*)[)）]\s*', clean)
    if match:
        inner, outer = match.group('inner'), match.group('outer')
        base = resolve_language(outer) if outer else None
        return ((base and _variant(base, inner)) or _as_code(inner) or base
                or resolve_language(inner))
    return None


#: The qualifier of a name like "Chinese (Simplified)" -> the suffixes MediaWiki's
#: variant codes use for it (the first that is a MediaWiki code wins).
_QUALIFIERS = {
    'simplified': ('hans',), 'traditional': ('hant',),
    'brazil': ('br',), 'brazilian': ('br',), 'brasil': ('br',),
    'cyrillic': ('cyrl', 'ec'), 'cyrillic script': ('cyrl', 'ec'),
    'latin': ('latn', 'el'), 'latin script': ('latn', 'el'),
    'arabic': ('arab',), 'arabic script': ('arab',),
    'taraskievica': ('tarask',), 'tarashkevich': ('tarask',),
    'taraskievica orthography': ('tarask',), 'classical orthography': ('tarask',),
    'united kingdom': ('gb',), 'uk': ('gb',), 'british': ('gb',), 'great britain': ('gb',),
    'canada': ('ca',), 'canadian': ('ca',), 'austria': ('at',), 'switzerland': ('ch',),
    'formal': ('formal',), 'informal': ('informal',), 'latin america': ('419',),
}


def _variant(base: str, qualifier: str) -> str | None:
    """``zh`` + "Simplified" -> ``zh-hans``; None when MediaWiki has no such variant."""
    known = _languages()['autonyms']
    for suffix in _QUALIFIERS.get(_fold(qualifier).strip(), ()):
        if f'{base}-{suffix}' in known:
            return f'{base}-{suffix}'
    return None


# --- cells -------------------------------------------------------------------

@dataclass(frozen=True)
class CellValues:
    """Values found in a wiki or language cell, and the notations not understood."""

    values: tuple[str, ...]
    unresolved: tuple[str, ...] = ()


#: Inline tags whose text joins the surrounding text.
_INLINE = frozenset({'b', 'i', 'small', 'big', 'span', 'abbr', 'bdi', 'bdo', 'font', 'u', 's',
                     'strong', 'em', 'sup', 'sub', 'del', 'ins', 'strike', 'tt', 'kbd',
                     'code', 'translate', 'tvar'})
_BOLD_ITALIC = ("''", "'''")
_SKIP = frozenset({'ref', 'nowiki', 'pre', 'math', 'syntaxhighlight', 'source', 'gallery'})


def _segments(code: Wikicode) -> list[tuple[str, object]]:
    """Split a cell into ``('text', str)`` and ``('link', node)`` pieces.

    Inline formatting (bold, ``<small>``, ``<span>``) joins the text around
    it; line breaks, bullets and block tags separate pieces.
    """
    out: list[tuple[str, object]] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            out.append(('text', ''.join(buffer)))
            buffer.clear()

    def visit(wikicode: Wikicode) -> None:
        for node in wikicode.nodes:
            if isinstance(node, Text):
                buffer.append(node.value)
            elif isinstance(node, Comment):
                continue
            elif isinstance(node, (Wikilink, ExternalLink, Template)):
                flush()
                out.append(('link', node))
            elif isinstance(node, Tag):
                tag = tag_name(node)
                if tag in _SKIP or node.wiki_markup == '{|':
                    continue
                inline = (tag in _INLINE and not node.wiki_markup) or \
                    node.wiki_markup in _BOLD_ITALIC
                if not inline:
                    flush()
                if node.contents is not None and not node.self_closing:
                    visit(node.contents)
                if not inline:
                    flush()
            else:
                buffer.append(str(node))

    visit(code)
    flush()
    return out


def _split_text(text: str) -> list[str]:
    return [piece.strip(' \t.*#:') for piece in _SEPARATORS.split(text)
            if piece.strip(' \t.*#:-–—()')]


def find_wikis(cell: str | Wikicode) -> CellValues:
    """Database names in a wiki cell (several allowed) and what could not be resolved."""
    code = mwparserfromhell.parse(cell) if isinstance(cell, str) else cell
    found: dict[str, None] = {}
    unresolved: list[str] = []
    for kind, value in _segments(code):
        if kind == 'link':
            db = _link_wiki(value)
            if db:
                found.setdefault(db, None)
            elif not isinstance(value, Template):
                unresolved.append(str(value))
            continue
        assert isinstance(value, str)
        whole = resolve_wiki(value) if value.strip() else None
        if whole:
            found.setdefault(whole, None)
            continue
        for piece in _split_text(value):
            db = resolve_wiki(piece) or resolve_wiki(re.sub(r'\s*\([^)]*\)', '', piece))
            if db:
                found.setdefault(db, None)
            else:
                unresolved.append(piece)
    return CellValues(tuple(found), tuple(unresolved))


def _link_wiki(node: object) -> str | None:
    if isinstance(node, Wikilink):
        target = str(node.title)
        db = resolve_wiki(target) if target.strip(' :') else None
        if db is None and ':' in target:
            db = _from_interwiki(target.strip().strip(':').split(':')[:2])
        if db is None and node.text is not None:
            db = resolve_wiki(node.text.strip_code())
        return db
    if isinstance(node, ExternalLink):
        return resolve_wiki(str(node.url)) or (
            resolve_wiki(node.title.strip_code()) if node.title is not None else None)
    return None


def find_languages(cell: str | Wikicode) -> CellValues:
    """Language codes in a language cell (several allowed) and what was not understood."""
    code = mwparserfromhell.parse(cell) if isinstance(cell, str) else cell
    found: dict[str, None] = {}
    unresolved: list[str] = []
    for kind, value in _segments(code):
        if kind == 'link':
            lang = _node_language(value)
            if lang:
                found.setdefault(lang, None)
            elif not isinstance(value, Template):
                unresolved.append(str(value))
            continue
        assert isinstance(value, str)
        whole = resolve_language(value) if value.strip() else None
        if whole:
            found.setdefault(whole, None)
            continue
        for piece in _split_text(value):
            lang = resolve_language(piece)
            if lang:
                found.setdefault(lang, None)
            else:
                unresolved.append(piece)
    return CellValues(tuple(found), tuple(unresolved))


def _node_language(node: object) -> str | None:
    if isinstance(node, Template):
        name = str(node.name).strip()
        if name.lower().startswith('#language:'):
            return resolve_language(name.split(':', 1)[1])
        return None
    if isinstance(node, Wikilink):
        label = node.text.strip_code() if node.text is not None else ''
        return resolve_language(label) if label else resolve_language(str(node.title).strip(':'))
    if isinstance(node, ExternalLink) and node.title is not None:
        return resolve_language(node.title.strip_code())
    return None
