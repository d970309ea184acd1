"""The board's filter bar: text, source, assignee, tags, favourites, value range."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal

from nicegui import ui

from models.types import is_plain_text

from ...context import AppContext
from ...services.board import BoardFilter, TeamMember
from ..i18n import Translate, format_brl, parse_brl
from ..session import Viewer


def format_amount(value: Decimal | None) -> str:
    """A bound as the value inputs show it (``1.500,00``; empty for none)."""
    return '' if value is None else format_brl(value).removeprefix('R$ ')


def field_filters(ctx: AppContext, viewer: Viewer) -> list[tuple[str, str, dict[str, str]]]:
    """The plugins' filters for the filter bar: (field key, label, {value: label}) in the viewer's language."""
    ext, language = ctx.extensions, viewer.language
    return [
        (key, ext.filter_label(f, language), ext.filter_choices(key, language, viewer.t('filter.no_value')))
        for key, f in ext.filters.items()
    ]


class FilterBar(ui.row):
    """Inputs that build a ``BoardFilter``; every change re-reads the board through the server query."""

    def __init__(
        self,
        *,
        t: Translate,
        on_change: Callable[[BoardFilter], Awaitable[None]],
        field_filters: Sequence[tuple[str, str, dict[str, str]]] = (),
    ) -> None:
        """``field_filters``: the plugins' filters as (field key, label, {value: label}) (extensions.py)."""
        super().__init__()
        self._on_change = on_change
        self._t = t
        self.classes('w-full items-center gap-2 filter-bar')
        with self:
            self.text = ui.input(placeholder=t('filter.search')).props('outlined dense clearable debounce=350')
            self.text.props(f'aria-label="{t("filter.search")}"').classes('min-w-[14rem]')
            self.source = (
                ui.select([], label=t('filter.source'), clearable=True).props('outlined dense').classes('min-w-[8rem]')
            )
            self.assignee = (
                ui.select({}, label=t('filter.assignee'), clearable=True)
                .props('outlined dense')
                .classes('min-w-[9rem]')
            )
            self.tags = ui.select([], label=t('filter.tags'), multiple=True, clearable=True).props(
                'outlined dense use-chips'
            )
            self.tags.classes('min-w-[8rem]')
            self.value_min = (
                ui.input(t('filter.value_min')).props('outlined dense inputmode=decimal debounce=500').classes('w-28')
            )
            self.value_max = (
                ui.input(t('filter.value_max')).props('outlined dense inputmode=decimal debounce=500').classes('w-28')
            )
            self.fields: dict[str, ui.select] = {}
            for key, label, options in field_filters:
                select = ui.select(options, label=label, clearable=True).props('outlined dense')
                self.fields[key] = select.classes('min-w-[8rem]').mark(f'filter-field-{key}')
            self.favorites = ui.checkbox(t('filter.favorites'))
            ui.button(t('filter.clear'), on_click=self.reset).props('flat dense no-caps')
            self.problem = ui.label().classes('text-negative text-caption').props('role=alert')
        for control in (
            self.text,
            self.source,
            self.assignee,
            self.tags,
            self.value_min,
            self.value_max,
            self.favorites,
            *self.fields.values(),
        ):
            control.on_value_change(self._changed)
        self._silent = False

    def set_choices(self, *, sources: list[str], members: dict[uuid.UUID, TeamMember], tags: list[str]) -> None:
        """Options offered by the selects."""
        self.source.set_options(sources)
        self.set_members(members)
        self.tags.set_options(sorted(set(tags) | set(self.tags.value or []), key=str.lower))

    def set_members(self, members: dict[uuid.UUID, TeamMember]) -> None:
        """Assignee choices; one being filtered on stays offered after they leave the team."""
        options = {str(uid): m.name for uid, m in sorted(members.items(), key=lambda i: i[1].name.lower())}
        chosen = self.assignee.value
        if chosen and chosen not in options:
            options[chosen] = dict(self.assignee.options).get(chosen, chosen)
        self.assignee.set_options(options)

    def current(self) -> BoardFilter | None:
        """The filter, or None (with a visible message) when a value bound is not an amount or the text has a NUL."""
        self.problem.text = ''
        try:
            low = parse_brl(self.value_min.value)
            high = parse_brl(self.value_max.value)
        except ValueError:
            self.problem.text = self._t('form.invalid_value')
            return None
        text = (self.text.value or '').strip()
        if not is_plain_text(text):  # the database cannot even compare such text (models.types.check_text)
            self.problem.text = self._t('form.text_invalid')
            return None
        return BoardFilter(
            text=text,
            source=self.source.value or None,
            assignee_id=uuid.UUID(self.assignee.value) if self.assignee.value else None,
            tags=tuple(self.tags.value or ()),
            favorites_only=bool(self.favorites.value),
            value_min=Decimal(low) if low is not None else None,
            value_max=Decimal(high) if high is not None else None,
            fields=tuple((key, select.value) for key, select in sorted(self.fields.items()) if select.value),
        )

    async def _changed(self) -> None:
        if self._silent:
            return
        board_filter = self.current()
        if board_filter is not None:
            await self._on_change(board_filter)

    def show(self, board_filter: BoardFilter) -> None:
        """Put a filter into the controls without applying it again (a bookmarked address opened the page)."""
        self._silent = True
        try:
            self.text.value = board_filter.text
            if board_filter.source:
                self.source.set_options(sorted({*self.source.options, board_filter.source}, key=str.lower))
            self.source.value = board_filter.source
            chosen = str(board_filter.assignee_id) if board_filter.assignee_id else None
            if chosen and chosen not in dict(self.assignee.options):
                self.assignee.set_options({**dict(self.assignee.options), chosen: chosen})
            self.assignee.value = chosen
            self.tags.set_options(sorted({*self.tags.options, *board_filter.tags}, key=str.lower))
            self.tags.value = list(board_filter.tags)
            self.value_min.value = format_amount(board_filter.value_min)
            self.value_max.value = format_amount(board_filter.value_max)
            self.favorites.value = board_filter.favorites_only
            chosen_fields = dict(board_filter.fields)
            for key, select in self.fields.items():
                select.value = chosen_fields.get(key)
        finally:
            self._silent = False

    async def reset(self) -> None:
        """Reset every control and show the whole pipeline."""
        self._silent = True
        try:
            self.text.value = ''
            self.source.value = None
            self.assignee.value = None
            self.tags.value = []
            self.value_min.value = ''
            self.value_max.value = ''
            self.favorites.value = False
            for select in self.fields.values():
                select.value = None
        finally:
            self._silent = False
        await self._on_change(BoardFilter())


