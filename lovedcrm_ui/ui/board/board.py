"""The pipeline board: builds the columns from the database and applies live deltas.

Live updates: every lead event of the organization is queued by a bus listener and applied in
``seq`` order by one task per board — the card element is moved, created, redrawn or deleted and
the two affected column totals are adjusted. The whole board is only re-read on a filter change
or when the sequence shows a gap.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from nicegui import background_tasks, ui

from models import STAGE_ORDER
from models.event import EventType

from ...context import AppContext
from ...events import LeadEvent
from ...events.subscriptions import Subscription
from ...services.board import PAGE_SIZE, BoardFilter, TeamMember, board_columns, column_cards, filter_choices, team
from ...services.errors import NotFound
from ...services.facets import lead_facets
from ...services.forecast import stage_probabilities, weighted_value
from ...services.leads import get_lead, lead_public
from ...services.pipeline_events import current_seq
from ..frame import ConnectionIndicator
from ..i18n import zone_of
from ..session import Viewer
from .actions import BoardActions
from .activity_actions import ActivityActions
from .board_totals import BoardTotals
from .card import LeadCard, listen_to_cards
from .column import StageColumn
from .csv_dialogs import export_csv, open_import_dialog
from .dialogs import LeadDialog
from .empty import BoardEmptyState
from .filters import FilterBar, FiltersToggle, active_filters, field_filters
from .follow import OrganizationFollower
from .guard import LiveGuard
from .move_dialog import MoveDialog
from .next_step import NextStep
from .note_actions import NoteActions
from .outage import BoardOutage
from .outcome import OutcomeDialog
from .undo import BoardUndo, UndoBar

log = logging.getLogger(__name__)
QUEUE_LIMIT = 1000  # a board that falls this far behind re-reads the database instead
BURST = 100  # this many events waiting (an import, a bulk script) cost less as one re-read than card by card


def money(lead: dict[str, Any] | None) -> Decimal:
    """A snapshot's estimated value as Decimal (0 when empty)."""
    raw = (lead or {}).get('estimated_value')
    return Decimal(str(raw)) if raw is not None else Decimal('0')


