"""A lead card: three elements (the card, its escaped HTML body, the favourite star)."""

import asyncio
import html
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from nicegui import background_tasks, ui

from models.types import utcnow

from ..i18n import Translate, format_brl

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


class LeadCard(ui.card):
    """One lead on the board; focusable, labelled for screen readers, drawn from escaped text only."""

    def __init__(
        self,
        lead: dict[str, Any],
        *,
        t: Translate,
        initials_of: Callable[[str | None], str | None],
        idle_days: tuple[int, int],
        on_open: Callable[['LeadCard'], Any],
        on_star: Callable[['LeadCard'], Any],
        on_key_move: Callable[['LeadCard', str], Any],
        on_menu: Callable[['LeadCard'], Any],
    ) -> None:
        super().__init__()
        self.lead: dict[str, Any] = lead
        self.days = 0  # days in stage as last drawn
        self._t = t
        self._initials_of = initials_of
        self._idle_days = idle_days
        self.classes('lead-card w-full p-2 gap-1 cursor-pointer').props('flat bordered tabindex=0 role=listitem')
        with self:
            self.body = ui.html('', sanitize=False).classes('w-full')  # built from html.escape() only
            self.star = ui.icon('star_border').classes('lead-star absolute top-1 right-1 cursor-pointer text-amber-7')
            self.star.props('role=button tabindex=-1')
        self.on('click', lambda: on_open(self))
        self.on('keydown.enter', lambda: on_open(self))
        self.on('keydown.m', lambda: on_menu(self))
        self.on('contextmenu.prevent', lambda: on_menu(self))
        for key in ('left', 'right', 'up', 'down'):
            self.on(f'keydown.alt.{key}.prevent', lambda k=key: on_key_move(self, k))
        self.star.on('click.stop', lambda: on_star(self))
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
        if days_in_stage(self.lead) != self.days:
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
        initials = self._initials_of(lead.get('assigned_user_id'))
        idle = ''
        if days >= alert:
            idle = t('board.idle_alert', n=days)
        elif days >= warning:
            idle = t('board.idle_warning', n=days)
        self.body.content = (
            f'<div class="lead-name">{html.escape(lead["name"])}</div>'
            '<div class="lead-meta">'
            + (f'<span class="lead-value">{html.escape(value)}</span>' if value else '')
            + f'<span class="lead-source">{html.escape(lead.get("source") or "")}</span></div>'
            f'<div class="lead-tags">{shown}</div>'
            f'<div class="lead-foot"><span class="lead-days" title="{html.escape(t("board.days_long", n=days))}">'
            f'{html.escape(t("board.days", n=days))}</span>'
            + (f'<span class="lead-idle">{html.escape(idle)}</span>' if idle else '')
            + (f'<span class="lead-assignee">{html.escape(initials)}</span>' if initials else '')
            + '</div>'
        )
        self.star.name = 'star' if lead.get('is_favorite') else 'star_border'
        self.star.props['aria-label'] = t('board.favorite')
        self.star.props['aria-pressed'] = 'true' if lead.get('is_favorite') else 'false'
        self.classes(remove='lead-idle-warning lead-idle-alert')
        if days >= alert:
            self.classes('lead-idle-alert')
        elif days >= warning:
            self.classes('lead-idle-warning')
        label = t('board.card_label', name=lead['name'], stage=t(f'stage.{lead["stage"]}'), value=value or '—')
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
