"""The page frame: header with organization, live presence, connection state, language and sign-out."""

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import app, ui

from ..context import AppContext
from .i18n import LANGUAGES
from .presence import PresenceBar
from .session import Viewer

STYLE = """
<style>
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);border:0}
.board-columns{overflow-x:auto;scroll-snap-type:x proximity;padding-bottom:.5rem}
.stage-column{min-width:272px;width:272px;flex:0 0 272px;background:#f1f3f6;border-radius:10px;
  max-height:calc(100vh - 190px)}
.stage-cards{min-height:48px;overflow-y:auto;flex:1 1 auto}
@media (max-width:640px){.stage-column{min-width:85vw;width:85vw;flex-basis:85vw;scroll-snap-align:start}}
.lead-card{position:relative;border-left:4px solid transparent;transition:background-color .6s}
.lead-card:focus{outline:3px solid #1976d2;outline-offset:1px}
.lead-idle-warning{border-left-color:#f2a900}
.lead-idle-alert{border-left-color:#d32f2f;background:#fff5f5}
.lead-flash{background:#fff3b0 !important}
.lead-name{font-weight:600;padding-right:1.5rem;word-break:break-word}
.lead-meta,.lead-foot{display:flex;gap:.5rem;font-size:.8rem;color:#555;flex-wrap:wrap;align-items:center}
.lead-value{font-weight:600;color:#1b5e20}
.lead-tags{display:flex;gap:.25rem;flex-wrap:wrap}
.lead-tag{background:#e3f2fd;color:#0d47a1;border-radius:8px;padding:0 .4rem;font-size:.72rem}
.lead-idle{color:#b26a00;font-size:.72rem}
.lead-idle-alert .lead-idle{color:#c62828}
.lead-assignee{margin-left:auto;background:#5c6bc0;color:#fff;border-radius:50%;width:1.6rem;height:1.6rem;display:inline-flex;align-items:center;justify-content:center;font-size:.7rem}
</style>
"""


def choose_language(language: str) -> None:
    """Remember the language for this browser and redraw the page in it."""
    app.storage.user['language'] = language
    ui.navigate.reload()


@contextmanager
def frame(ctx: AppContext, viewer: Viewer) -> Iterator[ui.label]:
    """Header + main area for a signed-in page; yields the page's aria-live announcer."""
    t = viewer.t
    ui.add_head_html(STYLE)
    client = ui.context.client
    with ui.header().classes('items-center justify-between bg-primary text-white px-3 py-1 gap-2'):
        with ui.row().classes('items-center gap-3 no-wrap'):
            ui.link(t('app.title'), '/pipeline').classes('text-white text-lg font-bold no-underline')
            ui.label(viewer.organization_name).classes('text-sm opacity-90 organization-name')
        with ui.row().classes('items-center gap-2 no-wrap'):
            presence = PresenceBar(ctx.presence, viewer.organization_id, viewer.user_id, t)
            unsubscribe = ctx.presence.subscribe(viewer.organization_id, presence.on_change)
            client.on_delete(unsubscribe)
            connection = ui.icon('wifi', size='20px').props(f'aria-label="{t("nav.connected")}"')
            connection.tooltip(t('nav.connected'))
            client.on_disconnect(lambda: connection.set_name('wifi_off'))
            client.on_connect(lambda: connection.set_name('wifi'))
            with ui.button(icon='translate').props(f'flat round dense color=white aria-label="{t("nav.language")}"'):
                with ui.menu():
                    for code, label in LANGUAGES.items():
                        ui.menu_item(label, on_click=lambda c=code: choose_language(c))
            ui.label(viewer.name).classes('text-sm viewer-name')
            ui.button(icon='logout', on_click=lambda: ui.navigate.to('/logout')).props(
                f'flat round dense color=white aria-label="{t("nav.logout")}"'
            )
    announcer = ui.label().classes('sr-only').props('aria-live=polite role=status')
    yield announcer
