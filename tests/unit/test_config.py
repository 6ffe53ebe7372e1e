"""Configuration loading, merging and validation (techroles.config)."""
from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techroles.config import (
    SCHEMA,
    WIKI_OVERRIDABLE,
    Config,
    KpiThresholds,
    PageRef,
    TableSpec,
    TechNewsConfig,
    load_file,
    loads,
    merge,
    reference_markdown,
    resolve_defaults,
    shutoff_protection_problem,
    validate,
)
from techroles.errors import ConfigError
from techroles.policy import Thresholds


pytestmark = pytest.mark.unit

#: The example of the original configuration request, verbatim.
EXAMPLE = '''
{"tables": [{"site": "meta:meta", "page": "Tech/Ambassadors/List", "kind": "ambassadors"},
            {"site": "meta:meta", "page": "Tech/Translators/List", "kind": "translators"}],
 "active_days": 90, "slipping_days": 60, "grace_days": 30,
 "shutoff_page": "User:TechRolesBot/shutoff", "max_flip_share": 0.2}
'''

BASE: dict[str, Any] = {
    'tables': [{'site': 'meta:meta', 'page': 'Tech/Ambassadors/List', 'kind': 'ambassadors'}],
}


def with_(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    raw.update(changes)
    return raw


def error_of(raw: Any, source: str = 'cfg.json') -> str:
    with pytest.raises(ConfigError) as info:
        validate(raw, source=source)
    message = str(info.value)
    assert '\n' not in message
    return message


# The examples and the defaults.
def test_the_original_example_validates() -> None:
    config = validate(loads(EXAMPLE, source='example'), source='example')
    assert config.tables == (
        TableSpec('meta:meta', 'Tech/Ambassadors/List', 'ambassadors'),
        TableSpec('meta:meta', 'Tech/Translators/List', 'translators'),
    )
    assert (config.active_days, config.slipping_days, config.grace_days) == (90, 60, 30)
    assert config.shutoff_page == PageRef('meta:meta', 'User:TechRolesBot/shutoff')
    assert config.max_flip_share == 0.2


def test_defaults() -> None:
    config = resolve_defaults(validate(BASE, source='cfg.json'), 'TechRolesBot@techroles')
    meta = 'meta:meta'
    assert config == Config(
        tables=(TableSpec(meta, 'Tech/Ambassadors/List', 'ambassadors'),),
        shutoff_page=PageRef(meta, 'User:TechRolesBot/shutoff'),
        status_page=PageRef(meta, 'User:TechRolesBot/status'),
        evidence_page=PageRef(meta, 'User:TechRolesBot/evidence'),
        explanation_page=PageRef(meta, 'User:TechRolesBot/explanation'),
        feedback_page=PageRef(meta, 'User talk:TechRolesBot'),
        kpi_page=PageRef(meta, 'User:TechRolesBot/KPI'),
        history_page=PageRef(meta, 'User:TechRolesBot/KPI history.json'),
        delivery_list=PageRef(meta, 'Global message delivery/Targets/Tech ambassadors'),
    )
    assert config.tech_news == TechNewsConfig('Tech/News', 13, None, None, 20, 'en')
    assert config.thresholds == KpiThresholds(Fraction(3, 4), Fraction(3, 4), Fraction(1))
    assert config.summary_hashtag == '#techroles'
    assert config.max_changes_per_edit is None
    assert config.targeted_languages is None
    assert config.wiki_config_page is None
    assert config.history_tab_page is None
    assert (config.concurrency, config.edit_conflict_retries) == (3, 3)
    assert (config.messagegroupstats_retries, config.messagegroupstats_retry_wait) == (3, 10)
    assert config.state_store == 'techroles-state.sqlite'
    assert config.respect_human_days == 30
    assert config.policy_thresholds == Thresholds()


def test_full_configuration() -> None:
    raw = with_(
        tables=[{'site': 'meta:meta', 'page': 'A', 'kind': 'ambassadors',
                 'add_status_column': True},
                {'site': 'wikipedia:fr', 'page': 'B', 'kind': 'translators', 'lang': 'fr'}],
        active_days=120, slipping_days=45, grace_days=14, max_flip_share=0.5,
        required_signals=['reachable', 'proactive'], respect_human_days=0,
        max_changes_per_edit=50,
        labels={'en': {'inactive': 'Quiet since $1', 'active': 'Here'},
                'fr': {'inactive-never': 'Rien vu'}},
        language='ar', summary_hashtag=None,
        column_aliases={'user': ['Ambassadeur', 'Nom'], 'status': ['État']},
        user_templates=['Utilisateur'], proactive_pages={'frwiki': ['Wikipédia:Le Bistro']},
        targeted_languages=['fr', 'ar', 'zh-hans'], target_wikis=['dewiki'],
        tech_news={'prefix': 'Tech/Nouvelles', 'start': '2026-01-01', 'end': '2026-03-31',
                   'delivery_hour_utc': 0, 'source_language': 'en'},
        thresholds={'content': 0.8, 'issues': 1, 'languages': 0.5},
        shutoff_page={'site': 'meta:meta', 'page': 'User:Bot/stop'},
        kpi_page={'page': 'Tech/KPI'},
        history_tab_page={'site': 'commons:commons', 'page': 'Data:TechRoles.tab'},
        wiki_config_page='User:Bot/config.json', operators=['Operator One'],
        state_store='/var/lib/techroles.sqlite', concurrency=16, edit_conflict_retries=0,
        messagegroupstats_retries=10, messagegroupstats_retry_wait=600,
    )
    config = validate(raw, source='cfg.json')
    assert config.tables[0].add_status_column is True
    assert config.tables[1] == TableSpec('wikipedia:fr', 'B', 'translators', 'fr')
    assert config.required_signals == ('reachable', 'proactive')
    assert config.labels['en']['inactive'] == 'Quiet since $1'
    assert config.column_aliases['user'] == ('Ambassadeur', 'Nom')
    assert config.proactive_pages == {'frwiki': ('Wikipédia:Le Bistro',)}
    assert config.tech_news == TechNewsConfig('Tech/Nouvelles', None, date(2026, 1, 1),
                                              date(2026, 3, 31), 0, 'en')
    assert config.thresholds == KpiThresholds(Fraction(4, 5), Fraction(1), Fraction(1, 2))
    assert config.kpi_page == PageRef('meta:meta', 'Tech/KPI')
    assert config.history_tab_page == PageRef('commons:commons', 'Data:TechRoles.tab')
    assert config.summary_hashtag is None
    assert config.policy_thresholds == Thresholds(120, 45, 14)
    # The data is read-only.
    with pytest.raises(TypeError):
        config.labels['en'] = {}  # type: ignore[index]
    # as_dict() gives JSON that validates back to the same configuration.
    assert validate(json.loads(json.dumps(config.as_dict())), source='round trip') == config


def test_as_dict_round_trip_of_defaults() -> None:
    config = validate(BASE, source='cfg.json')
    assert validate(config.as_dict(), source='again') == config


# Exact fractions.
@pytest.mark.parametrize(('value', 'expected'), [
    (0.75, Fraction(3, 4)), (0.1, Fraction(1, 10)), (1, Fraction(1)),
    (Decimal('0.333'), Fraction(333, 1000)), (0.7, Fraction(7, 10)),
])
def test_thresholds_are_exact_fractions(value: Any, expected: Fraction) -> None:
    config = validate(with_(thresholds={'content': value}), source='cfg.json')
    assert config.thresholds.content == expected


def test_loads_keeps_decimals_exact() -> None:
    raw = loads('{"thresholds": {"issues": 0.7}}', source='x')
    assert raw['thresholds']['issues'] == Decimal('0.7')


# Errors: exact one-line messages naming the source, key and value.
ERRORS: list[tuple[dict[str, Any], str]] = [
    # tables
    ({'tables': []}, 'tables: must list at least 1 item; got []'),
    ({'tables': 'Tech/List'}, 'tables: must be a list; got "Tech/List"'),
    ({'tables': [{'site': 'meta:meta', 'page': 'A', 'kind': 'ambassadors'},
                 {'site': 'meta:meta', 'page': 'A', 'kind': 'admins'}]},
     'tables[1].kind: must be one of "ambassadors", "translators"; got "admins"'),
    ({'tables': [{'site': 'meta', 'page': 'A', 'kind': 'ambassadors'}]},
     'tables[0].site: must be Pywikibot\'s family:code, e.g. "meta:meta" or "wikipedia:fr"; '
     'got "meta"'),
    ({'tables': [{'page': 'A', 'kind': 'ambassadors'}]}, 'tables[0].site: is required'),
    ({'tables': [{'site': 'meta:meta', 'kind': 'ambassadors'}]}, 'tables[0].page: is required'),
    ({'tables': [{'site': 'meta:meta', 'page': 'A'}]}, 'tables[0].kind: is required'),
    ({'tables': [{'site': 'meta:meta', 'page': 'A[1]', 'kind': 'ambassadors'}]},
     'tables[0].page: must not contain [ ]; got "A[1]"'),
    ({'tables': [{'site': 'meta:meta', 'page': ' ', 'kind': 'ambassadors'}]},
     'tables[0].page: must be a non-empty page title; got " "'),
    ({'tables': [{'site': 'meta:meta', 'page': 'A', 'kind': 'ambassadors', 'lang': 'French'}]},
     'tables[0].lang: must be a language code, e.g. "fr", "zh-hans"; got "French"'),
    ({'tables': [{'site': 'meta:meta', 'page': 'A', 'kind': 'ambassadors',
                  'add_status_column': 'yes'}]},
     'tables[0].add_status_column: must be true or false; got "yes"'),
    ({'tables': [{'site': 'meta:meta', 'page': 'A', 'kind': 'ambassadors'},
                 {'site': 'meta:meta', 'page': 'A', 'kind': 'translators'}]},
     'tables[1]: names the same page as tables[0]; got {"site": "meta:meta", "page": "A", '
     '"kind": "translators"}'),
    ({'tables': ['Tech/List']}, 'tables[0]: must be an object; got "Tech/List"'),
    # day counts
    ({'active_days': '90'}, 'active_days: must be a whole number; got "90"'),
    ({'active_days': True}, 'active_days: must be a whole number; got true'),
    ({'active_days': 90.5}, 'active_days: must be a whole number; got 90.5'),
    ({'active_days': 1e308}, 'active_days: must be between 1 and 3650; got 1e+308'),
    ({'active_days': 3651}, 'active_days: must be between 1 and 3650; got 3651'),
    ({'active_days': float('inf')}, 'active_days: must be a finite number; got Infinity'),
    ({'slipping_days': -1}, 'slipping_days: must be between 1 and 3650; got -1'),
    ({'slipping_days': 0}, 'slipping_days: must be between 1 and 3650; got 0'),
    ({'slipping_days': 90}, 'slipping_days: must be less than active_days (90); got 90'),
    ({'grace_days': None}, 'grace_days: must be a whole number; got null'),
    ({'respect_human_days': -1}, 'respect_human_days: must be between 0 and 3650; got -1'),
    # brake and limits
    ({'max_flip_share': 1.5}, 'max_flip_share: must be 0 ≤ x ≤ 1; got 1.5'),
    ({'max_flip_share': -0.1}, 'max_flip_share: must be 0 ≤ x ≤ 1; got -0.1'),
    ({'max_flip_share': '0.2'}, 'max_flip_share: must be a number; got "0.2"'),
    ({'max_flip_share': False}, 'max_flip_share: must be a number; got false'),
    ({'max_changes_per_edit': 0}, 'max_changes_per_edit: must be between 1 and 100000; got 0'),
    ({'max_changes_per_edit': 'all'}, 'max_changes_per_edit: must be a whole number; got "all"'),
    ({'required_signals': ['friendly']},
     'required_signals[0]: must be one of "proactive", "supportive", "reachable", '
     '"translating"; got "friendly"'),
    ({'required_signals': ['proactive', 'proactive']},
     'required_signals[1]: is listed twice; got "proactive"'),
    ({'required_signals': 'proactive'}, 'required_signals: must be a list; got "proactive"'),
    # labels
    ({'labels': {'en': {'inactive': 'Gone since [[$1]]'}}},
     'labels.en.inactive: must be plain text without wiki markup (\'[\' found); '
     'got "Gone since [[$1]]"'),
    ({'labels': {'en': {'active': '{{done}}'}}},
     'labels.en.active: must be plain text without wiki markup (\'{\' found); got "{{done}}"'),
    ({'labels': {'fr': {'active': '<b>Actif</b>'}}},
     'labels.fr.active: must be plain text without wiki markup (\'<\' found); '
     'got "<b>Actif</b>"'),
    ({'labels': {'en': {'active': 'a|b'}}},
     'labels.en.active: must be plain text without wiki markup (\'|\' found); got "a|b"'),
    ({'labels': {'en': {'active': 'by ~~~'}}},
     'labels.en.active: must be plain text without wiki markup (\'~~~\' found); got "by ~~~"'),
    ({'labels': {'en': {'active': "''Active''"}}},
     'labels.en.active: must be plain text without wiki markup ("\'\'" found); '
     'got "\'\'Active\'\'"'),
    ({'labels': {'en': {'active': 'see https://x.org'}}},
     'labels.en.active: must be plain text without wiki markup (\'://\' found); '
     'got "see https://x.org"'),
    ({'labels': {'en': {'active': 'two\nlines'}}},
     'labels.en.active: must not contain control characters or line breaks; '
     'got "two\\nlines"'),
    ({'labels': {'en': {'active': ''}}}, 'labels.en.active: must be a non-empty string; got ""'),
    ({'labels': {'en': {'active': 5}}}, 'labels.en.active: must be a string; got 5'),
    ({'labels': {'en': {'sleepy': 'Zzz'}}},
     'labels.en.sleepy: must be one of "active", "slipping", "inactive", "inactive-never", '
     '"inactive-signals", "new", "renamed", "missing", "locked", "blocked", "unknown"; '
     'got "sleepy"'),
    ({'labels': {'English': {'active': 'A'}}},
     'labels.English: must be a language code, e.g. "fr", "zh-hans"; got "English"'),
    ({'labels': {'en': {'active': 'Active since $1'}}},
     'labels.en.active: $1 is not available (this label takes no parameter); '
     'got "Active since $1"'),
    ({'labels': {'en': {'inactive': 'Since $1 ($2)'}}},
     'labels.en.inactive: $2 is not available (this label takes only $1); got "Since $1 ($2)"'),
    ({'labels': {'en': 'Active'}}, 'labels.en: must be an object; got "Active"'),
    ({'labels': []}, 'labels: must be an object; got []'),
    # languages and wikis
    ({'language': 'Français'}, 'language: must be a language code, e.g. "fr", "zh-hans"; '
                               'got "Français"'),
    ({'targeted_languages': ['fr', 'fr']}, 'targeted_languages[1]: is listed twice; got "fr"'),
    ({'targeted_languages': 'fr'}, 'targeted_languages: must be a list; got "fr"'),
    ({'target_wikis': ['fr.wikipedia']},
     'target_wikis[0]: must be a database name, e.g. "frwiki"; got "fr.wikipedia"'),
    ({'proactive_pages': {'frwiki': []}}, 'proactive_pages.frwiki: must list at least 1 item; '
                                          'got []'),
    ({'proactive_pages': {'fr.wikipedia': ['A']}},
     'proactive_pages["fr.wikipedia"]: must be a database name, e.g. "frwiki"; '
     'got "fr.wikipedia"'),
    ({'column_aliases': {'notes': ['Notes']}},
     'column_aliases.notes: must be one of "wiki", "user", "language", "status"; got "notes"'),
    ({'column_aliases': {'user': 'Name'}}, 'column_aliases.user: must be a list; got "Name"'),
    ({'user_templates': ['{{u}}']}, 'user_templates[0]: must not contain { }; got "{{u}}"'),
    ({'summary_hashtag': 'techroles'},
     'summary_hashtag: must be a hashtag such as "#techroles"; got "techroles"'),
    ({'summary_hashtag': '#tech roles'},
     'summary_hashtag: must be a hashtag such as "#techroles"; got "#tech roles"'),
    # tech_news
    ({'tech_news': {'weeks': 0}}, 'tech_news.weeks: must be between 1 and 520; got 0'),
    ({'tech_news': {'weeks': None}},
     'tech_news.weeks: is required unless start and end are given; got null'),
    ({'tech_news': {'start': '2026-01-01'}},
     'tech_news.end: is required when start or end is given; got null'),
    ({'tech_news': {'start': '2026-01-01', 'end': '2026-02-01', 'weeks': 4}},
     'tech_news.weeks: must not be given together with start and end; got 4'),
    ({'tech_news': {'start': '2026-03-01', 'end': '2026-02-01'}},
     'tech_news.end: must not be before start; got "2026-02-01"'),
    ({'tech_news': {'start': '1 March 2026', 'end': '2026-04-01'}},
     'tech_news.start: must be a date written YYYY-MM-DD; got "1 March 2026"'),
    ({'tech_news': {'start': '2026-02-30', 'end': '2026-04-01'}},
     'tech_news.start: must be a valid date; got "2026-02-30"'),
    ({'tech_news': {'delivery_hour_utc': 24}},
     'tech_news.delivery_hour_utc: must be between 0 and 23; got 24'),
    ({'tech_news': {'source_language': ''}},
     'tech_news.source_language: must be a non-empty language code; got ""'),
    ({'tech_news': {'prefix': 'Tech|News'}}, 'tech_news.prefix: must not contain |; '
                                             'got "Tech|News"'),
    ({'tech_news': 13}, 'tech_news: must be an object; got 13'),
    # KPI thresholds
    ({'thresholds': {'content': 0}}, 'thresholds.content: must be 0 < x ≤ 1; got 0'),
    ({'thresholds': {'issues': 1.01}}, 'thresholds.issues: must be 0 < x ≤ 1; got 1.01'),
    ({'thresholds': {'languages': '100%'}}, 'thresholds.languages: must be a number; '
                                            'got "100%"'),
    ({'thresholds': {'content': float('nan')}},
     'thresholds.content: must be a finite number; got NaN'),
    # pages
    ({'kpi_page': 5}, 'kpi_page: must be a page title or {"site": …, "page": …}; got 5'),
    ({'kpi_page': {'site': 'meta:meta'}}, 'kpi_page.page: is required'),
    ({'kpi_page': {'site': 'meta', 'page': 'K'}},
     'kpi_page.site: must be Pywikibot\'s family:code, e.g. "meta:meta" or "wikipedia:fr"; '
     'got "meta"'),
    ({'kpi_page': {'page': 'K', 'title': 'K'}},
     'kpi_page.title: unknown key (did you mean \'site\'?); got "K"'),
    ({'status_page': 'User:Bot/status#top'},
     'status_page: must not contain #; got "User:Bot/status#top"'),
    ({'shutoff_page': None}, 'shutoff_page: must be a page title or {"site": …, "page": …}; '
                             'got null'),
    ({'history_tab_page': 'Data:KPI.json'},
     'history_tab_page: must be a page whose title ends with \'.tab\'; got "Data:KPI.json"'),
    ({'history_tab_page': 'KPI.tab'},
     'history_tab_page: must be a page whose title starts with \'Data:\'; got "KPI.tab"'),
    # operations
    ({'operators': ['User:Someone']},
     'operators[0]: must not contain :; got "User:Someone"'),
    ({'state_store': ''}, 'state_store: must be a non-empty path; got ""'),
    ({'state_store': None}, 'state_store: must be a path; got null'),
    ({'concurrency': 0}, 'concurrency: must be between 1 and 16; got 0'),
    ({'concurrency': 17}, 'concurrency: must be between 1 and 16; got 17'),
    ({'edit_conflict_retries': 11}, 'edit_conflict_retries: must be between 0 and 10; got 11'),
    ({'messagegroupstats_retries': -1},
     'messagegroupstats_retries: must be between 0 and 10; got -1'),
    ({'messagegroupstats_retry_wait': 601},
     'messagegroupstats_retry_wait: must be between 0 and 600; got 601'),
    ({'messagegroupstats_retry_wait': 1.5},
     'messagegroupstats_retry_wait: must be a whole number; got 1.5'),
    # unknown keys
    ({'activ_days': 90}, "activ_days: unknown key (did you mean 'active_days'?); got 90"),
    ({'limit': 5},
     'limit: unknown key (--limit is a command-line option, not a configuration key); got 5'),
    ({'tables': [{'site': 'meta:meta', 'page': 'A', 'kind': 'ambassadors', 'colour': 'red'}]},
     'tables[0].colour: unknown key (known keys: site, page, kind, lang, add_status_column); '
     'got "red"'),
    ({'tech_news': {'week': 4}}, "tech_news.week: unknown key (did you mean 'weeks'?); got 4"),
    ({'thresholds': {'coverage': 0.5}},
     'thresholds.coverage: unknown key (known keys: content, issues, languages); got 0.5'),
]


@pytest.mark.parametrize(('changes', 'expected'), ERRORS, ids=[e[1][:40] for e in ERRORS])
def test_error_messages(changes: dict[str, Any], expected: str) -> None:
    assert error_of(with_(**changes)) == f'cfg.json: {expected}'


def test_every_key_has_an_error_test() -> None:
    tested = {next(iter(changes)) for changes, _ in ERRORS} | set(PAGE_KEYS)
    assert {key.name for key in SCHEMA} <= tested


PAGE_KEYS = ['status_page', 'evidence_page', 'explanation_page', 'feedback_page', 'kpi_page',
             'history_page', 'delivery_list', 'wiki_config_page', 'shutoff_page',
             'kpi_shutoff_page']


@pytest.mark.parametrize('key', PAGE_KEYS)
def test_every_page_key_checks_its_value(key: str) -> None:
    assert error_of(with_(**{key: ['A']})) == (
        f'cfg.json: {key}: must be a page title or {{"site": …, "page": …}}; got ["A"]')
    assert error_of(with_(**{key: {'site': 'x', 'page': 'A'}})).startswith(
        f'cfg.json: {key}.site: must be Pywikibot\'s family:code')


def test_not_an_object() -> None:
    assert error_of([1, 2]) == 'cfg.json: the configuration must be a JSON object; got [1, 2]'


def test_tables_missing() -> None:
    assert error_of({}) == 'cfg.json: tables: is required'


def test_long_values_are_shortened() -> None:
    message = error_of(with_(language='x' * 500))
    assert len(message) < 200
    assert message.endswith('…')


# Page references.
def test_pages_default_to_the_first_tables_site() -> None:
    raw = with_(tables=[{'site': 'wikipedia:fr', 'page': 'P', 'kind': 'ambassadors'},
                        {'site': 'meta:meta', 'page': 'Q', 'kind': 'translators'}],
                kpi_page='Projet:KPI', status_page={'page': 'S'},
                evidence_page={'site': 'meta:meta', 'page': 'E'})
    config = validate(raw, source='cfg.json')
    assert config.kpi_page == PageRef('wikipedia:fr', 'Projet:KPI')
    assert config.status_page == PageRef('wikipedia:fr', 'S')
    assert config.evidence_page == PageRef('meta:meta', 'E')
    assert config.shutoff_page == PageRef('wikipedia:fr', 'User:{bot}/shutoff')
    assert config.delivery_list is not None and config.delivery_list.site == 'wikipedia:fr'
    assert str(config.kpi_page) == 'wikipedia:fr:Projet:KPI'


def test_null_disables_optional_pages_only() -> None:
    config = validate(with_(wiki_config_page=None, history_tab_page=None), source='c')
    assert config.wiki_config_page is None
    assert config.history_tab_page is None


def test_integral_float_is_accepted_for_day_counts() -> None:
    assert validate(with_(active_days=120.0), source='c').active_days == 120
    assert validate(with_(active_days=Decimal('120.0')), source='c').active_days == 120


# Loading.
def test_load_file(tmp_path: Path) -> None:
    path = tmp_path / 'c.json'
    path.write_text(EXAMPLE, encoding='utf-8')
    assert load_file(path)['active_days'] == 90


@pytest.mark.parametrize(('text', 'expected'), [
    ('{"active_days": 90,}', 'invalid JSON at line 1 column 20: Expecting property name '
                             'enclosed in double quotes'),
    ('{"active_days": 90, "active_days": 60}', 'active_days: key given twice'),
    ('[1]', 'the configuration must be a JSON object; got [1]'),
    ('{"active_days": NaN}', 'invalid JSON: NaN is not a JSON number'),
    ('{"max_flip_share": Infinity}', 'invalid JSON: Infinity is not a JSON number'),
    ('', 'invalid JSON at line 1 column 1: Expecting value'),
])
def test_load_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / 'c.json'
    path.write_text(text, encoding='utf-8')
    with pytest.raises(ConfigError) as info:
        load_file(path)
    assert str(info.value) == f'{path}: {expected}'


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r'cannot read the configuration: No such file'):
        load_file(tmp_path / 'absent.json')


