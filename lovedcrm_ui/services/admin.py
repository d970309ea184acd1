"""What an operator does from the command line (``python -m lovedcrm_ui``): accounts, organizations, members, passwords.

The rules are the app's own — registration's (password policy, e-mail, name), the Team page's (roles, the
last owner), password reset's (every session ends) — applied for someone who runs the server and holds no
session: the operator acts as an owner of every organization. The CLI (lovedcrm_ui/cli) only parses and prints.
"""

import uuid
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Membership, Organization, PasswordResetToken, Role, User, utcnow
from models.auth import Password, RegisterRequest
from models.organization import MemberPublic, OrganizationUpdate

from ..db import Database, queue_event
from ..events import AccessChange, AccessKind
from ..security import PasswordHasher
from .access import Caller
from .auth import create_organization, normalize_email, password_problem, revoke_user_sessions
from .errors import BadRequest, ErrorCode, Forbidden, Invalid, NotFound
from .organizations import change_role

# who an operator's change is attributed to (no user: a person at the server's console)
OPERATOR_ID = uuid.UUID(int=0)


@dataclass(frozen=True)
class CreatedUser:
    """A user made by the operator, and the organization made with them (None with ``with_organization=False``)."""

    user_id: uuid.UUID
    email: str
    organization_id: uuid.UUID | None
    organization_name: str | None
    organization_slug: str | None


def validation_message(exc: ValidationError, field: str = 'value') -> str:
    """A pydantic error as one line naming each field (``field`` when it has none) and its problem.

    Never the value itself, which may be a password.
    """
    return '; '.join(
        f'{".".join(str(part) for part in error["loc"]) or field}: {error["msg"]}' for error in exc.errors()
    )


def checked_account(email: str, password: str, full_name: str | None) -> RegisterRequest:
    """E-mail, password and name under registration's rules (``POST /auth/register``), or ``Invalid``."""
    try:
        account = RegisterRequest(email=email, password=password, full_name=full_name, terms_accepted=True)
    except ValidationError as exc:
        raise Invalid(validation_message(exc), code=ErrorCode.INVALID) from None
    problem = password_problem(password)
    if problem is not None:
        raise problem
    return account


def checked_password(password: str) -> None:
    """The password policy (and the API's length limit), or ``Invalid``."""
    try:
        TypeAdapter(Password).validate_python(password)
    except ValidationError as exc:
        raise Invalid(validation_message(exc, 'password'), code=ErrorCode.INVALID) from None
    problem = password_problem(password)
    if problem is not None:
        raise problem


async def create_user(
    db: Database,
    *,
    hasher: PasswordHasher,
    email: str,
    password: str,
    full_name: str | None,
    with_organization: bool = True,
) -> CreatedUser:
    """A new account, like registration: with its own organization (owner) unless ``with_organization`` is False."""
    account = checked_account(email, password, full_name)
    email = normalize_email(account.email)
    # hashed before the first query: no connection (nor SQLite's write lock) is held while argon2 runs
    password_hash = await hasher.hash(password)
    async with db.session() as session:
        if await session.scalar(select(col(User.id)).where(col(User.email) == email)) is not None:
            raise BadRequest(f'A user with the e-mail {email} already exists', code=ErrorCode.EMAIL_TAKEN)
        user = User(email=email, full_name=account.full_name, password_hash=password_hash)
        session.add(user)
        try:
            await session.flush()
        except IntegrityError:  # registered meanwhile (PostgreSQL; SQLite serializes writers)
            raise BadRequest(f'A user with the e-mail {email} already exists', code=ErrorCode.EMAIL_TAKEN) from None
        organization = None
        if with_organization:
            # the name registration gives a new account's organization
            name = f"{account.full_name or email.split('@')[0]}'s Organization"[:255]
            organization = await create_organization(session, name=name, owner_id=user.id)
            session.add(
                Membership(organization_id=organization.id, user_id=user.id, role=Role.OWNER, last_used_at=utcnow())
            )
        await session.commit()
    return CreatedUser(
        user_id=user.id,
        email=email,
        organization_id=organization.id if organization else None,
        organization_name=organization.name if organization else None,
        organization_slug=organization.slug if organization else None,
    )


async def find_user(session: AsyncSession, *, email: str) -> User:
    """The account with this e-mail (any letter case), or ``NotFound``."""
    email = normalize_email(email)
    user = (await session.execute(select(User).where(col(User.email) == email))).scalar_one_or_none()
    if user is None:
        raise NotFound(f'No user has the e-mail {email}', code=ErrorCode.USER_NOT_FOUND)
    return user


