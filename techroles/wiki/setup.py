"""Start-up: the configuration as the wiki completes it, and the shutoff pages' safety.

The configuration file is checked offline before Pywikibot starts
(:mod:`techroles.check`); what needs the wiki happens here, before the first
write: the bot's own user name fills the default page titles
(``User:{bot}/…``), the on-wiki configuration page is merged when it is in a
safe place, and each shutoff page must stay editable by the community.
"""
from __future__ import annotations

import pywikibot

from techroles import config as tr_config
from techroles.errors import ConfigError, FetchError
from techroles.wiki import pages
from techroles.wiki.api import FETCH_ERRORS
from techroles.wiki.context import ConfigSource, RunContext
from techroles.wiki.pages import place
from techroles.wiki.sites import site_from_key


def bot_space(cfg: tr_config.Config) -> tr_config.Config:
    """Default page titles in the user space of the account the bot logs in with."""
    site = site_from_key(cfg.tables[0].site)
    return tr_config.resolve_defaults(cfg, site.username() or '')


def load_configuration(path: str) -> tuple[tr_config.Config, ConfigSource]:
    """The file's configuration, overridden by the on-wiki page when it is valid.

    The on-wiki page is accepted only as a ``.json`` page in the bot's or an
    operator's user space, or as a page whose edit protection is ``sysop``:
    nobody can steer the bot by editing an open page. A file error raises
    :class:`ConfigError`; an on-wiki page that is unacceptable or invalid is
    not used at all and is reported in ``ConfigSource.wiki_error``.
    """
    raw = tr_config.load_file(path)
    cfg = bot_space(tr_config.validate(raw, source=path))
    source = ConfigSource(path)
    ref = cfg.wiki_config_page
    if ref is None:
        return cfg, source
    site = site_from_key(ref.site)
    where = place(site, ref.title)
    try:
        snap = pages.read(site, ref.title)
    except FetchError as exc:
        source.wiki_error = f'{where}: cannot read the on-wiki configuration: {exc}'
        return cfg, source
    if not snap.exists:
        source.wiki_error = f'{where}: the on-wiki configuration page does not exist'
        return cfg, source
    reason = _unsafe_config_page(snap, cfg)
    if reason:
        source.wiki_error = f'{where}: {reason}'
        return cfg, source
    try:
        wiki_raw = tr_config.loads(snap.text, source=where)
        merged = tr_config.merge(raw, wiki_raw, None, file_source=path, wiki_source=where)
    except ConfigError as exc:
        source.wiki_error = str(exc)
        return cfg, source
    source.wiki_page = (ref.title, snap.revid)
    return bot_space(merged), source


def _unsafe_config_page(snap: pages.PageSnapshot, cfg: tr_config.Config) -> str | None:
    """Why a configuration page may not steer the bot (None when it may)."""
    page = snap.page
    title = page.title(with_ns=False)
    if page.namespace() == 2 and title.endswith('.json'):
        owner = title.split('/', 1)[0]
        allowed = {pywikibot.tools.first_upper(n) for n in cfg.operators}
        username = page.site.username()
        if username:
            allowed.add(username.split('@', 1)[0])
        if owner in allowed:
            return None
        return (f'the configuration page is in the user space of {owner}, who is neither the '
                'bot nor an operator: not used')
    protection = page.protection().get('edit')
    if protection and protection[0] == 'sysop':
        return None
    return ('the configuration page must be a .json page in the bot\'s or an operator\'s user '
            'space, or be protected (edit=sysop): not used')





def check_shutoff_pages(ctx: RunContext, jobs: tuple[str, ...]) -> None:
    """Refuse (``ConfigError``) a shutoff page the community could not edit.

    A page protected above ``autoconfirmed`` would take the community's stop
    button away; the offline check already refused JSON, CSS and JS pages.
    """
    for job in jobs:
        for ref in ctx.cfg.shutoff_pages(job):
            site = site_from_key(ref.site)
            page = pywikibot.Page(site, ref.title)
            try:
                protection = page.protection() if page.exists() else {}
            except FETCH_ERRORS as exc:
                raise FetchError(f'{place(site, ref.title)}: cannot read its protection: '
                                 f'{exc}'.splitlines()[0]) from exc
            problem = tr_config.shutoff_protection_problem(protection,
                                                           title=place(site, ref.title))
            if problem:
                raise ConfigError(problem)
