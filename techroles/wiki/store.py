"""The local state store: a cache of what earlier runs learnt (SQLite).

Per person and wiki it keeps the latest known edit and logged action, the
edits seen in the activity window (timestamps and titles, for the edit count
and the role signals) and up to when the wiki was checked, so the next run
asks only for what happened since. Per person it keeps the CentralAuth facts
(home wiki, lock) and a logged rename. Per wiki it keeps when the last
complete collection ran (for the lock and rename logs "since the last run").

It is a cache: deleting the file changes no result, only the number of
requests. Entries are never trusted beyond ``max_age`` (a full refetch then).
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from techroles.errors import TechrolesError
from techroles.facts import Edit, iso, parse_iso


SCHEMA = """
CREATE TABLE IF NOT EXISTS activity (
    person TEXT NOT NULL,
    wiki TEXT NOT NULL,
    checked_until TEXT NOT NULL,   -- server time up to which edits are known
    covered_from TEXT NOT NULL,    -- edits are known from this time on
    latest_edit TEXT,              -- JSON {"ts", "revid", "title"} or NULL
    latest_log TEXT,               -- JSON {"ts", "logid", "action", "title"} or NULL
    log_checked_until TEXT,        -- logged actions known up to this time
    recent TEXT NOT NULL,          -- JSON [[ts, revid, ns, title], ...] within the window
    truncated INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (person, wiki)
);
CREATE TABLE IF NOT EXISTS person (
    person TEXT PRIMARY KEY,
    global TEXT,                   -- JSON CentralAuth facts or NULL
    global_checked TEXT,
    renamed_to TEXT,
    rename_checked TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    wiki TEXT PRIMARY KEY,
    last_complete TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS run_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),  -- at most one holder
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    job TEXT NOT NULL,
    started TEXT NOT NULL
);
"""


class RunLockHeld(TechrolesError):
    """Another run holds the store's run lock: this run does nothing (exit 4)."""


#: A lock older than this is stale whoever holds it (the weekly job's timeout is one hour).
RUN_LOCK_STALE_AFTER = timedelta(hours=6)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class CachedActivity:
    """What the store knows of one person on one wiki."""

    checked_until: datetime
    covered_from: datetime
    latest_edit: dict | None = None
    latest_log: dict | None = None
    log_checked_until: datetime | None = None
    #: Edits inside the window (stored as ``[ts, revid, ns, title]``).
    recent: list[Edit] = field(default_factory=list)
    truncated: bool = False


