"""The page frame: header with organization, live presence, connection state, language and sign-out."""

import asyncio
from collections.abc import Awaitable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from nicegui import Client, app, background_tasks, ui

from ..context import AppContext
from ..events import AccessChange, AccessKind
from .board.look import BOARD_CSS
from .i18n import LANGUAGES, Translate
from .preferences import ThemeMenu, save_preferences
from .presence import PresenceBar
from .session import Viewer, refresh_organization
from .switcher import OrganizationSwitcher
from .theme import Appearance

# header navigation: (page key, path, icon)
NAVIGATION = (
    ('pipeline', '/pipeline', 'view_kanban'),
    ('insights', '/insights', 'insights'),
    ('activities', '/activities', 'event'),
    ('team', '/team', 'group'),
    ('settings', '/settings', 'settings'),
    ('profile', '/profile', 'person'),
)

STYLE = """
<style>
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);border:0}
.board-columns{overflow-x:auto;scroll-snap-type:x proximity;padding-bottom:.5rem}
.stage-column{min-width:272px;width:272px;flex:0 0 272px;background:var(--lc-column);border-radius:10px;
  max-height:calc(100vh - 190px)}
.stage-cards{min-height:48px;overflow-y:auto;flex:1 1 auto}
@media (max-width:640px){.stage-column{min-width:85vw;width:85vw;flex-basis:85vw;scroll-snap-align:start}}
@media (max-width:600px){.app-title{font-size:1rem !important;white-space:nowrap}
  .organization-name{font-size:.75rem;max-width:34vw;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
  .q-header .q-btn{padding:2px}}
/* a list row's text: takes the room left, at least 12rem before the row's controls wrap under it (phones) */
.list-row-text{flex:1 1 12rem;min-width:0}
.list-row-text>.ellipsis{max-width:100%}
.kpi-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:.75rem}
.kpi-value{white-space:nowrap}
.forecast-layout{display:flex;flex-wrap:wrap;gap:.75rem 2.5rem;align-items:flex-start}
.forecast-table{border-collapse:collapse;font-size:.875rem}
.forecast-table caption{text-align:left;padding-bottom:.25rem}
.forecast-table th,.forecast-table td{padding:.25rem .75rem;text-align:right;border-bottom:1px solid var(--lc-border);
  white-space:nowrap}
.forecast-table thead th{font-weight:500;color:var(--lc-muted)}
.forecast-table th:first-child{text-align:left;padding-left:0}
.forecast-table th[scope=row]{font-weight:500}
.forecast-scroll{max-width:100%;overflow-x:auto}
.kpi-alert .kpi-value{color:var(--lc-alert)}
.chart-canvas{height:18rem}
.chart-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(520px,100%),1fr));gap:.75rem}
.lead-card{position:relative;width:100%;padding:.5rem;display:flex;flex-direction:column;gap:.1rem;cursor:pointer;
  background:var(--lc-surface);border:1px solid var(--lc-border);border-left:4px solid transparent;border-radius:4px;
  overflow-wrap:anywhere}
/* anywhere (not break-word): also narrows the flex items, so an unbroken source or tag wraps inside the card */
.lead-star{position:absolute;top:.3rem;right:.3rem;font-size:1.25rem;color:var(--lc-star);cursor:pointer}
.lead-card:focus{outline:3px solid var(--lc-focus);outline-offset:1px}
.lead-idle-warning{border-left-color:var(--lc-idle-warning-edge)}
.lead-idle-alert{border-left-color:var(--lc-alert-edge);background:var(--lc-alert-surface)}
/* a teammate's move: 1 s in the flash colour, then a 0.6 s fade (card.py removes the class after 1.6 s); an animation,
   not a transition on the card's background, so a theme switched as the page opens does not fade every card */
.lead-flash{animation:lead-flash 1.6s linear}
@keyframes lead-flash{0%,62%{background:var(--lc-flash)}100%{background:var(--lc-surface)}}
.lead-name{font-weight:600;padding-right:1.5rem;word-break:break-word;display:-webkit-box;-webkit-box-orient:vertical;
  -webkit-line-clamp:2;overflow:hidden}
/* a long name takes two lines at most on a card (whole in its tooltip, its label and the dialog) */
.lead-meta,.lead-foot{display:flex;gap:.5rem;font-size:.8rem;color:var(--lc-muted);flex-wrap:wrap;align-items:center}
.lead-value{font-weight:600;color:var(--lc-money)}
.lead-tags{display:flex;gap:.25rem;flex-wrap:wrap}
.lead-tag{background:var(--lc-tag-bg);color:var(--lc-tag-fg);border-radius:8px;padding:0 .4rem;font-size:.72rem}
.lead-chip{border-radius:8px;padding:0 .4rem;font-size:.72rem;font-weight:600;border:1px solid currentColor}
.tone-grey{background:#eeeeee;color:#424242}.tone-red{background:#ffebee;color:#b71c1c}
.tone-orange{background:#fff3e0;color:#bf360c}.tone-amber{background:#fff8e1;color:#7a4f01}
.tone-green{background:#e8f5e9;color:#1b5e20}.tone-teal{background:#e0f2f1;color:#00574b}
.tone-blue{background:#e3f2fd;color:#0d47a1}.tone-purple{background:#f3e5f5;color:#6a1b9a}
.lead-idle{color:var(--lc-idle);font-size:.72rem}
.lead-idle-alert .lead-idle{color:var(--lc-alert)}
.lead-next{font-size:.78rem;color:var(--lc-muted)}
.lead-next-overdue{color:var(--lc-alert);font-weight:600}
.lead-next-none{color:var(--lc-muted);font-style:italic}
.activity-row{border-bottom:1px solid var(--lc-border);padding:.15rem 0}
.activity-title{overflow-wrap:anywhere}
.activity-overdue .activity-when{color:var(--lc-alert);font-weight:600}
.activity-done .activity-title{text-decoration:line-through;color:var(--lc-muted)}
.activity-group{font-weight:600;margin-top:.5rem}
.nav-link{color:#fff;text-decoration:none;opacity:.85;padding:.15rem .4rem;border-radius:6px;font-size:.9rem}
.nav-link:hover,.nav-link:focus{opacity:1;background:rgba(255,255,255,.15)}
.nav-link-active{opacity:1;font-weight:600;background:rgba(255,255,255,.2)}
/* the compact density (a per-user preference): narrower columns, tighter cards, smaller type */
.density-compact .stage-column{min-width:232px;width:232px;flex:0 0 232px}
.density-compact .stage-cards{gap:.25rem}
.density-compact .lead-card{padding:.25rem .4rem;gap:0;font-size:.85rem}
.density-compact .lead-meta,.density-compact .lead-foot{font-size:.75rem;gap:.35rem}
@keyframes rotating{from{transform:rotate(0)}to{transform:rotate(-360deg)}}
.rotating{animation:rotating 1.2s linear infinite}
.lead-feed{max-height:38vh;overflow-y:auto;width:100%}
/* the lead dialog's Save and Delete stay in view however long the form, notes and history get */
/* Save/Delete stay in view; the bar reaches over the card's bottom padding (sticky stops at the padding), so the
   form never shows through under it */
.lead-dialog-actions{position:sticky;bottom:calc(-1 * var(--nicegui-default-padding));background:var(--lc-dialog);
  z-index:1;padding:.25rem 0 var(--nicegui-default-padding);margin-bottom:calc(-1 * var(--nicegui-default-padding))}
.note-body{white-space:pre-wrap;overflow-wrap:anywhere}
.note-initials{background:#546e7a;color:#fff;border-radius:50%;width:1.8rem;height:1.8rem;flex:0 0 1.8rem;
  display:inline-flex;align-items:center;justify-content:center;font-size:.7rem}
.lead-assignee{margin-left:auto;background:#5c6bc0;color:#fff;border-radius:50%;width:1.6rem;height:1.6rem;display:inline-flex;align-items:center;justify-content:center;font-size:.7rem}
</style>
"""


