"""The Settings page's probability per stage: one percent input per stage, saved together (owner/admin)."""

from nicegui import ui

from models import STAGE_ORDER
from models.organization import StageProbabilities

from ...context import AppContext
from ...services import forecast
from ...services.errors import DomainError
from ..board.forecast_fields import parse_percent
from ..refusals import refusal
from ..session import Viewer
from ..widgets import StatusLine


class StageProbabilitiesEditor(ui.card):
    """Percent per stage that a lead without its own probability counts with in weighted totals."""

    def __init__(self, ctx: AppContext, viewer: Viewer) -> None:
        super().__init__()
        self.ctx = ctx
        self.viewer = viewer
        t = viewer.t
        self.classes('w-full max-w-2xl mx-auto gap-2 stage-probabilities')
        with self:
            ui.label(t('forecast.settings_title')).classes('text-subtitle1')
            ui.label(t('forecast.settings_hint')).classes('text-caption text-grey-7')
            with ui.row().classes('w-full gap-2'):
                self.inputs = {
                    stage.value: ui.input(t('forecast.settings_stage', stage=t(f'stage.{stage.value}')))
                    .props('outlined dense inputmode=numeric')
                    .classes('stage-percent')
                    .mark(f'stage-percent-{stage.value}')
                    for stage in STAGE_ORDER
                }
            self.read_only = ui.label(t('forecast.settings_read_only')).classes('text-caption text-grey-8')
            self.save_button = ui.button(t('forecast.settings_save'), icon='save', on_click=self.save)
            self.save_button.mark('stage-percent-save')
            self.status = StatusLine().mark('stage-percent-status')

    def show(self, percents: dict[str, int]) -> None:
        """Fill each stage's input."""
        for stage, field in self.inputs.items():
            field.value = str(percents.get(stage, ''))

    async def load(self) -> None:
        """Read the organization's percents."""
        async with self.ctx.db.session(read_only=True, organization_id=self.viewer.organization_id) as session:
            percents = await forecast.stage_probabilities(session, organization_id=self.viewer.organization_id)
        self.show(percents)
        self.set_editable(self.viewer.can_manage)

    def set_editable(self, editable: bool) -> None:
        """Managers edit; the others read."""
        for field in self.inputs.values():
            field.set_enabled(editable)
        self.save_button.set_visibility(editable)
        self.read_only.set_visibility(not editable)

    async def save(self) -> None:
        """Check every input (a whole number 0..100), then save through the service."""
        t = self.viewer.t
        self.status.reset()
        percents: dict[str, int] = {}
        for stage, field in self.inputs.items():
            try:
                percent = parse_percent(field.value)
            except ValueError:
                percent = None
            if percent is None:
                self.status.error(t('forecast.settings_invalid'))
                return
            percents[stage] = percent
        try:
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                caller = await self.viewer.fresh_caller(session)
                saved = await forecast.set_stage_probabilities(
                    session, caller=caller, probabilities=StageProbabilities.model_validate(percents)
                )
        except DomainError as exc:
            self.status.error(refusal(exc, t))
            self.set_editable(self.viewer.can_manage)
            return
        self.show(saved)
        self.status.success(t('forecast.settings_saved'))
