"""The current organization, its members and their roles, and a user's organizations."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Invite, InviteStatus, Membership, Organization, Role, User, utcnow
from models.organization import MemberPublic, MemberStats, OrganizationUpdate, RoleCounts

from ..db import queue_event
from ..events import AccessChange, AccessKind
from .access import Caller
from .errors import BadRequest, ErrorCode, Forbidden, Invalid, NotFound


def member_public(membership: Membership, user: User) -> MemberPublic:
    """A membership with its user, as the API and the team page show it."""
    return MemberPublic.model_validate(membership, update={'user': user})


async def get_organization(session: AsyncSession, *, organization_id: uuid.UUID) -> Organization:
    """One organization, or NotFound."""
    organization = await session.get(Organization, organization_id)
    if organization is None:
        raise NotFound('Organization not found', code=ErrorCode.ORGANIZATION_NOT_FOUND)
    return organization


async def update_organization(session: AsyncSession, *, caller: Caller, changes: OrganizationUpdate) -> Organization:
    """Change name, description, website or idle thresholds (owner/admin)."""
    caller.require_manager()
    organization = await get_organization(session, organization_id=caller.organization_id)
    values = changes.model_dump(exclude_unset=True)
    if 'name' in values:
        if values['name'] is None:
            raise BadRequest('name cannot be empty', code=ErrorCode.ORGANIZATION_NAME_EMPTY)
        values['name'] = values['name'].strip()
        if len(values['name']) < 2:
            raise BadRequest('name must have at least 2 characters', code=ErrorCode.ORGANIZATION_NAME_TOO_SHORT)
    for threshold in ('idle_warning_days', 'idle_alert_days'):
        if threshold in values and values[threshold] is None:  # a threshold always has a value: null resets nothing
            raise Invalid(f'{threshold} cannot be null', code=ErrorCode.INVALID)
    organization.sqlmodel_update(values)
    if organization.idle_alert_days < organization.idle_warning_days:
        raise BadRequest('idle_alert_days must not be lower than idle_warning_days', code=ErrorCode.IDLE_DAYS_ORDER)
    organization.updated_at = utcnow()
    queue_event(
        session, AccessChange(AccessKind.ORGANIZATION_UPDATED, user_id=caller.user_id, organization_id=organization.id)
    )
    await session.commit()
    return organization


async def user_organizations(session: AsyncSession, *, user_id: uuid.UUID) -> list[tuple[Organization, str]]:
    """The active organizations a user belongs to, with the role in each, by name."""
    rows = await session.execute(
        select(Organization, col(Membership.role))
        .join(Membership, col(Membership.organization_id) == col(Organization.id))
        .where(
            col(Membership.user_id) == user_id,
            col(Membership.is_active).is_(True),
            col(Organization.is_active).is_(True),
        )
        .order_by(col(Organization.name))
    )
    return [(row[0], row[1]) for row in rows]


async def list_members(session: AsyncSession, *, organization_id: uuid.UUID) -> list[MemberPublic]:
    """Active members with their users, owners first, then by name."""
    rank = {Role.OWNER: 0, Role.ADMIN: 1, Role.MEMBER: 2, Role.VIEWER: 3}
    rows = await session.execute(
        select(Membership, User)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(col(Membership.organization_id) == organization_id, col(Membership.is_active).is_(True))
    )
    members = [member_public(membership, user) for membership, user in rows.all()]
    members.sort(key=lambda m: (rank.get(m.role, 9), (m.user.full_name or m.user.email).lower()))
    return members


async def member_stats(session: AsyncSession, *, organization_id: uuid.UUID) -> MemberStats:
    """How many members (by role, and with an enabled account) and how many invites still wait for an answer."""
    rows = await session.execute(
        select(col(Membership.role), col(User.is_active), func.count())
        .join(User, col(User.id) == col(Membership.user_id))
        .where(col(Membership.organization_id) == organization_id, col(Membership.is_active).is_(True))
        .group_by(col(Membership.role), col(User.is_active))
    )
    by_role = dict.fromkeys(Role, 0)
    enabled = 0
    for role, user_active, count in rows.all():
        by_role[Role(role)] += count
        enabled += count if user_active else 0
    pending = await session.scalar(
        select(func.count())
        .select_from(Invite)
        .where(
            col(Invite.organization_id) == organization_id,
            col(Invite.status) == InviteStatus.PENDING,
            col(Invite.expires_at) > utcnow(),
        )
    )
    return MemberStats(
        total=sum(by_role.values()),
        active=enabled,
        pending_invites=pending or 0,
        by_role=RoleCounts(
            owners=by_role[Role.OWNER],
            admins=by_role[Role.ADMIN],
            members=by_role[Role.MEMBER],
            viewers=by_role[Role.VIEWER],
        ),
    )


async def _member_for_change(session: AsyncSession, caller: Caller, user_id: uuid.UUID) -> Membership:
    caller.require_manager()
    membership = (
        await session.execute(
            select(Membership)
            .where(
                col(Membership.organization_id) == caller.organization_id,
                col(Membership.user_id) == user_id,
                col(Membership.is_active).is_(True),
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if membership is None:
        raise NotFound('Member not found', code=ErrorCode.MEMBER_NOT_FOUND)
    if membership.role == Role.OWNER and not caller.is_owner:
        raise Forbidden('Only an owner can change or remove an owner', code=ErrorCode.OWNER_ONLY)
    return membership


async def _owner_count(session: AsyncSession, organization_id: uuid.UUID) -> int:
    # lock the owners so two concurrent demotions cannot both see "another owner is left"
    owners = await session.execute(
        select(col(Membership.id))
        .where(
            col(Membership.organization_id) == organization_id,
            col(Membership.role) == Role.OWNER,
            col(Membership.is_active).is_(True),
        )
        .with_for_update()
    )
    return len(owners.all())


def grantable_roles(role: str) -> tuple[Role, ...]:
    """The roles a member with ``role`` may give someone: the invite rule (admins give member or viewer only).

    Invites add one more limit (no invite grants ``owner``); only an owner makes owners and admins.
    """
    if role == Role.OWNER:
        return (Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER)
    if role == Role.ADMIN:
        return (Role.MEMBER, Role.VIEWER)
    return ()


async def change_role(session: AsyncSession, *, caller: Caller, user_id: uuid.UUID, role: Role) -> MemberPublic:
    """Give a member another role; never demote the last owner; only owners make owners and admins."""
    membership = await _member_for_change(session, caller, user_id)
    if role == Role.OWNER and not caller.is_owner:
        raise Forbidden('Only an owner can make someone an owner', code=ErrorCode.OWNER_ONLY)
    if role != membership.role and role not in grantable_roles(caller.role):
        raise Forbidden('Only owners can make someone an admin', code=ErrorCode.ADMIN_ROLE_OWNER_ONLY)
    if (
        membership.role == Role.OWNER
        and role != Role.OWNER
        and await _owner_count(session, caller.organization_id) <= 1
    ):
        raise BadRequest('The last owner cannot be demoted', code=ErrorCode.LAST_OWNER_DEMOTE)
    if membership.role != role:
        membership.role = role
        membership.updated_at = utcnow()
        queue_event(
            session,
            AccessChange(AccessKind.ROLE_CHANGED, user_id=user_id, organization_id=caller.organization_id, role=role),
        )
    user = await session.get(User, user_id)
    await session.commit()
    assert user is not None
    return member_public(membership, user)


async def remove_member(session: AsyncSession, *, caller: Caller, user_id: uuid.UUID) -> None:
    """Deactivate a membership (owner/admin; never the last owner); their boards and sockets close."""
    membership = await _member_for_change(session, caller, user_id)
    if membership.role == Role.OWNER and await _owner_count(session, caller.organization_id) <= 1:
        raise BadRequest('The last owner cannot be removed', code=ErrorCode.LAST_OWNER_REMOVE)
    membership.is_active = False
    membership.updated_at = utcnow()
    organization = await session.get(Organization, caller.organization_id)
    if organization is not None and organization.owner_id == user_id:
        organization.owner_id = await _another_owner(session, caller.organization_id, user_id)
    queue_event(
        session, AccessChange(AccessKind.MEMBER_REMOVED, user_id=user_id, organization_id=caller.organization_id)
    )
    await session.commit()


async def _another_owner(session: AsyncSession, organization_id: uuid.UUID, not_user: uuid.UUID) -> uuid.UUID | None:
    return (
        await session.execute(
            select(col(Membership.user_id))
            .where(
                col(Membership.organization_id) == organization_id,
                col(Membership.role) == Role.OWNER,
                col(Membership.is_active).is_(True),
                col(Membership.user_id) != not_user,
            )
            .order_by(col(Membership.created_at))
            .limit(1)
        )
    ).scalar_one_or_none()
