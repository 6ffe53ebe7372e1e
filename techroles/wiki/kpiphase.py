"""KPI phase: active tech ambassadors and Tech News translation coverage.

It takes the run's decisions (one per person, the same the tables show),
never statuses read back from cells. Coverage comes from
:mod:`techroles.wiki.translate`. The figures go to the report, one record per
UTC date on the history page (a JSON page; a rerun the same day replaces that
record; at-delivery figures are frozen once recorded), and the KPI page
between its bot-owned markers.
"""
from __future__ import annotations

import json
from collections.abc import Mapping

import pywikibot

from techroles import coverage, i18n, kpi, notation
from techroles.errors import FetchError, PageContentError
from techroles.model import Decision
from techroles.wiki import delivery_list, pages, translate
from techroles.wiki.context import RunContext
from techroles.wiki.decide import Decisions
from techroles.wiki.pages import place
from techroles.wiki.signup import PageWork
from techroles.wiki.sites import dbname_of, site_from_key


def people_of(works: list[PageWork], decisions: Decisions, kind: str
              ) -> tuple[dict[str, Decision], dict[str, list[str]]]:
    """The decisions of everyone listed on ``kind`` pages, and their row wikis
    (ambassadors) or languages (translators), over every readable row."""
    decided: dict[str, Decision] = {}
    where: dict[str, set[str]] = {}
    for work in works:
        if work.spec.kind != kind:
            continue
        for name, rows in work.listed.items():
            if name in decisions.people:
                decided[name] = decisions.people[name]
            where.setdefault(name, set()).update(
                x for _, row in rows
                for x in (row.wikis if kind == 'ambassadors' else row.languages))
    return decided, {name: sorted(found) for name, found in where.items()}


def ambassadors(ctx: RunContext, works: list[PageWork], decisions: Decisions,
                incomplete: list[str]) -> dict:
    """The ambassador figures; undetermined when anyone could not be checked or
    the listing itself is incomplete (``incomplete``: a page or table unread)."""
    decided, people_wikis = people_of(works, decisions, 'ambassadors')
    return kpi.ambassador_kpi(decided, people_wikis, target_wikis=ctx.cfg.target_wikis,
                              family_of=notation.project_group,
                              unanswered_wikis=decisions.unanswered_wikis(),
                              listing_incomplete=incomplete)


def reach(ctx: RunContext, works: list[PageWork], decisions: Decisions,
          incomplete: list[str], translation: dict) -> tuple[dict, dict] | None:
    """The ``reach`` and ``help_needed`` blocks.

    None without a delivery list or a site matrix: the figure is then left
    out, never shown as 0. The site matrix is the one the run already read to
    resolve wikis: no request of its own, none per person.
    """
    listed = delivery_list.read_targets(ctx)
    ref = ctx.cfg.delivery_list
    if listed is None or ref is None:
        return None
    where = place(site_from_key(ref.site), ref.title)
    try:
        facts = ctx.sites.site_facts()
    except (FetchError, PageContentError) as exc:
        ctx.problem(where, f'reach not computed: {exc}')
        return None
    if facts is None:
        return None
    here, targets = listed
    found, warnings = kpi.communities(targets, here, facts)
    for warning in warnings:
        ctx.problem(where, warning, severity='warning')
    decided, people_wikis = people_of(works, decisions, 'ambassadors')
    block = kpi.reach(found, facts, decided, people_wikis,
                      unanswered_wikis=decisions.unanswered_wikis(),
                      listing_incomplete=incomplete)
    translators, languages = people_of(works, decisions, 'translators')
    return block, kpi.help_needed(block, translation, translators, languages,
                                  source_language=ctx.cfg.tech_news.source_language)


def targeted_languages(ctx: RunContext, works: list[PageWork]) -> list[str]:
    """The configured targets, or every language with a row in a translator table;
    never the source language (dropped with a warning if named)."""
    languages = {lang for work in works if work.spec.kind == 'translators'
                 for rows in work.listed.values() for _, row in rows
                 for lang in row.languages}
    targets, warnings = kpi.select_targets(ctx.cfg.targeted_languages, languages,
                                           ctx.cfg.tech_news.source_language)
    for warning in warnings:
        ctx.problem('kpi', warning, severity='warning')
    return targets


def period(ctx: RunContext) -> list[tuple[int, int]]:
    news = ctx.cfg.tech_news
    if news.start is not None and news.end is not None:
        return coverage.period_between(news.start, news.end)
    return coverage.reporting_period(ctx.now.date(), news.weeks)


def read_history(ctx: RunContext) -> tuple[list[dict], bool]:
    """The recorded history (and whether it could be read)."""
    ref = ctx.cfg.history_page
    if ref is None:
        return [], True
    site = site_from_key(ref.site)
    try:
        snap = pages.read(site, ref.title)
        return kpi.parse_history(snap.text if snap.exists else ''), True
    except (FetchError, PageContentError) as exc:
        ctx.problem(place(site, ref.title), f'history unreadable: {exc}: not updated')
        return [], False


