"""Find the sign-up tables of a page and read every row; locate the status cells.

Pure: no network, no clock, no pywikibot. Tables are read with
mwparserfromhell (never with regular expressions); every node's offset in the
page is tracked so :mod:`techroles.render` can rewrite status cells without
touching any other byte.

Rules, in the order they apply:

* **Tables**: every top-level ``{|`` of the page, also inside HTML-like tags
  (``<translate>``, ``<div>``) and indented (``:{|``, which mwparserfromhell
  leaves as text and is re-parsed from its ``{|``; MediaWiki allows no other
  prefix). Tables inside template
  parameters are not read. A ``{|`` that does not parse (no matching ``|}``)
  is a broken table; later unparsed ``{|`` are taken to be nested in it.
  Tables nested in a cell are not sign-up tables and are never written.
* **Columns**: header rows are the leading rows made only of ``!`` cells; a
  later one that is a single cell spanning the table is a subheading. Their
  text is matched against role aliases (:data:`DEFAULT_ALIASES`, any
  language, plus the caller's): an exact match beats a word match, and for
  each role the first matching header (reading order) wins; two roles never
  share a column, and a header naming a date or time is never the status
  column. Positions are
  0-based grid columns after ``colspan``/``rowspan``. No user column, cells
  overlapping a ``rowspan``, or an unparsable nested ``{|`` make the table
  *broken*: reported with a one-line reason, never written.
* **Rows**: a caption (``|+``), rows without cells, rows whose cells are all
  blank, rows made only of ``!`` cells (sub-headings) and full-width cells
  (a ``colspan`` covering the row) are not sign-up rows. Cells spanning
  several rows (``rowspan``, ASCII digits) belong to each row they cover, and
  a row is judged with every cell reaching it, its status cell aside (so the
  bot's writing never changes which rows exist). A cell with ``[[`` before its
  first ``|`` is all content, as MediaWiki reads it. Comments are ignored (a
  commented-out row reads as nothing).
* **Problems in a row** affect only that row: an unknown wiki or a person
  form whose name cannot be read (``Row.unresolved``), cells beyond the
  header's columns (``Row.broken``), a status cell inside ``<translate>``
  (``Row.in_translate``). Such rows are reported and never written.
  Unreadable languages, invalid names, duplicate rows and missing cells are
  reported but do not stop the row.
* **Rows written by templates** (a template at the start of a line between
  rows or in a header cell) cannot be read from the wikitext: reported. A
  row with such a template (other than a user template) in any cell, or a
  status cell holding one, is never written (a span after it
  would show in the template's last row, against someone else).
"""
from __future__ import annotations

import bisect
import contextlib
import dataclasses
import gc
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import mwparserfromhell
from mwparserfromhell.nodes import (
    Comment,
    ExternalLink,
    Heading,
    HTMLEntity,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.wikicode import Wikicode

from techroles import names, wikis
from techroles.model import ColumnRole, Row, SignupTable, Status, TableKind, TableProblem
from techroles.names import tag_name


ROLES: tuple[ColumnRole, ...] = ('wiki', 'user', 'language', 'status')

#: Header aliases per language and role (lower case; compared after folding
#: case, punctuation and spaces). All languages are tried on every page.
DEFAULT_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    'en': {
        'wiki': ('wiki', 'wikis', 'project', 'projects', 'community', 'communities', 'site',
                 'sites', 'home wiki', 'wiki project', 'wikiproject', 'domain', 'wikipedia',
                 'project wiki', 'local wiki'),
        'user': ('user', 'users', 'username', 'usernames', 'user name', 'user names',
                 'ambassador', 'ambassadors', 'tech ambassador', 'tech ambassadors',
                 'translator', 'translators', 'tech translator', 'tech translators', 'name',
                 'names', 'person', 'people', 'volunteer', 'volunteers', 'member', 'members',
                 'contact', 'contacts', 'signature', 'account', 'who'),
        'language': ('language', 'languages', 'lang', 'langs', 'code', 'codes',
                     'language code', 'language codes', 'language name', 'langcode',
                     'languages spoken', 'spoken languages'),
        'status': ('status', 'state', 'activity', 'active', 'bot status', 'current status',
                   'activity status'),
    },
    'fr': {
        'wiki': ('projet', 'projets', 'communauté', 'communautés', 'wiki local', 'site'),
        'user': ('utilisateur', 'utilisateurs', 'utilisatrice', 'utilisatrices',
                 "nom d'utilisateur", 'nom d’utilisateur', 'ambassadeur', 'ambassadeurs',
                 'ambassadrice', 'ambassadrices', 'traducteur', 'traducteurs', 'traductrice',
                 'traductrices', 'nom', 'noms', 'membre', 'membres', 'bénévole', 'bénévoles'),
        'language': ('langue', 'langues', 'code de langue', 'code langue'),
        'status': ('statut', 'état', 'activité', 'statuts'),
    },
    'de': {
        'wiki': ('projekt', 'projekte', 'gemeinschaft', 'wikiprojekt', 'heimatwiki'),
        'user': ('benutzer', 'benutzerin', 'benutzername', 'benutzernamen', 'botschafter',
                 'botschafterin', 'botschafter innen', 'übersetzer', 'übersetzerin',
                 'übersetzer innen', 'mitglied', 'mitglieder', 'freiwillige'),
        'language': ('sprache', 'sprachen', 'sprachcode', 'sprachkürzel'),
        'status': ('aktivität', 'zustand'),
    },
    'es': {
        'wiki': ('proyecto', 'proyectos', 'comunidad', 'comunidades', 'sitio'),
        'user': ('usuario', 'usuarios', 'usuaria', 'nombre de usuario', 'embajador',
                 'embajadores', 'embajadora', 'embajadoras', 'traductor', 'traductores',
                 'traductora', 'traductoras', 'nombre', 'voluntario', 'voluntarios'),
        'language': ('idioma', 'idiomas', 'lengua', 'lenguas', 'código', 'código de idioma'),
        'status': ('estado', 'actividad'),
    },
    'ar': {
        'wiki': ('ويكي', 'الويكي', 'مشروع', 'المشروع', 'المشاريع', 'مجتمع', 'المجتمع'),
        'user': ('مستخدم', 'المستخدم', 'المستخدمون', 'اسم المستخدم', 'سفير', 'السفير',
                 'السفراء', 'مترجم', 'المترجم', 'المترجمون', 'الاسم'),
        'language': ('لغة', 'اللغة', 'اللغات', 'رمز اللغة'),
        'status': ('حالة', 'الحالة', 'النشاط'),
    },
    'it': {
        'wiki': ('progetto', 'progetti', 'comunità'),
        'user': ('utente', 'utenti', 'nome utente', 'ambasciatore', 'ambasciatori',
                 'traduttore', 'traduttori', 'traduttrice'),
        'language': ('lingua', 'lingue', 'codice'),
        'status': ('stato', 'attività'),
    },
    'pt': {
        'wiki': ('projeto', 'projetos', 'comunidade'),
        'user': ('usuário', 'usuários', 'utilizador', 'utilizadores', 'nome de usuário',
                 'embaixador', 'embaixadores', 'tradutor', 'tradutores'),
        'language': ('língua', 'línguas', 'idioma'),
        'status': ('situação', 'estado'),
    },
    'ru': {
        'wiki': ('вики', 'проект', 'проекты', 'сообщество', 'раздел'),
        'user': ('участник', 'участники', 'пользователь', 'посол', 'послы', 'переводчик',
                 'переводчики', 'имя'),
        'language': ('язык', 'языки', 'код'),
        'status': ('статус', 'состояние', 'активность'),
    },
    'ja': {
        'wiki': ('ウィキ', 'プロジェクト', 'コミュニティ'),
        'user': ('利用者', 'ユーザー', '利用者名', 'アンバサダー', '翻訳者'),
        'language': ('言語', '言語コード'),
        'status': ('状態', 'ステータス'),
    },
    'fa': {
        'wiki': ('ویکی', 'پروژه', 'پروژه‌ها', 'جامعه'),
        'user': ('کاربر', 'کاربران', 'نام کاربری', 'سفیر', 'سفیران', 'مترجم', 'مترجمان'),
        'language': ('زبان', 'زبان‌ها', 'کد زبان'),
        'status': ('وضعیت',),
    },
    'hi': {
        'wiki': ('विकि', 'विकी', 'परियोजना', 'समुदाय'),
        'user': ('सदस्य', 'सदस्यनाम', 'उपयोगकर्ता', 'राजदूत', 'अनुवादक'),
        'language': ('भाषा', 'भाषाएँ', 'भाषा कोड'),
        'status': ('स्थिति',),
    },
    'he': {
        'wiki': ('ויקי', 'מיזם', 'מיזמים', 'קהילה'),
        'user': ('משתמש', 'משתמשת', 'משתמשים', 'שם משתמש', 'שגריר', 'שגרירים', 'מתרגם',
                 'מתרגמים'),
        'language': ('שפה', 'שפות', 'קוד שפה'),
        'status': ('מצב', 'סטטוס'),
    },
    'zh': {
        'wiki': ('维基', '維基', '项目', '項目', '计划', '計劃', '社群'),
        'user': ('用户', '用戶', '用户名', '用戶名', '使用者', '大使', '翻译者', '翻譯者', '译者'),
        'language': ('语言', '語言', '语言代码'),
        'status': ('状态', '狀態'),
    },
}

