"""LovedCRM Pipeline entry point: migrate, build the app, serve (python main.py --help)."""

import argparse
import os
import sys
import threading
from typing import Any

from nicegui import app, core, helpers, ui
from nicegui.server import Server

from lovedcrm_ui import migrate
from lovedcrm_ui.app import build_app
from lovedcrm_ui.cli.demo import start_demo_mode
from lovedcrm_ui.config import Settings
from lovedcrm_ui.context import AppContext
from lovedcrm_ui.extensions import PluginError
from lovedcrm_ui.logs import configure_logging
from lovedcrm_ui.settings_reference import help_epilog
from lovedcrm_ui.shutdown import drain_on_sigterm, drain_seconds


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='LovedCRM Pipeline server',
        epilog=help_epilog(),  # every setting, from the Settings model
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument('--skip-migrations', action='store_true', help='do not upgrade the database schema at start')
    parser.add_argument(
        '--demo',
        action='store_true',
        help='demo mode (also LOVEDCRM_DEMO=1): seed a demo organization with two users and ~60 leads once, and '
        'print how to sign in; never for real data (its accounts have a published password)',
    )
    # known args only: NiceGUI's test harness runs this file with pytest's own arguments
    return parser.parse_known_args()[0]


def _graceful_sigterm(ctx: AppContext) -> None:
    # at start-up, inside the server's loop (uvicorn has set its own handler by then): SIGTERM drains first
    server = getattr(Server, 'instance', None)
    if server is None or helpers.is_user_simulation() or threading.current_thread() is not threading.main_thread():
        return  # NiceGUI's simulated users (tests): no server, no signal
    drain_on_sigterm(ctx.drain, server, grace=ctx.settings.shutdown_grace_seconds, wake_polls=_wake_long_polls)


async def _wake_long_polls() -> None:
    # any message answers a browser's pending long-poll; NiceGUI's page ignores an event it has no handler for
    await core.sio.emit('lovedcrm_going_away', {})


def _logging_options(settings: Settings) -> dict[str, Any]:
    if settings.log_format != 'json':
        return {}
    # uvicorn's own log set-up prints text; without it its loggers reach the root's JSON handler
    return {'log_config': None, 'show_welcome_message': False}


def main() -> None:
    """Upgrade the schema (unless skipped), build the app and run it."""
    args = _parse_args()  # first: --help prints and exits before anything is written
    settings = Settings()
    configure_logging(settings.log_format)
    settings.ensure_secrets()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    skip = args.skip_migrations or os.environ.get('LOVEDCRM_SKIP_MIGRATIONS') == '1'
    if not skip:
        migrate.upgrade(settings.database_url)  # before ui.run: async startup handlers are not awaited
    if args.demo or os.environ.get('LOVEDCRM_DEMO') == '1':
        start_demo_mode(settings)  # after the migrations: seeds once, prints the demo logins
    try:
        ctx = build_app(settings)
    except PluginError as exc:  # PLUGINS names a module that is missing or declares something invalid
        sys.exit(f'LovedCRM Pipeline did not start: {exc}')
    app.on_startup(lambda: _graceful_sigterm(ctx))
    app.config.socket_io_js_transports = settings.transports  # type: ignore[assignment]
    ui.run(
        host=settings.host,
        port=settings.port,
        title='LovedCRM Pipeline',
        reload=False,  # a reloading parent would survive the worker and hold the port
        show=False,
        storage_secret=settings.storage_secret,
        favicon='🤝',
        language='pt-BR',
        reconnect_timeout=settings.reconnect_timeout,
        tailwind=False,  # no Tailwind compiler in the browser: lovedcrm_ui/ui/utilities.py has the few classes used
        fastapi_docs=True,  # /docs, /redoc and /openapi.json: the API is a product surface
        # SIGTERM: requests in flight get what is left of SHUTDOWN_GRACE_SECONDS after the drain (shutdown.py)
        timeout_graceful_shutdown=settings.shutdown_grace_seconds - drain_seconds(settings.shutdown_grace_seconds),
        **_logging_options(settings),
    )


if __name__ in {'__main__', '__mp_main__'}:
    main()
