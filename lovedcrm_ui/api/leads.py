"""``/crm/leads``: the LovedCRM-compatible leads API (API-CONTRACT §4)."""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from fastapi.responses import JSONResponse

from models import PipelineStage
from models.event import StageHistoryEntry
from models.lead import (
    FavoriteUpdate,
    FilterOptions,
    LeadCreate,
    LeadList,
    LeadPublic,
    LeadRestore,
    LeadSearch,
    LeadStats,
    LeadUpdate,
    StageMove,
)
from models.types import MAX_PAGE

from ..services import lead_queries, leads, moves, pipeline_events, undo
from . import activities, lead_csv, lead_metrics, lead_notes
from .deps import CallerDep, CtxDep, ReadSessionDep, SessionDep

router = APIRouter(prefix='/crm/leads', tags=['leads'])


def both(path: str) -> list[str]:
    """A path with and without its trailing slash: both must answer directly, without a redirect."""
    return [path, path + '/'] if path else ['', '/']


def add_route(path: str, endpoint: Callable[..., Any], method: str, **options: Any) -> None:
    """Register ``endpoint`` under ``path`` and ``path/`` (only the first in the schema).

    Without the slashed twin, ``GET /crm/leads/statistics/`` would match ``/{lead_id}/`` (a 422 for a
    non-UUID id) and ``PUT /{lead_id}/stage/`` would get Starlette's 307 redirect.
    """
    for variant in both(path):
        router.add_api_route(variant, endpoint, methods=[method], include_in_schema=variant == path, **options)


async def create_lead(body: LeadCreate, caller: CallerDep, session: SessionDep, ctx: CtxDep) -> LeadPublic:
    """Create a lead (top of its stage column); event ``lead_created``.

    ``custom_fields``: values of the fields this server's plugins declare (docs/EXTENDING.md).
    """
    body.custom_fields = ctx.extensions.check_values(body.custom_fields) or {}
    return leads.lead_public(await leads.create_lead(session, caller=caller, data=body))


async def list_leads(
    caller: CallerDep,
    session: ReadSessionDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    stage: PipelineStage | None = None,
) -> LeadList:
    """Leads, newest first."""
    return await lead_queries.list_leads(
        session, organization_id=caller.organization_id, page=page, page_size=page_size, stage=stage
    )


add_route('', create_lead, 'POST', status_code=status.HTTP_201_CREATED)
add_route('', list_leads, 'GET')


async def statistics(caller: CallerDep, session: ReadSessionDep) -> LeadStats:
    """Leads per stage, total and conversion rate."""
    return await lead_queries.statistics(session, organization_id=caller.organization_id)


add_route('/statistics', statistics, 'GET')


async def search(body: LeadSearch, caller: CallerDep, session: ReadSessionDep) -> LeadList:
    """Leads whose name, e-mail, phone or source contain the query; the total is the real one."""
    return await lead_queries.search_leads(
        session, organization_id=caller.organization_id, query=body.query, page=body.page, page_size=body.page_size
    )


add_route('/search', search, 'POST')


async def filters(caller: CallerDep, session: ReadSessionDep) -> FilterOptions:
    """Values the board's filters can take."""
    return await lead_queries.filter_options(session, organization_id=caller.organization_id)


add_route('/pipeline/filters', filters, 'GET')


async def get_lead(lead_id: uuid.UUID, caller: CallerDep, session: ReadSessionDep) -> LeadPublic:
    """One lead (404 "Lead not found", also for another organization's lead)."""
    return leads.lead_public(await leads.get_lead(session, organization_id=caller.organization_id, lead_id=lead_id))


async def update_lead(
    lead_id: uuid.UUID, body: LeadUpdate, caller: CallerDep, session: SessionDep, ctx: CtxDep
) -> LeadPublic:
    """Change the fields sent; event ``lead_updated``. ``custom_fields`` merges: a key sent as null is removed."""
    body.custom_fields = ctx.extensions.check_values(body.custom_fields)
    return leads.lead_public(await leads.update_lead(session, caller=caller, lead_id=lead_id, changes=body))


