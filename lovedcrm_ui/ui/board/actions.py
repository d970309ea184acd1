"""What a person does on the board: drop, keyboard and menu moves, star, create, edit, delete.

Every action calls the same services as the API (a stage move: ``services.moves.move_lead``, which
validates, stores and records the event). Totals and card placement are then corrected by the
organization's event (``PipelineBoard.apply``), which the acting board receives like everyone else.
"""

import logging
import uuid
from typing import TYPE_CHECKING, Any

from nicegui import ui
from nicegui.events import SortableEventArguments
from pydantic import ValidationError

from models import STAGE_ORDER, PipelineStage
from models.lead import LeadCreate, LeadUpdate
from models.types import LeadOutcome

from ...extensions import ActionContext, ActionRefused, CardAction, localize
from ...services import leads, moves, outcomes, undo
from ...services.board import index_below
from ...services.errors import Conflict, DomainError, NotFound
from ..refusals import refusal, validation_messages
from .card import LeadCard
from .dialogs import SaveOutcome, SaveRefused

if TYPE_CHECKING:
    from ...context import AppContext
    from ..i18n import Translate
    from ..session import Viewer
    from .board import PipelineBoard

log = logging.getLogger(__name__)
STAGES = [stage.value for stage in STAGE_ORDER]
BOTTOM = 10**9  # an index past any column: "at the bottom"


