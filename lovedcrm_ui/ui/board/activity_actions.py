"""What the activities tab and "My activities" ask of the database, with refusals in the viewer's words."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from models.activity import ActivityCreate, ActivityPublic, ActivityUpdate

from ...context import AppContext
from ...services import activities
from ...services.errors import DomainError
from ..refusals import refusal, validation_messages
from ..session import Viewer

Refusal = str | None  # None: done


class ActivityActions:
    """One short unit of work per action; the tab and the page redraw from the event that comes back."""

    def __init__(self, ctx: AppContext, viewer: Viewer, failed: Callable[[BaseException], str | None]) -> None:
        self.ctx, self.viewer, self.t = ctx, viewer, viewer.t
        self._failed = failed  # the database away or busy: what to tell the person (None: not that, re-raise)

    async def list_for_lead(self, lead_id: uuid.UUID) -> list[ActivityPublic]:
        """The lead's activities: open by due time, then done."""
        org = self.viewer.organization_id
        async with self.ctx.db.session(read_only=True, organization_id=org) as session:
            return await activities.list_activities(session, organization_id=org, lead_id=lead_id)

    async def mine(self) -> list[ActivityPublic]:
        """The viewer's open activities in this organization, by due time."""
        org = self.viewer.organization_id
        async with self.ctx.db.session(read_only=True, organization_id=org) as session:
            return await activities.search_activities(
                session, organization_id=org, assignee_id=self.viewer.user_id, status='open'
            )

    async def add(self, lead_id: uuid.UUID, values: dict[str, Any]) -> Refusal:
        """Add an activity to a lead."""

        async def write(session: AsyncSession) -> object:
            data = ActivityCreate.model_validate(values)
            return await activities.add_activity(session, caller=self.viewer.caller, lead_id=lead_id, data=data)

        return await self._write(write)

    async def update(self, activity_id: uuid.UUID, values: dict[str, Any]) -> Refusal:
        """Change an activity (``expected_version`` among the values: a teammate's change in between is refused)."""

        async def write(session: AsyncSession) -> object:
            changes = ActivityUpdate.model_validate(values)
            return await activities.update_activity(
                session, caller=self.viewer.caller, activity_id=activity_id, changes=changes
            )

        return await self._write(write)

    async def delete(self, activity_id: uuid.UUID) -> Refusal:
        """Delete an activity."""
        return await self._write(
            lambda session: activities.delete_activity(session, caller=self.viewer.caller, activity_id=activity_id)
        )

    async def _write(self, write: Callable[[AsyncSession], Awaitable[object]]) -> Refusal:
        try:
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                await write(session)
        except ValidationError as exc:
            return '; '.join(validation_messages(exc, self.t))
        except DomainError as exc:
            return refusal(exc, self.t)
        except Exception as exc:
            reason = self._failed(exc)
            if reason is None:
                raise
            return reason
        return None
