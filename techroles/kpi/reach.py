"""Reach (communities receiving Tech News with an active ambassador) and where
help is needed: pure.

A *community* is a wiki with at least one community target on the Tech News
delivery list: targets in the User and User talk namespaces are individual
subscribers, and closed, private and fishbowl wikis are never communities. A
target on a wiki the site matrix does not know is a warning, not a community.

* :func:`site_facts_from_matrix` reads ``action=sitematrix`` into one
  :class:`SiteFacts` per wiki (the only extra request reach costs);
* :func:`communities` groups the delivery targets by community;
* :func:`reach` gives the ``reach`` block of the KPI report: ``a of n``
  communities, per family, undetermined under the ambassador figure's rule;
  :func:`reach_from_wikis` recomputes it from the block's own ``wikis``;
* :func:`help_needed` gives the four lists of the "where help is needed"
  section, each entry with the evidence it rests on.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from techroles.delivery import DeliveryTarget, is_subscriber, target_dbname
from techroles.kpi.figures import normalize_thresholds
from techroles.model import ACTIVE_STATUSES, Decision, Status
from techroles.notation import content_language


__all__ = [
    'SiteFacts', 'communities', 'help_needed', 'reach', 'reach_from_wikis',
    'site_facts_from_matrix',
]

#: Site matrix site codes that are not the family name.
_FAMILY_OF_CODE = {'wiki': 'wikipedia'}


@dataclass(frozen=True)
class SiteFacts:
    """What the site matrix says about one wiki."""

    dbname: str
    #: Project family (``wikipedia``, ``wiktionary``, ``meta``, ``commons``…).
    family: str
    #: Content language code.
    lang: str
    url: str = ''
    closed: bool = False
    private: bool = False
    fishbowl: bool = False

    @property
    def community(self) -> bool:
        """Whether the wiki can be a community (open, public, not fishbowl)."""
        return not (self.closed or self.private or self.fishbowl)


def site_facts_from_matrix(data: Mapping[str, Any]) -> dict[str, SiteFacts]:
    """``{dbname: SiteFacts}`` from one ``action=sitematrix`` answer.

    Language groups give the content language (the group's ``code``) and the
    family (the site's ``code``, ``wiki`` being Wikipedia); special wikis
    carry both on the entry. ``closed``, ``private`` and ``fishbowl`` are
    present (empty string or true) when set, as in formatversion 1 and 2.
    """
    matrix = data.get('sitematrix', data)
    facts: dict[str, SiteFacts] = {}

    def flag(entry: Mapping[str, Any], name: str) -> bool:
        return name in entry and entry[name] is not False

    def add(entry: Mapping[str, Any], lang: str, code: str) -> None:
        dbname = entry.get('dbname')
        if not dbname:
            return
        facts[dbname] = SiteFacts(
            dbname=dbname, family=_FAMILY_OF_CODE.get(code, code), lang=lang,
            url=str(entry.get('url') or ''), closed=flag(entry, 'closed'),
            private=flag(entry, 'private'), fishbowl=flag(entry, 'fishbowl'))

    for key, group in matrix.items():
        if key == 'specials' and isinstance(group, list):
            for entry in group:
                add(entry, str(entry.get('lang') or ''), str(entry.get('code') or ''))
        elif isinstance(group, Mapping):
            for entry in group.get('site', []):
                add(entry, content_language(str(group.get('code') or '')),
                    str(entry.get('code') or ''))
    return facts


def _host(url: str | None) -> str:
    """``fr.wikipedia.org`` from ``https://fr.wikipedia.org/`` or the bare host."""
    text = (url or '').strip().lower()
    return text.split('//', 1)[-1].split('/', 1)[0]


def communities(
    targets: Iterable[DeliveryTarget], list_wiki: str, sites: Mapping[str, SiteFacts],
) -> tuple[dict[str, list[str]], list[str]]:
    """The community targets per community wiki, and one warning per target
    whose wiki is unknown.

    ``list_wiki`` is the database name of the delivery list's own wiki (a
    target without a site is there). A target's host is looked up in the
    site matrix's addresses first, then in the offline wiki data.
    Subscribers (user and user talk pages) are skipped, and so are targets
    on closed, private or fishbowl wikis.
    """
    by_host = {_host(facts.url): dbname for dbname, facts in sites.items() if facts.url}
    found: dict[str, list[str]] = {}
    warnings: list[str] = []
    for target in targets:
        if is_subscriber(target.title):
            continue
        dbname = by_host.get(_host(target.site)) if target.site else None
        if dbname is None:
            dbname = target_dbname(target, list_wiki)
        if dbname is None or dbname not in sites:
            where = f' (line {target.line})' if target.line else ''
            warnings.append(f'delivery target {target.title!r} on {target.site or list_wiki!r}'
                            f'{where}: wiki unknown to the site matrix; not a community')
            continue
        if not sites[dbname].community:
            continue
        titles = found.setdefault(dbname, [])
        if target.title not in titles:
            titles.append(target.title)
    return dict(sorted(found.items())), warnings


def _state(statuses: Sequence[str]) -> str:
    """``with`` / ``without`` an active ambassador, or ``undetermined``."""
    if any(Status(status) in ACTIVE_STATUSES for status in statuses):
        return 'with'
    return 'undetermined' if Status.UNKNOWN.value in statuses else 'without'


def reach_from_wikis(
    wikis: Mapping[str, Mapping[str, Any]], unanswered_wikis: Iterable[str] = (),
    listing_incomplete: Iterable[str] = (),
) -> dict[str, Any]:
    """The ``reach`` block from its per-community entries (``family``,
    ``lang``, ``targets``, ``people`` with their ``status`` and ``since``).

    ``with_active`` is None when some community has nobody active but
    someone who could not be checked (``undetermined`` counts those); a
    community with an active ambassador is "with" whoever else is unknown.
    When not every sign-up table could be read (``listing_incomplete``), a
    community without an active ambassador among those read is undetermined.
    """
    gaps = list(listing_incomplete)
    entries: dict[str, dict[str, Any]] = {}
    by_family: dict[str, dict[str, Any]] = {}
    for wiki in sorted(wikis):
        entry = wikis[wiki]
        people = sorted((dict(p) for p in entry.get('people', [])), key=lambda p: p['name'])
        statuses = [p['status'] for p in people]
        state = _state(statuses)
        if gaps and state == 'without':
            state = 'undetermined'
        entries[wiki] = {'family': entry['family'], 'lang': entry.get('lang', ''),
                         'url': entry.get('url', ''), 'targets': list(entry['targets']),
                         'people': people, 'state': state,
                         'active': sum(Status(s) in ACTIVE_STATUSES for s in statuses)}
        family = by_family.setdefault(entry['family'], {'communities': 0, 'with': 0,
                                                        'undetermined': 0})
        family['communities'] += 1
        family['with'] += state == 'with'
        family['undetermined'] += state == 'undetermined'
    open_count = sum(entry['state'] == 'undetermined' for entry in entries.values())
    return {
        'communities': len(entries),
        'with_active': None if open_count else sum(e['state'] == 'with' for e in entries.values()),
        'undetermined': open_count,
        'by_family': {name: {'communities': f['communities'],
                             'with_active': None if f['undetermined'] else f['with'],
                             'undetermined': f['undetermined']}
                      for name, f in sorted(by_family.items())},
        'unanswered_wikis': sorted(set(unanswered_wikis)),
        'listing_incomplete': gaps,
        'wikis': entries,
    }


def _person(name: str, decision: Decision | None) -> dict[str, Any]:
    status = Status.UNKNOWN if decision is None else Status(decision.status)
    since = decision.since if decision is not None else None
    return {'name': name, 'status': status.value,
            'since': since.isoformat() if isinstance(since, date) else None}


def reach(
    community_targets: Mapping[str, Sequence[str]],
    sites: Mapping[str, SiteFacts],
    decisions: Mapping[str, Decision],
    people_wikis: Mapping[str, Sequence[str]],
    *,
    unanswered_wikis: Iterable[str] = (),
    listing_incomplete: Iterable[str] = (),
) -> dict[str, Any]:
    """The ``reach`` block of the KPI report.

    ``community_targets`` comes from :func:`communities`; ``decisions`` and
    ``people_wikis`` are the ambassadors' (as for
    :func:`~techroles.kpi.figures.ambassador_kpi`: a listed person without a
    decision is ``unknown``). Each community lists its people with their
    status and ``since`` (date of the latest activity, or sign-up date for
    ``new``), which is all :func:`reach_from_wikis` needs to recompute it.
    """
    on_wiki: dict[str, list[str]] = {}
    for name, row_wikis in people_wikis.items():
        for wiki in set(row_wikis):
            on_wiki.setdefault(wiki, []).append(name)
    wikis = {}
    for wiki, titles in community_targets.items():
        facts = sites[wiki]
        wikis[wiki] = {'family': facts.family, 'lang': facts.lang, 'url': facts.url,
                       'targets': list(titles),
                       'people': [_person(name, decisions.get(name))
                                  for name in sorted(on_wiki.get(wiki, []))]}
    return reach_from_wikis(wikis, unanswered_wikis, listing_incomplete)


def _latest(people: Sequence[Mapping[str, Any]], statuses: set[str]) -> dict[str, Any] | None:
    """The person with the latest ``since`` among ``statuses`` (None if none)."""
    dated = [p for p in people if p['status'] in statuses and p.get('since')]
    return dict(max(dated, key=lambda p: (p['since'], p['name']))) if dated else None


def help_needed(
    reach_block: Mapping[str, Any],
    translation: Mapping[str, Any] | None,
    translators: Mapping[str, Decision],
    translator_languages: Mapping[str, Sequence[str]],
    *,
    source_language: str = 'en',
) -> dict[str, list[dict[str, Any]]]:
    """The four lists of "where help is needed", each entry with its evidence.

    * ``communities_without_active``: communities with no active ambassador
      (undetermined ones left out), with their targets and the ambassador
      who was active there last (``last_active``: name, status, since);
    * ``communities_at_risk``: communities whose only active ambassadors are
      slipping, with the latest date one of them was active (``since``);
    * ``languages_short``: targeted languages that do not meet the
      translation goal (``meets`` false), with their active translators
      (``active_translators``, None when one could not be checked; fewest
      first), the issues below the content threshold and the translation
      page of the latest one to start from;
    * ``languages_without_translator``: content languages of communities
      that no translator row lists (the source language excepted).
    """
    wikis = reach_block.get('wikis', {})
    without, at_risk = [], []
    for wiki, entry in wikis.items():
        base = {'wiki': wiki, 'family': entry['family'], 'url': entry.get('url', ''),
                'targets': list(entry['targets']), 'people': list(entry['people'])}
        if entry['state'] == 'without':
            without.append({**base, 'last_active': _latest(
                entry['people'], {Status.INACTIVE.value, Status.LOCKED.value,
                                  Status.BLOCKED.value, Status.RENAMED.value})})
            continue
        statuses = {p['status'] for p in entry['people'] if Status(p['status']) in ACTIVE_STATUSES}
        if entry['state'] == 'with' and statuses == {Status.SLIPPING.value}:
            latest = _latest(entry['people'], {Status.SLIPPING.value})
            at_risk.append({**base, 'since': latest['since'] if latest else None})

    people_of: dict[str, list[dict[str, Any]]] = {}
    for name, langs in translator_languages.items():
        for lang in set(langs):
            people_of.setdefault(lang, []).append(_person(name, translators.get(name)))
    short = []
    tr = translation or {}
    for lang in tr.get('targeted_languages', []):
        entry = tr['languages'][lang]
        if entry.get('meets') is not False:
            continue
        people = sorted(people_of.get(lang, []), key=lambda p: p['name'])
        unknown = any(p['status'] == Status.UNKNOWN.value for p in people)
        issues = [issue for issue, figure in entry['per_issue'].items()
                  if figure['complete'] and figure['total'] > 0 and not _meets_content(
                      figure, tr)]
        short.append({'language': lang,
                      'active_translators': None if unknown else sum(
                          Status(p['status']) in ACTIVE_STATUSES for p in people),
                      'translators': people, 'issues_short': issues,
                      'start_page': f'{issues[-1]}/{lang}' if issues else None})
    short.sort(key=lambda e: (e['active_translators'] is None, e['active_translators'] or 0,
                              e['language']))

    listed = set(people_of)
    uncovered: dict[str, list[str]] = {}
    for wiki, entry in wikis.items():
        lang = entry.get('lang') or ''
        if lang and lang != source_language and lang not in listed:
            uncovered.setdefault(lang, []).append(wiki)
    return {
        'communities_without_active': without,
        'communities_at_risk': at_risk,
        'languages_short': short,
        'languages_without_translator': [{'language': lang, 'communities': sorted(found)}
                                         for lang, found in sorted(uncovered.items())],
    }


def _meets_content(figure: Mapping[str, Any], translation: Mapping[str, Any]) -> bool:
    limits = normalize_thresholds(translation.get('thresholds_exact')
                                  or translation.get('thresholds'))
    return Fraction(figure['translated'], figure['total']) >= limits['content']
