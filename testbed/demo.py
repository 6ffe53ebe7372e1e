"""``make demo``: local wikis with realistic sign-up tables, and the bot run on them.

    python -m testbed.demo start     # make demo
    python -m testbed.demo stop      # make stop
    python -m testbed.demo status    # the URLs and summary again

``start`` brings up the farm of local wikis (Meta, French and Arabic
Wikipedia, mediawiki.org: Debian's MediaWiki on sqlite, one ``php -S`` per
wiki on free loopback ports), seeds invented people with varied histories,
sign-up pages in several layouts, Tech News issues with translations and a
delivery list, then runs ``techroles update`` and ``techroles kpi`` as
subprocesses exactly as an operator would (a JSON configuration, and
``PYWIKIBOT_DIR`` pointing at the farm's Pywikibot configuration), twice:
once for Meta and once for an Arabic configuration on arwiki. It prints the
URLs of the pages the bot wrote and a short summary. The wikis keep running
until ``stop``, which ends them by the pids recorded in ``state.json``.

Files: ``.testbed/demo/`` in the checkout (override with
``TECHROLES_DEMO_DIR``) holds the configurations, the bot's reports and logs,
and ``wikis``, a link to the live wiki data (on ``/dev/shm`` when the
machine has it). The farm template is cached in ``.testbed/cache`` and shared
with the tests, so only the first run builds it.

Everything here is test-bed code: the people, pages and dates are invented,
and no request leaves the machine (the bot's processes run with
:mod:`testbed.netguard` installed).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path

from techroles import coverage, kpi
from techroles.render import span_text
from testbed.farm import (
    BOT,
    BOT_APP_PASSWORD,
    BOT_APPID,
    DEFAULT_WIKIS,
    Farm,
    FarmError,
    default_data_root,
    testbed_available,
)
from testbed.fixtures import World
from testbed.humans import Human


# -- where things are ------------------------------------------------------------------------------

def checkout_root() -> Path:
    """The checkout (when running from one), else the current directory."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / 'setup.cfg').exists() else Path.cwd()


def demo_dir() -> Path:
    env = os.environ.get('TECHROLES_DEMO_DIR')
    return Path(env) if env else checkout_root() / '.testbed' / 'demo'


def template_cache() -> Path:
    return checkout_root() / '.testbed' / 'cache'


# -- the demo's pages ------------------------------------------------------------------------------

AMBASSADORS = 'Tech/Ambassadors/List'
COMPACT = 'Tech/Ambassadors/By community'
TRANSLATORS = 'Tech/Translators/List'
KPI_PAGE = 'Tech/Ambassadors/KPI'
DELIVERY_LIST = 'Global message delivery/Targets/Tech ambassadors'
STATUS_PAGE = 'User:TechRolesBot/status'
EVIDENCE_PAGE = 'User:TechRolesBot/evidence'
EXPLANATION_PAGE = 'User:TechRolesBot/explanation'
HISTORY_PAGE = 'User:TechRolesBot/KPI history.json'
SHUTOFF_PAGE = 'User:TechRolesBot/shutoff'

FR_TECH = 'Wikipédia:Le Bistro/Technique'
AR_TECH = 'ويكيبيديا:الميدان/تقنية'

AR_AMBASSADORS = 'ويكيبيديا:سفراء التقنية'
AR_KPI = 'ويكيبيديا:سفراء التقنية/مؤشرات'
AR_STATUS = 'مستخدم:TechRolesBot/حالة'
AR_EVIDENCE = 'مستخدم:TechRolesBot/أدلة'
AR_EXPLANATION = 'مستخدم:TechRolesBot/شرح'
AR_HISTORY = 'مستخدم:TechRolesBot/سجل المؤشرات.json'
AR_SHUTOFF = 'مستخدم:TechRolesBot/إيقاف'

#: Tech News: how many complete ISO weeks the KPI looks at (the demo's issues).
WEEKS = 4
NEWS_AUTHOR = 'Tech News Desk'

#: Statuses the seeded people should end up with (the demo checks them).
EXPECTED_META = {
    'Lune Claire': 'active',
    'Plume Rapide': 'slipping',
    'Castor Bricoleur': 'inactive',
    'نسيم الشمال': 'active',
    'Rio Azul': 'active',
    'Serra Verde': 'new',
    'Sen Hồng': 'blocked',
    'Vieille Lanterne': 'renamed',
    'Sable Dune': 'locked',
    'Fantôme Perdu': 'missing',
    'Marmotte Endormie': 'inactive',   # manual cell: decided, never written
    'Gerrit Gardener': 'slipping',     # mediawiki.org's only active ambassador: at risk
    'Bridge Keeper': 'active',
    'Ancien Pseudo': 'renamed',
    'Quiet Coder': 'inactive',
    'Afar Pioneer': 'inactive',        # row of a closed wiki: listed and decided over Meta,
                                       # its cell never written
    'Hérisson Curieux': 'inactive',
    'Emma Courriel': 'active',
    'Traductrice Alpha': 'active',
    'Traducteur Beta': 'slipping',
    'Übersetzerin Gamma': 'active',
    'مترجم المعرفة': 'active',
    'Traductor Delta': 'inactive',
    'Tradutor Épsilon': 'new',
    'Перекладач Тета': 'active',
    'מתרגם טכני': 'missing',
}


def _span(user: str, status: str, label: str) -> str:
    return span_text(user, status, label)