def active_filters(board_filter: BoardFilter) -> int:
    """How many filters narrow the board: each control that is set counts once (the tags select once)."""
    f = board_filter
    on = (bool(f.text.strip()), bool(f.source), f.assignee_id is not None, bool(f.tags), f.favorites_only)
    return sum(on) + (f.value_min is not None) + (f.value_max is not None) + len(f.fields)


class FiltersToggle(ui.button):
    """On a phone, the one button the filter bar folds behind, with a badge counting the filters that are on.

    Hidden on wider screens and the bar hidden behind it on a phone by CSS alone (board/look.py): a resize or a
    rotation costs no round trip. A click opens or closes the bar (its ``filters-open`` class).
    """

    def __init__(self, bar: FilterBar, *, t: Translate) -> None:
        super().__init__(t('filter.toggle'), icon='filter_list', on_click=self.toggle)
        self._bar = bar
        self._t = t
        self.count = 0
        self.props('outline dense no-caps aria-expanded=false').classes('filters-toggle').mark('filters-toggle')
        with self:
            self.badge = ui.badge('').props('floating aria-hidden=true').mark('filters-count')
        self.show_count(0)

    @property
    def is_open(self) -> bool:
        """Whether the filter bar is unfolded (on a phone)."""
        return 'filters-open' in self._bar.classes

    def toggle(self) -> None:
        """Open or close the filter bar."""
        if self.is_open:
            self._bar.classes(remove='filters-open')
        else:
            self._bar.classes('filters-open')
        self.props['aria-expanded'] = 'true' if self.is_open else 'false'
        self.update()

    def show_count(self, count: int) -> None:
        """Show how many filters are on (the badge hides at none)."""
        self.count = count
        self.badge.text = str(count)
        self.badge.set_visibility(count > 0)
        self.props['aria-label'] = self._t('filter.toggle_label', n=count) if count else self._t('filter.toggle_none')
        self.update()
