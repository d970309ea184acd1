"""``/insights``: pipeline KPIs and charts for the board's filter and a period (ui/insights.py)."""

from urllib.parse import urlencode

from fastapi import Request
from nicegui import ui

from ...context import AppContext
from ...services.board import BoardFilter
from ..filter_url import filter_from_query, page_url, query_pairs, replace_address
from ..frame import frame
from ..insights import PERIODS, InsightsView, Period
from ..session import require_viewer


def register_insights_page(ctx: AppContext) -> None:
    """Add /insights."""

    @ui.page('/insights', title='Indicadores · LovedCRM')
    async def insights_page(request: Request) -> None:
        viewer = await require_viewer(ctx)
        if viewer is None:
            return
        params = request.query_params
        board_filter = filter_from_query(params, params.getlist('tag'), ctx.extensions.filter_values())
        asked = params.get('period', 'all')
        period: Period = next((p for p in PERIODS if p == asked), 'all')
        client = ui.context.client
        with frame(ctx, viewer, page='insights') as page:

            def keep(new_filter: BoardFilter, new_period: Period) -> None:
                # the address (bookmark, share) and the header's link back to the board follow the filter
                page.navigation.carry_query(urlencode(query_pairs(new_filter)))
                extra = [('period', new_period)] if new_period != 'all' else []
                replace_address(client, page_url('/insights', new_filter, extra))

            view = InsightsView(ctx, viewer, board_filter=board_filter, period=period, on_address=keep)
        page.navigation.carry_query(urlencode(query_pairs(board_filter)))
        await view.start()