def ambassadors_page(*, serra: bool, previous: dict[str, str] | None = None) -> str:
    """Meta's sign-up page: translatable intro, a table per project family.

    ``previous`` holds the cells of an earlier bot run (person → span).
    """
    prev = previous or {}
    serra_link = ', [[User:Serra Verde|Serra Verde]]' if serra else ''
    return f"""<languages/>
<translate>
<!--T:1-->
This page lists the '''tech ambassadors''' of each community. Add yourself below if you
relay [[<tvar name=1>Special:MyLanguage/Tech/News</tvar>|Tech News]] to your community and
bring its technical problems to developers.
</translate>

<translate>
<!--T:2-->
The status column is updated once a week by [[<tvar name=1>User:TechRolesBot</tvar>|a bot]].
You may add a note after the bot's text.
[[<tvar name=2>User:TechRolesBot/explanation</tvar>|How the statuses are decided]], and how to
have your cell left alone.
</translate>

== <translate><!--T:3--> Wikipedias</translate> ==
{{| class="wikitable sortable" style="width:100%"
! Wiki !! Ambassador !! Languages !! Status !! Notes
|-
| [[:fr:|fr.wikipedia]] || [[User:Lune Claire|Lune Claire]] || fr, en
| {prev.get('Lune Claire', '')} ||
|-
| rowspan="2" | fr.wikipedia
| {{{{user|Plume Rapide}}}}
| fr, oc
| {prev.get('Plume Rapide', '')}
| also helps on the Occitan Wikipedia
|-
| [[:fr:Utilisateur:Castor_Bricoleur|Castor Bricoleur]]
| fr
| {prev.get('Castor Bricoleur', '')} ''(exams until June — Castor)''
|
|-
| ar.wikipedia
| [[مستخدم:نسيم الشمال|نسيم الشمال]] <small>([[User talk:نسيم الشمال|talk]])</small>
| ar, en || ||
|-
| fr.wikipedia || [[User:Rio Azul|Rio Azul]]{serra_link} || pt, fr || ||
|-
<!--
| xx.wikipedia || [[User:Someone Left]] || || ||
|-
-->
| fr.wikipedia
| [[User:Sen Hồng|Sen Hồng]] ([[User talk:Sen Hồng|talk]]) 08:42, 25 September 2018 (UTC)
| vi, fr || ||
|-
| fr.wikipedia || [[User:Vieille Lanterne]] || fr || ||
|-
| ar.wikipedia || [[w:ar:مستخدم:Sable Dune|Sable Dune]] || ar, fr || ||
|-
| fr.wikipedia || [[User:Fantôme Perdu]] || fr || ||
|-
| fr.wikipedia || [[User:Marmotte Endormie]] || fr, de
| <!-- techroles:manual --> En pause jusqu'en mars, je reviens ! || wikibreak
|-
| aa.wikipedia || [[User:Afar Pioneer]] || aa, en || || closed wiki, row kept for history
|}}

== <translate><!--T:4--> Other projects</translate> ==
{{| class="wikitable sortable"
! Project !! Ambassador !! Status
|-
| mediawiki.org || [[mw:User:Gerrit Gardener|Gerrit Gardener]] || {prev.get('Gerrit Gardener', '')}
|-
| Meta-Wiki || {{{{u|Bridge Keeper}}}} ||
|-
| Meta-Wiki || [[User:Ancien Pseudo]] || {prev.get('Ancien Pseudo', '')}
|-
| www.mediawiki.org || [[mw:User:Quiet Coder|Quiet Coder]] || {prev.get('Quiet Coder', '')}
|}}

[[Category:Tech ambassadors]]
"""


COMPACT_PAGE = """Tech ambassadors, one row per person. Add yourself at the bottom.

{| class="wikitable sortable"
|-
! Community !! User
|-
| frwiki || {{u|Lune Claire}}
|-
| https://ar.wikipedia.org || [[User:نسيم الشمال]]
|-
| [[:fr:]] || {{user|Hérisson Curieux}}
|-
| Meta-Wiki || [[User:Bridge Keeper]] <br/> [[User:Emma Courriel]]
|-
| mediawiki.org || [[User:Gerrit Gardener]]
|}
"""


def translators_page(*, epsilon: bool) -> str:
    """Meta's translator sign-up page: a list table and a by-language table."""
    epsilon_row = ('|-\n| Português (Brasil) || [[User:Tradutor Épsilon]] || || pt-br\n'
                   if epsilon else '')
    return f"""<languages/>
== <translate><!--T:1--> Tech News translators</translate> ==
<translate>
<!--T:2-->
Add yourself to the table if you translate Tech News into your language.
</translate>

{{| class="wikitable sortable"
! Language !! Translators !! Status !! Notes
|-
| Français
| [[User:Traductrice Alpha|Traductrice Alpha]]<br />[[User:Traducteur_Beta]] || || weekends mostly
|-
| Deutsch (de) || {{{{user|Übersetzerin Gamma}}}} || ||
|-
| العربية || [[User:مترجم المعرفة|مترجم المعرفة]] || ||
|-
| es
| [[User:Traductor Delta]] ([[User talk:Traductor Delta|talk]]) 14:02, 3 March 2023 (UTC)
| ||
{epsilon_row}|}}

== <translate><!--T:3--> Other technical messages</translate> ==
{{| class="wikitable sortable" id="tech-translators"
|+ Translators of other technical messages, by language
! scope="col" | Code !! scope="col" | Language !! scope="col" | Translators !! scope="col" | Status
|-
! scope="row" | fr
| français
|
* [[User:Traductrice Alpha]]
* [[Utilisateur:Plume Rapide|Plume Rapide]]
| data-sort-value="" |
|-
! scope="row" | he
| עברית || [[User:מתרגם טכני]] ||
|-
! scope="row" | uk
| українська || [[Special:Contributions/Перекладач Тета|Перекладач Тета]] ||
|}}
"""


AR_PAGE = """هذه الصفحة تسرد '''سفراء التقنية''' في ويكيبيديا العربية: من ينقل
[[m:Tech/News|أخبار التقنية]] إلى المجتمع ويوصل مشكلاته التقنية إلى المطوّرين.

يحدّث بوت عمود الحالة مرة في الأسبوع.

{| class="wikitable sortable"
! المشروع !! السفير !! الحالة !! ملاحظات
|-
| ar.wikipedia || [[مستخدم:نسيم الشمال|نسيم الشمال]] || || منسق الميدان التقني
|-
| arwiki || [[مستخدم:مترجم المعرفة]] || ||
|-
| ar.wikipedia || [[مستخدم:Sable Dune|Sable Dune]] || ||
|-
| ar.wikipedia || [[مستخدم:صقر الصحراء|صقر الصحراء]] || ||
|-
| ar.wikipedia || [[مستخدم:ورد الربيع|ورد الربيع]] || ||
|}
"""

