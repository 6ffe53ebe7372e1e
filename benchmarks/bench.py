"""``techroles bench``: what activity checks cost, against the loop an operator would write.

On a farm of local wikis (Meta and nine others) the benchmark builds, once,
a fixture of people with backdated edits, blocks and logged actions, saves
it as a snapshot and reuses it. Then it runs three modes, each in its own
Python subprocess (so that its peak memory is its own), all against the
same snapshot state:

``naive``
    :func:`naive_loop`: for each person and each of their wikis (and Meta),
    ``isRegistered()``, ``is_blocked()``, ``last_edit`` and the latest
    logged action, with Pywikibot's public API.
``cold``
    :class:`techroles.wiki.activity.ActivityCollector` with an empty state
    store, called as the update job calls it; statuses from
    :func:`techroles.policy.decide`.
``incremental``
    the same again right after, with the store of the cold run (nothing
    happened on the wikis in between).

Production set-up: the bot logs in on Meta only (BotPassword, ``bot`` group
with ``apihighlimits``: 500 names per multi-value parameter, 5,000 rows per
list) and reads the other wikis anonymously (50 names, 500 rows).

What is measured (per mode, inside its subprocess):

- ``requests``: every HTTP request, counted where ``requests`` sends it
  (``HTTPAdapter.send``), retries included.
- ``activity_requests``: those that collect activity for several people at
  once: ``list=users`` / ``list=usercontribs`` naming two people or more, and
  log scans by type (``list=logevents`` without ``leuser``/``letitle``: Meta's
  lock and rename logs). Not counted there: set-up (login, tokens, siteinfo,
  userinfo, paraminfo, sitematrix) and per-person requests (anything naming
  one person: ``globaluserinfo``, ``logevents`` of one user or one title,
  ``usercontribs``/``list=users`` of one user, ``prop=revisions`` with
  ``rvuser``). The classification reads the request parameters only; for the
  techroles modes it is cross-checked against ``techroles.wiki.api.COUNTER``.
- ``wall_s``: from the first Pywikibot site to the last status (module
  imports excluded); ``peak_mb``: the subprocess's maximum RSS in MiB.

The lower bound (``lower_bound``), from the fixture data: for each wiki
``w`` checked (every wiki in someone's rows, plus Meta, where everyone is
checked), with ``P_w`` the people checked there, ``m_w`` its multi-value
limit and ``r_w`` its row limit (500/5000 on Meta, 50/500 elsewhere)::

    batches_w = ceil(|P_w| / m_w)                  every name must be asked once
    rows_w    = sum over p in P_w whose edit count on w is at most r_w of
                  (p's edits on w inside the window)  if there are any,
                  1 (p's latest edit)                  if p has edits on w but none inside
    bound_w   = max(batches_w, ceil(rows_w / r_w))
              = batches_w + the continuation pages the data makes necessary
    lower_bound = sum of bound_w

No batched implementation that reports the window's edits can do with fewer
requests: each request names at most ``m_w`` people and returns at most
``r_w`` rows, and those rows must come back. People with more edits on a
wiki than one page of rows (heavy editors) are left out of ``rows_w``: any
implementation may ask them alone (a per-person request). The bound is
optimistic: it packs rows of different people and of different time ranges
into full pages, which the API's ordering (by user, then time) does not
allow, and counts one row for a latest edit that a batched query can only
reach after the person's older rows.

``incremental_bound`` = sum of ``batches_w`` + 2 (Meta's lock and rename
logs since the last run).

Statuses: each mode's facts (existence, blocks, latest activity) go through
:func:`techroles.policy.decide` at one reference time (the cold run's Meta
server time, so that a run's duration cannot move an edit across a
threshold); ``statuses_identical`` says whether the three modes agree for
every person. The fixture's own expectation is compared too.

``--latency-ms N`` puts a small delaying reverse proxy (threads, one port
per wiki) between the subprocesses and the wikis: every request waits N ms
before it is forwarded, as on a real network.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import platform
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from techroles.model import Activity, PersonFacts
from testbed.faultproxy import FaultProxy


HELP = """\
techroles bench [--json FILE] [--latency-ms N] [--people N] [--rebuild] [--keep]

Measure what checking people's activity costs: API requests, wall time and
peak memory of the naive Pywikibot loop, of techroles with an empty state
store (cold) and of techroles right after (incremental), on a farm of local
wikis (Meta + 9) with a fixture of N people built once and reused from a
snapshot under .testbed/bench/. Prints a table with the lower bound of
activity requests and the ratios, and checks that the three modes give the
same statuses.

  --json FILE       also write the figures as JSON (a stable contract)
  --latency-ms N    add N ms to every request through a local delaying proxy
                    (default 0)
  --people N        people in the fixture (default 600; at least 20)
  --rebuild         build the fixture again even if a snapshot exists
  --keep            leave the farm running (prints how to stop it)

