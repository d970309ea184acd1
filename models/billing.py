"""Billing as LovedCRM's web client reads it (no tables: billing is outside this product, API-CONTRACT §7)."""

import uuid
from datetime import datetime

from sqlmodel import SQLModel


class PlanPublic(SQLModel):
    """A plan on offer (``GET /billing/available-plans``); ``price_cents`` 0 is shown as free."""

    id: uuid.UUID
    name: str
    slug: str
    price_cents: int
    features: list[str]
    is_active: bool
    created_at: datetime
    updated_at: datetime


class SubscriptionPublic(SQLModel):
    """The organization's plan (``GET /billing/current-plan``); there is no payment provider behind it."""

    id: uuid.UUID
    organization_id: uuid.UUID
    plan: PlanPublic
    stripe_subscription_id: str | None
    stripe_customer_id: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class OrganizationFeatures(SQLModel):
    """``GET /billing/features``: the feature keys the organization's plan includes."""

    organization_id: uuid.UUID
    features: list[str]
    plan_name: str | None
    plan_slug: str | None


class PlanComparison(SQLModel):
    """``GET /billing/plan-comparison``: every plan, the current one, and whether moving up or down is possible."""

    plans: list[PlanPublic]
    current_plan_slug: str
    upgrade_available: bool
    downgrade_available: bool