#: Span class the bot writes and reads back.
SPAN_CLASS = 'techroles-status'
#: The manual marker (a comment): whole cell, or one span when right before it.
MANUAL_MARKER = 'techroles:manual'
#: The marker's comment text, with any spacing and an optional reason after it.
_MANUAL = re.compile(r'\s*techroles\s*:\s*manual(?![\w-])', re.IGNORECASE)
_MANUAL_COMMENT = re.compile(r'<!--\s*techroles\s*:\s*manual(?![\w-])', re.IGNORECASE)
#: Header words naming a date or time: such a header is never the status column
#: ("Last active", "Active since").
_DATE_WORDS = frozenset({
    'date', 'dates', 'time', 'since', 'last', 'on', 'when', 'until', 'from', 'day', 'days',
    'year', 'joined', 'added', 'signed', 'signup', 'timestamp', 'updated', 'seen', 'edit',
    'depuis', 'dernière', 'dernier', 'le', 'seit', 'datum', 'zuletzt', 'letzte', 'letzter',
    'am', 'fecha', 'desde', 'última', 'último', 'data', 'dal', 'dalla', 'дата', 'с', 'последний',
    'последняя', 'تاريخ', 'منذ', 'آخر'})
_DATE_CJK = ('日付', '日時', '最終', '日期', '时间', '時間', '以来')

_SPACE = re.compile(r'\s+')
_PUNCT = re.compile(r"[^\w\s'’]+")
_CJK = re.compile('[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]')
_MAX_SPAN = 1000
_STATUS_VALUES = frozenset(s.value for s in Status)
_MAX_ROWSPAN = 65534
#: Tags whose contents are never table markup or text to read.
_OPAQUE = frozenset({'nowiki', 'pre', 'syntaxhighlight', 'source', 'math', 'score',
                     'templatedata', 'graph', 'mapframe', 'maplink', 'chem', 'ce'})


# --- offsets -----------------------------------------------------------------

def content_offset(tag: Tag) -> int:
    """Offset of ``tag.contents`` inside ``str(tag)`` (mwparserfromhell's Tag.__str__)."""
    cached = getattr(tag, '_techroles_offset', None)
    if cached is not None:
        return cached
    attrs = sum(len(str(attr)) for attr in tag.attributes)
    if tag.wiki_markup:
        offset = (len(tag.wiki_markup) + attrs + len(tag.padding or '')
                  + len(tag.wiki_style_separator or ''))
    else:
        offset = (2 if tag.invalid else 1) + len(str(tag.tag)) + attrs + len(tag.padding) + 1
    with contextlib.suppress(AttributeError):
        tag._techroles_offset = offset
    return offset


def node_length(node: Any) -> int:
    """``len(str(node))``, computed without building the string for tags.

    Memoised per node (tags and wikicode are walked many times, and building
    ``str()`` of a big table over and over would dominate the parse time).
    """
    kind = type(node)
    if kind is Text:
        return len(node.value)
    cached = node.__dict__.get('_techroles_len')
    if cached is not None:
        return cached
    if kind is Wikicode:
        size = sum(len(child.value) if type(child) is Text else node_length(child)
                   for child in node.nodes)
    elif kind is Tag:
        size = content_offset(node)
        if node.wiki_markup:
            if not node.self_closing:
                size += node_length(node.contents) + len(node.closing_wiki_markup or '')
        elif node.self_closing:
            size += 0 if node.implicit else 1
        else:
            size += node_length(node.contents) + 3 + len(str(node.closing_tag))
    else:
        size = len(str(node))
    node.__dict__['_techroles_len'] = size
    return size


def iter_offsets(code: Wikicode, start: int) -> Iterator[tuple[Any, int, int]]:
    """``(node, start, end)`` of each direct child of ``code`` beginning at ``start``."""
    pos = start
    for node in code.nodes:
        size = len(node.value) if type(node) is Text else node_length(node)
        yield node, pos, pos + size
        pos += size


def at_line_start(text: str, pos: int, allowed: str = ' \t') -> bool:
    """True when only ``allowed`` characters precede ``pos`` on its line."""
    line_start = text.rfind('\n', 0, pos) + 1
    return not text[line_start:pos].strip(allowed)