EXPECTED_AR = {
    'نسيم الشمال': 'active',
    'مترجم المعرفة': 'active',
    'Sable Dune': 'locked',
    'صقر الصحراء': 'inactive',
    'ورد الربيع': 'slipping',
}

USER_TEMPLATE = ('[[User:{{{1}}}|{{{1}}}]] <small>([[User talk:{{{1}}}|talk]] · '
                 '[[Special:Contributions/{{{1}}}|contribs]])</small><noinclude>\n'
                 'A link to a user page, talk page and contributions.</noinclude>')

KPI_INTRO = """This page shows the two key figures of the tech ambassadors programme and of
Tech News translation. A bot updates the part between its markers once a week;
the text around it is for people.

"""

#: Items of the invented Tech News issues (English source units).
NEWS_ITEMS = (
    'The visual editor can now insert tables with a header row in one step.',
    'A new gadget shows which pages in your watchlist have unreviewed changes.',
    'Search will suggest corrections for titles written in the wrong keyboard layout.',
    'The mobile site loads images later, so pages open faster on slow connections.',
    'Bots should send the maxlag parameter; some tools were slowed down last week.',
    'Translators can now mark a unit as outdated without changing its text.',
)

#: Per language: translator, text pattern.
TRANSLATIONS = {
    'fr': ('Traductrice Alpha', 'Élément {unit} traduit en français.'),
    'de': ('Übersetzerin Gamma', 'Punkt {unit} auf Deutsch.'),
    'ar': ('مترجم المعرفة', 'البند {unit} بالعربية.'),
    'es': ('Voluntaria Eco', 'Elemento {unit} en español.'),
    'uk': ('Перекладач Тета', 'Пункт {unit} українською.'),
}


# -- seeding ---------------------------------------------------------------------------------------

@dataclass
class Seeded:
    """What the demo put on the wikis, for the summary."""

    now: datetime
    issues: list[str] = field(default_factory=list)
    deliveries: dict[str, str] = field(default_factory=dict)


def seed(farm: Farm, now: datetime | None = None) -> Seeded:
    """Create the demo's people, pages and Tech News on ``farm`` (running)."""
    world = World(farm, now=now)
    seeded = Seeded(world.now)
    _people(world)
    _signup_pages(world)
    _tech_news(world, seeded)
    world.apply(standins={'sitematrix': {'extra': [
        {'dbname': 'aawiki', 'code': 'aa', 'project': 'wiki', 'lang': 'aa',
         'url': 'https://aa.wikipedia.org', 'sitename': 'Wikipedia', 'closed': True},
        # Communities that receive Tech News without any ambassador (where help is needed);
        # nobody translates into Japanese.
        {'dbname': 'dewiki', 'code': 'de', 'project': 'wiki', 'lang': 'de',
         'url': 'https://de.wikipedia.org', 'sitename': 'Wikipedia'},
        {'dbname': 'jawiki', 'code': 'ja', 'project': 'wiki', 'lang': 'ja',
         'url': 'https://ja.wikipedia.org', 'sitename': 'Wikipedia'},
    ]}})
    _delivery_list(farm, world, seeded)
    _kpi_history(farm, seeded)
    for dbname, title in (('metawiki', AMBASSADORS), ('metawiki', COMPACT),
                          ('metawiki', TRANSLATORS), ('metawiki', KPI_PAGE),
                          ('arwiki', AR_AMBASSADORS)):
        # Imports skip link updates; an edit would have made them.
        Human(farm, dbname).post(action='purge', titles=title, forcelinkupdate=1)
    return seeded


def _people(world: World) -> None:
    """Invented people with the activity that gives each their status."""
    e = world.edits
    # Ambassadors on the French Wikipedia.
    e('frwiki', 'Lune Claire', 2, 9, 30, 400)
    e('frwiki', 'Lune Claire', 6, title=FR_TECH, comment='Réponse sur le nouvel éditeur')
    e('frwiki', 'Lune Claire', 11, title='Discussion utilisateur:Lune Claire')
    e('frwiki', 'Plume Rapide', 70, 150, 800)
    e('frwiki', 'Castor Bricoleur', 115, 380)
    e('frwiki', 'Rio Azul', 15, 33)
    e('metawiki', 'Rio Azul', 45)
    world.account('frwiki', 'Serra Verde')
    e('frwiki', 'Sen Hồng', 20, 25)
    world.block('frwiki', 'Sen Hồng')
    e('frwiki', 'Vieille Lanterne', 40)
    world.rename('frwiki', 'Vieille Lanterne', 'Lanterne Neuve')
    e('frwiki', 'Marmotte Endormie', 300)
    world.account('frwiki', 'Hérisson Curieux')
    world.account('metawiki', 'Emma Courriel', email=True)
    e('metawiki', 'Emma Courriel', 40)
    # Arabic Wikipedia.
    e('arwiki', 'نسيم الشمال', 4, 22, 90)
    e('arwiki', 'نسيم الشمال', 5, title=AR_TECH, comment='رد على سؤال تقني')
    e('arwiki', 'Sable Dune', 10)
    world.lock('Sable Dune')
    world.log('metawiki', 'globalauth', 'setstatus', 'Admin', 'User:Sable Dune@global', 3,
              {'added': ['locked'], 'removed': []})
    e('arwiki', 'صقر الصحراء', 200, 500)
    e('arwiki', 'ورد الربيع', 65, 140)
    # mediawiki.org and Meta.
    e('mediawikiwiki', 'Gerrit Gardener', 70, 75)
    e('frwiki', 'Gerrit Gardener', 200)
    e('metawiki', 'Bridge Keeper', 200)
    world.log('metawiki', 'upload', 'upload', 'Bridge Keeper', 'File:Tech News flow.svg', 5)
    e('metawiki', 'Nouveau Pseudo', 14)
    # A global rename as CentralAuth logs it: gblrename on Meta, titled with the
    # new name, and renameuser under the old user page on every attached wiki.
    world.log('metawiki', 'gblrename', 'rename', 'Admin', 'Special:CentralAuth/Nouveau Pseudo',
              60, {'4::olduser': 'Ancien Pseudo', '5::newuser': 'Nouveau Pseudo'})
    world.log('metawiki', 'renameuser', 'renameuser', 'Admin', 'User:Ancien Pseudo', 60,
              {'4::olduser': 'Ancien Pseudo', '5::newuser': 'Nouveau Pseudo', '6::edits': 14})
    e('mediawikiwiki', 'Quiet Coder', 95, 300)
    e('metawiki', 'Afar Pioneer', 2000)
    # Translators (checked on Meta and their home wiki).
    e('metawiki', 'Traducteur Beta', 70)
    e('metawiki', 'Traductor Delta', 300)
    world.account('metawiki', 'Tradutor Épsilon')
    world.global_user('مترجم المعرفة', home='arwiki')
    e('arwiki', 'مترجم المعرفة', 150)
    e('metawiki', 'Перекладач Тета', 50)
    # Community technical pages (targets of the delivery list).
    world.page('frwiki', FR_TECH, [(900, 'Admin', '== Questions techniques ==\n')])
    world.page('arwiki', AR_TECH, [(900, 'Admin', '== أسئلة تقنية ==\n')])