# database_down: the browser is connected but the server cannot reach the database (ui/board/outage.py);
# restarting: the server is going away (SIGTERM, shutdown.py), the browser reconnects to it or another replica
ConnectionState = Literal['connected', 'offline', 'catching_up', 'database_down', 'restarting']
CONNECTION_ICONS: dict[ConnectionState, str] = {
    'connected': 'wifi',
    'offline': 'wifi_off',
    'catching_up': 'sync',
    'database_down': 'cloud_off',
    'restarting': 'restart_alt',
}


class ConnectionIndicator(ui.icon):
    """The header's live-connection icon: connected, offline (reconnecting), catching up (re-reading), database down."""

    def __init__(self, t: Translate) -> None:
        super().__init__(CONNECTION_ICONS['connected'], size='20px')
        self._t = t
        self.state: ConnectionState = 'connected'
        with self:
            self.hint = ui.tooltip(t('nav.connected'))
        self.props(f'aria-label="{t("nav.connected")}" role=status').mark('connection-state')

    def set_state(self, state: ConnectionState) -> None:
        """Show a new state (icon, tooltip and accessible name)."""
        if state == self.state or self.is_deleted:
            return
        self.state = state
        text = self._t(f'nav.{state}')
        self.set_name(CONNECTION_ICONS[state])
        self.hint.text = text
        self.props(f'aria-label="{text}"')
        if state == 'catching_up':
            self.classes(add='rotating')
        else:
            self.classes(remove='rotating')


