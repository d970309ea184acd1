"""``/activities``: "Minhas atividades", the signed-in member's open activities (ui/my_activities.py)."""

from nicegui import ui

from ...context import AppContext
from ..frame import frame
from ..my_activities import MyActivities
from ..session import require_viewer


def register_activities_page(ctx: AppContext) -> None:
    """Add /activities."""

    @ui.page('/activities', title='Minhas atividades · LovedCRM')
    async def activities_page() -> None:
        viewer = await require_viewer(ctx)
        if viewer is None:
            return
        with frame(ctx, viewer, page='activities') as page:
            view = MyActivities(ctx, viewer, page.announcer)
        await view.start()
