"""Generate the JSON data files the pure core reads (``python -m tools.generate_data``).

Why a generator: the table engine must recognise user links in every language
MediaWiki ships and every way a Wikimedia wiki is written, without a network
and without importing Pywikibot at run time. So the facts are extracted once,
here, from their authoritative sources and committed as JSON:

* ``namespaces.json`` -- localized names, aliases and gender forms of the
  User, User talk and Special namespaces and the aliases of
  Special:Contributions, from MediaWiki's ``languages/messages/Messages*.php``
  (dumped with ``php``); plus the first-letter case overrides where
  Wikimedia's first-letter case (Wikimedia's ``UcfirstOverrides.php``, else
  PHP's title case, which MediaWiki's Language::ucfirst takes) differs from
  Python's ``str.upper``.
* ``languages.json`` -- MediaWiki's language codes and autonyms
  (``Names.php``), its deprecated/non-standard code mappings
  (``LanguageCode.php``) and CLDR language names (via ``babel``, a
  development-only dependency).
* ``wikis.json`` -- every Wikimedia wiki Pywikibot's family files know (code,
  family, host) keyed by database name, closed wikis, code aliases,
  interwiki prefixes and project names.

Pywikibot and babel are imported only here, never by the runtime modules.
Re-run after upgrading MediaWiki's language files, Pywikibot or babel and
commit the result.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any


HERE = Path(__file__).resolve().parent.parent / 'techroles' / 'data'

#: The PHP side: loads each Messages*.php in its own scope and prints JSON.
PHP_DUMP = r"""<?php
$root = $argv[1];
$consts = ['NS_MEDIA' => -2, 'NS_SPECIAL' => -1, 'NS_MAIN' => 0, 'NS_TALK' => 1,
  'NS_USER' => 2, 'NS_USER_TALK' => 3, 'NS_PROJECT' => 4, 'NS_PROJECT_TALK' => 5,
  'NS_FILE' => 6, 'NS_FILE_TALK' => 7, 'NS_MEDIAWIKI' => 8, 'NS_MEDIAWIKI_TALK' => 9,
  'NS_TEMPLATE' => 10, 'NS_TEMPLATE_TALK' => 11, 'NS_HELP' => 12, 'NS_HELP_TALK' => 13,
  'NS_CATEGORY' => 14, 'NS_CATEGORY_TALK' => 15, 'NS_IMAGE' => 6, 'NS_IMAGE_TALK' => 7];