Exit status: 0 done (whether or not the targets are met), 1 a mode failed,
2 usage error or the local test bed is absent.
"""

META = 'metawiki'
#: Non-Meta wikis of the benchmark farm and their share of sign-ups.
WIKI_WEIGHTS: tuple[tuple[str, int], ...] = (
    ('frwiki', 20), ('dewiki', 15), ('eswiki', 12), ('jawiki', 10), ('itwiki', 10),
    ('ptwiki', 10), ('arwiki', 9), ('nlwiki', 7), ('frwiktionary', 7),
)
#: Bump when the fixture's plan changes (a new snapshot is built).
FIXTURE_VERSION = 1
SEED = 6
#: A saved fixture older than this is rebuilt (its dates age against the window).
MAX_SNAPSHOT_AGE_DAYS = 14
#: Edits are spread over this many days before the build.
HORIZON_DAYS = 730
HEAVY_EDITS = 5000
HEAVY_IN_WINDOW = 3000
ACTIVE_DAYS = 90
SLIPPING_DAYS = 60
CONCURRENCY = 3
#: Multi-value and row limits: logged in with apihighlimits, and anonymous.
HIGH_LIMITS = (500, 5000)
LOW_LIMITS = (50, 500)
MODES = ('naive', 'cold', 'incremental')
WORKER_TIMEOUT_S = 4 * 3600


def _specs():
    from testbed.farm import WikiSpec

    meta = WikiSpec(META, 'en', 'meta', 'meta', 'Meta-Wiki', 'meta')
    langs = {'frwiki': ('fr', 'Wikipédia'), 'dewiki': ('de', 'Wikipedia'),
             'eswiki': ('es', 'Wikipedia'), 'jawiki': ('ja', 'ウィキペディア'),
             'itwiki': ('it', 'Wikipedia'), 'ptwiki': ('pt', 'Wikipédia'),
             'arwiki': ('ar', 'ويكيبيديا'), 'nlwiki': ('nl', 'Wikipedia')}
    specs = [meta]
    for db, _weight in WIKI_WEIGHTS:
        if db == 'frwiktionary':
            specs.append(WikiSpec(db, 'fr', 'wiktionary', 'fr', 'Wiktionnaire', 'wiktionary'))
        else:
            lang, sitename = langs[db]
            specs.append(WikiSpec(db, lang, 'wikipedia', lang, sitename, 'wiki'))
    return tuple(specs)


# ---------------------------------------------------------------------------
# The naive loop (printed in the README: keep it at most 25 lines)
# ---------------------------------------------------------------------------

def naive_loop(people: dict[str, list[str]], sites: dict[str, tuple[str, str]]) -> dict:
    """For each person and wiki: registered, blocked, last edit, last logged action."""
    import pywikibot

    site = {db: pywikibot.Site(code, family) for db, (code, family) in sites.items()}
    found = {}
    for name, wikis in people.items():
        exists, blocked, latest = False, False, None
        for db in [*wikis, 'metawiki']:
            user = pywikibot.User(site[db], name)
            if not user.isRegistered():
                continue
            exists, props = True, user.getprops()
            blocked |= (db in wikis and user.is_blocked() and 'blockpartial' not in props
                        and props.get('blockexpiry') in ('infinite', 'infinity'))
            edit = user.last_edit
            event = next((e for e in user.logevents(total=10) if e.type() != 'newusers'), None)
            for kind, when in (('edit', edit and edit[2]), ('log', event and event.timestamp())):
                if when and (latest is None or when > latest[1]):
                    latest = (db, when, kind)
        found[name] = (exists, blocked, latest)
    return found


# ---------------------------------------------------------------------------
# Request classification (shared by every mode)
# ---------------------------------------------------------------------------

SETUP_META = {'siteinfo', 'userinfo', 'tokens', 'allmessages', 'filerepoinfo'}


def _values(value: str | None) -> list[str]:
    """A multi-value parameter as sent (``a|b`` or Pywikibot's ``\\x1fa\\x1fb``)."""
    if not value:
        return []
    if value.startswith('\x1f'):
        return [v for v in value[1:].split('\x1f') if v]
    return [v for v in value.split('|') if v]


def classify(params: Mapping[str, str]) -> tuple[str, str]:
    """``(class, detail)`` of one API request from its parameters.

    Classes: ``setup``, ``activity`` (several people, or a log scan by type),
    ``person`` (one person), ``other`` (none of these).
    """
    action = params.get('action', 'query')
    if action != 'query':
        return 'setup', action
    lists = set(_values(params.get('list')))
    metas = set(_values(params.get('meta')))
    props = set(_values(params.get('prop')))
    if 'globaluserinfo' in metas:
        return 'person', 'globaluserinfo'
    if lists & {'users', 'usercontribs'}:
        named = max(len(_values(params.get(k))) for k in
                    ('ususers', 'ususerids', 'ucuser', 'ucuserids'))
        if 'users' in lists:
            detail = 'users+contribs' if 'usercontribs' in lists else 'users'
        elif 'ucstart' in params:
            detail = 'contribs-before-window'
        elif 'ucend' in params:
            detail = 'contribs-window'
        else:
            detail = 'contribs-full'
        return ('activity' if named > 1 else 'person'), detail
    if 'logevents' in lists:
        if 'leuser' in params:
            return 'person', 'logevents-user'
        if 'letitle' in params:
            return 'person', 'logevents-title'
        return 'activity', f"logscan-{params.get('letype', 'all')}"
    if 'revisions' in props and 'rvuser' in params:
        return 'person', 'revisions-user'
    if lists or props or (metas - SETUP_META):
        return 'other', '|'.join(sorted(lists | props | metas))
    return 'setup', '|'.join(sorted(metas)) or 'query'


class HttpMeter:
    """Counts every HTTP request sent through ``requests`` in this process."""

    def __init__(self, ports: Mapping[int, str]) -> None:
        self.ports = dict(ports)
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    def install(self) -> None:
        import requests.adapters

        original = requests.adapters.HTTPAdapter.send
        meter = self

        def send(adapter, request, *args, **kwargs):
            meter.record(request)
            return original(adapter, request, *args, **kwargs)

        requests.adapters.HTTPAdapter.send = send

    def record(self, request) -> None:
        url = urlsplit(request.url)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        body = request.body
        ctype = request.headers.get('Content-Type', '') or ''
        if body and 'multipart' not in ctype:
            if isinstance(body, bytes):
                body = body.decode('utf-8', errors='replace')
            params.update(parse_qsl(body, keep_blank_values=True))
        cls, detail = classify(params)
        wiki = self.ports.get(url.port or 80, f'{url.hostname}:{url.port}')
        with self._lock:
            self.counts[(wiki, cls, detail)] += 1

    def snapshot(self) -> list[list]:
        with self._lock:
            return [[w, c, d, n] for (w, c, d), n in sorted(self.counts.items())]


# ---------------------------------------------------------------------------
# The fixture
# ---------------------------------------------------------------------------

FIRST = ('Amara', 'José', 'Ingrid', 'Kofi', 'Mei', 'Olga', 'Rahul', 'Sofía', 'Tomás',
         'Yusuf', 'Zanele', 'Élodie', 'Jonas', 'Lucía', 'Mateus', 'Nadia', 'Pieter',
         'Giulia', 'Hana', 'Ahmed')
LAST = ('Okafor', 'Núñez', 'Larsen', 'Mensah', 'Chen', 'Petrova', 'Iyer', 'García',
        'Novák', 'Demir', 'Dlamini', 'Moreau', 'Becker', 'Rossi', 'Silva', 'Haddad',
        'de Vries', 'Ricci', 'Sato', 'Benali')
NATIVE = ('ليلى حداد', 'يوسف بن علي', '田中 花子', '佐藤 健', 'Ольга Петрова', 'Δημήτρης Κ')


def _names(n: int, rng: random.Random) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        i = len(out)
        if i % 17 == 5:
            base = NATIVE[(i // 17) % len(NATIVE)]
        else:
            base = f'{rng.choice(FIRST)} {rng.choice(LAST)}'
        name = base if base not in seen else f'{base} {i}'
        if name in seen:
            continue
        seen.add(name)
        out.append(name)
    return out


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _parse_iso(text: str) -> datetime:
    return datetime.strptime(text, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=timezone.utc)


def plan_fixture(n: int, now: datetime, seed: int = SEED) -> dict:
    """The people of the fixture and everything they did (a JSON-able manifest)."""
    rng = random.Random(seed)
    names = _names(n, rng)
    counts = {
        'heavy': max(1, round(n / 200)),
        'missing': max(2, round(n * 0.03)),
        'zero': max(2, round(n * 0.04)),
        'blocked': max(2, round(n * 0.02)),
        'partial': max(1, round(n * 0.015)),
        'temporary': max(1, round(n * 0.01)),
        'logger': max(3, round(n * 0.05)),
    }
    kinds = [k for k, c in counts.items() for _ in range(c)]
    kinds += ['light'] * (n - len(kinds))
    rng.shuffle(kinds)
    wikis = [w for w, _ in WIKI_WEIGHTS]
    weights = [wt for _, wt in WIKI_WEIGHTS]

    def ts(days: float) -> str:
        return _iso(now - timedelta(seconds=round(days * 86400)))

    def light(person: dict, count: int, newest: float, first: str | None = None) -> None:
        ages = [newest] + [rng.uniform(newest, HORIZON_DAYS) for _ in range(count - 1)]
        for k, age in enumerate(ages):
            if k == 0 and first:
                db = first
            else:
                db = META if rng.random() < 0.15 else rng.choice(person['wikis'])
            person['edits'].setdefault(db, []).append(ts(age))

    def newest_age() -> float:
        r = rng.random()
        if r < 0.45:
            return rng.uniform(0.5, 58)
        if r < 0.55:
            return rng.uniform(62, 88)
        return rng.uniform(92, HORIZON_DAYS - 10)

    people = []
    loggers = 0
    heavy_wikis = ('frwiki', 'dewiki', 'jawiki', 'eswiki')
    heavies = 0
    for name, kind in zip(names, kinds, strict=True):
        row = rng.choices(wikis, weights)
        if rng.random() < 0.4:
            second = rng.choices(wikis, weights)[0]
            if second not in row:
                row.append(second)
        if kind == 'heavy':
            home = heavy_wikis[heavies % len(heavy_wikis)]
            heavies += 1
            row = [home, *[w for w in row if w != home][:1]]
        person = {'name': name, 'kind': kind, 'wikis': row, 'edits': {}, 'logs': [],
                  'accounts': [], 'block': None}
        first = row[0]
        if kind == 'heavy':
            person['edits'][first] = sorted(
                [ts(rng.uniform(0.01, ACTIVE_DAYS - 0.5)) for _ in range(HEAVY_IN_WINDOW)]
                + [ts(rng.uniform(ACTIVE_DAYS + 0.5, HORIZON_DAYS))
                   for _ in range(HEAVY_EDITS - HEAVY_IN_WINDOW)], reverse=True)
            person['edits'][META] = [ts(rng.uniform(1, 300)) for _ in range(3)]
        elif kind == 'zero':
            person['accounts'].append(first)
        elif kind in ('blocked', 'partial', 'temporary'):
            light(person, rng.randint(1, 30), newest_age(), first)
            person['block'] = {'wiki': first, 'kind': kind}
        elif kind == 'logger':
            light(person, rng.randint(1, 20), rng.uniform(120, HORIZON_DAYS - 10), first)
            which = loggers % 3
            loggers += 1
            if which == 0:
                person['logs'].append({'wiki': first, 'type': 'upload', 'action': 'upload',
                                       'title': f'File:Bench upload {loggers}.png',
                                       'ts': ts(rng.uniform(1, 55))})
            elif which == 1:
                person['logs'].append({'wiki': first, 'type': 'delete', 'action': 'delete',
                                       'title': f'Bench deleted page {loggers}',
                                       'ts': ts(rng.uniform(62, 88))})
            else:
                person['logs'].append({'wiki': first, 'type': 'newusers',
                                       'action': 'autocreate', 'title': f'User:{name}',
                                       'ts': ts(rng.uniform(1, 30)),
                                       'params': {'4::userid': 0}})
                person['logs'].append({'wiki': first, 'type': 'upload', 'action': 'upload',
                                       'title': f'File:Bench old upload {loggers}.png',
                                       'ts': ts(rng.uniform(100, 115))})
        elif kind == 'light':
            count = rng.randint(0, 30)
            if count:
                light(person, count, newest_age())
            else:
                person['accounts'].append(first)
        for db in person['edits']:
            person['edits'][db].sort(reverse=True)
        people.append(person)
    return {'version': FIXTURE_VERSION, 'seed': seed, 'now': _iso(now), 'people': people}


def fixture_revisions(manifest: dict) -> dict[str, list]:
    """The revisions to import, per wiki."""
    from testbed.fixtures import Revision

    out: dict[str, list] = defaultdict(list)
    serial = 0
    for person in manifest['people']:
        name = person['name']
        for db, stamps in person['edits'].items():
            for k, stamp in enumerate(stamps):
                serial += 1
                if person['kind'] == 'heavy' and db != META:
                    title = f'Bench article {k % 40}'
                elif k % 7 == 3:
                    title = f'User talk:{name}'
                else:
                    title = f'User:{name}/sandbox'
                out[db].append(Revision(title, name, _parse_iso(stamp),
                                        f'Bench edit {serial} by {name}.', 'bench'))
    return out


def fixture_ops(manifest: dict) -> dict[str, list[dict]]:
    """Accounts, blocks and log entries, per wiki (``seed.php`` operations)."""
    ops: dict[str, list[dict]] = defaultdict(list)
    for person in manifest['people']:
        name = person['name']
        for db in person['accounts']:
            ops[db].append({'op': 'create_user', 'name': name, 'groups': []})
        block = person['block']
        if block:
            op = {'op': 'block', 'target': name, 'performer': 'Admin', 'expiry': 'infinite',
                  'pages': [], 'namespaces': []}
            if block['kind'] == 'partial':
                op['namespaces'] = [10]
            elif block['kind'] == 'temporary':
                op['expiry'] = '6 months'
            ops[block['wiki']].append(op)
        for log in person['logs']:
            if log['type'] == 'newusers' and log['wiki'] not in person['edits'] and \
                    log['wiki'] not in person['accounts']:
                ops[log['wiki']].append({'op': 'create_user', 'name': name, 'groups': []})
            ops[log['wiki']].append({
                'op': 'log', 'type': log['type'], 'action': log['action'], 'performer': name,
                'title': log['title'],
                'timestamp': _parse_iso(log['ts']).strftime('%Y%m%d%H%M%S'),
                'params': log.get('params', {}),
            })
    return ops


def apply_fixture(farm, manifest: dict) -> int:
    """Import the revisions and apply the operations; returns the revision count."""
    from testbed.fixtures import export_xml

    revisions = fixture_revisions(manifest)
    order = sorted(revisions, key=lambda db: -len(revisions[db]))
    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(farm.import_dump, db, export_xml(revisions[db]))
                       for db in order]:
            future.result()
    ops = fixture_ops(manifest)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(farm.seed, db, items) for db, items in ops.items()]:
            future.result()
    return sum(len(r) for r in revisions.values())


def expected_facts(manifest: dict) -> dict[str, PersonFacts]:
    """What the fixture says each mode should find (existence, blocks, latest)."""
    out = {}
    for person in manifest['people']:
        checked = [*person['wikis'], META]
        exists = bool(person['accounts']) or any(person['edits'].get(db) for db in checked) \
            or any(log['type'] == 'newusers' for log in person['logs'])
        blocked = bool(person['block'] and person['block']['kind'] == 'blocked')
        latest = None
        for db in checked:
            stamps = person['edits'].get(db) or []
            if stamps and (latest is None or stamps[0] > latest[1]):
                latest = (db, stamps[0], 'edit')
        for log in person['logs']:
            if log['type'] != 'newusers' and (latest is None or log['ts'] > latest[1]):
                latest = (log['wiki'], log['ts'], 'log')
        out[person['name']] = PersonFacts(
            name=person['name'], exists=exists, blocked=blocked,
            latest=Activity(latest[0], _parse_iso(latest[1]), latest[2]) if latest else None)
    return out


def verify_farm(farm, manifest: dict) -> str | None:
    """None when every wiki answers as itself with the fixture's edit counts."""
    import urllib.parse
    import urllib.request

    for wiki in farm.wikis:
        db = wiki.dbname
        sample = [p for p in manifest['people'] if p['edits'].get(db)][:5]
        query = {'action': 'query', 'format': 'json', 'formatversion': '2',
                 'meta': 'siteinfo', 'list': 'users', 'usprop': 'editcount',
                 'ususers': '|'.join(p['name'] for p in sample)}
        url = farm.api_url(db) + '?' + urllib.parse.urlencode(query)
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                data = json.load(response)['query']
        except (OSError, ValueError, KeyError) as exc:
            return f'{db} on port {farm.ports[db]}: {exc}'
        if data['general'].get('wikiid') != db:
            return (f'{db}: port {farm.ports[db]} is served by {data["general"].get("wikiid")} '
                    '(another process took it)')
        counts = {u['name']: u.get('editcount') for u in data.get('users', [])}
        for person in sample:
            if counts.get(person['name']) != len(person['edits'][db]):
                return (f'{db} on port {farm.ports[db]}: {person["name"]} has '
                        f'{counts.get(person["name"])} edits, the fixture '
                        f'{len(person["edits"][db])} (another wiki answers there?)')
    return None


# ---------------------------------------------------------------------------
# Bounds
# ---------------------------------------------------------------------------

def bounds(manifest: dict, now: datetime, limits: Mapping[str, tuple[int, int]]) -> dict:
    """The lower bound and the incremental bound (see the module docstring)."""
    from dateutil.relativedelta import relativedelta

    window = _iso(now + relativedelta(days=-ACTIVE_DAYS))
    per_wiki = {}
    for db in sorted(limits):
        people = [p for p in manifest['people'] if db == META or db in p['wikis']]
        names, rows_limit = limits[db]
        batches = math.ceil(len(people) / names)
        rows = heavy = 0
        for person in people:
            stamps = person['edits'].get(db) or []
            if not stamps:
                continue
            if len(stamps) > rows_limit:
                heavy += 1
                continue
            inside = sum(1 for s in stamps if s >= window)
            rows += inside or 1
        pages = math.ceil(rows / rows_limit)
        per_wiki[db] = {'people': len(people), 'limit': names, 'row_limit': rows_limit,
                        'batches': batches, 'rows': rows, 'row_pages': pages, 'heavy': heavy,
                        'bound': max(batches, pages)}
    return {
        'lower_bound': sum(w['bound'] for w in per_wiki.values()),
        'batches': sum(w['batches'] for w in per_wiki.values()),
        'incremental_bound': sum(w['batches'] for w in per_wiki.values()) + 2,
        'per_wiki': per_wiki,
    }


# ---------------------------------------------------------------------------
# The delaying proxy
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# The worker (one mode in one subprocess)
# ---------------------------------------------------------------------------

def _facts_json(facts: PersonFacts) -> dict:
    latest = facts.latest
    return {
        'complete': facts.complete, 'invalid': facts.invalid, 'exists': facts.exists,
        'renamed_to': facts.renamed_to, 'locked': facts.locked, 'blocked': facts.blocked,
        'latest': [latest.wiki, _iso(latest.timestamp), latest.kind] if latest else None,
        'problems': list(facts.problems),
    }


def _facts_from_json(name: str, data: dict) -> PersonFacts:
    latest = data['latest']
    return PersonFacts(
        name=name, complete=data['complete'], invalid=data['invalid'], exists=data['exists'],
        renamed_to=data['renamed_to'], locked=data['locked'], blocked=data['blocked'],
        latest=Activity(latest[0], _parse_iso(latest[1]), latest[2]) if latest else None,
        problems=tuple(data['problems']),
    )


def _run_naive(spec: dict) -> tuple[dict[str, PersonFacts], datetime | None, dict]:
    import pywikibot

    pywikibot.Site('meta', 'meta').login()
    people = {name: list(wikis) for name, wikis in spec['people']}
    found = naive_loop(people, {db: tuple(v) for db, v in spec['sites'].items()})
    facts = {}
    for name, (exists, blocked, latest) in found.items():
        activity = None
        if latest is not None:
            when = latest[1] if latest[1].tzinfo else latest[1].replace(tzinfo=timezone.utc)
            activity = Activity(latest[0], when, latest[2])
        facts[name] = PersonFacts(name=name, exists=exists, blocked=blocked, latest=activity)
    return facts, None, {}


def _run_techroles(spec: dict) -> tuple[dict[str, PersonFacts], datetime | None, dict]:
    """The pipeline's own collection (``techroles.wiki.decide.collect``), as a job runs it."""
    from techroles import config as tr_config
    from techroles import policy
    from techroles.wiki import api
    from techroles.wiki.context import ConfigSource, RunContext
    from techroles.wiki.decide import Listing, collect, target
    from techroles.wiki.sites import login, server_time

    cfg = tr_config.validate({
        'tables': [{'site': 'meta:meta', 'page': 'Tech/Ambassadors/List',
                    'kind': 'ambassadors'}],
        'state_store': spec['store'], 'active_days': spec['active_days'],
        'slipping_days': spec['slipping_days'], 'concurrency': spec['concurrency'],
    }, source='bench')
    ctx = RunContext(cfg, ConfigSource('bench'))
    try:
        login(ctx.meta)
        ctx.now = server_time(ctx.meta)
        targets = {name: target(name, [Listing('ambassadors', frozenset(wikis))],
                                ctx.sites.meta_dbname)
                   for name, wikis in spec['people']}
        facts = collect(ctx, targets)
        for fact in facts.values():
            policy.decide(fact, ctx.now, cfg.policy_thresholds)
    finally:
        ctx.close()
    extra = {'counter': dict(api.COUNTER)}
    limits = {}
    for db in spec['sites']:
        site = ctx.sites.site(db)
        high = bool(site.logged_in() and site.has_right('apihighlimits'))
        limits[db] = list(HIGH_LIMITS if high else LOW_LIMITS)
    extra['limits'] = limits
    return facts, ctx.now, extra


#: The code under test, hashed by every worker so that a run never mixes versions.
CODE_UNDER_TEST = ('techroles/wiki/activity.py', 'techroles/wiki/collecting.py',
                   'techroles/wiki/contributions.py', 'techroles/wiki/logged.py',
                   'techroles/wiki/centralauth.py', 'techroles/facts.py',
                   'techroles/wiki/api.py', 'techroles/wiki/store.py', 'techroles/wiki/sites.py',
                   'techroles/wiki/decide.py', 'techroles/policy.py', 'benchmarks/bench.py')


def code_hashes() -> dict[str, str]:
    checkout = Path(__file__).resolve().parent.parent
    out = {}
    for name in CODE_UNDER_TEST:
        with contextlib.suppress(OSError):
            out[name] = hashlib.sha256((checkout / name).read_bytes()).hexdigest()[:12]
    return out


def worker(argv: Sequence[str]) -> int:
    """``python -m benchmarks.bench SPEC OUT``: run one mode, write its figures."""
    spec = json.loads(Path(argv[0]).read_text(encoding='utf-8'))
    code = code_hashes()
    from testbed import netguard

    netguard.install(os.environ.get('TECHROLES_NETGUARD_FILE'))
    meter = HttpMeter({int(port): db for port, db in spec['ports'].items()})
    meter.install()
    import pywikibot  # noqa: F401  (import time is not part of the figures)

    run = _run_naive if spec['mode'] == 'naive' else _run_techroles
    start = time.perf_counter()
    facts, now, extra = run(spec)
    wall = time.perf_counter() - start
    counts = meter.snapshot()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(argv[1]).write_text(json.dumps({
        'mode': spec['mode'], 'wall_s': wall, 'peak_mb': peak, 'counts': counts,
        'now': _iso(now) if now else None, 'code': code,
        'facts': {name: _facts_json(f) for name, f in facts.items()}, **extra,
    }, ensure_ascii=False), encoding='utf-8')
    return 0


# ---------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------

class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]
        raise UsageError(message)


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = _Parser(prog='techroles bench', add_help=False, allow_abbrev=False)
    parser.add_argument('--json', dest='json_file')
    parser.add_argument('--latency-ms', type=float, default=0.0)
    parser.add_argument('--people', type=int, default=600)
    parser.add_argument('--rebuild', action='store_true')
    parser.add_argument('--keep', action='store_true')
    opts = parser.parse_args(list(argv))
    if opts.people < 20:
        raise UsageError('--people must be at least 20')
    if opts.latency_ms < 0:
        raise UsageError('--latency-ms must be 0 or more')
    return opts