class Lines:
    """1-based line numbers of offsets, by binary search over the newlines."""

    def __init__(self, text: str) -> None:
        self.breaks = [m.start() for m in re.finditer('\n', text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_left(self.breaks, offset) + 1


# --- the internal model ------------------------------------------------------

@dataclass
class Span:
    """A bot span in a status cell (offsets absolute in the page)."""

    start: int
    end: int
    text: str
    user: str | None
    status: str | None
    manual: bool = False
    #: Where the span's own text begins, its manual marker included: a new
    #: span inserted before this one goes here, so the marker stays with it.
    anchor: int = -1

    def __post_init__(self) -> None:
        if self.anchor < 0:
            self.anchor = self.start


@dataclass
class Cell:
    """One table cell and where it sits in the page."""

    node: Tag
    start: int
    end: int
    content_start: int
    header: bool
    rowspan: int
    colspan: int
    line: int
    row: int = 0
    col: int = 0
    _text: str | None = None
    #: The cell's content when it differs from mwparserfromhell's: ``| [[A|B]] | C``
    #: is all content for MediaWiki (a ``[[`` before the first ``|``), not
    #: attributes ``[[A`` and content ``B]] | C``.
    own_contents: Wikicode | None = None

    @property
    def contents(self) -> Wikicode:
        return self.own_contents if self.own_contents is not None else self.node.contents

    @property
    def attrs_are_content(self) -> bool:
        """True when what mwparserfromhell read as attributes is content."""
        return self.own_contents is not None

    def text(self) -> str:
        """Plain text of the cell (for blank tests and messages)."""
        if self._text is None:
            self._text = plain_text(self.contents)
        return self._text


@dataclass
class StatusCell:
    """A status cell with what the renderer needs to rewrite it."""

    cell: Cell
    spans: list[Span]
    manual: bool
    in_translate: bool
    #: Where a span is inserted when the cell has none: (offset, leading, trailing).
    insert_at: int
    #: Not writable, with why (nested table, ...).
    blocked: str | None = None
    #: Data rows (indexes in ParsedTable.rows) whose status lives here.
    rows: list[int] = field(default_factory=list)


@dataclass
class RowData:
    """A data row with its public Row and the cells the renderer needs."""

    row: Row
    cells: list[Cell]
    grid: dict[int, Cell]
    status: StatusCell | None
    end: int
    #: The renderer may not write this row's status cell.
    skip: str | None = None


@dataclass
class ParsedTable:
    """Everything known about one top-level table."""

    index: int
    start: int
    end: int
    line: int
    node: Tag | None
    kind: TableKind = 'unknown'
    columns: dict[str, int | None] = field(default_factory=dict)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    ncols: int = 0
    header_rows: list[list[Cell]] = field(default_factory=list)
    rows: list[RowData] = field(default_factory=list)
    all_rows: list[tuple[list[Cell], int, str]] = field(default_factory=list)
    errors: list[TableProblem] = field(default_factory=list)
    #: How each found column was found: ``'header'`` or ``'content'``.
    columns_by: dict[str, str] = field(default_factory=dict)
    broken: bool = False
    in_translate: bool = False
    section: str | None = None

    def public(self) -> ReadTable:
        """The frozen view ``parse_page`` returns."""
        return ReadTable(
            index=self.index, kind=self.kind, columns=dict(self.columns),
            rows=tuple(r.row for r in self.rows) if not self.broken else (),
            errors=tuple(self.errors), section=self.section, line=self.line,
            broken=self.broken, in_translate=self.in_translate,
            columns_by={role: self.columns_by.get(role) if self.columns.get(role) is not None
                        else None for role in ROLES})


@dataclass(frozen=True)
class ReadTable(SignupTable):
    """A :class:`SignupTable` that also says how each column was found."""

    #: ``'header'``, ``'content'`` or None (no such column), per role.
    columns_by: dict[str, str | None] = field(default_factory=dict)


@dataclass
class Page:
    """A parsed page: its text, line index and tables."""

    text: str
    tables: list[ParsedTable]
    lines: Lines


# --- text helpers --------------------------------------------------------------

def plain_text(code: Wikicode | None) -> str:
    """Readable text of wikitext: link labels, tag contents; no templates, refs, comments."""
    if code is None:
        return ''
    out: list[str] = []
    for node in code.nodes:
        if isinstance(node, Text):
            out.append(node.value)
        elif isinstance(node, HTMLEntity):
            out.append(node.normalize())
        elif isinstance(node, Wikilink):
            out.append(plain_text(node.text) if node.text is not None else str(node.title))
        elif isinstance(node, ExternalLink):
            out.append(plain_text(node.title) if node.title is not None else str(node.url))
        elif isinstance(node, Tag):
            if tag_name(node) in ('ref', 'references') or tag_name(node) in _OPAQUE:
                continue
            if node.wiki_markup in ('*', '#', ':', ';') or tag_name(node) == 'br':
                out.append('\n')
            if node.contents is not None and not node.self_closing:
                out.append(plain_text(node.contents))
        elif isinstance(node, (Template, Comment)):
            continue
        else:
            out.append(str(node))
    return ''.join(out)


def _fold_header(text: str) -> str:
    text = unicodedata.normalize('NFC', html.unescape(text)).casefold()
    text = text.replace('(s)', 's').replace('(en)', '').replace('(in)', '')
    text = _PUNCT.sub(' ', text).replace('_', ' ')
    return _SPACE.sub(' ', text).strip()


class Aliases:
    """Header aliases by role, with exact and word matching."""

    def __init__(self, extra: Mapping[str, Any] | None = None) -> None:
        self.exact: dict[str, list[str]] = {}
        merged: dict[str, list[str]] = {role: [] for role in ROLES}
        for table in self._normalise(extra):
            for role, values in table.items():
                if role in merged:
                    merged[role].extend(values)
        for by_role in DEFAULT_ALIASES.values():
            for role, values in by_role.items():
                merged[role].extend(values)
        # The User namespace's name in every language MediaWiki ships names the column.
        merged['user'].extend(names.user_namespace_names())
        self.words: dict[str, list[tuple[str, ...]]] = {role: [] for role in ROLES}
        self.cjk: dict[str, list[str]] = {role: [] for role in ROLES}
        for role, values in merged.items():
            for value in values:
                key = _fold_header(value)
                if not key:
                    continue
                self.exact.setdefault(key, [])
                if role not in self.exact[key]:
                    self.exact[key].append(role)
                self.words[role].append(tuple(key.split()))
                if _CJK.search(key):
                    self.cjk[role].append(key)

    @staticmethod
    def _normalise(extra: Mapping[str, Any] | None) -> list[Mapping[str, Iterable[str]]]:
        if not extra:
            return []
        if set(extra) <= set(ROLES):
            return [{role: [v] if isinstance(v, str) else list(v) for role, v in extra.items()}]
        return [{role: [v] if isinstance(v, str) else list(v) for role, v in table.items()}
                for table in extra.values() if isinstance(table, Mapping)]

    def match(self, header: str) -> tuple[set[str], set[str]]:
        """Roles a header names exactly, and roles it names by a word or phrase."""
        key = _fold_header(header)
        if not key:
            return set(), set()
        exact = set(self.exact.get(key, ()))
        words = key.split()
        loose: set[str] = set()
        for role in ROLES:
            for phrase in self.words[role]:
                n = len(phrase)
                if any(tuple(words[i:i + n]) == phrase for i in range(len(words) - n + 1)):
                    loose.add(role)
                    break
            else:
                if any(alias in key for alias in self.cjk[role]):
                    loose.add(role)
        return exact, loose


def _names_date(header: str) -> bool:
    """True when a header names a date or time ("Last active", "Active since")."""
    key = _fold_header(header)
    return bool(_DATE_WORDS.intersection(key.split())) or any(w in key for w in _DATE_CJK)


def attributes(tag: Tag) -> dict[str, Any]:
    """A tag's attributes by lower-case name (first one wins), memoised."""
    found = getattr(tag, '_techroles_attrs', None)
    if found is None:
        found = {}
        for attr in tag.attributes:
            found.setdefault(str(attr.name).strip().lower(), attr)
        with contextlib.suppress(AttributeError):
            tag._techroles_attrs = found
    return found


def _int_attr(tag: Tag, name: str, limit: int) -> int:
    """An integer span attribute as browsers read it (leading digits; else 1)."""
    attr = attributes(tag).get(name) if tag.attributes else None
    if attr is None:
        return 1
    value = str(attr.value).strip() if attr.value is not None else ''
    digits = re.match('[0-9]+', value)  # browsers read ASCII digits only
    return min(int(digits.group(0)), limit) if digits else 1


def _attr(tag: Tag, name: str) -> str | None:
    attr = attributes(tag).get(name) if tag.attributes else None
    if attr is None:
        return None
    return str(attr.value) if attr.value is not None else ''


def _is_caption(tag: Tag) -> bool:
    return tag.wiki_markup == '|' and str(tag).startswith('|+')


def _has_unparsed_table(text: str, code: Wikicode, start: int) -> int | None:
    """Offset of a ``{|`` left as text at the start of a line (an unclosed nested table)."""
    for node, a, _b in iter_offsets(code, start):
        if isinstance(node, Text):
            pos = node.value.find('{|')
            while pos != -1:
                if at_line_start(text, a + pos, ' \t:'):
                    return a + pos
                pos = node.value.find('{|', pos + 2)
        elif isinstance(node, Tag) and node.contents is not None and not node.self_closing \
                and tag_name(node) not in _OPAQUE and node.wiki_markup != '{|':
            found = _has_unparsed_table(text, node.contents, a + content_offset(node))
            if found is not None:
                return found
    return None


# --- finding tables ------------------------------------------------------------

@dataclass
class _Found:
    start: int
    end: int
    node: Tag | None
    in_translate: bool
    section: str | None


def _translate_regions(text: str) -> list[tuple[int, int]]:
    """``<translate>`` … ``</translate>`` ranges (comments skipped; unclosed runs to the end)."""
    lower = text.lower()
    if '<translate' not in lower:
        return []
    comments: list[tuple[int, int]] = []
    pos = lower.find('<!--')
    while pos != -1:
        end = lower.find('-->', pos + 4)
        end = len(text) if end == -1 else end + 3
        comments.append((pos, end))
        pos = lower.find('<!--', end)

    def in_comment(offset: int) -> bool:
        i = bisect.bisect_right(comments, (offset, len(text) + 1)) - 1
        return i >= 0 and comments[i][0] <= offset < comments[i][1]

    events: list[tuple[int, int]] = []
    for marker, delta in (('<translate', 1), ('</translate', -1)):
        pos = lower.find(marker)
        while pos != -1:
            nxt = lower[pos + len(marker):pos + len(marker) + 1]
            if nxt in ('>', ' ', '\t', '\n', '/') and not in_comment(pos):
                close = lower.find('>', pos)
                self_closing = close != -1 and lower[close - 1] == '/'
                if not self_closing:
                    events.append((pos, delta))
            pos = lower.find(marker, pos + 1)
    events.sort()
    regions: list[tuple[int, int]] = []
    depth = 0
    start = 0
    for pos, delta in events:
        if delta > 0:
            if depth == 0:
                start = pos
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                regions.append((start, lower.find('>', pos) + 1 or len(text)))
    if depth > 0:
        regions.append((start, len(text)))
    return regions


def _overlaps(regions: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in regions)


def _find_tables(text: str, code: Wikicode) -> list[_Found]:
    """Top-level tables (parsed or broken), in page order."""
    found: list[_Found] = []
    unparsed: list[tuple[int, str | None]] = []
    section: list[str | None] = [None]

    def walk(wikicode: Wikicode, start: int, in_translate: bool) -> None:
        for node, a, b in iter_offsets(wikicode, start):
            if isinstance(node, Tag):
                if node.wiki_markup == '{|':
                    found.append(_Found(a, b, node, in_translate, section[0]))
                elif node.contents is not None and not node.self_closing \
                        and tag_name(node) not in _OPAQUE:
                    walk(node.contents, a + content_offset(node),
                         in_translate or tag_name(node) == 'translate')
            elif isinstance(node, Text):
                value = node.value
                pos = value.find('{|')
                while pos != -1:
                    if at_line_start(text, a + pos, ' \t:'):  # MediaWiki: only ':' may indent
                        unparsed.append((a + pos, section[0]))
                    pos = value.find('{|', pos + 2)
            elif isinstance(node, Heading):
                section[0] = plain_text(node.title).strip() or None

    walk(code, 0, False)
    for pos, sec in unparsed:
        if any(f.start <= pos < f.end for f in found):
            continue
        sub = mwparserfromhell.parse(text[pos:])
        first = sub.nodes[0] if sub.nodes else None
        if isinstance(first, Tag) and first.wiki_markup == '{|':
            found.append(_Found(pos, pos + node_length(first), first, False, sec))
        else:
            found.append(_Found(pos, pos + 2, None, False, sec))
    found.sort(key=lambda f: f.start)
    result: list[_Found] = []
    broken_seen = False
    for item in found:
        if any(r.start <= item.start < r.end for r in result if r.node is not None):
            continue  # nested inside a re-parsed (indented) table
        if item.node is None:
            if broken_seen:
                continue
            broken_seen = True
        result.append(item)
    return result


# --- reading one table ---------------------------------------------------------

class _Reader:
    """Reads one table into a ParsedTable."""

    def __init__(self, page_text: str, lines: Lines, lang: str, aliases: Aliases,
                 templates: dict[str, str], translate: list[tuple[int, int]]) -> None:
        self.text = page_text
        self.lines = lines
        self.lang = lang
        self.aliases = aliases
        self.templates = templates
        self.translate = translate
        self._people: dict[int, names.CellPeople] = {}
        self._wikis: dict[int, wikis.CellValues] = {}
        self._langs: dict[int, wikis.CellValues] = {}

    def cell(self, node: Tag, start: int, end: int) -> Cell:
        content_start = start + content_offset(node)
        markup_end = start + len(node.wiki_markup or '')
        if node.wiki_style_separator and '[[' in self.text[markup_end:content_start]:
            # MediaWiki splits a cell at its first '|' only when no '[[' precedes it.
            return Cell(node=node, start=start, end=end, content_start=markup_end,
                        header=tag_name(node) == 'th', rowspan=1, colspan=1,
                        line=self.lines(start),
                        own_contents=mwparserfromhell.parse(self.text[markup_end:end]))
        rowspan = _attr(node, 'rowspan') if node.attributes else None
        return Cell(node=node, start=start, end=end, content_start=content_start,
                    header=tag_name(node) == 'th',
                    # rowspan="0" spans to the end of the table (HTML).
                    rowspan=_MAX_ROWSPAN if rowspan is not None and rowspan.strip() == '0'
                    else max(_int_attr(node, 'rowspan', _MAX_ROWSPAN), 1),
                    colspan=max(_int_attr(node, 'colspan', _MAX_SPAN), 1),
                    line=self.lines(start))

    def rows(self, table: Tag, start: int) -> list[tuple[list[Cell], int, int]]:
        """``(cells, row start, row end)`` for every row, the implicit first one included."""
        out: list[tuple[list[Cell], int, int]] = []
        pending: list[Cell] = []
        pending_start = -1
        for node, a, b in iter_offsets(table.contents, start + content_offset(table)):
            if isinstance(node, Tag) and tag_name(node) in ('td', 'th') and node.wiki_markup:
                if _is_caption(node):
                    continue
                if pending_start < 0:
                    pending_start = a
                pending.append(self.cell(node, a, b))
            elif isinstance(node, Tag) and node.wiki_markup == '|-':
                if pending:
                    out.append((pending, pending_start, a))
                    pending, pending_start = [], -1
                cells = []
                for child, ca, cb in iter_offsets(node.contents, a + content_offset(node)):
                    if isinstance(child, Tag) and tag_name(child) in ('td', 'th') \
                            and child.wiki_markup and not _is_caption(child):
                        cells.append(self.cell(child, ca, cb))
                out.append((cells, a, b))
        if pending:
            out.append((pending, pending_start, pending[-1].end))
        return out

    def people(self, cell: Cell) -> names.CellPeople:
        key = id(cell.node)
        if key not in self._people:
            self._people[key] = names.scan_cell(cell.contents, self.lang,
                                                templates=self.templates)
        return self._people[key]

    def wikis_of(self, cell: Cell) -> wikis.CellValues:
        key = id(cell.node)
        if key not in self._wikis:
            self._wikis[key] = wikis.find_wikis(cell.contents)
        return self._wikis[key]

    def langs_of(self, cell: Cell) -> wikis.CellValues:
        key = id(cell.node)
        if key not in self._langs:
            self._langs[key] = wikis.find_languages(cell.contents)
        return self._langs[key]

    def read(self, found: _Found, index: int) -> ParsedTable:
        table = ParsedTable(index=index, start=found.start, end=found.end,
                            line=self.lines(found.start), node=found.node,
                            section=found.section)
        label = f'table {index}'
        if found.node is None:
            table.broken = True
            table.errors.append(TableProblem(
                table.line, f"{label}: '{{|' at line {table.line} has no matching '|}}' "
                            '(unclosed table)'))
            return table
        table.in_translate = found.in_translate or _overlaps(
            self.translate, found.start, found.start + 2)
        rows = self.rows(found.node, found.start)
        grid_ok = self.grid(table, rows, label)
        self.headers(table, rows, label)
        if grid_ok:
            self.content_columns(table, rows, label)
        self.settle_columns(table)
        if not grid_ok:
            table.broken = True
            return table
        if table.columns.get('user') is None:
            table.broken = True
            heads = ', '.join(repr(c.text().strip()) for r in table.header_rows for c in r)
            table.errors.append(TableProblem(
                table.line, f'{label}: no user column '
                            f"(headers: {heads or 'none'})"))
            return table
        stray = None
        if self.text.find('{|', found.start + 2, found.end) != -1:
            stray = _has_unparsed_table(self.text, found.node.contents,
                                        found.start + content_offset(found.node))
        if stray is not None:
            table.broken = True
            table.errors.append(TableProblem(
                self.lines(stray), f"{label}: the nested '{{|' at line {self.lines(stray)} "
                                   "has no matching '|}'"))
            return table
        self.data_rows(table, rows, label)
        row_templates = [TableProblem(
            self.lines(at), f'{label} line {self.lines(at)}: {_template_label(node)} at the '
                            'start of a line may produce table rows; they are not read')
            for node, at in _row_level_templates(found.node, found.start, self.text)]
        if row_templates:
            table.errors = sorted(table.errors + row_templates, key=lambda p: p.line)
        if table.in_translate:
            table.errors.insert(0, TableProblem(
                table.line, f'{label}: inside <translate>; status cells are never written'))
        return table

    def grid(self, table: ParsedTable, rows: list[tuple[list[Cell], int, int]],
             label: str) -> bool:
        """Place cells on the grid (HTML table model); False on overlapping spans."""
        occupied: dict[tuple[int, int], Cell] = {}
        by_row: list[dict[int, Cell]] = [{} for _ in rows]
        width = 0
        for r, (cells, _a, _b) in enumerate(rows):
            col = 0
            for cell in cells:
                while (r, col) in occupied:
                    col += 1
                cell.row, cell.col = r, col
                for dc in range(cell.colspan):
                    if (r, col + dc) in occupied:
                        other = occupied[r, col + dc]
                        table.errors.append(TableProblem(
                            cell.line, f'{label}: the cell at line {cell.line} overlaps the '
                                       f'rowspan of the cell at line {other.line}'))
                        return False
                for dr in range(min(cell.rowspan, len(rows) - r)):
                    for dc in range(cell.colspan):
                        occupied[r + dr, col + dc] = cell
                        by_row[r + dr][col + dc] = cell
                col += cell.colspan
                width = max(width, col)
        self.by_row = by_row
        return True

    def headers(self, table: ParsedTable, rows: list[tuple[list[Cell], int, int]],
                label: str) -> None:
        header_rows: list[int] = []
        width = 0
        for r, (cells, _a, _b) in enumerate(rows):
            if not cells:
                continue
            if all(c.header for c in cells) and not (header_rows and self._names_people(cells)):
                if header_rows and len(cells) == 1 and cells[0].colspan >= width:
                    break  # spans the table: a subheading ("Wikipedia"), not a header
                header_rows.append(r)
                width = max([width] + [c.col + c.colspan for c in cells])
                continue
            break
        self.header_count = (header_rows[-1] + 1) if header_rows else 0
        table.header_rows = [rows[r][0] for r in header_rows]
        width = 0
        for cells in table.header_rows:
            for cell in cells:
                width = max(width, cell.col + cell.colspan)
        table.ncols = width
        exact: dict[str, list[Cell]] = {role: [] for role in ROLES}
        loose: dict[str, list[Cell]] = {role: [] for role in ROLES}
        order = [c for cells in table.header_rows for c in cells]
        matches = {id(c): self.aliases.match(c.text()) for c in order}
        for cell in order:
            ex, lo = matches[id(cell)]
            if _names_date(cell.text()):
                ex, lo = ex - {'status'}, lo - {'status'}
            for role in ex:
                exact[role].append(cell)
            if not ex and len(lo) == 1:
                loose[next(iter(lo))].append(cell)
        taken: list[tuple[int, int]] = []

        def free(cell: Cell) -> bool:
            """Two roles never share a column."""
            return all(cell.col + cell.colspan <= a or b <= cell.col for a, b in taken)

        for role in ('user', 'wiki', 'language', 'status'):
            chosen = next((c for c in exact[role] if free(c)), None)
            if chosen is None:
                chosen = next((c for c in loose[role] if free(c)), None)
            if chosen is not None:
                taken.append((chosen.col, chosen.col + chosen.colspan))
                table.spans[role] = (chosen.col, chosen.col + chosen.colspan)
        table.columns_by = {role: 'header' for role in table.spans}

    def settle_columns(self, table: ParsedTable) -> None:
        """Column positions and the table's kind from the roles' spans."""
        table.columns = {role: table.spans[role][0] if role in table.spans else None
                         for role in ROLES}
        if table.columns['wiki'] is not None:
            table.kind = 'ambassadors'
        elif table.columns['language'] is not None:
            table.kind = 'translators'
        else:
            table.kind = 'unknown'

    def content_columns(self, table: ParsedTable, rows: list[tuple[list[Cell], int, int]],
                        label: str) -> None:
        """Find columns by what their cells hold when the headers do not decide.

        When no header names the user column (headers in a language the
        aliases do not know, or no header row), the user column is the one
        whose cells name people in most body rows; when the header's user
        column does not name people in most rows but another column does,
        the content wins. Either is warned about when headers named other
        roles (header and content disagree). A table with no column of user
        links stays not a sign-up table. Then, only for a table whose user column was found so,
        the wiki and language columns are the free ones whose cells resolve
        to wikis or languages in most rows (a column of language names or
        codes is a language column).
        """
        body = [self.by_row[r] for r in range(self.header_count, len(rows))
                if rows[r][0] and not (len(rows[r][0]) == 1 and rows[r][0][0].colspan > 1)
                and not (all(c.header for c in rows[r][0])
                         and not self._names_people(rows[r][0]))]
        if not body:
            return
        width = max(col + 1 for grid in body for col in grid)

        def rows_where(col: int, test: Callable[[Cell], bool]) -> int:
            return sum(1 for grid in body if col in grid and test(grid[col]))

        def names_people(cell: Cell) -> bool:
            found = self.people(cell)
            return bool(found.people or found.unresolved or found.withdrawn)

        majority = len(body) // 2 + 1
        header = table.spans.get('user')
        if header is not None and rows_where(header[0], names_people) >= majority:
            return
        counts = [rows_where(col, names_people) for col in range(width)]
        best = max(range(width), key=lambda col: (counts[col], -col))
        if counts[best] < majority:
            return
        cell = next(grid[best] for grid in body if best in grid)
        span = (cell.col, cell.col + cell.colspan)
        if header is not None:
            table.errors.append(TableProblem(table.line, (
                f'{label}: the header names column {header[0]} as the user column, but the '
                f'user links are in column {span[0]}; read by content')))
        elif table.spans:
            table.errors.append(TableProblem(table.line, (
                f'{label}: no header names the user column, but column {span[0]} holds user '
                'links; read by content')))
        for role, other in list(table.spans.items()):
            if role != 'user' and other[0] < span[1] and span[0] < other[1]:
                del table.spans[role]
                table.columns_by.pop(role, None)
        table.spans['user'] = span
        table.columns_by['user'] = 'content'
        for role, values in (('language', self.langs_of), ('wiki', self.wikis_of)):
            if role in table.spans:
                continue
            taken = list(table.spans.values())
            found = None
            for col in range(width):
                if any(a <= col < b for a, b in taken):
                    continue
                resolved = rows_where(col, lambda c, values=values: bool(  # type: ignore[misc]
                    values(c).values) and not values(c).unresolved)
                if resolved >= majority and (found is None or resolved > found[1]):
                    found = (col, resolved)
            if found is not None:
                cell = next(grid[found[0]] for grid in body if found[0] in grid)
                table.spans[role] = (cell.col, cell.col + cell.colspan)
                table.columns_by[role] = 'content'

    def data_rows(self, table: ParsedTable, rows: list[tuple[list[Cell], int, int]],
                  label: str) -> None:
        status_cells: dict[int, StatusCell] = {}
        seen: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[int, int]] = {}
        for r in range(self.header_count, len(rows)):
            cells, _a, row_end = rows[r]
            grid = self.by_row[r]
            kind = self.row_kind(table, cells, grid)  # judged with every cell reaching it
            table.all_rows.append((cells, row_end, kind))
            if kind != 'data':
                continue
            self.data_row(table, r, cells, grid, row_end, status_cells, seen, label)
        # A status cell shared by several rows (rowspan): spans without
        # data-user are matched against everyone in the cell, as render does.
        for cell in status_cells.values():
            if len(cell.rows) < 2:
                continue
            users = [u for i in cell.rows for u in table.rows[i].row.users]
            for i in cell.rows:
                data = table.rows[i]
                statuses = tuple(_status_of(span_for(u, users, cell.spans))
                                 for u in data.row.users)
                data.row = dataclasses.replace(data.row, statuses=statuses)

    def row_kind(self, table: ParsedTable, cells: list[Cell], grid: dict[int, Cell]) -> str:
        """``empty``, ``subheading`` (only ``!`` cells), ``note`` (one cell spanning
        several columns) or ``data``."""
        if not cells:
            return 'empty'
        if all(c.header for c in cells) and not self._names_people(cells):
            return 'subheading'
        if len(cells) == 1 and cells[0].colspan > 1:
            return 'note'
        # The status column does not count: the bot's own writing there must
        # never turn a blank row into a data row.
        start, stop = table.spans.get('status', (-1, -1))
        if all(self._blank(c) for c in _distinct(grid.values())
               if not start <= c.col < stop):
            return 'empty'
        return 'data'

    def _names_people(self, cells: list[Cell]) -> bool:
        """True when a row of ``!`` cells lists people (a table written with ``!`` only)."""
        return any(self.people(c).people or self.people(c).unresolved for c in cells)

    @staticmethod
    def _blank(cell: Cell) -> bool:
        for node in cell.contents.nodes:
            if isinstance(node, Comment):
                continue
            if isinstance(node, Text) and not node.value.strip():
                continue
            if isinstance(node, HTMLEntity) and not node.normalize().strip():
                continue
            return False
        return True

    def data_row(self, table: ParsedTable, r: int, cells: list[Cell], grid: dict[int, Cell],
                 row_end: int, status_cells: dict[int, StatusCell],
                 seen: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[int, int]],
                 label: str) -> None:
        line = cells[0].line
        where = f'{label} line {line}'
        errors: list[str] = []
        unresolved: list[str] = []
        broken = False
        if table.ncols and any(c.col + c.colspan > table.ncols for c in cells):
            broken = True
            count = sum(c.colspan for c in cells)
            errors.append(f'{where}: the row has cells beyond the header\'s {table.ncols} '
                          f'columns ({count} cells); not written')
        users: list[str] = []
        start, stop = table.spans['user']
        user_cells = _distinct(grid.get(c) for c in range(start, stop))
        if not user_cells:
            errors.append(f'{where}: the row has no user cell')
        for cell in user_cells:
            if _holds_table(cell):
                errors.append(f'{where}: the user cell holds a nested table; it is not read')
            found = self.people(cell)
            for name in found.names:
                if name not in users:
                    users.append(name)
            for raw in found.unresolved:
                unresolved.append(raw)
                errors.append(f'{where}: cannot read the user name in {_short(raw)}')
            for name in found.withdrawn:
                errors.append(f'{where}: {_short(name, 80)} is struck out (withdrawn); '
                              'not listed')
            if found.people or found.unresolved or found.withdrawn:
                continue
            if self._blank(cell):
                errors.append(f'{where}: the user cell is empty')
            else:
                errors.append(f'{where}: no user link or user template in '
                              f'{_short(cell.text().strip() or str(cell.contents).strip())}')
        for name in users:
            reason = names.invalid_reason(name)
            if reason:
                errors.append(f'{where}: invalid user name {_short(name, 80)} ({reason})')
        row_wikis: list[str] = []
        if 'wiki' in table.spans:
            start, stop = table.spans['wiki']
            for cell in _distinct(grid.get(c) for c in range(start, stop)):
                values = self.wikis_of(cell)
                row_wikis.extend(v for v in values.values if v not in row_wikis)
                for raw in values.unresolved:
                    unresolved.append(raw)
                    errors.append(f'{where}: unknown wiki {_short(raw)}')
            if not row_wikis and not any(e for e in errors if 'unknown wiki' in e):
                errors.append(f'{where}: no wiki given')
        languages: list[str] = []
        if 'language' in table.spans:
            start, stop = table.spans['language']
            for cell in _distinct(grid.get(c) for c in range(start, stop)):
                values = self.langs_of(cell)
                languages.extend(v for v in values.values if v not in languages)
                for raw in values.unresolved:
                    errors.append(f'{where}: unknown language {_short(raw)}')
        status: StatusCell | None = None
        in_translate = False
        manual = False
        if 'status' in table.spans:
            cell = grid.get(table.spans['status'][0])
            if cell is None:
                errors.append(f'{where}: the row has no status cell')
            else:
                status = status_cells.get(id(cell.node))
                if status is None:
                    status = self.status_cell(cell)
                    status_cells[id(cell.node)] = status
                status.rows.append(len(table.rows))
                in_translate = status.in_translate or table.in_translate
                manual = status.manual
                if status.in_translate and not table.in_translate:
                    errors.append(f'{where}: the status cell is inside <translate>; '
                                  'never written')
                if status.blocked:
                    errors.append(f'{where}: {status.blocked}')
        row_templates = self.row_templates(grid, status)
        errors.extend(f'{where}: {message}' for message in row_templates)
        statuses = _statuses(users, status.spans if status else [])
        key = (tuple(users), tuple(row_wikis) + tuple(languages))
        if users and key in seen and seen[key][1] != id(user_cells[0]):
            # (the same rowspan cell reaching the next row is no duplicate)
            errors.append(f'{where}: duplicate of the row at line {seen[key][0]}')
        elif users and key not in seen:
            seen[key] = (line, id(user_cells[0]))
        manual_users = tuple(u for u in users for s in (status.spans if status else [])
                             if s.manual and s.user == u)
        row = Row(line=line, users=tuple(users), statuses=tuple(statuses),
                  wikis=tuple(row_wikis), languages=tuple(languages),
                  unresolved=tuple(unresolved), manual=manual, in_translate=in_translate,
                  manual_users=manual_users, broken=broken)
        skip = None
        if broken:
            skip = 'cells beyond the header'
        elif unresolved:
            skip = 'unresolved ' + ', '.join(_short(u) for u in unresolved)
        elif row_templates:
            skip = row_templates[0]
        table.errors.extend(TableProblem(line, message) for message in errors)
        table.rows.append(RowData(row=row, cells=cells, grid=grid, status=status, end=cells[-1].end,
                                  skip=skip))

    def row_templates(self, grid: dict[int, Cell], status: StatusCell | None) -> list[str]:
        """Templates (other than user templates) at the start of a line in the
        row's other cells: their output may start new rows, and the status cell
        would then render in the last of them, against someone else."""
        found: list[str] = []
        for cell in _distinct(grid.values()):
            if status is not None and cell is status.cell:
                continue
            for node, at in _line_start_templates(cell.contents, cell.content_start, self.text):
                if names.template_key(str(node.name)) in self.templates:
                    continue
                found.append(f'{_template_label(node)} at the start of line {self.lines(at)} '
                             'may produce table rows; the row is not written')
        return found

    def status_cell(self, cell: Cell) -> StatusCell:
        spans: list[Span] = []
        manual = False
        blocked = None
        pending_marker = False
        marker_at = -1

        def walk(code: Wikicode, start: int) -> None:
            nonlocal manual, pending_marker, blocked, marker_at
            for node, a, b in iter_offsets(code, start):
                if isinstance(node, Comment):
                    if _MANUAL.match(node.contents):
                        if pending_marker:
                            manual = True
                        pending_marker = True
                        marker_at = a
                    continue
                if isinstance(node, Text) and not node.value.strip():
                    continue
                if isinstance(node, Tag) and not node.wiki_markup \
                        and tag_name(node) == 'span' and _is_bot_span(node):
                    if _MANUAL_COMMENT.search(self.text, a, b):
                        manual = True  # a marker inside the bot's span keeps the cell
                    user = _attr(node, 'data-user')
                    spans.append(Span(a, b, self.text[a:b],
                                      names.normalize_name(user) if user else None,
                                      (_attr(node, 'data-status') or '').strip() or None,
                                      manual=pending_marker,
                                      anchor=marker_at if pending_marker else a))
                    pending_marker = False
                    continue
                if pending_marker:
                    manual = True
                    pending_marker = False
                if isinstance(node, Template) and at_line_start(self.text, a):
                    # Its output may start new rows: a span written after it
                    # would show in the last of them, against someone else.
                    blocked = blocked or (
                        f'the status cell holds {_template_label(node)} at the start of '
                        f'line {self.lines(a)}, which may produce table rows; never written')
                    continue
                if isinstance(node, Tag):
                    if node.wiki_markup == '{|':
                        blocked = 'the status cell holds a nested table; never written'
                        continue
                    if node.contents is not None and not node.self_closing \
                            and tag_name(node) not in _OPAQUE:
                        walk(node.contents, a + content_offset(node))

        walk(cell.contents, cell.content_start)
        if pending_marker:
            manual = True
        in_translate = _overlaps(self.translate, cell.start, cell.end)
        return StatusCell(cell=cell, spans=spans, manual=manual, in_translate=in_translate,
                          insert_at=insert_point(cell), blocked=blocked)


