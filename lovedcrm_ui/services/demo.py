"""Demo data: an organization with two users and sixty leads whose stage history spans the past eight weeks.

For ``python main.py --demo`` (``LOVEDCRM_DEMO=1``) and ``python -m lovedcrm_ui seed-demo``. Seeding happens
once: the organization is known by its slug, so a restart (or a second replica seeding at the same time) adds
nothing. The history is written into the app's own tables exactly as the app writes it — a ``lead_created``
event per lead and a ``lead_stage_changed`` event per move, with the lead's snapshot of that moment, a gap-free
``seq`` in time order, positions on top of each column in the order the leads arrived, ``stage_changed_at`` at
the last move, a closed deal's outcome (won, or lost with a reason) said with its move into fechado — only
back-dated, which no real write ever is: demo data, never to be mixed with real data.
Open deals also get a next activity and, in Proposta and Negociação, an expected close date (present-day state).
The accounts share one published password (``DEMO_PASSWORD``).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    EventType,
    Lead,
    LeadActivity,
    LeadNote,
    Membership,
    Organization,
    PipelineEvent,
    PipelineStage,
    Role,
    User,
    utcnow,
)

from ..db import Database
from ..security import PasswordHasher
from .activities import next_summary
from .demo_data import DemoLead, demo_leads
from .errors import Conflict, ErrorCode
from .leads import lead_public
from .pipeline_events import allocate_seq
from .positions import STEP

DEMO_SLUG = 'demonstracao-lovedcrm'
DEMO_ORGANIZATION = 'Demonstração LovedCRM'
DEMO_DESCRIPTION = 'Dados de demonstração (LovedCRM Pipeline --demo): não use para dados reais.'
DEMO_PASSWORD = 'DemoLovedCRM1'  # published in README.md and printed at start: demo mode only
DEMO_TIMEZONE = 'America/Sao_Paulo'  # the demo users' profile zone: the times they see are Brazilian office hours


@dataclass(frozen=True)
class DemoAccount:
    """One of the demo's users."""

    email: str
    full_name: str
    role: Role


# the index of each account is the user index of services/demo_data.py (ANA, BRUNO)
DEMO_ACCOUNTS = (
    DemoAccount('ana@demo.example.com', 'Ana Souza', Role.OWNER),
    DemoAccount('bruno@demo.example.com', 'Bruno Lima', Role.MEMBER),
)


@dataclass(frozen=True)
class DemoOutcome:
    """What seeding found or made: ``created`` False when the demo organization was there already."""

    created: bool
    organization_id: uuid.UUID
    organization_name: str
    leads: int
    events: int
    accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS
    password: str = DEMO_PASSWORD


class _SeededMeanwhile(Exception):
    """The demo organization appeared between the first look and the write transaction."""


async def _existing(db: Database) -> DemoOutcome | None:
    """The demo organization as it is now, or None when there is none."""
    async with db.session(read_only=True) as session:
        organization = (
            await session.execute(select(Organization).where(col(Organization.slug) == DEMO_SLUG))
        ).scalar_one_or_none()
    if organization is None:
        return None
    async with db.session(read_only=True, organization_id=organization.id) as session:
        leads = await session.scalar(
            select(func.count()).select_from(Lead).where(col(Lead.organization_id) == organization.id)
        )
    return DemoOutcome(False, organization.id, organization.name, int(leads or 0), int(organization.event_seq))


async def seed_demo(db: Database, *, hasher: PasswordHasher, now: datetime | None = None) -> DemoOutcome:
    """Create the demo organization, its two users and its leads with their history, unless it exists already."""
    existing = await _existing(db)
    if existing is not None:
        return existing
    password_hashes = [await hasher.hash(DEMO_PASSWORD) for _ in DEMO_ACCOUNTS]  # before any connection is held
    now = now or utcnow()
    organization_id = uuid.uuid4()
    try:
        async with db.session(organization_id=organization_id) as session:
            users = await _add_team(session, organization_id, password_hashes, now)
            leads = demo_leads(now)
            events = await _add_leads(session, organization_id, [user.id for user in users], leads)
            await _plan_next_steps(session, organization_id, now)
            await session.commit()
    except (IntegrityError, _SeededMeanwhile):
        # another process seeded at the same moment (the slug and the e-mails are unique): theirs stands
        existing = await _existing(db)
        if existing is None:
            raise
        return existing
    return DemoOutcome(True, organization_id, DEMO_ORGANIZATION, len(leads), events)