async def find_organization(session: AsyncSession, *, reference: str) -> Organization:
    """The organization named by its id, its slug or its exact name (in that order), or ``NotFound``.

    A name that several organizations share is refused (``BadRequest``) with their slugs to choose from.
    """
    reference = reference.strip()
    try:
        by_id = await session.get(Organization, uuid.UUID(reference))
    except ValueError:
        by_id = None
    if by_id is not None:
        return by_id
    by_slug = (
        await session.execute(select(Organization).where(col(Organization.slug) == reference))
    ).scalar_one_or_none()
    if by_slug is not None:
        return by_slug
    named = list((await session.execute(select(Organization).where(col(Organization.name) == reference))).scalars())
    if len(named) > 1:
        slugs = ', '.join(sorted(organization.slug for organization in named))
        raise BadRequest(
            f'{len(named)} organizations are named {reference!r}; name one by its slug ({slugs}) or id',
            code=ErrorCode.BAD_REQUEST,
        )
    if not named:
        raise NotFound(f'No organization has the id, slug or name {reference!r}', code=ErrorCode.ORGANIZATION_NOT_FOUND)
    return named[0]


async def create_owned_organization(db: Database, *, name: str, owner_email: str) -> Organization:
    """A new organization (a free slug from its name) with ``owner_email``'s account as its owner."""
    try:
        checked_name = OrganizationUpdate(name=name).name
    except ValidationError as exc:
        raise Invalid(validation_message(exc), code=ErrorCode.ORGANIZATION_NAME_TOO_SHORT) from None
    assert checked_name is not None  # the model refuses a missing name
    async with db.session() as session:
        owner = await find_user(session, email=owner_email)
        organization = await create_organization(session, name=checked_name, owner_id=owner.id)
        session.add(Membership(organization_id=organization.id, user_id=owner.id, role=Role.OWNER))
        queue_event(session, AccessChange(AccessKind.MEMBER_JOINED, user_id=owner.id, organization_id=organization.id))
        await session.commit()
    return organization


async def add_member(db: Database, *, organization: str, email: str, role: Role) -> tuple[Organization, User]:
    """Make an existing account a member of an organization with ``role`` (a removed member comes back)."""
    async with db.session() as session:
        found = await find_organization(session, reference=organization)
        user = await find_user(session, email=email)
        if not user.is_active:
            raise Forbidden(f'The account {user.email} is disabled', code=ErrorCode.ACCOUNT_DISABLED)
        membership = (
            await session.execute(
                select(Membership).where(
                    col(Membership.organization_id) == found.id, col(Membership.user_id) == user.id
                )
            )
        ).scalar_one_or_none()
        if membership is not None and membership.is_active:
            raise BadRequest(
                f'{user.email} is already a member of {found.name} (role {membership.role}); use set-role',
                code=ErrorCode.ALREADY_MEMBER,
            )
        if membership is None:
            session.add(Membership(organization_id=found.id, user_id=user.id, role=role))
        else:
            membership.is_active, membership.role, membership.updated_at = True, role, utcnow()
        if role == Role.OWNER and found.owner_id is None:
            found.owner_id = user.id
        queue_event(session, AccessChange(AccessKind.MEMBER_JOINED, user_id=user.id, organization_id=found.id))
        await session.commit()
    return found, user


async def set_role(db: Database, *, organization: str, email: str, role: Role) -> tuple[Organization, MemberPublic]:
    """Give a member another role, by the Team page's rule (``change_role``) with an owner's authority.

    The last owner of an organization is never demoted.
    """
    async with db.session() as session:
        found = await find_organization(session, reference=organization)
        user = await find_user(session, email=email)
        operator = Caller(
            user_id=OPERATOR_ID,
            email='operator',
            organization_id=found.id,
            role=Role.OWNER,
            session_id=OPERATOR_ID,
        )
        try:
            member = await change_role(session, caller=operator, user_id=user.id, role=role)
        except NotFound:
            raise NotFound(f'{user.email} is not a member of {found.name}', code=ErrorCode.MEMBER_NOT_FOUND) from None
    return found, member


async def set_password(db: Database, *, hasher: PasswordHasher, email: str, password: str) -> int:
    """Give an account a new password and end every session of it (like a reset by e-mail); returns how many ended.

    Reset links still unused stop working too.
    """
    checked_password(password)
    async with db.session(read_only=True) as session:
        await find_user(session, email=email)
    new_hash = await hasher.hash(password)  # no connection held meanwhile
    async with db.session() as session:
        user = await find_user(session, email=email)
        now = utcnow()
        user.password_hash = new_hash
        user.updated_at = now
        await session.execute(
            update(PasswordResetToken)
            .where(col(PasswordResetToken.user_id) == user.id, col(PasswordResetToken.used_at).is_(None))
            .values(used_at=now)
        )
        ended = await revoke_user_sessions(session, user.id)
        await session.commit()
    return ended
