"""Registration, login, token refresh, logout, organization switch and password change."""

import logging
import re
import secrets
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import AuthSession, Membership, Organization, Role, User, utcnow
from models.types import is_plain_text
from models.user import USER_AGENT_MAX

from ..db import Database, queue_event
from ..events import AccessChange, AccessKind
from ..security import PasswordHasher, TokenClaims, TokenError, TokenService, TokenType
from .errors import (
    BadRequest,
    Conflict,
    ErrorCode,
    Forbidden,
    Invalid,
    TooManyRequests,
    Unauthorized,
    require_plain_text,
)
from .ratelimit import PasswordCheckThrottle

T = TypeVar('T')

NAME_MAX = 255  # users.full_name
# a replaced refresh token presented this soon after its replacement is the same client's parallel refresh
# (refused without harm); later, it is a replay and revokes the session (docs/SECURITY.md)
REFRESH_REUSE_GRACE = timedelta(seconds=10)

log = logging.getLogger(__name__)


@dataclass
class AuthResult:
    """A user signed in to an organization (or to none) with a fresh token pair."""

    user: User
    organization: Organization | None
    membership: Membership | None
    session_id: uuid.UUID
    access_token: str
    refresh_token: str


def password_problem(password: str) -> Invalid | None:
    """Why a password breaks the policy (an error to raise or show), or None when it is acceptable."""
    if not is_plain_text(password):  # the rule of every text a client sends (models.types.check_text)
        return Invalid('password must not contain NUL characters', code=ErrorCode.TEXT_INVALID)
    if len(password) < 8:
        return Invalid('Password must be at least 8 characters long', code=ErrorCode.PASSWORD_TOO_SHORT)
    if not re.search(r'\d', password):
        return Invalid('Password must contain at least one digit', code=ErrorCode.PASSWORD_NEEDS_DIGIT)
    if not re.search(r'[A-Z]', password):
        return Invalid('Password must contain at least one uppercase letter', code=ErrorCode.PASSWORD_NEEDS_UPPERCASE)
    if not re.search(r'[a-z]', password):
        return Invalid('Password must contain at least one lowercase letter', code=ErrorCode.PASSWORD_NEEDS_LOWERCASE)
    return None


