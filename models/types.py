"""Column types and enumerations shared by every table."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A fresh random primary key."""
    return uuid.uuid4()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        # SQLite compares timestamps as text: store them all naive UTC so ordering is right
        return value.replace(tzinfo=None) if dialect.name == 'sqlite' else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# for the XPublic models: the API always sends every field, so the OpenAPI response schema lists them all as
# required, also those the public model inherits with a default from its XBase
PUBLIC_CONFIG = SQLModel.model_config | {'json_schema_serialization_defaults_required': True}


class PipelineStage(StrEnum):
    """The five pipeline stages, in board order."""

    LEAD = 'lead'
    CONTATO = 'contato'
    PROPOSTA = 'proposta'
    NEGOCIACAO = 'negociacao'
    FECHADO = 'fechado'


STAGE_ORDER: tuple[PipelineStage, ...] = tuple(PipelineStage)


class Role(StrEnum):
    """A member's role in an organization, strongest first."""

    OWNER = 'owner'
    ADMIN = 'admin'
    MEMBER = 'member'
    VIEWER = 'viewer'


MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN})
WRITER_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MEMBER})


class InviteStatus(StrEnum):
    """Stored invite states (``expired`` is derived from ``expires_at`` when still pending)."""

    PENDING = 'pending'
    ACCEPTED = 'accepted'
    REJECTED = 'rejected'
    CANCELLED = 'cancelled'
    EXPIRED = 'expired'