def test_load_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / 'c.json'
    path.write_bytes(b'{"language": "\xff"}')
    with pytest.raises(ConfigError, match='cannot read the configuration'):
        load_file(path)


# Merging.
FILE = with_(active_days=100, slipping_days=50,
             labels={'en': {'inactive': 'Quiet since $1', 'active': 'Here'}},
             targeted_languages=['fr', 'ar'], column_aliases={'user': ['Nom'], 'wiki': ['W']},
             tech_news={'weeks': 8, 'delivery_hour_utc': 18}, state_store='a.sqlite')


def test_merge_precedence() -> None:
    wiki = {'active_days': 120, 'targeted_languages': ['de'],
            'labels': {'en': {'active': 'Around'}, 'fr': {'active': 'Là'}},
            'column_aliases': {'user': ['Benutzer']}, 'thresholds': {'issues': 0.5}}
    cli = {'active_days': 150, 'grace_days': None}
    config = merge(FILE, wiki, cli)
    assert config.active_days == 150                       # command line wins
    assert config.slipping_days == 50                      # file value kept
    assert config.grace_days == 30                         # None = option not given
    assert config.targeted_languages == ('de',)            # lists replaced whole
    assert config.labels == {'en': {'inactive': 'Quiet since $1', 'active': 'Around'},
                             'fr': {'active': 'Là'}}       # objects merged key by key
    assert config.column_aliases == {'user': ('Benutzer',), 'wiki': ('W',)}
    assert config.thresholds == KpiThresholds(Fraction(3, 4), Fraction(1, 2), Fraction(1))
    assert config.tech_news.weeks == 8
    assert config.tech_news.delivery_hour_utc == 18
    assert config.state_store == 'a.sqlite'


