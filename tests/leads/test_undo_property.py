"""Undo after any interleaving of two teammates' moves, edits and deletes (Hypothesis).

Each person's board offers "Desfazer" for their own latest write (services/undo.py, as ui/board/undo.py calls
it). The property: an undo puts back exactly what that write changed when nobody touched the lead since, and
otherwise writes nothing at all (refused, the history and the lead unchanged); the organization's history
stays gap-free and every lead matches its latest event.
"""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from contract import STAGES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lovedcrm_ui.context import AppContext
from lovedcrm_ui.services import leads, moves, undo
from lovedcrm_ui.services.access import Caller
from lovedcrm_ui.services.errors import Conflict, NotFound
from models import Lead, PipelineEvent, PipelineStage
from models.lead import LeadUpdate

NAMES = ('Acme Ltda', 'Beta Comércio')  # two: teammates often meet on one lead
# what a dialog's save may change here (values both sides of None, so an undo has something to put back)
EDITS = st.fixed_dictionaries(
    {},
    optional={
        'name': st.sampled_from(['Acme Ltda', 'Acme S.A.', 'Gama']),
        'estimated_value': st.sampled_from([None, Decimal('10.00'), Decimal('2500.50')]),
        'source': st.sampled_from([None, 'site', 'evento']),
        'tags': st.sampled_from([[], ['b2b'], ['b2b', 'urgente']]),
        'is_favorite': st.booleans(),
        'stage': st.sampled_from(STAGES),
    },
).filter(bool)
ACTION = st.one_of(
    st.tuples(st.just('move'), st.integers(0, 1), st.sampled_from(STAGES), st.integers(0, 3)),
    st.tuples(st.just('edit'), st.integers(0, 1), EDITS),
    st.tuples(st.just('delete'), st.integers(0, 1)),
    st.tuples(st.just('undo')),
)


@dataclass
class Offer:
    """The undo a person's board offers after their latest write."""

    kind: str  # move, edit, delete
    lead_id: uuid.UUID
    version: int  # the version that write produced (for a delete: the version the lead had)
    place: undo.LeadPlace | None = None
    before: dict[str, Any] | None = None
    edited: dict[str, Any] | None = None


def caller_of(account: Any, role: str) -> Caller:
    return Caller(
        user_id=uuid.UUID(account.user_id),
        email=account.email,
        organization_id=uuid.UUID(account.org_id),
        role=role,
        session_id=uuid.uuid4(),
    )


async def lead_of(ctx: AppContext, caller: Caller, lead_id: uuid.UUID) -> dict[str, Any] | None:
    async with ctx.db.session(read_only=True, organization_id=caller.organization_id) as session:
        lead = await session.get(Lead, lead_id)
        return None if lead is None else leads.lead_public(lead).model_dump(mode='json')


async def history(ctx: AppContext, caller: Caller) -> list[PipelineEvent]:
    async with ctx.db.session(read_only=True, organization_id=caller.organization_id) as session:
        rows = await session.scalars(
            select(PipelineEvent)
            .where(PipelineEvent.organization_id == caller.organization_id)  # type: ignore[arg-type]
            .order_by(PipelineEvent.seq)  # type: ignore[arg-type]
        )
        return list(rows)


async def column(ctx: AppContext, caller: Caller, stage: str) -> list[uuid.UUID]:
    async with ctx.db.session(read_only=True, organization_id=caller.organization_id) as session:
        rows = await session.scalars(
            select(Lead.id)
            .where(Lead.organization_id == caller.organization_id, Lead.stage == stage)  # type: ignore[arg-type]
            .order_by(Lead.position, Lead.id)  # type: ignore[arg-type]
        )
        return list(rows)


async def write(ctx: AppContext, caller: Caller, action: tuple[Any, ...], ids: list[uuid.UUID]) -> Offer | None:
    """One person's move, save or delete, as their board makes it; the undo it offers (None: nothing written)."""
    lead_id = ids[action[1]]
    current = await lead_of(ctx, caller, lead_id)
    if current is None:
        return None  # deleted: the card is gone from their board
    async with ctx.db.session(organization_id=caller.organization_id) as session:
        if action[0] == 'move':
            place = await undo.place_of(session, organization_id=caller.organization_id, lead_id=lead_id)
            moved = await moves.move_lead(
                session,
                caller=caller,
                lead_id=lead_id,
                stage=PipelineStage(action[2]),
                index=action[3],
                expected_version=current['version'],
            )
            return Offer('move', lead_id, moved.lead.version, place=place)
        if action[0] == 'edit':
            edited = dict(action[2])
            values = {key: value for key, value in edited.items() if key != 'stage'}
            stage = edited.get('stage')
            saved = await moves.save_lead(
                session,
                caller=caller,
                lead_id=lead_id,
                changes=LeadUpdate(**values, expected_version=current['version']),
                stage=PipelineStage(stage) if stage else None,
            )
            if saved.before is None:
                return None  # nothing changed: the board offers no undo
            return Offer('edit', lead_id, saved.lead.version, before=saved.before, edited=edited)
        last = await leads.delete_lead(session, caller=caller, lead_id=lead_id)
        return Offer('delete', lead_id, int(last['version']))


