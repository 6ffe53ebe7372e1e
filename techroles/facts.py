"""From what the wikis answered to one person's facts: the role signals and the assembly.

Pure: no network, no pywikibot. The collector (``techroles.wiki.activity``)
asks the wikis and fills :class:`WikiResult` records; this module turns them
into one :class:`~techroles.model.PersonFacts` per person, which
:func:`techroles.policy.decide` turns into a status. Keeping the rules here
means they are tested directly, without a wiki.

Titles from page content (delivery targets, ``proactive_pages``) are compared
with the titles the API answers after :func:`normalize_title`, which uses
only the wiki's own namespace names: a prefix that is not a namespace there
(``Wikipedia:Kurier`` on a wiki without that namespace) stays part of a
main-namespace title, it never names another site.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from techroles.model import Activity, PersonFacts
from techroles.timefmt import iso, parse_iso


NS_USER_TALK = 3
NS_TRANSLATIONS = 1198


class Edit(NamedTuple):
    """One edit of the activity window (stored in the state store as a JSON list)."""

    timestamp: str
    revid: int
    ns: int
    title: str


@dataclass(frozen=True)
class Target:
    """One person to check, and where."""

    name: str
    #: Wikis whose edits and logged actions count as activity.
    wikis: frozenset[str]
    #: Wikis where an infinite sitewide block makes the person ``blocked``.
    block_wikis: frozenset[str]
    #: Translator languages (for the "translating" signal).
    languages: frozenset[str] = frozenset()
    translator: bool = False


@dataclass
class WikiUser:
    """What one wiki said about one person."""

    exists: bool = False
    editcount: int = 0
    blocked: bool = False
    emailable: bool = False
    #: ``{"ts", "revid", "title"}`` of the latest edit, when known.
    latest_edit: dict | None = None
    #: ``{"ts", "logid", "action", "title"}`` of the latest logged action.
    latest_log: dict | None = None
    #: The window's edits, newest first.
    recent: list[Edit] = field(default_factory=list)
    truncated: bool = False


@dataclass
class WikiResult:
    """Everything learnt on one wiki; ``error`` set when it is incomplete."""

    wiki: str
    users: dict[str, WikiUser] = field(default_factory=dict)
    #: Names the wiki refused as invalid.
    invalid: set[str] = field(default_factory=set)
    error: str | None = None


@dataclass(frozen=True)
class GlobalAccount:
    """What CentralAuth (and GlobalBlocking) say about one name."""

    exists: bool = True
    locked: bool = False
    home: str | None = None
    #: An indefinite global block of the account (GlobalBlocking).
    blocked: bool = False

    @classmethod
    def from_json(cls, data: Mapping | None) -> GlobalAccount | None:
        if data is None:
            return None
        return cls(exists=bool(data.get('exists')), locked=bool(data.get('locked')),
                   home=data.get('home'))

    def to_json(self) -> dict:
        """The cached part (a global block is read on every run, never cached)."""
        return {'exists': self.exists, 'locked': self.locked, 'home': self.home}


@dataclass(frozen=True)
class Global:
    """The global facts of every name asked, and why they are incomplete."""

    accounts: Mapping[str, GlobalAccount | None] = field(default_factory=dict)
    #: Why CentralAuth's answer is incomplete (None when complete).
    error: str | None = None


@dataclass(frozen=True)
class Rules:
    """What the signals compare against, fixed for one run."""

    window_start: datetime
    meta: str
    mediawiki: str
    #: Community target pages per wiki, normalised (see :func:`normalize_title`).
    proactive_pages: Mapping[str, frozenset[str]] = field(default_factory=dict)
    tech_news_prefix: str = 'Tech/News'

    @property
    def translation_re(self) -> re.Pattern[str]:
        return re.compile(r'^[^:]+:' + re.escape(self.tech_news_prefix)
                          + r'/\d{4}/\d{1,2}/[^/]+/(?P<lang>[a-z0-9-]+)$')


def norm_title(title: str) -> str:
    """Spaces for underscores, first letter upper case (as MediaWiki's ``first-letter``)."""
    title = title.replace('_', ' ').strip()
    return title[:1].upper() + title[1:]


def normalize_title(title: str, namespaces: Mapping[str, str]) -> str:
    """A title from page content in the wiki's own spelling.

    ``namespaces`` maps every lower-case name, alias and canonical name of the
    wiki's namespaces to the namespace's local name (``""`` for the main one).
    A prefix not found there is part of a main-namespace title.
    """
    title = ' '.join(title.replace('_', ' ').split()).lstrip(':')
    prefix, sep, rest = title.partition(':')
    if sep:
        local = namespaces.get(prefix.strip().lower())
        if local is not None:
            rest = norm_title(rest)
            return f'{local}:{rest}' if local else rest
    return norm_title(title)


def cache_agrees(cached: GlobalAccount | None, seen_locally: bool) -> bool:
    """Whether a cached CentralAuth answer may stand for this run.

    It may when it agrees with what the wikis' account lists say now: an
    account that exists globally and locally, or one that exists nowhere. An
    account whose global answer was "exists" but that no wiki lists any more
    (hidden: CentralAuth suppresses the name on every wiki and logs it where
    the bot cannot read) is asked again, and so is a name that had no account
    and now has one.
    """
    return cached is not None and cached.exists == seen_locally


def in_window(edits: Iterable[Edit], window_start: datetime) -> list[Edit]:
    start = iso(window_start)
    return [e for e in edits if e.timestamp >= start]


def account_exists(name: str, wikis: Iterable[str], results: Mapping[str, WikiResult],
                   account: GlobalAccount | None) -> bool:
    """A global account, or a local one on any wiki checked."""
    if account is not None and account.exists:
        return True
    for wiki in wikis:
        result = results.get(wiki)
        user = result.users.get(name) if result else None
        if user is not None and user.exists:
            return True
    return False


def latest_activity(name: str, wikis: Iterable[str], results: Mapping[str, WikiResult],
                    *, with_logs: bool = True) -> Activity | None:
    """The newest edit (or logged action, ``with_logs``) over ``wikis``."""
    best: Activity | None = None
    for wiki in wikis:
        result = results.get(wiki)
        user = result.users.get(name) if result else None
        if user is None:
            continue
        candidates = []
        if user.latest_edit:
            e = user.latest_edit
            candidates.append(Activity(wiki, parse_iso(e['ts']), 'edit', revid=e['revid'],
                                       title=e.get('title')))
        if with_logs and user.latest_log:
            e = user.latest_log
            candidates.append(Activity(wiki, parse_iso(e['ts']), 'log', logid=e['logid'],
                                       action=e.get('action'), title=e.get('title')))
        for activity in candidates:
            if best is None or activity.timestamp > best.timestamp:
                best = activity
    return best


def _window_edits(name: str, wiki: str, results: Mapping[str, WikiResult],
                  window_start: datetime) -> list[Edit] | None:
    """The person's window edits on ``wiki``; None when that wiki is incomplete."""
    result = results.get(wiki)
    if result is None or result.error:
        return None
    user = result.users.get(name)
    return in_window(user.recent, window_start) if user else []


def proactive(target: Target, results: Mapping[str, WikiResult], rules: Rules) -> bool | None:
    """An edit to a community target page of one of the person's row wikis."""
    found: bool | None = False
    for wiki in sorted(target.wikis):
        pages = rules.proactive_pages.get(wiki)
        if not pages:
            continue
        edits = _window_edits(target.name, wiki, results, rules.window_start)
        if edits is None:
            found = None if found is False else found
            continue
        if any(norm_title(e.title) in pages for e in edits):
            found = True
    return found


def supportive(target: Target, results: Mapping[str, WikiResult], rules: Rules) -> bool | None:
    """An edit on mediawiki.org in the window."""
    edits = _window_edits(target.name, rules.mediawiki, results, rules.window_start)
    return None if edits is None else bool(edits)


def reachable(target: Target, results: Mapping[str, WikiResult], rules: Rules) -> bool | None:
    """E-mail enabled on Meta, or an own user-talk edit (row wiki or Meta) in the window."""
    found: bool | None = False
    meta = results.get(rules.meta)
    if meta is None or meta.error:
        found = None
    elif meta.users.get(target.name, WikiUser()).emailable:
        found = True
    own = norm_title(target.name)
    for wiki in sorted(set(target.wikis) | {rules.meta}):
        edits = _window_edits(target.name, wiki, results, rules.window_start)
        if edits is None:
            continue
        if any(e.ns == NS_USER_TALK and norm_title(e.title.split(':', 1)[-1]) == own
               for e in edits):
            found = True
    return found


def translating(target: Target, results: Mapping[str, WikiResult], rules: Rules) -> bool | None:
    """A translation of a Tech News issue on Meta, in one of the person's languages."""
    edits = _window_edits(target.name, rules.meta, results, rules.window_start)
    if edits is None:
        return None
    pattern = rules.translation_re
    langs = set(target.languages)
    return any(
        e.ns == NS_TRANSLATIONS and (m := pattern.match(e.title)) is not None
        and (not langs or m.group('lang') in langs)
        for e in edits
    )


def signals(target: Target, results: Mapping[str, WikiResult],
            rules: Rules) -> dict[str, bool | None]:
    """The role signals (None where the data for one is incomplete)."""
    out: dict[str, bool | None] = {
        'proactive': proactive(target, results, rules),
        'supportive': supportive(target, results, rules),
        'reachable': reachable(target, results, rules),
    }
    if target.translator:
        out['translating'] = translating(target, results, rules)
    return out


def assemble(target: Target, wikis: set[str], results: Mapping[str, WikiResult],
             global_facts: Global, rename: tuple[str | None, str | None],
             rules: Rules) -> PersonFacts:
    """One person's facts from every wiki's answer, CentralAuth's and the rename logs'.

    ``wikis`` are where activity counts (row wikis, Meta, the home wiki);
    ``rename`` is ``(new name or None, error or None)``.
    """
    name = target.name
    problems = [f'{w}: {results[w].error}' for w in sorted(wikis | set(target.block_wikis))
                if results.get(w) is not None and results[w].error]
    if global_facts.error:
        problems.append(f'{rules.meta} (globaluserinfo): {global_facts.error}')
    if rename[1]:
        problems.append(rename[1])
    account = global_facts.accounts.get(name)
    exists = account_exists(name, wikis | set(target.block_wikis), results, account)
    edits = sum(len(in_window(results[w].users[name].recent, rules.window_start))
                for w in wikis if results.get(w) is not None and name in results[w].users)
    blocked = any(
        results[w].users.get(name, WikiUser()).blocked
        for w in target.block_wikis if results.get(w) is not None
    ) or bool(account and account.blocked)
    invalid = any(name in results[w].invalid for w in wikis if results.get(w) is not None)
    return PersonFacts(
        name=name,
        wikis_checked=tuple(sorted(wikis)),
        complete=not problems,
        invalid=invalid,
        exists=exists,
        renamed_to=rename[0] if not exists else None,
        locked=bool(account and account.locked),
        blocked=blocked,
        latest=latest_activity(name, wikis, results),
        edits_in_window=edits,
        signals=signals(target, results, rules),
        home_wiki=account.home if account else None,
        problems=tuple(problems),
    )
