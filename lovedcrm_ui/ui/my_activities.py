""" "Minhas atividades": the signed-in member's open activities in the current organization, grouped Overdue /
Today / Upcoming, each with its lead (a link that opens it on the board), marked done in place — live: any activity
event of the organization (or a lead renamed or deleted) re-reads the list, one query."""

import asyncio
import logging
from datetime import tzinfo

from nicegui import background_tasks, ui

from models import utcnow
from models.activity import ActivityPublic
from models.event import EventType

from ..context import AppContext
from ..events import LeadEvent
from .board.activity_actions import ActivityActions
from .board.activity_tab import KIND_ICONS
from .board.next_step import relative_when
from .i18n import zone_of
from .refusals import refusal
from .session import Viewer

log = logging.getLogger(__name__)
# events that can change what the list shows: an activity, a lead's name, a lead gone with its activities
RELEVANT = (EventType.LEAD_ACTIVITY_CHANGED, EventType.LEAD_UPDATED, EventType.LEAD_DELETED)


def groups(items: list[ActivityPublic], zone: tzinfo) -> dict[str, list[ActivityPublic]]:
    """Overdue (due before now), today (later today in the viewer's zone), upcoming."""
    now = utcnow()
    today = now.astimezone(zone).date()
    grouped: dict[str, list[ActivityPublic]] = {'overdue': [], 'today': [], 'upcoming': []}
    for activity in items:
        if activity.due_at < now:
            grouped['overdue'].append(activity)
        elif activity.due_at.astimezone(zone).date() == today:
            grouped['today'].append(activity)
        else:
            grouped['upcoming'].append(activity)
    return grouped


class MyActivities(ui.column):
    """The list, live for as long as the page is open."""

    def __init__(self, ctx: AppContext, viewer: Viewer, announcer: ui.label) -> None:
        super().__init__()
        self.ctx, self.viewer, self.t = ctx, viewer, viewer.t
        self.announcer = announcer
        self.zone = zone_of(viewer.timezone)
        self.actions = ActivityActions(ctx, viewer, failed=self._failed)
        self.items: list[ActivityPublic] = []
        self._changed = asyncio.Event()
        self.classes('w-full gap-2 q-pa-md')
        with self:
            ui.label(self.t('activities.title')).classes('text-h5').props('role=heading aria-level=1')
            self.error = ui.label().classes('text-negative').props('role=alert').mark('my-activities-error')
            self.body = ui.column().classes('w-full gap-1')

    async def start(self) -> None:
        """Read the list, then follow the organization's events."""
        client = self.client
        subscription = self.ctx.bus.subscribe(self.viewer.organization_id, self._on_event)
        worker = background_tasks.create(self._follow(), name=f'my-activities-{client.id}')

        def stop() -> None:
            subscription.cancel()
            worker.cancel()

        client.on_delete(stop)
        await self.reload()

    def _on_event(self, event: LeadEvent) -> None:
        # runs inside the writer's commit: only note it
        if event.type in RELEVANT or (event.type == EventType.LEAD_CREATED and event.payload.get('restored')):
            self._changed.set()  # (an undone delete brings its activities back)

    async def _follow(self) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            try:
                await self.reload()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception('my activities could not re-read; the next event retries')

    async def reload(self) -> None:
        """Read the viewer's open activities and draw them."""
        self.items = await self.actions.mine()
        self._draw()

    def _draw(self) -> None:
        t = self.t
        self.body.clear()
        with self.body:
            if not self.items:
                ui.label(t('activities.none')).classes('text-body2').mark('my-activities-empty')
                return
            for key, items in groups(self.items, self.zone).items():
                if not items:
                    continue
                ui.label(t(f'activities.{key}')).classes('activity-group text-subtitle1').props(
                    'role=heading aria-level=2'
                ).mark(f'activities-{key}')
                with ui.column().classes('w-full gap-0').props('role=list'):
                    for activity in items:
                        self._row(activity, overdue=key == 'overdue')

    def _row(self, activity: ActivityPublic, *, overdue: bool) -> None:
        t = self.t
        when = relative_when(activity.due_at, t=t, zone=self.zone, language=self.viewer.language, now=utcnow())
        row = ui.row().classes('w-full no-wrap gap-2 items-center activity-row').props('role=listitem')
        row.mark('my-activity')
        if overdue:
            row.classes('activity-overdue')
        with row:
            if self.viewer.can_write:  # a viewer reads the list
                done = ui.button(icon='radio_button_unchecked', on_click=lambda a=activity: self._complete(a))
                done.props('flat dense round').mark('my-activity-done')
                done.props['aria-label'] = f'{t("activity.mark_done")}: {activity.title}'
            ui.icon(KIND_ICONS.get(activity.kind, 'event')).classes('text-grey-8').props('aria-hidden=true')
            with ui.column().classes('grow gap-0 min-w-0'):
                ui.label(activity.title).classes('activity-title font-medium').mark('my-activity-title')
                extra = [t(f'activity.kind.{activity.kind}'), when] + ([t('activity.overdue')] if overdue else [])
                ui.label(' · '.join(extra)).classes('text-caption activity-when')
                # under the activity, not at the row's far end: beside it on a wide screen, above a phone's squeeze
                link = ui.link(activity.lead_name, f'/pipeline?lead={activity.lead_id}').mark('my-activity-lead')
                link.classes('text-caption activity-lead')
                link.props['aria-label'] = t('activities.open_lead', name=activity.lead_name)

    async def _complete(self, activity: ActivityPublic) -> None:
        refused = await self.actions.update(activity.id, {'done': True})
        self.error.text = refused or ''
        if refused is None:
            self.announcer.text = self.t('activity.completed', title=activity.title)
            await self.reload()  # the event would too; the person sees it now

    def _failed(self, exc: BaseException) -> str | None:
        unavailable = self.ctx.health.refusal(exc)  # the database away or busy
        return refusal(unavailable, self.t) if unavailable is not None else None