# the pages that share the board's filter: their header links carry the filter along (ui/filter_url.py)
FILTERED_PAGES = ('pipeline', 'insights')


class Navigation:
    """The header's links to the signed-in pages (in the header on wide screens, behind a menu on phones)."""

    def __init__(self, viewer: Viewer, page: str, extra: Sequence[tuple[str, str, str, str]] = ()) -> None:
        """``extra``: plugin pages (key, path, icon, label) after the product's own (extensions.py)."""
        t = viewer.t
        entries = [(key, path, icon, t(f'nav.{key}')) for key, path, icon in NAVIGATION] + list(extra)
        self.targets = {key: path for key, path, _icon, _label in entries}
        self.links: dict[str, ui.link] = {}
        links = ui.row().classes('items-center gap-1 no-wrap gt-xs')
        with links.props(f'role=navigation aria-label="{t("nav.menu")}"'):
            for key, path, _icon, label in entries:
                link = ui.link(label, path).classes('nav-link').mark(f'nav-{key}')
                if key == page:
                    link.classes('nav-link-active').props('aria-current=page')
                self.links[key] = link
        with ui.button(icon='menu').props(f'flat round dense color=white aria-label="{t("nav.menu")}"').classes('xs'):
            with ui.menu():
                for key, _path, icon, label in entries:
                    item = ui.menu_item(on_click=lambda k=key: ui.navigate.to(self.targets[k]))
                    with item, ui.row().classes('items-center gap-2'):
                        ui.icon(icon, size='18px')
                        ui.label(label)

    def carry_query(self, query: str) -> None:
        """Let the links to the filtered pages keep this query string (``''`` for none)."""
        for key, path, _icon in NAVIGATION:
            if key in FILTERED_PAGES:
                self.targets[key] = f'{path}?{query}' if query else path
                self.links[key].props['href'] = self.targets[key]
                self.links[key].update()


@dataclass(frozen=True)
class PageFrame:
    """What a page body gets from the frame: the aria-live announcer, the connection indicator, the navigation
    and the page's look (theme and density, as the viewer prefers them)."""

    announcer: ui.label
    connection: ConnectionIndicator
    navigation: Navigation
    appearance: Appearance


def follow_organization(ctx: AppContext, viewer: Viewer, label: ui.label) -> None:
    """Keep the header's organization name current when a manager renames it."""

    async def follow() -> None:
        await refresh_organization(ctx, viewer)
        label.text = viewer.organization_name

    def on_change(change: AccessChange) -> None:
        # runs inside the manager's request: touch only this page's own label
        if change.kind == AccessKind.ORGANIZATION_UPDATED and change.organization_id == viewer.organization_id:
            if not label.is_deleted:
                background_tasks.create(follow(), name='follow-organization')

    ui.context.client.on_delete(ctx.bus.subscribe_access(on_change))