def _template_label(node: Template) -> str:
    name = ' '.join(str(node.name).split())
    return '{{' + (name if len(name) <= 40 else name[:39] + '…') + '}}'


def _line_start_templates(code: Wikicode, start: int, text: str
                          ) -> Iterator[tuple[Template, int]]:
    """Templates at the start of a line in a cell (also inside its tags)."""
    for node, a, _b in iter_offsets(code, start):
        if isinstance(node, Template):
            if at_line_start(text, a):
                yield node, a
        elif isinstance(node, Tag) and node.contents is not None and not node.self_closing \
                and node.wiki_markup != '{|' and tag_name(node) not in _OPAQUE:
            yield from _line_start_templates(node.contents, a + content_offset(node), text)


def _row_level_templates(table: Tag, start: int, text: str) -> Iterator[tuple[Template, int]]:
    """Templates at the start of a line between rows or in header cells: their
    output may be table rows, which cannot be read from the page's wikitext."""
    def scan(code: Wikicode, offset: int, depth: int) -> Iterator[tuple[Template, int]]:
        for node, a, _b in iter_offsets(code, offset):
            if isinstance(node, Template):
                if at_line_start(text, a):
                    yield node, a
            elif isinstance(node, Tag) and node.wiki_markup and depth < 2 and (
                    node.wiki_markup == '|-' or tag_name(node) == 'th'):
                yield from scan(node.contents, a + content_offset(node), depth + 1)

    yield from scan(table.contents, start + content_offset(table), 0)