foreach ($consts as $n => $v) { define($n, $v); }
function load_messages($file) {
  $fallback = null; $namespaceNames = []; $namespaceAliases = [];
  $namespaceGenderAliases = []; $specialPageAliases = [];
  require $file;
  return ['fallback' => $fallback, 'names' => $namespaceNames,
    'aliases' => $namespaceAliases, 'gender' => $namespaceGenderAliases,
    'contributions' => $specialPageAliases['Contributions'] ?? []];
}
$out = ['messages' => []];
foreach (glob("$root/languages/messages/Messages*.php") as $file) {
  $code = strtolower(str_replace('_', '-', substr(basename($file, '.php'), 8)));
  $out['messages'][$code] = load_messages($file);
}
require "$root/includes/languages/data/Names.php";
$out['autonyms'] = MediaWiki\Languages\Data\Names::$names;
require "$root/includes/language/LanguageCode.php";
$out['deprecated'] = LanguageCode::getDeprecatedCodeMapping();
$out['bcp47'] = LanguageCode::getNonstandardLanguageCodeMapping();
$title = [];
for ($cp = 0x80; $cp <= 0x10FFFF; $cp++) {
  if ($cp >= 0xD800 && $cp <= 0xDFFF) continue;
  $c = mb_chr($cp, 'UTF-8');
  $t = mb_convert_case($c, MB_CASE_TITLE, 'UTF-8');
  if ($t !== $c) $title[$c] = $t;
}
$out['title'] = $title;
$out['ucfirst_overrides'] = $argc > 2 ? (include $argv[2]) : null;
echo json_encode($out, JSON_UNESCAPED_UNICODE);
"""

ROLES = {2: 'user', 3: 'user_talk', -1: 'special'}

#: ``$wgOverrideUcfirstCharacters`` on Wikimedia's wikis: the array returned by
#: ``wmf-config/UcfirstOverrides.php`` of operations/mediawiki-config (read at
#: commit 349dc0945240da7717da209fd55129e04a4c5507, 2026-08-21; the file last
#: changed in dfbfe3801dd1b9ad58ab59f1ac43c5c9f6f10ac9, "Remove title-case
#: overrides for PHP 8.1 migration"). ``--ucfirst-overrides FILE`` reads a newer
#: copy of that file instead (with ``php``), so no network is needed here.
WMF_UCFIRST_OVERRIDES = {'ß': 'ß'}
WMF_UCFIRST_SOURCE = ('operations/mediawiki-config wmf-config/UcfirstOverrides.php '
                      '(349dc0945240da7717da209fd55129e04a4c5507), else PHP title case')

#: Wikimedia families read from Pywikibot, in the order used for lookups.
FAMILIES = (
    'wikipedia', 'wiktionary', 'wikibooks', 'wikinews', 'wikiquote', 'wikisource',
    'wikiversity', 'wikivoyage', 'commons', 'wikidata', 'meta', 'mediawiki', 'species',
    'incubator', 'wikifunctions', 'outreach', 'foundation', 'wikitech', 'wikimania',
    'wikimediachapter',
)

#: Database names that do not follow ``code.replace('-', '_') + suffix``.
#: Wikimedia's own configuration (not shipped with Pywikibot) fixes these.
DBNAME_EXCEPTIONS = {
    ('be-tarask', 'wikipedia'): 'be_x_oldwiki',
    ('mul', 'wikisource'): 'sourceswiki',
    ('en', 'wikitech'): 'labswiki',
    ('test', 'wikipedia'): 'testwiki',
    ('test2', 'wikipedia'): 'test2wiki',
    ('test', 'wikidata'): 'testwikidatawiki',
    ('test', 'commons'): 'testcommonswiki',
}

#: Suffix of the database name per multi-language family.
SUFFIX = {'wikipedia': 'wiki', 'wikimediachapter': 'wikimedia'}

#: Meta-Wiki's interwiki prefixes for Wikimedia projects (Special:Interwiki on
#: Meta; not part of Pywikibot's offline data). Value: family.
INTERWIKI = {
    'w': 'wikipedia', 'wikipedia': 'wikipedia',
    'wikt': 'wiktionary', 'wiktionary': 'wiktionary',
    'b': 'wikibooks', 'wikibooks': 'wikibooks',
    'n': 'wikinews', 'wikinews': 'wikinews',
    'q': 'wikiquote', 'wikiquote': 'wikiquote',
    's': 'wikisource', 'wikisource': 'wikisource',
    'v': 'wikiversity', 'wikiversity': 'wikiversity',
    'voy': 'wikivoyage', 'wikivoyage': 'wikivoyage',
    'c': 'commons', 'commons': 'commons',
    'd': 'wikidata', 'wikidata': 'wikidata',
    'm': 'meta', 'meta': 'meta', 'metawikimedia': 'meta', 'metawikipedia': 'meta',
    'mw': 'mediawiki', 'mediawikiwiki': 'mediawiki',
    'species': 'species', 'wikispecies': 'species',
    'incubator': 'incubator',
    'f': 'wikifunctions', 'wikifunctions': 'wikifunctions',
    'outreach': 'outreach', 'outreachwiki': 'outreach',
    'wmf': 'foundation', 'foundation': 'foundation', 'wikimedia': 'foundation',
    'wikitech': 'wikitech',
    'wikimania': 'wikimania',
}

#: Which code an interwiki prefix means when no language follows it (on Meta).
DEFAULT_CODE = {
    'wikipedia': 'en', 'wiktionary': 'en', 'wikibooks': 'en', 'wikinews': 'en',
    'wikiquote': 'en', 'wikisource': 'mul', 'wikiversity': 'en', 'wikivoyage': 'en',
    'wikimania': 'wikimania', 'wikitech': 'en',
}

#: Project names as people write them (English plus a best-effort handful of
#: localized brand names; sitenames are per-wiki configuration that MediaWiki's
#: language files do not carry). Lower-cased on output.
PROJECT_NAMES: dict[str, tuple[str, ...]] = {
    'wikipedia': (
        'Wikipedia', 'Wikipédia', 'Wikipedias', 'Wikipédias', 'Wikipedie', 'Wikipedija',
        'Vikipedi', 'Vikipedio', 'Vikipeedia', 'Wikipedio', 'Vikipēdija', 'Vikipedija',
        'Википедия', 'Вікіпедія', 'Уикипедия', 'Википедија', 'ויקיפדיה', 'ويكيبيديا',
        'ویکی‌پدیا', 'ویکیپیڈیا', 'विकिपीडिया', 'উইকিপিডিয়া', 'ウィキペディア', '维基百科',
        '維基百科', '위키백과', 'วิกิพีเดีย', 'Βικιπαίδεια', 'Wikipèdia', 'Wikipedy',
    ),
    'wiktionary': (
        'Wiktionary', 'Wiktionnaire', 'Wikcionario', 'Wikcionário', 'Wikizionario',
        'Wikisłownik', 'Wikiwoordenboek', 'Wikiordbok', 'Викисловарь', 'Вікісловник',
        'ויקימילון', 'ويكاموس', 'ویکی‌واژه', 'ウィクショナリー', '维基词典', '維基詞典',
        '위키낱말사전', 'Vikisözlük', 'Wikislovník', 'Wikisanakirja',
    ),
    'wikibooks': ('Wikibooks', 'Wikilivres', 'Wikilibros', 'Wikilibri', 'Wikilivros',
                  'Викиучебник', 'ويكي_كتب', 'ウィキブックス', '维基教科书'),
    'wikinews': ('Wikinews', 'Wikinotizie', 'Wikinoticias', 'Wikinotícias',
                 'Викиновости', 'ويكي_أخبار', 'ウィキニュース', '维基新闻'),
    'wikiquote': ('Wikiquote', 'Wikicytaty', 'Викицитатник', 'ويكي_الاقتباس', 'ウィキクォート',
                  '维基语录'),
    'wikisource': ('Wikisource', 'Wikizródła', 'Wikiźródła', 'Викитека', 'ويكي_مصدر',
                   'ウィキソース', '维基文库', 'Multilingual Wikisource'),
    'wikiversity': ('Wikiversity', 'Wikiversité', 'Wikiversidad', 'Wikiversità',
                    'Wikiversidade', 'Викиверситет', 'ウィキバーシティ', '维基学院'),
    'wikivoyage': ('Wikivoyage', 'Wikiviajes', 'Викигид', 'ویکی‌سفر', 'ウィキボヤージュ',
                   '维基导游'),
    'commons': ('Commons', 'Wikimedia Commons', 'Wikimedia-Commons', 'Commons Wikimedia',
                'Wikicommons', 'Wiki Commons', 'Викисклад', 'ويكيميديا_كومنز', 'コモンズ',
                '维基共享资源'),
    'wikidata': ('Wikidata', 'Викиданные', 'ويكي_بيانات', 'ウィキデータ', '维基数据'),
    'meta': ('Meta', 'Meta-Wiki', 'Meta Wiki', 'Metawiki', 'Meta-Wikimedia', 'Wikimedia Meta',
             'Wikimedia Meta-Wiki', 'Meta.wikimedia', 'Méta-Wiki', 'Méta'),
    'mediawiki': ('MediaWiki', 'MediaWiki.org', 'MediaWiki wiki', 'mw.org'),
    'species': ('Wikispecies', 'Species', 'Wikimedia Species', 'Викивиды'),
    'incubator': ('Incubator', 'Wikimedia Incubator'),
    'wikifunctions': ('Wikifunctions', 'Wikifonctions'),
    'outreach': ('Outreach', 'Outreach wiki'),
    'foundation': ('Wikimedia Foundation wiki', 'Foundation wiki', 'Foundation'),
    'wikitech': ('Wikitech',),
}

#: Display group for KPI figures; families not listed fall into "Other".
GROUPS = {
    'wikipedia': 'Wikipedia', 'wiktionary': 'Wiktionary', 'wikibooks': 'Wikibooks',
    'wikinews': 'Wikinews', 'wikiquote': 'Wikiquote', 'wikisource': 'Wikisource',
    'wikiversity': 'Wikiversity', 'wikivoyage': 'Wikivoyage', 'commons': 'Commons',
    'wikidata': 'Wikidata', 'species': 'Wikispecies', 'wikifunctions': 'Wikifunctions',
    'mediawiki': 'MediaWiki',
}

#: Locales whose CLDR language names are recognised (besides English and
#: each language's own name).
CLDR_LOCALES = (
    'en', 'fr', 'de', 'es', 'it', 'pt', 'nl', 'pl', 'sv', 'ru', 'uk', 'ar', 'fa', 'he',
    'tr', 'id', 'vi', 'ja', 'zh', 'ko', 'hi', 'bn', 'cs', 'ca',
)


def norm_key(text: str) -> str:
    """Lookup key: NFC, underscores as spaces, collapsed spaces, lower case."""
    text = unicodedata.normalize('NFC', text).replace('_', ' ')
    return ' '.join(text.split()).lower()


def _items(value: Any) -> Iterable[tuple[Any, Any]]:
    """PHP arrays come back as lists when their keys are 0..n-1."""
    return value.items() if isinstance(value, dict) else enumerate(value)


#: Some language files quote a constant by mistake (``'NS_TALK'``).
NS_CONSTANTS = {'NS_MEDIA': -2, 'NS_SPECIAL': -1, 'NS_MAIN': 0, 'NS_TALK': 1, 'NS_USER': 2,
                'NS_USER_TALK': 3, 'NS_PROJECT': 4, 'NS_PROJECT_TALK': 5}


def _ns(value: Any) -> int | None:
    """A namespace number from a PHP key or value; None when it is no number."""
    if isinstance(value, str) and value in NS_CONSTANTS:
        return NS_CONSTANTS[value]
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def dump_mediawiki(root: Path, ucfirst_overrides: Path | None = None) -> dict[str, Any]:
    """Run PHP on MediaWiki's language files and return the raw dump."""
    with tempfile.NamedTemporaryFile('w', suffix='.php', delete=False) as handle:
        handle.write(PHP_DUMP)
        script = handle.name
    extra = [str(ucfirst_overrides)] if ucfirst_overrides else []
    try:
        out = subprocess.run(['php', script, str(root), *extra], check=True,
                             capture_output=True, text=True).stdout
    finally:
        os.unlink(script)
    return json.loads(out)


