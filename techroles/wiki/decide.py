"""Decide phase: one decision per person per run, used by every output.

A person may be listed on several pages (an ambassador for two wikis, an
ambassador who also translates). Their activity is collected once, over the
union of every wiki named in any of their rows, Meta, and (for translators)
their CentralAuth home wiki, and :func:`techroles.policy.decide` is applied
once. Every cell of that person, the KPI, the evidence page, the status page
and the report use that same decision, so the order of the configured
pages changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import pywikibot
from dateutil.relativedelta import relativedelta

from techroles import names, policy, table
from techroles.errors import FetchError
from techroles.model import Decision, PersonFacts
from techroles.wiki import delivery_list, pages
from techroles.wiki.activity import ActivityCollector, Target
from techroles.wiki.context import RunContext
from techroles.wiki.signup import PageWork, parse_options


@dataclass
class Decisions:
    """The run's decisions and the facts they rest on, by person."""

    people: dict[str, Decision]
    facts: dict[str, PersonFacts]

    def unanswered_wikis(self) -> list[str]:
        """Wikis whose failure left someone undecided (for the KPI page's reason)."""
        found: set[str] = set()
        for name, decision in self.people.items():
            if decision.status.value != 'unknown':
                continue
            for problem in self.facts[name].problems:
                head = problem.split(':', 1)[0].split(' ', 1)[0]
                if head and head.isidentifier():
                    found.add(head)
        return sorted(found)


@dataclass(frozen=True)
class Listing:
    """One row that lists a person: its kind of table and the known wikis and languages."""

    kind: str
    wikis: frozenset[str]
    languages: frozenset[str] = frozenset()


def target(name: str, listings: list[Listing], meta: str) -> Target:
    """Who is checked where: one target per person over all their rows.

    Activity counts on every known wiki of their rows and on Meta; blocks
    count on the community wikis of their ambassador rows, and on Meta for
    translators (or when a row names no wiki).
    """
    wikis: set[str] = set()
    blocks: set[str] = set()
    for listing in listings:
        wikis |= listing.wikis
        if listing.kind == 'translators' or not listing.wikis:
            blocks.add(meta)
        else:
            blocks |= listing.wikis
    return Target(name, frozenset(wikis), frozenset(blocks),
                  frozenset().union(*(listing.languages for listing in listings)),
                  any(listing.kind == 'translators' for listing in listings))


def targets(ctx: RunContext, works: list[PageWork]) -> dict[str, Target]:
    """One target per listed person, from every row of every page."""
    listings: dict[str, list[Listing]] = {}
    for work in works:
        for name, rows in work.listed.items():
            for _, row in rows:
                known = frozenset(w for w in row.wikis if not ctx.sites.unusable(w))
                listings.setdefault(name, []).append(
                    Listing(work.spec.kind, known, frozenset(row.languages)))
    return {name: target(name, found, ctx.sites.meta_dbname)
            for name, found in listings.items()}


def collect(ctx: RunContext, people: dict[str, Target],
            invalid: set[str] = frozenset()) -> dict[str, PersonFacts]:
    """Everyone's facts in one collection (the benchmark measures this very call)."""
    for wiki in {w for t in people.values() for w in t.wikis | t.block_wikis}:
        ctx.sites.unusable(wiki)  # resolve sites before the worker threads start
    collector = ActivityCollector(
        ctx.sites.site, now=ctx.now, active_days=ctx.cfg.active_days,
        slipping_days=ctx.cfg.slipping_days, store=ctx.store,
        concurrency=ctx.cfg.concurrency,
        proactive_pages=delivery_list.community_pages(ctx),
        tech_news_prefix=ctx.cfg.tech_news.prefix, meta=ctx.sites.meta_dbname,
        check_quiet=bool(ctx.cfg.required_signals),
    )
    facts = collector.collect(people, invalid=invalid)
    for line in collector.warnings:
        ctx.problem('activity', line, severity='warning')
    return facts


def decide(ctx: RunContext, works: list[PageWork]) -> Decisions:
    """Collect everyone's activity once and decide each person once."""
    people = targets(ctx, works)
    pywikibot.info(f'techroles: decide: {len(people)} people')
    facts = collect(ctx, people, {n for n in people if not names.is_valid_name(n)})
    since = _listed_since(ctx, works)
    decided: dict[str, Decision] = {}
    for name in people:
        fact = facts[name]
        if name in since:
            when, problem = since[name]
            if problem:
                fact = replace(fact, complete=False, problems=(*fact.problems, problem))
            elif when is not None:
                fact = replace(fact, listed_since=when)
        facts[name] = fact
        decided[name] = policy.decide(fact, ctx.now, ctx.cfg.policy_thresholds,
                                      required_signals=ctx.cfg.required_signals)
    first_place: dict[str, str] = {}
    for work in works:
        for name in work.listed:
            first_place.setdefault(name, work.place)
    for name, fact in facts.items():
        if not fact.complete:
            ctx.problem(first_place[name], f'{name}: data incomplete ('
                        + '; '.join(fact.problems[:2]) + '): status kept')
    return Decisions(decided, facts)


def _listed_since(ctx: RunContext, works: list[PageWork]
                  ) -> dict[str, tuple[datetime | None, str | None]]:
    """When each person signed up, if within the grace window.

    A person is new only if every page listing them lists them since the
    cutoff; they are then new since their earliest sign-up. A page whose
    history cannot be read leaves its people undecided unless another page
    shows they were listed before. Returns person -> (since, problem).
    """
    cutoff = ctx.now + relativedelta(days=-ctx.cfg.grace_days)
    options = parse_options(ctx.cfg)
    old: set[str] = set()
    new: dict[str, datetime] = {}
    unreadable: set[str] = set()
    for work in works:
        if not work.listed:
            continue

        def people_in(text: str, work: PageWork = work) -> set[str]:
            found: set[str] = set()
            for tbl in table.parse_page(text, work.lang, **options):
                if tbl.kind == work.spec.kind:
                    found |= set(tbl.people())
            return found

        try:
            found = pages.listed_since(work.site, work.spec.page, cutoff, list(work.listed),
                                       people_in)
        except FetchError as exc:
            ctx.problem(work.place, f'cannot read the page history: {exc}')
            unreadable |= set(work.listed)
            continue
        for name in work.listed:
            if name in found:
                new[name] = min(found[name], new.get(name, found[name]))
            else:
                old.add(name)
    out: dict[str, tuple[datetime | None, str | None]] = {}
    for name in unreadable - old:
        out[name] = (None, 'page history unreadable')
    for name, when in new.items():
        if name not in old and name not in unreadable:
            out[name] = (when, None)
    return out

