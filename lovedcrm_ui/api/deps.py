"""Request dependencies: the app context, a database session, the caller."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from models import User

from ..context import AppContext
from ..security import TokenClaims, TokenError
from ..services.access import Caller, check_session
from ..services.errors import ErrorCode, Forbidden, Unauthorized
from .guard import bearer_token


async def get_ctx(request: Request) -> AppContext:
    """The app context the composition root stored on the FastAPI app.

    Dependencies are ``async def`` on purpose: FastAPI runs plain ``def`` dependencies in a thread
    pool, a thread hop per request for a dictionary lookup.
    """
    return request.app.state.ctx


CtxDep = Annotated[AppContext, Depends(get_ctx)]


def _caller_organization(request: Request) -> uuid.UUID | None:
    # the organization the tenancy guard authorized; routes outside it (sign-in, invite links) act for none
    caller: Caller | None = getattr(request.state, 'caller', None)
    return caller.organization_id if caller is not None else None


async def get_session(ctx: CtxDep, request: Request) -> AsyncIterator[AsyncSession]:
    """One short session per request, scoped to the caller's organization (row-level security)."""
    async with ctx.db.session(organization_id=_caller_organization(request)) as session:
        yield session


async def get_read_session(ctx: CtxDep, request: Request) -> AsyncIterator[AsyncSession]:
    """A session for requests that only read, scoped like ``get_session``."""
    async with ctx.db.session(read_only=True, organization_id=_caller_organization(request)) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]


async def get_caller(request: Request) -> Caller:
    """The member the tenancy guard authorized for this request."""
    caller = getattr(request.state, 'caller', None)
    if caller is None:  # a route mounted outside the guard by mistake must fail closed
        raise Forbidden('Missing or invalid authorization header', code=ErrorCode.AUTHORIZATION_MISSING)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


@dataclass(frozen=True)
class SignedIn:
    """A user authenticated by an access token, without organization context."""

    user: User
    claims: TokenClaims

    @property
    def user_id(self) -> uuid.UUID:
        """The user's id."""
        return self.user.id


async def get_signed_in(request: Request, ctx: CtxDep, session: ReadSessionDep) -> SignedIn:
    """Bearer access token of a live session (no X-Org-Id needed)."""
    token = bearer_token(request.headers.get('authorization'))
    if token is None:
        raise Forbidden('Not authenticated', code=ErrorCode.NOT_AUTHENTICATED)
    try:
        claims = ctx.tokens.verify(token, expected_type='access')
    except TokenError as exc:
        raise Unauthorized(exc.detail, code=exc.code) from exc
    user = await check_session(session, user_id=claims.user_id, session_id=claims.session_id)
    ctx.session_activity.seen(claims.session_id)
    return SignedIn(user=user, claims=claims)


SignedInDep = Annotated[SignedIn, Depends(get_signed_in)]
