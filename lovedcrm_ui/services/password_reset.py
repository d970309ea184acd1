"""Password reset by e-mail: a single-use link, valid for a short while, of which only a hash is stored.

Asking for a link answers the same whether or not the account exists, and at the same speed: the
caller admits the request (limits, no database), answers, and only then runs ``send_reset_link``
(lookup, token, SMTP) in the background. Without SMTP nothing is sent and the log says so; an
operator resets the password instead.
"""

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlmodel import col

from models import PasswordResetToken, User, utcnow

from ..config import Settings
from ..db import Database
from ..security import PasswordHasher
from .auth import normalize_email, password_problem, revoke_user_sessions
from .errors import BadRequest, ErrorCode, TooManyRequests
from .mail import Mail, MailError, send_mail
from .ratelimit import SlidingWindowLimiter

log = logging.getLogger(__name__)

RESET_PATH = '/reset-password'  # the page of ours the link opens (lovedcrm_ui/ui/pages/password_reset.py)
TOKEN_BYTES = 32

# (pt-BR, en): the mail goes out in the account's language
MAIL_SUBJECT = ('Redefinir sua senha do LovedCRM', 'Reset your LovedCRM password')
MAIL_BODY = (
    'Olá{name},\n\nalguém (provavelmente você) pediu para redefinir a senha da sua conta no LovedCRM.\n'
    'Abra este link para escolher uma nova senha (vale por {minutes} minutos e uma única vez):\n\n{link}\n\n'
    'Ao trocar a senha, todas as suas sessões são encerradas. Se não foi você, ignore este e-mail: '
    'sua senha continua a mesma.\n',
    'Hello{name},\n\nsomeone (probably you) asked to reset the password of your LovedCRM account.\n'
    'Open this link to choose a new password (it works once, for {minutes} minutes):\n\n{link}\n\n'
    'Changing the password signs out all your sessions. If it was not you, ignore this e-mail: '
    'your password stays the same.\n',
)


class ResetRequestLimits:
    """Reset links asked for per e-mail (a mailbox cannot be flooded) and per client address, in an hour.

    The e-mail is counted whether or not an account has it, so a refusal tells nothing about accounts.
    """

    def __init__(self, *, per_email: int, per_address: int, window: float = 3600) -> None:
        self._emails = SlidingWindowLimiter(limit=per_email, window=window)
        self._addresses = SlidingWindowLimiter(limit=per_address, window=window)

    def admit(self, email: str, address: str) -> None:
        """Count one request, or raise TooManyRequests (then nothing is counted)."""
        checks = [(self._emails, normalize_email(email)), (self._addresses, address)]
        waits = [wait for limiter, key in checks if (wait := limiter.retry_after(key)) is not None]
        if waits:
            raise TooManyRequests(
                'Too many password reset requests. Try again later.',
                code=ErrorCode.PASSWORD_RESET_RATE_LIMITED,
                headers={'Retry-After': str(max(waits))},
            )
        for limiter, key in checks:
            limiter.hit(key)


@dataclass(frozen=True)
class ResetRecipient:
    """Whom a reset link goes to (copied out of the session)."""

    user_id: uuid.UUID
    email: str
    name: str | None
    language: str


def token_digest(token: str) -> str:
    """What is stored of a reset token: its SHA-256 (the token has 256 random bits; no salt needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_base(settings: Settings, request_base_url: str) -> str | None:
    """Where links in e-mails point: PUBLIC_URL, else the request's own address (never in production)."""
    if settings.public_url.strip():
        return settings.public_url.strip().rstrip('/')
    if settings.environment == 'production':
        return None  # the Host header is the client's to choose: a reset link must not follow it
    return request_base_url.rstrip('/')


def reset_link(base: str, token: str) -> str:
    """The link of the e-mail."""
    return f'{base}{RESET_PATH}?token={token}'


