"""How an open board follows its organization: lost access, roles, teammates, settings, passing days.

Access listeners run inside the request of whoever caused the change, so everything here acts on the
board's own client and elements explicitly, with the viewer captured when the page was built.
"""

import asyncio
from typing import TYPE_CHECKING

from nicegui import background_tasks

from ...events import AccessChange, AccessKind
from ...services.board import team
from ...services.forecast import stage_probabilities
from ..access_watch import LEAVE_FOR
from ..session import refresh_organization

if TYPE_CHECKING:
    from .board import PipelineBoard

DAYS_REFRESH_SECONDS = 600.0  # a board left open overnight moves its "N dias" on


class OrganizationFollower:
    """Applies access and organization changes to one board."""

    def __init__(self, board: 'PipelineBoard') -> None:
        self.board = board

    def on_access(self, change: AccessChange) -> None:
        """Access listener: leave when access is lost; follow roles, teammates and organization settings."""
        board, viewer = self.board, self.board.viewer
        if board.is_deleted:
            return
        loss = change.lost_access(
            user_id=viewer.user_id, session_id=viewer.session_id, organization_id=viewer.organization_id
        )
        if loss is not None:
            board.shut(*LEAVE_FOR[loss])
            return
        if change.organization_id != viewer.organization_id:
            return
        if change.kind == AccessKind.ORGANIZATION_UPDATED:
            background_tasks.create(self.follow_organization(), name=f'board-organization-{board.client.id}')
        elif change.changes_team_of(viewer.organization_id) and change.user_id != viewer.user_id:
            background_tasks.create(self.follow_team(), name=f'board-team-{board.client.id}')
        elif change.kind == AccessKind.ROLE_CHANGED and change.role:
            self.follow_role(change.role)

    async def follow_organization(self) -> None:
        """New idle thresholds: redraw the highlights; new percent per stage: re-read the weighted totals."""
        board = self.board
        await refresh_organization(board.ctx, board.viewer)
        idle_days = (board.viewer.idle_warning_days, board.viewer.idle_alert_days)
        for card in list(board.cards.values()):
            card.set_idle_days(idle_days)
        org = board.viewer.organization_id
        async with board.ctx.db.session(read_only=True, organization_id=org) as session:
            probabilities = await stage_probabilities(session, organization_id=org)
        if probabilities != board.probabilities:
            await board.reload()

    async def follow_team(self) -> None:
        """Someone joined, left or changed role: the assignee choices (and initials) follow."""
        board = self.board
        async with board.ctx.db.session(read_only=True, organization_id=board.viewer.organization_id) as session:
            board.members = await team(session, organization_id=board.viewer.organization_id)
        board.filter_bar.set_members(board.members)
        board.lead_dialog.set_team(board.members)
        for card in list(board.cards.values()):
            card.redraw()

    def follow_role(self, role: str) -> None:
        """The viewer's own role changed: writing tools appear or go."""
        board, viewer = self.board, self.board.viewer
        was_writer = viewer.can_write
        viewer.role = role
        for column in board.columns.values():
            column.set_writable(viewer.can_write)
        board.viewer_notice.set_visibility(not viewer.can_write)
        board.import_button.set_visibility(viewer.can_write)
        board.new_button.set_visibility(viewer.can_write)
        board.empty_state.refresh()  # a viewer is told without buttons; a writer gets them back
        if was_writer and not viewer.can_write:
            board.move_dialog.close()
            board.lead_dialog.close()
            board.announce(board.t('board.role_viewer'))
        elif viewer.can_write and not was_writer:
            board.announce(board.t('board.role_writer'))

    async def refresh_days_forever(self) -> None:
        """Days in stage and idle highlights move on while the board stays open."""
        while True:
            await asyncio.sleep(DAYS_REFRESH_SECONDS)
            self.refresh_days()

    def refresh_days(self) -> None:
        """Redraw every card's days in stage now."""
        for card in list(self.board.cards.values()):
            card.refresh_days()