def _holds_table(cell: Cell) -> bool:
    return any(isinstance(n, Tag) and n.wiki_markup == '{|' for n in cell.contents.nodes)


def _is_bot_span(tag: Tag) -> bool:
    classes = _attr(tag, 'class')
    return classes is not None and SPAN_CLASS in classes.split()


def insert_point(cell: Cell) -> int:
    """End of the cell's meaningful content: before trailing blanks and comments,
    and before an unclosed ``<!--`` (MediaWiki hides the rest of the page)."""
    nodes = list(iter_offsets(cell.contents, cell.content_start))
    limit = cell.end
    for node, a, _b in nodes:
        cut = node.value.find('<!--') if isinstance(node, Text) else -1
        if cut != -1:  # a closed comment would be a Comment node
            limit = a + cut
            break
    for node, a, b in reversed(nodes):
        if a >= limit or isinstance(node, Comment):
            continue
        if isinstance(node, Text):
            stripped = node.value[:limit - a].rstrip()
            if not stripped:
                continue
            return a + len(stripped)
        return b
    return _blank_insert(cell)


def _blank_insert(cell: Cell) -> int:
    """Blank cell: after the leading spaces of the first line."""
    text = str(cell.contents)
    i = 0
    while i < len(text) and text[i] in ' \t':
        i += 1
    return cell.content_start + i


