"""The pages that explain the statuses: the evidence page and the explanation page.

The evidence page lists, for everyone not ``active``, what was checked and
what was found; the explanation page states the rule and its thresholds in
the wiki's language. Both are sections between the bot's markers, saved
through the run's one save path.
"""
from __future__ import annotations

from datetime import date

import pywikibot
from dateutil.relativedelta import relativedelta

from techroles import i18n, reports
from techroles.model import Decision, Status
from techroles.wiki.context import RunContext
from techroles.wiki.decide import Decisions
from techroles.wiki.signup import PageWork
from techroles.wiki.sites import dbname_of, site_from_key


def write_evidence(ctx: RunContext, works: list[PageWork], decisions: Decisions) -> None:
    """Why each person who is not ``active`` has the status they have."""
    ref = ctx.cfg.evidence_page
    if ref is None or not any(work.listed for work in works):
        return
    site = site_from_key(ref.site)
    lang = ctx.language(site)
    start = ctx.now + relativedelta(days=-ctx.cfg.active_days)
    rows = []
    for work in works:
        for name in work.listed:
            decision = decisions.people.get(name)
            if decision is None or decision.status is Status.ACTIVE:
                continue
            rows.append(reports.EvidenceRow(
                name=name, page=work.spec.page, decision=decision,
                wikis_checked=decisions.facts[name].wikis_checked,
                window_start=start, window_end=ctx.now,
                label=i18n.status_label(decision, lang, ctx.cfg.labels),
            ))
    used = (f'{ctx.source.wiki_page[0]} ({ctx.source.wiki_page[1]})' if ctx.source.wiki_page
            else i18n.message('techroles-statuspage-config-file', lang))
    text = reports.evidence_section(rows, lang=lang, here=dbname_of(site), checked=ctx.now,
                                    config_used=used)
    ctx.write_sections(ref, {'evidence': text}, 'techroles-summary-evidence',
                       ctx.now.strftime('%Y-%m-%d'))


def explanation_text(ctx: RunContext, site: pywikibot.site.APISite) -> str:
    """The explanation page's section: the rule, in the language of ``site``."""
    cfg = ctx.cfg
    lang = ctx.language(site)
    sample = date(2026, 1, 31)
    examples = {
        Status.SLIPPING: Decision('X', Status.SLIPPING, since=sample),
        Status.INACTIVE: Decision('X', Status.INACTIVE, since=sample),
        Status.NEW: Decision('X', Status.NEW, since=sample),
        Status.RENAMED: Decision('X', Status.RENAMED, new_name='…'),
    }
    labels = {status: i18n.status_label(examples.get(status, Decision('X', status)), lang,
                                        cfg.labels) for status in Status}
    bot = (site.username() or 'TechRolesBot').split('@')[0]
    return reports.explanation_section(
        lang=lang, bot=bot, thresholds=cfg.policy_thresholds,
        required_signals=cfg.required_signals,
        labels=labels, signup_pages=[t.page for t in cfg.tables],
        talk_page=cfg.feedback_page.title if cfg.feedback_page else f'User talk:{bot}',
        evidence_page=cfg.evidence_page.title if cfg.evidence_page else None,
        shutoff_page=cfg.shutoff_page.title if cfg.shutoff_page else None,
        respect_human_days=cfg.respect_human_days,
    )


def write_explanation(ctx: RunContext) -> None:
    ref = ctx.cfg.explanation_page
    if ref is None:
        return
    text = explanation_text(ctx, site_from_key(ref.site))
    ctx.write_sections(ref, {'explanation': text}, 'techroles-summary-explanation')
