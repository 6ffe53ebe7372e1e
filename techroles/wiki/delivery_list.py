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


def read_targets(ctx: RunContext) -> tuple[str, list[delivery.DeliveryTarget]] | None:
    """``(list's dbname, targets)``, read once per run; None when unreadable or unset."""
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
            if snap.exists:  # a list that does not exist reaches nobody: no reach figure
                result = (dbname_of(site), delivery.parse_targets(snap.text, snap.content_model))
    ctx.cache['delivery'] = result
    return result


def community_pages(ctx: RunContext) -> dict[str, list[str]]:
    """Community technical pages per wiki: the list's community targets + configuration."""
    out: dict[str, list[str]] = defaultdict(list)
    read = read_targets(ctx)
    here, targets = read if read else ('', [])
    for target in targets:
        db = delivery.target_dbname(target, default=here)
        if db and not delivery.is_subscriber(target.title):
            out[db].append(target.title)
    for wiki, titles in (ctx.cfg.proactive_pages or {}).items():
        out[wiki].extend(titles)
    return dict(out)
