"""What the board says when it shows no card: how to start, or that the filters hide everything."""

from typing import TYPE_CHECKING

from nicegui import ui

from ...services.board import BoardFilter

if TYPE_CHECKING:
    from .board import PipelineBoard


class BoardEmptyState(ui.column):
    """Above the (empty) columns: "your pipeline is empty" with the two ways to start, or "no lead matches"."""

    def __init__(self, board: 'PipelineBoard') -> None:
        super().__init__()
        self.board = board
        t = board.t
        self.classes('w-full items-center gap-2 q-py-lg board-empty').props('role=status')
        with self:
            self.start = ui.column().classes('items-center gap-2').mark('board-empty-start')
            with self.start:
                ui.icon('view_kanban', size='2.5rem', color='primary').props('aria-hidden=true')
                ui.label(t('board.empty_title')).classes('text-h6')
                self.hint = ui.label(t('board.empty_hint')).classes('text-body2 text-grey-8 text-center')
                self.viewer_hint = ui.label(t('board.empty_viewer')).classes('text-body2 text-grey-8 text-center')
                with ui.row().classes('gap-2') as self.start_buttons:
                    ui.button(t('lead.new'), icon='add', on_click=lambda: board.actions.open_new('lead')).props(
                        'unelevated no-caps'
                    ).mark('board-empty-new')
                    ui.button(t('csv.import_button'), icon='upload_file', on_click=board.import_csv).props(
                        'outline no-caps'
                    ).mark('board-empty-import')
            self.filtered = ui.column().classes('items-center gap-2').mark('board-empty-filtered')
            with self.filtered:
                ui.icon('filter_alt_off', size='2.5rem', color='secondary').props('aria-hidden=true')
                ui.label(t('board.empty_filtered')).classes('text-h6')
                ui.button(t('filter.clear'), icon='clear', on_click=board.filter_bar.reset).props(
                    'outline no-caps'
                ).mark('board-empty-clear')
        self.set_visibility(False)

    def refresh(self) -> None:
        """Show the right message for what the columns count now (called after a read and after each event)."""
        board = self.board
        empty = sum(column.count for column in board.columns.values()) == 0
        filtered = board.filter != BoardFilter()
        self.set_visibility(empty)
        if not empty:
            return
        self.start.set_visibility(not filtered)
        self.filtered.set_visibility(filtered)
        can_write = board.viewer.can_write
        self.hint.set_visibility(can_write)
        self.start_buttons.set_visibility(can_write)
        self.viewer_hint.set_visibility(not can_write)
