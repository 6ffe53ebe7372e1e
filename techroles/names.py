"""Recognise people in a table cell and normalise their names as MediaWiki does.

Pure: no network, no clock, no pywikibot. Localized namespace names come from
``techroles/data/namespaces.json`` (generated from MediaWiki's language files
by :mod:`tools.generate_data`); online, the wiki's siteinfo is
authoritative and the caller may check names again with ``list=users``.

**What counts as a person** (and nothing else does):

* a link to a user page or user talk page, in any language MediaWiki ships
  (names, aliases and gender forms: ``[[User:X]]``, ``[[Benutzerin:X|label]]``,
  ``[[Discussion utilisateur:X]]``), also behind interwiki and language
  prefixes (``[[:fr:Utilisateur:X]]``, ``[[m:User:X]]``, ``[[w:de:Benutzer:X]]``,
  ``[[wikt:fr:Utilisateur:X]]``); a subpage link counts as its owner;
* a link to ``Special:Contributions/X`` in any language;
* an external link to such a page (``[https://fr.wikipedia.org/wiki/Utilisateur:X X]``);
* a user template from the configurable list (:data:`DEFAULT_USER_TEMPLATES`):
  ``{{user|X}}``, ``{{u|X}}``, ``{{noping|X}}``, ``{{ping|X|Y}}``, ``{{User link|X}}`` ...

Not people: names struck out (``<s>``, ``<del>``, ``<strike>``) have withdrawn
(:attr:`CellPeople.withdrawn`, reported, not listed); links inside ``<small>``,
``<sup>`` or ``<sub>`` after a person are notes about that person ("added by
[[User:B]]"). A name holding a lone surrogate cannot be read (unresolved).

A signature (user link + talk link + contributions link + timestamp) names one
person: within one cell every name is kept once, in order of first mention.
Bare text is **never** taken for a name: a cell with no recognised form yields
no people (the caller reports it). Comments are ignored.
"""
from __future__ import annotations

import html
import html.entities
import ipaddress
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import mwparserfromhell
from mwparserfromhell.nodes import Comment, ExternalLink, Tag, Template, Text, Wikilink
from mwparserfromhell.wikicode import Wikicode

from techroles.markup import tag_name


DATA = Path(__file__).resolve().parent / 'data'

#: Templates that name people, by normalised template name (first letter
#: upper case, spaces): ``'one'`` takes the first positional parameter,
#: ``'all'`` every positional parameter.
DEFAULT_USER_TEMPLATES: dict[str, str] = {
    'User': 'one', 'U': 'one', 'User link': 'one', 'Userlink': 'one', 'Ul': 'one',
    'User2': 'one', 'User0': 'one', 'User1': 'one', 'User3': 'one', 'Userlinks': 'one',
    'User-multi': 'one', 'Usuario': 'one', 'Utilisateur': 'one', 'Benutzer': 'one',
    'Noping': 'all', 'Ping': 'all', 'Re': 'all', 'Reply to': 'all', 'Replyto': 'all',
    'Reply': 'all', 'Pinging': 'all', 'Mention': 'all', 'Notify': 'all', 'Unping': 'all',
    'Np': 'all', 'Noping2': 'all', 'Ping2': 'all',
}

#: Characters MediaWiki strips from titles (bidi embedding marks) plus the
#: isolates and the Arabic letter mark, which are invisible in names too.
_BIDI = re.compile('[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]')
#: What MediaWiki's title codec folds into one space.
_SPACES = re.compile('[ _\t\n\r\f\v\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+')
#: ASCII characters that can never be part of a title.
_ILLEGAL = re.compile(r'[#<>\[\]|{}\x00-\x1f\x7f\ufffd]|%[0-9A-Fa-f]{2}'
                      r'|&[A-Za-z0-9\x80-\uffff]+;|&#[0-9]+;|&#x[0-9A-Fa-f]+;')
#: UserNameUtils::isValid's extra list of troublemaker characters.
_TROUBLE = re.compile('[\x80-\x9f\xa0\u2000-\u200f\u2028-\u202f\u3000\ue000-\uf8ff]')
_IP_CHARS = frozenset('0123456789abcdef.:%')
_ANY_IPV4 = re.compile(r'^\d{1,3}\.\d{1,3}\.\d{1,3}\.(?:xxx|\d{1,3})$')
#: Content languages whose first-letter upper-casing maps ``i`` to ``İ``.
_TURKIC = frozenset({'tr', 'az', 'kaa', 'kk', 'kk-latn', 'kk-tr', 'crh', 'crh-latn'})
#: MediaWiki's $wgMaxNameChars, compared with the byte length (strlen).
MAX_NAME_BYTES = 255