def build_namespaces(dump: dict[str, Any]) -> dict[str, Any]:
    """User/User talk/Special names and Contributions aliases of every language."""
    found: dict[str, set[str]] = {'user': set(), 'user_talk': set(), 'special': set()}
    other: set[str] = set()
    contributions: set[str] = set()
    for messages in dump['messages'].values():
        pairs = [(_ns(k), v) for k, v in _items(messages['names'])]
        pairs += [(_ns(v), k) for k, v in _items(messages['aliases'])]
        for ns, forms in _items(messages['gender']):
            pairs += [(_ns(ns), form) for form in forms.values()]
        for ns, name in pairs:
            if '$1' in name:
                continue
            role = ROLES.get(ns)
            (found[role] if role else other).add(norm_key(name))
        contributions.update(norm_key(alias) for alias in messages['contributions'])
    # Canonical names work on every wiki.
    found['user'].add('user')
    found['user_talk'].add('user talk')
    found['special'].add('special')
    contributions.update({'contributions', 'contribs'})
    # A name that is a User-ish namespace somewhere and another namespace
    # elsewhere would be ambiguous; MediaWiki 1.39 has none, keep it that way.
    ambiguous = sorted(other & set().union(*found.values()))
    overrides = first_letter_overrides(dump['title'], dump.get('ucfirst_overrides')
                                       or WMF_UCFIRST_OVERRIDES)
    return {
        'source': 'MediaWiki languages/messages/Messages*.php',
        'user': sorted(found['user']),
        'user_talk': sorted(found['user_talk']),
        'special': sorted(found['special']),
        'contributions': sorted(contributions),
        'ambiguous': ambiguous,
        'upper_source': WMF_UCFIRST_SOURCE,
        'upper_overrides': dict(sorted(overrides.items())),
    }


