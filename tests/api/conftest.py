"""Fixtures for the API contract tests: hand-made tokens, other settings, changes only an operator can make."""

import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from lovedcrm_ui.api.setup import install_api
from lovedcrm_ui.config import Settings
from lovedcrm_ui.context import AppContext
from models import Invite, Membership, User

ApiFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def api_with(settings: Settings) -> AsyncIterator[ApiFactory]:
    """Factory: a client for an app on the same database whose settings differ (e.g. lower rate limits)."""
    async with AsyncExitStack() as stack:

        async def _api_with(**overrides: Any) -> httpx.AsyncClient:
            context = AppContext.build(settings.model_copy(update=overrides))
            stack.push_async_callback(context.close)
            app = FastAPI()
            install_api(app, context)
            transport = httpx.ASGITransport(app=app, client=('127.0.0.1', 50000))
            client = httpx.AsyncClient(transport=transport, base_url='http://testserver')
            return await stack.enter_async_context(client)

        yield _api_with


class Jwt:
    """Reads and forges tokens with the server's key, as an attacker or a clock never could."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of a token the server issued."""
        return jwt.decode(token, self.settings.secret_key, algorithms=['HS256'], issuer=self.settings.jwt_issuer)

    def forge(
        self,
        token: str,
        *,
        key: str | None = None,
        algorithm: str = 'HS256',
        drop: tuple[str, ...] = (),
        **changes: Any,
    ) -> str:
        """``token`` with claims changed or dropped, signed with ``key`` (the server's by default)."""
        claims = {name: value for name, value in {**self.claims(token), **changes}.items() if name not in drop}
        if algorithm == 'none':
            return jwt.encode(claims, None, algorithm='none')
        with warnings.catch_warnings():  # PyJWT warns that the test key is short for HS512; that is not the point
            warnings.simplefilter('ignore')
            return jwt.encode(claims, key or self.settings.secret_key, algorithm=algorithm)

    def expired(self, token: str) -> str:
        """A correctly signed copy of ``token`` that expired a minute ago."""
        now = datetime.now(UTC)
        return self.forge(
            token,
            iat=int((now - timedelta(minutes=20)).timestamp()),
            exp=int((now - timedelta(minutes=1)).timestamp()),
        )


@pytest.fixture
def tokens(settings: Settings) -> Jwt:
    """Token reader and forger bound to this test's secret key."""
    return Jwt(settings)


class Operator:
    """Changes that have no API: what an administrator, or the passing of time, does to the database."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def deactivate_user(self, user_id: str) -> None:
        """Disable an account."""
        await self._update(update(User).where(User.id == uuid.UUID(user_id)).values(is_active=False))

    async def end_membership(self, user_id: str, org_id: str) -> None:
        """End a membership behind the user's back (their token stays valid)."""
        await self._update(
            update(Membership)
            .where(Membership.user_id == uuid.UUID(user_id), Membership.organization_id == uuid.UUID(org_id))
            .values(is_active=False)
        )

    async def expire_invite(self, invite_id: str) -> None:
        """Let an invite's expiry date pass."""
        past = datetime.now(UTC) - timedelta(hours=1)
        await self._update(update(Invite).where(Invite.id == uuid.UUID(invite_id)).values(expires_at=past))

    async def invite_token(self, invite_id: str) -> str:
        """The token of the invite link, as the invitee reads it in the e-mail."""
        async with self.ctx.db.session(read_only=True) as session:
            token = await session.scalar(select(Invite.token).where(Invite.id == uuid.UUID(invite_id)))
        assert token
        return token

    async def _update(self, statement: Any) -> None:
        async with self.ctx.db.session() as session:
            result = await session.execute(statement)
            assert result.rowcount == 1
            await session.commit()


@pytest.fixture
def operator(ctx: AppContext) -> Operator:
    """Database changes outside the API, on this test's database."""
    return Operator(ctx)
