"""Password hashing (passlib API from libpass, argon2) and JWTs (PyJWT, HS256 pinned)."""

import asyncio
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

import jwt
from passlib.context import CryptContext

from models.types import utcnow

from .config import Settings
from .services.errors import ErrorCode, ServiceUnavailable

T = TypeVar('T')
TokenType = Literal['access', 'refresh']
ALGORITHM = 'HS256'
# org_id and role are present on every token we issue but may be null (a user with no organization);
# PyJWT's 'require' rejects null values, so those two are checked by the tenancy guard instead.
REQUIRED_CLAIMS = ['sub', 'email', 'type', 'iat', 'exp', 'iss', 'jti', 'sid']


class TokenError(Exception):
    """A token that cannot be used; ``detail`` is the API's message for it, ``code`` its stable code."""

    def __init__(self, detail: str, code: ErrorCode = ErrorCode.TOKEN_INVALID) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class PasswordHasher:
    """argon2 hashing in a small, bounded pool of worker threads.

    The pool has ``password_hash_workers`` threads; at most ``password_hash_queue`` more checks may
    wait for one. Beyond that a check is refused at once (503 ``password_work_busy`` with
    ``Retry-After``) instead of queueing without bound: a flood of sign-ins then costs the server a
    fixed amount of CPU and memory, and the event loop and the database pool stay free for everyone else.
    """

    def __init__(self, settings: Settings) -> None:
        self._context = CryptContext(
            schemes=['argon2'],
            argon2__rounds=settings.password_hash_rounds,
            argon2__memory_cost=settings.password_hash_memory_kib,
            argon2__parallelism=1,
        )
        self.workers = settings.password_hash_workers
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix='argon2')
        self.capacity = self.workers + settings.password_hash_queue
        self.in_flight = 0
        # verified against unknown e-mails so that "no such user" costs as much as "wrong password"
        self._dummy_hash = self._context.hash(uuid.uuid4().hex)

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        if self.in_flight >= self.capacity:
            raise ServiceUnavailable(
                'The server is busy checking passwords; try again in a moment',
                code=ErrorCode.PASSWORD_WORK_BUSY,
                headers={'Retry-After': '1'},
            )
        self.in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)
        finally:
            self.in_flight -= 1

    async def hash(self, password: str) -> str:
        """Hash a password."""
        return await self._run(self._context.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Check a password; a missing hash still costs one verification."""
        valid = await self._run(self._context.verify, password, password_hash or self._dummy_hash)
        return bool(valid) and bool(password_hash)

    def close(self) -> None:
        """Stop the worker threads (checks in progress finish)."""
        self._executor.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class TokenClaims:
    """The verified claims of one of our tokens."""

    user_id: uuid.UUID
    email: str
    organization_id: uuid.UUID | None
    role: str | None
    type: TokenType
    session_id: uuid.UUID
    token_id: str
    issued_at: datetime
    expires_at: datetime


class TokenService:
    """Issues and verifies access and refresh tokens."""

    def __init__(self, settings: Settings) -> None:
        if not settings.secret_key:
            raise RuntimeError('SECRET_KEY is not set')
        self._key = settings.secret_key
        self._issuer = settings.jwt_issuer
        self.access_lifetime = timedelta(minutes=settings.access_token_expire_minutes)
        self.refresh_lifetime = timedelta(days=settings.refresh_token_expire_days)

    def issue(
        self,
        *,
        user_id: uuid.UUID,
        email: str,
        organization_id: uuid.UUID | None,
        role: str | None,
        session_id: uuid.UUID,
        token_type: TokenType,
    ) -> str:
        """Sign a token of the given type for one session."""
        now = utcnow()
        lifetime = self.access_lifetime if token_type == 'access' else self.refresh_lifetime
        claims: dict[str, Any] = {
            'sub': str(user_id),
            'email': email,
            'org_id': str(organization_id) if organization_id else None,
            'role': role,
            'type': token_type,
            'iat': int(now.timestamp()),
            'exp': int((now + lifetime).timestamp()),
            'iss': self._issuer,
            'jti': uuid.uuid4().hex,
            'sid': str(session_id),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def verify(self, token: str, *, expected_type: TokenType) -> TokenClaims:
        """Verify signature, algorithm, issuer, expiry, required claims and type."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],  # pinned: never trust the header's "alg"
                issuer=self._issuer,
                options={'require': REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenError('Unauthorized - token expired', ErrorCode.TOKEN_EXPIRED) from exc
        except jwt.PyJWTError as exc:
            raise TokenError('Unauthorized - invalid token') from exc
        if claims.get('type') != expected_type:
            raise TokenError('Invalid token type', ErrorCode.TOKEN_TYPE_INVALID)
        try:
            org = claims.get('org_id')
            return TokenClaims(
                user_id=uuid.UUID(str(claims['sub'])),
                email=str(claims['email']),
                organization_id=uuid.UUID(str(org)) if org else None,
                role=claims.get('role'),
                type=expected_type,
                session_id=uuid.UUID(str(claims['sid'])),
                token_id=str(claims['jti']),
                issued_at=datetime.fromtimestamp(claims['iat'], tz=utcnow().tzinfo),
                expires_at=datetime.fromtimestamp(claims['exp'], tz=utcnow().tzinfo),
            )
        except (ValueError, TypeError, KeyError) as exc:
            raise TokenError('Unauthorized - invalid token') from exc