def _signup_pages(world: World) -> None:
    """Sign-up pages with a history: created, an earlier bot run, new sign-ups."""
    bot_run = world.ago(40).date()
    previous = {
        'Lune Claire': _span('Lune Claire', 'active', 'Active'),
        'Plume Rapide': _span('Plume Rapide', 'active', 'Active'),
        'Castor Bricoleur': _span('Castor Bricoleur', 'slipping',
                                  f'Last activity seen on {world.ago(115).date()}'),
        'Gerrit Gardener': _span('Gerrit Gardener', 'active', 'Active'),
        'Ancien Pseudo': _span('Ancien Pseudo', 'active', 'Active'),
        'Quiet Coder': _span('Quiet Coder', 'slipping',
                             f'Last activity seen on {world.ago(95).date()}'),
    }
    world.page('metawiki', AMBASSADORS, [
        (400, 'Admin', ambassadors_page(serra=False)),
        (40, 'TechRolesBot', ambassadors_page(serra=False, previous=previous)),
        (12, 'Lune Claire', ambassadors_page(serra=True, previous=previous)),
    ], comment=f'status update of {bot_run}')
    world.page('metawiki', COMPACT, [(200, 'Admin', COMPACT_PAGE)])
    world.page('metawiki', TRANSLATORS, [
        (300, 'Admin', translators_page(epsilon=False)),
        (8, 'Admin', translators_page(epsilon=True)),
    ])
    world.page('metawiki', KPI_PAGE, [(300, 'Admin', KPI_INTRO)])
    for template in ('Template:User', 'Template:U'):
        world.page('metawiki', template, [(1500, 'Admin', USER_TEMPLATE)])
    world.page('arwiki', AR_AMBASSADORS, [(250, 'Admin', AR_PAGE)])


def _issue_text(units: int) -> str:
    body = '\n\n'.join(f'<!--T:{u}-->\n* {NEWS_ITEMS[(u - 1) % len(NEWS_ITEMS)]}'
                       for u in range(1, units + 1))
    return (f'<languages/>\n<translate>\n<!--T:0-->\nLatest technical news from the Wikimedia '
            f'technical community.\n\n{body}\n</translate>\n')


def _tech_news(world: World, seeded: Seeded) -> None:
    """Four weekly issues, translated at chosen times (some fuzzy, some late)."""
    now = seeded.now
    weeks = coverage.reporting_period(now.date(), WEEKS)
    ago = lambda when: (now - when).total_seconds() / 86400  # noqa: E731
    # (units, logged delivery?) per issue, oldest first.
    shapes = [(5, True), (4, True), (6, False), (5, True)]
    # Per language and issue: (units translated before delivery, after, fuzzy).
    plan = {
        'fr': [(6, 0, 0), (5, 0, 0), (6, 1, 0), (6, 0, 0)],
        'de': [(6, 0, 0), (5, 0, 0), (3, 0, 2), (2, 1, 0)],
        'ar': [(0, 6, 0), (0, 5, 0), (4, 3, 0), (0, 0, 0)],
        'es': [(6, 0, 0), (2, 0, 0), (1, 0, 0), (1, 0, 0)],
        'uk': [(3, 0, 0), (5, 0, 0), (2, 0, 0), (6, 0, 0)],
    }
    for index, ((year, week), (units, logged)) in enumerate(zip(weeks, shapes, strict=True)):
        issue = coverage.issue_title('Tech/News', year, week)
        seeded.issues.append(issue)
        monday = datetime.combine(coverage.week_monday(year, week), dtime(0), timezone.utc)
        delivered = monday + (timedelta(hours=16, minutes=12) if logged else timedelta(hours=20))
        seeded.deliveries[issue] = ('logged ' if logged else 'estimated ') + \
            delivered.strftime('%Y-%m-%d %H:%M UTC')
        world.page('metawiki', issue, [
            (ago(monday - timedelta(days=4)), NEWS_AUTHOR, _issue_text(units)),
        ], comment='Tech News draft')
        if logged:
            world.log('metawiki', 'massmessage', 'send', NEWS_AUTHOR, DELIVERY_LIST,
                      ago(delivered), {})
        ids = ['0', *(str(u) for u in range(1, units + 1))]
        for lang, issues in plan.items():
            user, pattern = TRANSLATIONS[lang]
            before, after, fuzzy = issues[index]
            for position, unit in enumerate(ids):
                if position < before:
                    when = delivered - timedelta(hours=30 - position)
                elif position < before + after:
                    when = delivered + timedelta(days=2, hours=position)
                else:
                    continue
                text = pattern.format(unit=unit)
                if position >= before + after - fuzzy and position < before + after:
                    text = '!!FUZZY!!' + text
                world.page('metawiki', coverage.translation_title(issue, unit, lang),
                           [(ago(when), user, text)], comment='Translation')