@dataclass(frozen=True)
class PersonRef:
    """One mention of a person in a cell."""

    #: Normalised name (what MediaWiki's ``list=users`` would answer).
    name: str
    #: The wikitext it came from (a link or a template).
    raw: str
    #: ``user``, ``user_talk``, ``contributions``, ``template`` or ``url``.
    form: str


@dataclass(frozen=True)
class CellPeople:
    """What a cell says about people: who, and what could not be read."""

    people: tuple[PersonRef, ...]
    #: Person forms whose name cannot be resolved offline (a template or
    #: variable inside the name): the row is reported and left alone.
    unresolved: tuple[str, ...] = ()
    #: People struck out in the cell (and not named again unstruck): they
    #: have withdrawn, so they are reported and not listed.
    withdrawn: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        """Names in order of first mention."""
        return [ref.name for ref in self.people]


@cache
def _namespaces() -> dict[str, object]:
    """The generated namespace data, loaded once."""
    with open(DATA / 'namespaces.json', encoding='utf-8') as handle:
        raw = json.load(handle)
    ambiguous = set(raw['ambiguous'])
    roles: dict[str, str] = {}
    for role in ('user', 'user_talk', 'special'):
        for name in raw[role]:
            if name not in ambiguous:
                roles[name] = role
    return {
        'roles': roles,
        'contributions': frozenset(raw['contributions']),
        'upper': raw['upper_overrides'],
    }


@cache
def _prefixes() -> frozenset[str]:
    """Interwiki and language prefixes that may precede a namespace in a link."""
    from techroles import notation

    return frozenset(notation.interwiki_prefixes())


#: A complete character reference, as MediaWiki's Sanitizer::decodeCharReferences
#: reads it: ``&name;`` (HTML 4 names and ``&apos;``), ``&#N;``, ``&#xH;``.
_CHAR_REF = re.compile(r'&(?:([A-Za-z0-9]+)|#([0-9]+)|#[xX]([0-9A-Fa-f]+));')
_ENTITIES = {**html.entities.name2codepoint, 'apos': 0x27}


def _ref(match: re.Match[str]) -> str:
    name, dec, hexa = match.groups()
    if name is not None:
        point = _ENTITIES.get(name)
        return match.group(0) if point is None else chr(point)  # unknown names stay
    point = int(dec) if dec is not None else int(hexa, 16)
    # Sanitizer::decodeChar: a code point validateCodepoint refuses (surrogates,
    # non-characters, controls other than tab and line breaks) becomes U+FFFD.
    if not (point in (0x9, 0xA, 0xD) or 0x20 <= point <= 0xD7FF
            or 0xE000 <= point <= 0xFFFD or 0x10000 <= point <= 0x10FFFF):
        return '\ufffd'
    return chr(point)


def decode_char_refs(text: str) -> str:
    """Decode complete character references only (``&reg`` without ``;`` stays text)."""
    return _CHAR_REF.sub(_ref, text) if '&' in text else text


def has_surrogate(text: str) -> bool:
    """True when ``text`` holds a lone surrogate (not encodable: never a real name)."""
    return any('\ud800' <= ch <= '\udfff' for ch in text)


def _key(text: str) -> str:
    """Lookup key for namespace and page names: spaces, lower case."""
    return ' '.join(_SPACES.sub(' ', _BIDI.sub('', text)).split()).lower()


def ucfirst(text: str, lang: str = 'en') -> str:
    """Upper-case the first character the way Wikimedia's wikis do.

    MediaWiki's Language::ucfirst takes the title case of the first character
    unless ``$wgOverrideUcfirstCharacters`` says otherwise; Wikimedia keeps
    ``ß`` (wmf-config/UcfirstOverrides.php), and the title case of Georgian
    letters is the letter itself. ``upper_overrides`` (generated) lists every
    character where that differs from Python's ``str.upper``. Turkic content
    languages map ``i`` to ``İ``.
    """
    if not text:
        return text
    first = text[0]
    if first == 'i' and lang.lower() in _TURKIC:
        return 'İ' + text[1:]
    if first < '\x80':
        return first.upper() + text[1:]
    upper = _namespaces()['upper']
    assert isinstance(upper, dict)
    return upper.get(first, first.upper()) + text[1:]


def normalize_name(raw: str, lang: str = 'en') -> str:
    """Normalise a user name as MediaWiki's title codec does.

    Complete character references (``&nbsp;``, ``&#95;``) decoded, NFC, bidi marks removed,
    underscores and odd spaces folded into single spaces, trimmed, first
    letter upper-cased.
    """
    text = decode_char_refs(raw)
    text = unicodedata.normalize('NFC', text)
    text = _BIDI.sub('', text)
    text = ' '.join(_SPACES.sub(' ', text).split())
    return ucfirst(text, lang)


