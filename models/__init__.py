"""SQLModel tables and API schemas, one module per entity; importing this registers every table."""

from sqlmodel import SQLModel

from .activity import ActivityKind, LeadActivity
from .event import EventType, PipelineEvent
from .invite import Invite
from .lead import Lead
from .note import LeadNote
from .organization import Membership, Organization
from .types import STAGE_ORDER, InviteStatus, PipelineStage, Role, utcnow
from .user import AuthSession, PasswordResetToken, User

metadata = SQLModel.metadata

__all__ = [
    'STAGE_ORDER',
    'ActivityKind',
    'AuthSession',
    'EventType',
    'Invite',
    'InviteStatus',
    'Lead',
    'LeadActivity',
    'LeadNote',
    'Membership',
    'Organization',
    'PasswordResetToken',
    'PipelineEvent',
    'PipelineStage',
    'Role',
    'User',
    'metadata',
    'utcnow',
]
