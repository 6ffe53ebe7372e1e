"""Message files and message functions (techroles.i18n)."""
from __future__ import annotations

import json
import re
from datetime import date
from importlib import resources

import pytest

from techroles import i18n
from techroles.i18n import (
    LABEL_PARAMS,
    direction,
    edit_summary,
    fallback_chain,
    format_list,
    message,
    percent,
    plural_form,
    status_label,
)
from techroles.model import Decision, Status
from techroles.policy import SIGNALS


pytestmark = pytest.mark.unit

COMPLETE = ('en', 'fr', 'ar')


def load(lang: str) -> dict[str, str]:
    text = resources.files('techroles.i18n').joinpath(f'{lang}.json').read_text('utf-8')
    return json.loads(text)


def messages(lang: str) -> dict[str, str]:
    return {k: v for k, v in load(lang).items() if k != '@metadata'}


def params(text: str) -> set[str]:
    return set(re.findall(r'\$\d+', text))


# The files.
@pytest.mark.parametrize('lang', [*COMPLETE, 'qqq'])
def test_file_format(lang: str) -> None:
    data = load(lang)
    assert isinstance(data['@metadata']['authors'], list)
    assert data['@metadata']['authors']
    for key, value in data.items():
        if key == '@metadata':
            continue
        assert re.fullmatch(r'techroles-[a-z0-9-]+', key), key
        assert isinstance(value, str)
        assert value.strip(' ') == value or key == 'techroles-comma-separator', key
        assert value, key


@pytest.mark.parametrize('lang', ['fr', 'ar', 'qqq'])
def test_same_keys_as_english(lang: str) -> None:
    assert set(messages(lang)) == set(messages('en'))


@pytest.mark.parametrize('lang', ['fr', 'ar'])
def test_same_parameters_as_english(lang: str) -> None:
    english = messages('en')
    for key, text in messages(lang).items():
        assert params(text) == params(english[key]), key


def test_qqq_documents_every_parameter() -> None:
    docs = messages('qqq')
    for key, text in messages('en').items():
        for param in params(text):
            assert param in docs[key], (key, param)
        assert len(docs[key]) > 10, key


def test_every_status_has_label_legend_and_summary_part() -> None:
    english = messages('en')
    for status in Status:
        assert f'techroles-status-{status.value}' in english
        assert f'techroles-legend-{status.value}' in english
        assert f'techroles-summary-count-{status.value}' in english
    for label in LABEL_PARAMS:
        assert f'techroles-status-{label}' in english
    for signal in SIGNALS:
        assert f'techroles-signal-{signal}' in english


@pytest.mark.parametrize('lang', COMPLETE)
def test_label_parameters_match_label_params(lang: str) -> None:
    for label, count in LABEL_PARAMS.items():
        text = messages(lang)[f'techroles-status-{label}']
        assert params(text) == {f'${i}' for i in range(1, count + 1)}, label


MARKUP = re.compile(r"\[|\]|\{|\}|<|>|\||~~~|''|__|^[*#:;=]|\n")


@pytest.mark.parametrize('lang', COMPLETE)
def test_cell_labels_are_plain_text(lang: str) -> None:
    for key, text in messages(lang).items():
        if key.startswith(('techroles-status-', 'techroles-signal-')):
            assert not MARKUP.search(text), (lang, key, text)


@pytest.mark.parametrize('lang', COMPLETE)
def test_no_shaming_words(lang: str) -> None:
    for key, text in messages(lang).items():
        assert 'inactive user' not in text.lower(), key
        assert 'utilisateur inactif' not in text.lower(), key


@pytest.mark.parametrize('lang', COMPLETE)
def test_plural_and_links_are_well_formed(lang: str) -> None:
    for key, text in messages(lang).items():
        assert text.count('{{') == text.count('}}'), key
        assert text.count('[[') == text.count(']]'), key
        for match in re.finditer(r'\{\{([^|}]*)', text):
            assert re.fullmatch(r'PLURAL:\$\d+', match.group(1)), (key, match.group(1))
        rendered = message(key, lang, *range(1, 10))
        assert 'PLURAL' not in rendered, key
        assert '{{' not in rendered, key


def test_every_language_using_plural_has_a_rule() -> None:
    for lang in i18n.languages():
        if any('{{PLURAL:' in text for text in messages(lang).values()):
            assert lang in i18n._PLURAL_RULES, lang


def test_arabic_plurals_have_six_forms() -> None:
    for key, text in messages('ar').items():
        for match in re.finditer(r'\{\{PLURAL:\$\d+\|([^}]*)\}\}', text):
            assert len(match.group(1).split('|')) == 6, key