def _state_root() -> Path:
    """``.testbed`` of the checkout (or of the current directory)."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / 'setup.cfg').exists():
        return checkout / '.testbed'
    return Path.cwd() / '.testbed'


def _log(message: str) -> None:
    print(f'bench: {message}', file=sys.stderr, flush=True)


def _machine() -> dict:
    info = {'cpus': os.cpu_count(), 'platform': platform.platform(),
            'python': platform.python_version()}
    with contextlib.suppress(OSError):
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                info['cpu'] = line.split(':', 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path('/proc/meminfo').read_text().splitlines():
            if line.startswith('MemTotal'):
                info['memory_gib'] = round(int(line.split()[1]) / 1024 / 1024, 1)
    with contextlib.suppress(Exception):
        from importlib.metadata import version

        info['pywikibot'] = version('pywikibot')
    with contextlib.suppress(Exception):
        from testbed.farm import mediawiki_version

        info['mediawiki'] = mediawiki_version()
    return info


class Bench:
    def __init__(self, opts: argparse.Namespace) -> None:
        self.opts = opts
        self.root = _state_root()
        self.live = Path(tempfile.mkdtemp(prefix='techroles-bench-', dir=self._data_root()))
        from testbed.farm import Farm

        self.farm = Farm(base=self.live / 'farm', wikis=_specs(), cache=self.root / 'cache',
                         login_wikis=(META,))
        self.proxies: list[FaultProxy] = []
        self.info: dict = {}

    @staticmethod
    def _data_root() -> Path:
        from testbed.farm import default_data_root

        return default_data_root()

    # -- the fixture ------------------------------------------------------
    def snapshot_dir(self) -> Path:
        key = hashlib.sha256(
            f'{self.farm.template_key()}:{FIXTURE_VERSION}:{self.opts.people}:{SEED}'.encode(),
        ).hexdigest()[:16]
        return self.root / 'bench' / f'people{self.opts.people}-{key}'

    def load_or_build(self) -> dict:
        saved = self.snapshot_dir()
        manifest = None
        if not self.opts.rebuild and (saved / 'complete').exists():
            manifest = json.loads((saved / 'manifest.json').read_text(encoding='utf-8'))
            age = datetime.now(timezone.utc) - _parse_iso(manifest['now'])
            if age > timedelta(days=MAX_SNAPSHOT_AGE_DAYS):
                _log(f'snapshot is {age.days} days old (> {MAX_SNAPSHOT_AGE_DAYS}): rebuilding')
                manifest = None
        if manifest is not None:
            for wiki in self.farm.wikis:
                shutil.copyfile(saved / f'{wiki.dbname}.sqlite', self.farm.sqlite(wiki.dbname))
            shutil.copyfile(saved / 'standins.json', self.farm.base / 'standins.json')
            self.farm.start()
            build = json.loads((saved / 'build.json').read_text())
            self.info['fixture'] = {'from_snapshot': True, 'snapshot': str(saved), **build}
            _log(f'fixture loaded from {saved} (built {manifest["now"]}, '
                 f'{build["revisions"]} revisions, build took {build["build_s"]:.1f} s)')
        else:
            self.farm.start()
            started = time.perf_counter()
            now = datetime.now(timezone.utc).replace(microsecond=0)
            manifest = plan_fixture(self.opts.people, now)
            _log(f'building the fixture: {self.opts.people} people ...')
            revisions = apply_fixture(self.farm, manifest)
            build = {'build_s': round(time.perf_counter() - started, 1), 'revisions': revisions,
                     'built': manifest['now']}
            self.info['fixture'] = {'from_snapshot': False, 'snapshot': str(saved), **build}
            _log(f'fixture built in {build["build_s"]} s ({revisions} revisions)')
            tmp = saved.with_name(saved.name + f'.tmp{os.getpid()}')
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            for wiki in self.farm.wikis:
                shutil.copyfile(self.farm.sqlite(wiki.dbname), tmp / f'{wiki.dbname}.sqlite')
            shutil.copyfile(self.farm.base / 'standins.json', tmp / 'standins.json')
            (tmp / 'manifest.json').write_text(json.dumps(manifest, ensure_ascii=False))
            (tmp / 'build.json').write_text(json.dumps(build))
            (tmp / 'complete').write_text('ok\n')
            shutil.rmtree(saved, ignore_errors=True)
            tmp.rename(saved)
            for stale in saved.parent.glob(f'people{self.opts.people}-*'):
                if stale != saved and stale.is_dir() and '.tmp' not in stale.name:
                    shutil.rmtree(stale, ignore_errors=True)  # an older template or plan
        self.ensure_serving(manifest)
        self.farm.snapshot('bench')
        return manifest

    def ensure_serving(self, manifest: dict, attempts: int = 3) -> None:
        """Make sure each port is served by this farm's wiki, with the fixture.

        ``free_port()`` releases a port before ``php -S`` binds it: another
        process (another farm on the machine) may take it meanwhile, and the
        readiness check then succeeds against the wrong wiki. Restart on
        fresh ports when that happens.
        """
        from testbed.farm import free_port

        for attempt in range(attempts):
            problem = verify_farm(self.farm, manifest)
            if problem is None:
                return
            _log(f'{problem}: restarting the farm on other ports')
            self.farm.stop()
            self.farm.ports = {w.dbname: free_port() for w in self.farm.wikis}
            if attempt + 1 < attempts:
                self.farm.start()
        raise RuntimeError(f'the farm does not serve its own wikis: {problem}')

    # -- modes ------------------------------------------------------------
    def ports(self) -> dict[str, int]:
        """The port each wiki is reached on by the modes (proxy or server)."""
        if self.opts.latency_ms <= 0:
            return dict(self.farm.ports)
        if not self.proxies:
            latency = self.opts.latency_ms / 1000
            for wiki in self.farm.wikis:
                # The fault tests' proxy, holding every request ``latency`` seconds.
                proxy = FaultProxy(wiki.dbname, self.farm.ports[wiki.dbname])
                proxy.add(action='delay', delay=latency)
                proxy.start()
                self.proxies.append(proxy)
        return {w.dbname: p.port for w, p in zip(self.farm.wikis, self.proxies, strict=True)}

    def pywikibot_dir(self, name: str) -> Path:
        from testbed.farm import Farm

        config = Farm(base=self.live / name, wikis=self.farm.wikis, ports=self.ports(),
                      login_wikis=(META,))
        config.write_pywikibot_config()
        return config.pywikibot_dir

    def run_mode(self, mode: str, manifest: dict, pwb_dir: Path) -> dict:
        ports = self.ports()
        spec = {
            'mode': mode,
            'people': [[p['name'], p['wikis']] for p in manifest['people']],
            'sites': {w.dbname: [w.code, w.family] for w in self.farm.wikis},
            'ports': {str(port): db for db, port in ports.items()},
            'store': str(self.live / 'state.sqlite'),
            'active_days': ACTIVE_DAYS, 'slipping_days': SLIPPING_DAYS,
            'concurrency': CONCURRENCY,
        }
        spec_path = self.live / f'{mode}.spec.json'
        out = self.live / f'{mode}.out.json'
        spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding='utf-8')
        env = {k: v for k, v in os.environ.items() if k != 'PYWIKIBOT_NO_USER_CONFIG'}
        env['PYWIKIBOT_DIR'] = str(pwb_dir)
        package_root = str(Path(__file__).resolve().parent.parent)
        env['PYTHONPATH'] = os.pathsep.join(
            [package_root, *([env['PYTHONPATH']] if env.get('PYTHONPATH') else [])])
        log = self.live / f'{mode}.log'
        _log(f'running {mode} ...')
        load_before = os.getloadavg()
        with open(log, 'wb') as handle:
            proc = subprocess.Popen(
                [sys.executable, '-m', 'benchmarks.bench', str(spec_path), str(out)],
                stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT, env=env,
                cwd=str(self.live),
            )
            try:
                code = proc.wait(timeout=WORKER_TIMEOUT_S)
            except BaseException:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                raise
        if code != 0 or not out.exists():
            tail = log.read_text(errors='replace').strip().splitlines()[-15:]
            raise RuntimeError(f'{mode} failed (exit {code}):\n' + '\n'.join(tail))
        result = json.loads(out.read_text(encoding='utf-8'))
        result['loadavg'] = {'before': [round(x, 2) for x in load_before],
                             'after': [round(x, 2) for x in os.getloadavg()]}
        return result

    # -- the run ------------------------------------------------------------
    def run(self) -> int:
        self.info['git_start'] = _git_head()
        started = time.perf_counter()
        self.farm.create()
        self.info['template_s'] = round(time.perf_counter() - started, 1)
        manifest = self.load_or_build()
        results: dict[str, dict] = {}
        self.farm.restore('bench')
        results['naive'] = self.run_mode('naive', manifest, self.pywikibot_dir('pwb-naive'))
        self.farm.restore('bench')
        techroles_dir = self.pywikibot_dir('pwb-techroles')
        results['cold'] = self.run_mode('cold', manifest, techroles_dir)
        results['incremental'] = self.run_mode('incremental', manifest, techroles_dir)
        report = self.report(manifest, results)
        print(self.table(report))
        if self.opts.json_file:
            Path(self.opts.json_file).write_text(
                json.dumps(report, ensure_ascii=False, indent=1) + '\n', encoding='utf-8')
        return 0

    def cleanup(self) -> None:
        for proxy in self.proxies:
            proxy.stop()
        self.proxies.clear()
        if self.opts.keep:
            self.farm.save_state()
            urls = ', '.join(f'{w.dbname} {self.farm.url(w.dbname)}' for w in self.farm.wikis)
            _log(f'farm left running: {urls}')
            _log(f'stop it with: python -c "from pathlib import Path; from testbed.'
                 f'farm import Farm; Farm.load(Path({str(self.farm.base)!r})).stop()"')
            return
        self.farm.stop()
        shutil.rmtree(self.live, ignore_errors=True)

    # -- figures ------------------------------------------------------------
    def report(self, manifest: dict, results: dict[str, dict]) -> dict:
        from techroles import policy

        ref_now = _parse_iso(results['cold']['now'])
        limits = {db: tuple(v) for db, v in results['cold'].get('limits', {}).items()}
        model = {w.dbname: HIGH_LIMITS if w.dbname == META else LOW_LIMITS
                 for w in self.farm.wikis}
        if limits != model:
            _log(f'WARNING limits seen by the cold run {limits} differ from the model {model}')
        bound = bounds(manifest, ref_now, limits or model)
        thresholds = policy.Thresholds(ACTIVE_DAYS, SLIPPING_DAYS)
        decided: dict[str, dict[str, tuple]] = {}
        facts_of: dict[str, dict[str, PersonFacts]] = {}
        for mode in MODES:
            facts_of[mode] = {n: _facts_from_json(n, d)
                              for n, d in results[mode]['facts'].items()}
        facts_of['fixture'] = expected_facts(manifest)
        for mode, facts in facts_of.items():
            decided[mode] = {}
            for name, fact in facts.items():
                decision = policy.decide(fact, ref_now, thresholds)
                decided[mode][name] = (decision.status.value, decision.since)
        names = [p['name'] for p in manifest['people']]
        differ = [n for n in names if len({decided[m][n][0] for m in MODES}) > 1]
        label_differ = [n for n in names if len({decided[m][n] for m in MODES}) > 1]
        fixture_differ = [n for n in names
                          if decided['fixture'][n][0] != decided['cold'][n][0]]
        out: dict = {
            'people': len(set(names)),
            'wikis': len(self.farm.wikis),
            'lower_bound': bound['lower_bound'],
            'incremental_bound': bound['incremental_bound'],
            'statuses_identical': not differ,
        }
        for mode in MODES:
            per_class = Counter()
            per_detail = Counter()
            for _wiki, cls, detail, n in results[mode]['counts']:
                per_class[cls] += n
                per_detail[f'{cls}:{detail}'] += n
            out[mode] = {
                'requests': sum(per_class.values()),
                'activity_requests': per_class['activity'],
                'wall_s': round(results[mode]['wall_s'], 2),
                'peak_mb': round(results[mode]['peak_mb'], 1),
                'per_person_requests': per_class['person'],
                'setup_requests': per_class['setup'],
                'other_requests': per_class['other'],
                'by_kind': dict(sorted(per_detail.items())),
                'by_wiki': self._by_wiki(results[mode]['counts']),
                'loadavg': results[mode].get('loadavg'),
            }
            if 'counter' in results[mode]:
                out[mode]['api_counter'] = results[mode]['counter']
        naive, cold, incr = out['naive'], out['cold'], out['incremental']
        out['ratios'] = {
            'cold_activity_over_lower_bound': _ratio(cold['activity_requests'],
                                                     bound['lower_bound']),
            'naive_requests_over_cold': _ratio(naive['requests'], cold['requests']),
            'naive_requests_over_incremental': _ratio(naive['requests'], incr['requests']),
            'naive_wall_over_cold': _ratio(naive['wall_s'], cold['wall_s']),
            'naive_wall_over_incremental': _ratio(naive['wall_s'], incr['wall_s']),
            'incremental_activity_over_bound': _ratio(incr['activity_requests'],
                                                      bound['incremental_bound']),
        }
        out['targets'] = {
            'cold_activity_within_1.25_lower_bound':
                cold['activity_requests'] <= 1.25 * bound['lower_bound'],
            'requests_10x_fewer_than_naive': naive['requests'] >= 10 * cold['requests'],
            'wall_5x_less_than_naive': naive['wall_s'] >= 5 * cold['wall_s'],
            'incremental_activity_within_bound':
                incr['activity_requests'] <= bound['incremental_bound'],
            'statuses_identical': not differ,
        }
        counts = {m: dict(Counter(decided[m][n][0] for n in names)) for m in decided}
        out['statuses'] = counts
        out['labels_identical'] = not label_differ
        out['statuses_match_fixture'] = not fixture_differ
        out['differences'] = [
            {'name': n, **{m: {'status': decided[m][n][0],
                               'since': decided[m][n][1].isoformat() if decided[m][n][1] else None,
                               'facts': _facts_json(facts_of[m][n])}
                           for m in (*MODES, 'fixture')}}
            for n in sorted(set(label_differ) | set(fixture_differ))
        ]
        out['bounds'] = bound
        # The naive worker runs only bench.py; cold and incremental run all of it.
        code = {m: results[m].get('code') or {} for m in MODES}
        consistent = code['cold'] == code['incremental'] and \
            len({c.get('bench.py') for c in code.values()}) == 1
        out['code'] = {'git_start': self.info.get('git_start'), 'git_end': _git_head(),
                       'consistent': consistent, **code}
        if not consistent:
            _log('WARNING the modes ran different versions of the code under test '
                 '(it changed during the run): the figures are not comparable')
        out['reference_time'] = _iso(ref_now)
        out['latency_ms'] = self.opts.latency_ms
        out['fixture'] = {**self.info.get('fixture', {}), 'template_s': self.info['template_s'],
                          'kinds': dict(Counter(p['kind'] for p in manifest['people'])),
                          'listings': sum(len(p['wikis']) for p in manifest['people'])}
        out['date'] = datetime.now(timezone.utc).strftime('%Y-%m-%d')
        out['machine'] = _machine()
        return out

    @staticmethod
    def _by_wiki(counts: list[list]) -> dict:
        out: dict[str, Counter] = defaultdict(Counter)
        for wiki, cls, _detail, n in counts:
            out[wiki][cls] += n
        return {w: dict(c) for w, c in sorted(out.items())}

    def table(self, r: dict) -> str:
        lines = [
            f'techroles bench: {r["people"]} people on {r["wikis"]} wikis (Meta included), '
            f'latency {r["latency_ms"]:g} ms per request, {r["date"]}, '
            f'{r["machine"].get("cpus")} CPUs, code {r["code"]["git_start"]}',
            '',
            f'{"mode":<12} {"requests":>9} {"activity":>9} {"per-person":>11} {"setup":>6} '
            f'{"wall_s":>8} {"peak_mb":>8}',
        ]
        for mode in MODES:
            m = r[mode]
            lines.append(
                f'{mode:<12} {m["requests"]:>9} {m["activity_requests"]:>9} '
                f'{m["per_person_requests"]:>11} {m["setup_requests"]:>6} '
                f'{m["wall_s"]:>8.2f} {m["peak_mb"]:>8.1f}')
        b = r['bounds']
        ratios = r['ratios']
        lines += [
            '',
            f'lower_bound {r["lower_bound"]} (name batches {b["batches"]} + continuation pages '
            f'{r["lower_bound"] - b["batches"]}); incremental_bound {r["incremental_bound"]}',
            f'cold activity / lower bound      {_fmt(ratios["cold_activity_over_lower_bound"])}'
            f'  (target <= 1.25)',
            f'naive requests / cold requests   {_fmt(ratios["naive_requests_over_cold"])}'
            f'  (target >= 10)',
            f'naive wall / cold wall           {_fmt(ratios["naive_wall_over_cold"])}'
            f'  (target >= 5 with --latency-ms 150)',
            f'incremental activity / bound     {_fmt(ratios["incremental_activity_over_bound"])}'
            f'  (target <= 1)',
            f'naive requests / incremental     {_fmt(ratios["naive_requests_over_incremental"])};'
            f' naive wall / incremental {_fmt(ratios["naive_wall_over_incremental"])}',
            f'statuses_identical {str(r["statuses_identical"]).lower()}'
            f'  (labels identical {str(r["labels_identical"]).lower()}, as the fixture says '
            f'{str(r["statuses_match_fixture"]).lower()}): '
            + ', '.join(f'{k} {v}' for k, v in sorted(r['statuses']['cold'].items())),
        ]
        for diff in r['differences'][:20]:
            parts = []
            for mode in (*MODES, 'fixture'):
                d = diff[mode]
                latest = d['facts']['latest']
                parts.append(f'{mode} {d["status"]}'
                             + (f' since {d["since"]}' if d['since'] else '')
                             + (f' [{latest[2]} {latest[0]} {latest[1]}]' if latest else ' [-]')
                             + ('' if d['facts']['exists'] else ' (no account)')
                             + (' (blocked)' if d['facts']['blocked'] else '')
                             + (f' problems: {"; ".join(d["facts"]["problems"])}'
                                if d['facts']['problems'] else ''))
            lines.append(f'  differs: {diff["name"]}: ' + ' | '.join(parts))
        if len(r['differences']) > 20:
            lines.append(f'  … {len(r["differences"]) - 20} more in the JSON')
        if not r['code']['consistent']:
            lines.append('  WARNING: the code under test changed between the modes; re-run.')
        lines += ['', 'per wiki (lower bound): '
                  + ', '.join(f'{db} {w["people"]}p/{w["limit"]}→{w["bound"]}'
                              + (f' (rows {w["rows"]})' if w['row_pages'] > w['batches'] else '')
                              for db, w in b['per_wiki'].items())]
        for mode in ('cold', 'incremental'):
            kinds = ', '.join(f'{k} {v}' for k, v in r[mode]['by_kind'].items()
                              if not k.startswith('setup'))
            lines.append(f'{mode} by kind: {kinds}')
            if 'api_counter' in r[mode]:
                lines.append(f'{mode} techroles.wiki.api.COUNTER: '
                             + ', '.join(f'{k} {v}' for k, v in
                                         sorted(r[mode]['api_counter'].items())))
        fx = r['fixture']
        lines += [
            f'fixture: {fx.get("revisions")} revisions, '
            + ('loaded from snapshot' if fx.get('from_snapshot') else 'built now')
            + f' (build {fx.get("build_s")} s, built {fx.get("built")}); '
            + ', '.join(f'{k} {v}' for k, v in sorted(fx['kinds'].items())),
            '',
            LEGEND,
        ]
        return '\n'.join(lines)


LEGEND = """\
requests: every HTTP request of the mode's subprocess. activity: requests that name several
people (list=users/usercontribs) or scan a log by type; per-person: requests naming one person
(globaluserinfo, one user's logevents/contribs/users, a rename-log lookup); setup: login, tokens,
siteinfo, userinfo, paraminfo, sitematrix. wall_s excludes module imports; peak_mb is the
subprocess's maximum RSS. lower_bound = sum over wikis of max(ceil(people / multi-value limit),
ceil(rows / row limit)), rows = the window's edits of each person with at most one page of edits
there, or 1 (the latest edit) for one with edits but none in the window. incremental_bound = sum
of ceil(people / limit) + 2 (Meta's lock and rename logs). Statuses: policy.decide on each
mode's facts at the cold run's server time; the naive loop does not look at locks or renames
(the fixture has neither)."""


def _git_head() -> str | None:
    """The checkout's commit (``+dirty`` when the code under test has local changes)."""
    checkout = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=checkout,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(
            ['git', 'status', '--porcelain', '--', *CODE_UNDER_TEST],
            cwd=checkout, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ('+dirty' if dirty else '')


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def _fmt(value: float | None) -> str:
    return '-' if value is None else f'{value:.2f}'


def main(argv: list[str]) -> int:
    """``techroles bench``; returns the exit status."""
    argv = list(argv)
    if any(a in ('-help', '--help', '-h') for a in argv):
        print(HELP, end='')
        return 0
    try:
        opts = _parse(argv)
    except UsageError as exc:
        print(f'ERROR techroles bench: {exc}', file=sys.stderr)
        return 2
    from testbed import farm as farm_module

    reason = farm_module.testbed_available()
    if reason:
        print(f'ERROR techroles bench: the local test bed is absent: {reason}', file=sys.stderr)
        return 2
    from testbed import netguard

    netguard.install(os.environ.get('TECHROLES_NETGUARD_FILE'))
    bench = Bench(opts)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return bench.run()
    except (RuntimeError, OSError) as exc:
        print(f'ERROR techroles bench: {exc}', file=sys.stderr)
        return 1
    finally:
        bench.cleanup()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)


if __name__ == '__main__':
    sys.exit(worker(sys.argv[1:]))
