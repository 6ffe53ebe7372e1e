"""Tech News coverage read from the local wikis (techroles/wiki/translate.py).

The fixtures are Tech News issues of February 2025 on Meta, with
``Translations:`` pages saved at chosen times around each delivery, and one
issue on frwiki, whose Translate and MassMessage stand-ins are switched off.
Every expected figure below is worked out by hand in the comments next to
the fixture it comes from.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from techroles import coverage
from techroles.coverage import IssueFigure, StatsFigure
from techroles.wiki import api, translate
from testbed.fixtures import World


pytestmark = pytest.mark.integration

UTC = timezone.utc
SNAPSHOT = 'translate-coverage'
LIST = 'Global message delivery/Targets/Tech ambassadors'
OTHER_LIST = 'Global message delivery/Targets/Other'
LANGS = ['fr', 'de', 'ar', 'es']          # es: no translation at all
A = 'Tech/News/2025/06'                    # Monday 3 February; delivery logged 15:30
B = 'Tech/News/2025/07'                    # Monday 10 February; no send: estimated 20:00
D = 'Tech/News/2025/9'                     # Monday 24 February, unpadded title; logged 16:00
E = 'Tech/News/2025/10'                    # exists, not marked for translation (no unit)
WEEKS = [(2025, 6), (2025, 7), (2025, 8), (2025, 9), (2025, 10)]  # week 8: no issue
FR_ISSUE = 'Tech/News/2025/06'             # on frwiki, without the stand-ins

DELIVERY_A = datetime(2025, 2, 3, 15, 30, tzinfo=UTC)
DELIVERY_B = datetime(2025, 2, 10, 20, 0, tzinfo=UTC)
DELIVERY_D = datetime(2025, 2, 24, 16, 0, tzinfo=UTC)


def t(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A time in February 2025 (day 0 and below: late January)."""
    return datetime(2025, 2, 1, hour, minute, tzinfo=UTC) + timedelta(days=day - 1)


def source(*units: int, extra: str = '') -> str:
    """An issue's source text, as Meta's Tech News pages are marked up."""
    body = '\n\n'.join(
        f'== Updates for editors == <!--T:{u}-->' if i == 0 else
        f'<!--T:{u}-->\nItem {u} with a <tvar name=1>[[mw:Special:MyLanguage/X|link]]</tvar>.'
        for i, u in enumerate(units))
    return ('<languages/>\n<section begin="tech-newsletter-content"/>\n'
            f'<translate>\n{body}\n\n<!--T:-1-->\nNot marked yet.\n</translate>\n'
            f'<!--T:42--> a marker outside translate is no unit\n{extra}'
            '<section end="tech-newsletter-content"/>\n')


class Fixture:
    """Pages with backdated revisions: ``add(title, (when, text), …)``."""

    def __init__(self, world: World, wiki: str) -> None:
        self.world, self.wiki = world, wiki

    def add(self, title: str, *history: tuple[datetime, str], user: str = 'Meta Only') -> None:
        self.world.page(self.wiki, title, [
            ((self.world.now - when) / timedelta(days=1),
             'FuzzyBot' if text.startswith('!!FUZZY!!') else user, text)
            for when, text in history])

    def tr(self, issue: str, unit: int | str, lang: str, *history: tuple[datetime, str]) -> None:
        self.add(coverage.translation_title(issue, str(unit), lang), *history)

    def log_send(self, when: datetime, title: str = LIST) -> None:
        self.world.log(self.wiki, 'massmessage', 'send', 'Admin', title,
                       (self.world.now - when) / timedelta(days=1))


