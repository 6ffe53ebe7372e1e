"""Titles from page content are read with the wiki's own namespace names (no other site)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from pywikibot.site import Namespace

from techroles.facts import normalize_title
from techroles.wiki.contributions import namespace_names


pytestmark = pytest.mark.unit

FRWIKI = SimpleNamespace(namespaces={
    0: Namespace(0, canonical_name='', custom_name=''),
    2: Namespace(2, canonical_name='User', custom_name='Utilisateur',
                 aliases=['Utilisatrice']),
    4: Namespace(4, canonical_name='Project', custom_name='Wikipédia', aliases=['WP']),
})


def test_every_spelling_of_a_namespace_gives_its_local_name():
    names = namespace_names(FRWIKI)
    assert names['project'] == names['wp'] == names['wikipédia'] == 'Wikipédia'
    assert names['utilisatrice'] == names['user'] == 'Utilisateur'


def test_an_interwiki_looking_prefix_stays_a_title_of_this_wiki():
    names = namespace_names(FRWIKI)
    assert normalize_title('Wikipedia:Kurier', names) == 'Wikipedia:Kurier'
    assert normalize_title('project:Le_Bistro/Technique', names) == \
        'Wikipédia:Le Bistro/Technique'
