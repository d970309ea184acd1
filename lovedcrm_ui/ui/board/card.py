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
from .contact_links import display_phone, mailto_href, tel_href, whatsapp_href
from .outcome import outcome_badge

MAX_TAGS = 3
ICON = '<i class="q-icon notranslate material-icons" aria-hidden="true">{}</i>'


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
        """Rebuild the card's text, label, star and idle highlight from ``self.lead`` (one fragment per helper)."""
        lead, t = self.lead, self._t
        days = self.days = days_in_stage(lead)
        warning, alert = self._idle_days
        value = format_brl(lead['estimated_value']) if lead.get('estimated_value') is not None else ''
        # a tone is one of extensions.TONES (checked there); escaped anyway, as everything on a card
        chip_list = self._chips(lead) if self._chips else []
        badge = outcome_badge(lead, t)  # won / lost / no outcome, on a lead in Fechado
        initials = self._initials_of(lead.get('assigned_user_id'))
        assignee = (self._name_of(lead.get('assigned_user_id')) if self._name_of else None) or initials
        idle = ''
        if days >= alert:
            idle = t('board.idle_alert', n=days)
        elif days >= warning:
            idle = t('board.idle_warning', n=days)
        step, self.step = self._next_step(lead) if self._next_step else ('', '')
        self.content = (
            name_html(lead)
            + meta_html(value, lead.get('source'))
            + contact_html(lead, t)
            + tags_html(lead, badge, chip_list)
            + step
            + foot_html(t, days, idle, initials, assignee)
            + star_html(t, bool(lead.get('is_favorite')))
        )
        self.classes(remove='lead-idle-warning lead-idle-alert')
        if days >= alert:
            self.classes('lead-idle-alert')
        elif days >= warning:
            self.classes('lead-idle-warning')
        owner = [t('card.assignee', name=assignee)] if initials and assignee else []
        # the outcome badge, the plugin fields the card shows, who the lead is assigned to, how to reach them
        heard = ([badge] if badge else []) + chip_list
        spoken = ', '.join(
            [
                value or '—',
                *(text for text, _ in heard),
                *owner,
                *([self.step] if self.step else []),
                *contact_words(lead, t),
            ]
        )
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


# ----- the card's fragments: each returns escaped HTML (or '' when it has nothing to show) -------------------------


def name_html(lead: dict[str, Any]) -> str:
    """The lead's name, clamped to two lines by CSS (whole in its tooltip)."""
    name = html.escape(lead['name'])
    return f'<div class="lead-name" title="{name}">{name}</div>'


def meta_html(value: str, source: str | None) -> str:
    """Value and source."""
    shown = f'<span class="lead-value">{html.escape(value)}</span>' if value else ''
    return f'<div class="lead-meta">{shown}<span class="lead-source">{html.escape(source or "")}</span></div>'


def contact_html(lead: dict[str, Any], t: Translate) -> str:
    """E-mail (a ``mailto:`` link, cut with an ellipsis, whole in its tooltip), phone, "Ligar" and "WhatsApp".

    The links are ``tabindex=-1``: a card stays one tab stop (Enter opens the dialog, whose contact links are
    focusable), so a board of 250 cards is not 1000 stops. Clicks on them are not heard by the board (CARD_CLICK_JS).
    """
    email, phone = (lead.get('email') or '').strip(), (lead.get('phone') or '').strip()
    parts = ''
    if email:
        shown = html.escape(email)
        mailto = mailto_href(email)
        tag, link = ('a', f' href="{mailto}" tabindex="-1"') if mailto else ('span', '')
        parts += f'<{tag} class="lead-email" title="{shown}"{link}>{shown}</{tag}>'
    if phone:
        tel, whatsapp = tel_href(phone), whatsapp_href(phone)
        acts = f'<span class="lead-phone">{html.escape(display_phone(phone))}</span>'
        if tel:
            call = html.escape(t('contact.call'))
            acts += f'<a class="lead-act" href="{tel}" tabindex="-1">{ICON.format("call")}{call}</a>'
        if whatsapp:
            acts += (
                f'<a class="lead-act" href="{whatsapp}" target="_blank" rel="noopener noreferrer" tabindex="-1">'
                f'{ICON.format("chat")}{html.escape(t("contact.whatsapp"))}</a>'
            )
        parts += f'<div class="lead-acts">{acts}</div>'
    return parts


def contact_words(lead: dict[str, Any], t: Translate) -> list[str]:
    """The phone and e-mail as the card's label says them."""
    words = []
    if (lead.get('phone') or '').strip():
        words.append(t('card.phone', phone=lead['phone'].strip()))
    if (lead.get('email') or '').strip():
        words.append(t('card.email', email=lead['email'].strip()))
    return words


def tags_html(lead: dict[str, Any], badge: tuple[str, str] | None, chip_list: list[tuple[str, str]]) -> str:
    """Outcome badge, plugin chips, then the first ``MAX_TAGS`` tags and how many more."""
    tags = list(lead.get('tags') or [])
    shown = ''.join(f'<span class="lead-tag">{html.escape(tag)}</span>' for tag in tags[:MAX_TAGS])
    if len(tags) > MAX_TAGS:
        shown += f'<span class="lead-tag">+{len(tags) - MAX_TAGS}</span>'
    chips = ''.join(
        f'<span class="lead-chip tone-{html.escape(tone)}">{html.escape(text)}</span>' for text, tone in chip_list
    )
    if badge is not None:
        chips = f'<span class="lead-chip lead-outcome tone-{badge[1]}">{html.escape(badge[0])}</span>' + chips
    return f'<div class="lead-tags">{chips}{shown}</div>'


def foot_html(t: Translate, days: int, idle: str, initials: str | None, assignee: str | None) -> str:
    """Days in the stage, the idle warning, the owner's initials."""
    foot = (
        f'<div class="lead-foot"><span class="lead-days" title="{html.escape(t("board.days_long", n=days))}">'
        f'{html.escape(t("board.days", n=days))}</span>'
    )
    if idle:
        foot += f'<span class="lead-idle">{html.escape(idle)}</span>'
    if initials:
        foot += (
            f'<span class="lead-assignee" title="{html.escape(assignee or "")}" aria-hidden="true">'
            f'{html.escape(initials)}</span>'
        )
    return foot + '</div>'


def star_html(t: Translate, favorite: bool) -> str:
    """The favourite star (a click on it is heard by the board as 'star')."""
    return (
        f'<i class="lead-star q-icon notranslate material-icons" role="button" tabindex="-1"'
        f' aria-label="{html.escape(t("board.favorite"))}" aria-pressed="{"true" if favorite else "false"}">'
        f'{"star" if favorite else "star_border"}</i>'
    )


# Which card and what: the browser sends {card: element id, action: ...} for
#   click → 'open' (or 'star' on the star), Enter → 'open', M or right-click → 'menu',
#   Alt+←/→/↑/↓ → 'left'/'right'/'up'/'down'. Anything else stays in the browser, and so does a click or key on a
#   contact link (an ``<a>`` in the card: it does its own thing and never opens the lead).
CARD_KEYS_JS = """(e) => {
  const card = e.target.closest && e.target.closest('.lead-card');
  if (!card || e.target.closest('a')) return;
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
  if (e.target.closest && e.target.closest('a')) return;  // a contact link does its own thing
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
