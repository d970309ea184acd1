"""A lead card: one element (escaped HTML, the favourite star included) and no listeners of its own.

NiceGUI redraws the page's whole element tree on every update and builds every element with some
cost on the server, so a card is kept to one element: a board of 250 cards is ~250 elements, not
750. Clicks and keys on cards are heard once for the whole board (``listen_to_cards``); nine
listeners on each card had made every redraw ~30% slower in Chromium.
"""

import asyncio
import html
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from nicegui import background_tasks, ui
from nicegui.events import GenericEventArguments

from models.types import utcnow

from ..i18n import Translate, format_brl
from .outcome import outcome_badge

MAX_TAGS = 3


def days_in_stage(lead: dict[str, Any], now: datetime | None = None) -> int:
    """Whole days since the lead entered its stage (from ``stage_changed_at``)."""
    changed = lead.get('stage_changed_at')
    if isinstance(changed, str):
        changed = datetime.fromisoformat(changed)
    if changed is None:
        return int(lead.get('days_in_current_stage') or 0)
    return max(0, ((now or utcnow()) - changed).days)


def sort_key(lead: dict[str, Any]) -> tuple[float, str]:
    """Board order inside a column: position, then id (the same as the database query)."""
    return float(lead['position']), str(lead['id'])


class LeadCard(ui.html):
    """One lead on the board; focusable, labelled for screen readers, drawn from escaped text only."""

    def __init__(
        self,
        lead: dict[str, Any],
        *,
        t: Translate,
        initials_of: Callable[[str | None], str | None],
        idle_days: tuple[int, int],
        chips: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = None,
        name_of: Callable[[str | None], str | None] | None = None,
        next_step: Callable[[dict[str, Any]], tuple[str, str]] | None = None,
    ) -> None:
        super().__init__('', sanitize=False)  # built from html.escape() only
        self.lead: dict[str, Any] = lead
        self._chips = chips  # plugin fields shown on the card: (text, tone) each (extensions.py)
        self.days = 0  # days in stage as last drawn
        self._t = t
        self._initials_of = initials_of
        self._name_of = name_of  # the assignee's full name: the avatar's tooltip and the card's label
        self._idle_days = idle_days
        self._next_step = next_step  # the next activity's line and spoken text (next_step.py)
        self.step = ''  # the next step's spoken text as last drawn (it moves on with the clock: overdue, tomorrow…)
        self.classes('lead-card').props('tabindex=0 role=listitem')
        self.redraw()

    @property
    def lead_id(self) -> uuid.UUID:
        """The lead's id."""
        return uuid.UUID(str(self.lead['id']))

    @property
    def version(self) -> int:
        """The version the card was drawn with (sent as ``expected_version`` on a move)."""
        return int(self.lead['version'])

    def set_idle_days(self, idle_days: tuple[int, int]) -> None:
        """The organization's new idle thresholds (warning, alert)."""
        if idle_days != self._idle_days:
            self._idle_days = idle_days
            self.redraw()

    def refresh_days(self) -> None:
        """Redraw when another day in the stage has passed since the card was drawn."""
        if days_in_stage(self.lead) != self.days or (self._next_step and self._next_step(self.lead)[1] != self.step):
            self.redraw()

    def update_lead(self, lead: dict[str, Any]) -> None:
        """Take a newer snapshot and redraw."""
        self.lead = lead
        self.redraw()

    def redraw(self) -> None:
        """Rebuild the card's text, label, star and idle highlight from ``self.lead``."""
        lead, t = self.lead, self._t
        days = self.days = days_in_stage(lead)
        warning, alert = self._idle_days
        value = format_brl(lead['estimated_value']) if lead.get('estimated_value') is not None else ''
        tags = list(lead.get('tags') or [])
        shown = ''.join(f'<span class="lead-tag">{html.escape(tag)}</span>' for tag in tags[:MAX_TAGS])
        if len(tags) > MAX_TAGS:
            shown += f'<span class="lead-tag">+{len(tags) - MAX_TAGS}</span>'
        # a tone is one of extensions.TONES (checked there); escaped anyway, as everything on a card
        chip_list = self._chips(lead) if self._chips else []
        chips = ''.join(
            f'<span class="lead-chip tone-{html.escape(tone)}">{html.escape(text)}</span>' for text, tone in chip_list
        )
        badge = outcome_badge(lead, t)  # won / lost / no outcome, on a lead in Fechado
        if badge is not None:
            chips = f'<span class="lead-chip lead-outcome tone-{badge[1]}">{html.escape(badge[0])}</span>' + chips
        initials = self._initials_of(lead.get('assigned_user_id'))
        assignee = (self._name_of(lead.get('assigned_user_id')) if self._name_of else None) or initials
        idle = ''
        if days >= alert:
            idle = t('board.idle_alert', n=days)
        elif days >= warning:
            idle = t('board.idle_warning', n=days)
        favorite = bool(lead.get('is_favorite'))
        step, self.step = self._next_step(lead) if self._next_step else ('', '')
        self.content = (
            f'<div class="lead-name" title="{html.escape(lead["name"])}">{html.escape(lead["name"])}</div>'
            '<div class="lead-meta">'
            + (f'<span class="lead-value">{html.escape(value)}</span>' if value else '')
            + f'<span class="lead-source">{html.escape(lead.get("source") or "")}</span></div>'
            f'<div class="lead-tags">{chips}{shown}</div>'
            + step
            + f'<div class="lead-foot"><span class="lead-days" title="{html.escape(t("board.days_long", n=days))}">'
            f'{html.escape(t("board.days", n=days))}</span>'
            + (f'<span class="lead-idle">{html.escape(idle)}</span>' if idle else '')
            + (
                f'<span class="lead-assignee" title="{html.escape(assignee or "")}" aria-hidden="true">'
                f'{html.escape(initials)}</span>'
                if initials
                else ''
            )
            + '</div>'
            f'<i class="lead-star q-icon notranslate material-icons" role="button" tabindex="-1"'
            f' aria-label="{html.escape(t("board.favorite"))}" aria-pressed="{"true" if favorite else "false"}">'
            f'{"star" if favorite else "star_border"}</i>'
        )
        self.classes(remove='lead-idle-warning lead-idle-alert')
        if days >= alert:
            self.classes('lead-idle-alert')
        elif days >= warning:
            self.classes('lead-idle-warning')
        owner = [t('card.assignee', name=assignee)] if initials and assignee else []
        # the outcome badge, the plugin fields the card shows, and who the lead is assigned to
        heard = ([badge] if badge else []) + chip_list
        spoken = ', '.join([value or '—', *(text for text, _ in heard), *owner, *([self.step] if self.step else [])])
        label = t('board.card_label', name=lead['name'], stage=t(f'stage.{lead["stage"]}'), value=spoken)
        self.props['aria-label'] = label  # an attribute value, not HTML: no escaping needed

    def flash(self) -> None:
        """Highlight briefly (a teammate moved this card).

        A task, not ``ui.timer``: this runs inside a broadcast callback, where creating an element
        would land in the emitter's page.
        """
        self.classes('lead-flash')

        async def fade() -> None:
            await asyncio.sleep(1.6)
            if not self.is_deleted:
                self.classes(remove='lead-flash')

        background_tasks.create(fade(), name='lead-card-flash')