@lru_cache(maxsize=8192)
def invalid_reason(name: str) -> str | None:
    """Why MediaWiki would reject ``name`` as a user name, or None if it is valid.

    Mirrors UserNameUtils::isValid (1.39) on an already normalised name:
    empty, an IP address, a slash, more than 255 bytes, characters illegal in
    titles, a known namespace or interwiki prefix, invisible troublemakers.
    """
    if not name:
        return 'empty name'
    if has_surrogate(name):
        return 'contains a lone surrogate'
    if _ANY_IPV4.match(name):
        return 'an IP address'
    if _IP_CHARS.issuperset(name.lower()):
        try:
            ipaddress.ip_address(name)
            return 'an IP address'
        except ValueError:
            pass
    if '/' in name:
        return "contains '/'"
    if len(name.encode('utf-8')) > MAX_NAME_BYTES:
        return f'longer than {MAX_NAME_BYTES} bytes'
    if name != normalize_name(name):
        return 'not in normal form'
    bad = _ILLEGAL.search(name)
    if bad:
        return f'contains {bad.group(0)!r}'
    if name in ('.', '..') or '~~~' in name:
        return 'not a valid title'
    if name.startswith(':'):
        return "starts with ':'"
    if ':' in name:
        prefix = _key(name.split(':', 1)[0])
        if prefix in _namespaces()['roles'] or prefix in _prefixes():  # type: ignore[operator]
            return f'starts with the prefix {name.split(":", 1)[0]!r}'
    if _TROUBLE.search(name):
        return 'contains an invisible or private-use character'
    return None


def is_valid_name(name: str) -> bool:
    """True when MediaWiki accepts ``name`` as a user name."""
    return invalid_reason(name) is None


@lru_cache(maxsize=8192)
def parse_user_title(target: str) -> tuple[str, str] | None:
    """``(raw name, form)`` for a link target naming a person, else None.

    Accepts leading colons, interwiki and language prefixes, any localized
    User/User talk/Special namespace, ``Special:Contributions/X``; a subpage
    of a user page names its owner; a ``#fragment`` is dropped.
    """
    if '%' in target:
        target = unquote(target)
    if '&' in target:
        target = decode_char_refs(target)
    target = target.split('#', 1)[0]
    parts = target.strip().lstrip(':').split(':')
    data = _namespaces()
    roles: dict[str, str] = data['roles']  # type: ignore[assignment]
    prefixes = _prefixes()
    i = 0
    while i < len(parts) - 1:
        key = _key(parts[i])
        if key in roles:
            break
        if key in prefixes or key == '':
            i += 1
            continue
        return None
    if i >= len(parts) - 1:
        return None
    role = roles.get(_key(parts[i]))
    rest = ':'.join(parts[i + 1:])
    if role in ('user', 'user_talk'):
        return rest.split('/', 1)[0], role
    if role == 'special':
        page, sep, sub = rest.partition('/')
        if sep and _key(page) in data['contributions']:  # type: ignore[operator]
            return sub, 'contributions'
    return None


