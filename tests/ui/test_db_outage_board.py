"""The board while the link to PostgreSQL is cut (tests/tcp_proxy.py): a banner, no drags, nothing lost, then back."""

from collections.abc import Iterator

import pytest
from nicegui.testing import User
from tcp_proxy import TcpProxy
from ui_helpers import add_lead, board_of, sign_in, the, until

from lovedcrm_ui.config import Settings
from lovedcrm_ui.services.board import BoardFilter, board_columns
from lovedcrm_ui.ui.frame import ConnectionIndicator

BANNER = 'Sem conexão com o banco de dados — tentando novamente'


@pytest.fixture(autouse=True)
def postgres_only(db_backend: str) -> None:
    """The proxy stands between the app and PostgreSQL; SQLite has no link to cut."""
    if db_backend != 'postgres':
        pytest.skip('the outage is a cut link to PostgreSQL')


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    """A loopback proxy between main.py and PostgreSQL."""
    with TcpProxy() as running:
        yield running


@pytest.fixture
def ui_env(ui_env: Settings, proxy: TcpProxy, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """main.py (and the people made through its context) reach this test's database through the proxy."""
    monkeypatch.setenv('DATABASE_URL', proxy.url_for(ui_env.database_url))
    return ui_env


def indicator(user: User) -> ConnectionIndicator:
    assert user.client is not None
    return next(e for e in user.client.elements.values() if isinstance(e, ConnectionIndicator))


def drags_accepted(user: User) -> bool:
    return not any(column.sortable.options.get('disabled') for column in board_of(user).board.columns.values())


async def stored_stage(app_ctx, someone, name: str) -> str:  # type: ignore[no-untyped-def]
    """Where the database has a lead (read after the link is back)."""
    async with app_ctx.db.session(read_only=True, organization_id=someone.organization_id) as session:
        columns = await board_columns(session, organization_id=someone.organization_id, board_filter=BoardFilter())
    return next(stage for stage, column in columns.items() if any(lead.name == name for lead in column.cards))


async def test_a_cut_database_shows_a_banner_refuses_drags_and_everything_comes_back_by_itself(
    create_user, app_ctx, person, proxy
):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await add_lead(app_ctx, ana, 'Padaria Pão Quente')
    await add_lead(app_ctx, ana, 'Acme Ltda', value='500')
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ana_board, bruno_board = board_of(ana_user), board_of(bruno_user)
    assert not the(ana_user, 'database-banner').visible

    proxy.cut('reset')
    ana_board.drag('Acme Ltda', 'proposta', 0)

    await ana_board.announced('Não foi possível mover Acme Ltda: Sem conexão com o banco de dados')
    await ana_board.shows('lead', ['Acme Ltda', 'Padaria Pão Quente'])  # the card went back where it was
    assert ana_board.names('proposta') == []
    await until(lambda: the(ana_user, 'database-banner').visible, 'the banner shows')
    await ana_user.should_see(BANNER)
    await bruno_user.should_see(BANNER)  # every board of the server: Bruno did nothing
    assert indicator(ana_user).state == indicator(bruno_user).state == 'database_down'
    assert not drags_accepted(ana_user) and not drags_accepted(bruno_user)

    # a drop already under way when the drags went off: refused without trying, the card goes back
    bruno_board.drag('Padaria Pão Quente', 'fechado', 0)
    await bruno_board.announced('Sem conexão com o banco de dados')
    await bruno_board.shows('lead', ['Acme Ltda', 'Padaria Pão Quente'])
    assert bruno_board.names('fechado') == []

    proxy.restore()  # nobody reloads: the server's probe finds the database again

    await until(lambda: not the(ana_user, 'database-banner').visible, 'the banner goes away by itself')
    await until(lambda: not the(bruno_user, 'database-banner').visible, "Bruno's banner goes away too")
    assert indicator(ana_user).state == indicator(bruno_user).state == 'connected'
    assert drags_accepted(ana_user) and drags_accepted(bruno_user)
    await ana_board.announced('Conexão com o banco de dados restabelecida')

    ana_board.drag('Acme Ltda', 'proposta', 0)
    await bruno_board.shows('proposta', ['Acme Ltda'])
    assert await stored_stage(app_ctx, ana, 'Acme Ltda') == 'proposta'
    assert await stored_stage(app_ctx, ana, 'Padaria Pão Quente') == 'lead'  # the refused drop changed nothing
