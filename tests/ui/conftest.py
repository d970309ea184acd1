"""Simulated users (NiceGUI's ``user`` fixture) on the real main.py, one fresh database per test."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from accounts import PASSWORD
from nicegui import Client, app
from nicegui.testing import User
from nicegui.testing.user_simulation import user_simulation
from per_page_calls import calls_routed_per_page
from sqlalchemy import update

from lovedcrm_ui.config import Settings
from lovedcrm_ui.context import AppContext
from lovedcrm_ui.services import auth, invites
from lovedcrm_ui.services.access import Caller
from models import Membership, Role, utcnow


@pytest.fixture
def ui_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """main.py reads its settings from the environment: point it at this test's database."""
    values = {
        'LOVEDCRM_ENV': 'test',
        'DATABASE_URL': settings.database_url,
        'LOVEDCRM_DATA_DIR': str(settings.data_dir),
        'SECRET_KEY': settings.secret_key,
        'STORAGE_SECRET': settings.storage_secret,
        'PASSWORD_HASH_ROUNDS': '1',
        'PASSWORD_HASH_MEMORY_KIB': '64',
        'LOVEDCRM_SKIP_MIGRATIONS': '1',  # the template database is migrated already
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return settings


@pytest.fixture
async def user(ui_env: Settings, request: pytest.FixtureRequest) -> AsyncIterator[User]:
    """NiceGUI's simulated user, running our main.py against this test's database."""
    from nicegui.testing.general_fixtures import get_path_to_main_file

    with calls_routed_per_page():  # two people signed in: each one's ui.navigate / ui.notify stays theirs
        async with user_simulation(main_file=get_path_to_main_file(request)) as simulated:
            yield simulated
            close_every_page()


def close_every_page() -> None:
    """Delete the pages still open at the end of a test, as the server does when a browser goes away.

    NiceGUI's simulation only forgets them (``Client.instances.clear()``); a page with a ``ui.dialog`` then lives
    on — the dialog's canary finalizer holds the dialog, the dialog its page — so every test left its pages in
    memory and each later test's full garbage collections walked them all: by the end of a run, set-up and
    tear-down of a UI test took 6 s each instead of 0.3 s.
    """
    for client in list(Client.instances.values()):
        client.delete()


@pytest.fixture
def app_ctx(user: User) -> AppContext:
    """The context main.py built (same database, bus and presence as the pages)."""
    return app.state.ctx  # type: ignore[no-any-return]


@dataclass
class Person:
    """A registered user with their organization."""

    user_id: uuid.UUID
    email: str
    name: str
    organization_id: uuid.UUID
    role: str = 'owner'

    def caller(self, session_id: uuid.UUID | None = None) -> Caller:
        return Caller(self.user_id, self.email, self.organization_id, self.role, session_id or uuid.uuid4())


@pytest.fixture
def person(app_ctx: AppContext):  # type: ignore[no-untyped-def]
    """Factory: register someone (their own organization), or add them to ``team_of``'s organization."""

    async def _person(name: str, *, team_of: Person | None = None, role: str = 'member') -> Person:
        email = f'{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.com'
        async with app_ctx.db.session() as session:
            result = await auth.register(
                session,
                hasher=app_ctx.hasher,
                tokens=app_ctx.tokens,
                email=email,
                password=PASSWORD,
                full_name=name,
                terms_accepted=True,
            )
        assert result.organization is not None
        someone = Person(result.user.id, email, name, result.organization.id)
        if team_of is None:
            return someone
        async with app_ctx.db.session() as session:
            view = await invites.create_invite(
                session,
                caller=team_of.caller(),
                email=email,
                role=Role(role),
                message=None,
                invited_name=None,
                expire_days=7,
            )
        async with app_ctx.db.session() as session:
            await invites.accept_invite(session, token=view.invite.token, user_id=someone.user_id)
        async with app_ctx.db.session() as session:
            # their next sign-in lands in the team's organization (the most recently used one)
            await session.execute(
                update(Membership)
                .where(Membership.user_id == someone.user_id, Membership.organization_id == team_of.organization_id)
                .values(last_used_at=utcnow())
            )
            await session.commit()
        return Person(someone.user_id, email, name, team_of.organization_id, role)

    return _person