def parse_user_url(url: str) -> tuple[str, str] | None:
    """``(raw name, form)`` for a URL of a user page or contributions, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if not parts.netloc:
        return None
    title = ''
    if parts.path.startswith('/wiki/'):
        title = parts.path[len('/wiki/'):]
    elif 'title=' in parts.query:
        for pair in parts.query.split('&'):
            if pair.startswith('title='):
                title = pair[len('title='):].replace('+', ' ')
    if not title:
        return None
    found = parse_user_title(unquote(title))
    return (found[0], 'url') if found else None


def template_key(name: str) -> str:
    """Template lookup key: no ``Template:`` prefix, spaces, first letter upper."""
    text = ' '.join(_SPACES.sub(' ', name).split())
    if text.lower().startswith('template:'):
        text = text[len('template:'):].strip()
    return text[:1].upper() + text[1:]


def template_table(user_templates: Iterable[str] | Mapping[str, str] | None
                   ) -> dict[str, str]:
    """Merge a configured list of user templates into the defaults.

    A plain list means "first positional parameter"; a mapping may say
    ``'all'`` for templates that take several names (``{{ping|A|B}}``).
    """
    table = dict(DEFAULT_USER_TEMPLATES)
    if user_templates is None:
        return table
    if isinstance(user_templates, Mapping):
        items = user_templates.items()
    else:
        items = ((name, 'one') for name in user_templates)
    for name, mode in items:
        table[template_key(name)] = 'all' if mode == 'all' else 'one'
    return table


def _plain(code: Wikicode) -> str | None:
    """The text of a parameter value, or None when it holds markup we cannot evaluate."""
    out = []
    for node in code.nodes:
        if isinstance(node, Text):
            out.append(node.value)
        elif isinstance(node, Comment):
            continue
        elif isinstance(node, Tag) and tag_name(node) == 'nowiki' and node.contents:
            out.append(str(node.contents))
        else:
            return None
    return ''.join(out)


#: Tags whose contents never name a person in the cell.
_SKIP_TAGS = frozenset({'ref', 'nowiki', 'pre', 'math', 'syntaxhighlight', 'source', 'code',
                        'templatedata', 'gallery'})
#: Struck-out text: the people in it have withdrawn.
_STRUCK = frozenset({'s', 'del', 'strike'})
#: Small print after a person: a note about them ("added by ..."), not people.
_NOTE_TAGS = frozenset({'small', 'sup', 'sub'})


class _Collector:
    """Accumulates people of one cell in order of first mention."""

    def __init__(self, lang: str, templates: dict[str, str]) -> None:
        self.lang = lang
        self.templates = templates
        self.people: dict[str, PersonRef] = {}
        self.unresolved: list[str] = []
        self.withdrawn: list[str] = []
        self.struck = 0

    def add(self, raw_name: str | None, raw: str, form: str) -> None:
        if raw_name is None or '{{' in raw_name or has_surrogate(raw_name):
            self.unresolved.append(raw)
            return
        name = normalize_name(raw_name, self.lang)
        if not name:
            return
        if self.struck:
            if name not in self.withdrawn:
                self.withdrawn.append(name)
        elif name not in self.people:
            self.people[name] = PersonRef(name, raw, form)

    def walk(self, code: Wikicode) -> None:
        for node in code.nodes:
            if isinstance(node, Wikilink):
                self.link(node)
            elif isinstance(node, Template):
                self.template(node)
            elif isinstance(node, ExternalLink):
                found = parse_user_url(str(node.url))
                if found:
                    self.add(found[0], str(node), found[1])
                elif node.title is not None:
                    self.walk(node.title)
            elif isinstance(node, Tag):
                name = tag_name(node)
                if name in _SKIP_TAGS or node.contents is None \
                        or node.wiki_markup == '{|':  # a nested table is not this cell's list
                    continue
                if name in _NOTE_TAGS and (self.people or self.withdrawn):
                    continue
                if name in _STRUCK:
                    self.struck += 1
                    self.walk(node.contents)
                    self.struck -= 1
                    continue
                self.walk(node.contents)

    def link(self, node: Wikilink) -> None:
        title = str(node.title)
        if '{{' in title:
            # A template in the target: can only be read if the link is a
            # person form apart from the template (User:{{...}}).
            head = title.split('{{', 1)[0]
            if parse_user_title(head + 'X'):
                self.unresolved.append(str(node))
            return
        found = parse_user_title(title)
        if found:
            self.add(found[0], str(node), found[1])
        elif node.text is not None:
            self.walk(node.text)

    def template(self, node: Template) -> None:
        key = template_key(str(node.name))
        mode = self.templates.get(key)
        if mode is None:
            for param in node.params:
                self.walk(param.value)
            return
        positional = [p for p in node.params if not p.showkey or str(p.name).strip().isdigit()]
        positional.sort(key=lambda p: int(str(p.name).strip() or 0))
        if mode == 'one':
            positional = positional[:1]
        for param in positional:
            value = _plain(param.value)
            if value is None:
                self.unresolved.append(str(node))
            elif value.strip():
                self.add(value, str(node), 'template')


def scan_cell(cell: str | Wikicode, lang: str = 'en', *,
              user_templates: Iterable[str] | Mapping[str, str] | None = None,
              templates: dict[str, str] | None = None) -> CellPeople:
    """Find every person named in a cell (see the module docstring for the rule).

    ``templates`` is an already merged :func:`template_table` (callers that
    scan many cells pass it to avoid merging again).
    """
    code = mwparserfromhell.parse(cell) if isinstance(cell, str) else cell
    collector = _Collector(lang, templates or template_table(user_templates))
    collector.walk(code)
    return CellPeople(tuple(collector.people.values()), tuple(collector.unresolved),
                      tuple(n for n in collector.withdrawn if n not in collector.people))


def find_people(cell: str | Wikicode, lang: str = 'en', *,
                user_templates: Iterable[str] | Mapping[str, str] | None = None) -> list[str]:
    """Normalised names of the people in a cell, in order of first mention."""
    return scan_cell(cell, lang, user_templates=user_templates).names


def user_namespace_names() -> list[str]:
    """Every localized name, alias and gender form of the User namespace (lower case)."""
    roles: dict[str, str] = _namespaces()['roles']  # type: ignore[assignment]
    return [name for name, role in roles.items() if role == 'user']


def iter_person_forms() -> Iterator[str]:
    """Every recognised User/User talk namespace name (lower case); for tests."""
    roles: dict[str, str] = _namespaces()['roles']  # type: ignore[assignment]
    return (name for name, role in roles.items() if role in ('user', 'user_talk'))