def _status_of(span: Span | None) -> str | None:
    """The span's status when it is a known value."""
    return span.status if span is not None and span.status in _STATUS_VALUES else None


def _statuses(users: list[str], spans: list[Span]) -> list[str | None]:
    """The status in each user's span (valid values only), see :func:`span_for`."""
    return [_status_of(span_for(user, users, spans)) for user in users]


def span_for(user: str, users: list[str], spans: list[Span]) -> Span | None:
    """The span that holds ``user``'s status (same rule as the statuses)."""
    by_user = {s.user: s for s in reversed(spans) if s.user is not None}
    if user in by_user:
        return by_user[user]
    unnamed = [s for s in spans if s.user is None]
    waiting = [u for u in users if u not in by_user]
    if user in waiting and waiting.index(user) < len(unnamed):
        return unnamed[waiting.index(user)]
    return None


def _distinct(cells: Iterable[Cell | None]) -> list[Cell]:
    out: list[Cell] = []
    for cell in cells:
        if cell is not None and all(cell is not c for c in out):
            out.append(cell)
    return out


def _short(text: str, limit: int = 60) -> str:
    text = ' '.join(text.split())
    return repr(text if len(text) <= limit else text[:limit - 1] + '…')


# --- public API ----------------------------------------------------------------

_CACHE: dict[tuple[Any, ...], Page] = {}
_CACHE_SIZE = 2


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_freeze(v) for v in value)
    return value