def test_merge_replaces_tables_whole() -> None:
    wiki = {'tables': [{'site': 'wikipedia:fr', 'page': 'X', 'kind': 'translators'}]}
    config = merge(FILE, wiki)
    assert config.tables == (TableSpec('wikipedia:fr', 'X', 'translators'),)
    assert config.kpi_page == PageRef('wikipedia:fr', 'User:{bot}/KPI')


def test_merge_page_replaced_whole() -> None:
    file = with_(kpi_page={'site': 'wikipedia:fr', 'page': 'K'})
    assert merge(file, {'kpi_page': 'L'}).kpi_page == PageRef('meta:meta', 'L')


def test_merge_tech_news_range_replaces_weeks() -> None:
    config = merge(FILE, {'tech_news': {'start': '2026-01-05', 'end': '2026-02-01'}})
    assert (config.tech_news.weeks, config.tech_news.start) == (None, date(2026, 1, 5))
    assert config.tech_news.delivery_hour_utc == 18
    file = with_(tech_news={'start': '2026-01-05', 'end': '2026-02-01'})
    again = merge(file, None, {'tech_news': {'weeks': 4}})
    assert (again.tech_news.weeks, again.tech_news.start, again.tech_news.end) == (4, None, None)


def test_merge_without_overrides_is_validate() -> None:
    assert merge(FILE) == validate(FILE, source='x')
    assert merge(FILE, {}, {}) == validate(FILE, source='x')


