"""A user's login sessions: the list they see, ending one or all others, and when each was last used."""

import asyncio
import logging
import re
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import AuthSession, utcnow
from models.user import AuthSessionPublic

from ..db import Database, queue_event
from ..db_health import DatabaseHealth
from ..events import AccessChange, AccessKind
from .auth import revoke_user_sessions
from .errors import ErrorCode, NotFound

log = logging.getLogger(__name__)

TOUCH_INTERVAL_SECONDS = 60.0  # a session's last_used_at is written at most this often on ordinary use

# (pattern, name), first match wins: Edge and Opera also say "Chrome", Chrome also says "Safari"
BROWSERS = (
    (re.compile(r'Edg(e|A|iOS)?/'), 'Edge'),
    (re.compile(r'OPR/|Opera'), 'Opera'),
    (re.compile(r'Firefox/|FxiOS/'), 'Firefox'),
    (re.compile(r'Chrome/|CriOS/|Chromium/'), 'Chrome'),
    (re.compile(r'Safari/'), 'Safari'),
    (re.compile(r'^curl/'), 'curl'),
    (re.compile(r'python-httpx|python-requests|aiohttp'), 'Python'),
    (re.compile(r'^node|axios'), 'Node.js'),
)
SYSTEMS = (
    (re.compile(r'iPhone'), 'iPhone'),
    (re.compile(r'iPad'), 'iPad'),
    (re.compile(r'Android'), 'Android'),
    (re.compile(r'Windows'), 'Windows'),
    (re.compile(r'Mac OS X|Macintosh'), 'macOS'),
    (re.compile(r'CrOS'), 'ChromeOS'),
    (re.compile(r'Linux|X11'), 'Linux'),
)


@dataclass(frozen=True)
class Device:
    """What a User-Agent says in words a person recognises; None where it does not say."""

    browser: str | None
    system: str | None

    def describe(self, joiner: str = ' on ') -> str:
        """'Chrome on Linux', 'Firefox', 'Unknown device' (``joiner`` in the reader's language)."""
        if self.browser and self.system:
            return f'{self.browser}{joiner}{self.system}'
        return self.browser or self.system or 'Unknown device'


def device_of(user_agent: str | None) -> Device:
    """The browser and operating system named by a User-Agent header."""
    text = user_agent or ''
    browser = next((name for pattern, name in BROWSERS if pattern.search(text)), None)
    system = next((name for pattern, name in SYSTEMS if pattern.search(text)), None)
    return Device(browser, system)


async def live_sessions(
    session: AsyncSession, *, user_id: uuid.UUID, current_session_id: uuid.UUID | None
) -> list[AuthSessionPublic]:
    """The user's sessions that are neither revoked nor expired: the current one first, then by last use."""
    rows = await session.execute(
        select(AuthSession).where(
            col(AuthSession.user_id) == user_id,
            col(AuthSession.revoked_at).is_(None),
            col(AuthSession.expires_at) > utcnow(),
        )
    )
    listed = [_public(row, current_session_id) for row in rows.scalars()]
    listed.sort(key=lambda s: (not s.is_current, -s.last_used_at.timestamp()))
    return listed


def _public(row: AuthSession, current_session_id: uuid.UUID | None) -> AuthSessionPublic:
    last_used = row.last_used_at or row.created_at
    current = row.id == current_session_id
    return AuthSessionPublic(
        id=row.id,
        created_at=row.created_at,
        last_used_at=last_used,
        user_agent=row.user_agent,
        ip_address=row.ip_address,
        is_current=current,
        device=device_of(row.user_agent).describe(),
        ip=row.ip_address,
        location=row.ip_address or '',
        last_active=last_used,
        current=current,
    )


async def end_session(session: AsyncSession, *, user_id: uuid.UUID, session_id: uuid.UUID) -> None:
    """Revoke one of the user's live sessions (its boards and sockets close); anyone else's is NotFound."""
    row = await session.get(AuthSession, session_id, with_for_update=True)
    if row is None or row.user_id != user_id or row.revoked_at is not None or row.expires_at <= utcnow():
        raise NotFound('Session not found', code=ErrorCode.SESSION_NOT_FOUND)
    row.revoked_at = utcnow()
    queue_event(session, AccessChange(AccessKind.SESSION_REVOKED, user_id=user_id, session_id=session_id))
    await session.commit()


async def end_other_sessions(session: AsyncSession, *, user_id: uuid.UUID, current_session_id: uuid.UUID) -> int:
    """Revoke every live session of the user but the current one; returns how many ended."""
    ended = await revoke_user_sessions(session, user_id, except_session_id=current_session_id)
    await session.commit()
    return ended


class SessionActivity:
    """Keeps ``last_used_at`` roughly current without a write on every request.

    ``seen`` is synchronous and costs a dictionary lookup: a session is marked at most once per
    ``interval``, and one owned task writes the marked sessions in a single UPDATE off the request path.
    Memory is bounded by ``max_tracked`` (the oldest entries are forgotten; they are written again sooner).
    """

    def __init__(
        self,
        db: Database,
        health: DatabaseHealth,
        *,
        interval: float = TOUCH_INTERVAL_SECONDS,
        max_tracked: int = 100_000,
    ) -> None:
        self.db = db
        self.health = health
        self.interval = interval
        self.max_tracked = max_tracked
        self._marked: OrderedDict[uuid.UUID, float] = OrderedDict()
        self._pending: set[uuid.UUID] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def seen(self, session_id: uuid.UUID) -> None:
        """The session was just used (an authenticated request, a socket, a page)."""
        now = time.monotonic()
        last = self._marked.get(session_id)
        if self._closed or (last is not None and now - last < self.interval):
            return
        self._marked[session_id] = now
        self._marked.move_to_end(session_id)
        while len(self._marked) > self.max_tracked:
            self._marked.popitem(last=False)
        self._pending.add(session_id)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._write_marked(), name='session-activity')
        self._wake.set()

    async def _write_marked(self) -> None:
        while not self._closed:
            await self._wake.wait()
            self._wake.clear()
            marked, self._pending = self._pending, set()
            if not marked:
                continue
            try:
                async with self.db.session() as session:
                    await session.execute(
                        update(AuthSession)
                        .where(col(AuthSession.id).in_(marked), col(AuthSession.revoked_at).is_(None))
                        .values(last_used_at=utcnow())
                    )
                    await session.commit()
            except Exception as exc:  # an outage is logged once by ``health``; the next use tries again
                for session_id in marked:
                    self._marked.pop(session_id, None)
                if self.health.refusal(exc) is None:
                    log.warning('could not record session use: %r', exc)

    async def close(self) -> None:
        """Stop the writer (what is still marked is not written: it is at most a minute of use)."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
