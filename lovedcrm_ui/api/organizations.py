"""``/organizations/*``: the current organization, its members and its invites."""

import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Body, Query, Request, status

from models import InviteStatus, Role, User
from models.auth import Message
from models.invite import InviteCreate, InvitePublic, InviteStats
from models.organization import (
    LostReasons,
    MemberPublic,
    OrganizationDetail,
    OrganizationUpdate,
    RoleUpdate,
    StageProbabilities,
)
from models.types import MAX_OFFSET

from ..config import Settings
from ..services import forecast, invites, mail, organizations, outcomes
from ..services.password_reset import link_base
from ..ui.i18n import translator
from ..ui.mails import invite_link, invite_mail
from .deps import CallerDep, CtxDep, ReadSessionDep, SessionDep

log = logging.getLogger(__name__)
router = APIRouter(prefix='/organizations', tags=['organizations'])


@router.get('/current')
async def current(caller: CallerDep, session: ReadSessionDep) -> OrganizationDetail:
    """The organization of the request."""
    org = await organizations.get_organization(session, organization_id=caller.organization_id)
    return OrganizationDetail.model_validate(org, from_attributes=True)


@router.put('/current')
async def update_current(body: OrganizationUpdate, caller: CallerDep, session: SessionDep) -> OrganizationDetail:
    """Change the organization (owner/admin)."""
    org = await organizations.update_organization(session, caller=caller, changes=body)
    return OrganizationDetail.model_validate(org, from_attributes=True)


@router.get('/current/lost-reasons')
async def lost_reasons(caller: CallerDep, session: ReadSessionDep) -> LostReasons:
    """The reasons offered when a deal is lost, as the organization typed them (any member)."""
    return LostReasons(reasons=await outcomes.lost_reasons(session, organization_id=caller.organization_id))


@router.put('/current/lost-reasons')
async def set_lost_reasons(body: LostReasons, caller: CallerDep, session: SessionDep) -> LostReasons:
    """Replace the list of lost reasons (owner/admin): at most 30, each 1 to 60 characters, no duplicates."""
    return LostReasons(reasons=await outcomes.set_lost_reasons(session, caller=caller, reasons=body))


@router.get('/current/stage-probabilities')
async def stage_probabilities(caller: CallerDep, session: ReadSessionDep) -> StageProbabilities:
    """Percent (0 to 100) per stage that a lead without its own ``probability`` counts with (any member)."""
    found = await forecast.stage_probabilities(session, organization_id=caller.organization_id)
    return StageProbabilities.model_validate(found)


@router.put('/current/stage-probabilities')
async def set_stage_probabilities(
    body: StageProbabilities, caller: CallerDep, session: SessionDep
) -> StageProbabilities:
    """Change the percent of the stages sent (owner/admin): each 0 to 100; stages left out keep theirs.

    An unknown stage or a percent outside 0..100 is 422. Open boards re-read their weighted totals.
    """
    saved = await forecast.set_stage_probabilities(session, caller=caller, probabilities=body)
    return StageProbabilities.model_validate(saved)


@router.get('/members')
async def members(caller: CallerDep, session: ReadSessionDep) -> list[MemberPublic]:
    """Active members with their users."""
    return await organizations.list_members(session, organization_id=caller.organization_id)


@router.put('/members/{user_id}')
async def change_role(user_id: uuid.UUID, body: RoleUpdate, caller: CallerDep, session: SessionDep) -> MemberPublic:
    """Change a member's role (owner/admin; the last owner stays an owner)."""
    return await organizations.change_role(session, caller=caller, user_id=user_id, role=body.role)


@router.patch('/members/{user_id}')
async def patch_role(
    user_id: uuid.UUID, body: Annotated[RoleUpdate | Role, Body()], caller: CallerDep, session: SessionDep
) -> MemberPublic:
    """The same as ``PUT``; the body may also be the bare role (``"admin"``), as LovedCRM's web client sends it."""
    role = body.role if isinstance(body, RoleUpdate) else body
    return await organizations.change_role(session, caller=caller, user_id=user_id, role=role)


@router.put('/members/{user_id}/role')
async def put_role(user_id: uuid.UUID, new_role: Role, caller: CallerDep, session: SessionDep) -> MemberPublic:
    """The same as ``PUT /organizations/members/{user_id}``, in LovedCRM's backend form (``?new_role=admin``)."""
    return await organizations.change_role(session, caller=caller, user_id=user_id, role=new_role)


@router.delete('/members/{user_id}')
async def remove_member(user_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> Message:
    """Remove a member (owner/admin; never the last owner)."""
    await organizations.remove_member(session, caller=caller, user_id=user_id)
    return Message(message='Member removed')


@router.post('/invites', status_code=status.HTTP_201_CREATED)
async def create_invite(
    body: InviteCreate,
    request: Request,
    background: BackgroundTasks,
    caller: CallerDep,
    session: SessionDep,
    ctx: CtxDep,
) -> InvitePublic:
    """Invite an e-mail address (owner/admin); the token travels only in the invite link.

    With SMTP configured the link is e-mailed (after the answer, in the inviter's language), as the
    Team page does: an API client such as LovedCRM's web client never sees the token.
    """
    view = await invites.create_invite(
        session,
        caller=caller,
        email=body.email,
        role=body.role,
        message=body.message,
        invited_name=body.invited_name,
        expire_days=ctx.settings.invite_expire_days,
    )
    base = link_base(ctx.settings, str(request.base_url))
    if ctx.settings.mail_enabled and base is not None:
        inviter = await session.get(User, caller.user_id)
        language = inviter.language if inviter else 'pt-BR'
        letter = invite_mail(
            translator(language),
            language=language,
            to=view.invite.email,
            inviter=view.invited_by_name or '',
            organization=view.organization.name,
            role=view.invite.role,
            message=view.invite.message,
            link=invite_link(base, view.invite.token),
            expires_at=view.invite.expires_at,
        )
        background.add_task(_send_invite, ctx.settings, letter)
    elif ctx.settings.mail_enabled:
        log.error('invite e-mail to %s not sent: set PUBLIC_URL, the address of the links in e-mails', body.email)
    return view.public()


async def _send_invite(settings: Settings, letter: mail.Mail) -> None:
    try:
        await mail.send_mail(settings, letter)
    except mail.MailError as exc:  # the invite stays valid; the Team page still shows its link
        log.warning('invite e-mail to %s was not sent: %s', letter.to, exc)


@router.get('/invites')
async def list_invites(
    caller: CallerDep,
    session: ReadSessionDep,
    status_filter: InviteStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[InvitePublic]:
    """The organization's invites, newest first."""
    views = await invites.list_invites(
        session, organization_id=caller.organization_id, status=status_filter, limit=limit, offset=offset
    )
    return [view.public() for view in views]


@router.get('/invites/stats')
async def invite_stats(caller: CallerDep, session: ReadSessionDep) -> InviteStats:
    """Counts by status."""
    return await invites.invite_stats(session, organization_id=caller.organization_id)


@router.delete('/invites/{invite_id}')
async def cancel_invite(invite_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> Message:
    """Cancel a pending invite (owner/admin)."""
    invite = await invites.cancel_invite(session, caller=caller, invite_id=invite_id)
    return Message(message=f'Invite to {invite.email} has been cancelled')
