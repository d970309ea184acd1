"""``/pipeline``: the board page."""

from urllib.parse import urlencode

from fastapi import Request
from nicegui import ui

from ...context import AppContext
from ...events.presence import PresenceEntry
from ..board.board import PipelineBoard
from ..filter_url import filter_from_query, follow_filter, query_pairs
from ..frame import frame
from ..session import require_viewer


def register_pipeline_page(ctx: AppContext) -> None:
    """Add the board page."""

    @ui.page('/pipeline', title='Pipeline · LovedCRM')
    async def pipeline_page(request: Request) -> None:
        viewer = await require_viewer(ctx)
        if viewer is None:
            return
        client = ui.context.client
        board_filter = filter_from_query(
            request.query_params, request.query_params.getlist('tag'), ctx.extensions.filter_values()
        )
        with frame(ctx, viewer) as page:
            keep = follow_filter('/pipeline', page.navigation)
            board = PipelineBoard(
                ctx, viewer, page.announcer, page.connection, board_filter=board_filter, on_filter=keep
            )
        page.navigation.carry_query(urlencode(query_pairs(board_filter)))
        await board.start()
        await board.open_linked(request.query_params.get('lead'))  # /pipeline?lead=<id> (from My activities)
        # presence: this open board counts until its client goes away
        entry = PresenceEntry(
            connection_id=f'board:{client.id}',
            user_id=viewer.user_id,
            full_name=viewer.name,
            email=viewer.email,
            kind='board',
            session_id=viewer.session_id,
        )
        ctx.presence.join(viewer.organization_id, entry)
        client.on_delete(lambda: ctx.presence.leave(viewer.organization_id, entry.connection_id))
