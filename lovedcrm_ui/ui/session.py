"""Who is looking at a page: read from the browser session once, re-checked against the database.

Pages capture the ``Viewer`` when they are built and keep it in closures. Never read
``app.storage.user`` inside a broadcast callback: there it resolves to the user who fired the
event, not to the viewer (DESIGN.md).
"""

import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from nicegui import app, ui
from sqlalchemy.ext.asyncio import AsyncSession

from models import Organization, User

from ..context import AppContext
from ..services.access import Caller, check_member, check_session
from ..services.errors import DomainError
from ..services.organizations import user_organizations
from .i18n import DEFAULT_LANGUAGE, Translate, translator

SESSION_KEYS = ('user_id', 'organization_id', 'session_id')


@dataclass
class Viewer:
    """The signed-in person of one page, with their organization and current role."""

    user_id: uuid.UUID
    email: str
    name: str
    organization_id: uuid.UUID
    organization_name: str
    role: str
    session_id: uuid.UUID
    language: str
    idle_warning_days: int = 7
    idle_alert_days: int = 14
    timezone: str = 'UTC'  # the user's time zone preference: every time the UI shows is in it (i18n.format_datetime)
    density: str = 'comfortable'  # the board's density preference ('comfortable' | 'compact')
    theme: str = 'light'  # 'light' | 'dark' | 'system' (ui/theme.py)
    # every organization the user belongs to, (id, name) by name: the header's switcher lists them
    organizations: list[tuple[uuid.UUID, str]] = field(default_factory=list)

    @property
    def t(self) -> Translate:
        """The viewer's translation function."""
        return translator(self.language)

    @property
    def caller(self) -> Caller:
        """The same identity as services expect it."""
        return Caller(
            user_id=self.user_id,
            email=self.email,
            organization_id=self.organization_id,
            role=self.role,
            session_id=self.session_id,
        )

    @property
    def can_write(self) -> bool:
        """Viewers look; everyone else moves and edits."""
        return self.caller.can_write

    @property
    def can_manage(self) -> bool:
        """Owners and admins manage members, invites and settings."""
        return self.caller.can_manage

    async def fresh_caller(self, session: AsyncSession) -> Caller:
        """The caller re-checked in the database (session live, still a member, current role), as the API does.

        Raises Unauthorized or Forbidden; keeps ``role`` up to date.
        """
        caller = await check_member(
            session, user_id=self.user_id, session_id=self.session_id, organization_id=self.organization_id
        )
        self.role = caller.role
        return caller


async def refresh_organization(ctx: AppContext, viewer: Viewer) -> None:
    """Re-read the viewer's organization (name, idle thresholds) after someone changed it."""
    async with ctx.db.session(read_only=True, organization_id=viewer.organization_id) as session:
        organization = await session.get(Organization, viewer.organization_id)
    if organization is None:
        return
    viewer.organization_name = organization.name
    viewer.idle_warning_days, viewer.idle_alert_days = organization.idle_warning_days, organization.idle_alert_days
    viewer.organizations = [
        (org_id, organization.name if org_id == organization.id else name) for org_id, name in viewer.organizations
    ]


def page_language() -> str:
    """The language chosen in this browser (pt-BR until someone picks English)."""
    return str(app.storage.user.get('language') or DEFAULT_LANGUAGE)


def client_address() -> str:
    """The browser's address as the server saw its page request (the key of the password-check limits)."""
    try:
        request = ui.context.client.request
    except RuntimeError:  # a client without a request (not served over HTTP)
        return 'unknown'
    return request.client.host if request.client else 'unknown'


def client_user_agent() -> str | None:
    """The browser's User-Agent as its page request gave it (the owner's list of sessions shows the device)."""
    try:
        request = ui.context.client.request
    except RuntimeError:
        return None
    return request.headers.get('user-agent')


def remember_login(
    *,
    user_id: uuid.UUID,
    organization_id: uuid.UUID | None,
    session_id: uuid.UUID,
    storage: MutableMapping[str, Any] | None = None,
) -> None:
    """Keep the signed-in identity in the browser's server-side storage.

    ``storage``: the browser's ``app.storage.user`` captured when the page was built (an event handler
    then cannot write to anyone else's).
    """
    (app.storage.user if storage is None else storage).update(
        user_id=str(user_id),
        organization_id=str(organization_id) if organization_id else '',
        session_id=str(session_id),
    )


def forget_login() -> None:
    """Drop the identity (language stays)."""
    for key in SESSION_KEYS:
        app.storage.user.pop(key, None)


async def load_viewer(ctx: AppContext) -> Viewer | None:
    """The page's viewer after checking session and membership in the database, else None."""
    stored = app.storage.user
    try:
        user_id = uuid.UUID(str(stored.get('user_id')))
        session_id = uuid.UUID(str(stored.get('session_id')))
        organization_id = uuid.UUID(str(stored.get('organization_id')))
    except ValueError:
        return None
    try:
        async with ctx.db.session(read_only=True) as session:
            caller = await check_member(
                session, user_id=user_id, session_id=session_id, organization_id=organization_id
            )
            user = await session.get(User, user_id)
            organization = await session.get(Organization, organization_id)
            memberships = await user_organizations(session, user_id=user_id)
    except DomainError:
        return None
    if user is None or organization is None:
        return None
    ctx.session_activity.seen(session_id)  # "last used" in the owner's list of sessions
    return Viewer(
        user_id=user_id,
        email=user.email,
        name=user.full_name or user.email,
        organization_id=organization_id,
        organization_name=organization.name,
        role=caller.role,
        session_id=session_id,
        language=page_language(),
        idle_warning_days=organization.idle_warning_days,
        idle_alert_days=organization.idle_alert_days,
        timezone=user.timezone,
        density=user.density,
        theme=user.theme,
        organizations=[(org.id, org.name) for org, _role in memberships],
    )


@dataclass(frozen=True)
class SignedIn:
    """Whoever this browser is signed in as, whatever their organization (the invite page needs no membership)."""

    user_id: uuid.UUID
    email: str
    name: str
    session_id: uuid.UUID


async def load_signed_in(ctx: AppContext, storage: MutableMapping[str, Any] | None = None) -> SignedIn | None:
    """The browser's user when its session is live, else None (``storage``: as in ``remember_login``)."""
    stored = app.storage.user if storage is None else storage
    try:
        user_id = uuid.UUID(str(stored.get('user_id')))
        session_id = uuid.UUID(str(stored.get('session_id')))
    except ValueError:
        return None
    try:
        async with ctx.db.session(read_only=True) as session:
            user = await check_session(session, user_id=user_id, session_id=session_id)
    except DomainError:
        return None
    return SignedIn(user_id=user.id, email=user.email, name=user.full_name or user.email, session_id=session_id)


async def require_viewer(ctx: AppContext) -> Viewer | None:
    """The viewer, or a redirect: to /no-access when signed in without access, else to /login."""
    viewer = await load_viewer(ctx)
    if viewer is not None:
        return viewer
    if app.storage.user.get('session_id') and await _session_alive(ctx):
        ui.navigate.to('/no-access')
    else:
        forget_login()
        ui.navigate.to('/login')
    return None


async def _session_alive(ctx: AppContext) -> bool:
    try:
        async with ctx.db.session(read_only=True) as session:
            await check_session(
                session,
                user_id=uuid.UUID(str(app.storage.user.get('user_id'))),
                session_id=uuid.UUID(str(app.storage.user.get('session_id'))),
            )
        return True
    except (DomainError, ValueError):
        return False
