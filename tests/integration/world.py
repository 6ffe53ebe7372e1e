"""The base fixtures every integration test starts from (snapshot ``base``).

People are invented. Days are "days before the world was built"; the world's
``now`` is kept in ``BASE_NOW`` so tests compute expected dates from the same
reference as the fixtures.
"""
from __future__ import annotations

from datetime import datetime

from testbed.farm import Farm
from testbed.fixtures import World


#: Set when the base world is built; tests read it through ``base_now()``.
BASE_NOW: list[datetime] = []

#: Community technical pages (targets of the Tech News delivery list).
FR_TECH_PAGE = 'Wikipédia:Le Bistro/Technique'
AR_TECH_PAGE = 'ويكيبيديا:الميدان/تقنية'

#: Expected statuses with the default thresholds (slipping 60, inactive 90).
EXPECTED = {
    'Alice Active': 'active',
    'Bob Stale': 'inactive',
    'Sam Slipping': 'slipping',
    'Lucy Logger': 'active',
    'Andy Autocreated': 'inactive',
    'Zero Edits': 'inactive',
    'Blocked Bertha': 'blocked',
    'Partial Pete': 'active',
    'Temp Tim': 'active',
    'Old Name': 'renamed',
    'Former Global': 'renamed',
    'Locked Larry': 'locked',
    'Emma Email': 'active',
    'Nobody Here': 'missing',
    'Meta Only': 'active',
    'نجمة الصباح': 'active',
    'Patch Runner': 'active',
}


def base_now() -> datetime:
    return BASE_NOW[0]


def build_base_world(farm: Farm) -> World:
    """Create the base people, pages and global facts on the farm."""
    world = World(farm)
    BASE_NOW[:] = [world.now]
    # Activity at chosen dates.
    world.edits('frwiki', 'Alice Active', 5, 20, 100)
    world.edits('metawiki', 'Alice Active', 50)
    world.edits('frwiki', 'Alice Active', 12, title='Discussion utilisateur:Alice Active')
    world.edits('frwiki', 'Alice Active', 8, title=FR_TECH_PAGE)
    world.edits('frwiki', 'Bob Stale', 400, 500)
    world.edits('frwiki', 'Sam Slipping', 75, 200)
    world.edits('frwiki', 'Lucy Logger', 300)
    world.log('frwiki', 'upload', 'upload', 'Lucy Logger', 'File:Lucy.png', 10)
    world.account('frwiki', 'Andy Autocreated')
    world.log('frwiki', 'newusers', 'autocreate', 'Andy Autocreated',
              'Utilisateur:Andy Autocreated', 5, {'4::userid': 0})
    world.account('frwiki', 'Zero Edits')
    world.account('metawiki', 'Zero Edits')
    world.edits('frwiki', 'Blocked Bertha', 3)
    world.block('frwiki', 'Blocked Bertha')
    world.edits('frwiki', 'Partial Pete', 3)
    world.block('frwiki', 'Partial Pete', pages=['Utilisateur:Partial Pete/sandbox'])
    world.edits('frwiki', 'Temp Tim', 3)
    world.block('frwiki', 'Temp Tim', expiry='1 month')
    world.edits('frwiki', 'Old Name', 3)
    world.rename('frwiki', 'Old Name', 'New Name')
    world.edits('metawiki', 'Current Global', 4)
    # A global rename as CentralAuth logs it: gblrename under the *new* name on
    # Meta, and renameuser under the old user page on every attached wiki.
    world.log('metawiki', 'gblrename', 'rename', 'Admin', 'Special:CentralAuth/Current Global',
              30, {'olduser': 'Former Global', 'newuser': 'Current Global'})
    world.log('metawiki', 'renameuser', 'renameuser', 'Admin', 'User:Former Global', 30,
              {'4::olduser': 'Former Global', '5::newuser': 'Current Global', '6::edits': 1})
    world.edits('frwiki', 'Locked Larry', 2)
    world.lock('Locked Larry')
    world.log('metawiki', 'globalauth', 'setstatus', 'Admin', 'User:Locked Larry@global', 1,
              {'added': ['locked'], 'removed': []})
    world.edits('frwiki', 'Emma Email', 10)
    world.account('metawiki', 'Emma Email', email=True)
    world.edits('metawiki', 'Meta Only', 15)
    world.edits('arwiki', 'نجمة الصباح', 4, 30)
    world.edits('arwiki', 'نجمة الصباح', 6, title=AR_TECH_PAGE)
    world.edits('mediawikiwiki', 'Patch Runner', 10)
    world.edits('frwiki', 'Patch Runner', 200)
    world.edits('mediawikiwiki', 'Alice Active', 25)
    world.apply()
    return world
