"""Wiki notations and language names (techroles.notation) and their generated data."""
from __future__ import annotations

import json

import pytest

from techroles import notation
from techroles.notation import (
    dbname_for,
    find_languages,
    find_wikis,
    host_for_dbname,
    is_closed,
    project_group,
    resolve_language,
    resolve_wiki,
    site_for_dbname,
)
from tools import generate_data as generate


pytestmark = pytest.mark.unit


@pytest.mark.parametrize(('notation', 'dbname'), [
    ('frwiki', 'frwiki'),
    ('fr.wikipedia', 'frwiki'),
    ('fr.wikipedia.org', 'frwiki'),
    ('FR.Wikipedia.org', 'frwiki'),
    ('https://fr.wikipedia.org', 'frwiki'),
    ('https://fr.wikipedia.org/wiki/Accueil', 'frwiki'),
    ('http://fr.m.wikipedia.org/wiki/X', 'frwiki'),
    ('//fr.wikipedia.org', 'frwiki'),
    ('[[:fr:]]', 'frwiki'),
    ('[[:fr:|French Wikipedia]]', 'frwiki'),
    (':fr:', 'frwiki'),
    ('w:fr', 'frwiki'),
    ('wikt:fr', 'frwiktionary'),
    ('fr.wiktionary', 'frwiktionary'),
    ('fr.wiktionary.org', 'frwiktionary'),
    ('French Wikipedia', 'frwiki'),
    ('Wikipédia en français', 'frwiki'),
    ('Wikipedia in French', 'frwiki'),
    ('Spanish Wiktionary', 'eswiktionary'),
    ('Wikipedia (de)', 'dewiki'),
    ('Commons', 'commonswiki'),
    ('Wikimedia Commons', 'commonswiki'),
    ('commons.wikimedia.org', 'commonswiki'),
    ('c:', 'commonswiki'),
    ('Wikidata', 'wikidatawiki'),
    ('www.wikidata.org', 'wikidatawiki'),
    ('d:', 'wikidatawiki'),
    ('Meta', 'metawiki'),
    ('Meta-Wiki', 'metawiki'),
    ('meta.wikimedia.org', 'metawiki'),
    ('m:', 'metawiki'),
    ('mediawiki.org', 'mediawikiwiki'),
    ('www.mediawiki.org', 'mediawikiwiki'),
    ('mw:', 'mediawikiwiki'),
    ('Wikispecies', 'specieswiki'),
    ('species.wikimedia.org', 'specieswiki'),
    ('Incubator', 'incubatorwiki'),
    ('Wikifunctions', 'wikifunctionswiki'),
    ('wikitech.wikimedia.org', 'labswiki'),
    ('wikisource.org', 'sourceswiki'),
    ('be-tarask.wikipedia.org', 'be_x_oldwiki'),
    ('be-x-old.wikipedia', 'be_x_oldwiki'),
    ('be_x_oldwiki', 'be_x_oldwiki'),
    ('zh-min-nan.wikipedia', 'zh_min_nanwiki'),
    ('nb.wikipedia', 'nowiki'),
    ('simple.wikipedia', 'simplewiki'),
    ('de', 'dewiki'),
    ('Deutsch', 'dewiki'),
    ('Wikipedia', None),
    ('xx.wikipedia', None),
    ('Wikipedia:Village pump', None),
    ('', None),
])
def test_resolve_wiki(notation: str, dbname: str | None) -> None:
    assert resolve_wiki(notation) == dbname


@pytest.mark.parametrize(('cell', 'values', 'unresolved'), [
    ('fr.wikipedia, fr.wiktionary', ('frwiki', 'frwiktionary'), ()),
    ('[[:fr:]] / [[:wikt:fr:]]', ('frwiki', 'frwiktionary'), ()),
    ('frwiki<br />dewiki', ('frwiki', 'dewiki'), ()),
    ('* frwiki\n* dewiki', ('frwiki', 'dewiki'), ()),
    ("'''frwiki'''", ('frwiki',), ()),
    ('frwiki <!-- and more -->', ('frwiki',), ()),
    ('frwiki, Klingon wiki', ('frwiki',), ('Klingon wiki',)),
    ('[[Some page]]', (), ('[[Some page]]',)),
    ('{{flag|fr}}', (), ()),
    ('', (), ()),
])
def test_find_wikis(cell: str, values: tuple[str, ...], unresolved: tuple[str, ...]) -> None:
    found = find_wikis(cell)
    assert found.values == values
    assert found.unresolved == unresolved


@pytest.mark.parametrize(('text', 'code'), [
    ('fr', 'fr'),
    ('FR', 'fr'),
    ('French', 'fr'),
    ('français', 'fr'),
    ('Francais', 'fr'),
    ('Französisch', 'fr'),
    ('Deutsch (de)', 'de'),
    ('Deutsch', 'de'),
    ('German', 'de'),
    ('Português (Brasil)', 'pt-br'),
    ('Brazilian Portuguese', 'pt-br'),
    ('pt_BR', 'pt-br'),
    ('中文', 'zh'),
    ('العربية', 'ar'),
    ('Arabic', 'ar'),
    ('de-N', 'de'),
    ('en-3', 'en'),
    ('be-x-old', 'be-tarask'),
    ('zh-min-nan', 'nan'),
    ('sr-Cyrl', 'sr-ec'),
    ('Klingonish', None),
    ('', None),
])
def test_resolve_language(text: str, code: str | None) -> None:
    assert resolve_language(text) == code


