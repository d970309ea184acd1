"""Access changes on pages other than the board (team, settings, profile): leave, or redraw.

Listeners run inside the request of whoever caused the change, so everything here acts on the
page's own client and elements explicitly and uses the viewer captured when the page was built.
"""

from collections.abc import Awaitable, Callable

from nicegui import background_tasks, ui

from ..context import AppContext
from ..events import AccessChange, AccessKind, AccessLoss
from .session import Viewer

# what to redraw after a change that concerns the organization (a role changed, a member left)
Redraw = Callable[[], Awaitable[None]]
# where a page goes when its viewer lost access: (message key, path)
LEAVE_FOR = {
    AccessLoss.SESSION_ENDED: ('login.expired', '/login'),
    AccessLoss.NOT_A_MEMBER: ('noaccess.body', '/no-access'),
}


class AccessWatch:
    """Sends the page to /no-access or /login when its viewer loses access; redraws on the team's changes."""

    def __init__(self, ctx: AppContext, viewer: Viewer, *, content: ui.element, redraw: Redraw | None = None) -> None:
        self.viewer = viewer
        self.content = content
        self.redraw = redraw
        self.left = False
        self.client = ui.context.client
        self._unsubscribe = ctx.bus.subscribe_access(self.on_access)
        self.client.on_delete(self._unsubscribe)

    def on_access(self, change: AccessChange) -> None:
        """Access listener (runs in someone else's request)."""
        viewer = self.viewer
        if self.left or self.content.is_deleted:
            return
        loss = change.lost_access(
            user_id=viewer.user_id, session_id=viewer.session_id, organization_id=viewer.organization_id
        )
        if loss is not None:
            self.leave(*LEAVE_FOR[loss])
            return
        if not change.changes_team_of(viewer.organization_id):
            return
        if change.user_id == viewer.user_id and change.kind == AccessKind.ROLE_CHANGED and change.role:
            viewer.role = change.role
        if self.redraw is not None:
            background_tasks.create(self.redraw(), name=f'access-redraw-{self.client.id}')

    def leave(self, message_key: str, path: str) -> None:
        """Take the page's content away, say why, and open ``path``."""
        self.left = True
        self._unsubscribe()
        self.content.clear()
        with self.content:  # explicit parent: this runs inside someone else's request
            ui.label(self.viewer.t(message_key)).classes('text-h6 q-pa-lg').props('role=alert')
        self.client.open(path)