def _delivery_list(farm: Farm, world: World, seeded: Seeded) -> None:
    """The MassMessage delivery list, in MassMessage's own content model."""
    targets = {
        'description': 'Tech News: community pages and subscribers.',
        'targets': [
            {'title': FR_TECH, 'site': 'fr.wikipedia.org'},
            {'title': AR_TECH, 'site': 'ar.wikipedia.org'},
            {'title': 'Tech', 'site': 'meta.wikimedia.org'},
            {'title': 'Project:Village Pump (technical)', 'site': 'www.mediawiki.org'},
            {'title': 'Wikipedia:Technik', 'site': 'de.wikipedia.org'},
            {'title': 'Wikipedia:井戸端', 'site': 'ja.wikipedia.org'},
            {'title': 'User talk:Lune Claire', 'site': 'fr.wikipedia.org'},
            {'title': 'User talk:Rio Azul', 'site': 'meta.wikimedia.org'},
        ],
    }
    admin = Human(farm, 'metawiki')
    admin.edit(DELIVERY_LIST, json.dumps(targets, ensure_ascii=False),
               'Delivery list for Tech News', contentmodel='MassMessageListContent')


def _kpi_history(farm: Farm, seeded: Seeded) -> None:
    """Ten earlier weekly KPI records, as earlier runs of the bot would have left them."""
    records = []
    for weeks_ago in range(10, 0, -1):
        day = (seeded.now - timedelta(weeks=weeks_ago)).date()
        active = 5 + (10 - weeks_ago) // 3
        meeting = 1 + (weeks_ago < 6) + (weeks_ago < 2)
        delivered = max(meeting - 1, 0)
        records.append({
            'date': day.isoformat(),
            'ambassadors': {'listed': 15 + (weeks_ago < 5) + (weeks_ago < 2), 'active': active,
                            'wikis_without_active': 0},
            'translation': {
                'issues': WEEKS, 'targeted': 6 + (weeks_ago < 2),
                'languages_meeting': meeting, 'languages_meeting_at_delivery': delivered,
                'headline': meeting / (6 + (weeks_ago < 2)),
                'headline_at_delivery': delivered / (6 + (weeks_ago < 2)),
                'languages': {}, 'at_delivery': {},
            },
        })
    bot = Human(farm, 'metawiki', BOT, BOT_APPID, BOT_APP_PASSWORD)
    bot.edit(HISTORY_PAGE, kpi.history_json(records), 'KPI history of earlier runs',
             bot=1)


# -- configurations --------------------------------------------------------------------------------

def configurations(directory: Path) -> dict[str, Path]:
    """The two JSON configurations an operator would write (Meta; Arabic Wikipedia)."""
    directory.mkdir(parents=True, exist_ok=True)
    meta = {
        'tables': [
            {'site': 'meta:meta', 'page': AMBASSADORS, 'kind': 'ambassadors'},
            {'site': 'meta:meta', 'page': COMPACT, 'kind': 'ambassadors',
             'add_status_column': True},
            {'site': 'meta:meta', 'page': TRANSLATORS, 'kind': 'translators'},
        ],
        'kpi_page': KPI_PAGE,
        'status_page': STATUS_PAGE,
        'evidence_page': EVIDENCE_PAGE,
        'explanation_page': EXPLANATION_PAGE,
        'history_page': HISTORY_PAGE,
        'shutoff_page': SHUTOFF_PAGE,
        'delivery_list': DELIVERY_LIST,
        'tech_news': {'weeks': WEEKS},
        'operators': ['Admin'],
        'state_store': str(directory / 'state-meta.sqlite'),
        'messagegroupstats_retry_wait': 0,
    }
    arabic = {
        'tables': [{'site': 'wikipedia:ar', 'page': AR_AMBASSADORS, 'kind': 'ambassadors'}],
        'kpi_page': AR_KPI,
        'status_page': AR_STATUS,
        'evidence_page': AR_EVIDENCE,
        'explanation_page': AR_EXPLANATION,
        'history_page': AR_HISTORY,
        'shutoff_page': AR_SHUTOFF,
        'feedback_page': 'نقاش المستخدم:TechRolesBot',
        'delivery_list': {'site': 'meta:meta', 'page': DELIVERY_LIST},
        'targeted_languages': ['ar'],
        'tech_news': {'weeks': WEEKS},
        'state_store': str(directory / 'state-ar.sqlite'),
        'messagegroupstats_retry_wait': 0,
    }
    paths = {}
    for name, data in (('meta', meta), ('ar', arabic)):
        path = directory / f'config-{name}.json'
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + '\n', encoding='utf-8')
        paths[name] = path
    return paths


# -- running the bot -------------------------------------------------------------------------------

@dataclass
class BotRun:
    """One ``techroles`` command run as a subprocess."""

    command: str
    config: str
    code: int
    seconds: float
    #: The update report (``update``, ``run``) or the KPI report (``kpi``).
    report: dict
    log: Path
    #: The KPI report of ``run``.
    kpi_report: dict = field(default_factory=dict)

    @property
    def update(self) -> dict | None:
        return self.report if self.command in ('update', 'run') else None

    @property
    def kpi(self) -> dict | None:
        return {'kpi': self.report, 'run': self.kpi_report}.get(self.command)