# Plural rules.
@pytest.mark.parametrize(('lang', 'number', 'expected'), [
    ('en', 0, 'other'), ('en', 1, 'one'), ('en', 2, 'other'), ('en', 1.5, 'other'),
    ('fr', 0, 'one'), ('fr', 1, 'one'), ('fr', 1.5, 'one'), ('fr', 2, 'other'),
    ('fr', 1_000_000, 'many'), ('fr', 2_000_000, 'many'), ('fr', 1_000_001, 'other'),
    ('ar', 0, 'zero'), ('ar', 1, 'one'), ('ar', 2, 'two'), ('ar', 3, 'few'), ('ar', 10, 'few'),
    ('ar', 11, 'many'), ('ar', 99, 'many'), ('ar', 100, 'other'), ('ar', 101, 'other'),
    ('ar', 102, 'other'), ('ar', 103, 'few'), ('ar', 110, 'few'), ('ar', 111, 'many'),
    ('ar', 1000, 'other'), ('ar', 1.5, 'other'),
    ('de', 1, 'one'), ('de', 5, 'other'),  # no own rule: English's
    ('fr-ca', 0, 'one'),                     # base language's rule
])
def test_plural_rules(lang: str, number: float, expected: str) -> None:
    forms = {'en': ['one', 'other'], 'fr': ['one', 'many', 'other'],
             'ar': ['zero', 'one', 'two', 'few', 'many', 'other']}
    chain = fallback_chain(lang)
    code = next(c for c in chain if c in forms)
    assert plural_form(lang, number, forms[code]) == expected


def test_plural_missing_forms_repeat_the_last() -> None:
    assert plural_form('fr', 1_000_000, ['jour', 'jours']) == 'jours'
    assert plural_form('ar', 11, ['a', 'b', 'c']) == 'c'
    assert plural_form('ar', 1, ['a', 'b', 'c']) == 'b'
    assert plural_form('en', 1, []) == ''


def test_plural_explicit_forms() -> None:
    assert plural_form('en', 0, ['0=none', 'one', 'other']) == 'none'
    assert plural_form('en', 12, ['12=a dozen', 'one', 'other']) == 'a dozen'
    assert plural_form('en', 1, ['0=none', 'one', 'other']) == 'one'


def test_plural_in_text() -> None:
    fmt = i18n._format
    assert fmt('$1 {{PLURAL:$1|day|days}}', 'en', (1,)) == '1 day'
    assert fmt('$1 {{PLURAL:$1|day|days}}', 'en', (3,)) == '3 days'
    assert fmt('{{PLURAL:$1|[[A|a link]]|[[B|links]]}}', 'en', (2,)) == '[[B|links]]'
    assert fmt('{{PLURAL:$1|one|{{PLURAL:$2|x|y}}}}', 'en', (5, 1)) == 'x'
    assert fmt('{{PLURAL:$1|one|other}}', 'en', ('1,000',)) == 'other'
    assert fmt('{{PLURAL:$1|one|other}}', 'ar', ('{{formatnum:1}}',)) == 'other'
    assert fmt('{{PLURAL:$1|a|b|c|d|e|f}}', 'ar', ('{{formatnum:2}}',)) == 'c'
    # Not a number the bot can read: left for the wiki to expand.
    assert fmt('x {{PLURAL:$1|one|other}} y {{PLURAL:$2|one|other}}', 'en',
               ('{{NUMBEROFUSERS}}', 1)) == 'x {{PLURAL:{{NUMBEROFUSERS}}|one|other}} y one'
    assert fmt('{{PLURAL:$1|one|other', 'en', (1,)) == '{{PLURAL:1|one|other'
    assert fmt('$1 and $3', 'en', ('a',)) == 'a and $3'


# Messages and fallback.
def test_fallback_chain() -> None:
    assert fallback_chain('fr') == ['fr', 'en']
    assert fallback_chain('en') == ['en']
    assert fallback_chain('FR_ca') == ['fr-ca', 'fr', 'en']
    assert fallback_chain('qqq') == ['en']


def test_message_falls_back_to_english() -> None:
    assert message('techroles-status-active', 'de') == 'Active'
    assert message('techroles-status-active', 'fr-ca') == message('techroles-status-active', 'fr')
    assert message('techroles-status-active', '../../etc/passwd') == 'Active'


def test_unknown_message_is_a_bug() -> None:
    with pytest.raises(KeyError):
        message('techroles-no-such-message', 'en')


def test_languages() -> None:
    assert set(COMPLETE) <= set(i18n.languages())
    assert 'qqq' not in i18n.languages()


def test_direction() -> None:
    assert direction('ar') == 'rtl'
    assert direction('he') == 'rtl'
    assert direction('fa') == 'rtl'
    assert direction('ckb') == 'rtl'
    assert direction('ks-arab') == 'rtl'
    assert direction('en') == 'ltr'
    assert direction('fr') == 'ltr'
    assert direction('ks-deva') == 'ltr'


def test_format_list_and_percent() -> None:
    assert format_list(['a', 'b'], 'en') == 'a, b'
    assert format_list(['a', 'b'], 'ar') == 'a، b'
    assert format_list([], 'en') == ''
    assert percent(0.75, 'en') == '75%'
    assert percent(0.755, 'fr', 1) == '75.5 %'
    assert percent(1, 'ar') == '100٪'


# Status labels.
D = date(2026, 9, 11)


