"""What readers see: the bot's pages rendered by MediaWiki, opened in headless Chromium.

The demo's content (``testbed.demo``: sign-up pages in several
layouts, people with varied histories, Tech News with translations, an
Arabic page on arwiki) is built on the test farm, the bot runs as an
operator runs it (``techroles update``, ``techroles kpi``, ``techroles run``),
and Debian's ``chromium`` (never a downloaded browser) loads the pages:
``--dump-dom`` gives the DOM after the page's scripts ran, ``--screenshot``
a PNG. Chromium cannot leave the machine: every host name but 127.0.0.1
resolves to nothing and every other connection goes to a dead proxy.

Screenshots are kept in ``.testbed/screenshots/`` of the checkout (replaced
on every run) so that a person can look at them after the test.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from testbed import demo
from testbed.farm import BOT
from tests.conftest import ROOT, subprocess_env
from tests.integration.world import base_now


pytestmark = pytest.mark.integration

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
SCREENSHOTS = ROOT / '.testbed' / 'screenshots'
#: Flags for a headless browser that stays on this machine and leaves nothing behind.
FLAGS = (
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    '--disable-default-apps', '--disable-extensions', '--hide-scrollbars', '--mute-audio',
    '--proxy-server=http://127.0.0.1:9',
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    '--lang=en-US', '--window-size=1280,1800',
)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ''
    classes: set[str] = field(default_factory=set)


class Dom(HTMLParser):
    """Every element of a page with its attributes and the text directly inside it."""

    VOID = frozenset({'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta',
            'source', 'track', 'wbr'})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or '' for k, v in attrs}
        element = Element(tag, values, classes=set(values.get('class', '').split()))
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open[-1:]:
            element.text += data

    def find(self, tag: str | None = None, cls: str | None = None,
             **attrs: str) -> list[Element]:
        return [e for e in self.elements
                if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)
                and all(e.attrs.get(k.replace('_', '-')) == v for k, v in attrs.items())]

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Element:
        found = self.find(tag, cls, **attrs)
        assert len(found) == 1, f'expected one <{tag} class={cls} {attrs}>, found {len(found)}'
        return found[0]


def chromium(url: str, *args: str) -> subprocess.CompletedProcess:
    """One headless Chromium run with a fresh profile."""
    with tempfile.TemporaryDirectory(prefix='techroles-chromium-') as profile:
        proc = subprocess.run(
            [CHROMIUM, *FLAGS, f'--user-data-dir={profile}', *args, url],
            capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, 'HOME': profile},
        )
    assert proc.returncode == 0, f'chromium failed on {url}: {proc.stderr[-2000:]}'
    return proc


def open_pages(pages: Sequence[tuple[str, str]]) -> dict[str, Dom]:
    """Dump the DOM of each (name, URL) and save its screenshot as ``name.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def dump(url: str) -> Dom:
        return Dom(chromium(url, '--dump-dom').stdout)

    def shot(name: str, url: str) -> None:
        path = SCREENSHOTS / f'{name}.png'
        path.unlink(missing_ok=True)
        chromium(url, f'--screenshot={path}')
        assert path.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n', f'{path} is not a PNG'
        assert path.stat().st_size > 10_000, f'{path} looks empty'

    with ThreadPoolExecutor(max_workers=4) as pool:
        doms = {name: pool.submit(dump, url) for name, url in pages}
        shots = [pool.submit(shot, name, url) for name, url in pages]
        for future in shots:
            future.result()
        return {name: future.result() for name, future in doms.items()}


@pytest.fixture()
def pywikibot_dir(wiki, tmp_path) -> Path:
    """The farm's Pywikibot configuration, with the bot also logging in on arwiki."""
    target = tmp_path / 'pywikibot'
    shutil.copytree(wiki.pywikibot_dir, target,
                    ignore=shutil.ignore_patterns('apicache*', 'logs', '*.lwp', 'throttle.ctrl'))
    with (target / 'user-config.py').open('a') as config:
        config.write(f"usernames['wikipedia']['ar'] = {BOT!r}\n")
    return target