@pytest.mark.parametrize('key', ['state_store', 'shutoff_page', 'wiki_config_page',
                                 'max_flip_share', 'max_changes_per_edit', 'operators',
                                 'concurrency'])
def test_wiki_may_not_override(key: str) -> None:
    value = {'state_store': 'x', 'shutoff_page': 'P', 'wiki_config_page': 'P',
             'max_flip_share': 1, 'max_changes_per_edit': 1, 'operators': ['X'],
             'concurrency': 1}[key]
    with pytest.raises(ConfigError) as info:
        merge(FILE, {key: value})
    assert str(info.value) == (f'on-wiki configuration: {key}: may only be set in the '
                               f'configuration file, not on-wiki; got {json.dumps(value)}')


def test_wiki_overridable_keys() -> None:
    assert {'tables', 'active_days', 'slipping_days', 'grace_days', 'labels', 'thresholds',
            'targeted_languages', 'required_signals', 'tech_news'} <= WIKI_OVERRIDABLE
    assert not {'state_store', 'shutoff_page', 'wiki_config_page'} & WIKI_OVERRIDABLE
    assert {key.name for key in SCHEMA} >= WIKI_OVERRIDABLE


def test_merge_errors_name_their_layer() -> None:
    with pytest.raises(ConfigError, match=r'^on-wiki configuration: labels\.en\.active: '):
        merge(FILE, {'labels': {'en': {'active': '[[x]]'}}})
    with pytest.raises(ConfigError, match=r'^on-wiki configuration: colour: unknown key'):
        merge(FILE, {'colour': 'red'})
    with pytest.raises(ConfigError, match=r'^command line: active_days: must be a whole'):
        merge(FILE, {}, {'active_days': '7'})
    with pytest.raises(ConfigError, match=r'^my.json: tables: is required'):
        merge({}, {'tables': BASE['tables']}, file_source='my.json')
    with pytest.raises(ConfigError, match=r'^on-wiki configuration: the configuration must be'):
        merge(FILE, ['x'])  # type: ignore[arg-type]


