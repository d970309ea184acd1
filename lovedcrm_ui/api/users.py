"""``/users/me``: the caller's profile, password, organizations and login sessions."""

import uuid

from fastapi import APIRouter, Request, status

from models import User
from models.auth import Message, PasswordUpdate, SessionsEnded
from models.organization import OrganizationPublic
from models.user import AuthSessionPublic, UserPublic, UserUpdate

from ..services import auth, organizations, sessions, users
from ..services.errors import ErrorCode, Invalid, NotFound
from .auth import client_address
from .deps import CallerDep, CtxDep, ReadSessionDep, SessionDep, SignedInDep

router = APIRouter(prefix='/users', tags=['users'])


@router.get('/me')
async def read_me(caller: CallerDep, session: ReadSessionDep) -> UserPublic:
    """The caller (Bearer + X-Org-Id)."""
    user = await session.get(User, caller.user_id)
    if user is None:
        raise NotFound('User not found', code=ErrorCode.USER_NOT_FOUND)
    return UserPublic.model_validate(user)


@router.put('/me')
async def update_me(body: UserUpdate, caller: CallerDep, session: SessionDep) -> UserPublic:
    """Change the caller's profile and preferences (only the fields sent).

    Preferences: ``language`` (``en`` | ``pt-BR``), ``timezone`` (an IANA name such as ``America/Sao_Paulo``),
    ``density`` (``comfortable`` | ``compact``) and ``theme`` (``light`` | ``dark`` | ``system``); any other value
    is a 422 naming the field.
    """
    user = await users.update_profile(session, user_id=caller.user_id, changes=body)
    return UserPublic.model_validate(user)


@router.patch('/me')
async def patch_me(body: UserUpdate, caller: CallerDep, session: SessionDep) -> UserPublic:
    """The same as ``PUT /users/me``: only the fields sent change (e.g. ``{"theme": "dark"}``)."""
    user = await users.update_profile(session, user_id=caller.user_id, changes=body)
    return UserPublic.model_validate(user)


@router.put('/me/password', status_code=status.HTTP_204_NO_CONTENT)
async def update_password(body: PasswordUpdate, request: Request, caller: CallerDep, ctx: CtxDep) -> None:
    """Change the password and stay signed in with the same tokens (LovedCRM's web client path); 204.

    Every other session of the user is revoked. A differing confirmation is a 422.
    """
    if body.confirm_password is not None and body.confirm_password != body.new_password:
        raise Invalid('New password and confirmation do not match', code=ErrorCode.PASSWORD_CONFIRMATION_MISMATCH)
    await auth.change_password(
        ctx.db,
        hasher=ctx.hasher,
        throttle=ctx.password_checks,
        address=client_address(request),
        user_id=caller.user_id,
        session_id=caller.session_id,
        current_password=body.current_password,
        new_password=body.new_password,
    )


@router.get('/me/organizations')
async def my_organizations(signed_in: SignedInDep, session: ReadSessionDep) -> list[OrganizationPublic]:
    """Every active organization the user belongs to (Bearer only)."""
    rows = await organizations.user_organizations(session, user_id=signed_in.user_id)
    return [OrganizationPublic.model_validate(org) for org, _role in rows]


@router.get('/me/sessions')
async def my_sessions(signed_in: SignedInDep, session: ReadSessionDep) -> list[AuthSessionPublic]:
    """The caller's live sessions, the current one first (Bearer only)."""
    return await sessions.live_sessions(
        session, user_id=signed_in.user_id, current_session_id=signed_in.claims.session_id
    )


@router.post('/me/sessions/revoke-all')
async def end_other_sessions(signed_in: SignedInDep, session: SessionDep) -> SessionsEnded:
    """End every session of the caller but the current one; their boards and sockets close at once."""
    ended = await sessions.end_other_sessions(
        session, user_id=signed_in.user_id, current_session_id=signed_in.claims.session_id
    )
    return SessionsEnded(message='Other sessions ended', revoked=ended)


@router.delete('/me/sessions/{session_id}')
async def end_session(session_id: uuid.UUID, signed_in: SignedInDep, session: SessionDep) -> Message:
    """End one of the caller's sessions (404 for any other id); its boards and sockets close at once."""
    await sessions.end_session(session, user_id=signed_in.user_id, session_id=session_id)
    return Message(message='Session ended')