def build(farm) -> None:
    world = World(farm)
    meta = Fixture(world, 'metawiki')
    # -- A: units 1-5, delivered (logged) on 3 February at 15:30 --------------
    meta.add(A, (t(-3), source(1, 2, 3, 4, 5)), user='Admin')
    meta.log_send(t(3, 10), OTHER_LIST)          # another list: ignored
    meta.log_send(DELIVERY_A)                     # the earliest send of the list that week
    meta.log_send(t(3, 18))
    meta.log_send(t(2, 20))                       # Sunday: the week before
    # fr: now {1,2,3,4} = 4/5; at delivery {1,4,5} = 3/5
    meta.tr(A, 1, 'fr', (t(-1, 10), 'Unité 1'))
    meta.tr(A, 2, 'fr', (t(1, 10), 'Unité 2'), (t(2, 9), '!!FUZZY!!Unité 2'),
            (t(4, 10), 'Unité 2 corrigée'))       # fuzzy at delivery, fixed after
    meta.tr(A, 3, 'fr', (t(3, 17), 'Unité 3'))   # after 15:30, before the 20:00 estimate
    meta.tr(A, 4, 'fr', (t(1, 11), 'Unité 4'), (t(5, 10), 'Unité 4 v2'),
            (t(6, 10), 'Unité 4 v3'))             # two revisions after delivery
    meta.tr(A, 5, 'fr', (t(0, 10), 'Unité 5'), (t(10, 10), '!!FUZZY!!Unité 5'))
    # de: now {1,2} = 2/5 (3 fuzzy, 99 is no unit); at delivery the same
    meta.tr(A, 1, 'de', (t(2, 12), 'Einheit 1'))
    meta.tr(A, 2, 'de', (t(2, 12, 5), 'Einheit 2'))
    meta.tr(A, 3, 'de', (t(2, 12, 10), '!!FUZZY!!Einheit 3'))
    meta.tr(A, 99, 'de', (t(2, 13), 'Alt'))
    # ar: all five after delivery: now 5/5, at delivery 0/5
    for unit in range(1, 6):
        meta.tr(A, unit, 'ar', (t(8, unit), f'وحدة {unit}'))
    meta.add(f'{A}/fr', (t(4, 11), 'Page traduite (rendue).'))
    # -- B: units 1-4 + the display title, no send: estimated 10 Feb 20:00 ------
    meta.add(B, (t(5), source(1, 2, 3, 4)), user='Admin')
    # fr: now 5/5; at delivery {1,2,3,title} = 4/5
    for unit in (1, 2, 3):
        meta.tr(B, unit, 'fr', (t(10, 19), f'Unité {unit}'))
    meta.tr(B, 4, 'fr', (t(10, 21), 'Unité 4'))
    meta.tr(B, translate.DISPLAY_TITLE_UNIT, 'fr', (t(10, 18), 'Actualités techniques'))
    # de: 1/5 now and at delivery
    meta.tr(B, 1, 'de', (t(9), 'Einheit 1'))
    # ar: !!FUZZY!! inside the text: fuzzy wherever it stands, for Translate and for
    # counting alike (MessageHandle::hasFuzzyString is str_contains): 1/5 both.
    meta.tr(B, 1, 'ar', (t(9), 'نص'))
    for unit in (2, 3):
        meta.tr(B, unit, 'ar', (t(9), 'نص !!FUZZY!! قديم'))
    # -- D: units 1-3, unpadded title, delivered (logged) 24 Feb 16:00 --------
    meta.add(D, (t(20), source(1, 2, 3)), user='Admin')
    meta.log_send(DELIVERY_D)
    # fr: 3/3 and 3/3; de: now {1,2} = 2/3, at delivery {2} = 1/3
    for unit in (1, 2, 3):
        meta.tr(D, unit, 'fr', (t(23), f'Unité {unit}'))
    meta.tr(D, 1, 'de', (t(25), 'Einheit 1'))
    meta.tr(D, 2, 'de', (t(23), 'Einheit 2'), (t(26), 'Einheit 2 v2'))
    # -- E: a page without units; week 8 has no issue at all -----------------
    meta.add(E, (t(28), 'This issue is being prepared.'), user='Admin')
    # -- frwiki: the same kind of issue, later read without the stand-ins -----
    fr = Fixture(world, 'frwiki')
    fr.add(FR_ISSUE, (t(-3), source(1, 2, 3)), user='Admin')
    fr.log_send(t(3, 15))                         # invisible once MassMessage is off
    # en: now {1,2} = 2/3; at the estimated 20:00 delivery {1,2,3} = 3/3
    fr.tr(FR_ISSUE, 1, 'en', (t(2), 'Unit 1'))
    fr.tr(FR_ISSUE, 2, 'en', (t(3, 17), 'Unit 2'))
    fr.tr(FR_ISSUE, 3, 'en', (t(2), 'Unit 3'), (t(4), '!!FUZZY!!Unit 3'))
    # de: fuzzy from the start: 0/3 and 0/3
    fr.tr(FR_ISSUE, 1, 'de', (t(1), '!!FUZZY!!Einheit 1'))
    world.apply(standins={'messagegroupstats': {'displaytitle': [f'page-{B}']}})


@pytest.fixture(scope='module')
def coverage_world(farm):
    if not farm.has_snapshot(SNAPSHOT):
        farm.restore('base')
        build(farm)
        farm.snapshot(SNAPSHOT)
    yield farm
    farm.restore('base')  # leave the farm as the other modules expect it


