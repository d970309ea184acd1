"""A user's own profile."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from models import User, utcnow
from models.user import UserUpdate

from .errors import ErrorCode, NotFound

REQUIRED_FIELDS = {'full_name', 'timezone', 'language', 'density', 'theme'}


async def update_profile(session: AsyncSession, *, user_id: uuid.UUID, changes: UserUpdate) -> User:
    """Change only the fields sent; null leaves a required field as it is."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound('User not found', code=ErrorCode.USER_NOT_FOUND)
    values = {
        key: value.strip() if isinstance(value, str) else value
        for key, value in changes.model_dump(exclude_unset=True).items()
        if not (key in REQUIRED_FIELDS and value is None)
    }
    user.sqlmodel_update(values, update={'updated_at': utcnow()})
    await session.commit()
    return user