def techroles_command() -> list[str]:
    """The operator's command: the venv's ``techroles`` script, else ``-m techroles.cli``."""
    script = Path(sys.executable).with_name('techroles')
    return [str(script)] if script.exists() else [sys.executable, '-m', 'techroles.cli']


def guard_dir(directory: Path) -> Path:
    """A ``sitecustomize`` that installs the loopback-only network guard."""
    guard = directory / 'netguard'
    guard.mkdir(parents=True, exist_ok=True)
    (guard / 'sitecustomize.py').write_text(
        '"""Written by testbed.demo: the bot may reach only the local wikis."""\n'
        'import os\n\n'
        "if os.environ.get('TECHROLES_NETGUARD_FILE'):\n"
        '    from testbed import netguard\n\n'
        "    netguard.install(os.environ['TECHROLES_NETGUARD_FILE'])\n")
    return guard


def bot_environment(pywikibot_dir: Path, directory: Path) -> dict[str, str]:
    paths = [str(guard_dir(directory))]
    if os.environ.get('PYTHONPATH'):
        paths.append(os.environ['PYTHONPATH'])
    return {
        **os.environ,
        'PYWIKIBOT_DIR': str(pywikibot_dir),
        'PYTHONPATH': os.pathsep.join(paths),
        'TECHROLES_NETGUARD_FILE': str(directory / 'netguard.log'),
        'PYTHONIOENCODING': 'utf-8',
    }


def run_bot(command: str, config: Path, directory: Path, env: dict[str, str],
            *extra: str) -> BotRun:
    """``techroles COMMAND --config CONFIG --report … -always``, as an operator runs it."""
    name = config.stem.removeprefix('config-')
    report = directory / f'report-{command}-{name}.json'
    log = directory / f'{command}-{name}.log'
    kpi_report = directory / f'report-{command}-kpi-{name}.json'
    for old in (report, kpi_report):
        old.unlink(missing_ok=True)
    if command == 'run':
        extra = ('--kpi-report', str(kpi_report), *extra)
    started = time.monotonic()
    with log.open('w', encoding='utf-8') as out:
        proc = subprocess.run(
            [*techroles_command(), command, '--config', str(config), '--report', str(report),
             '-always', *extra],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
            cwd=str(directory), timeout=600, check=False,
        )
    read = lambda path: json.loads(path.read_text('utf-8')) if path.exists() else {}  # noqa: E731
    return BotRun(command, name, proc.returncode, time.monotonic() - started, read(report), log,
                  read(kpi_report))


# -- the summary -----------------------------------------------------------------------------------

STATUS_ORDER = ('active', 'slipping', 'new', 'inactive', 'renamed', 'blocked', 'locked',
                'missing', 'unknown')


def page_url(farm: Farm, dbname: str, title: str) -> str:
    """``http://127.0.0.1:PORT/index.php/Title`` (colons and slashes kept readable)."""
    return f'{farm.url(dbname)}/index.php/' + urllib.parse.quote(title.replace(' ', '_'),
                                                                safe='/:')


def page_urls(farm: Farm) -> list[tuple[str, str]]:
    """(what, URL) of every page the bot wrote or read, in reading order."""
    meta = lambda title: page_url(farm, 'metawiki', title)  # noqa: E731
    ar = lambda title: page_url(farm, 'arwiki', title)  # noqa: E731
    return [
        ('Ambassadors (Meta style)', meta(AMBASSADORS)),
        ('Ambassadors (compact, column added)', meta(COMPACT)),
        ('Translators', meta(TRANSLATORS)),
        ('KPI page', meta(KPI_PAGE)),
        ('Status page', meta(STATUS_PAGE)),
        ('Evidence page', meta(EVIDENCE_PAGE)),
        ('Explanation page', meta(EXPLANATION_PAGE)),
        ('KPI history (JSON)', meta(HISTORY_PAGE)),
        ('Delivery list', meta(DELIVERY_LIST)),
        ('Arabic ambassadors (arwiki, RTL)', ar(AR_AMBASSADORS)),
        ('Arabic KPI page (arwiki)', ar(AR_KPI)),
        ('Arabic status page (arwiki)', ar(AR_STATUS)),
        ('Arabic evidence page (arwiki)', ar(AR_EVIDENCE)),
        ('Bot contributions (Meta)', meta('Special:Contributions/TechRolesBot')),
    ]


def _percent(value: object) -> str:
    if value is None:
        return 'n/a'
    if isinstance(value, str) and '/' in value:
        num, den = value.split('/')
        value = int(num) / int(den)
    return f'{float(value) * 100:.0f} %'


SITE_DB = {'meta:meta': 'metawiki', 'wikipedia:fr': 'frwiki', 'wikipedia:ar': 'arwiki',
           'mediawiki:mediawiki': 'mediawikiwiki'}


def table_pages(config: Path) -> list[tuple[str, str]]:
    """(dbname, title) of the sign-up pages a configuration names."""
    data = json.loads(config.read_text('utf-8'))
    return [(SITE_DB[t['site']], t['page']) for t in data['tables']]


def cell_statuses(farm: Farm, pages: Sequence[tuple[str, str]]) -> dict[tuple, str | None]:
    """The bot's status in every cell: (page, table, line, person) → status."""
    from techroles import table

    out: dict[tuple, str | None] = {}
    for dbname, title in pages:
        text = Human(farm, dbname).text(title) or ''
        for tbl in table.parse_page(text, farm.spec(dbname).lang):
            for row in tbl.rows:
                for user, status in zip(row.users, row.statuses, strict=True):
                    out[(title, tbl.index, row.line, user)] = status
    return out


def cell_changes(before: dict[tuple, str | None],
                 after: dict[tuple, str | None]) -> list[tuple[str, str, str | None, str]]:
    """(page, person, old, new) for every cell whose status the bot changed."""
    return [(key[0], key[3], before.get(key), new) for key, new in after.items()
            if new is not None and before.get(key) != new]