def test_signup_tables_and_kpi_pages_in_a_browser(wiki, tmp_path, pywikibot_dir):
    if not Path(CHROMIUM).exists():
        message = "chromium is not installed (make setup installs Debian's chromium package)"
        if os.environ.get('CI'):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    demo.seed(wiki, now=base_now())
    configs = demo.configurations(tmp_path)
    env = subprocess_env(PYWIKIBOT_DIR=str(pywikibot_dir))
    runs = [demo.run_bot('update', configs['meta'], tmp_path, env),
            demo.run_bot('kpi', configs['meta'], tmp_path, env),
            demo.run_bot('run', configs['ar'], tmp_path, env)]
    for run in runs:
        assert run.code == 0, f'{run.command} {run.config}: {run.log.read_text()[-3000:]}'
    assert demo.check_expected(runs) == []  # every seeded status, as `make demo` prints them
    update, kpi_report = runs[0].report, runs[1].report
    written = {p['name']: p['status'] for p in update['people']}

    url = lambda db, title: demo.page_url(wiki, db, title)  # noqa: E731
    doms = open_pages([
        ('meta-ambassadors', url('metawiki', demo.AMBASSADORS)),
        ('meta-translators', url('metawiki', demo.TRANSLATORS)),
        ('meta-kpi', url('metawiki', demo.KPI_PAGE)),
        ('arwiki-ambassadors', url('arwiki', demo.AR_AMBASSADORS)),
        ('arwiki-kpi', url('arwiki', demo.AR_KPI)),
    ])

    # The Meta sign-up page: its tables and rows, one status span per person.
    page = doms['meta-ambassadors']
    html = page.one('html')
    assert html.attrs['dir'] == 'ltr' and 'client-js' in html.classes  # scripts ran
    tables = page.find('table', 'wikitable')
    assert len(tables) == 2
    assert len(page.find('tr')) >= 17  # headers + 12 and 4 rows
    spans = page.find('span', 'techroles-status')
    shown = {s.attrs['data-user']: s.attrs['data-status'] for s in spans}
    assert len(spans) == len(shown) == 14
    assert {'active', 'slipping', 'new', 'inactive', 'renamed', 'blocked', 'locked',
            'missing'} <= set(shown.values())
    for name, status in shown.items():
        assert written[name] == status, name  # the DOM says what the report says
    assert shown['Plume Rapide'] == 'slipping' and shown['Serra Verde'] == 'new'
    assert page.one('span', 'techroles-status', data_user='Castor Bricoleur').text.startswith(
        'No activity seen since')
    text = ' '.join(e.text for e in page.elements)
    assert '(exams until June — Castor)' in text          # a person's note kept
    assert "En pause jusqu'en mars" in text                # the manual cell
    assert 'Marmotte Endormie' not in shown and 'Afar Pioneer' not in shown
    assert not page.find(cls='error')                     # no template or parser errors

    # The translator page: both layouts, languages as names, autonyms and codes.
    translators = doms['meta-translators']
    assert len(translators.find('table', 'wikitable')) == 2
    statuses = {s.attrs['data-user']: s.attrs['data-status']
                for s in translators.find('span', 'techroles-status')}
    assert statuses['Traductrice Alpha'] == 'active'
    assert statuses['Tradutor Épsilon'] == 'new'
    assert statuses['מתרגם טכני'] == 'missing'

    # The KPI page: the bot's section, its headline figure, one row per language.
    kpi_dom = doms['meta-kpi']
    section = kpi_dom.one('div', 'techroles-kpi')
    assert section.attrs['dir'] == 'ltr' and section.attrs['lang'] == 'en'
    headlines = kpi_dom.one('table', 'techroles-kpi-headlines')
    assert headlines is not None
    amb = kpi_report['ambassadors']
    figures = ' '.join(e.text for e in kpi_dom.elements)
    assert f'{amb["active"]}' in figures and f'of {amb["listed"]} listed' in figures
    targeted = kpi_report['translation']['targeted_languages']
    assert targeted == ['ar', 'de', 'es', 'fr', 'he', 'pt-br', 'uk']
    issue_links = [a for a in kpi_dom.find('a')
                   if any(i.replace(' ', '_') in a.attrs.get('href', '')
                          for i in kpi_report['translation']['issues'])]
    assert issue_links, 'the KPI page links the Tech News issues'

    # Where help is needed: the reach figure and four sortable lists, as the report says.
    reach, needed = kpi_report['reach'], kpi_report['help_needed']
    assert reach['with_active'] is not None and f'of {reach["communities"]} (' in figures
    assert {e['wiki'] for e in needed['communities_without_active']} == {'dewiki', 'jawiki'}
    assert [e['wiki'] for e in needed['communities_at_risk']] == ['mediawikiwiki']
    assert 'ja' in {e['language'] for e in needed['languages_without_translator']}
    assert_help_section(kpi_dom, needed)

    # The Arabic pages: right to left, Arabic labels, the KPI section marked rtl.
    arabic = doms['arwiki-ambassadors']
    assert arabic.one('html').attrs['dir'] == 'rtl'
    assert arabic.one('html').attrs['lang'] == 'ar'
    assert arabic.one('div', id='mw-content-text').attrs['dir'] == 'rtl'
    ar_spans = {s.attrs['data-user']: (s.attrs['data-status'], s.text)
                for s in arabic.find('span', 'techroles-status')}
    assert {n: s for n, (s, _) in ar_spans.items()} == demo.EXPECTED_AR
    assert ar_spans['نسيم الشمال'][1] == 'نشاط حديث'
    ar_kpi = doms['arwiki-kpi']
    assert ar_kpi.one('html').attrs['dir'] == 'rtl'
    ar_section = ar_kpi.one('div', 'techroles-kpi')
    assert ar_section.attrs['dir'] == 'rtl' and ar_section.attrs['lang'] == 'ar'
    assert_help_section(ar_kpi, None)  # the same section, right to left

    for name in doms:
        assert (SCREENSHOTS / f'{name}.png').exists()


HELP_TABLES = {'communities_without_active': 'techroles-kpi-help-without',
               'communities_at_risk': 'techroles-kpi-help-at-risk',
               'languages_short': 'techroles-kpi-help-languages',
               'languages_without_translator': 'techroles-kpi-help-untranslated'}


def assert_help_section(dom: Dom, needed: dict | None) -> None:
    """The section's heading and its four sortable tables;
    with the report's ``help_needed``, one row per entry."""
    assert dom.one('h3', id='techroles-kpi-help') is not None
    for key, css in HELP_TABLES.items():
        table = dom.one('table', css)
        assert 'sortable' in table.classes, css  # MediaWiki's sortable table
        if needed is not None:
            rows = [e for e in dom.elements if e.tag == 'th' and e.attrs.get('scope') == 'row'
                    and _inside(dom, e, table)]
            assert len(rows) == len(needed[key]), (key, len(rows), needed[key])


def _inside(dom: Dom, element: Element, table: Element) -> bool:
    """``element`` comes after ``table`` and before the next table in document order."""
    order = dom.elements
    start = order.index(table)
    end = next((i for i in range(start + 1, len(order)) if order[i].tag == 'table'), len(order))
    return start < order.index(element) < end
