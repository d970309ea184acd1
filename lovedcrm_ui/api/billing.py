"""``/billing/*``: the one self-hosted plan, in the shapes LovedCRM's web client reads (API-CONTRACT §7, §8).

``available-plans`` is public (lovedcrm_ui/paths.py); the other three are organization-scoped. Any other
``/billing/*`` path (upgrade, downgrade, checkout …) passes the tenancy guard and then gets 404.
"""

from fastapi import APIRouter

from models.billing import OrganizationFeatures, PlanComparison, PlanPublic, SubscriptionPublic

from ..services import billing
from .deps import CallerDep, ReadSessionDep

router = APIRouter(prefix='/billing', tags=['billing'])


@router.get('/available-plans')
async def available_plans() -> list[PlanPublic]:
    """The plans on offer (public: no token needed)."""
    return billing.available_plans()


@router.get('/current-plan')
async def current_plan(caller: CallerDep, session: ReadSessionDep) -> SubscriptionPublic:
    """The organization's plan."""
    return await billing.current_subscription(session, organization_id=caller.organization_id)


@router.get('/features')
async def features(caller: CallerDep) -> OrganizationFeatures:
    """The feature keys the organization's plan includes: all of them."""
    return billing.organization_features(organization_id=caller.organization_id)


@router.get('/plan-comparison')
async def plan_comparison(caller: CallerDep) -> PlanComparison:
    """Every plan and the current one; no upgrade or downgrade exists."""
    return billing.plan_comparison()
