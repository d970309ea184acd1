"""A stage column: header with count, BRL total, weighted total and quick-add; sortable cards; "load more"."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from nicegui import ui
from nicegui.events import SortableEventArguments

from ..i18n import Translate, format_brl
from .card import LeadCard, sort_key

SORTABLE_GROUP = 'pipeline'


class StageColumn(ui.column):
    """One of the five stage columns; ``count``/``total`` follow the board's filter."""

    def __init__(
        self,
        stage: str,
        *,
        t: Translate,
        can_write: bool,
        on_add: Callable[[str], Any],
        on_load_more: Callable[['StageColumn'], Any],
        on_drop: Callable[[SortableEventArguments], Any],
    ) -> None:
        super().__init__()
        self.stage = stage
        self._t = t
        self.count = 0
        self.total = Decimal('0.00')
        self.weighted = Decimal('0.00')  # Σ value x effective probability (services/forecast.py)
        self.classes('stage-column gap-2 p-2 no-wrap').props(f'role=region data-stage={stage}')
        with self:
            # tinted per stage (board/look.py): the stage reads at a glance, so no card repeats it
            with ui.row().classes('w-full items-start no-wrap gap-1 stage-head'):
                with ui.column().classes('gap-0 grow'):
                    ui.label(t(f'stage.{stage}')).classes('text-subtitle1 font-bold')
                    self.summary = ui.label().classes('text-caption stage-summary')
                    # its own line and element: the summary stays as it was (soak checks it), and a screen reader
                    # hears a whole word rather than an abbreviation
                    self.weighted_label = ui.label().classes('text-caption stage-weighted')
                self.add_button = ui.button(icon='add', on_click=lambda: on_add(stage)).props(
                    f'flat round dense aria-label="{t("board.add", stage=t(f"stage.{stage}"))}"'
                )
            # the sortable container holds cards only: "load more" must not be draggable
            self.cards = ui.column().classes('stage-cards w-full gap-2').props('role=list')
            self.sortable = self.cards.make_sortable(
                group=SORTABLE_GROUP,
                on_end=on_drop,
                options={'delay': 150, 'delayOnTouchOnly': True, 'fallbackTolerance': 4},
            )
            self.cards.stage = stage  # type: ignore[attr-defined]  # read by the drop handler
            self.load_more = (
                ui.button(on_click=lambda: on_load_more(self)).props('flat dense no-caps').classes('w-full')
            )
        self.set_writable(can_write)

    @property
    def card_list(self) -> list[LeadCard]:
        """The cards shown, top to bottom."""
        return [child for child in self.cards.default_slot.children if isinstance(child, LeadCard)]

    def set_writable(self, can_write: bool) -> None:
        """Viewers cannot drag or add."""
        self.add_button.set_visibility(can_write)
        if can_write:
            self.sortable.enable()
        else:
            self.sortable.disable()

    def set_totals(self, count: int, total: Decimal, weighted: Decimal | None = None) -> None:
        """Show the filtered count, value and weighted totals (and how many cards are not loaded yet)."""
        self.count, self.total = max(0, count), total
        if weighted is not None:
            self.weighted = weighted
        t = self._t
        count_text = t('board.count', n=self.count)
        self.summary.text = f'{count_text} · {format_brl(self.total)}'
        self.weighted_label.text = t('forecast.column_weighted', value=format_brl(self.weighted))
        self.weighted_label.props['title'] = t('forecast.weighted_hint')
        self.props['aria-label'] = t(
            'a11y.column', stage=t(f'stage.{self.stage}'), count=self.count, total=format_brl(self.total)
        )
        self.refresh_load_more()

    def adjust(self, count: int, value: Decimal, weighted: Decimal = Decimal('0.00')) -> None:
        """Add (or with negatives, remove) leads from the totals."""
        self.set_totals(self.count + count, self.total + value, self.weighted + weighted)

    @property
    def remaining(self) -> int:
        """Leads of this column (under the filter) not drawn yet."""
        return max(0, self.count - len(self.card_list))

    def refresh_load_more(self) -> None:
        """Label and show the load-more control when cards are missing."""
        remaining = self.remaining
        self.load_more.text = self._t('board.load_more', n=remaining)
        self.load_more.set_visibility(remaining > 0)

    def index_for(self, lead: dict[str, Any], exclude: LeadCard | None = None) -> int | None:
        """Where a lead (already counted in ``count``) belongs among the drawn cards.

        None when it sorts below the last drawn card of a partly loaded column: it stays undrawn
        until "load more" reaches it.
        """
        key = sort_key(lead)
        cards = [c for c in self.card_list if c is not exclude]
        index = sum(1 for c in cards if sort_key(c.lead) < key)
        if index == len(cards) and len(cards) < self.count - 1:
            return None
        return index
