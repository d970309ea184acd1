"""Column types and enumerations shared by every table."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic import Field as Rule
from pydantic_core import PydanticCustomError
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


def check_text(value: str | None) -> str | None:
    """The one rule for text a client sends: no NUL character, no lone surrogate (else a pydantic error).

    PostgreSQL cannot store NUL in text (and SQLite would keep it, so the rule also keeps the two alike);
    a lone surrogate is not a Unicode character and cannot be encoded as UTF-8, in a row or in a response.
    Other control characters are stored and read back as sent. None (an optional field left empty) passes.
    """
    if value is None:
        return None
    if '\x00' in value:
        raise PydanticCustomError('string_nul', 'Text must not contain NUL characters (U+0000)')
    if not value.isascii():
        try:
            value.encode('utf-8')
        except UnicodeEncodeError:
            raise PydanticCustomError('string_unicode', 'Text must not contain lone surrogates') from None
    return value


def is_plain_text(value: str) -> bool:
    """Whether ``value`` passes ``check_text`` (for callers outside a pydantic model)."""
    try:
        check_text(value)
    except PydanticCustomError:
        return False
    return True


# Every text field of a request model ends with TEXT_RULE (tests/api/test_hostile_input.py sends NUL to every
# text the API declares). Last, after the length rules: pydantic checks those inside its string validator only
# when no validator comes before them (else a length error has the generic type "too_long", not "string_too_long").
TEXT_RULE = AfterValidator(check_text)
PlainText = Annotated[str, TEXT_RULE]  # text with no other rule

# Numbers that become an SQL OFFSET must keep it within 64 bits, or PostgreSQL's driver fails the query (and
# SQLite's refuses the number): bounds far beyond any real use make such a number a 422 instead of a 500.
MAX_PAGE = 1_000_000  # x page_size (at most 100): an offset of at most 10^8
PageNumber = Annotated[int, Rule(ge=1, le=MAX_PAGE)]
MAX_OFFSET = 100_000_000


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


class LeadOutcome(StrEnum):
    """How a deal in ``fechado`` ended (null: not said yet, which metrics count as won)."""

    WON = 'won'
    LOST = 'lost'


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