def test_merge_cross_key_error_names_the_merged_layers() -> None:
    with pytest.raises(ConfigError) as info:
        merge(FILE, {'active_days': 40})
    assert str(info.value) == ('merged configuration (configuration file < on-wiki '
                               'configuration): slipping_days: must be less than active_days '
                               '(40); got 50')


def test_merge_does_not_mutate_inputs() -> None:
    file = copy.deepcopy(FILE)
    wiki = {'labels': {'en': {'active': 'Around'}}}
    merge(file, wiki)
    assert file == FILE
    assert wiki == {'labels': {'en': {'active': 'Around'}}}


# Documentation from the schema.
def test_reference_lists_every_key() -> None:
    text = reference_markdown()
    for key in SCHEMA:
        assert f'| `{key.name}` |' in text
    for nested in ('tables[].site', 'tables[].kind', 'tables[].lang', 'tables[].page',
                   'tables[].add_status_column', 'tech_news.prefix', 'tech_news.weeks',
                   'tech_news.start', 'tech_news.end', 'tech_news.delivery_hour_utc',
                   'tech_news.source_language', 'thresholds.content', 'thresholds.issues',
                   'thresholds.languages'):
        assert f'| `{nested}` |' in text
    assert '| `active_days` | integer | `90` | 1–3650 days | yes |' in text
    assert '| `state_store` | path | `"techroles-state.sqlite"` |' in text