def first_letter_overrides(title: dict[str, str], wmf: dict[str, str]) -> dict[str, str]:
    """Every character whose first-letter case on Wikimedia's wikis differs from
    Python's ``str.upper``: Wikimedia's override, else PHP's title case (``title``
    lists the characters it changes), as Language::ucfirst does."""
    overrides: dict[str, str] = {}
    for point in range(0x80, 0x110000):
        if 0xD800 <= point <= 0xDFFF:
            continue
        char = chr(point)
        wanted = wmf.get(char, title.get(char, char))
        if char.upper() != wanted:
            overrides[char] = wanted
    return overrides


def _babel_key(code: str) -> str:
    """MediaWiki code -> babel/CLDR identifier (``pt-br`` -> ``pt_BR``)."""
    parts = code.split('-')
    out = [parts[0]]
    for part in parts[1:]:
        if len(part) == 4:
            out.append(part.title())
        elif len(part) == 2:
            out.append(part.upper())
        else:
            out.append(part)
    return '_'.join(out)


def build_languages(dump: dict[str, Any]) -> dict[str, Any]:
    """Codes, autonyms and language names (CLDR) -> MediaWiki code."""
    from babel import Locale, UnknownLocaleError

    autonyms: dict[str, str] = dict(sorted(dump['autonyms'].items()))
    deprecated: dict[str, str] = dict(dump['deprecated'])
    bcp47 = {v.lower(): k for k, v in dump['bcp47'].items() if v.lower() not in autonyms}
    names: dict[str, str] = {}

    def add(name: str | None, code: str) -> None:
        if not name:
            return
        key = norm_key(name)
        if key and key not in autonyms and key not in deprecated:
            names.setdefault(key, code)

    for code, autonym in autonyms.items():  # highest priority: MediaWiki's autonyms
        add(autonym, code)
    for code in autonyms:  # CLDR's own-language names
        try:
            loc = Locale.parse(_babel_key(code))
            add(loc.get_display_name(loc), code)
        except (ValueError, UnknownLocaleError):
            pass
    for locale_code in CLDR_LOCALES:
        table = Locale.parse(locale_code).languages
        for code in autonyms:
            add(table.get(_babel_key(code)), code)
    return {
        'source': 'MediaWiki Names.php and LanguageCode.php; CLDR via babel',
        'autonyms': autonyms,
        'deprecated': deprecated,
        'bcp47': dict(sorted(bcp47.items())),
        'names': dict(sorted(names.items())),
    }


