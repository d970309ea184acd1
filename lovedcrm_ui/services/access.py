"""Who is calling and what they may do: the database half of the tenancy guard."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import AuthSession, Membership, Organization, User, utcnow
from models.types import MANAGER_ROLES, WRITER_ROLES, Role

from .errors import ErrorCode, Forbidden, Unauthorized


@dataclass(frozen=True)
class Caller:
    """An authenticated user acting in one organization with their *current* role."""

    user_id: uuid.UUID
    email: str
    organization_id: uuid.UUID
    role: str
    session_id: uuid.UUID
    token_expires_at: datetime | None = None

    @property
    def can_write(self) -> bool:
        """Owners, admins and members change leads; viewers only look."""
        return self.role in WRITER_ROLES

    @property
    def can_manage(self) -> bool:
        """Owners and admins manage the organization and its members."""
        return self.role in MANAGER_ROLES

    def require_writer(self) -> None:
        """Raise Forbidden for viewers."""
        if not self.can_write:
            raise Forbidden('Viewers cannot change leads', code=ErrorCode.VIEWER_READ_ONLY)

    def require_manager(self) -> None:
        """Raise Forbidden unless owner or admin."""
        if not self.can_manage:
            raise Forbidden('Only owners and admins can do this', code=ErrorCode.MANAGERS_ONLY)

    @property
    def is_owner(self) -> bool:
        """Whether the caller owns the organization."""
        return self.role == Role.OWNER


async def check_session(session: AsyncSession, *, user_id: uuid.UUID, session_id: uuid.UUID) -> User:
    """The active user of a live (not revoked, not expired) session, else Unauthorized."""
    row = (
        await session.execute(
            select(User, col(AuthSession.revoked_at), col(AuthSession.expires_at))
            .join(AuthSession, col(AuthSession.user_id) == col(User.id))
            .where(col(AuthSession.id) == session_id, col(User.id) == user_id)
        )
    ).first()
    if row is None or row.revoked_at is not None or not row.User.is_active:
        raise Unauthorized('Unauthorized - invalid token', code=ErrorCode.SESSION_INVALID)
    if row.expires_at <= utcnow():
        raise Unauthorized('Unauthorized - token expired', code=ErrorCode.SESSION_EXPIRED)
    return row.User


async def member_role(
    session: AsyncSession, *, user_id: uuid.UUID, session_id: uuid.UUID, organization_id: uuid.UUID | None
) -> tuple[str, str | None]:
    """E-mail and role in ``organization_id`` (None when not an active member) of a live session's user.

    One query; raises Unauthorized when the session is revoked or expired or the user disabled.
    """
    membership_matches = and_(
        col(Membership.user_id) == col(User.id),
        col(Membership.organization_id) == organization_id if organization_id else false(),
        col(Membership.is_active).is_(True),
    )
    row = (
        await session.execute(
            select(
                col(User.email),
                col(User.is_active),
                col(AuthSession.revoked_at),
                col(AuthSession.expires_at),
                col(Membership.role),
            )
            .select_from(User)
            .join(AuthSession, col(AuthSession.user_id) == col(User.id))
            .outerjoin(Membership, membership_matches)
            .outerjoin(
                Organization,
                and_(col(Organization.id) == col(Membership.organization_id), col(Organization.is_active).is_(True)),
            )
            .add_columns(col(Organization.id).label('org_id'))
            .where(col(AuthSession.id) == session_id, col(User.id) == user_id)
        )
    ).first()
    if row is None or row.revoked_at is not None or not row.is_active:
        raise Unauthorized('Unauthorized - invalid token', code=ErrorCode.SESSION_INVALID)
    if row.expires_at <= utcnow():
        raise Unauthorized('Unauthorized - token expired', code=ErrorCode.SESSION_EXPIRED)
    return row.email, (row.role if row.org_id is not None else None)


async def check_member(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    organization_id: uuid.UUID,
    token_expires_at: datetime | None = None,
) -> Caller:
    """Session live (401 otherwise), then an active membership of an active organization (403)."""
    email, role = await member_role(session, user_id=user_id, session_id=session_id, organization_id=organization_id)
    if role is None:
        raise Forbidden('Not a member of this organization', code=ErrorCode.NOT_A_MEMBER)
    return Caller(
        user_id=user_id,
        email=email,
        organization_id=organization_id,
        role=role,
        session_id=session_id,
        token_expires_at=token_expires_at,
    )