def normalize_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively: we store them lower-cased (and never with a NUL)."""
    return require_plain_text(email, 'email').strip().lower()


def slugify(text: str) -> str:
    """An ASCII, URL-safe slug of at most 60 characters."""
    ascii_text = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore').decode()
    slug = re.sub(r'[^a-z0-9]+', '-', ascii_text.lower()).strip('-')
    return slug[:60].strip('-') or 'org'


async def unique_slug(session: AsyncSession, name: str) -> str:
    """A slug for ``name`` that no organization uses yet."""
    base = slugify(name)
    slug = base
    while (await session.execute(select(col(Organization.id)).where(col(Organization.slug) == slug))).first():
        slug = f'{base}-{secrets.token_hex(3)}'
    return slug


async def create_organization(session: AsyncSession, *, name: str, owner_id: uuid.UUID) -> Organization:
    """Add an organization with a slug no other uses, even when another transaction takes it meanwhile."""
    slug = await unique_slug(session, name)
    for _attempt in range(5):
        organization = Organization(name=name, slug=slug, owner_id=owner_id)
        try:
            async with session.begin_nested():  # a savepoint: losing the slug race must not lose the user
                session.add(organization)
        except IntegrityError:
            slug = f'{slugify(name)}-{secrets.token_hex(3)}'
            continue
        return organization
    raise Conflict('Could not find a free organization slug; try again', code=ErrorCode.SLUG_UNAVAILABLE)


async def register(
    session: AsyncSession,
    *,
    hasher: PasswordHasher,
    tokens: TokenService,
    email: str,
    password: str,
    full_name: str | None,
    terms_accepted: bool,
    address: str | None = None,
    user_agent: str | None = None,
    organization_name: str | None = None,
) -> AuthResult:
    """Create the user, their organization and their owner membership in one transaction, signed in.

    ``address`` and ``user_agent``: the client's, kept on the session for its owner's list of sessions.
    ``organization_name``: the new organization's name in the person's language (the sign-up page passes
    "Organização de Ana"); the API's default is the LovedCRM contract's "<name>'s Organization".
    """
    if not terms_accepted:
        raise BadRequest('You must accept the terms and conditions to register', code=ErrorCode.TERMS_NOT_ACCEPTED)
    problem = password_problem(password)
    if problem is not None:
        raise problem
    if full_name is not None and len(full_name) > NAME_MAX:  # the UI calls this directly, without the API's schema
        raise Invalid(f'full_name must be at most {NAME_MAX} characters', code=ErrorCode.NAME_TOO_LONG)
    if full_name is not None:
        require_plain_text(full_name, 'full_name')
    email = normalize_email(email)
    # hashed before the first query: the session takes no connection (nor SQLite's write lock) while argon2 runs
    password_hash = await hasher.hash(password)
    if (await session.execute(select(col(User.id)).where(col(User.email) == email))).first():
        raise BadRequest('Email already exists', code=ErrorCode.EMAIL_TAKEN)
    user = User(email=email, full_name=full_name, password_hash=password_hash, last_login=utcnow())
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:
        # a concurrent registration with the same e-mail won the race (PostgreSQL; SQLite serializes writers)
        await session.rollback()
        raise BadRequest('Email already exists', code=ErrorCode.EMAIL_TAKEN) from exc
    name = organization_name.strip() if organization_name and organization_name.strip() else None
    organization = await create_organization(
        session, name=(name or f"{full_name or email.split('@')[0]}'s Organization")[:255], owner_id=user.id
    )
    membership = Membership(organization_id=organization.id, user_id=user.id, role=Role.OWNER, last_used_at=utcnow())
    session.add(membership)
    result = await _start_session(
        session, tokens, user, organization, membership, address=address, user_agent=user_agent
    )
    await session.commit()
    return result


def _admit_password_check(throttle: PasswordCheckThrottle, account: str, address: str, code: ErrorCode) -> None:
    wait = throttle.admit(account, address)
    if wait is not None:
        message = 'Too many failed login attempts. Try again later.'
        if code == ErrorCode.PASSWORD_CHECK_RATE_LIMITED:
            message = 'Too many password attempts. Try again later.'
        raise TooManyRequests(message, code=code, headers={'Retry-After': str(wait)})


async def login(
    db: Database,
    *,
    hasher: PasswordHasher,
    tokens: TokenService,
    throttle: PasswordCheckThrottle,
    email: str,
    password: str,
    address: str,
    user_agent: str | None = None,
) -> AuthResult:
    """Check the credentials and sign in to the most recently used organization.

    The attempt is counted before the password is checked (parallel guesses cannot slip past the
    limit), and no database connection is held while argon2 runs: read, release, verify, then write.
    """
    email = normalize_email(email)
    _admit_password_check(throttle, email, address, ErrorCode.LOGIN_RATE_LIMITED)
    async with db.session(read_only=True) as session:
        found = (await session.execute(select(User).where(col(User.email) == email))).scalar_one_or_none()
    valid = await hasher.verify(password, found.password_hash if found else None)
    if found is None or not valid or not found.is_active:
        raise Unauthorized('Invalid credentials', code=ErrorCode.INVALID_CREDENTIALS)
    throttle.succeeded(email, address)
    async with db.session() as session:
        user = await session.get(User, found.id)
        if user is None or not user.is_active or user.password_hash != found.password_hash:
            raise Unauthorized('Invalid credentials', code=ErrorCode.INVALID_CREDENTIALS)  # changed meanwhile
        membership = await _preferred_membership(session, user.id)
        organization = await session.get(Organization, membership.organization_id) if membership else None
        now = utcnow()
        user.last_login = now
        if membership is not None:
            membership.last_used_at = now
        result = await _start_session(
            session, tokens, user, organization, membership, address=address, user_agent=user_agent
        )
        await session.commit()
    return result


async def refresh(
    session: AsyncSession,
    *,
    tokens: TokenService,
    refresh_token: str | None,
    reuse_grace: timedelta = REFRESH_REUSE_GRACE,
) -> AuthResult:
    """Exchange the session's current refresh token for a new pair (rotation; role re-read).

    The presented token stops working. A token that was already replaced is refused: within
    ``reuse_grace`` of its replacement as a concurrent refresh of the same client (409, the session
    lives on), later as a replay of a stolen token (401, and the whole session is revoked).
    """
    if not refresh_token:
        raise Unauthorized('Refresh token required', code=ErrorCode.REFRESH_TOKEN_REQUIRED)
    claims = _verify(tokens, refresh_token, 'refresh')
    # the row lock serializes refreshes of one session (SQLite: writers are serialized by BEGIN IMMEDIATE)
    auth_session = (
        await session.execute(
            select(AuthSession)
            .where(col(AuthSession.id) == claims.session_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    user = await _live_session_user(session, claims.session_id, claims.user_id)
    assert auth_session is not None  # _live_session_user refuses a missing session
    current = auth_session.refresh_token_id
    if current is not None and current != claims.token_id:
        await _refuse_replaced_refresh_token(session, auth_session, reuse_grace)
    membership = None
    if claims.organization_id is not None:
        membership = await active_membership(session, user.id, claims.organization_id)
    if membership is None:
        membership = await _preferred_membership(session, user.id)
    organization = await session.get(Organization, membership.organization_id) if membership else None
    result = await _issue(session, tokens, user, organization, membership, claims.session_id)
    await session.commit()
    return result


async def _refuse_replaced_refresh_token(session: AsyncSession, auth_session: AuthSession, grace: timedelta) -> None:
    rotated_at = auth_session.refresh_rotated_at
    if rotated_at is not None and utcnow() - rotated_at <= grace:
        # the client's own parallel refresh got the new pair a moment ago: refuse without issuing anything
        raise Conflict(
            'This refresh token was just replaced by a concurrent refresh; use the newest one',
            code=ErrorCode.REFRESH_TOKEN_SUPERSEDED,
        )
    auth_session.revoked_at = utcnow()
    queue_event(
        session,
        AccessChange(AccessKind.SESSION_REVOKED, user_id=auth_session.user_id, session_id=auth_session.id),
    )
    await session.commit()
    log.warning('refresh token reused: session %s of user %s revoked', auth_session.id, auth_session.user_id)
    raise Unauthorized('Refresh token already used; the session is revoked', code=ErrorCode.REFRESH_TOKEN_REUSED)


async def logout(session: AsyncSession, *, tokens: TokenService, token: str, token_type: str) -> None:
    """Revoke the session that the presented (access or refresh) token belongs to."""
    claims = _verify(tokens, token, 'refresh' if token_type == 'refresh' else 'access')
    auth_session = await session.get(AuthSession, claims.session_id)
    if auth_session is None or auth_session.user_id != claims.user_id:
        raise Unauthorized('Unauthorized - invalid token', code=ErrorCode.SESSION_INVALID)
    if auth_session.revoked_at is None:
        auth_session.revoked_at = utcnow()
        queue_event(
            session, AccessChange(AccessKind.SESSION_REVOKED, user_id=claims.user_id, session_id=claims.session_id)
        )
    await session.commit()


async def switch_organization(
    session: AsyncSession,
    *,
    tokens: TokenService,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    organization_id: uuid.UUID,
) -> AuthResult:
    """A new token pair (same session) for another organization the user belongs to."""
    user = await _live_session_user(session, session_id, user_id)
    membership = await active_membership(session, user.id, organization_id)
    if membership is None:
        raise Forbidden('Not a member of this organization', code=ErrorCode.NOT_A_MEMBER)
    membership.last_used_at = utcnow()
    organization = await session.get(Organization, organization_id)
    result = await _issue(session, tokens, user, organization, membership, session_id)
    await session.commit()
    return result


async def change_password(
    db: Database,
    *,
    hasher: PasswordHasher,
    throttle: PasswordCheckThrottle,
    address: str,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    current_password: str,
    new_password: str,
) -> None:
    """Change the password from a signed-in session that stays signed in with the tokens it has.

    Every *other* session of the user is revoked (their boards and sockets close). Used by the
    Profile page and ``PUT /users/me/password`` (LovedCRM's client keeps using its tokens after it).
    """

    async def keep_this_session(session: AsyncSession, user: User) -> None:
        await _live_session_user(session, session_id, user.id)
        await revoke_user_sessions(session, user.id, except_session_id=session_id)

    await _replace_password(
        db,
        hasher=hasher,
        throttle=throttle,
        address=address,
        user_id=user_id,
        current_password=current_password,
        new_password=new_password,
        then=keep_this_session,
    )


async def change_password_and_sign_in(
    db: Database,
    *,
    hasher: PasswordHasher,
    tokens: TokenService,
    throttle: PasswordCheckThrottle,
    address: str,
    user_id: uuid.UUID,
    organization_id: uuid.UUID | None,
    current_password: str,
    new_password: str,
    user_agent: str | None = None,
) -> AuthResult:
    """Change the password, revoke every session of the user and start a fresh one (``POST /auth/change-password``)."""

    async def new_session(session: AsyncSession, user: User) -> AuthResult:
        await revoke_user_sessions(session, user.id)
        membership = await active_membership(session, user.id, organization_id) if organization_id else None
        membership = membership or await _preferred_membership(session, user.id)
        organization = await session.get(Organization, membership.organization_id) if membership else None
        return await _start_session(
            session, tokens, user, organization, membership, address=address, user_agent=user_agent
        )

    return await _replace_password(
        db,
        hasher=hasher,
        throttle=throttle,
        address=address,
        user_id=user_id,
        current_password=current_password,
        new_password=new_password,
        then=new_session,
    )


async def _replace_password(
    db: Database,
    *,
    hasher: PasswordHasher,
    throttle: PasswordCheckThrottle,
    address: str,
    user_id: uuid.UUID,
    current_password: str,
    new_password: str,
    then: Callable[[AsyncSession, User], Awaitable[T]],
) -> T:
    """Check the current password, hash the new one, then store it and run ``then`` in one transaction.

    Checking the current password counts against the same limits as signing in to the account (a stolen
    session cannot guess it any faster), and no connection is held while argon2 runs.
    """
    async with db.session(read_only=True) as session:
        found = await session.get(User, user_id)
        if found is None or not found.is_active:
            raise Unauthorized('Unauthorized - invalid token', code=ErrorCode.SESSION_INVALID)
    _admit_password_check(throttle, found.email, address, ErrorCode.PASSWORD_CHECK_RATE_LIMITED)
    if not await hasher.verify(current_password, found.password_hash):
        raise BadRequest('Current password is incorrect', code=ErrorCode.CURRENT_PASSWORD_WRONG)
    throttle.succeeded(found.email, address)
    problem = password_problem(new_password)
    if problem is not None:
        raise problem
    new_hash = await hasher.hash(new_password)
    async with db.session() as session:
        user = await session.get(User, user_id)
        if user is None or not user.is_active:
            raise Unauthorized('Unauthorized - invalid token', code=ErrorCode.SESSION_INVALID)
        if user.password_hash != found.password_hash:  # changed by another request while we hashed
            raise Conflict('The password was changed meanwhile; try again')
        user.password_hash = new_hash
        user.updated_at = utcnow()
        result = await then(session, user)
        await session.commit()
    return result


async def revoke_user_sessions(
    session: AsyncSession, user_id: uuid.UUID, *, except_session_id: uuid.UUID | None = None
) -> int:
    """Revoke every live session of a user but ``except_session_id`` (queued notice closes their boards and sockets).

    Returns how many sessions were still live.
    """
    query = update(AuthSession).where(
        col(AuthSession.user_id) == user_id,
        col(AuthSession.revoked_at).is_(None),
    )
    if except_session_id is not None:
        query = query.where(col(AuthSession.id) != except_session_id)
    revoked = await session.execute(query.values(revoked_at=utcnow()))
    queue_event(
        session, AccessChange(AccessKind.USER_SESSIONS_REVOKED, user_id=user_id, except_session_id=except_session_id)
    )
    return int(revoked.rowcount or 0)  # type: ignore[attr-defined]


async def active_membership(session: AsyncSession, user_id: uuid.UUID, organization_id: uuid.UUID) -> Membership | None:
    """The user's active membership in an active organization, or None."""
    row = await session.execute(
        select(Membership)
        .join(Organization, col(Organization.id) == col(Membership.organization_id))
        .where(
            col(Membership.user_id) == user_id,
            col(Membership.organization_id) == organization_id,
            col(Membership.is_active).is_(True),
            col(Organization.is_active).is_(True),
        )
    )
    return row.scalar_one_or_none()


async def _preferred_membership(session: AsyncSession, user_id: uuid.UUID) -> Membership | None:
    # most recently used first; never-used ones after, owned organizations first among those
    rows = await session.execute(
        select(Membership)
        .join(Organization, col(Organization.id) == col(Membership.organization_id))
        .where(
            col(Membership.user_id) == user_id,
            col(Membership.is_active).is_(True),
            col(Organization.is_active).is_(True),
        )
    )
    memberships = list(rows.scalars())
    if not memberships:
        return None
    return max(
        memberships,
        key=lambda m: (m.last_used_at is not None, m.last_used_at or m.created_at, m.role == Role.OWNER),
    )


async def _live_session_user(session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID) -> User:
    auth_session = await session.get(AuthSession, session_id)
    if auth_session is None or auth_session.user_id != user_id or auth_session.revoked_at is not None:
        raise Unauthorized('Unauthorized - invalid token', code=ErrorCode.SESSION_INVALID)
    if auth_session.expires_at <= utcnow():
        raise Unauthorized('Unauthorized - token expired', code=ErrorCode.SESSION_EXPIRED)
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthorized('Unauthorized - invalid token', code=ErrorCode.SESSION_INVALID)
    return user


async def _start_session(
    session: AsyncSession,
    tokens: TokenService,
    user: User,
    organization: Organization | None,
    membership: Membership | None,
    *,
    address: str | None,
    user_agent: str | None,
) -> AuthResult:
    now = utcnow()
    auth_session = AuthSession(
        user_id=user.id,
        expires_at=now + tokens.refresh_lifetime,
        last_used_at=now,
        ip_address=_header_text(address, 64),
        user_agent=_header_text(user_agent, USER_AGENT_MAX),
    )
    result = _token_pair(tokens, user, organization, membership, auth_session.id)
    auth_session.refresh_token_id = _token_id(tokens, result.refresh_token)
    session.add(auth_session)
    await session.flush()
    return result


async def _issue(
    session: AsyncSession,
    tokens: TokenService,
    user: User,
    organization: Organization | None,
    membership: Membership | None,
    session_id: uuid.UUID,
) -> AuthResult:
    """A new pair for a live session; its refresh token becomes the only one the session accepts (rotation)."""
    result = _token_pair(tokens, user, organization, membership, session_id)
    await session.execute(
        update(AuthSession)
        .where(col(AuthSession.id) == session_id)
        .values(
            refresh_token_id=_token_id(tokens, result.refresh_token), refresh_rotated_at=utcnow(), last_used_at=utcnow()
        )
    )
    return result


def _token_pair(
    tokens: TokenService,
    user: User,
    organization: Organization | None,
    membership: Membership | None,
    session_id: uuid.UUID,
) -> AuthResult:
    org_id = organization.id if organization else None
    role = membership.role if membership else None

    def token(token_type: TokenType) -> str:
        return tokens.issue(
            user_id=user.id,
            email=user.email,
            organization_id=org_id,
            role=role,
            session_id=session_id,
            token_type=token_type,
        )

    return AuthResult(
        user=user,
        organization=organization,
        membership=membership,
        session_id=session_id,
        access_token=token('access'),
        refresh_token=token('refresh'),
    )


def _header_text(value: str | None, limit: int) -> str | None:
    # what a client said about itself (User-Agent, address): kept as text under the rule of every text (no NUL)
    if not value or not value.strip():
        return None
    cleaned = value.replace('\x00', '').strip()[:limit]
    return cleaned if is_plain_text(cleaned) else None


def _token_id(tokens: TokenService, refresh_token: str) -> str:
    return tokens.verify(refresh_token, expected_type='refresh').token_id


def _verify(tokens: TokenService, token: str, token_type: TokenType) -> TokenClaims:
    try:
        return tokens.verify(token, expected_type=token_type)
    except TokenError as exc:
        raise Unauthorized(exc.detail, code=exc.code) from exc


async def end_session(session: AsyncSession, *, user_id: uuid.UUID, session_id: uuid.UUID) -> None:
    """Sign a browser session out (the UI's logout): the session and its tokens stop working."""
    auth_session = await session.get(AuthSession, session_id)
    if auth_session is not None and auth_session.user_id == user_id and auth_session.revoked_at is None:
        auth_session.revoked_at = utcnow()
        queue_event(session, AccessChange(AccessKind.SESSION_REVOKED, user_id=user_id, session_id=session_id))
    await session.commit()