class StateStore:
    """SQLite-backed cache shared by ``update`` and ``kpi``; thread-safe."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ':memory:':
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- activity --------------------------------------------------------
    def activity(self, person: str, wiki: str) -> CachedActivity | None:
        with self._lock:
            row = self._db.execute(
                'SELECT checked_until, covered_from, latest_edit, latest_log, log_checked_until,'
                ' recent, truncated FROM activity WHERE person = ? AND wiki = ?',
                (person, wiki),
            ).fetchone()
        if row is None:
            return None
        return CachedActivity(
            checked_until=parse_iso(row[0]), covered_from=parse_iso(row[1]),
            latest_edit=json.loads(row[2]) if row[2] else None,
            latest_log=json.loads(row[3]) if row[3] else None,
            log_checked_until=parse_iso(row[4]) if row[4] else None,
            recent=[Edit(*edit) for edit in json.loads(row[5])], truncated=bool(row[6]),
        )

    def put_activity(self, person: str, wiki: str, entry: CachedActivity) -> None:
        with self._lock, self._db:
            self._db.execute(
                'INSERT OR REPLACE INTO activity VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
                (person, wiki, iso(entry.checked_until), iso(entry.covered_from),
                 json.dumps(entry.latest_edit) if entry.latest_edit else None,
                 json.dumps(entry.latest_log) if entry.latest_log else None,
                 iso(entry.log_checked_until) if entry.log_checked_until else None,
                 json.dumps(entry.recent, ensure_ascii=False), int(entry.truncated)),
            )

    # -- per person ------------------------------------------------------
    def global_facts(self, person: str) -> tuple[dict | None, datetime | None]:
        with self._lock:
            row = self._db.execute(
                'SELECT global, global_checked FROM person WHERE person = ?', (person,),
            ).fetchone()
        if row is None or row[1] is None:
            return None, None
        return json.loads(row[0]) if row[0] else None, parse_iso(row[1])

    def put_global_facts(self, person: str, facts: dict | None, checked: datetime) -> None:
        with self._lock, self._db:
            self._db.execute(
                'INSERT INTO person (person, global, global_checked) VALUES (?, ?, ?) '
                'ON CONFLICT(person) DO UPDATE SET global = excluded.global,'
                ' global_checked = excluded.global_checked',
                (person, json.dumps(facts) if facts is not None else None, iso(checked)),
            )

    def forget_global_facts(self, people: Iterable[str]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                'UPDATE person SET global_checked = NULL WHERE person = ?',
                [(p,) for p in people],
            )

    def forget_person(self, person: str) -> None:
        """Forget what is cached under a name (renamed away: nothing there is true now)."""
        with self._lock, self._db:
            self._db.execute('DELETE FROM activity WHERE person = ?', (person,))
            self._db.execute('UPDATE person SET global_checked = NULL WHERE person = ?',
                             (person,))

    def people(self) -> list[str]:
        """Every name the store holds per-person facts for."""
        with self._lock:
            return [r[0] for r in self._db.execute('SELECT person FROM person')]

    def rename(self, person: str) -> tuple[str | None, datetime | None]:
        with self._lock:
            row = self._db.execute(
                'SELECT renamed_to, rename_checked FROM person WHERE person = ?', (person,),
            ).fetchone()
        if row is None or row[1] is None:
            return None, None
        return row[0], parse_iso(row[1])

    def put_rename(self, person: str, renamed_to: str | None, checked: datetime) -> None:
        with self._lock, self._db:
            self._db.execute(
                'INSERT INTO person (person, renamed_to, rename_checked) VALUES (?, ?, ?) '
                'ON CONFLICT(person) DO UPDATE SET renamed_to = excluded.renamed_to,'
                ' rename_checked = excluded.rename_checked',
                (person, renamed_to, iso(checked)),
            )

    # -- runs --------------------------------------------------------------
    def last_complete(self, wiki: str) -> datetime | None:
        with self._lock:
            row = self._db.execute(
                'SELECT last_complete FROM runs WHERE wiki = ?', (wiki,),
            ).fetchone()
        return parse_iso(row[0]) if row else None

    def put_last_complete(self, wiki: str, when: datetime) -> None:
        with self._lock, self._db:
            self._db.execute(
                'INSERT OR REPLACE INTO runs VALUES (?, ?)', (wiki, iso(when)),
            )

    # -- the run lock --------------------------------------------------------
    def acquire_run_lock(self, job: str, *, now: datetime | None = None,
                         stale_after: timedelta = RUN_LOCK_STALE_AFTER) -> None:
        """Take the run lock for ``job``, or raise :class:`RunLockHeld` (one line).

        Two runs sharing a store (the weekly job and a one-off) would
        interleave their saves and their cache writes. A lock is stale, and
        taken over, when its process is gone (same host) or it is older than
        ``stale_after`` (a job on another host that died without releasing).
        """
        now = now or datetime.now(timezone.utc)
        host, pid = socket.gethostname(), os.getpid()
        with self._lock, self._db:
            self._db.execute('BEGIN IMMEDIATE')  # no other writer between the read and the write
            row = self._db.execute(
                'SELECT host, pid, job, started FROM run_lock WHERE id = 1').fetchone()
            if row is not None and (row[0], row[1]) != (host, pid):
                started = parse_iso(row[3])
                gone = row[0] == host and not _process_alive(row[1])
                if not gone and now - started < stale_after:
                    raise RunLockHeld(
                        f'{self.path}: another run holds the run lock ({row[2]}, process '
                        f'{row[1]} on {row[0]}, since {row[3]}): nothing done; if no such run '
                        f'is going on, the lock is taken over after {stale_after} or when '
                        'that process is gone')
            self._db.execute('INSERT OR REPLACE INTO run_lock VALUES (1, ?, ?, ?, ?)',
                             (host, pid, job, iso(now)))

    def release_run_lock(self) -> None:
        """Give the run lock back (only if this process holds it)."""
        with self._lock, self._db:
            self._db.execute('DELETE FROM run_lock WHERE id = 1 AND host = ? AND pid = ?',
                             (socket.gethostname(), os.getpid()))
