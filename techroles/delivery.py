"""The Tech News delivery list: which pages are communities' technical spaces.

``Global message delivery/Targets/Tech ambassadors`` on Meta lists where Tech
News is delivered. Community targets (a village pump, a technical
noticeboard) are the spaces where an ambassador is *proactive*; user and
user-talk targets are individual subscribers, not community spaces.

Two storage formats exist (MassMessage): legacy wikitext, one target per line
as ``{{target | page = … | site = …}}`` or ``{{#target:Title|site}}`` with
varying spacing, parameter order and case; or the ``MassMessageListContent``
JSON model ``{"description": …, "targets": [{"title": …, "site": …}]}``. A
target without a site is on the list's own wiki. Pure: no network.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import mwparserfromhell

from techroles import names, notation


@dataclass(frozen=True)
class DeliveryTarget:
    """One delivery target: a title and the host of its wiki (None = the list's wiki)."""

    title: str
    site: str | None = None
    line: int | None = None


def parse_targets(text: str, content_model: str | None = None) -> list[DeliveryTarget]:
    """Every target of a delivery list, in order (either format)."""
    if content_model == 'MassMessageListContent' or text.lstrip().startswith('{'):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get('targets'), list):
            return [
                DeliveryTarget(str(t['title']).strip(), str(t['site']).strip() if t.get('site')
                               else None)
                for t in data['targets'] if isinstance(t, dict) and t.get('title')
            ]
    return _wikitext_targets(text)


def _wikitext_targets(text: str) -> list[DeliveryTarget]:
    targets: list[DeliveryTarget] = []
    code = mwparserfromhell.parse(text)
    offset = 0
    for node in code.ifilter_templates(recursive=True):
        name = str(node.name).strip()
        start = text.find(str(node), offset)
        line = text.count('\n', 0, start) + 1 if start >= 0 else None
        if start >= 0:
            offset = start + 1
        if name.lower() == 'target':
            params = {str(p.name).strip().lower(): p.value.strip_code().strip()
                      for p in node.params}
            title = params.get('page') or params.get('1')
            site = params.get('site') or params.get('2') or None
        elif name.lower().startswith('#target:'):
            title = name.split(':', 1)[1].strip()
            site = str(node.params[0].value).strip() if node.params else None
        else:
            continue
        if title:
            targets.append(DeliveryTarget(title, site or None, line))
    return targets


def target_dbname(target: DeliveryTarget, default: str) -> str | None:
    """The database name of a target's wiki (``default`` when it has no site)."""
    if not target.site:
        return default
    return notation.resolve_wiki(target.site)


def is_subscriber(title: str) -> bool:
    """True for a user or user-talk target (an individual, not a community)."""
    found = names.parse_user_title(title)
    return found is not None and found[1] in ('user', 'user_talk')