async def delete_lead(
    lead_id: uuid.UUID,
    caller: CallerDep,
    session: SessionDep,
    expected_version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Delete a lead; event ``lead_deleted``."""
    await leads.delete_lead(session, caller=caller, lead_id=lead_id, expected_version=expected_version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


lead_metrics.register(add_route)  # /pipeline/metrics, /metrics/advanced, /pipeline/advanced-metrics
lead_csv.register(add_route)  # /import, /export


# after every static path above: ``/{lead_id}`` would otherwise swallow ``/statistics`` and ``/search``
add_route('/{lead_id}', get_lead, 'GET')
add_route('/{lead_id}', update_lead, 'PUT')
add_route('/{lead_id}', delete_lead, 'DELETE', status_code=status.HTTP_204_NO_CONTENT, response_class=Response)


async def move(lead_id: uuid.UUID, body: StageMove, caller: CallerDep, session: SessionDep, ctx: CtxDep) -> Response:
    """Move a lead to a stage (``position`` = 0-based index in the target column); event ``lead_stage_changed``.

    ``outcome`` ("won" / "lost") and ``lost_reason`` only with stage ``fechado`` (422 ``outcome_needs_closed_stage``,
    ``lost_reason_needs_lost``); moving a lead out of fechado clears both; into fechado without them leaves it null.
    """
    index = None if body.position is None else int(body.position)
    with ctx.metrics.stage_move():
        moved = await moves.move_lead(
            session,
            caller=caller,
            lead_id=lead_id,
            stage=body.stage,
            index=index,
            notes=body.notes,
            expected_version=body.expected_version,
            outcome=body.model_dump(include={'outcome', 'lost_reason'}, exclude_unset=True),
        )
    # the event's snapshot is the LeadPublic the API returns: sent as made, not validated and dumped again
    return JSONResponse(moved.snapshot if moved.snapshot is not None else leads.snapshot(moved.lead))


add_route('/{lead_id}/stage', move, 'PUT', response_model=LeadPublic)


async def favorite(lead_id: uuid.UUID, body: FavoriteUpdate, caller: CallerDep, session: SessionDep) -> LeadPublic:
    """Star or unstar a lead; event ``lead_updated``."""
    return leads.lead_public(
        await leads.set_favorite(session, caller=caller, lead_id=lead_id, is_favorite=body.is_favorite)
    )


add_route('/{lead_id}/favorite', favorite, 'PUT')


async def restore(
    lead_id: uuid.UUID,
    caller: CallerDep,
    session: SessionDep,
    body: Annotated[LeadRestore | None, Body()] = None,
) -> LeadPublic:
    """Bring a deleted lead back from the snapshot of its ``lead_deleted`` event, under the same id (its history
    continues); event ``lead_created``. ``expected_version``: the version it had when deleted (409 if restored and
    deleted again since). 409 ``lead_exists`` if the lead is there; 404 if this organization never had it.
    The assignee is left empty if they are no longer a member. Its notes feed and its activities come back as
    they were (an activity assigned to someone who left becomes nobody's).
    """
    version = body.expected_version if body is not None else None
    lead = await undo.restore_lead(session, caller=caller, lead_id=lead_id, expected_version=version)
    return leads.lead_public(lead)


add_route('/{lead_id}/restore', restore, 'POST', status_code=status.HTTP_201_CREATED)


async def history(lead_id: uuid.UUID, caller: CallerDep, session: ReadSessionDep) -> list[StageHistoryEntry]:
    """The lead's creation and stage moves, oldest first (who, from where, to where, when)."""
    await leads.get_lead(session, organization_id=caller.organization_id, lead_id=lead_id)
    return await pipeline_events.stage_history(session, organization_id=caller.organization_id, lead_id=lead_id)


add_route('/{lead_id}/history', history, 'GET')
lead_notes.register(add_route)  # /{lead_id}/notes, /{lead_id}/notes/{note_id}, /{lead_id}/changes
activities.register(add_route)  # /{lead_id}/activities
