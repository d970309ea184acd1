"""Inviting people into an organization; the token travels only in the invite link."""

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Invite, InviteStatus, Membership, Organization, Role, User, utcnow
from models.invite import InviteDetails, InvitePublic, InviteStats
from models.types import is_plain_text

from ..db import queue_event
from ..events import AccessChange, AccessKind
from .access import Caller
from .auth import normalize_email
from .errors import BadRequest, Conflict, ErrorCode, Forbidden, NotFound


@dataclass
class InviteView:
    """An invite with what its public shape needs (organization and inviter names)."""

    invite: Invite
    organization: Organization
    invited_by_name: str | None

    @property
    def is_expired(self) -> bool:
        """A pending invite past its expiry date."""
        return self.invite.status == InviteStatus.PENDING and self.invite.expires_at <= utcnow()

    @property
    def status(self) -> str:
        """The stored status, or ``expired`` for a pending invite past its date."""
        return InviteStatus.EXPIRED if self.is_expired else self.invite.status

    @property
    def can_be_accepted(self) -> bool:
        """Pending and not expired."""
        return self.status == InviteStatus.PENDING

    def public(self) -> InvitePublic:
        """The invite as its organization's managers see it (no token)."""
        invite = self.invite
        return InvitePublic.model_validate(
            invite,
            update={
                'status': self.status,
                'is_active': self.can_be_accepted,
                'is_expired': self.is_expired,
                'is_pending': invite.status == InviteStatus.PENDING,
                'can_be_accepted': self.can_be_accepted,
                'can_be_cancelled': invite.status == InviteStatus.PENDING,
                'organization_name': self.organization.name,
                'invited_by_name': self.invited_by_name,
            },
        )

    def details(self) -> InviteDetails:
        """What the invite link shows before it is answered."""
        return InviteDetails(
            organization_name=self.organization.name,
            organization_slug=self.organization.slug,
            invited_by_name=self.invited_by_name,
            role=self.invite.role,
            created_at=self.invite.created_at,
            expires_at=self.invite.expires_at,
            is_expired=self.is_expired,
            message=self.invite.message,
            invited_email=self.invite.email,
        )


def _display_name(user: User | None) -> str | None:
    return (user.full_name or user.email) if user else None


async def _view(session: AsyncSession, invite: Invite) -> InviteView:
    organization = await session.get(Organization, invite.organization_id)
    assert organization is not None
    inviter = await session.get(User, invite.invited_by_id) if invite.invited_by_id else None
    return InviteView(invite=invite, organization=organization, invited_by_name=_display_name(inviter))


async def create_invite(
    session: AsyncSession,
    *,
    caller: Caller,
    email: str,
    role: Role,
    message: str | None,
    invited_name: str | None,
    expire_days: int,
) -> InviteView:
    """Invite an e-mail address with a role (owner/admin; admins cannot invite admins)."""
    caller.require_manager()
    if role == Role.OWNER:
        raise Forbidden('Invites cannot grant the owner role', code=ErrorCode.INVITE_OWNER_ROLE)
    if role == Role.ADMIN and not caller.is_owner:
        raise Forbidden('Only owners can invite admins', code=ErrorCode.INVITE_ADMIN_OWNER_ONLY)
    email = normalize_email(email)
    # one invite at a time per organization, so two managers inviting one address cannot both pass the check
    await session.execute(
        select(col(Organization.id)).where(col(Organization.id) == caller.organization_id).with_for_update()
    )
    member = await session.execute(
        select(col(Membership.id))
        .join(User, col(User.id) == col(Membership.user_id))
        .where(
            col(Membership.organization_id) == caller.organization_id,
            col(Membership.is_active).is_(True),
            col(User.email) == email,
        )
    )
    if member.first():
        raise Conflict('User is already a member of this organization', code=ErrorCode.ALREADY_MEMBER)
    pending = await session.execute(
        select(col(Invite.id)).where(
            col(Invite.organization_id) == caller.organization_id,
            col(Invite.email) == email,
            col(Invite.status) == InviteStatus.PENDING,
            col(Invite.expires_at) > utcnow(),
        )
    )
    if pending.first():
        raise Conflict('A pending invite already exists for this e-mail', code=ErrorCode.INVITE_ALREADY_PENDING)
    invite = Invite(
        organization_id=caller.organization_id,
        email=email,
        role=role,
        token=secrets.token_urlsafe(32),
        message=message,
        invited_name=invited_name.strip() if invited_name else None,
        invited_by_id=caller.user_id,
        expires_at=utcnow() + timedelta(days=expire_days),
    )
    session.add(invite)
    await session.commit()
    return await _view(session, invite)


async def list_invites(
    session: AsyncSession, *, organization_id: uuid.UUID, status: str | None, limit: int, offset: int
) -> list[InviteView]:
    """Invites of an organization, newest first, optionally by (effective) status."""
    query = select(Invite).where(col(Invite.organization_id) == organization_id)
    now = utcnow()
    if status == InviteStatus.EXPIRED:
        query = query.where(col(Invite.status) == InviteStatus.PENDING, col(Invite.expires_at) <= now)
    elif status == InviteStatus.PENDING:
        query = query.where(col(Invite.status) == InviteStatus.PENDING, col(Invite.expires_at) > now)
    elif status:
        query = query.where(col(Invite.status) == status)
    rows = await session.execute(query.order_by(col(Invite.created_at).desc()).limit(limit).offset(offset))
    return [await _view(session, invite) for invite in rows.scalars()]