def dbname(code: str, family: str) -> str:
    """Wikimedia's database name of one (code, family) wiki."""
    if (code, family) in DBNAME_EXCEPTIONS:
        return DBNAME_EXCEPTIONS[code, family]
    if family == 'wikimania':
        return ('wikimania' if code == 'wikimania' else 'wikimania' + code) + 'wiki'
    if code == family:  # single-site families: commonswiki, metawiki, ...
        return family + 'wiki'
    return code.replace('-', '_') + SUFFIX.get(family, family)


def build_wikis() -> dict[str, Any]:
    """Every Wikimedia wiki Pywikibot knows, by database name."""
    # Pywikibot's own family files only: an operator's or the test bed's
    # configuration may redefine families (the test bed points them at
    # local wikis), which must not leak into the committed data.
    os.environ['PYWIKIBOT_NO_USER_CONFIG'] = '2'
    os.environ['PYWIKIBOT_DIR'] = tempfile.mkdtemp(prefix='techroles-gen-')
    from pywikibot.family import Family  # development-time only

    sites: dict[str, list[str]] = {}
    closed: set[str] = set()
    aliases: dict[str, dict[str, str]] = {}
    common: dict[str, str] | None = None
    for name in FAMILIES:
        fam = Family.load(name)
        test_codes = set(getattr(fam, 'test_codes', ()))
        code_aliases = dict(getattr(fam, 'code_aliases', {}))
        removed = set(getattr(fam, 'removed_wikis', ()))
        codes = set()
        for code, host in sorted(fam.langs.items()):
            if code in code_aliases or code in removed or 'beta.wmcloud.org' in host:
                continue
            if code in test_codes and code not in ('test', 'test2'):
                continue
            codes.add(code)
            db = dbname(code, name)
            sites.setdefault(db, [code, name, host])
            if code in getattr(fam, 'closed_wikis', ()):
                closed.add(db)
        fam_aliases = {alias: code for alias, code in code_aliases.items()
                       if code in codes and code != 'mul'}
        if common is None:
            common = fam_aliases
            aliases['*'] = dict(sorted(common.items()))
        extra = {k: v for k, v in fam_aliases.items() if common.get(k) != v}
        if extra:
            aliases[name] = dict(sorted(extra.items()))
    projects: dict[str, str] = {}
    for family, names in PROJECT_NAMES.items():
        for pname in names:
            projects.setdefault(norm_key(pname), family)
    return {
        'source': 'Pywikibot family files; Meta interwiki map; hand-listed project names',
        'sites': dict(sorted(sites.items())),
        'closed': sorted(closed),
        'code_aliases': aliases,
        'interwiki': INTERWIKI,
        'default_code': DEFAULT_CODE,
        'projects': dict(sorted(projects.items())),
        'groups': GROUPS,
    }