async def issue_reset_token(db: Database, *, email: str, lifetime: timedelta) -> tuple[ResetRecipient, str] | None:
    """A new token for the active account of ``email`` (its earlier links stop working), or None."""
    email = normalize_email(email)
    async with db.session() as session:
        user = (
            await session.execute(select(User).where(col(User.email) == email, col(User.is_active).is_(True)))
        ).scalar_one_or_none()
        if user is None:
            return None
        now = utcnow()
        await session.execute(
            update(PasswordResetToken)
            .where(col(PasswordResetToken.user_id) == user.id, col(PasswordResetToken.used_at).is_(None))
            .values(used_at=now)
        )
        token = secrets.token_urlsafe(TOKEN_BYTES)
        session.add(PasswordResetToken(user_id=user.id, token_hash=token_digest(token), expires_at=now + lifetime))
        recipient = ResetRecipient(user.id, user.email, user.full_name, user.language)
        await session.commit()
    return recipient, token


def reset_mail(recipient: ResetRecipient, link: str, minutes: int) -> Mail:
    """The e-mail with the link, in the account's language."""
    index = 1 if recipient.language == 'en' else 0
    name = f' {recipient.name}' if recipient.name else ''
    body = MAIL_BODY[index].format(name=name, minutes=minutes, link=link)
    return Mail(to=recipient.email, subject=MAIL_SUBJECT[index], body=body)


async def send_reset_link(db: Database, settings: Settings, *, email: str, request_base_url: str) -> None:
    """The slow half of "forgot password", run after the answer: look the account up, store a token, mail it.

    Never raises: whatever happens is for the operator's log, not for the person who asked.
    """
    if not settings.mail_enabled:
        log.info('password reset for %s not sent: mail is off (SMTP_HOST is empty)', email)
        return
    base = link_base(settings, request_base_url)
    if base is None:
        log.error('password reset for %s not sent: set PUBLIC_URL, the address of the links in e-mails', email)
        return
    minutes = settings.password_reset_expire_minutes
    try:
        issued = await issue_reset_token(db, email=email, lifetime=timedelta(minutes=minutes))
    except Exception as exc:
        log.warning('password reset for %s failed: %r', email, exc)
        return
    if issued is None:
        log.info('password reset for %s not sent: no active account has that e-mail', email)
        return
    recipient, token = issued
    try:
        await send_mail(settings, reset_mail(recipient, reset_link(base, token), minutes))
    except MailError as exc:
        log.warning('password reset e-mail to %s was not sent: %s', recipient.email, exc)


async def _usable_token(db: Database, token: str) -> PasswordResetToken | None:
    async with db.session(read_only=True) as session:
        row = (
            await session.execute(
                select(PasswordResetToken).where(col(PasswordResetToken.token_hash) == token_digest(token))
            )
        ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


async def reset_token_usable(db: Database, *, token: str) -> bool:
    """Whether a link's token would still be accepted (the reset page says so before anyone types)."""
    return await _usable_token(db, token) is not None


async def reset_password(db: Database, *, hasher: PasswordHasher, token: str, new_password: str) -> uuid.UUID:
    """Set a new password with a reset token (used up), revoke every session of the user; returns the user's id.

    The password rule is checked first, then the token; argon2 runs with no connection held, and the
    token is taken by a conditional update, so two requests with one token cannot both succeed.
    """
    problem = password_problem(new_password)
    if problem is not None:
        raise problem
    invalid = BadRequest('Invalid or expired reset token', code=ErrorCode.RESET_TOKEN_INVALID)
    found = await _usable_token(db, token)
    if found is None:
        raise invalid
    new_hash = await hasher.hash(new_password)
    async with db.session() as session:
        now = utcnow()
        taken = await session.execute(
            update(PasswordResetToken)
            .where(
                col(PasswordResetToken.id) == found.id,
                col(PasswordResetToken.used_at).is_(None),
                col(PasswordResetToken.expires_at) > now,
            )
            .values(used_at=now)
        )
        user = await session.get(User, found.user_id)
        if not taken.rowcount or user is None or not user.is_active:  # type: ignore[attr-defined]
            raise invalid
        user.password_hash = new_hash
        user.updated_at = now
        await revoke_user_sessions(session, user.id)
        await session.commit()
    log.info('password of user %s reset by e-mail link; every session revoked', user.id)
    return user.id
