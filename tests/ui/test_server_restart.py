"""Open boards as the operator's metrics count them, and what a board shows when its server starts going away.

The signal itself, the API sockets' 1001 and the exit are checked on a real server (tests/test_shutdown.py);
here the app's drain (shutdown.py) runs in-process, as SIGTERM starts it.
"""

from nicegui.testing import User
from prometheus_client.parser import text_string_to_metric_families
from ui_helpers import sign_in

from lovedcrm_ui.context import AppContext
from lovedcrm_ui.ui.frame import ConnectionIndicator

RESTARTING = 'Servidor reiniciando — reconectando…'


def gauge(ctx: AppContext, name: str) -> float:
    """One unlabelled sample of the app's ``/metrics``."""
    text = ctx.metrics.render().decode()
    return next(s.value for f in text_string_to_metric_families(text) for s in f.samples if s.name == name)


def connection_state(user: User) -> str:
    assert user.client is not None
    return next(e.state for e in user.client.elements.values() if isinstance(e, ConnectionIndicator))


async def test_an_open_board_is_counted_and_told_when_the_server_restarts(
    user: User, app_ctx: AppContext, person
) -> None:  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    assert gauge(app_ctx, 'lovedcrm_open_boards') == 0

    await sign_in(user, ana)
    assert gauge(app_ctx, 'lovedcrm_open_boards') == 1
    await user.should_not_see(RESTARTING)

    await app_ctx.drain.begin(2.0)  # what SIGTERM starts

    await user.should_see(RESTARTING)
    assert connection_state(user) == 'restarting'