def summary_lines(runs: Sequence[BotRun], changes: dict[str, list], seeded: Seeded | None
                  ) -> list[str]:
    """What changed, per configuration: statuses, cells written, KPI headlines."""
    out: list[str] = []
    for run in runs:
        if run.update is not None:
            people = run.update.get('people', [])
            distinct = {p['name']: p['status'] for p in people}
            counts = Counter(distinct.values())
            shown = ', '.join(f'{counts[s]} {s}' for s in STATUS_ORDER if counts[s])
            out.append(f'[{run.config}] update: {len(distinct)} people checked: {shown}')
            done = changes.get(run.config, [])
            pages = sorted({page for page, *_ in done})
            out.append(f'[{run.config}]   {len(done)} status cells written on '
                       f'{len(pages)} page(s): {", ".join(pages) or "none"}')
            flips = [f'{name} {old}→{new}' for _page, name, old, new in done if old]
            if flips:
                out.append(f'[{run.config}]   changed since the previous run: ' + '; '.join(flips))
            tables = run.update.get('tables', [])
            kept = [t for t in tables if not t.get('saved') and t.get('reason') not in
                    ('no change needed', 'saved')]
            for entry in kept:
                out.append(f'[{run.config}]   not saved: {entry["page"]} table {entry["index"]}: '
                           f'{entry["reason"]}')
        if run.kpi is not None:
            amb = run.kpi.get('ambassadors', {})
            tr = run.kpi.get('translation', {})
            if amb:
                out.append(f'[{run.config}] kpi: active tech ambassadors: {amb.get("active")} '
                           f'of {amb.get("listed")} listed')
            reach, needed = run.kpi.get('reach'), run.kpi.get('help_needed') or {}
            if reach:
                out.append(f'[{run.config}]   reach: {reach.get("with_active")} of '
                           f'{reach.get("communities")} communities receiving Tech News have an '
                           'active ambassador')
                for key, label in (('communities_without_active', 'without an ambassador'),
                                   ('communities_at_risk', 'only slipping ambassadors')):
                    wikis = [e['wiki'] for e in needed.get(key, [])]
                    out.append(f'[{run.config}]     {label}: {", ".join(wikis) or "none"}')
                langs = [e['language'] for e in needed.get('languages_without_translator', [])]
                out.append(f'[{run.config}]     languages no translator lists: '
                           f'{", ".join(langs) or "none"}')
            if tr:
                targeted = tr.get('targeted_languages', [])
                out.append(
                    f'[{run.config}]   Tech News translation: {tr.get("languages_meeting")} of '
                    f'{len(targeted)} targeted languages meet the goal '
                    f'({_percent(tr.get("headline"))}; at delivery '
                    f'{_percent(tr.get("headline_at_delivery"))}) over '
                    f'{len(tr.get("issues", []))} issues')
                for lang in targeted:
                    fig = tr.get('languages', {}).get(lang, {})
                    verdict = {True: 'meets', False: 'does not meet', None: 'undetermined'}[
                        fig.get('meets')]
                    out.append(f'[{run.config}]     {lang:5} {fig.get("issues_meeting")}/'
                               f'{fig.get("issues_total")} issues translated enough '
                               f'(at delivery {fig.get("issues_meeting_at_delivery")}/'
                               f'{fig.get("issues_total")}): {verdict}')
    if seeded is not None:
        out.append('Tech News issues: ' + ', '.join(
            f'{issue} ({seeded.deliveries[issue]})' for issue in seeded.issues))
    return out


def check_expected(runs: Sequence[BotRun]) -> list[str]:
    """Differences between the seeded intent and what the bot decided."""
    problems = []
    for run in runs:
        if run.update is None:
            continue
        expected = EXPECTED_META if run.config == 'meta' else EXPECTED_AR
        got = {p['name']: p['status'] for p in run.update.get('people', [])}
        for name, status in expected.items():
            if got.get(name) != status:
                problems.append(f'{run.config}: {name} is {got.get(name)}, seeded as {status}')
    return problems


# -- start / stop ----------------------------------------------------------------------------------

def live_link(directory: Path) -> Path:
    return directory / 'wikis'


def _live_base(directory: Path) -> Path:
    """Where the live wiki data goes: tmpfs when available, linked from the demo dir."""
    root = default_data_root()
    if root == Path('/dev/shm'):
        key = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:10]
        return root / f'techroles-demo-{os.getuid()}-{key}'
    return directory / 'wikis-data'


def recorded_farm(directory: Path) -> Farm | None:
    """The farm recorded by an earlier ``start`` (None if there is none)."""
    base = live_link(directory)
    if not (base / 'state.json').exists():
        return None
    try:
        return Farm.load(base.resolve())
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _ours(pid: int, port: int) -> bool:
    """True when ``pid`` is still the ``php -S`` server we started on ``port``."""
    try:
        cmdline = Path(f'/proc/{pid}/cmdline').read_bytes().split(b'\0')
    except OSError:
        return False
    return bool(cmdline) and b'php' in cmdline[0] and f'127.0.0.1:{port}'.encode() in cmdline


def stop(directory: Path | None = None, *, quiet: bool = False) -> int:
    """End the demo's servers by their recorded pids; remove the live data."""
    directory = directory or demo_dir()
    farm = recorded_farm(directory)
    if farm is None:
        if not quiet:
            print('techroles demo: nothing to stop (no demo is recorded in '
                  f'{directory}).')
        return 0
    farm.pids = {db: pid for db, pid in farm.pids.items()
                 if _ours(pid, farm.ports.get(db, -1))}
    stopped = len(farm.pids)
    farm.stop()
    link = live_link(directory)
    target = link.resolve()
    with contextlib.suppress(OSError):
        (target / 'state.json').unlink()
    if target != link and target.name.startswith('techroles-demo-'):
        shutil.rmtree(target, ignore_errors=True)
    if link.is_symlink():
        link.unlink()
    elif link.exists():
        shutil.rmtree(link, ignore_errors=True)
    if not quiet:
        print(f'techroles demo: stopped {stopped} wiki server(s); live data removed.')
    return 0


