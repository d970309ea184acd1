"""Billing is outside this product: every organization has the one self-hosted plan, every feature, no limits."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.billing import OrganizationFeatures, PlanComparison, PlanPublic, SubscriptionPublic

from .organizations import get_organization

PLAN_ID = uuid.uuid5(uuid.NAMESPACE_URL, 'https://lovedcrm-pipeline/plans/self-hosted')
PLAN_NAME = 'Self-hosted'
PLAN_SLUG = 'self-hosted'
# the plan has not changed since the project's first release (its first commit)
PLAN_SINCE = datetime(2026, 11, 29, tzinfo=UTC)
# every feature key LovedCRM's web client knows (its hooks/use-features.ts): none of its pages is gated or
# shows an upgrade prompt
FEATURES = (
    'user_management',
    'basic_dashboard',
    'advanced_reports',
    'analytics',
    'priority_support',
    'api_access',
    'team_collaboration',
    'custom_integrations',
    'white_label',
    'audit_logs',
)


def self_hosted_plan() -> PlanPublic:
    """The one plan: free, every feature, no limits."""
    return PlanPublic(
        id=PLAN_ID,
        name=PLAN_NAME,
        slug=PLAN_SLUG,
        price_cents=0,
        features=list(FEATURES),
        is_active=True,
        created_at=PLAN_SINCE,
        updated_at=PLAN_SINCE,
    )


def available_plans() -> list[PlanPublic]:
    """The plans on offer: the self-hosted plan only."""
    return [self_hosted_plan()]


async def current_subscription(session: AsyncSession, *, organization_id: uuid.UUID) -> SubscriptionPublic:
    """The organization's plan, held since the organization was created (a stable id per organization)."""
    organization = await get_organization(session, organization_id=organization_id)
    return SubscriptionPublic(
        id=uuid.uuid5(PLAN_ID, str(organization.id)),
        organization_id=organization.id,
        plan=self_hosted_plan(),
        stripe_subscription_id=None,
        stripe_customer_id=None,
        is_active=True,
        created_at=organization.created_at,
        updated_at=organization.created_at,
    )


def organization_features(*, organization_id: uuid.UUID) -> OrganizationFeatures:
    """Every feature, under the self-hosted plan."""
    return OrganizationFeatures(
        organization_id=organization_id, features=list(FEATURES), plan_name=PLAN_NAME, plan_slug=PLAN_SLUG
    )


def plan_comparison() -> PlanComparison:
    """One plan, the current one: nothing to upgrade or downgrade to."""
    return PlanComparison(
        plans=available_plans(), current_plan_slug=PLAN_SLUG, upgrade_available=False, downgrade_available=False
    )
