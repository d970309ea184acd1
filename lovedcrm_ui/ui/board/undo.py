"""Undo on the board: after a person's move, save or delete, a bar offers "Desfazer" for a few seconds.

Why a bar of our own and not a notification: NiceGUI 3's ``ui.notify`` and ``ui.notification`` hand Quasar's
``actions`` to the browser, where an action's ``handler`` can only be a JavaScript function (a ``:handler``
string the client evaluates); reaching Python from it takes hand-written JavaScript that emits an event, and
NiceGUI's simulated ``User`` cannot press a notification's action. A row of NiceGUI elements is Python end to
end, a real button (Tab reaches it, Enter presses it), and testable. The board's aria-live region says the
message (the bar itself is no live region, so a screen reader hears it once). Ctrl+Z (⌘Z on a Mac) presses
"Desfazer" from anywhere on the page while it is offered — except in a text field, whose own undo it stays, and
while a dialog is open.

Every undo is a new versioned write (``services.undo``) carrying the version the person's own write produced:
if a teammate changed the lead in between, nothing is written and the person is told who.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from nicegui import background_tasks, ui
from nicegui.events import KeyEventArguments
from sqlalchemy.ext.asyncio import AsyncSession

from models import EventType

from ...services import undo
from ...services.errors import Conflict, DomainError, NotFound
from ..refusals import refusal

if TYPE_CHECKING:
    from ..i18n import Translate
    from .board import PipelineBoard

OFFER_SECONDS = 10.0  # how long "Desfazer" stays offered


class UndoBar(ui.row):
    """The bar at the bottom of the board: what was done, "Desfazer", and a close button."""

    def __init__(self, *, t: 'Translate') -> None:
        super().__init__()
        self._action: Callable[[], Awaitable[None]] | None = None
        self._expiry: asyncio.Task[None] | None = None
        self.classes('undo-bar items-center no-wrap gap-2 q-pl-md q-pr-sm q-py-xs bg-grey-9 text-white shadow-4')
        self.style(
            'position:fixed;bottom:1.25rem;left:50%;transform:translateX(-50%);z-index:6000;'
            'max-width:calc(100vw - 2rem);border-radius:8px'
        )
        self.props(f'role=group aria-label="{t("undo.button")}"')
        with self:
            self.message = ui.label().classes('ellipsis undo-message')
            self.button = ui.button(t('undo.button'), on_click=self._undo).props(
                'flat dense no-caps color=amber-4 aria-keyshortcuts="Control+Z Meta+Z"'
            )
            self.button.mark('undo-button').tooltip(t('undo.shortcut'))
            ui.button(icon='close', on_click=self.withdraw).props(
                f'flat dense round color=white aria-label="{t("undo.dismiss")}"'
            )
        self.mark('undo-bar').set_visibility(False)
        # beside the bar, not in it (the hidden bar would take it along); text fields and buttons keep their keys
        self.keys = ui.keyboard(on_key=self._on_key, ignore=['input', 'select', 'button', 'textarea'])

    @property
    def offered(self) -> bool:
        """Whether "Desfazer" is on offer now."""
        return self._action is not None

    def offer(self, message: str, action: Callable[[], Awaitable[None]], seconds: float = OFFER_SECONDS) -> None:
        """Show ``message`` with "Desfazer" (running ``action``) for ``seconds``; replaces an earlier offer."""
        self._cancel_expiry()
        self._action = action
        self.message.text = message
        self.set_visibility(True)

        async def expire() -> None:
            await asyncio.sleep(seconds)
            if self._action is action and not self.is_deleted:
                self.withdraw()

        self._expiry = background_tasks.create(expire(), name='undo-offer')

    def withdraw(self) -> None:
        """Take the offer away."""
        self._cancel_expiry()
        self._action = None
        if not self.is_deleted:
            self.set_visibility(False)

    async def _undo(self) -> None:
        action = self._action
        self.withdraw()  # one press undoes once
        if action is not None:
            await action()

    async def _on_key(self, e: KeyEventArguments) -> None:
        shortcut = (e.modifiers.ctrl or e.modifiers.meta) and not (e.modifiers.shift or e.modifiers.alt)
        if e.action.keydown and not e.action.repeat and shortcut and e.key.name.lower() == 'z' and self.offered:
            if not self._dialog_open():  # a key pressed in a dialog is about the dialog, not the board behind it
                await self._undo()

    def _dialog_open(self) -> bool:
        return any(isinstance(element, ui.dialog) and element.value for element in self.client.elements.values())

    def _cancel_expiry(self) -> None:
        if self._expiry is not None and not self._expiry.done():
            self._expiry.cancel()
        self._expiry = None


class BoardUndo:
    """Offers and runs the undo of one board's own writes, through ``services.undo``."""

    def __init__(self, board: 'PipelineBoard', bar: UndoBar) -> None:
        self.board = board
        self.bar = bar
        self.t = board.t

    def offer(self, message: str, action: Callable[[], Awaitable[None]]) -> None:
        """Offer an undo (never to a viewer: they write nothing to undo)."""
        if self.board.viewer.can_write:
            self.board.announce(message)
            self.bar.offer(message, action)

    def offer_move(self, message: str, *, lead_id: uuid.UUID, name: str, place: undo.LeadPlace, version: int) -> None:
        """After a move: back to ``place`` (stage and index) if the lead is still at ``version``."""

        async def run(session: AsyncSession) -> None:
            await undo.undo_move(
                session, caller=self.board.viewer.caller, lead_id=lead_id, place=place, expected_version=version
            )

        self.offer(message, lambda: self._run(lead_id, name, run))

    def offer_edit(
        self,
        message: str,
        *,
        lead_id: uuid.UUID,
        name: str,
        before: dict[str, Any],
        edited: Mapping[str, Any],
        version: int,
    ) -> None:
        """After a dialog's save: the fields it changed get their values in ``before`` again."""

        async def run(session: AsyncSession) -> None:
            await undo.undo_edit(
                session,
                caller=self.board.viewer.caller,
                lead_id=lead_id,
                before=before,
                edited=edited,
                expected_version=version,
            )

        self.offer(message, lambda: self._run(lead_id, name, run))

    def offer_restore(self, message: str, *, lead_id: uuid.UUID, name: str, version: int) -> None:
        """After a delete: the lead comes back from its last snapshot (same id) unless it changed since."""

        async def run(session: AsyncSession) -> None:
            await undo.restore_lead(session, caller=self.board.viewer.caller, lead_id=lead_id, expected_version=version)

        self.offer(message, lambda: self._run(lead_id, name, run))

    async def _run(self, lead_id: uuid.UUID, name: str, write: Callable[[AsyncSession], Awaitable[None]]) -> None:
        viewer = self.board.viewer
        try:
            async with self.board.ctx.db.session(organization_id=viewer.organization_id) as session:
                await write(session)
        except (Conflict, NotFound):
            self._tell(await self._why_refused(lead_id), 'warning')
            return
        except DomainError as exc:
            self._tell(self.t('undo.failed', name=name, reason=refusal(exc, self.t)), 'negative')
            return
        except Exception as exc:
            reason = self.board.outage.failed(exc)  # the database away or busy: nothing was written, say so
            if reason is None:
                raise
            self._tell(self.t('undo.failed', name=name, reason=reason), 'warning')
            return
        self._tell(self.t('undo.done', name=name), 'positive')

    async def _why_refused(self, lead_id: uuid.UUID) -> str:
        """Who changed the lead since the person's write ("Bruno alterou este lead depois; nada foi desfeito")."""
        viewer = self.board.viewer
        try:
            async with self.board.ctx.db.session(read_only=True, organization_id=viewer.organization_id) as session:
                change = await undo.last_change(session, organization_id=viewer.organization_id, lead_id=lead_id)
        except Exception:  # the refusal stands; only the name is missing
            change = None
        if change is None or change.actor_name is None:
            return self.t('undo.changed_since_someone')
        if change.actor_user_id == viewer.user_id:
            return self.t('undo.changed_since_you')
        key = 'undo.deleted_since' if change.type == EventType.LEAD_DELETED else 'undo.changed_since'
        return self.t(key, actor=change.actor_name)

    def _tell(self, message: str, kind: str) -> None:
        self.board.announce(message)
        with self.board.client:
            ui.notify(message, type=kind)  # type: ignore[arg-type]