def test_reference_table_is_well_formed() -> None:
    rows = [line for line in reference_markdown().splitlines() if line.startswith('|')]
    header_cells = rows[0].count(' | ')
    for row in rows[2:]:
        assert row.replace('\\|', '').count(' | ') == header_cells, row


def test_every_key_is_documented() -> None:
    for key in SCHEMA:
        assert len(key.doc) > 15, key.name


# Hostile input never escapes as anything but ConfigError.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=20) | st.decimals(allow_nan=False),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300)
@given(key=st.sampled_from([key.name for key in SCHEMA] + ['bogus']), value=json_values)
def test_any_value_is_accepted_or_refused_cleanly(key: str, value: Any) -> None:
    try:
        config = validate(with_(**{key: value}), source='fuzz')
    except ConfigError as error:
        assert str(error).startswith('fuzz: ')
        assert '\n' not in str(error)
    else:
        assert isinstance(config, Config)


@pytest.mark.parametrize(('text', 'expected'), [
    ('{"active_days": 1e999999999}', 'active_days: must be between 1 and 3650; got 1E+999999999'),
    ('{"active_days": 1.5e-999999999}', 'active_days: must be a whole number; got 1.5E-999999999'),
    ('{"max_flip_share": 1e-999999999}',
     'max_flip_share: must have at most 20 decimal places; got 1E-999999999'),
    ('{"thresholds": {"content": 1E+999999999}}',
     'thresholds.content: must be 0 < x ≤ 1; got 1E+999999999'),
    ('{"concurrency": 4.0}', None),
])
def test_huge_exponents_are_refused_quickly(text: str, expected: str | None) -> None:
    raw = {**BASE, **loads(text, source='c.json')}
    if expected is None:
        assert validate(raw, source='c.json').concurrency == 4
    else:
        assert error_of(raw, 'c.json') == f'c.json: {expected}'