class BoardActions:
    """What a person does on one board; reads and redraws through the board it was given."""

    def __init__(self, board: 'PipelineBoard') -> None:
        self.board = board
        self.ctx: AppContext = board.ctx
        self.viewer: Viewer = board.viewer
        self.t: Translate = board.t

    async def on_drop(self, e: SortableEventArguments) -> None:
        """A card was dropped (NiceGUI already moved the element): persist, or put it back."""
        card = e.item
        if not isinstance(card, LeadCard):
            return
        stage = getattr(e.target, 'stage', None)
        if stage is None:
            return
        drawn = [c for c in self.board.columns[stage].card_list if c is not card]
        above = drawn[e.new_index - 1] if 0 < e.new_index <= len(drawn) else None
        await self.request_move(card, stage, above=above)

    async def key_move(self, card: LeadCard, key: str) -> None:
        """Alt+←/→: previous/next stage (top); Alt+↑/↓: one place up/down in the column."""
        if not self._writer_or_explain():
            return
        stage = card.lead['stage']
        position = STAGES.index(stage)
        if key in ('left', 'right'):
            target = position + (1 if key == 'right' else -1)
            if 0 <= target < len(STAGES):
                await self.request_move(card, STAGES[target], above=None, refocus=True)
            return
        drawn = self.board.columns[stage].card_list
        index = drawn.index(card) if card in drawn else 0
        new_index = index - 1 if key == 'up' else index + 1
        if not 0 <= new_index < len(drawn):
            return
        others = [c for c in drawn if c is not card]
        above = others[new_index - 1] if new_index > 0 else None
        card.move(self.board.columns[stage].cards, target_index=new_index)
        await self.request_move(card, stage, above=above, refocus=True)

    async def on_card(self, card: LeadCard, action: str) -> None:
        """A click or key on a card (heard once for the whole board, see ``card.listen_to_cards``)."""
        if action == 'open':
            await self.open_card(card)
        elif action == 'star':
            await self.toggle_star(card)
        elif action == 'menu':
            self.open_move_menu(card)
        else:
            await self.key_move(card, action)

    def open_move_menu(self, card: LeadCard) -> None:
        """The card's menu: "Mover para…" for people who edit, and the plugins' actions that apply to the lead."""
        actions = self.card_actions(card.lead)
        if not actions and not self._writer_or_explain():
            return
        self.board.move_dialog.show_for(card.lead, actions=actions, can_move=self.viewer.can_write)

    def card_actions(self, lead: dict[str, Any]) -> list[CardAction]:
        """The plugins' card actions this person may run on this lead."""
        offered = []
        for action in self.ctx.extensions.actions.values():
            if action.writes and not self.viewer.can_write:
                continue
            try:
                if action.available(lead):
                    offered.append(action)
            except Exception:  # a plugin's bug hides its own entry, never the menu
                log.exception('card action %s: available() failed', action.key)
        return offered

    async def run_action(self, lead_id: uuid.UUID, key: str) -> None:
        """Run a plugin's card action on the lead as its card shows it (writes carry the card's version)."""
        card, action = self.board.cards.get(lead_id), self.ctx.extensions.actions.get(key)
        if card is None or action is None or action not in self.card_actions(card.lead):
            return
        label = localize(action.label, self.viewer.language)
        context = ActionContext(
            lead=dict(card.lead),
            user_id=self.viewer.user_id,
            user_name=self.viewer.name,
            organization_id=self.viewer.organization_id,
            role=self.viewer.role,
            language=self.viewer.language,
            update=lambda fields: self.update_from_action(lead_id, int(card.lead['version']), fields),
            notify=self._tell,
        )
        try:
            await action.run(context)
        except ActionRefused as exc:
            self._tell(self.t('action.failed', action=label, reason=exc.message), 'warning')
        except Exception:
            log.exception('card action %s failed', key)
            self._tell(self.t('action.failed', action=label, reason=self.t('error.generic')), 'negative')

    async def update_from_action(self, lead_id: uuid.UUID, version: int, fields: dict[str, Any]) -> dict[str, Any]:
        """``ActionContext.update``: one versioned ``lead_updated`` through the same service as the dialog."""
        try:
            values = dict(fields)
            if 'custom_fields' in values:
                values['custom_fields'] = self.ctx.extensions.check_values(values['custom_fields'])
            changes = LeadUpdate(**values, expected_version=version)
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                lead = await leads.update_lead(session, caller=self.viewer.caller, lead_id=lead_id, changes=changes)
                return leads.lead_public(lead).model_dump(mode='json')
        except ValidationError as exc:
            raise ActionRefused('; '.join(validation_messages(exc, self.t))) from exc
        except Conflict as exc:
            raise ActionRefused(self.t('error.version_conflict')) from exc
        except NotFound as exc:
            raise ActionRefused(self.t('lead.conflict_gone')) from exc
        except DomainError as exc:
            raise ActionRefused(refusal(exc, self.t)) from exc
        except Exception as exc:
            reason = self.board.outage.failed(exc)
            if reason is None:
                raise
            raise ActionRefused(reason) from exc

    async def menu_move(self, lead_id: uuid.UUID, stage: str, place: str) -> None:
        """Move chosen in the dialog: top or bottom of a stage."""
        card = self.board.cards.get(lead_id)
        if card is not None:
            await self.request_move(card, stage, above=None, index=0 if place == 'top' else BOTTOM, refocus=True)

    async def request_move(
        self,
        card: LeadCard,
        stage: str,
        *,
        above: LeadCard | None,
        index: int | None = None,
        refocus: bool = False,
    ) -> None:
        """Ask the server to move ``card`` below ``above`` (or to ``index``) with the version it was drawn with."""
        lead = card.lead
        if self.board.outage.refuse_move(card):
            return
        # a drop or key move lands where the person sees it (kept drawn even just below the drawn part);
        # "bottom" from the menu goes to the column's real end, which may not be drawn
        keep_drawn = index != BOTTOM
        if keep_drawn:
            self.board.own_moves.add(card.lead_id)
        try:
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                if index is None:
                    index = await index_below(
                        session,
                        organization_id=self.viewer.organization_id,
                        stage=stage,
                        lead_id=card.lead_id,
                        above_id=above.lead_id if above else None,
                    )
                place = await undo.place_of(session, organization_id=self.viewer.organization_id, lead_id=card.lead_id)
                with self.ctx.metrics.stage_move():
                    moved = await moves.move_lead(
                        session,
                        caller=self.viewer.caller,
                        lead_id=card.lead_id,
                        stage=PipelineStage(stage),
                        index=index,
                        expected_version=card.version,
                    )
        except Conflict as exc:
            self.board.own_moves.discard(card.lead_id)
            current = exc.extra.get('current')
            self.board.place(current, card, lead_id=card.lead_id)
            self._tell(self.t('board.conflict', name=lead['name']), 'warning')
            return
        except NotFound:
            self.board.own_moves.discard(card.lead_id)
            self.board.place(None, card, lead_id=card.lead_id)
            self._tell(self.t('board.lead_gone', name=lead['name']), 'warning')
            return
        except DomainError as exc:
            self.board.own_moves.discard(card.lead_id)
            self.board.place(lead, card, lead_id=card.lead_id)  # back where it was
            self._tell(self.t('board.move_failed', name=lead['name'], reason=refusal(exc, self.t)), 'negative')
            return
        except Exception as exc:
            reason = self.board.outage.failed(exc)  # the database away or busy: back where it was, say so
            if reason is None:
                raise
            self.board.own_moves.discard(card.lead_id)
            self.board.place(lead, card, lead_id=card.lead_id)
            self._tell(self.t('board.move_failed', name=lead['name'], reason=reason), 'warning')
            return
        shown: LeadCard | None = card
        if moved.respaced:
            # the move renumbered the column: the drawn cards' positions are stale, so draw the board again
            await self.board.reload()
            shown = self.board.cards.get(card.lead_id)  # a new element
        else:
            snapshot = leads.lead_public(moved.lead).model_dump(mode='json')
            # the exact spot the server chose; the move's event finds the card there
            self.board.place(snapshot, card, lead_id=card.lead_id, keep_drawn=keep_drawn)
            shown = self.board.cards.get(card.lead_id)  # None when it now sits below the drawn part
        drawn = self.board.columns[stage].card_list
        position = drawn.index(shown) + 1 if shown in drawn else index + 1
        message = self.t('board.moved_self', name=lead['name'], stage=self.t(f'stage.{stage}'), position=position)
        self.board.announce(message)
        if place is not None:
            self.board.undo.offer_move(
                message, lead_id=card.lead_id, name=lead['name'], place=place, version=moved.lead.version
            )
        if refocus and shown is not None and shown in self.board.cards.values():
            # the one line of JavaScript: moving a DOM node drops its focus; keyboard users keep their place
            ui.run_javascript(f'getHtmlElement({shown.id})?.focus()')
        if stage == PipelineStage.FECHADO and lead['stage'] != stage:  # closed just now: won or lost? (may be left)
            await self.board.outcome_dialog.ask(leads.lead_public(moved.lead).model_dump(mode='json'))

    async def open_outcome(self, lead_id: uuid.UUID) -> None:
        """The card menu's "Resultado…" on a lead in Fechado."""
        card = self.board.cards.get(lead_id)
        if card is not None and card.lead['stage'] == PipelineStage.FECHADO and self._writer_or_explain():
            await self.board.outcome_dialog.ask(card.lead)

    async def load_lost_reasons(self) -> list[str]:
        """The organization's lost reasons, read when the prompt opens (an admin may have just changed them)."""
        try:
            async with self.ctx.db.session(read_only=True, organization_id=self.viewer.organization_id) as session:
                return await outcomes.lost_reasons(session, organization_id=self.viewer.organization_id)
        except Exception as exc:  # the database away or busy: the prompt still offers won, lost and free text
            if self.board.outage.failed(exc) is None:
                raise
            return []

    async def set_outcome(
        self, lead_id: uuid.UUID, version: int, outcome: LeadOutcome | None, reason: str | None
    ) -> SaveOutcome:
        """Won / lost (with a reason) / none, against the version the prompt showed: one ``lead_updated``."""
        try:
            changes = LeadUpdate(outcome=outcome, lost_reason=reason, expected_version=version)
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                lead = await leads.update_lead(session, caller=self.viewer.caller, lead_id=lead_id, changes=changes)
        except ValidationError as exc:
            return SaveRefused('; '.join(validation_messages(exc, self.t)))
        except Conflict as exc:
            current = exc.extra.get('current') or {}
            return SaveRefused(self.t('outcome.conflict', name=current.get('name', '')), current=current)
        except NotFound:
            return SaveRefused(self.t('lead.conflict_gone'))
        except DomainError as exc:
            return SaveRefused(refusal(exc, self.t))
        except Exception as exc:
            reason = self.board.outage.failed(exc)
            if reason is None:
                raise
            return SaveRefused(reason)
        key = {LeadOutcome.WON: 'outcome.saved_won', LeadOutcome.LOST: 'outcome.saved_lost', None: 'outcome.cleared'}
        self._tell(self.t(key[outcome], name=lead.name), 'positive')
        return None

    async def toggle_star(self, card: LeadCard) -> None:
        """Star or unstar from the card."""
        if not self._writer_or_explain():
            return
        try:
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                await leads.set_favorite(
                    session,
                    caller=self.viewer.caller,
                    lead_id=card.lead_id,
                    is_favorite=not card.lead.get('is_favorite'),
                )
        except DomainError as exc:
            self._tell(refusal(exc, self.t), 'negative')
        except Exception as exc:
            self._tell_database_failure(exc)

    async def open_new(self, stage: str) -> None:
        """Quick-add in a column."""
        if self._writer_or_explain():
            await self.board.lead_dialog.open_new(stage)

    async def open_card(self, card: LeadCard) -> None:
        """Open the lead (read-only for viewers)."""
        await self.board.lead_dialog.open_edit(card.lead, editable=self.viewer.can_write)

    async def save_lead(self, lead_id: uuid.UUID | None, values: dict[str, Any], version: int | None) -> SaveOutcome:
        """Create, or save the dialog's edits against the version it showed, in one transaction."""
        try:
            if 'custom_fields' in values:  # the plugins' rules (the form offers only valid choices; text has limits)
                values['custom_fields'] = self.ctx.extensions.check_values(values['custom_fields'])
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                if lead_id is None:
                    values.pop('is_favorite', None)  # the new-lead form has no star
                    values.pop('outcome', None), values.pop('lost_reason', None)  # said after closing, not at creation
                    created = await leads.create_lead(session, caller=self.viewer.caller, data=LeadCreate(**values))
                    self._tell(self.t('lead.created', name=created.name), 'positive')
                    return None
                edited = dict(values)  # what the person changed, the stage included (what an undo puts back)
                stage = values.pop('stage', None)
                changes = LeadUpdate(**values, expected_version=version)
                saved = await moves.save_lead(
                    session,
                    caller=self.viewer.caller,
                    lead_id=lead_id,
                    changes=changes,
                    stage=PipelineStage(stage) if stage else None,
                )
        except ValidationError as exc:  # the form checks most fields itself; the schema has the last word
            return SaveRefused('; '.join(validation_messages(exc, self.t)))
        except Conflict as exc:
            return SaveRefused(refusal(exc, self.t), current=exc.extra.get('current'))
        except NotFound:
            return SaveRefused(self.t('lead.conflict_gone'))
        except DomainError as exc:
            return SaveRefused(refusal(exc, self.t))
        except Exception as exc:
            reason = self.board.outage.failed(exc)  # the database away or busy: the dialog keeps the edits
            if reason is None:
                raise
            return SaveRefused(reason)
        if saved.before is None:
            self._tell(self.t('lead.saved', name=saved.lead.name), 'positive')
            return None
        self.board.undo.offer_edit(
            self.t('lead.saved', name=saved.lead.name),
            lead_id=lead_id,
            name=saved.lead.name,
            before=saved.before,
            edited=edited,
            version=saved.lead.version,
        )
        return None

    async def delete_lead(self, lead: dict[str, Any]) -> None:
        """Delete after confirmation (the dialog asked)."""
        lead_id = uuid.UUID(str(lead['id']))
        try:
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                last = await leads.delete_lead(session, caller=self.viewer.caller, lead_id=lead_id)
        except NotFound:
            self._tell(self.t('lead.deleted', name=lead['name']), 'positive')
            return  # someone else deleted it first: the event removes the card (nothing of ours to undo)
        except DomainError as exc:
            self._tell(refusal(exc, self.t), 'negative')
            return
        except Exception as exc:
            self._tell_database_failure(exc)
            return
        self.board.undo.offer_restore(
            self.t('lead.deleted', name=lead['name']), lead_id=lead_id, name=lead['name'], version=int(last['version'])
        )

    def _writer_or_explain(self) -> bool:
        if self.viewer.can_write:
            return True
        self._tell(self.t('board.viewer_notice'), 'info')
        return False

    def _tell_database_failure(self, exc: Exception) -> None:
        reason = self.board.outage.failed(exc)
        if reason is None:
            raise exc
        self._tell(reason, 'warning')

    def _tell(self, message: str, kind: str) -> None:
        self.board.announce(message)
        with self.board.client:
            ui.notify(message, type=kind)  # type: ignore[arg-type]
