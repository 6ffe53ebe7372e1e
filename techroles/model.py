"""The data that flows through one run, as frozen dataclasses.

Pure: imports only the standard library. Every other module speaks in these
types, so the table engine, the status rule, the renderer and the KPI code can
be tested without a wiki, and the wiki layer (``techroles.wiki``) only has to
fill them in.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal


class Status(str, enum.Enum):
    """A person's status, in the precedence order of the status rule.

    The order of the members *is* the precedence (first match wins); see
    :func:`techroles.policy.decide`.
    """

    UNKNOWN = 'unknown'
    MISSING = 'missing'
    RENAMED = 'renamed'
    LOCKED = 'locked'
    BLOCKED = 'blocked'
    ACTIVE = 'active'
    SLIPPING = 'slipping'
    NEW = 'new'
    INACTIVE = 'inactive'

    def __str__(self) -> str:
        return self.value


#: Statuses that count as an "active tech ambassador" for the KPI.
ACTIVE_STATUSES = frozenset({Status.ACTIVE, Status.SLIPPING})

#: A flip, for the sanity brake: from one of these ...
FLIP_FROM = frozenset({Status.ACTIVE, Status.SLIPPING})
#: ... to one of these.
FLIP_TO = frozenset({Status.INACTIVE, Status.MISSING})

TableKind = Literal['ambassadors', 'translators', 'unknown']
ColumnRole = Literal['wiki', 'user', 'language', 'status']


@dataclass(frozen=True)
class TableProblem:
    """A one-line problem found in a table (a row's or the whole table's)."""

    line: int
    message: str


@dataclass(frozen=True)
class Row:
    """One sign-up row: the people it lists and where they serve.

    ``users`` are normalised names in table order; ``statuses`` is aligned
    with ``users`` and holds the status the bot wrote earlier for that person
    in this row's status cell (``None`` where there is none).
    ``wikis`` are database names (``frwiki``); ``languages`` are language
    codes. ``unresolved`` lists the raw notations that could not be resolved
    (an unknown wiki, say): that row's cell is left alone.
    """

    line: int
    users: tuple[str, ...]
    statuses: tuple[str | None, ...]
    wikis: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()
    #: True when the status cell is marked ``<!-- techroles:manual -->``.
    manual: bool = False
    #: True when the status cell sits inside ``<translate>`` (never written).
    in_translate: bool = False
    #: Names in the status cell that were marked manual individually.
    manual_users: tuple[str, ...] = ()
    #: True when the row's structure is wrong (cells beyond the header's
    #: columns): reported, never written.
    broken: bool = False


@dataclass(frozen=True)
class SignupTable:
    """One top-level table of a page, as ``techroles parse`` reports it."""

    index: int
    kind: TableKind
    columns: dict[str, int | None]
    rows: tuple[Row, ...]
    errors: tuple[TableProblem, ...] = ()
    #: The section heading above the table (plain text), if any.
    section: str | None = None
    #: Line of the ``{|``.
    line: int = 1
    #: True when the structure could not be understood: never written.
    broken: bool = False
    #: True when the table (or its status cells) are inside ``<translate>``.
    in_translate: bool = False

    def people(self) -> list[str]:
        """Distinct people in table order."""
        seen: dict[str, None] = {}
        for row in self.rows:
            for user in row.users:
                seen.setdefault(user, None)
        return list(seen)


@dataclass(frozen=True)
class Activity:
    """The latest activity found for one person on one wiki."""

    wiki: str
    timestamp: datetime
    kind: Literal['edit', 'log'] = 'edit'
    revid: int | None = None
    logid: int | None = None
    #: Log type/action for ``kind == 'log'`` (e.g. ``'patrol/patrol'``).
    action: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class PersonFacts:
    """Everything the wiki layer found about one person; input of the rule.

    ``complete`` is False when any data needed for this person could not be
    fetched (a wiki down, continuation cut off, a module failing): the rule
    then answers ``unknown``. Times are timezone-aware UTC.
    """

    name: str
    #: Database names of the wikis checked (row wikis, Meta, home wiki).
    wikis_checked: tuple[str, ...] = ()
    complete: bool = True
    invalid: bool = False
    #: The account exists (on Meta, or any checked wiki).
    exists: bool = True
    #: The new name when a rename of this name is logged.
    renamed_to: str | None = None
    locked: bool = False
    #: An infinite sitewide block on the community wiki, or a global block.
    blocked: bool = False
    #: Latest edit or logged action over every checked wiki.
    latest: Activity | None = None
    #: Edits in the ``active_days`` window, all checked wikis together.
    edits_in_window: int = 0
    #: When the person's name first appears in the page within the grace
    #: window; ``None`` when the name was already listed ``grace_days`` ago
    #: (or this could not be told).
    listed_since: datetime | None = None
    #: Role signals: ``proactive``, ``supportive``, ``reachable``,
    #: ``translating`` -> True/False, or None when unknown.
    signals: dict[str, bool | None] = field(default_factory=dict)
    #: CentralAuth home wiki, if known.
    home_wiki: str | None = None
    #: Why the data is incomplete, one short line each.
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """The status decided for one person, and why.

    ``since`` is what the cell label shows beside the status: the date of
    the latest activity for ``slipping``/``inactive``, the sign-up date for
    ``new``. ``new_name`` is the rename target for ``renamed``.
    ``reason`` is a short English sentence for reports; cells never carry it.
    """

    name: str
    status: Status
    since: date | None = None
    new_name: str | None = None
    reason: str = ''
    evidence: Activity | None = None
    signals: dict[str, bool | None] = field(default_factory=dict)
    #: Required role signals (``required_signals``) this person did not
    #: show, in :data:`techroles.policy.SIGNALS` order; set only for an
    #: ``inactive`` or ``new`` decision that recent activity alone would have
    #: made ``active``/``slipping``.
    unmet_signals: tuple[str, ...] = ()
