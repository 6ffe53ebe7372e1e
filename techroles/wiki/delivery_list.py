"""The Tech News delivery list, read once per run.

Its community targets are where an ambassador is *proactive* (the activity
signal) and, for the KPI, the communities that receive Tech News.
"""
from __future__ import annotations

from collections import defaultdict

from techroles import delivery
from techroles.errors import FetchError, PageContentError
from techroles.wiki import pages
from techroles.wiki.context import RunContext
from techroles.wiki.pages import place
from techroles.wiki.sites import dbname_of, site_from_key


def read_targets(ctx: RunContext) -> tuple[str, list[tuple[str, delivery.DeliveryTarget]]] | None:
    """``(list's dbname, [(target's dbname, target)])``, read once; None when unreadable.

    A target whose wiki cannot be named is left out here and reported once.
    """
    if 'delivery' in ctx.cache:
        return ctx.cache['delivery']
    ref = ctx.cfg.delivery_list
    result = None
    if ref is not None:
        site = site_from_key(ref.site)
        try:
            snap = pages.read(site, ref.title)
        except (FetchError, PageContentError) as exc:
            ctx.problem(place(site, ref.title), f'delivery list unreadable: {exc}',
                        severity='warning')
        else:
            here = dbname_of(site)
            found = []
            if snap.exists:
                for target in delivery.parse_targets(snap.text, snap.content_model):
                    db = delivery.target_dbname(target, default=here)
                    if db:
                        found.append((db, target))
            result = (here, found)
    ctx.cache['delivery'] = result
    return result


def community_pages(ctx: RunContext) -> dict[str, list[str]]:
    """Community technical pages per wiki: the list's community targets + configuration."""
    out: dict[str, list[str]] = defaultdict(list)
    read = read_targets(ctx)
    for db, target in (read[1] if read else []):
        if not delivery.is_subscriber(target.title):
            out[db].append(target.title)
    for wiki, titles in (ctx.cfg.proactive_pages or {}).items():
        out[wiki].extend(titles)
    return dict(out)
