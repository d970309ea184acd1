"""Subscriptions are handles: each removes only itself, and removing it again is harmless."""

import random
import uuid
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from lovedcrm_ui.events import EventBus, LeadEvent, PresenceRegistry
from lovedcrm_ui.events.presence import PresenceEntry
from lovedcrm_ui.events.watch import BehindCheck

ORG = uuid.uuid4()


def event(seq: int) -> LeadEvent:
    return LeadEvent(ORG, seq, 'lead_updated', uuid.uuid4(), None, {}, datetime.now(UTC))


def test_a_stale_unsubscribe_never_cuts_off_a_newer_subscriber() -> None:
    """The reported bug: the board's stop() ran at logout and again when NiceGUI deleted the old page."""
    bus = EventBus()
    heard: list[int] = []
    old = bus.subscribe(ORG, lambda e: None)
    old.cancel()  # logout: nobody listens any more
    bus.subscribe(ORG, lambda e: heard.append(e.seq))  # the new board after logging in again
    old.cancel()  # the old page is deleted: its stop() runs a second time
    old()
    bus.publish(event(1))
    assert heard == [1]
    assert bus.subscriber_count(ORG) == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 20)), max_size=60))
def test_any_sequence_of_subscribes_and_cancels_leaves_exactly_the_live_listeners(steps) -> None:  # type: ignore[no-untyped-def]
    """Random subscribe / cancel (including repeated cancels) on the bus, its access list and presence."""
    bus, presence = EventBus(), PresenceRegistry()
    handles: list[tuple[object, object, object, int]] = []
    live: set[int] = set()
    heard: list[int] = []
    for number, (subscribe, pick) in enumerate(steps):
        if subscribe or not handles:
            handles.append(
                (
                    bus.subscribe(ORG, lambda e, n=number: heard.append(n)),
                    bus.subscribe_access(lambda change: None),
                    presence.subscribe(ORG, lambda change: None),
                    number,
                )
            )
            live.add(number)
        else:
            *subscriptions, number_of = handles[pick % len(handles)]
            for subscription in subscriptions:
                subscription.cancel()  # type: ignore[attr-defined]
            live.discard(number_of)
    heard.clear()
    bus.publish(event(1))
    assert sorted(heard) == sorted(live)
    assert bus.subscriber_count(ORG) == len(live)
    assert all(h[0].active == (h[3] in live) for h in handles)  # type: ignore[attr-defined]


def test_presence_listeners_follow_the_same_rule() -> None:
    presence = PresenceRegistry()
    told: list[bool] = []
    old = presence.subscribe(ORG, lambda change: None)
    old.cancel()
    presence.subscribe(ORG, lambda change: told.append(change.joined))
    old.cancel()
    presence.join(ORG, PresenceEntry('c1', uuid.uuid4(), 'Ana', 'ana@example.com', 'board'))
    assert told == [True]


def test_behind_check_acts_only_on_a_second_sighting_without_progress() -> None:
    check = BehindCheck()
    assert not check.behind(5, 5)
    assert not check.behind(5, 7)  # first sighting: the events may be on their way
    assert not check.behind(7, 8)  # caught up with what was seen: look again
    assert not check.behind(7, 9, busy=True)  # events queued: the board is working on it
    assert check.behind(7, 9)  # still below 9 a round later
    assert not check.behind(7, 9)  # acted: start over


def test_behind_check_never_fires_when_up_to_date() -> None:
    check = BehindCheck()
    rng = random.Random(3)
    for _ in range(200):
        seq = rng.randint(0, 50)
        assert not check.behind(seq, seq)


def test_the_models_stage_order_is_the_contracts() -> None:
    from contract import STAGES

    from models import STAGE_ORDER

    assert [stage.value for stage in STAGE_ORDER] == STAGES