# Which card and what: the browser sends {card: element id, action: ...} for
#   click → 'open' (or 'star' on the star), Enter → 'open', M or right-click → 'menu',
#   Alt+←/→/↑/↓ → 'left'/'right'/'up'/'down'. Anything else stays in the browser.
CARD_KEYS_JS = """(e) => {
  const card = e.target.closest && e.target.closest('.lead-card');
  if (!card) return;
  const plain = !e.altKey && !e.ctrlKey && !e.metaKey;
  let action = null;
  if (e.altKey && !e.ctrlKey && !e.metaKey && e.key.startsWith('Arrow')) action = e.key.slice(5).toLowerCase();
  else if (plain && e.key === 'Enter') action = 'open';
  else if (plain && (e.key === 'm' || e.key === 'M')) action = 'menu';
  if (!action) return;
  e.preventDefault();
  emit({card: Number(card.id.slice(1)), action});
}"""
CARD_CLICK_JS = """(e) => {
  const card = e.target.closest && e.target.closest('.lead-card');
  if (card) emit({card: Number(card.id.slice(1)), action: e.target.closest('.lead-star') ? 'star' : 'open'});
}"""
CARD_MENU_JS = """(e) => {
  const card = e.target.closest && e.target.closest('.lead-card');
  if (!card) return;
  e.preventDefault();
  emit({card: Number(card.id.slice(1)), action: 'menu'});
}"""
CARD_ACTIONS = ('open', 'star', 'menu', 'left', 'right', 'up', 'down')


def listen_to_cards(
    container: ui.element, resolve: Callable[[Any], LeadCard | None], act: Callable[[LeadCard, str], Awaitable[None]]
) -> None:
    """One click, one key and one right-click listener on ``container`` for every card inside it.

    ``resolve`` turns the element id the browser sent into one of the board's cards (or None: a
    stale or forged id is ignored); ``act`` gets the card and one of ``CARD_ACTIONS``.
    """

    async def handle(e: GenericEventArguments) -> None:
        args = e.args if isinstance(e.args, dict) else {}
        card = resolve(args.get('card'))
        action = args.get('action')
        if card is not None and action in CARD_ACTIONS:
            await act(card, action)

    container.on('keydown', handle, js_handler=CARD_KEYS_JS)
    container.on('click', handle, js_handler=CARD_CLICK_JS)
    container.on('contextmenu', handle, js_handler=CARD_MENU_JS)