def input_versions(mediawiki: Path) -> dict[str, dict[str, str]]:
    """The versions of the generator's inputs, per output file.

    Recorded in each file (``inputs``) so that a test can tell a real change
    from a different input: the data is reproducible only from the same
    MediaWiki language files, Pywikibot family files and CLDR release.
    """
    import babel
    import pywikibot

    defines = (mediawiki / 'includes' / 'Defines.php').read_text(encoding='utf-8')
    found = re.search(r"define\( 'MW_VERSION', '([^']+)'", defines)
    mw = found.group(1) if found else 'unknown'
    return {
        'namespaces.json': {'mediawiki': mw},
        'languages.json': {'mediawiki': mw, 'babel': babel.__version__},
        'wikis.json': {'pywikibot': pywikibot.__version__},
    }


def write(path: Path, data: dict[str, Any]) -> None:
    """Compact but diffable: one top-level key per line."""
    lines = ['{']
    keys = list(data)
    for i, key in enumerate(keys):
        comma = ',' if i < len(keys) - 1 else ''
        value = json.dumps(data[key], ensure_ascii=False, sort_keys=False,
                           separators=(',', ':'))
        lines.append(f'{json.dumps(key)}:{value}{comma}')
    lines.append('}')
    path.write_text('\n'.join(lines) + '\n', encoding='utf-8')


def main(argv: list[str] | None = None) -> int:
    """Regenerate every JSON file under ``techroles/data``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--mediawiki', type=Path, default=Path('/usr/share/mediawiki'),
                        help='MediaWiki installation to read language files from')
    parser.add_argument('--out', type=Path, default=HERE, help='output directory')
    parser.add_argument('--ucfirst-overrides', type=Path, default=None,
                        help="a copy of Wikimedia's wmf-config/UcfirstOverrides.php "
                             '(default: the copy recorded in this generator)')
    args = parser.parse_args(argv)
    dump = dump_mediawiki(args.mediawiki, args.ucfirst_overrides)
    inputs = input_versions(args.mediawiki)
    for name, data in (('namespaces.json', build_namespaces(dump)),
                       ('languages.json', build_languages(dump)),
                       ('wikis.json', build_wikis())):
        write(args.out / name, {'inputs': inputs[name], **data})
    for name in ('namespaces.json', 'languages.json', 'wikis.json'):
        size = (args.out / name).stat().st_size
        print(f'{name}: {size} bytes', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