@pytest.fixture()
def cw(coverage_world):
    coverage_world.restore(SNAPSHOT)
    yield coverage_world


@pytest.fixture()
def meta():
    import pywikibot

    return pywikibot.Site('meta', 'meta')


def collect(site, **kwargs) -> tuple[translate.CoverageData, int, list[float]]:
    """Run the collection; also return its request count and the sleeps it asked for."""
    slept: list[float] = []
    params = dict(weeks=WEEKS, languages=LANGS, prefix='Tech/News', source_language='en',
                  delivery_list=LIST, delivery_hour_utc=20, stats_retries=2,
                  stats_retry_wait=7.5, sleep=slept.append)
    params.update(kwargs)
    before = api.COUNTER[translate.PURPOSE]
    data = translate.collect_coverage(site, **params)
    return data, api.COUNTER[translate.PURPOSE] - before, slept


def merge_standins(farm, **sections) -> None:
    data = farm.read_standins()
    for key, value in sections.items():
        data.setdefault(key, {}).update(value)
    farm.write_standins(data)


@contextlib.contextmanager
def standins_off(farm, dbname: str) -> Iterator[None]:
    """Switch every stand-in of one wiki off (farm.json is re-read per request)."""
    path = farm.base / 'farm.json'
    data = json.loads(path.read_text())
    data['wikis'][dbname]['standins'] = False
    path.write_text(json.dumps(data, ensure_ascii=False))
    try:
        yield
    finally:
        farm.write_farm_file()


#: Every figure of the Meta fixtures, worked out by hand above:
#: (translated now, translated at delivery, total).
EXPECTED = {
    (A, 'fr'): (4, 3, 5), (A, 'de'): (2, 2, 5), (A, 'ar'): (5, 0, 5), (A, 'es'): (0, 0, 5),
    # B/ar: the marker inside the text is fuzzy both now and at delivery.
    (B, 'fr'): (5, 4, 5), (B, 'de'): (1, 1, 5), (B, 'ar'): (1, 1, 5), (B, 'es'): (0, 0, 5),
    (D, 'fr'): (3, 3, 3), (D, 'de'): (2, 1, 3), (D, 'ar'): (0, 0, 3), (D, 'es'): (0, 0, 3),
    (E, 'fr'): (0, 0, 0), (E, 'de'): (0, 0, 0), (E, 'ar'): (0, 0, 0), (E, 'es'): (0, 0, 0),
}


def figures_of(data: translate.CoverageData) -> dict:
    return {key: (f.translated, f.translated_at_delivery, f.total)
            for key, f in data.figures.items() if f.complete}


def test_every_figure_on_meta_with_translate_and_the_send_log(cw, meta):
    data, requests, slept = collect(meta)
    assert data.has_translate and data.has_delivery_log
    assert data.issues == [A, B, D, E]            # week 8 has no issue: not counted
    assert figures_of(data) == EXPECTED
    assert all(f.complete for f in data.figures.values())
    assert data.totals == {A: 5, B: 5, D: 3, E: 0}
    assert data.deliveries == {
        A: (DELIVERY_A, False), B: (DELIVERY_B, True), D: (DELIVERY_D, False),
        E: (datetime(2025, 3, 3, 20, tzinfo=UTC), True),
    }
    # Both sources, side by side: they agree.
    assert data.stats[(A, 'fr')] == StatsFigure(4, 5, 1)
    assert data.stats[(B, 'ar')] == StatsFigure(1, 5, 2)
    assert data.stats[(B, 'es')] == StatsFigure(0, 5, 0)
    counted = data.counted[(B, 'ar')]
    assert (counted.translated, counted.total, counted.translated_at_delivery) == (1, 5, 1)
    assert data.counted[(B, 'fr')].units == ('1', '2', '3', '4', translate.DISPLAY_TITLE_UNIT)
    assert data.counted[(A, 'de')].units == ('1', '2', '3', '4', '5')
    assert (E, 'fr') not in data.stats            # no unit: no group to ask about
    assert data.warnings == [
        f'{B}: no massmessage/send of {LIST} in its week; delivery estimated at '
        '2025-02-10T20:00:00Z',
        f'{E}: no massmessage/send of {LIST} in its week; delivery estimated at '
        '2025-03-03T20:00:00Z',
    ]
    # Every at-delivery figure is new (nothing was frozen), ready for the history.
    assert data.new_at_delivery == {k: v[1] for k, v in EXPECTED.items() if k[0] != E} | {
        (E, lang): 0 for lang in LANGS}
    # Requests: paraminfo, the candidate titles, the send log (1 each); per issue
    # with units one messagegroupstats and one allpages read (A, B, D); two rounds
    # of parent revisions for the whole period (A fr/2, fr/4, fr/5 and D de/2,
    # then fr/4 once more). No request per unit, none per language.
    assert requests == 3 + 3 + 3 + 2
    assert slept == []


