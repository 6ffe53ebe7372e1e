"""The status rule: one pure function, :func:`decide`, and the sanity brake.

Pure: no network, no clock, no pywikibot. The current time is the wiki's
server time, passed in by the caller, so that ``update`` and ``kpi`` decide
the same way and tests can pin any moment.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from dateutil.relativedelta import relativedelta

from techroles.model import FLIP_FROM, FLIP_TO, Decision, PersonFacts, Status


__all__ = ['SIGNALS', 'Thresholds', 'brake_limit', 'brake_trips', 'decide']

#: The role signals a configuration may require (``required_signals``).
SIGNALS: tuple[str, ...] = ('proactive', 'supportive', 'reachable', 'translating')

#: Upper bound for any day count: ten years is already far beyond any sane window.
MAX_DAYS = 3650


@dataclass(frozen=True)
class Thresholds:
    """The day counts of the status rule (see :func:`decide`).

    Validated on construction so that a bad combination can never reach the
    rule: every value is a positive whole number of days (booleans are not
    numbers here), at most ``MAX_DAYS``, and ``slipping_days < active_days``
    (otherwise nobody could ever be ``slipping``).
    """

    active_days: int = 90
    slipping_days: int = 60
    grace_days: int = 30

    def __post_init__(self) -> None:
        for name in ('active_days', 'slipping_days', 'grace_days'):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f'{name} must be a whole number of days, got {value!r}')
            if not 1 <= value <= MAX_DAYS:
                raise ValueError(f'{name} must be between 1 and {MAX_DAYS}, got {value!r}')
        if self.slipping_days >= self.active_days:
            raise ValueError(
                f'slipping_days ({self.slipping_days}) must be less than '
                f'active_days ({self.active_days})')


def decide(facts: PersonFacts, now: datetime, thresholds: Thresholds, *,
           required_signals: Collection[str] = ()) -> Decision:
    """Decide one person's status. The first rule that applies wins.

    1. **unknown** -- some data needed for this person could not be fetched
       (a wiki did not answer, a list was cut short). The bot leaves what
       the cell said before.
    2. **missing** -- the name is not a valid user name, or no account has
       this name and no rename of it is logged.
    3. **renamed** -- a rename of this account is logged (locally or as a
       global rename on Meta). The new name is reported; the person's entry
       in the table is never rewritten by the bot.
    4. **locked** -- the global account is locked, whatever the recent
       activity.
    5. **blocked** -- the account has an indefinite, sitewide block on the
       community wiki (Meta for translators) or an indefinite global block of
       the account (GlobalBlocking). Partial and temporary blocks do not
       count.
    6. **active** -- the latest edit or logged action on any checked wiki is
       at most ``slipping_days`` days old (default 60).
    7. **slipping** -- the latest activity is older than ``slipping_days``
       but at most ``active_days`` days old (default 90). Slipping people
       still count as active; the label shows the date of their last
       activity.
    8. **new** -- the name was not yet in the table ``grace_days`` days ago
       (default 30) and none of the rules above applies. So ``new`` only
       ever replaces ``inactive``: it gives people who just signed up time
       to start.
    9. **inactive** -- otherwise: no activity was seen within
       ``active_days`` days. The label shows the date of the last activity
       that was seen, or says that none was found.

    Checked wikis: every wiki named in the person's rows, Meta, and for
    translators their global home wiki. Activity is any edit or logged
    action, except the automatic creation of an account on a visit.

    Boundaries: "at most N days old" is inclusive. Activity exactly
    ``slipping_days`` days before the check is still ``active``; exactly
    ``active_days`` days before it is still ``slipping``; a sign-up exactly
    ``grace_days`` days before it is still ``new``. Days are counted from
    the wiki's server time at the moment of the check.

    Role signals (proactive, supportive, reachable, translating) never
    change a status unless the configuration lists them as required
    (``required_signals``, none by default). When it does, a person who
    would be ``active`` or ``slipping`` but does not show a required
    signal within ``active_days`` is ``inactive`` (or ``new`` within the
    grace period), and the label names the signals not seen. When such a
    person's required signal could not be determined, the data needed for
    them is incomplete and they are ``unknown`` (rule 1). Rules 2 to 5 and
    people without recent activity do not depend on signals.

    ``since`` is the date of the latest activity for ``slipping`` and
    ``inactive`` (``None`` when no activity was ever found), and the
    sign-up date for ``new``.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError('now must be timezone-aware (the wiki server time in UTC)')
    unsupported = set(required_signals) - set(SIGNALS)
    if unsupported:
        raise ValueError(f'unknown required signals: {sorted(unsupported)}')

    def result(status: Status, reason: str, *, since: date | None = None,
               new_name: str | None = None, unmet_signals: tuple[str, ...] = ()) -> Decision:
        return Decision(name=facts.name, status=status, reason=reason, since=since,
                        new_name=new_name, evidence=facts.latest,
                        signals=dict(facts.signals), unmet_signals=unmet_signals)

    if not facts.complete:
        detail = '; '.join(facts.problems) or 'some data could not be fetched'
        return result(Status.UNKNOWN, f'Not checked completely: {detail}.')
    if facts.invalid:
        return result(Status.MISSING, 'This is not a valid user name.')
    if not facts.exists and facts.renamed_to is None:
        return result(Status.MISSING, 'No account has this name and no rename of it is logged.')
    if facts.renamed_to is not None:
        return result(Status.RENAMED, f'The account was renamed to {facts.renamed_to}.',
                      new_name=facts.renamed_to)
    if facts.locked:
        return result(Status.LOCKED, 'The global account is locked.')
    if facts.blocked:
        return result(Status.BLOCKED, 'The account is blocked indefinitely and sitewide, '
                                      'or globally.')

    active_cutoff = now - relativedelta(days=thresholds.active_days)
    slipping_cutoff = now - relativedelta(days=thresholds.slipping_days)
    grace_cutoff = now - relativedelta(days=thresholds.grace_days)
    latest = facts.latest
    last_seen = latest.timestamp.date() if latest is not None else None

    by_activity: Status | None = None
    if latest is not None and latest.timestamp >= slipping_cutoff:
        by_activity = Status.ACTIVE
    elif latest is not None and latest.timestamp >= active_cutoff:
        by_activity = Status.SLIPPING

    unmet: tuple[str, ...] = ()
    if by_activity is not None:
        # Keep the configuration's order for a stable label.
        needed = [s for s in SIGNALS if s in set(required_signals)]
        undetermined = [s for s in needed if facts.signals.get(s) is None]
        if undetermined:
            return result(Status.UNKNOWN, 'Required role signals could not be determined: '
                                          + ', '.join(undetermined) + '.')
        unmet = tuple(s for s in needed if facts.signals.get(s) is False)
        if not unmet:
            if by_activity is Status.ACTIVE:
                return result(Status.ACTIVE, f'Latest activity on {last_seen}, within '
                                             f'{thresholds.slipping_days} days.')
            return result(Status.SLIPPING, f'Latest activity on {last_seen}, more than '
                                           f'{thresholds.slipping_days} days ago.',
                          since=last_seen)

    if facts.listed_since is not None and facts.listed_since >= grace_cutoff:
        return result(Status.NEW, f'Listed since {facts.listed_since.date()}, within the '
                                  f'{thresholds.grace_days}-day grace period.',
                      since=facts.listed_since.date(), unmet_signals=unmet)
    if unmet:
        reason = ('Recent activity, but required role signals not seen within '
                  f'{thresholds.active_days} days: ' + ', '.join(unmet) + '.')
    elif latest is None:
        reason = 'No activity found on the checked wikis.'
    else:
        reason = f'No activity seen within {thresholds.active_days} days; latest on {last_seen}.'
    return result(Status.INACTIVE, reason, since=last_seen, unmet_signals=unmet)


