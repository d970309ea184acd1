"""The composition root: settings → context → API + UI on NiceGUI's FastAPI app."""

from nicegui import app as nicegui_app

from .api.setup import install_api
from .config import Settings
from .context import AppContext
from .ui.setup import register_pages


def build_app(settings: Settings) -> AppContext:
    """Create the context and register the API and the UI pages on NiceGUI's app."""
    ctx = AppContext.build(settings)
    install_api(nicegui_app, ctx)
    register_pages(ctx)
    nicegui_app.on_shutdown(ctx.close)
    return ctx