def test_source_language_is_complete_and_the_kpi_takes_the_data_as_is(cw, meta):
    from techroles import kpi

    data, _, _ = collect(meta, languages=['en', 'fr'], prefix='Tech/News/')
    assert data.issues == [A, B, D, E]
    assert data.figures[(A, 'en')] == IssueFigure(5, 5, 5)
    assert (A, 'en') not in data.stats and (A, 'en') not in data.counted
    report = kpi.translation_kpi(data.issues, ['fr'], data.figures,
                                 {'content': 0.75, 'issues': 0.75, 'languages': 1},
                                 totals=data.totals, deliveries=data.deliveries)
    fr = report['languages']['fr']
    # E has nothing to translate; fr meets 0.75 in A (4/5), B (5/5), D (3/3);
    # at delivery in B (4/5) and D (3/3) only (A: 3/5).
    assert (fr['issues_total'], fr['issues_meeting'], fr['issues_meeting_at_delivery']) == (
        3, 3, 2)
    assert report['delivery'][B] == {'time': '2025-02-10T20:00:00Z', 'estimated': True}


def test_batches_of_two_titles_give_the_same_figures(cw, meta):
    data, requests, _ = collect(meta, limit=2)
    assert figures_of(data) == EXPECTED
    assert data.deliveries[A] == (DELIVERY_A, False)
    # Candidate titles 06, 6, 07, 7, 08, 8, 09, 9, 10: 5 requests. Translation
    # pages A 14, B 9, D 5: 7 + 5 + 3. Parent revisions: 4 then 1: 2 + 1.
    assert requests == 1 + 5 + 1 + 3 + (7 + 5 + 3) + (2 + 1)


def test_frozen_at_delivery_figures_are_kept_and_not_read_again(cw, meta):
    frozen = {(A, 'fr'): 2, (A, 'de'): 2, (A, 'ar'): 0, (A, 'es'): 0, (D, 'fr'): 1}
    data, requests, _ = collect(meta, frozen=frozen)
    assert data.figures[(A, 'fr')] == IssueFigure(4, 2, 5)     # not the 3 counted now
    assert data.figures[(D, 'fr')] == IssueFigure(3, 1, 3)
    assert data.figures[(D, 'de')] == IssueFigure(2, 1, 3)     # not frozen: read
    assert data.counted[(A, 'fr')].delivery is None
    assert not set(frozen) & set(data.new_at_delivery)
    assert data.new_at_delivery[(D, 'de')] == 1
    # Only D de/2 needs history now: one round instead of two.
    assert requests == 3 + 3 + 3 + 1


def test_units_as_of_the_last_marking(cw, meta):
    """Unit 3 left D's text after D was marked: Translate keeps counting the marked
    units (3), and the one-unit gap is no reason to invent a "Page display title" unit."""
    import pywikibot

    marked = pywikibot.Page(meta, D).latest_revision_id
    world = World(cw)
    Fixture(world, 'metawiki').add(D, (t(27), source(1, 2)), user='Admin')
    world.apply()
    merge_standins(cw, messagegroupstats={'marked': {D: marked}})
    data, _, _ = collect(meta)
    assert data.stats[(D, 'fr')].total == 3                   # the marked units
    assert data.counted[(D, 'fr')].units == ('1', '2')        # no invented title unit
    # Translate's current figure stands; the figure at delivery is counted over the
    # current text's units (2 of them), a known limit without list=messagecollection.
    assert data.figures[(D, 'fr')] == IssueFigure(3, 2, 3)
    # B translates its title (a translation of it exists): still counted as a unit.
    assert data.counted[(B, 'fr')].units[-1] == translate.DISPLAY_TITLE_UNIT


def test_fuzzy_tag_without_marker(cw, meta):
    """Translate marks a translation fuzzy by a revision tag that no text shows: the
    current figure (from the statistics) sees it; the count from the text cannot."""
    merge_standins(cw, messagegroupstats={'fuzzy_tags': [f'Translations:{D}/1/fr']})
    data, _, _ = collect(meta)
    assert data.stats[(D, 'fr')] == StatsFigure(2, 3, 1)
    assert data.figures[(D, 'fr')].translated == 2
    assert data.counted[(D, 'fr')].translated == 3            # text only: documented limit


