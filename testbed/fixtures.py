"""Build fixture content on the farm's wikis: people, backdated edits, pages.

Backdated edits go in through ``importDump.php`` (an XML export generated
here), which is the only way to give a revision a past timestamp; accounts,
e-mail, blocks, renames, protections and log entries go through one
``seed.php`` process per wiki. Global facts that CentralAuth would hold
(locks, home wikis) go to the stand-ins' data file.

    world = World(farm)
    world.edits('frwiki', 'Alice Active', 10, 40)        # two edits, 10 and 40 days ago
    world.block('frwiki', 'Blocked Bertha')
    world.apply()
"""
from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any


if TYPE_CHECKING:
    from testbed.farm import Farm

SANDBOX = 'User:{user}/sandbox'


@dataclass(frozen=True)
class Revision:
    """One revision to import: who, when, where, what."""

    title: str
    user: str
    timestamp: datetime
    text: str
    comment: str = ''


def mw_timestamp(when: datetime) -> str:
    """ISO 8601 UTC, as MediaWiki's export format wants it."""
    return when.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def export_xml(revisions: Iterable[Revision]) -> str:
    """A MediaWiki XML export (schema 0.11) holding ``revisions``.

    Revisions of one page are written oldest first, as importDump expects.
    """
    pages: dict[str, list[Revision]] = defaultdict(list)
    for rev in revisions:
        pages[rev.title].append(rev)
    out = [
        '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11"'
        ' xml:lang="en">',
    ]
    for title, revs in pages.items():
        out.append(f'<page><title>{html.escape(title, quote=False)}</title>')
        for rev in sorted(revs, key=lambda r: r.timestamp):
            out.append(
                '<revision>'
                f'<timestamp>{mw_timestamp(rev.timestamp)}</timestamp>'
                f'<contributor><username>{html.escape(rev.user, quote=False)}</username>'
                '</contributor>'
                f'<comment>{html.escape(rev.comment, quote=False)}</comment>'
                '<model>wikitext</model><format>text/x-wiki</format>'
                f'<text xml:space="preserve">{html.escape(rev.text, quote=False)}</text>'
                '</revision>',
            )
        out.append('</page>')
    out.append('</mediawiki>\n')
    return '\n'.join(out)


class World:
    """Collects fixture operations per wiki, then applies them in one go.

    ``now`` is fixed when the world is made; every "days ago" is relative to
    it, so tests compute expected dates from the same reference.
    """

    def __init__(self, farm: Farm, now: datetime | None = None) -> None:
        self.farm = farm
        self.now = now or datetime.now(timezone.utc).replace(microsecond=0)
        self.revisions: dict[str, list[Revision]] = defaultdict(list)
        self.ops: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.global_users: dict[str, dict[str, Any]] = {}
        self._serial = 0

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    # -- content ----------------------------------------------------------
    def edits(self, wiki: str, user: str, *days_ago: float, title: str | None = None,
              comment: str = 'fixture edit') -> World:
        """Backdated edits by ``user`` (to their sandbox unless ``title``)."""
        for days in days_ago:
            self._serial += 1
            self.revisions[wiki].append(Revision(
                title or SANDBOX.format(user=user), user, self.ago(days),
                f'Edit {self._serial} by {user}.', comment,
            ))
        return self

    def page(self, wiki: str, title: str, history: Sequence[tuple[float, str, str]],
             comment: str = 'fixture') -> World:
        """A page with a history: ``(days_ago, user, text)`` per revision."""
        for days, user, text in history:
            self.revisions[wiki].append(Revision(title, user, self.ago(days), text, comment))
        return self

    # -- accounts ---------------------------------------------------------
    def account(self, wiki: str, name: str, *, email: bool = False,
                groups: Sequence[str] = ()) -> World:
        op: dict[str, Any] = {'op': 'create_user', 'name': name, 'groups': list(groups)}
        if email:
            op['email'] = f'user{len(self.ops[wiki])}.{wiki}@example.invalid'
        self.ops[wiki].append(op)
        return self

    def block(self, wiki: str, name: str, *, expiry: str = 'infinite',
              pages: Sequence[str] = (), namespaces: Sequence[int] = ()) -> World:
        self.ops[wiki].append({
            'op': 'block', 'target': name, 'performer': 'Admin', 'expiry': expiry,
            'pages': list(pages), 'namespaces': list(namespaces),
        })
        return self

    def rename(self, wiki: str, old: str, new: str) -> World:
        """A local rename (Renameuser, logged as ``renameuser/renameuser``)."""
        self.ops[wiki].append({'op': 'rename', 'old': old, 'new': new, 'performer': 'Admin'})
        return self

    def protect(self, wiki: str, title: str, level: str = 'sysop') -> World:
        self.ops[wiki].append({'op': 'protect', 'title': title, 'edit': level,
                               'move': level, 'performer': 'Admin'})
        return self

    def log(self, wiki: str, type_: str, action: str, performer: str, title: str,
            days_ago: float, params: dict[str, Any] | None = None) -> World:
        """A backdated log entry (any registered type)."""
        self.ops[wiki].append({
            'op': 'log', 'type': type_, 'action': action, 'performer': performer,
            'title': title, 'timestamp': self.ago(days_ago).strftime('%Y%m%d%H%M%S'),
            'params': params or {},
        })
        return self

    # -- global (CentralAuth stand-in) -----------------------------------
    def global_user(self, name: str, **facts: Any) -> World:
        """Facts CentralAuth would hold: ``locked``, ``hidden``, ``home`` …"""
        self.global_users.setdefault(name, {}).update(facts)
        return self

    def lock(self, name: str) -> World:
        return self.global_user(name, locked=True)

    # -- applying ---------------------------------------------------------
    def apply(self, standins: dict[str, Any] | None = None) -> None:
        """Import the revisions, then run the operations, wiki by wiki."""
        for wiki, revisions in self.revisions.items():
            self.farm.import_dump(wiki, export_xml(revisions))
        for wiki, ops in self.ops.items():
            self.farm.seed(wiki, ops)
        if standins or self.global_users:
            data = self.farm.read_standins()
            data.update(standins or {})
            gui = data.setdefault('globaluserinfo', {}).setdefault('users', {})
            for name, facts in self.global_users.items():
                gui.setdefault(name, {}).update(facts)
            self.farm.write_standins(data)
        self.revisions.clear()
        self.ops.clear()
