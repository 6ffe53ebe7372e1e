"""The status rule and the sanity brake (techroles.policy)."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from techroles.model import Activity, Decision, PersonFacts, Status
from techroles.policy import SIGNALS, Thresholds, brake_limit, brake_trips, decide


pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
T = Thresholds()
SECOND = timedelta(seconds=1)


def ago(days: float, extra: timedelta = timedelta()) -> datetime:
    return NOW - timedelta(days=days) - extra


def activity(when: datetime) -> Activity:
    return Activity(wiki='frwiki', timestamp=when, revid=123)


def facts(**kwargs: Any) -> PersonFacts:
    kwargs.setdefault('name', 'Example')
    return PersonFacts(**kwargs)


# One way to make each rule apply; combined pairwise below.
CONDITIONS: dict[Status, dict[str, Any]] = {
    Status.UNKNOWN: {'complete': False, 'problems': ('frwiki did not answer',)},
    Status.MISSING: {'invalid': True},
    Status.RENAMED: {'renamed_to': 'New name', 'exists': False},
    Status.LOCKED: {'locked': True},
    Status.BLOCKED: {'blocked': True},
    Status.ACTIVE: {'latest': activity(ago(1))},
    Status.SLIPPING: {'latest': activity(ago(75))},
    Status.NEW: {'listed_since': ago(3)},
    Status.INACTIVE: {'latest': activity(ago(200))},
}


@pytest.mark.parametrize('status', list(Status))
def test_every_status_alone(status: Status) -> None:
    assert decide(facts(**CONDITIONS[status]), NOW, T).status is status


def test_no_activity_ever_is_inactive_without_date() -> None:
    decision = decide(facts(), NOW, T)
    assert decision.status is Status.INACTIVE
    assert decision.since is None
    assert decision.evidence is None


PAIRS = [(a, b) for a, b in itertools.combinations(list(Status), 2)
         # Only one latest activity per person: active and slipping exclude each other,
         # and so do either of them and inactive.
         if not {a, b} <= {Status.ACTIVE, Status.SLIPPING, Status.INACTIVE}]


@pytest.mark.parametrize(('first', 'second'), PAIRS, ids=lambda s: str(s))
def test_precedence_pairs(first: Status, second: Status) -> None:
    """When two rules apply, the earlier one in the rule wins."""
    combined = {**CONDITIONS[second], **CONDITIONS[first]}
    assert decide(facts(**combined), NOW, T).status is first


def test_locked_with_fresh_edits_is_locked() -> None:
    decision = decide(facts(locked=True, latest=activity(ago(0))), NOW, T)
    assert decision.status is Status.LOCKED


def test_new_never_replaces_active_or_slipping() -> None:
    for age in (0, 10, 60, 61, 90):
        decision = decide(facts(latest=activity(ago(age)), listed_since=ago(1)), NOW, T)
        assert decision.status in {Status.ACTIVE, Status.SLIPPING}


def test_new_replaces_inactive_and_gives_signup_date() -> None:
    decision = decide(facts(latest=activity(ago(400)), listed_since=ago(5)), NOW, T)
    assert decision.status is Status.NEW
    assert decision.since == ago(5).date()


def test_missing_needs_no_rename() -> None:
    assert decide(facts(exists=False), NOW, T).status is Status.MISSING
    renamed = decide(facts(exists=False, renamed_to='Other'), NOW, T)
    assert renamed.status is Status.RENAMED
    assert renamed.new_name == 'Other'


def test_invalid_name_is_missing_even_if_a_rename_is_logged() -> None:
    assert decide(facts(invalid=True, renamed_to='Other'), NOW, T).status is Status.MISSING


def test_renamed_account_that_still_exists_is_renamed() -> None:
    decision = decide(facts(exists=True, renamed_to='Other', latest=activity(ago(1))), NOW, T)
    assert decision.status is Status.RENAMED


def test_unknown_reason_names_the_problems() -> None:
    decision = decide(facts(complete=False, problems=('dewiki: timeout',)), NOW, T)
    assert 'dewiki: timeout' in decision.reason


# Boundaries: "at most N days old" is inclusive.
@pytest.mark.parametrize(('when', 'expected'), [
    (ago(0), Status.ACTIVE),
    (NOW + timedelta(minutes=5), Status.ACTIVE),  # clock skew between wikis
    (ago(60), Status.ACTIVE),
    (ago(60, SECOND), Status.SLIPPING),
    (ago(90), Status.SLIPPING),
    (ago(90, SECOND), Status.INACTIVE),
])
def test_activity_boundaries(when: datetime, expected: Status) -> None:
    assert decide(facts(latest=activity(when)), NOW, T).status is expected


@pytest.mark.parametrize(('listed', 'expected'), [
    (ago(0), Status.NEW),
    (ago(30), Status.NEW),
    (ago(30, SECOND), Status.INACTIVE),
])
def test_grace_boundary(listed: datetime, expected: Status) -> None:
    assert decide(facts(listed_since=listed), NOW, T).status is expected


def test_custom_thresholds() -> None:
    thresholds = Thresholds(active_days=20, slipping_days=10, grace_days=5)
    assert decide(facts(latest=activity(ago(10))), NOW, thresholds).status is Status.ACTIVE
    assert decide(facts(latest=activity(ago(15))), NOW, thresholds).status is Status.SLIPPING
    assert decide(facts(latest=activity(ago(21))), NOW, thresholds).status is Status.INACTIVE
    assert decide(facts(listed_since=ago(6)), NOW, thresholds).status is Status.INACTIVE


def test_since_and_evidence() -> None:
    latest = activity(datetime(2026, 9, 1, 23, 59, tzinfo=timezone.utc))
    slipping = decide(facts(latest=latest), datetime(2026, 11, 10, tzinfo=timezone.utc), T)
    assert slipping.status is Status.SLIPPING
    assert slipping.since == latest.timestamp.date()
    assert slipping.evidence == latest
    inactive = decide(facts(latest=latest), datetime(2027, 1, 1, tzinfo=timezone.utc), T)
    assert (inactive.status, inactive.since) == (Status.INACTIVE, latest.timestamp.date())
    active = decide(facts(latest=activity(ago(1))), NOW, T)
    assert active.since is None


def test_decision_copies_signals() -> None:
    signals: dict[str, bool | None] = {'proactive': True}
    decision = decide(facts(signals=signals, latest=activity(ago(1))), NOW, T)
    assert decision.signals == signals
    assert decision.signals is not signals
    assert decision.name == 'Example'


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match='timezone-aware'):
        decide(facts(), datetime(2026, 1, 1), T)


def test_unknown_required_signal_is_refused() -> None:
    with pytest.raises(ValueError, match='friendly'):
        decide(facts(), NOW, T, required_signals=['friendly'])


# Required signals.
def test_required_signal_missing_makes_active_inactive() -> None:
    person = facts(latest=activity(ago(2)),
                   signals={'proactive': False, 'reachable': True, 'supportive': False})
    decision = decide(person, NOW, T, required_signals=['supportive', 'proactive', 'reachable'])
    assert decision.status is Status.INACTIVE
    assert decision.unmet_signals == ('proactive', 'supportive')
    assert decision.since == ago(2).date()
    assert 'proactive' in decision.reason


def test_required_signal_met_keeps_slipping() -> None:
    person = facts(latest=activity(ago(70)), signals={'translating': True})
    decision = decide(person, NOW, T, required_signals=['translating'])
    assert decision.status is Status.SLIPPING


def test_required_signal_unknown_makes_unknown() -> None:
    person = facts(latest=activity(ago(2)), signals={'proactive': None})
    assert decide(person, NOW, T, required_signals=['proactive']).status is Status.UNKNOWN
    absent = facts(latest=activity(ago(2)))
    assert decide(absent, NOW, T, required_signals=['proactive']).status is Status.UNKNOWN


def test_required_signal_irrelevant_when_activity_decides_alone() -> None:
    old = facts(latest=activity(ago(300)), signals={'proactive': None})
    assert decide(old, NOW, T, required_signals=['proactive']).status is Status.INACTIVE
    locked = facts(locked=True, latest=activity(ago(1)), signals={'proactive': None})
    assert decide(locked, NOW, T, required_signals=['proactive']).status is Status.LOCKED


def test_required_signal_missing_within_grace_is_new() -> None:
    person = facts(latest=activity(ago(1)), listed_since=ago(4), signals={'reachable': False})
    decision = decide(person, NOW, T, required_signals=['reachable'])
    assert decision.status is Status.NEW
    assert decision.since == ago(4).date()
    assert decision.unmet_signals == ('reachable',)


def test_signals_do_not_matter_unless_required() -> None:
    person = facts(latest=activity(ago(1)), signals=dict.fromkeys(SIGNALS, False))
    assert decide(person, NOW, T).status is Status.ACTIVE


# Thresholds validation.
@pytest.mark.parametrize('kwargs', [
    {'active_days': 0}, {'slipping_days': -1}, {'grace_days': 0},
    {'active_days': 3651}, {'active_days': True}, {'grace_days': 30.0},
    {'active_days': '90'}, {'slipping_days': 90}, {'slipping_days': 91},
])
def test_thresholds_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Thresholds(**kwargs)


def test_thresholds_defaults() -> None:
    assert (T.active_days, T.slipping_days, T.grace_days) == (90, 60, 30)


# The rule, restated declaratively: the result is the first applicable rule.
def applicable(person: PersonFacts, required: frozenset[str]) -> list[Status]:
    age = None if person.latest is None else NOW - person.latest.timestamp
    fresh = age is not None and age <= timedelta(days=T.slipping_days)
    recent = age is not None and timedelta(days=T.slipping_days) < age <= timedelta(
        days=T.active_days)
    signal_values = [person.signals.get(s) for s in required]
    undetermined = (fresh or recent) and any(v is None for v in signal_values)
    meets = all(v is True for v in signal_values)
    in_grace = (person.listed_since is not None
                and NOW - person.listed_since <= timedelta(days=T.grace_days))
    rules = [
        (Status.UNKNOWN, not person.complete),
        (Status.MISSING, person.invalid or (not person.exists and person.renamed_to is None)),
        (Status.RENAMED, person.renamed_to is not None),
        (Status.LOCKED, person.locked),
        (Status.BLOCKED, person.blocked),
        # A required signal is data needed for this person only where it decides between
        # active/slipping and inactive/new: rules 2-5 do not need it.
        (Status.UNKNOWN, undetermined),
        (Status.ACTIVE, fresh and meets),
        (Status.SLIPPING, recent and meets),
        (Status.NEW, in_grace),
        (Status.INACTIVE, True),
    ]
    return [status for status, applies in rules if applies]


ages = st.one_of(
    st.none(),
    st.integers(min_value=-2, max_value=400).map(lambda d: ago(d)),
    st.sampled_from([ago(30), ago(60), ago(90), ago(30, SECOND), ago(60, SECOND),
                     ago(90, SECOND)]),
    st.integers(min_value=-86400, max_value=400 * 86400).map(lambda s: NOW - timedelta(
        seconds=s)),
)


@st.composite
def person_facts(draw: st.DrawFn) -> PersonFacts:
    latest = draw(ages)
    return PersonFacts(
        name='P',
        complete=draw(st.booleans()),
        invalid=draw(st.booleans()),
        exists=draw(st.booleans()),
        renamed_to=draw(st.sampled_from([None, None, 'Q'])),
        locked=draw(st.booleans()),
        blocked=draw(st.booleans()),
        latest=None if latest is None else activity(latest),
        listed_since=draw(ages),
        signals=draw(st.dictionaries(st.sampled_from(SIGNALS),
                                     st.sampled_from([True, False, None]))),
    )


@given(person=person_facts(), required=st.frozensets(st.sampled_from(SIGNALS)))
def test_result_is_first_applicable_rule(person: PersonFacts, required: frozenset[str]) -> None:
    decision = decide(person, NOW, T, required_signals=required)
    assert decision.status is applicable(person, required)[0]
    if decision.status in {Status.SLIPPING, Status.INACTIVE}:
        expected = None if person.latest is None else person.latest.timestamp.date()
        assert decision.since == expected
    elif decision.status is Status.NEW:
        assert person.listed_since is not None
        assert decision.since == person.listed_since.date()
    else:
        assert decision.since is None
    assert (decision.new_name is not None) == (decision.status is Status.RENAMED)


# The brake.
def decisions_for(statuses: dict[str, Status]) -> dict[str, Decision]:
    return {name: Decision(name=name, status=status) for name, status in statuses.items()}


def flipping(n: int) -> tuple[dict[str, Status | str | None], dict[str, Decision]]:
    previous: dict[str, Status | str | None] = {f'P{i}': Status.ACTIVE for i in range(n)}
    return previous, decisions_for({f'P{i}': Status.INACTIVE for i in range(n)})


@pytest.mark.parametrize(('flips', 'people', 'share', 'tripped'), [
    (3, 5, 0.2, False),      # the floor of 3 applies to small tables
    (4, 5, 0.2, True),
    (3, 15, 0.2, False),
    (4, 15, 0.2, True),
    (20, 100, 0.2, False),
    (21, 100, 0.2, True),
    (29, 100, 0.29, False),  # 0.29 * 100 is 28.999... in binary floating point
    (30, 100, 0.29, True),
    (3, 100, 0.0, False),
    (4, 100, 0.0, True),
    (100, 100, 1.0, False),
])
def test_brake_threshold(flips: int, people: int, share: float, tripped: bool) -> None:
    previous, decisions = flipping(flips)
    assert brake_trips(previous, decisions, people, share) == (tripped, flips)


def test_brake_limit_exact() -> None:
    assert brake_limit(100, 0.29) == 29
    assert brake_limit(9, Fraction(1, 3)) == 3
    assert brake_limit(10, Fraction(1, 3)) == Fraction(10, 3)
    assert brake_limit(30, Fraction(1, 3)) == 10


def test_only_active_or_slipping_to_inactive_or_missing_is_a_flip() -> None:
    previous: dict[str, Status | str | None] = {
        'a': Status.ACTIVE, 'b': 'slipping', 'c': Status.NEW, 'd': None, 'e': Status.ACTIVE,
        'f': Status.ACTIVE, 'g': 'not-a-status', 'h': Status.INACTIVE, 'i': Status.SLIPPING,
    }
    decisions = decisions_for({
        'a': Status.INACTIVE,  # flip
        'b': Status.MISSING,   # flip (string previous status)
        'c': Status.INACTIVE, 'd': Status.INACTIVE, 'e': Status.UNKNOWN, 'f': Status.LOCKED,
        'g': Status.INACTIVE, 'h': Status.MISSING, 'i': Status.SLIPPING,
        'z': Status.INACTIVE,  # not in the table before
    })
    assert brake_trips(previous, decisions, 10, 0.2) == (False, 2)