@pytest.mark.parametrize(('decision', 'expected'), [
    (Decision('A', Status.ACTIVE), 'Active'),
    (Decision('A', Status.SLIPPING, since=D), 'Last activity seen on 2026-09-11'),
    (Decision('A', Status.INACTIVE, since=D), 'No activity seen since 2026-09-11'),
    (Decision('A', Status.INACTIVE), 'No activity found'),
    (Decision('A', Status.NEW, since=D), 'Signed up on 2026-09-11'),
    (Decision('A', Status.RENAMED, new_name='B b'), 'Renamed to B b'),
    (Decision('A', Status.MISSING), 'Account not found'),
    (Decision('A', Status.LOCKED), 'Account locked'),
    (Decision('A', Status.BLOCKED), 'Account blocked'),
    (Decision('A', Status.UNKNOWN), 'Could not be checked'),
    (Decision('A', Status.INACTIVE, since=D, unmet_signals=('proactive', 'supportive')),
     'Not seen recently: community technical discussion, help on mediawiki.org'),
    (Decision('A', Status.NEW, since=D, unmet_signals=('proactive',)), 'Signed up on 2026-09-11'),
])
def test_status_label_english(decision: Decision, expected: str) -> None:
    assert status_label(decision, 'en') == expected


def test_status_label_translated() -> None:
    decision = Decision('A', Status.INACTIVE, since=D)
    assert status_label(decision, 'fr') == 'Aucune activité vue depuis le 2026-09-11'
    assert status_label(decision, 'ar') == 'لم يُرصد أي نشاط منذ 2026-09-11'
    assert status_label(decision, 'de') == 'No activity seen since 2026-09-11'


def test_status_label_for_every_status_in_every_language() -> None:
    for lang in COMPLETE:
        for status in Status:
            decision = Decision('A', status, since=D, new_name='B')
            label = status_label(decision, lang)
            assert label and '$' not in label
            if status in {Status.SLIPPING, Status.INACTIVE, Status.NEW}:
                assert '2026-09-11' in label


def test_status_label_overrides() -> None:
    overrides = {'en': {'inactive': 'Quiet since $1'}, 'fr': {'active': 'Présent'}}
    inactive = Decision('A', Status.INACTIVE, since=D)
    assert status_label(inactive, 'en', overrides) == 'Quiet since 2026-09-11'
    # A language's own message beats an English override...
    assert status_label(inactive, 'fr', overrides) == 'Aucune activité vue depuis le 2026-09-11'
    # ...and its override beats its message.
    assert status_label(Decision('A', Status.ACTIVE), 'fr', overrides) == 'Présent'
    assert status_label(inactive, 'de', overrides) == 'Quiet since 2026-09-11'


def test_status_label_needs_its_data() -> None:
    with pytest.raises(ValueError):
        status_label(Decision('A', Status.NEW), 'en')
    with pytest.raises(ValueError):
        status_label(Decision('A', Status.RENAMED), 'en')


def test_label_is_stable_while_status_holds() -> None:
    """No churn: the same decision data gives the same text, whatever the reason says."""
    a = Decision('A', Status.INACTIVE, since=D, reason='checked on Monday')
    b = Decision('A', Status.INACTIVE, since=D, reason='checked on Tuesday')
    assert status_label(a, 'fr') == status_label(b, 'fr')


# Edit summaries.
def test_edit_summary_example() -> None:
    summary = edit_summary({Status.INACTIVE: 1, Status.RENAMED: 1, Status.ACTIVE: 5,
                            Status.LOCKED: 0}, 'en', '#techroles', 'm:User:TechRolesBot/status')
    assert summary == ('5 active, 1 now inactive, 1 renamed · '
                       '[[m:User:TechRolesBot/status|status page]] · #techroles')


def test_edit_summary_with_explanation_and_strings() -> None:
    summary = edit_summary({'missing': 1}, 'en', None, 'S', 'E')
    assert summary == ('1 account not found · [[S|status page]] · '
                       '[[E|how statuses are decided]]')


def test_edit_summary_without_changes_or_links() -> None:
    assert edit_summary({}, 'en', '', None) == 'status column updated'


def test_edit_summary_french_and_arabic() -> None:
    fr = edit_summary({Status.ACTIVE: 2, Status.INACTIVE: 1}, 'fr', '#techroles', 'S')
    assert fr == '2 actifs, 1 désormais inactif · [[S|page d’état]] · #techroles'
    ar = edit_summary({Status.MISSING: 2, Status.ACTIVE: 3}, 'ar', '#techroles', 'S')
    assert ar == 'نشاط حديث: 3، حسابان غير موجودين · [[S|صفحة الحالة]] · #techroles'


def test_edit_summary_refuses_broken_link_targets() -> None:
    with pytest.raises(ValueError):
        edit_summary({Status.ACTIVE: 1}, 'en', None, 'A|B')
    with pytest.raises(ValueError):
        edit_summary({Status.ACTIVE: 1}, 'en', None, 'A]]B')


def test_edit_summary_rejects_non_status() -> None:
    with pytest.raises(ValueError):
        edit_summary({'sleepy': 1}, 'en', None, None)