def _fraction(value: float | Fraction) -> Fraction:
    """An exact fraction of a configured share (0.2 means 1/5, not a binary float)."""
    if isinstance(value, Fraction):
        return value
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def brake_limit(people: int, max_flip_share: float | Fraction) -> Fraction:
    """The number of flips a table tolerates: max(share × people, 3)."""
    return max(_fraction(max_flip_share) * people, Fraction(3))


def brake_trips(previous: Mapping[str, Status | str | None], decisions: Mapping[str, Decision],
                people: int, max_flip_share: float | Fraction) -> tuple[bool, int]:
    """Count flips and tell whether the sanity brake trips for one table.

    A flip is a person whose previous status (the bot's own span in the
    cell) was ``active`` or ``slipping`` and whose new status is
    ``inactive`` or ``missing``. The brake trips when flips exceed
    ``max(max_flip_share × people, 3)``, compared exactly: so many people
    going quiet at once more likely means the data is wrong than that the
    people left. ``previous`` may hold Status members or their string
    values (as :class:`techroles.model.Row` carries them); values that are
    not statuses count as no previous status.
    """
    flips = 0
    for name, decision in decisions.items():
        before = previous.get(name)
        if isinstance(before, str) and not isinstance(before, Status):
            try:
                before = Status(before)
            except ValueError:
                before = None
        if before in FLIP_FROM and decision.status in FLIP_TO:
            flips += 1
    return flips > brake_limit(people, max_flip_share), flips
