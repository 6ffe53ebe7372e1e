"""Per-wiki facts from Meta's site matrix, for the reach figure.

One ``action=sitematrix`` request (more only if the API continues it) gives
every wiki's family, content language, address and whether it is closed,
private or fishbowl: no request per wiki, none per person. The pure reading
is :func:`techroles.kpi.reach.site_facts_from_matrix`.
"""
from __future__ import annotations

from typing import Any

import pywikibot

from techroles.errors import FetchError
from techroles.kpi.reach import SiteFacts, site_facts_from_matrix
from techroles.wiki import api


__all__ = ['MAX_PAGES', 'read_site_facts']

#: Continuations followed before giving up (one request normally holds all).
MAX_PAGES = 20


def read_site_facts(meta: pywikibot.site.APISite) -> dict[str, SiteFacts] | None:
    """``{dbname: SiteFacts}`` of every wiki in the matrix; None where the wiki
    has no SiteMatrix (then reach cannot be computed and is left out).

    Raises :class:`FetchError` when the request fails: a reach figure over a
    partial matrix would count fewer communities than there are.
    """
    facts: dict[str, SiteFacts] = {}
    params: dict[str, Any] = {'action': 'sitematrix', 'smlimit': 'max',
                              'smsiteprop': 'url|dbname|code|lang|sitename'}
    for _ in range(MAX_PAGES):
        try:
            data = api.request(meta, 'setup', **params)
        except FetchError as exc:
            text = str(exc)
            if 'unknown_action' in text or 'badvalue' in text:
                return None
            raise
        facts.update(site_facts_from_matrix(data))
        cont = (data.get('continue') or (data.get('query-continue') or {}).get('sitematrix')
                or {})
        if 'smcontinue' not in cont:
            return facts
        params['smcontinue'] = cont['smcontinue']
    raise FetchError('sitematrix: the continuation did not end')
