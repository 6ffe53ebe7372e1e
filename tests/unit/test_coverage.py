"""Tech News coverage, the pure half: ISO weeks, units, at-delivery logic."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techroles.coverage import (
    CountedFigure,
    IssueFigure,
    StatsFigure,
    UnitRevision,
    compare_sources,
    delivery_time,
    is_fuzzy,
    iso_weeks_in_year,
    issue_figure,
    issue_title,
    message_group,
    parse_issue_title,
    parse_translation_title,
    period_between,
    reporting_period,
    source_units,
    stats_from_rows,
    translated_at,
    translation_title,
    week_monday,
)


pytestmark = pytest.mark.unit

UTC = timezone.utc
PREFIX = 'Tech/News'


# -- ISO weeks and titles --------------------------------------------------

def test_weeks_in_year() -> None:
    assert iso_weeks_in_year(2020) == 53
    assert iso_weeks_in_year(2025) == 52
    assert iso_weeks_in_year(2026) == 53   # starts on a Thursday


@pytest.mark.parametrize(('year', 'week', 'title'), [
    (2026, 5, 'Tech/News/2026/05'),
    (2026, 45, 'Tech/News/2026/45'),
    (2020, 53, 'Tech/News/2020/53'),
    (2013, 21, 'Tech/News/2013/21'),
])
def test_issue_title(year: int, week: int, title: str) -> None:
    assert issue_title(PREFIX, year, week) == title
    assert issue_title(PREFIX + '/', year, week) == title
    assert parse_issue_title(title, PREFIX) == (year, week)


@pytest.mark.parametrize('week', [0, 53, 54])
def test_issue_title_refuses_missing_weeks(week: int) -> None:
    with pytest.raises(ValueError, match='no week'):
        issue_title(PREFIX, 2025, week)


@pytest.mark.parametrize(('title', 'expected'), [
    ('Tech/News/2026/05', (2026, 5)),
    ('Tech/News/2026/5', (2026, 5)),            # unpadded
    ('Tech/News/2024/10', (2024, 10)),
    ('Tech/News/2026/53', (2026, 53)),          # 2026 has a week 53
    ('Tech/News/2020/53', (2020, 53)),
    ('Tech/News/2025/53', None),                # 2025 has not
    ('Tech/News/2026/00', None),
    ('Tech/News/2026/0', None),
    ('Tech/News/2026/54', None),
    ('Tech/News/2026/005', None),
    ('Tech/News/2026/05/fr', None),             # rendered translation
    ('Tech/News/2018/13/zh', None),
    ('Tech/News/2026/05/3', None),              # a unit, not an issue
    ('Tech/News/2026/05/', None),
    ('Tech/News/26/05', None),
    ('Tech/News/Latest', None),
    ('Tech/News', None),
    ('Tech/News/2026', None),
    ('Other/News/2026/05', None),
    ('Tech/Newsletter/2026/05', None),
    ('Tech/News/2026/05 ', None),
    ('Tech/News/２０２６/05', None),             # full-width digits are not digits here
])
def test_parse_issue_title(title: str, expected: tuple[int, int] | None) -> None:
    assert parse_issue_title(title, PREFIX) == expected


def test_parse_issue_title_underscores_and_custom_prefix() -> None:
    assert parse_issue_title('Tech_News/2026/07', 'Tech News') == (2026, 7)
    assert parse_issue_title('Tech News/2026/07', 'Tech_News/') == (2026, 7)
    assert parse_issue_title('Wikimedia news/2026/07', 'Tech/News') is None


def test_reporting_period_across_new_year() -> None:
    # Wednesday 7 January 2026 is in 2026-W02; W01 began on Monday 29 December 2025.
    assert reporting_period(date(2026, 1, 7), weeks=3) == [(2025, 51), (2025, 52), (2026, 1)]


def test_reporting_period_week_53() -> None:
    # 6 January 2021 is in 2021-W01; 2020 had 53 weeks.
    assert reporting_period(date(2021, 1, 6), weeks=2) == [(2020, 52), (2020, 53)]


def test_reporting_period_excludes_the_current_week_on_any_weekday() -> None:
    monday = date(2026, 11, 9)                    # 2026-W46
    expected = [(2026, week) for week in range(33, 46)]
    for offset in range(7):
        assert reporting_period(monday + timedelta(days=offset)) == expected
    assert reporting_period(monday, weeks=0) == []
    with pytest.raises(ValueError):
        reporting_period(monday, weeks=-1)


def test_period_between_takes_weeks_whose_monday_is_in_range() -> None:
    # Mondays 29 Dec 2025 (2026-W01), 5 Jan (W02), 12 Jan (W03).
    assert period_between(date(2025, 12, 24), date(2026, 1, 12)) == [
        (2026, 1), (2026, 2), (2026, 3)]
    assert period_between(date(2025, 12, 30), date(2026, 1, 11)) == [(2026, 2)]
    assert period_between(date(2026, 1, 5), date(2026, 1, 5)) == [(2026, 2)]
    assert period_between(date(2026, 1, 6), date(2026, 1, 11)) == []
    assert period_between(date(2020, 12, 28), date(2021, 1, 4)) == [(2020, 53), (2021, 1)]
    with pytest.raises(ValueError):
        period_between(date(2026, 1, 12), date(2026, 1, 5))


@given(st.dates(min_value=date(1000, 1, 10), max_value=date(9000, 1, 1)),
       st.integers(min_value=0, max_value=60))
def test_reporting_period_properties(today: date, weeks: int) -> None:
    period = reporting_period(today, weeks)
    assert len(period) == weeks
    mondays = [week_monday(*yw) for yw in period]
    this_monday = today - timedelta(days=today.weekday())
    assert mondays == [this_monday - timedelta(weeks=back) for back in range(weeks, 0, -1)]
    for year, week in period:
        assert parse_issue_title(issue_title(PREFIX, year, week), PREFIX) == (year, week)


@given(st.dates(min_value=date(1000, 1, 10), max_value=date(9000, 1, 1)),
       st.integers(min_value=0, max_value=400))
def test_period_between_properties(start: date, days: int) -> None:
    end = start + timedelta(days=days)
    period = period_between(start, end)
    mondays = [week_monday(*yw) for yw in period]
    assert all(start <= monday <= end for monday in mondays)
    assert len(period) == sum((start + timedelta(days=n)).weekday() == 0
                              for n in range(days + 1))


# -- Units of a source page ------------------------------------------------

SYNTHETIC_ISSUE = """\
<section begin="tech-newsletter-content"/>
<translate>
<!--T:1-->
Latest '''[[<tvar name=1>Special:MyLanguage/Tech/News</tvar>|tech news]]''' from the community. \
[[<tvar name=2>m:Special:MyLanguage/Tech/News/2024/10</tvar>|Translations]] are available.
</translate>