def print_urls(directory: Path) -> None:
    summary = directory / 'summary.txt'
    if summary.exists():
        print(summary.read_text('utf-8'), end='')


def start(directory: Path | None = None) -> int:
    """Bring the wikis up, seed them, run the bot, print URLs and a summary."""
    directory = directory or demo_dir()
    started = time.monotonic()
    reason = testbed_available()
    if reason:
        print(f'techroles demo: cannot start: {reason}', file=sys.stderr)
        return 2
    farm = recorded_farm(directory)
    if farm is not None and farm.pids and all(
            _ours(pid, farm.ports.get(db, -1)) for db, pid in farm.pids.items()) \
            and farm.running():
        print(f'techroles demo: already running (data in {live_link(directory)}); '
              '`make stop` ends it, `make stop demo` starts afresh.\n')
        print_urls(directory)
        return 0
    if farm is not None:
        stop(directory, quiet=True)  # leftovers of a crashed or half-stopped demo

    directory.mkdir(parents=True, exist_ok=True)
    for old in [*directory.glob('report-*.json'), *directory.glob('*.log'),
                *directory.glob('state-*.sqlite'), directory / 'summary.txt']:
        old.unlink(missing_ok=True)
    base = _live_base(directory)
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    link = live_link(directory)
    if base.parent != directory:
        link.symlink_to(base, target_is_directory=True)
    farm = Farm(base=base, wikis=DEFAULT_WIKIS, cache=template_cache(),
                login_wikis=('metawiki', 'arwiki'))
    first = not (template_cache() / farm.template_key() / 'complete').exists()
    print('techroles demo: starting the local wikis '
          f'({", ".join(w.dbname for w in farm.wikis)})'
          + (' (first run: building the wiki template, ~15 s)' if first else '') + ' …',
          flush=True)
    try:
        farm.create()
        farm.start()
        farm.save_state()
        print(f'techroles demo: wikis up after {time.monotonic() - started:.1f} s; '
              'seeding people, sign-up pages and Tech News …', flush=True)
        seeded = seed(farm)
        configs = configurations(directory)
        env = bot_environment(farm.pywikibot_dir, directory)
        runs = []
        changes = {}
        for name in ('meta', 'ar'):
            before = cell_statuses(farm, table_pages(configs[name]))
            # Meta: the two commands one after the other; Arabic Wikipedia: the
            # scheduled job's ``run`` (update, then kpi, one status page).
            for command in (('update', 'kpi') if name == 'meta' else ('run',)):
                print(f'techroles demo: techroles {command} --config {configs[name].name} '
                      '-always …', flush=True)
                runs.append(run_bot(command, configs[name], directory, env))
            changes[name] = cell_changes(before, cell_statuses(farm, table_pages(configs[name])))
    except (FarmError, OSError, RuntimeError, subprocess.SubprocessError) as exc:
        print(f'techroles demo: failed: {exc}', file=sys.stderr)
        farm.save_state()
        stop(directory, quiet=True)
        return 1
    text = _report(farm, directory, runs, changes, seeded, time.monotonic() - started)
    (directory / 'summary.txt').write_text(text, encoding='utf-8')
    print()
    print(text, end='')
    violations = directory / 'netguard.log'
    if violations.exists() and violations.read_text().strip():
        print('techroles demo: a connection off this machine was attempted (refused): '
              f'see {violations}', file=sys.stderr)
        return 1
    return 0 if all(r.code in (0, 1) for r in runs) else 1


def _report(farm: Farm, directory: Path, runs: Sequence[BotRun], changes: dict[str, list],
            seeded: Seeded, seconds: float) -> str:
    lines = ['techroles demo: the bot ran on the local wikis '
             f'(seeded {seeded.now:%Y-%m-%d %H:%M} UTC, {seconds:.0f} s).', '']
    for run in runs:
        meaning = {0: 'done, complete data', 1: 'done, something incomplete (see log)',
                   2: 'configuration error', 3: 'shutoff'}.get(run.code, 'failed')
        lines.append(f'  techroles {run.command:6} --config {run.config}: exit {run.code} '
                     f'({meaning}) in {run.seconds:.1f} s; log {run.log.relative_to(directory)}')
    lines += ['', 'What changed:']
    lines += [f'  {line}' for line in summary_lines(runs, changes, seeded)]
    problems = check_expected(runs)
    if problems:
        lines += ['', 'Unexpected statuses (the demo seeded otherwise):']
        lines += [f'  {p}' for p in problems]
    lines += ['', 'Pages (open in a browser; the wikis stay up until `make stop`):']
    width = max(len(what) for what, _ in page_urls(farm))
    lines += [f'  {what:<{width}}  {url}' for what, url in page_urls(farm)]
    lines += ['', f'Reports, logs and configurations: {directory}',
              f'Pywikibot configuration of the farm: PYWIKIBOT_DIR={farm.pywikibot_dir}',
              'Log in as Admin / Admin-testbed-1234 to edit; `make stop` ends the wikis.', '']
    return '\n'.join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ('-h', '-help', '--help', 'help'):
        print(__doc__.strip())
        return 0 if args else 2
    command = args[0]
    if command == 'start':
        return start()
    if command == 'stop':
        return stop()
    if command == 'status':
        directory = demo_dir()
        farm = recorded_farm(directory)
        if farm is None or not farm.running():
            print('techroles demo: not running (`make demo` starts it).')
            return 1
        print_urls(directory)
        return 0
    print(f'techroles demo: unknown command {command!r} (start, stop, status)',
          file=sys.stderr)
    return 2


if __name__ == '__main__':
    raise SystemExit(main())