def test_find_languages() -> None:
    assert find_languages('fr, en / de').values == ('fr', 'en', 'de')
    assert find_languages('de-N, en-3').values == ('de', 'en')
    assert find_languages('{{#language:it}}').values == ('it',)
    assert find_languages('fr, Klingonish').unresolved == ('Klingonish',)


@pytest.mark.parametrize(('dbname', 'pair'), [
    ('frwiki', ('fr', 'wikipedia')),
    ('commonswiki', ('commons', 'commons')),
    ('metawiki', ('meta', 'meta')),
    ('mediawikiwiki', ('mediawiki', 'mediawiki')),
    ('wikidatawiki', ('wikidata', 'wikidata')),
    ('frwiktionary', ('fr', 'wiktionary')),
    ('be_x_oldwiki', ('be-tarask', 'wikipedia')),
    ('specieswiki', ('species', 'species')),
    ('incubatorwiki', ('incubator', 'incubator')),
    ('wikifunctionswiki', ('wikifunctions', 'wikifunctions')),
    ('sourceswiki', ('mul', 'wikisource')),
    ('testwiki', ('test', 'wikipedia')),
    ('nosuchwiki', None),
])
def test_site_for_dbname(dbname: str, pair: tuple[str, str] | None) -> None:
    assert site_for_dbname(dbname) == pair
    if pair:
        assert dbname_for(*pair) == dbname


def test_dbname_for_aliases_and_fallback() -> None:
    assert dbname_for('be-x-old', 'wikipedia') == 'be_x_oldwiki'
    assert dbname_for('nb', 'wikipedia') == 'nowiki'
    assert dbname_for('pt-br', 'wikipedia') == 'ptwiki'
    assert dbname_for('anything', 'commons') == 'commonswiki'
    assert dbname_for('xx', 'wikipedia') is None


def test_groups_hosts_closed() -> None:
    assert project_group('frwiki') == 'Wikipedia'
    assert project_group('frwiktionary') == 'Wiktionary'
    assert project_group('commonswiki') == 'Commons'
    assert project_group('wikidatawiki') == 'Wikidata'
    assert project_group('metawiki') == 'Other'
    assert project_group('testwiki') == 'Other'
    assert project_group('nosuchwiki') == 'Other'
    assert host_for_dbname('wikidatawiki') == 'www.wikidata.org'
    assert is_closed('aawiki') and not is_closed('frwiki')


def test_data_files_are_compact_and_loadable() -> None:
    total = 0
    for name in ('namespaces.json', 'languages.json', 'wikis.json'):
        path = notation.DATA / name
        total += path.stat().st_size
        assert json.loads(path.read_text(encoding='utf-8'))
    assert total < 1_000_000
    assert len(notation.all_dbnames()) > 900
    assert len(notation.language_codes()) > 400
    assert notation.autonym('fr') == 'français'


@pytest.mark.parametrize(('pair', 'dbname'), [
    (('be-tarask', 'wikipedia'), 'be_x_oldwiki'),
    (('zh-min-nan', 'wikipedia'), 'zh_min_nanwiki'),
    (('fr', 'wiktionary'), 'frwiktionary'),
    (('commons', 'commons'), 'commonswiki'),
    (('2005', 'wikimania'), 'wikimania2005wiki'),
    (('ar', 'wikimediachapter'), 'arwikimedia'),
    (('en', 'wikitech'), 'labswiki'),
])
def test_generator_dbname_rule(pair: tuple[str, str], dbname: str) -> None:
    assert generate.dbname(*pair) == dbname


@pytest.mark.parametrize(('text', 'code'), [
    ('Chinese (Simplified)', 'zh-hans'), ('Chinese (Traditional)', 'zh-hant'),
    ('Portuguese (Brazil)', 'pt-br'), ('Serbian (Cyrillic script)', 'sr-ec'),
    ('Serbian (Latin)', 'sr-el'), ('Belarusian (Taraškievica)', 'be-tarask'),
    ('English (UK)', 'en-gb'), ('German (formal)', 'de-formal'), ('Deutsch (de)', 'de'),
    ('Ukrainian (uk)', 'uk'), ('French (Canada)', 'fr'),  # no fr-ca in MediaWiki: the language
    ('zh-hans', 'zh-hans'), ('pt-BR', 'pt-br'), ('be-tarask', 'be-tarask'), ('en-gb', 'en-gb'),
    ('simple', None), ('Simple English', None),  # a wiki, not a language
])
def test_language_variants_are_kept_from_names_and_codes(text: str, code: str | None) -> None:
    assert notation.resolve_language(text) == code
