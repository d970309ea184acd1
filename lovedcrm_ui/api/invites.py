"""``/invites/{token}``: the public side of an invite link."""

from typing import Annotated

from fastapi import APIRouter, Path, Request

from models.auth import Message
from models.invite import InviteAccepted, InviteAnswer, InviteDetails, InviteToken

from ..security import TokenError
from ..services import invites
from ..services.access import check_session
from ..services.errors import BadRequest, ErrorCode, NotFound, Unauthorized
from .deps import CtxDep, ReadSessionDep, SessionDep
from .guard import bearer_token

router = APIRouter(prefix='/invites', tags=['invites'])

TokenPath = Annotated[InviteToken, Path()]  # a NUL or an oversized token is a 422, never a query


@router.get('/{token}')
async def show(token: TokenPath, session: ReadSessionDep) -> InviteDetails:
    """What the invite offers (404 for unknown or answered invites)."""
    view = await invites.invite_by_token(session, token=token)
    if view is None or not view.invite.status == 'pending':
        raise NotFound('Invalid or expired invite', code=ErrorCode.INVITE_INVALID)
    return view.details()


@router.post('/{token}/accept')
async def accept(
    token: TokenPath, body: InviteAnswer, request: Request, ctx: CtxDep, session: SessionDep
) -> InviteAccepted:
    """Join the organization (with a Bearer token, the signed-in user's e-mail must match)."""
    if body.token != token:
        raise BadRequest('Token mismatch', code=ErrorCode.INVITE_TOKEN_MISMATCH)
    user_id = None
    bearer = bearer_token(request.headers.get('authorization'))
    if bearer:
        try:
            claims = ctx.tokens.verify(bearer, expected_type='access')
        except TokenError as exc:
            raise Unauthorized(exc.detail, code=exc.code) from exc
        # a signed-out (revoked) or disabled session must not act for its user
        user_id = (await check_session(session, user_id=claims.user_id, session_id=claims.session_id)).id
    view = await invites.accept_invite(session, token=token, user_id=user_id)
    return InviteAccepted(
        message=f'You have joined {view.organization.name}',
        organization_id=view.organization.id,
        role=view.invite.role,
    )


@router.post('/{token}/reject')
async def reject(token: TokenPath, body: InviteAnswer, session: SessionDep) -> Message:
    """Decline the invite."""
    if body.token != token:
        raise BadRequest('Token mismatch', code=ErrorCode.INVITE_TOKEN_MISMATCH)
    view = await invites.reject_invite(session, token=token, reason=body.reason)
    return Message(message=f'Invite to {view.organization.name} has been rejected')