async def invite_stats(session: AsyncSession, *, organization_id: uuid.UUID) -> InviteStats:
    """Counts of the organization's invites by effective status."""
    rows = await session.execute(select(Invite).where(col(Invite.organization_id) == organization_id))
    counts = dict.fromkeys(InviteStatus, 0)
    now = utcnow()
    for invite in rows.scalars():
        status = InviteStatus(invite.status)
        if status == InviteStatus.PENDING and invite.expires_at <= now:
            status = InviteStatus.EXPIRED
        counts[status] += 1
    return InviteStats(
        total_invites=sum(counts.values()),
        pending_invites=counts[InviteStatus.PENDING],
        accepted_invites=counts[InviteStatus.ACCEPTED],
        rejected_invites=counts[InviteStatus.REJECTED],
        expired_invites=counts[InviteStatus.EXPIRED],
        cancelled_invites=counts[InviteStatus.CANCELLED],
    )


async def cancel_invite(session: AsyncSession, *, caller: Caller, invite_id: uuid.UUID) -> Invite:
    """Cancel a pending invite of the caller's organization (owner/admin)."""
    caller.require_manager()
    invite = await session.get(Invite, invite_id)
    if invite is None or invite.organization_id != caller.organization_id:
        raise NotFound('Invite not found', code=ErrorCode.INVITE_NOT_FOUND)
    if invite.status != InviteStatus.PENDING:
        raise BadRequest(f'Invite is already {invite.status}', code=ErrorCode.INVITE_ALREADY_ANSWERED)
    invite.status = InviteStatus.CANCELLED
    invite.responded_at = invite.updated_at = utcnow()
    await session.commit()
    return invite


async def invite_by_token(session: AsyncSession, *, token: str, lock: bool = False) -> InviteView | None:
    """The invite behind a link, whatever its status (None if the token is unknown).

    ``lock`` holds the row until commit, so two answers to one invite (a double click) are serialized
    and the second sees the first's outcome.
    """
    if not is_plain_text(token):
        return None  # a link typed with a NUL (the invite page passes its path as it is) names no invite
    query = select(Invite).where(col(Invite.token) == token)
    invite = (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
    return await _view(session, invite) if invite else None


async def _answerable(session: AsyncSession, token: str) -> InviteView:
    view = await invite_by_token(session, token=token, lock=True)
    if view is None or view.invite.status != InviteStatus.PENDING:
        raise NotFound('Invalid or expired invite', code=ErrorCode.INVITE_INVALID)
    if view.is_expired:
        raise BadRequest('Invite has expired', code=ErrorCode.INVITE_EXPIRED)
    return view


async def accept_invite(session: AsyncSession, *, token: str, user_id: uuid.UUID | None) -> InviteView:
    """Join the organization: the signed-in user (whose e-mail must match) or the invited e-mail's account."""
    view = await _answerable(session, token)
    invite = view.invite
    if user_id is not None:
        user = await session.get(User, user_id)
        if user is None or user.email != invite.email:
            raise Forbidden('This invite was sent to a different e-mail address', code=ErrorCode.INVITE_EMAIL_MISMATCH)
    else:
        user = (await session.execute(select(User).where(col(User.email) == invite.email))).scalar_one_or_none()
        if user is None:
            raise BadRequest(
                'No account exists for the invited e-mail; register first', code=ErrorCode.INVITE_ACCOUNT_MISSING
            )
    if not user.is_active:
        raise Forbidden('This account is disabled', code=ErrorCode.ACCOUNT_DISABLED)
    membership = (
        await session.execute(
            select(Membership).where(
                col(Membership.organization_id) == invite.organization_id, col(Membership.user_id) == user.id
            )
        )
    ).scalar_one_or_none()
    now = utcnow()
    if membership is not None and membership.is_active:
        raise Conflict('User is already a member of this organization', code=ErrorCode.ALREADY_MEMBER)
    if membership is None:
        membership = Membership(organization_id=invite.organization_id, user_id=user.id, role=invite.role)
        session.add(membership)
    else:
        membership.is_active, membership.role, membership.updated_at = True, invite.role, now
    membership.last_used_at = now  # the team just joined is where the next sign-in lands
    invite.status = InviteStatus.ACCEPTED
    invite.responded_at = invite.updated_at = now
    queue_event(
        session, AccessChange(AccessKind.MEMBER_JOINED, user_id=user.id, organization_id=invite.organization_id)
    )
    await session.commit()
    return view


async def reject_invite(session: AsyncSession, *, token: str, reason: str | None) -> InviteView:
    """Decline an invite."""
    view = await _answerable(session, token)
    view.invite.status = InviteStatus.REJECTED
    view.invite.reject_reason = reason
    view.invite.responded_at = view.invite.updated_at = utcnow()
    await session.commit()
    return view
