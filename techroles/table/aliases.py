"""Header aliases: which header text names which column role, in any language.

Header text is compared after folding case, punctuation and spaces; an exact
match beats a word (or, in CJK scripts, substring) match. All languages are
tried on every page, and the User namespace's localized names, aliases and
gender forms (``techroles/data/namespaces.json``) name the user column too.
A header naming a date or time is never the status column.
"""
from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from techroles import names
from techroles.table.parts import ROLES


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


def names_date(header: str) -> bool:
    """True when a header names a date or time ("Last active", "Active since")."""
    key = _fold_header(header)
    return bool(_DATE_WORDS.intersection(key.split())) or any(w in key for w in _DATE_CJK)