def translation(ctx: RunContext, works: list[PageWork], history: list[dict]
                ) -> tuple[dict, bool]:
    cfg = ctx.cfg
    news = cfg.tech_news
    site = site_from_key(cfg.delivery_list.site) if cfg.delivery_list else ctx.meta
    targeted = targeted_languages(ctx, works)
    data = translate.collect_coverage(
        site, weeks=period(ctx), languages=targeted, prefix=news.prefix,
        source_language=news.source_language,
        delivery_list=cfg.delivery_list.title if cfg.delivery_list else None,
        delivery_hour_utc=news.delivery_hour_utc, frozen=kpi.frozen_at_delivery(history),
        stats_retries=cfg.messagegroupstats_retries,
        stats_retry_wait=cfg.messagegroupstats_retry_wait, now=ctx.now,
    )
    where = place(site, news.prefix)
    for warning in data.warnings:
        ctx.problem(where, warning, severity='warning')
    section = kpi.translation_kpi(
        data.issues, targeted, data.figures, thresholds(ctx),
        totals=data.totals, deliveries={i: tuple(d) for i, d in data.deliveries.items()},
    )
    return section, data.has_translate


def thresholds(ctx: RunContext) -> Mapping:
    t = ctx.cfg.thresholds
    return {'content': t.content, 'issues': t.issues, 'languages': t.languages}


def publish(ctx: RunContext, works: list[PageWork], decisions: Decisions,
            incomplete: list[str]) -> dict:
    """Compute both KPIs, record them in the history and write the KPI page."""
    ctx.begin('kpi')
    history, history_ok = read_history(ctx)
    report = {'ambassadors': ambassadors(ctx, works, decisions, incomplete)}
    amb = report['ambassadors']
    pywikibot.info(f"techroles: kpi: ambassadors: {amb['listed']} listed, active: "
                   + ('undetermined' if amb.get('active') is None else str(amb['active'])))
    pywikibot.info('techroles: kpi: reading Tech News translations')
    report['translation'], has_translate = translation(ctx, works, history)
    reached = reach(ctx, works, decisions, incomplete, report['translation'])
    if reached is not None:
        report['reach'], report['help_needed'] = reached
    tr = report['translation']
    pywikibot.info(f"techroles: kpi: Tech News: {len(tr.get('issues', []))} issues, "
                   f"{len(tr.get('targeted_languages', []))} targeted languages")
    for line in kpi.check_report(report):
        ctx.problem('kpi', f'inconsistent figure: {line}')
    if amb['active'] is None:
        why = amb['listing_incomplete'] or [f"{amb['undetermined']} people could not be checked"]
        ctx.problem('kpi', 'active tech ambassadors: undetermined (' + '; '.join(why) + ')')
    for lang, figures in report['translation']['languages'].items():
        if figures['issues_incomplete']:
            ctx.problem('kpi', f'{lang}: incomplete figures for '
                        + ', '.join(figures['issues_incomplete']))
    if history_ok:
        history = kpi.merge_history(history, kpi.history_record(report, ctx.now.date()))
        write_history(ctx, history)
    write_kpi_page(ctx, report, history, has_translate)
    pywikibot.info('techroles: kpi: history and page written')
    return report


def write_history(ctx: RunContext, history: list[dict]) -> None:
    ref = ctx.cfg.history_page
    if ref is None:
        return
    site = site_from_key(ref.site)
    text = kpi.history_json(history)
    summary = ctx.summary(site, 'techroles-summary-history', ctx.now.strftime('%Y-%m-%d'))
    _save_whole(ctx, ref, text, summary, 'json', 'history')
    if ctx.cfg.history_tab_page is not None:
        write_tabular(ctx, history)


def write_tabular(ctx: RunContext, history: list[dict]) -> None:
    ref = ctx.cfg.history_tab_page
    site = site_from_key(ref.site)
    data = kpi.tabular_data(history)
    problems = kpi.check_tabular(data)
    if problems:
        ctx.problem(place(site, ref.title), 'tabular data refused: ' + '; '.join(problems))
        return
    _save_whole(ctx, ref, json.dumps(data, ensure_ascii=False, indent=1),
                'techroles KPI history', 'Tabular.JsonConfig', 'tabular data')


def _save_whole(ctx: RunContext, ref, text: str, summary: str, model: str, what: str) -> None:
    """Save a bot-owned data page whole (its text is the bot's alone)."""
    site = site_from_key(ref.site)
    try:
        result = ctx.save_with_retry(site, ref.title, lambda snap: (text, summary),
                                     contentmodel=model)
    except (FetchError, PageContentError) as exc:
        ctx.problem(place(site, ref.title), f'{what} not saved: {exc}')
        return
    if result.conflicts:
        ctx.problem(place(site, ref.title), f'{what} not saved: edit conflicts')


def write_kpi_page(ctx: RunContext, report: dict, history: list[dict],
                   has_translate: bool) -> None:
    cfg = ctx.cfg
    ref = cfg.kpi_page
    if ref is None:
        return
    site = site_from_key(ref.site)
    lang = ctx.language(site)
    tables = {t.kind: t for t in cfg.tables}
    here = dbname_of(site)
    news_site = dbname_of(site_from_key(cfg.delivery_list.site)) if cfg.delivery_list else here
    links = kpi.KpiLinks(
        ambassador_table=tables['ambassadors'].page if 'ambassadors' in tables else None,
        translator_table=tables['translators'].page if 'translators' in tables else None,
        history_page=cfg.history_page.title if cfg.history_page else None,
        has_translate=has_translate,
        issues_interwiki='' if news_site == here else 'm:',
    )
    text = kpi.render_kpi_section(
        report, history, lang=lang, links=links, now=ctx.now,
        msg=lambda key, *p: i18n.message(key, lang, *p), direction=i18n.direction(lang),
    )
    ctx.write_sections(ref, {'kpi': text}, 'techroles-summary-kpi', ctx.now.strftime('%Y-%m-%d'))