def say_goodbye(ctx: AppContext, viewer: Viewer, connection: ConnectionIndicator) -> None:
    """When the server starts going away, tell this page before its socket drops (shutdown.py)."""
    client = ui.context.client

    def farewell() -> Awaitable[None] | None:
        if connection.is_deleted or not client.has_socket_connection:
            return None
        connection.set_state('restarting')
        with client:
            ui.notify(viewer.t('nav.restarting'), type='warning', position='top', timeout=0, spinner=True)
        return sent(client)

    client.on_delete(ctx.drain.subscribe(farewell))


async def sent(client: Client) -> None:
    """Wait until NiceGUI has handed everything queued for ``client`` to its socket (the drain bounds the wait)."""
    while True:  # NiceGUI's outbox has no "sent" event to wait for: look again every 10 ms
        if not client.outbox.messages and not client.outbox.updates:
            return
        await asyncio.sleep(0.01)


async def choose_language(ctx: AppContext, viewer: Viewer, storage: MutableMapping[str, Any], language: str) -> None:
    """Save the language as the viewer's preference (and this browser's) and redraw the page in it."""
    problem = await save_preferences(ctx, viewer, storage, language=language)
    if problem is not None:
        ui.notify(problem, type='negative')
        return
    ui.navigate.reload()


@contextmanager
def frame(ctx: AppContext, viewer: Viewer, page: str = 'pipeline') -> Iterator[PageFrame]:
    """Header + main area for a signed-in page; yields the page's announcer and connection indicator."""
    t = viewer.t
    ui.add_head_html(STYLE + BOARD_CSS)
    client = ui.context.client
    storage = app.storage.user  # this browser's, captured while its page is built
    if storage.get('theme') != viewer.theme:
        storage['theme'] = viewer.theme  # the sign-in page of this browser keeps the viewer's theme
    appearance = Appearance(viewer.theme, viewer.density)
    with ui.header().classes('items-center justify-between bg-primary text-white px-3 py-1 gap-2'):
        with ui.row().classes('items-center gap-3 no-wrap'):
            ui.link(t('app.title'), '/pipeline').classes('text-white text-lg font-bold no-underline app-title')
            with ui.row().classes('items-center gap-0 no-wrap'):
                organization_name = ui.label(viewer.organization_name).classes('text-sm opacity-90 organization-name')
                organization_name.mark('organization-name')
                follow_organization(ctx, viewer, organization_name)
                if len(viewer.organizations) > 1:
                    OrganizationSwitcher(ctx, viewer)
            nav = Navigation(viewer, page, ctx.extensions.nav_items(viewer.language))
        with ui.row().classes('items-center gap-2 no-wrap'):
            presence = PresenceBar(ctx.presence, viewer.organization_id, viewer.user_id, t)
            unsubscribe = ctx.presence.subscribe(viewer.organization_id, presence.on_change)
            client.on_delete(unsubscribe)
            connection = ConnectionIndicator(t)
            client.on_disconnect(lambda: connection.set_state('offline'))
            # back from offline: the database may still be away (ui/board/outage.py shows that state too)
            client.on_connect(lambda: connection.set_state('connected' if ctx.health.reachable else 'database_down'))
            say_goodbye(ctx, viewer, connection)
            with ui.button(icon='translate').props(f'flat round dense color=white aria-label="{t("nav.language")}"'):
                with ui.menu():
                    for code, label in LANGUAGES.items():
                        item = ui.menu_item(label, on_click=lambda c=code: choose_language(ctx, viewer, storage, c))
                        item.props('role=menuitem')
            ThemeMenu(ctx, viewer, storage, appearance)
            ui.label(viewer.name).classes('text-sm viewer-name gt-xs').mark('viewer-name')
            ui.button(icon='logout', on_click=lambda: ui.navigate.to('/logout')).props(
                f'flat round dense color=white aria-label="{t("nav.logout")}"'
            )
    announcer = ui.label().classes('sr-only').props('aria-live=polite role=status')
    yield PageFrame(announcer, connection, nav, appearance)