'''<translate><!--T:2--> Updates for editors</translate>'''
* <translate><!--T:3--> An item, tracked in <tvar name=1>[[phab:T1|T1]]</tvar>.</translate>
* <translate><!--T:5--> A later-inserted item: ids follow marking order.</translate>

'''<translate><!--T:4--> Updates for technical contributors</translate>'''
* <translate><!--T:6--> An item with an old-style variable <tvar|1>[[mw:Example]]</>.</translate>
<section end="tech-newsletter-content"/>
"""

HEADER_SECTION = """\
<translate>
== Topic == <!--T:1-->
Some long text here.

<!--T:2-->
Another paragraph.
</translate>
"""


def test_source_units_of_an_issue_in_page_order() -> None:
    assert source_units(SYNTHETIC_ISSUE) == ['1', '2', '3', '5', '4', '6']


def test_source_units_heading_and_own_line_markers() -> None:
    assert source_units(HEADER_SECTION) == ['1', '2']


def test_source_units_skip_unsaved_and_outside_markers() -> None:
    text = ('<!--T:9--> outside\n'
            'We had a nice <translate><!--T:-1--> day</translate> today.\n'
            '<translate>\n<!--T:3-->\nKept.\n\n<!--T:-2-->\nNew.\n</translate>\n'
            '<!--T:10-->\n')
    assert source_units(text) == ['3']


def test_source_units_ignore_nowiki_and_unclosed_translate() -> None:
    text = ('<nowiki><translate><!--T:1--> example</translate></nowiki>\n'
            '<translate nowrap><!--T:2--> real</translate>\n'
            '<translate>\n<!--T:3-->\nnever closed\n')
    assert source_units(text) == ['2']


def test_source_units_tvar_syntaxes_do_not_confuse() -> None:
    text = ('<translate>\n<!--T:1-->\nOld <tvar|url>[[mw:A|</>b]]</> and new '
            '<tvar name="x"><nowiki>{{x}}</nowiki></tvar> variables.\n\n'
            '<!--T:2-->\nNext <tvar|2>{{Special:X|</translate?>}}</>\n</translate>\n'
            '<translate><!--T:7--> Inline <tvar name=1>~~~~</tvar></translate>')
    assert source_units(text) == ['1', '2', '7']


def test_source_units_invalid_ids_and_duplicates() -> None:
    text = ('<translate>\n<!--T:a/b-->\nslash\n\n<!--T:x_y-->\nunderscore\n\n'
            '<!--T:1-->\none\n\n<!--T:1-->\nagain\n\n<!--T:intro-->\nnamed\n</translate>')
    assert source_units(text) == ['1', 'intro']


def test_source_units_two_markers_in_one_part_are_both_kept() -> None:
    text = '<translate>\n<!--T:1-->\nFirst.\n<!--T:2-->\nMerged by an editor.\n</translate>'
    assert source_units(text) == ['1', '2']


def test_source_units_empty() -> None:
    assert source_units('') == []
    assert source_units('No translate tags here <!--T:1-->') == []


# -- Titles, fuzzy ---------------------------------------------------------

def test_translation_title_round_trip() -> None:
    title = translation_title('Tech/News/2026/05', '3', 'zh-hant')
    assert title == 'Translations:Tech/News/2026/05/3/zh-hant'
    assert parse_translation_title(title) == ('Tech/News/2026/05', '3', 'zh-hant')
    assert parse_translation_title(title, prefix=PREFIX) == ('Tech/News/2026/05', '3', 'zh-hant')
    assert message_group('Tech/News/2024/10') == 'page-Tech/News/2024/10'


@pytest.mark.parametrize(('title', 'expected'), [
    ('Translations:Tech/News/2026/05/Page display title/fr',
     ('Tech/News/2026/05', 'Page display title', 'fr')),
    ('Translations:Tech/News/2026/05/Page_display_title/fr',
     ('Tech/News/2026/05', 'Page display title', 'fr')),
    ('Translations:Tech/News/2026/5/12/be-tarask', ('Tech/News/2026/5', '12', 'be-tarask')),
    ('Translations:Tech/News/2026/05/fr/3/de', None),     # issue part is not an issue
    ('Translations:Tech/News/2026/05/3', None),           # no unit: issue/3 is not one
    ('Tech/News/2026/05/3/fr', None),
    ('Translations talk:Tech/News/2026/05/3/fr', None),
    ('Translations:Tech/News/2026/05/3/FR', None),
    ('Translations:Tech/News/2026/05/-1/fr', None),
    ('Translations:3/fr', None),
])
def test_parse_translation_title(title: str, expected: tuple[str, str, str] | None) -> None:
    assert parse_translation_title(title, prefix=PREFIX) == expected


def test_is_fuzzy() -> None:
    assert is_fuzzy('!!FUZZY!!Ancien texte')
    assert not is_fuzzy('Texte à jour')
    assert is_fuzzy('Texte !!FUZZY!! au milieu')        # anywhere, as Translate tests it
    assert is_fuzzy('Texte à revoir\n!!FUZZY!!')
    assert not is_fuzzy('')


# -- Delivery --------------------------------------------------------------

def test_delivery_time_earliest_send_in_the_week() -> None:
    monday = datetime(2026, 10, 12, tzinfo=UTC)            # 2026-W42
    log = [monday + timedelta(days=1, hours=3), monday + timedelta(hours=20, minutes=14),
           monday - timedelta(hours=1),                     # previous week
           monday + timedelta(weeks=1)]                     # next Monday 00:00: next week
    assert delivery_time(2026, 42, log) == (monday + timedelta(hours=20, minutes=14), False)


def test_delivery_time_estimated_without_a_send() -> None:
    assert delivery_time(2026, 42, []) == (datetime(2026, 10, 12, 20, tzinfo=UTC), True)
    assert delivery_time(2026, 42, [], hour_utc=17) == (datetime(2026, 10, 12, 17, tzinfo=UTC),
                                                        True)
    # Year boundaries: 2026-W01 starts in 2025, 2020-W53 ends in 2021.
    assert delivery_time(2026, 1, []) == (datetime(2025, 12, 29, 20, tzinfo=UTC), True)
    late = datetime(2021, 1, 3, 23, 59)                     # naive = UTC, Sunday of 2020-W53
    assert delivery_time(2020, 53, [late]) == (late.replace(tzinfo=UTC), False)
    with pytest.raises(ValueError):
        delivery_time(2026, 42, [], hour_utc=24)


def test_delivery_time_converts_other_timezones() -> None:
    paris = timezone(timedelta(hours=2))
    sent = datetime(2026, 10, 12, 0, 30, tzinfo=paris)      # Sunday 22:30 UTC: week 41
    assert delivery_time(2026, 42, [sent])[1] is True
    assert delivery_time(2026, 41, [sent]) == (datetime(2026, 10, 11, 22, 30, tzinfo=UTC), False)


# -- At delivery -----------------------------------------------------------

DELIVERY = datetime(2026, 10, 12, 20, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_translated_at_delivery_cases() -> None:
    revisions = {
        'before': [(DELIVERY - 48 * HOUR, False)],
        'after': [(DELIVERY + HOUR, False)],
        'fuzzy at delivery': [(DELIVERY - 24 * HOUR, False), (DELIVERY - HOUR, True)],
        'fixed before': [(DELIVERY - 24 * HOUR, True), (DELIVERY - HOUR, False)],
        'fuzzied after': [(DELIVERY - 24 * HOUR, False), (DELIVERY + HOUR, True)],
        'fixed after': [(DELIVERY - 24 * HOUR, True), (DELIVERY + HOUR, False)],
        'exactly at': [(DELIVERY, False)],
        'no revision': [],
        'same second, later revid fuzzy': [UnitRevision(DELIVERY - HOUR, True, 11),
                                           UnitRevision(DELIVERY - HOUR, False, 10)],
        'naive timestamp': [(datetime(2026, 10, 12, 19, 59), False)],
        'unordered': [(DELIVERY - HOUR, False), (DELIVERY - 24 * HOUR, True)],
    }
    assert translated_at(revisions, DELIVERY) == {
        'before', 'fixed before', 'fuzzied after', 'exactly at', 'naive timestamp', 'unordered'}


def test_counted_figure() -> None:
    figure = CountedFigure(
        units=('1', '2', '3', '4'),
        translated_now=frozenset({'1', '2', '9'}),       # 9 left the source: not counted
        revisions={'1': [(DELIVERY - HOUR, False)], '2': [(DELIVERY + HOUR, False)],
                   '3': [(DELIVERY - HOUR, False), (DELIVERY + HOUR, True)],
                   '9': [(DELIVERY - HOUR, False)]},
        delivery=DELIVERY)
    assert (figure.total, figure.translated, figure.translated_at_delivery) == (4, 2, 2)
    assert CountedFigure(units=('1',), translated_now=frozenset()).translated_at_delivery is None


# -- Sources ---------------------------------------------------------------

MESSAGEGROUPSTATS_COMPLETE = [
    {'total': 24, 'translated': 24, 'fuzzy': 0, 'proofread': 0, 'code': 'de', 'language': 'de'},
    {'total': 24, 'translated': 19, 'fuzzy': 2, 'proofread': 0, 'code': 'fr', 'language': 'fr'},
    {'total': 24, 'translated': 0, 'fuzzy': 0, 'proofread': 0, 'code': 'ig', 'language': 'ig'},
    {'total': 24, 'translated': 3, 'fuzzy': 21, 'proofread': 0, 'code': 'zh-hant',
     'language': 'zh-hant'},
]


def test_stats_from_rows_complete_response() -> None:
    stats = stats_from_rows(MESSAGEGROUPSTATS_COMPLETE, ['fr', 'zh-hant', 'ar'], complete=True)
    assert stats == {'fr': StatsFigure(19, 24, 2), 'zh-hant': StatsFigure(3, 24, 21),
                     'ar': StatsFigure(0, 24, 0, complete=False, absent=True)}
    # A language Translate's complete answer lacks is undetermined, even where counting
    # would give 0 of 24.
    counted = CountedFigure(units=tuple('123'), translated_now=frozenset())
    assert issue_figure(stats['ar'], counted).complete is False


def test_stats_from_rows_incomplete_response() -> None:
    # The API stopped with {"continue": {"mgsoffset": "fr"}}: only de was computed.
    stats = stats_from_rows(MESSAGEGROUPSTATS_COMPLETE[:1], ['de', 'fr'], complete=False)
    assert stats['de'] == StatsFigure(24, 24, 0, complete=True)
    assert stats['fr'].complete is False
    assert stats_from_rows([], ['fr'], complete=True)['fr'].complete is False


def _counted(translated: int, total: int, at_delivery: int) -> CountedFigure:
    units = tuple(str(n) for n in range(1, total + 1))
    revisions = {unit: [(DELIVERY - HOUR, False)] for unit in units[:at_delivery]}
    return CountedFigure(units=units, translated_now=frozenset(units[:translated]),
                         revisions=revisions, delivery=DELIVERY)


def test_issue_figure_prefers_complete_stats_and_counts_at_delivery() -> None:
    stats = StatsFigure(19, 24, 2)
    counted = _counted(18, 23, 12)
    assert issue_figure(stats, counted) == IssueFigure(19, 12, 24, True)
    assert issue_figure(None, counted) == IssueFigure(18, 12, 23, True)
    assert issue_figure(StatsFigure(0, 0, complete=False), counted) == IssueFigure(18, 12, 23)


def test_figure_at_delivery_is_incomplete_before_delivery() -> None:
    """An explicit period reaching past today: nothing is delivered yet, nothing frozen."""
    counted = _counted(3, 4, 2)
    before = issue_figure(None, counted, now=DELIVERY - HOUR)
    assert (before.complete, before.at_delivery_complete) == (True, False)
    after = issue_figure(None, counted, now=DELIVERY + HOUR)
    assert after == IssueFigure(3, 2, 4, True)


def test_issue_figure_frozen_and_incomplete() -> None:
    assert issue_figure(StatsFigure(19, 24), None, frozen_at_delivery=15) == \
        IssueFigure(19, 15, 24, True)
    assert issue_figure(StatsFigure(19, 24), None, frozen_at_delivery=30) == \
        IssueFigure(19, 24, 24, True)
    # No way to know the figure at delivery: that figure is incomplete, never 0 %;
    # the current one from complete statistics still stands.
    unknown_then = issue_figure(StatsFigure(19, 24), None)
    assert (unknown_then.complete, unknown_then.at_delivery_complete) == (True, False)
    # A frozen figure at delivery stands even while the current one is incomplete.
    assert issue_figure(StatsFigure(5, 24, complete=False), None, frozen_at_delivery=3) == \
        IssueFigure(5, 3, 24, False, complete_at_delivery=True)
    assert issue_figure(None, None) == IssueFigure(0, 0, 0, False)
    incomplete = CountedFigure(units=('1',), translated_now=frozenset(), complete=False)
    assert issue_figure(None, incomplete).complete is False


def test_compare_sources() -> None:
    assert compare_sources(StatsFigure(19, 24), _counted(18, 23, 0)) is None
    assert compare_sources(StatsFigure(19, 24), _counted(19, 24, 0)) is None
    warning = compare_sources(StatsFigure(19, 24), _counted(17, 24, 0), where='2026/45 fr')
    assert warning == ('2026/45 fr: messagegroupstats says 19/24 translated, counting the '
                       'Translations: pages gives 17/24')
    assert compare_sources(StatsFigure(19, 24), _counted(19, 21, 0)) is not None
    assert compare_sources(StatsFigure(0, 24, complete=False), _counted(19, 24, 0)) is None


@pytest.mark.parametrize('counts', [(-1, 0, 4), (5, 0, 4), (0, 5, 4), (1.0, 0, 4), (True, 0, 4)])
def test_issue_figure_refuses_impossible_counts(counts: tuple[object, ...]) -> None:
    with pytest.raises(ValueError):
        IssueFigure(*counts)  # type: ignore[arg-type]