# Pages the bot owns, and the shutoff pages.
def test_bot_pages_default_to_the_logged_in_bots_own_user_space() -> None:
    config = resolve_defaults(validate(BASE, source='cfg.json'), 'exampleBot@techroles')
    assert config.status_page == PageRef('meta:meta', 'User:ExampleBot/status')
    assert config.feedback_page == PageRef('meta:meta', 'User talk:ExampleBot')
    assert config.history_page.title == 'User:ExampleBot/KPI history.json'
    assert config.delivery_list.title == 'Global message delivery/Targets/Tech ambassadors'
    assert 'TechRolesBot' not in json.dumps(config.as_dict())


def test_bot_placeholder_may_be_written_in_a_title() -> None:
    config = validate(with_(kpi_page='User:{bot}/Tech KPI'), source='cfg.json')
    assert resolve_defaults(config, 'Some_bot').kpi_page.title == 'User:Some bot/Tech KPI'


@pytest.mark.parametrize('title', ['User:ExampleBot/shutoff.json', 'User:{bot}/stop.js',
                                   'Benutzer:X/stop.CSS'])
def test_a_shutoff_page_only_its_owner_can_edit_is_refused(title: str) -> None:
    for key in ('shutoff_page', 'kpi_shutoff_page'):
        assert 'must be a page the community can edit' in error_of(with_(**{key: title}))