class PipelineBoard(ui.column):
    """Five stage columns of one organization, live for every teammate."""

    def __init__(
        self,
        ctx: AppContext,
        viewer: Viewer,
        announcer: ui.label,
        connection: ConnectionIndicator | None = None,
        *,
        board_filter: BoardFilter | None = None,
        on_filter: Callable[[BoardFilter], None] | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.viewer = viewer
        self.t = viewer.t
        self.announcer = announcer
        self.connection = connection
        self.filter = board_filter or BoardFilter()
        self._on_filter = on_filter  # the page keeps the filter in its address
        self.members: dict[uuid.UUID, TeamMember] = {}
        self._next_step = NextStep(viewer.t, viewer.language, zone_of(viewer.timezone))  # a card's next activity
        self.probabilities: dict[str, int] = {}  # the organization's percent per stage (weighted totals)
        self.cards: dict[uuid.UUID, LeadCard] = {}
        self.own_moves: set[uuid.UUID] = set()  # moves this board asked for whose event has not come back yet
        self.last_seq = 0
        self._queue: asyncio.Queue[LeadEvent | None] = asyncio.Queue()
        self._loaded = asyncio.Event()  # clear while the board re-reads the database
        self._stop: Callable[[], None] = lambda: None
        self._reload_lock = asyncio.Lock()
        self._events: Subscription | None = None
        self.guard = LiveGuard(self)  # catches up when the board is found behind its organization's events
        self.actions = BoardActions(self)  # what a person does (drop, keys, menu, dialogs)
        self.follower = OrganizationFollower(self)  # access, roles, teammates, settings, days
        actions = self.actions
        self.classes('w-full gap-2 pipeline-board').props(f'aria-label="{self.t("a11y.board")}"')
        with self:
            self.outage = BoardOutage(self)  # the banner, and no drags, while the database is away
            self.filter_bar = FilterBar(t=self.t, on_change=self.set_filter, field_filters=field_filters(ctx, viewer))
            self.filter_bar.show(self.filter)
            with ui.row().classes('w-full items-center gap-2 board-tools'):
                # the way in for a new lead, where people look first (each column's + adds to that stage)
                self.new_button = ui.button(self.t('lead.new'), icon='add', on_click=lambda: actions.open_new('lead'))
                self.new_button.props('unelevated no-caps').mark('board-new-lead')
                # on a phone the filter bar folds behind this button (board/look.py); hidden on wider screens
                self.filters_toggle = FiltersToggle(self.filter_bar, t=self.t)
                self.filters_toggle.show_count(active_filters(self.filter))
                self.viewer_notice = ui.label(self.t('board.viewer_notice')).classes('text-caption text-grey-8')
                ui.space()
                # on a phone these two show their icon only (board/look.py): named by aria-label there
                self.import_button = ui.button(
                    self.t('csv.import_button'), icon='upload_file', on_click=self.import_csv
                ).props(f'flat dense no-caps aria-label="{self.t("csv.import_button")}"')
                self.import_button.classes('tool-text')
                ui.button(self.t('csv.export_button'), icon='download', on_click=self.export_csv).props(
                    f'flat dense no-caps aria-label="{self.t("csv.export_button")}"'
                ).classes('tool-text')
            self.totals = BoardTotals(t=self.t)  # "N de M exibidos", total and weighted value of the board
            self.empty_state = BoardEmptyState(self)
            with ui.row().classes('board-columns w-full no-wrap items-start gap-3') as columns_row:
                self.columns = {
                    stage.value: StageColumn(
                        stage.value,
                        t=self.t,
                        can_write=viewer.can_write,
                        on_add=actions.open_new,
                        on_load_more=self.load_more,
                        on_drop=actions.on_drop,
                    )
                    for stage in STAGE_ORDER
                }
            self.lead_dialog = LeadDialog(
                t=self.t,
                on_save=actions.save_lead,
                on_delete=actions.delete_lead,
                notes=NoteActions(self),
                me=viewer.user_id,
                timezone=viewer.timezone,
                fields=list(ctx.extensions.fields.values()),
                language=viewer.language,
                activities=ActivityActions(ctx, viewer, failed=lambda exc: self.outage.failed(exc)),
                stage_probabilities=lambda: self.probabilities,
            )
            self.move_dialog = MoveDialog(
                t=self.t,
                on_move=actions.menu_move,
                on_action=actions.run_action,
                on_outcome=actions.open_outcome,
                language=viewer.language,
            )
            self.outcome_dialog = OutcomeDialog(
                t=self.t, on_save=actions.set_outcome, load_reasons=actions.load_lost_reasons
            )
            self.undo = BoardUndo(self, UndoBar(t=self.t))  # "Desfazer" after this person's move, save or delete
        self.columns_row = columns_row
        listen_to_cards(columns_row, resolve=self._card_by_element, act=actions.on_card)
        self.viewer_notice.set_visibility(not viewer.can_write)
        self.import_button.set_visibility(viewer.can_write)
        self.new_button.set_visibility(viewer.can_write)

    # ----- building -------------------------------------------------------------------------

    async def start(self) -> None:
        """Subscribe, then draw from the database; events that raced the read are applied after it."""
        client = self.client
        org = self.viewer.organization_id
        self._events = self.ctx.bus.subscribe(org, self._enqueue)
        subscriptions = [
            self.ctx.bus.subscribe_access(self.follower.on_access),
            self.ctx.watch.watch(org, self.guard.check),  # the guard, independent of the bus
            self.ctx.health.watch(self.outage.follow),
        ]
        worker = background_tasks.create(self._apply_events(), name=f'board-{client.id}')
        # a task, not ui.timer: a timer waits for the browser's socket, and NiceGUI then sends the page
        # before the board is drawn (the cards arrived ~0.4 s later over the socket)
        days = background_tasks.create(self.follower.refresh_days_forever(), name=f'board-days-{client.id}')

        def stop() -> None:  # runs at logout / lost access and again when NiceGUI deletes the client: idempotent
            if self._events is not None:
                self._events.cancel()
            for subscription in subscriptions:
                subscription.cancel()
            worker.cancel()
            days.cancel()
            self.guard.stop()

        self._stop = stop
        client.on_delete(stop)
        client.on_connect(self.guard.resync_if_behind)
        self.outage.follow(self.ctx.health.reachable)
        await self.reload()

    async def reload(self) -> None:
        """Re-read every column for the current filter (filter change, resync); one at a time."""
        async with self._reload_lock:
            await self._reload()

    async def _reload(self) -> None:
        self._loaded.clear()
        try:
            await self._read_and_draw()
        finally:
            # never leave the event worker waiting: a failed re-read is retried on the next gap
            self._loaded.set()

    async def _read_and_draw(self) -> None:
        org = self.viewer.organization_id
        async with self.ctx.db.session(read_only=True, organization_id=self.viewer.organization_id) as session:
            if self.ctx.db.engine.dialect.name == 'postgresql':
                # one snapshot for the sequence number and the cards: no event counted twice or missed
                await session.connection(execution_options={'isolation_level': 'REPEATABLE READ'})
            seq = await current_seq(session, organization_id=org)
            self.ctx.bus.prime(org, seq)
            columns = await board_columns(session, organization_id=org, board_filter=self.filter)
            self.members = await team(session, organization_id=org)
            choices = await filter_choices(session, organization_id=org)
            self.probabilities = await stage_probabilities(session, organization_id=org)
            all_leads = (await lead_facets(session, organization_id=org)).total
        self.last_seq = seq
        self.filter_bar.set_choices(sources=choices.sources, members=self.members, tags=choices.tags)
        self.lead_dialog.set_team(self.members)
        self.lead_dialog.set_known_tags(choices.tags)
        self.cards.clear()
        for stage, data in columns.items():
            column = self.columns[stage]
            column.cards.clear()
            with column.cards:
                for lead in data.cards:
                    self._new_card(lead.model_dump(mode='json'))
            column.set_totals(data.count, data.total, data.weighted)
        self.totals.show(self.columns.values(), all_leads)
        self.empty_state.refresh()

    def _new_card(self, lead: dict[str, Any]) -> LeadCard:
        card = LeadCard(
            lead,
            t=self.t,
            initials_of=self._initials,
            idle_days=(self.viewer.idle_warning_days, self.viewer.idle_alert_days),
            chips=self._chips if self.ctx.extensions.fields else None,
            name_of=self._member_name,
            next_step=self._next_step,
        )
        self.cards[card.lead_id] = card
        return card

    def _chips(self, lead: dict[str, Any]) -> list[tuple[str, str]]:
        return self.ctx.extensions.chips(lead, self.viewer.language)

    def _card_by_element(self, element_id: Any) -> LeadCard | None:
        """The board's card with this element id (what the browser names), if it is still drawn."""
        element = self.client.elements.get(element_id) if isinstance(element_id, int) else None
        if isinstance(element, LeadCard) and self.cards.get(element.lead_id) is element:
            return element
        return None

    def _initials(self, user_id: str | None) -> str | None:
        if not user_id:
            return None
        member = self.members.get(uuid.UUID(str(user_id)))
        return member.initials if member else None

    def _member_name(self, user_id: str | None) -> str | None:
        member = self.members.get(uuid.UUID(str(user_id))) if user_id else None
        return member.name if member else None

    async def open_linked(self, lead_id: str | None) -> None:
        """Open the lead a link names (``/pipeline?lead=<id>``), drawn or not; an unknown id opens nothing."""
        try:
            wanted = uuid.UUID(lead_id or '')
        except ValueError:
            return
        card = self.cards.get(wanted)
        lead = card.lead if card is not None else None
        if lead is None:
            org = self.viewer.organization_id
            async with self.ctx.db.session(read_only=True, organization_id=org) as session:
                try:
                    found = await get_lead(session, organization_id=org, lead_id=wanted)
                except NotFound:
                    return
                lead = lead_public(found).model_dump(mode='json')
        await self.lead_dialog.open_edit(lead, editable=self.viewer.can_write)

    async def set_filter(self, board_filter: BoardFilter) -> None:
        """Apply a new filter (server query)."""
        if board_filter == self.filter:
            return
        self.filter = board_filter
        self.filters_toggle.show_count(active_filters(board_filter))
        if self._on_filter is not None:
            self._on_filter(board_filter)
        await self.reload()

    async def import_csv(self) -> None:
        """The CSV import dialog; the imported leads arrive on this board (and teammates') as events."""
        with self:
            await open_import_dialog(self.ctx, self.viewer)

    async def export_csv(self) -> None:
        """Download what the board shows (its filter) as CSV in the viewer's language."""
        with self:
            await export_csv(self.ctx, self.viewer, self.filter)

    async def load_more(self, column: StageColumn, limit: int = PAGE_SIZE) -> None:
        """Draw the next page of a column (or the next ``limit`` cards)."""
        drawn = column.card_list
        after = (float(drawn[-1].lead['position']), drawn[-1].lead_id) if drawn else None
        async with self.ctx.db.session(read_only=True, organization_id=self.viewer.organization_id) as session:
            leads = await column_cards(
                session,
                organization_id=self.viewer.organization_id,
                stage=column.stage,
                board_filter=self.filter,
                after=after,
                limit=limit,
            )
        with column.cards:
            for lead in leads:
                if lead.id not in self.cards:
                    self._new_card(lead.model_dump(mode='json'))
        column.refresh_load_more()

    # ----- live events ------------------------------------------------------------------------

    def _enqueue(self, event: LeadEvent) -> None:
        # runs inside the writer's commit: only queue, never touch elements or storage here
        if self._queue.qsize() >= QUEUE_LIMIT:
            self._queue = asyncio.Queue()
            self._queue.put_nowait(None)  # None = "re-read everything"
            return
        self._queue.put_nowait(event)

    async def _apply_events(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self._loaded.wait()
                if event is not None and self._queue.qsize() >= BURST:
                    while not self._queue.empty():  # everything waiting is committed: the re-read includes it
                        self._queue.get_nowait()
                    event = None
                if event is None:
                    await self.reload()
                    continue
                respaced = event.seq > self.last_seq and bool(event.payload.get('rebalanced'))
                if event.seq > self.last_seq + 1 or respaced:
                    # a gap (something was missed), or a move that renumbered a whole column: the
                    # positions of the cards drawn there are stale, so their order can't place the next move
                    await self.reload()
                    if respaced:
                        self._show_remote_move(event)  # the re-read drew it; still show who moved what
                if event.seq <= self.last_seq:
                    self.own_moves.discard(event.lead_id)
                    continue  # already part of what the board read
                self.last_seq = event.seq
                self.apply(event)
                self.empty_state.refresh()
                if self._queue.empty():
                    await self._top_up()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception('board could not apply event %s; re-reading', event.seq if event else None)
                try:
                    await self.reload()
                except Exception:
                    log.exception('board re-read failed; the next event retries')
                    self.last_seq = -1  # forces a re-read (a "gap") on the next event

    async def _top_up(self) -> None:
        """A card that left a partly drawn column leaves it short of a page: draw the next ones up to a page."""
        for column in self.columns.values():
            drawn = len(column.card_list)
            if column.remaining > 0 and drawn < PAGE_SIZE:
                await self.load_more(column, limit=PAGE_SIZE - drawn)

    def apply(self, event: LeadEvent) -> None:
        """Apply one event: totals of the affected columns, then the card element."""
        lead = event.lead or {}
        card = self.cards.get(event.lead_id)
        if event.type == EventType.LEAD_NOTE_CHANGED:  # no total, place or version changes (services/notes.py)
            if card is not None and lead:
                card.lead = lead  # the card shows no notes: its snapshot only, for the next dialog opening
            self.lead_dialog.note_changed(
                event.lead_id, event.payload.get('action', ''), event.payload.get('note') or {}
            )
            return
        if event.type == EventType.LEAD_ACTIVITY_CHANGED:  # the card's next step only (services/activities.py)
            if card is not None and lead:
                card.update_lead(lead)
            self.lead_dialog.activity_changed(
                event.lead_id, event.payload.get('action', ''), event.payload.get('activity') or {}
            )
            return
        before: dict[str, Any] | None
        after: dict[str, Any] | None = lead
        if event.type == EventType.LEAD_CREATED:
            before = None
        elif event.type == EventType.LEAD_DELETED:
            before, after = lead, None
        elif event.type == EventType.LEAD_STAGE_CHANGED:
            old_outcome = event.payload.get('old_outcome', lead.get('outcome'))
            before = {**lead, 'stage': event.payload.get('old_stage'), 'outcome': old_outcome}
        else:
            before = event.payload.get('before') or (card.lead if card else None)
        if event.type in (EventType.LEAD_CREATED, EventType.LEAD_DELETED):
            self.totals.count_change(1 if event.type == EventType.LEAD_CREATED else -1)
        probabilities = self.probabilities
        if before is not None and self.filter.matches(before):
            self.columns[before['stage']].adjust(-1, -money(before), -weighted_value(before, probabilities))
        matches = after is not None and self.filter.matches(after)
        if matches:
            self.columns[after['stage']].adjust(1, money(after), weighted_value(after, probabilities))  # type: ignore[index]
        self.totals.show(self.columns.values())
        remote = event.actor_user_id != self.viewer.user_id
        own_move = event.lead_id in self.own_moves
        self.own_moves.discard(event.lead_id)
        self.place(after if matches else None, card, lead_id=event.lead_id, flash=remote, keep_drawn=own_move)
        self._announce_remote_move(event)
        self.lead_dialog.lead_changed(event.lead_id)  # its change log, if that lead's dialog is open

    def _show_remote_move(self, event: LeadEvent) -> None:
        """Flash and announce a teammate's move that the board drew by re-reading."""
        card = self.cards.get(event.lead_id)
        if card is not None and event.actor_user_id != self.viewer.user_id:
            card.flash()
        self._announce_remote_move(event)

    def _announce_remote_move(self, event: LeadEvent) -> None:
        lead = event.lead or {}
        if (
            event.actor_user_id != self.viewer.user_id
            and event.type == EventType.LEAD_STAGE_CHANGED
            and event.payload.get('old_stage') != lead.get('stage')
        ):
            actor = self.members.get(event.actor_user_id) if event.actor_user_id else None
            self.announce(
                self.t(
                    'board.moved_live',
                    actor=actor.name if actor else '—',
                    name=lead.get('name', ''),
                    stage=self.t(f'stage.{lead.get("stage")}'),
                )
            )

    def place(
        self,
        lead: dict[str, Any] | None,
        card: LeadCard | None,
        *,
        lead_id: uuid.UUID,
        flash: bool = False,
        keep_drawn: bool = False,
    ) -> None:
        """Put a lead's card where its snapshot says (or remove it when it is gone or filtered out)."""
        if card is not None and self.cards.get(lead_id) is not card:
            card = self.cards.get(lead_id)  # a stale reference: an event removed or redrew it meanwhile
        old_column = self._column_of(card)
        if lead is None:
            if card is not None:
                self._remove(card)
            if old_column:
                old_column.refresh_load_more()
            return
        column = self.columns[lead['stage']]
        index = column.index_for(lead, exclude=card)
        if index is None and keep_drawn and card is not None and card.parent_slot is column.cards.default_slot:
            # this board's own drop just below its last drawn card: the server put it right there, so the
            # column stays contiguous and the person keeps seeing what they moved
            index = len(column.card_list) - 1
        if index is None:  # belongs below the drawn part of the column
            if card is not None:
                self._remove(card)
        elif card is None:
            with column.cards:
                card = self._new_card(lead)
            card.move(column.cards, target_index=index)
            if flash:
                card.flash()
        else:
            card.update_lead(lead)
            if card.parent_slot is not column.cards.default_slot or column.card_list.index(card) != index:
                card.move(column.cards, target_index=index)
                if flash:
                    card.flash()
        column.refresh_load_more()
        if old_column and old_column is not column:
            old_column.refresh_load_more()

    def _column_of(self, card: LeadCard | None) -> StageColumn | None:
        if card is None or card.parent_slot is None:
            return None
        return next((c for c in self.columns.values() if c.cards.default_slot is card.parent_slot), None)

    def _remove(self, card: LeadCard) -> None:
        if self.cards.get(card.lead_id) is card:
            del self.cards[card.lead_id]
        if not card.is_deleted:
            card.delete()

    def announce(self, text: str) -> None:
        """Say something in the aria-live region."""
        self.announcer.text = text

    def shut(self, message_key: str, path: str) -> None:
        """Access is gone: stop live updates, take every card off the page, then leave for ``path``."""
        self._stop()
        self.cards.clear()
        self.clear()
        with self:  # explicit parent: this runs inside someone else's request
            ui.label(self.t(message_key)).classes('text-h6 q-pa-lg').props('role=alert')
        self.client.open(path)
