"""``/users/me``: the caller's profile and organizations."""

from fastapi import APIRouter

from models import User
from models.organization import OrganizationPublic
from models.user import UserPublic, UserUpdate

from ..services import organizations, users
from ..services.errors import ErrorCode, NotFound
from .deps import CallerDep, ReadSessionDep, SessionDep, SignedInDep

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
    """Change the caller's profile (only the fields sent)."""
    user = await users.update_profile(session, user_id=caller.user_id, changes=body)
    return UserPublic.model_validate(user)


@router.get('/me/organizations')
async def my_organizations(signed_in: SignedInDep, session: ReadSessionDep) -> list[OrganizationPublic]:
    """Every active organization the user belongs to (Bearer only)."""
    rows = await organizations.user_organizations(session, user_id=signed_in.user_id)
    return [OrganizationPublic.model_validate(org) for org, _role in rows]