def test_an_open_shutoff_page_is_accepted() -> None:
    for title in ('User:ExampleBot/shutoff', 'User talk:ExampleBot/stop.json',
                  'Tech/Ambassadors/Stop the bot.json'):
        assert validate(with_(shutoff_page=title), source='c').shutoff_page.title == title


def test_the_kpi_job_can_be_paused_alone() -> None:
    config = validate(with_(kpi_shutoff_page='User:{bot}/stop KPI'), source='c')
    assert [p.title for p in config.shutoff_pages('kpi')] == ['User:{bot}/shutoff',
                                                             'User:{bot}/stop KPI']
    assert [p.title for p in config.shutoff_pages('update')] == ['User:{bot}/shutoff']


@pytest.mark.parametrize(('protection', 'refused'), [
    ({}, False), ({'edit': ('autoconfirmed', 'infinity')}, False),
    ({'move': ('sysop', 'infinity')}, False),
    ({'edit': ('sysop', 'infinity')}, True), ({'edit': ('extendedconfirmed', 'infinite')}, True),
    ({'edit': ['editprotected', '2030-01-01T00:00:00Z']}, True),
])
def test_a_shutoff_page_protected_above_autoconfirmed_is_refused(protection, refused) -> None:
    reason = shutoff_protection_problem(protection, title='User:B/shutoff')
    assert (reason is not None) == refused
    if refused:
        assert reason.startswith('User:B/shutoff: the shutoff page is protected (edit=')


def test_a_history_page_without_json_is_refused() -> None:
    assert error_of(with_(history_page='User:{bot}/KPI history')) == (
        "cfg.json: history_page: must be a page whose title ends with '.json'; "
        'got "User:{bot}/KPI history"')
