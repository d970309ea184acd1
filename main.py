"""LovedCRM Pipeline entry point: migrate, build the app, serve (python main.py --help)."""

import argparse
import logging
import os

from nicegui import app, ui

from lovedcrm_ui import migrate
from lovedcrm_ui.app import build_app
from lovedcrm_ui.config import Settings


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='LovedCRM Pipeline server')
    parser.add_argument('--skip-migrations', action='store_true', help='do not upgrade the database schema at start')
    # known args only: NiceGUI's test harness runs this file with pytest's own arguments
    return parser.parse_known_args()[0]


def main() -> None:
    """Upgrade the schema (unless skipped), build the app and run it."""
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    settings = Settings()
    settings.ensure_secrets()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    skip = _parse_args().skip_migrations or os.environ.get('LOVEDCRM_SKIP_MIGRATIONS') == '1'
    if not skip:
        migrate.upgrade(settings.database_url)  # before ui.run: async startup handlers are not awaited
    build_app(settings)
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
    )


if __name__ in {'__main__', '__mp_main__'}:
    main()