async def _add_team(
    session: AsyncSession, organization_id: uuid.UUID, password_hashes: list[str], now: datetime
) -> list[User]:
    """The demo users, the organization (owned by the first) and their memberships; flushed."""
    if await session.scalar(select(col(Organization.id)).where(col(Organization.slug) == DEMO_SLUG)) is not None:
        raise _SeededMeanwhile  # SQLite: this transaction waited for the other seeder's (BEGIN IMMEDIATE)
    emails = [account.email for account in DEMO_ACCOUNTS]
    taken = list(await session.scalars(select(col(User.email)).where(col(User.email).in_(emails))))
    if taken:
        raise Conflict(
            f'{", ".join(taken)} already belongs to an account outside the demo organization: '
            'demo mode needs these e-mail addresses for its own users',
            code=ErrorCode.EMAIL_TAKEN,
        )
    users = [
        User(
            email=account.email,
            full_name=account.full_name,
            password_hash=password_hash,
            language='pt-BR',
            timezone=DEMO_TIMEZONE,
        )
        for account, password_hash in zip(DEMO_ACCOUNTS, password_hashes, strict=True)
    ]
    session.add_all(users)
    await session.flush()  # the users first: the organization and the memberships refer to them
    session.add(
        Organization(
            id=organization_id,
            name=DEMO_ORGANIZATION,
            slug=DEMO_SLUG,
            description=DEMO_DESCRIPTION,
            owner_id=users[0].id,
        )
    )
    await session.flush()
    session.add_all(
        Membership(organization_id=organization_id, user_id=user.id, role=account.role, last_used_at=now)
        for account, user in zip(DEMO_ACCOUNTS, users, strict=True)
    )
    await session.flush()
    return users


async def _add_leads(
    session: AsyncSession, organization_id: uuid.UUID, user_ids: Sequence[uuid.UUID], plan: list[DemoLead]
) -> int:
    """Write the planned leads and their events (seq in time order); returns how many events."""
    steps = sorted(
        ((step.at, index, number) for index, lead in enumerate(plan) for number, step in enumerate(lead.steps)),
    )
    first_seq = await allocate_seq(session, organization_id, len(steps))  # the organization's row lock, as always
    leads: dict[int, Lead] = {}
    tops: dict[str, float] = {}  # the topmost position of each column so far
    notes: list[LeadNote] = []  # a step's note, as a move with notes writes it (services/note_rows.py)
    for offset, (at, index, number) in enumerate(steps):
        planned, step = plan[index], plan[index].steps[number]
        position = tops[step.stage] - STEP if step.stage in tops else 0.0  # on top of the column, as the app puts it
        tops[step.stage] = position
        if number == 0:
            lead = leads[index] = _new_lead(organization_id, planned, user_ids, position, at)
            if planned.notes:
                notes.append(_note(lead, user_ids[step.actor], planned.notes, at))
            event_type, payload = EventType.LEAD_CREATED, {}
        else:
            lead = leads[index]
            old_stage = lead.stage
            lead.stage, lead.position, lead.stage_changed_at = step.stage, position, at
            lead.version += 1
            if step.note and step.note.strip():
                lead.notes = step.note
                notes.append(_note(lead, user_ids[step.actor], step.note, at))
            lead.last_contact_at, lead.last_contact_channel = at, planned.last_contact_channel
            if number == len(planned.steps) - 1 and step.stage == PipelineStage.FECHADO:
                # the outcome said with the move into fechado, as the API's move with an outcome writes it
                lead.outcome, lead.lost_reason = planned.outcome, planned.lost_reason
            event_type = EventType.LEAD_STAGE_CHANGED
            payload = {
                'old_stage': old_stage,
                'new_stage': str(step.stage),
                'old_outcome': None,  # demo deals never leave fechado: no move starts from an outcome
                'position': position,
                'rebalanced': False,
            }
        lead.updated_at = at
        snapshot: dict[str, Any] = lead_public(lead, at).model_dump(mode='json')
        session.add(
            PipelineEvent(
                organization_id=organization_id,
                seq=first_seq + offset,
                type=event_type,
                lead_id=lead.id,
                actor_user_id=user_ids[step.actor],
                payload={'lead': snapshot, **payload},
                created_at=at,
            )
        )
    session.add_all(leads.values())
    await session.flush()
    session.add_all(notes)
    await session.flush()
    return len(steps)


