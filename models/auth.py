"""Request and response schemas of the auth endpoints (no tables)."""

import uuid
from typing import Annotated

from pydantic import EmailStr, field_validator
from pydantic import Field as Rule
from sqlmodel import SQLModel

from .organization import OrganizationPublic
from .types import TEXT_RULE, PlainText
from .user import MARKUP as MARKUP  # re-exported: the UI's registration form uses the same rule
from .user import DisplayName, UserPublic

Password = Annotated[str, Rule(min_length=1, max_length=128), TEXT_RULE]


class RegisterRequest(SQLModel):
    """``POST /auth/register``; unknown fields (e.g. ``confirm_password``) are ignored."""

    email: EmailStr
    password: Password
    full_name: DisplayName = None
    terms_accepted: bool

    @field_validator('email')
    @classmethod
    def _local_part_length(cls, value: str) -> str:
        # RFC 5321 limit; email-validator 2.x no longer enforces it
        if len(value.rsplit('@', 1)[0]) > 64:
            raise ValueError('the part of the e-mail address before the @ must be at most 64 characters')
        return value


class LoginRequest(SQLModel):
    """``POST /auth/login``."""

    email: EmailStr
    password: Password


class RefreshRequest(SQLModel):
    """``POST /auth/refresh`` (the cookie is the fallback)."""

    refresh_token: PlainText | None = None


class LogoutRequest(SQLModel):
    """``POST /auth/logout`` (optional body)."""

    refresh_token: PlainText | None = None


class SwitchOrganizationRequest(SQLModel):
    """``POST /auth/switch-organization``."""

    organization_id: uuid.UUID


class ChangePasswordRequest(SQLModel):
    """``POST /auth/change-password``."""

    current_password: Password
    new_password: Password


class PasswordUpdate(ChangePasswordRequest):
    """``PUT /users/me/password`` (LovedCRM's web client); a ``confirm_password`` sent must equal ``new_password``."""

    confirm_password: Password | None = None


class AuthResponse(SQLModel):
    """What register, login, refresh and switch-organization return."""

    user: UserPublic
    organization: OrganizationPublic | None
    access_token: str
    refresh_token: str
    token_type: str = 'bearer'


class Message(SQLModel):
    """A plain confirmation."""

    message: str


class SessionsEnded(Message):
    """``POST /users/me/sessions/revoke-all``: how many other sessions ended."""

    revoked: int


class ForgotPasswordRequest(SQLModel):
    """``POST /auth/forgot-password``: where to send a reset link (answered alike whether an account exists)."""

    email: EmailStr


class ResetPasswordRequest(SQLModel):
    """``POST /auth/reset-password``: the token of the e-mailed link and the new password."""

    token: Annotated[str, Rule(min_length=1, max_length=256), TEXT_RULE]
    new_password: Password