def analyse(text: str, lang: str = 'en', *, aliases: Mapping[str, Any] | None = None,
            user_templates: Iterable[str] | Mapping[str, str] | None = None) -> Page:
    """Parse a page once (cached for the last few texts) into the internal model.

    Shared by :func:`parse_page` and :mod:`techroles.render`, so reading a page
    and then rewriting it parses it only once.
    """
    key = (text, lang, _freeze(aliases), _freeze(user_templates))
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    # The parse allocates ~50 objects per row that all stay alive; the cyclic
    # garbage collector would scan them again and again (~20 % of the time).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        code = mwparserfromhell.parse(text)
        lines = Lines(text)
        reader = _Reader(text, lines, lang, Aliases(aliases),
                         names.template_table(user_templates), _translate_regions(text))
        tables = [reader.read(found, i) for i, found in enumerate(_find_tables(text, code))]
    finally:
        if gc_was_enabled:
            gc.enable()
    page = Page(text=text, tables=tables, lines=lines)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = page
    return page


def parse_page(text: str, lang: str = 'en', *, aliases: Mapping[str, Any] | None = None,
               user_templates: Iterable[str] | Mapping[str, str] | None = None
               ) -> list[SignupTable]:
    """Every top-level table of a page as a :class:`SignupTable` (see the module rules).

    ``lang`` is the content language of the page's wiki. ``aliases`` adds
    header aliases, either by role (``{'user': ['Mitarbeiter']}``) or by
    language then role. ``user_templates`` adds templates that name people
    (a list, or a mapping to ``'one'``/``'all'``).
    """
    page = analyse(text, lang, aliases=aliases, user_templates=user_templates)
    return [table.public() for table in page.tables]


def to_json(tables: Iterable[SignupTable]) -> dict[str, Any]:
    """The stable ``techroles parse`` contract (issue 3), exactly these keys."""
    return {'tables': [
        {
            'index': table.index,
            'kind': table.kind,
            'columns': {role: table.columns.get(role) for role in ROLES},
            'columns_by': {role: getattr(table, 'columns_by', {}).get(role) for role in ROLES},
            'rows': [{'line': row.line, 'users': list(row.users),
                      'statuses': list(row.statuses), 'wikis': list(row.wikis),
                      'languages': list(row.languages)} for row in table.rows],
            'errors': [{'line': e.line, 'message': e.message} for e in table.errors],
        }
        for table in tables
    ]}
