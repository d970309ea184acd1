"""The header's organization switcher (only for people in more than one organization)."""

import uuid
from collections.abc import MutableMapping
from typing import Any

from nicegui import app, ui

from ..context import AppContext
from ..services import auth
from ..services.errors import DomainError
from .refusals import refusal
from .session import Viewer, remember_login


class OrganizationSwitcher(ui.button):
    """A menu of the viewer's organizations; choosing one opens its board."""

    def __init__(self, ctx: AppContext, viewer: Viewer) -> None:
        t = viewer.t
        super().__init__(icon='swap_horiz')
        self.ctx = ctx
        self.viewer = viewer
        self.storage = app.storage.user  # this browser's, captured while building its page
        self.props(f'flat round dense color=white aria-label="{t("nav.switch")}"').mark('org-switcher')
        self.tooltip(t('nav.switch'))
        with self, ui.menu():
            for organization_id, name in viewer.organizations:
                current = organization_id == viewer.organization_id
                with ui.menu_item(on_click=lambda o=organization_id: self.switch(o)).mark(f'org-{organization_id}'):
                    with ui.row().classes('items-center no-wrap gap-2'):
                        ui.icon('check' if current else 'business', size='18px')
                        ui.label(name).classes('font-bold' if current else '')

    async def switch(self, organization_id: uuid.UUID) -> None:
        """Work in another organization from now on in this browser; its board opens."""
        viewer = self.viewer
        if organization_id != viewer.organization_id:
            try:
                await switch_organization(
                    self.ctx,
                    user_id=viewer.user_id,
                    session_id=viewer.session_id,
                    organization_id=organization_id,
                    storage=self.storage,
                )
            except DomainError as exc:
                ui.notify(refusal(exc, viewer.t), type='negative')
                return
        ui.navigate.to('/pipeline')


async def switch_organization(
    ctx: AppContext,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    organization_id: uuid.UUID,
    storage: MutableMapping[str, Any],
) -> None:
    """Make ``organization_id`` this browser's organization (the service checks the membership; DomainError if not)."""
    async with ctx.db.session() as session:
        await auth.switch_organization(
            session, tokens=ctx.tokens, user_id=user_id, session_id=session_id, organization_id=organization_id
        )
    remember_login(user_id=user_id, organization_id=organization_id, session_id=session_id, storage=storage)