async def run_undo(ctx: AppContext, caller: Caller, offer: Offer) -> None:
    async with ctx.db.session(organization_id=caller.organization_id) as session:
        if offer.kind == 'move':
            assert offer.place is not None
            await undo.undo_move(
                session, caller=caller, lead_id=offer.lead_id, place=offer.place, expected_version=offer.version
            )
        elif offer.kind == 'edit':
            assert offer.before is not None and offer.edited is not None
            await undo.undo_edit(
                session,
                caller=caller,
                lead_id=offer.lead_id,
                before=offer.before,
                edited=offer.edited,
                expected_version=offer.version,
            )
        else:
            await undo.restore_lead(session, caller=caller, lead_id=offer.lead_id, expected_version=offer.version)


async def untouched_since(ctx: AppContext, caller: Caller, offer: Offer) -> bool:
    """Whether the lead's latest event is still the person's own write the offer is for."""
    events = [e for e in await history(ctx, caller) if e.lead_id == offer.lead_id]
    last = events[-1]
    if offer.kind == 'delete':
        return last.type == 'lead_deleted' and last.actor_user_id == caller.user_id
    return last.actor_user_id == caller.user_id and last.payload['lead']['version'] == offer.version


async def check_undo(ctx: AppContext, caller: Caller, offer: Offer) -> None:
    """Undo the offer: exactly back when untouched since, otherwise refused with nothing written."""
    expected_to_work = await untouched_since(ctx, caller, offer)
    before_events = len(await history(ctx, caller))
    lead_before = await lead_of(ctx, caller, offer.lead_id)
    try:
        await run_undo(ctx, caller, offer)
    except (Conflict, NotFound):
        assert not expected_to_work, f'{offer.kind} undo refused although nobody changed the lead'
        assert len(await history(ctx, caller)) == before_events  # nothing written
        assert await lead_of(ctx, caller, offer.lead_id) == lead_before
        return
    assert expected_to_work, f'{offer.kind} undo went through over a later change'
    after = await lead_of(ctx, caller, offer.lead_id)
    assert after is not None
    # one new version, or two when an edit's undo also moves the lead back (fields, then stage: one transaction)
    assert after['version'] - offer.version in ((1, 2) if offer.kind == 'edit' else (1,))
    if offer.kind == 'move':
        assert offer.place is not None
        assert after['stage'] == offer.place.stage
        cards = await column(ctx, caller, offer.place.stage)
        assert cards.index(offer.lead_id) == min(offer.place.index, len(cards) - 1)
    elif offer.kind == 'edit':
        assert offer.before is not None and offer.edited is not None
        for key in offer.edited:
            assert after[key] == offer.before[key], key
    else:
        assert lead_before is None  # it was gone, and is back under the same id


async def check_history(ctx: AppContext, caller: Caller, ids: list[uuid.UUID]) -> None:
    events = await history(ctx, caller)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))  # gap-free
    for lead_id in ids:
        lead = await lead_of(ctx, caller, lead_id)
        last = [e for e in events if e.lead_id == lead_id][-1]
        if lead is None:
            assert last.type == 'lead_deleted'
        else:
            assert last.type != 'lead_deleted'
            assert (lead['version'], lead['stage']) == (last.payload['lead']['version'], last.payload['lead']['stage'])


@pytest.fixture
async def team(register, join):  # type: ignore[no-untyped-def]
    """Ana (owner) and Bruno (member) of one organization (each example adds its own leads)."""
    ana = await register('Ana Souza')
    bruno = await join(ana, name='Bruno Lima')
    return ana, bruno


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.integers(0, 1), ACTION), min_size=1, max_size=14))
async def test_an_undo_puts_back_exactly_its_write_or_writes_nothing(ctx, leads, team, steps):  # type: ignore[no-untyped-def]
    ana, bruno = team
    people = [caller_of(ana, 'owner'), caller_of(bruno, 'member')]
    ids = [uuid.UUID((await leads.create(ana, name))['id']) for name in NAMES]  # fresh leads each example
    offers: list[Offer | None] = [None, None]
    for who, action in steps:
        caller = people[who]
        if action[0] == 'undo':
            offer, offers[who] = offers[who], None  # one press undoes once
            if offer is not None:
                await check_undo(ctx, caller, offer)
        else:
            offer = await write(ctx, caller, action, ids)
            if offer is not None:
                offers[who] = offer  # replaces the earlier offer, as the bar does
        await check_history(ctx, caller, ids)
    for who, offer in enumerate(offers):  # whatever is still offered at the end
        if offer is not None:
            await check_undo(ctx, people[who], offer)
    await check_history(ctx, people[0], ids)