# what the open deals have planned next: (kind, days from the seeding day — negative is overdue, local time, title)
NEXT_STEPS = (
    ('call', -1, time(14, 0), 'Retornar a ligação'),
    ('meeting', 1, time(10, 0), 'Apresentar a proposta'),
    ('email', 2, time(15, 30), 'Enviar o contrato'),
    ('task', 5, time(9, 0), 'Preparar o orçamento'),
)


async def _plan_next_steps(session: AsyncSession, organization_id: uuid.UUID, now: datetime) -> None:
    """Give open leads a next activity (every fourth has none: "Nenhuma atividade") and the deals in Proposta or
    Negociação an expected close date, so the cards, "Minhas atividades" and the forecast have something to show.

    Present-day state, not history: no events (as the notes above), the lead's version unchanged.
    """
    leads = (
        await session.scalars(
            select(Lead).where(col(Lead.organization_id) == organization_id).order_by(col(Lead.created_at))
        )
    ).all()
    for number, lead in enumerate(leads):
        if lead.stage == PipelineStage.FECHADO:
            continue
        if lead.stage in (PipelineStage.PROPOSTA, PipelineStage.NEGOCIACAO):
            lead.expected_close_date = (now + timedelta(days=10 + number * 9 % 75)).date()
        if number % 4 == 3:
            continue
        kind, days, at, title = NEXT_STEPS[number % len(NEXT_STEPS)]
        local_day = now.astimezone(ZoneInfo(DEMO_TIMEZONE)).date() + timedelta(days=days)
        activity = LeadActivity(
            organization_id=organization_id,
            lead_id=lead.id,
            kind=kind,
            title=title,
            due_at=datetime.combine(local_day, at, tzinfo=ZoneInfo(DEMO_TIMEZONE)).astimezone(UTC),
            assignee_user_id=lead.assigned_user_id,
            created_by_user_id=lead.assigned_user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(activity)
        lead.next_activity = next_summary(activity)
    await session.flush()


def _note(lead: Lead, author_id: uuid.UUID, body: str, at: datetime) -> LeadNote:
    return LeadNote(
        organization_id=lead.organization_id,
        lead_id=lead.id,
        author_user_id=author_id,
        body=body,
        created_at=at,
        updated_at=at,
    )


def _new_lead(
    organization_id: uuid.UUID, planned: DemoLead, user_ids: Sequence[uuid.UUID], position: float, at: datetime
) -> Lead:
    """A lead as it was created at ``at`` (in its first step's stage), not yet added to the session."""
    return Lead(
        organization_id=organization_id,
        name=planned.name,
        email=planned.email,
        phone=planned.phone,
        source=planned.source,
        estimated_value=planned.estimated_value,
        tags=list(planned.tags),
        notes=planned.notes,
        stage=PipelineStage(planned.steps[0].stage),
        assigned_user_id=user_ids[planned.assignee] if planned.assignee is not None else None,
        position=position,
        is_favorite=planned.is_favorite,
        stage_changed_at=at,
        created_at=at,
        updated_at=at,
    )