def test_no_figure_at_delivery_before_the_delivery(cw, meta):
    """Server time before B's estimated delivery (a period reaching past today): B's
    figure at delivery is incomplete and not frozen; its current figure stands."""
    data, _, _ = collect(meta, now=DELIVERY_B - timedelta(hours=1))
    for lang in ('fr', 'de'):
        figure = data.figures[(B, lang)]
        assert figure.complete and not figure.at_delivery_complete
        assert (B, lang) not in data.new_at_delivery
        assert data.figures[(A, lang)].at_delivery_complete         # delivered before
        assert (A, lang) in data.new_at_delivery


def test_incomplete_statistics_are_continued_retried_and_never_zero(cw, meta):
    merge_standins(cw, messagegroupstats={'incomplete': {
        f'page-{A}': {'from': 'es', 'times': 2},   # the third request reaching es gets it
        f'page-{B}': {'from': 'fr', 'always': True},
    }})
    data, requests, slept = collect(meta)
    # A: rows up to es, continue (nothing new: rebuilding), wait, rest: 3 requests.
    # B: rows up to fr, continue, then one request after each of the two waits: 4.
    # D: 1. The waits are shared by the issues waiting at the same time.
    assert slept == [7.5, 7.5]
    assert requests == 3 + (3 + 4 + 1) + 3 + 2
    assert data.stats[(A, 'es')] == StatsFigure(0, 5, 0)
    assert data.stats[(A, 'fr')] == StatsFigure(4, 5, 1)
    # B/fr never came: incomplete, not 0 %. The languages before fr did come.
    assert data.stats[(B, 'fr')] == StatsFigure(0, 5, 0, complete=False)
    assert data.stats[(B, 'ar')] == StatsFigure(1, 5, 2)
    assert data.stats[(B, 'es')].complete
    # The figure then comes from counting, which is complete: 5/5, not 0.
    assert data.figures[(B, 'fr')] == IssueFigure(5, 4, 5)
    assert figures_of(data) == EXPECTED
    (warning,) = [w for w in data.warnings if 'still incomplete' in w]
    assert warning == (f"{B}: messagegroupstats still incomplete after 2 retries "
                       "(stopped at 'fr'); incomplete for fr")
    # Without counting to fall back on, such a figure stays incomplete.
    stats, _ = translate.group_stats(
        meta, [translate.Issue(B, 2025, 7, ('1', '2', '3', '4'))], ['fr'],
        retries=1, wait=0, sleep=slept.append)
    assert stats[(B, 'fr')] == StatsFigure(0, 5, 0, complete=False)
    assert not coverage.issue_figure(stats[(B, 'fr')], None).complete


def test_no_retry_when_the_cache_is_rebuilt_for_languages_nobody_wants(cw, meta):
    merge_standins(cw, messagegroupstats={'incomplete': {
        f'page-{A}': {'from': 'zu', 'always': True}}})
    data, requests, slept = collect(meta)
    assert slept == [] and requests == 3 + 3 + 3 + 2
    assert figures_of(data) == EXPECTED
    assert all(data.stats[(A, lang)].complete for lang in LANGS)


def test_a_wiki_without_translate_or_massmessage_is_counted(cw):
    import pywikibot

    site = pywikibot.Site('fr', 'wikipedia')
    with standins_off(cw, 'frwiki'):
        data, requests, _ = collect(site, weeks=[(2025, 6)], languages=['fr', 'en', 'de'],
                                    source_language='fr')
    assert not data.has_translate and not data.has_delivery_log
    assert data.stats == {} and data.warnings == []
    assert data.issues == [FR_ISSUE]
    # The send logged on frwiki is not visible: the delivery is estimated.
    assert data.deliveries == {FR_ISSUE: (datetime(2025, 2, 3, 20, tzinfo=UTC), True)}
    assert data.figures == {
        (FR_ISSUE, 'fr'): IssueFigure(3, 3, 3),     # the source language
        (FR_ISSUE, 'en'): IssueFigure(2, 3, 3),
        (FR_ISSUE, 'de'): IssueFigure(0, 0, 3),
    }
    # paraminfo, the title, one allpages read, one round of parent revisions (en/3).
    assert requests == 1 + 1 + 1 + 1
