"""Recognising and normalising people (techroles.names)."""
from __future__ import annotations

import pytest

from techroles import names
from techroles.names import (
    find_people,
    invalid_reason,
    is_valid_name,
    normalize_name,
    parse_user_title,
    scan_cell,
    template_table,
    ucfirst,
)


pytestmark = pytest.mark.unit


@pytest.mark.parametrize(('raw', 'expected'), [
    ('plain', 'Plain'),
    ('under_score_name', 'Under score name'),
    ('  lots   of\tspace ', 'Lots of space'),
    ('\u200eMarked\u200f', 'Marked'),
    ('\u202aEmbedded\u202c', 'Embedded'),
    ('\u2066Isolated\u2069', 'Isolated'),
    ('Non&nbsp;breaking', 'Non breaking'),
    ('A&#95;B', 'A B'),
    ('A&amp;B', 'A&B'),
    ('Ideographic\u3000space', 'Ideographic space'),
    ('äpfel', 'Äpfel'),
    ('ωμέγα', 'Ωμέγα'),
    ('иван', 'Иван'),
    ('ǆ', 'ǅ'),  # Wikimedia takes the title case
    ('مستخدم', 'مستخدم'),
    ('山の風', '山の風'),
    ('e\u0301cole', 'École'),  # NFC
    ('', ''),
])
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


def test_ucfirst_turkic() -> None:
    assert ucfirst('istanbul', 'tr') == 'İstanbul'
    assert ucfirst('istanbul', 'az') == 'İstanbul'
    assert ucfirst('istanbul') == 'Istanbul'


@pytest.mark.parametrize(('name', 'reason'), [
    ('Fine Name', None),
    ('Café Crème', None),
    ('A:B', None),  # an unknown prefix is part of the name
    ('', 'empty name'),
    ('127.0.0.1', 'an IP address'),
    ('10.0.0.xxx', 'an IP address'),
    ('2001:db8::1', 'an IP address'),
    ('A/B', "contains '/'"),
    ('A' * 256, 'longer than 255 bytes'),
    ('é' * 128, 'longer than 255 bytes'),
    ('lower', 'not in normal form'),
    ('Two  spaces', 'not in normal form'),
    ('Hash#tag', "contains '#'"),
    ('Angle<b>', "contains '<'"),
    ('Pipe|x', "contains '|'"),
    ('Brace{x', "contains '{'"),
    ('Percent%41', "contains '%41'"),
    ('Sig~~~', 'not a valid title'),
    ('..', 'not a valid title'),
    ('User:Other', "starts with the prefix 'User'"),
    ('Fr:Thing', "starts with the prefix 'Fr'"),
    ('Zero\u200bwidth', 'contains an invisible or private-use character'),
    ('Private\ue000use', 'contains an invisible or private-use character'),
])
def test_invalid_reason(name: str, reason: str | None) -> None:
    assert invalid_reason(name) == reason
    assert is_valid_name(name) is (reason is None)


@pytest.mark.parametrize(('target', 'expected'), [
    ('User:X', ('X', 'user')),
    ('user talk:X', ('X', 'user_talk')),
    (':fr:Utilisateur:X', ('X', 'user')),
    ('m:User:X', ('X', 'user')),
    ('w:de:Benutzerin:X', ('X', 'user')),
    ('wikt:fr:Discussion utilisatrice:X', ('X', 'user_talk')),
    ('Special:Contributions/X', ('X', 'contributions')),
    ('Spécial:Contributions/X', ('X', 'contributions')),
    ('Special:Contributions', None),
    ('Special:Preferences/X', None),
    ('User:X/sub/page', ('X', 'user')),
    ('User:X#frag', ('X', 'user')),
    ('User:Foo%20Bar', ('Foo Bar', 'user')),
    ('Main Page', None),
    ('Project:User:X', None),
    (':fr:', None),
    ('Wikipedia:Village pump', None),
])
def test_parse_user_title(target: str, expected: tuple[str, str] | None) -> None:
    assert parse_user_title(target) == expected


