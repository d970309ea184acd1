"""``/team``: members and roles, invites and their links (owners and admins manage; others read)."""

from fastapi import Request
from nicegui import ui

from ...context import AppContext
from ..access_watch import AccessWatch
from ..frame import frame
from ..mails import invite_link
from ..session import Viewer, require_viewer
from ..team.invites import InviteForm, InviteList
from ..team.members import MemberList
from ..widgets import StatusLine


class TeamPanel(ui.column):
    """The Team page's body; follows the viewer's role and the team's changes while open."""

    def __init__(self, ctx: AppContext, viewer: Viewer, *, base_url: str) -> None:
        super().__init__()
        self.viewer = viewer
        self.base_url = base_url
        t = viewer.t
        self.classes('w-full max-w-4xl mx-auto gap-3 p-4 team-panel')
        with self:
            ui.label(t('team.title', organization=viewer.organization_name)).classes('text-h5')
            self.read_only = ui.label(t('team.read_only')).classes('text-body2 text-grey-8').mark('team-read-only')
            self.form = InviteForm(ctx, viewer, base_url=base_url, on_invited=self.reload_invites)
            ui.label(t('team.members')).classes('text-h6 q-mt-md')
            self.status = StatusLine().mark('team-status')
            self.members = MemberList(ctx, viewer, self.status)
            self.invites_title = ui.label(t('team.invites')).classes('text-h6 q-mt-md')
            self.invites = InviteList(ctx, viewer, self.status, show_link=self.show_link)
        AccessWatch(ctx, viewer, content=self, redraw=self.reload)

    async def reload(self) -> None:
        """Draw what the viewer's current role allows: everyone sees the members, managers the rest."""
        if self.is_deleted:
            return
        manage = self.viewer.can_manage
        self.read_only.set_visibility(not manage)
        for part in (self.form, self.invites_title, self.invites):
            part.set_visibility(manage)
        self.form.set_role_choices()
        await self.members.reload()
        if manage:
            await self.invites.reload()

    async def reload_invites(self) -> None:
        """After a new invite."""
        await self.invites.reload()

    def show_link(self, token: str) -> None:
        """Show a pending invite's link again in the form, and copy it."""
        self.form.link.show(invite_link(self.base_url, token))
        self.form.link.copy()


def register_team_page(ctx: AppContext) -> None:
    """Add /team."""

    @ui.page('/team', title='Equipe · LovedCRM')
    async def team_page(request: Request) -> None:
        viewer = await require_viewer(ctx)
        if viewer is None:
            return
        with frame(ctx, viewer, page='team'):
            panel = TeamPanel(ctx, viewer, base_url=str(request.base_url))
        await panel.reload()
