"""The composition root: settings → context → API + UI on NiceGUI's FastAPI app."""

from engineio.payload import Payload
from nicegui import app as nicegui_app
from nicegui import helpers

from .api.setup import install_api
from .config import Settings
from .context import AppContext
from .logs import install_token_redaction
from .nicegui_fixes import install as install_nicegui_fixes
from .runtime_health import HEAP, RuntimeHealth
from .ui.setup import register_pages
from .ui.theme import install_theme
from .web_security import install_socket_origin_check


def build_app(settings: Settings) -> AppContext:
    """Create the context and register the API and the UI pages on NiceGUI's app."""
    # a long-polling browser batches every keystroke since its last poll into one request; engineio's
    # default limit (16 packets) rejects such a request and the typed text never reaches the server
    Payload.max_decode_packets = 1000
    install_theme()
    install_nicegui_fixes()  # a replay after a reconnect must not undo newer changes (see the module)
    install_token_redaction()
    install_socket_origin_check(settings)  # pages of other sites may not open this board's socket.io
    ctx = AppContext.build(settings)
    install_api(nicegui_app, ctx)
    register_pages(ctx)
    nicegui_app.on_startup(ctx.start)
    nicegui_app.on_shutdown(ctx.close)
    # GC pauses and loop lag on /metrics; the heap frozen after start-up and each socket (not in simulated-user tests)
    heap = None if helpers.is_user_simulation() else HEAP
    runtime = RuntimeHealth(ctx.metrics.gc_pause, ctx.metrics.loop_lag, heap)
    nicegui_app.on_startup(runtime.start)
    nicegui_app.on_shutdown(runtime.stop)
    return ctx