@pytest.mark.parametrize(('cell', 'expected'), [
    ('[[User:A]], [[User:B]]', ['A', 'B']),
    ('[[User:A|a]] ([[User talk:A|talk]] · [[Special:Contributions/A|c]]) 10:00, 1 May 2020 (UTC)',
     ['A']),
    ('{{ping|A|B|C}}', ['A', 'B', 'C']),
    ('{{u|A}}{{u|A}}', ['A']),
    ('Just a name', []),
    ('<!-- [[User:Hidden]] -->', []),
    ('<ref>[[User:Cited]]</ref>', []),
    ('<nowiki>[[User:Escaped]]</nowiki>', []),
    ("'''[[User:Bold]]'''", ['Bold']),
    ('<s>[[User:Struck]]</s>', []),  # struck out: withdrawn
    ('{{small|[[User:Inner]]}}', ['Inner']),
    ('[https://fr.wikipedia.org/wiki/Utilisateur:Par_Url x]', ['Par Url']),
    ('[//meta.wikimedia.org/wiki/Special:Contributions/Relative rel]', ['Relative']),
    ('[https://example.org/ not a wiki]', []),
    ('{|\n| [[User:In Nested Table]]\n|}', []),
])
def test_find_people(cell: str, expected: list[str]) -> None:
    assert find_people(cell) == expected


def test_unresolved_forms() -> None:
    found = scan_cell('[[User:{{PAGENAME}}]] {{u|{{{1}}}}} {{u|<b>x</b>}} [[User:Ok]]')
    assert found.names == ['Ok']
    assert found.unresolved == ('[[User:{{PAGENAME}}]]', '{{u|{{{1}}}}}', '{{u|<b>x</b>}}')


def test_template_table_configuration() -> None:
    table = template_table({'botschafter': 'all', 'Template:Amb_link': 'one'})
    assert table['Botschafter'] == 'all'
    assert table['Amb link'] == 'one'
    assert table['U'] == 'one'
    assert find_people('{{Botschafter|A|B}}', user_templates={'Botschafter': 'all'}) == ['A', 'B']
    assert find_people('{{Botschafter|A|B}}', user_templates=['Botschafter']) == ['A']
    assert find_people('{{botschafter|A}}') == []


def test_every_language_user_namespace_is_known() -> None:
    known = set(names.iter_person_forms())
    for form in ('user', 'user talk', 'benutzer', 'benutzerin', 'utilisatrice',
                 'discussion utilisateur', 'usuario', 'usuaria', 'مستخدم', 'مستخدمة',
                 'участник', 'участница', 'użytkownik', 'użytkowniczka', '利用者', '用户',
                 'משתמש', 'משתמשת', 'kullanıcı', 'gebruiker', 'utente', 'utilizador',
                 'користувач', 'користувачка', 'کاربر', 'सदस्य', '사용자', 'ผู้ใช้'):
        assert form in known, form
    assert len(known) > 600


def test_localized_and_gender_forms_in_cells() -> None:
    cells = ['[[Benutzerin:A]]', '[[Utilisatrice:A]]', '[[Usuaria:A]]', '[[Участница:A]]',
             '[[Користувачка:A]]', '[[Discussion utilisatrice:A]]', '[[Benutzerin Diskussion:A]]',
             '[[Spezial:Beiträge/A]]', '[[Служебная:Вклад/A]]', '[[خاص:مساهمات/A]]',
             '[[特別:投稿記録/A]]']
    for cell in cells:
        assert find_people(cell) == ['A'], cell


def test_first_letter_overrides_follow_wikimedia() -> None:
    """Wikimedia's override first, else PHP's title case (here: only ``ǆ`` changes)."""
    from tools.generate_data import WMF_UCFIRST_OVERRIDES, first_letter_overrides

    overrides = first_letter_overrides({'ǆ': 'ǅ', 'é': 'É'}, WMF_UCFIRST_OVERRIDES)
    assert overrides['ß'] == 'ß' and overrides['ǆ'] == 'ǅ'
    assert overrides['ნ'] == 'ნ'       # no title case given: the letter stays
    assert 'é' not in overrides         # title case equals str.upper: no override


@pytest.mark.parametrize(('raw', 'expected'), [
    ('ნიკა', 'ნიკა'), ('ßa', 'ßa'), ('ǆemal', 'ǅemal'), ('Rock&reggae', 'Rock&reggae'),
    ('Dollar&cents', 'Dollar&cents'), ('A&amp;B', 'A&B'), ('X&#95;y', 'X y'),
    ('Bad&#xD800;ref', 'Bad\ufffdref'), ('&unknownname;x', '&unknownname;x'),
])
def test_names_as_wikimedia_normalises_them(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected
