"""The in-process event bus keyed by organization.

Services never call it directly: they queue events on the session (``queue_event``) and the
``Database`` publishes them right after the commit, so subscribers never see a write that was
rolled back, and see every organization's events in ``seq`` order.
"""

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from .subscriptions import Listeners, Subscription

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeadEvent:
    """A committed lead event (one row of ``pipeline_events``)."""

    organization_id: uuid.UUID
    seq: int
    type: str
    lead_id: uuid.UUID
    actor_user_id: uuid.UUID | None
    payload: dict[str, Any]
    created_at: datetime
    # process that wrote it (used by the PostgreSQL bridge to skip its own notifications)
    origin: str = field(default='', compare=False)

    @property
    def lead(self) -> dict[str, Any] | None:
        """The full lead snapshot stored with the event (None for deletions)."""
        return self.payload.get('lead')

    @cached_property
    def frame(self) -> dict[str, Any]:
        """The WebSocket / polling frame of this event (API-CONTRACT §5)."""
        frame: dict[str, Any] = {
            'type': self.type,
            'organization_id': str(self.organization_id),
            'timestamp': self.created_at.isoformat(),
            'user_id': str(self.actor_user_id) if self.actor_user_id else None,
            'seq': self.seq,
        }
        lead = self.payload.get('lead')
        if self.type == 'lead_created' and lead is not None:
            frame['lead'] = {k: lead.get(k) for k in ('id', 'name', 'email', 'stage', 'estimated_value')}
            frame['lead']['organization_id'] = lead.get('organization_id')
            frame['full_lead'] = lead
        elif self.type == 'lead_stage_changed' and lead is not None:
            frame['lead'] = {**lead, 'previous_stage': self.payload.get('old_stage')}
            frame['lead_id'] = str(self.lead_id)
            frame['old_stage'] = self.payload.get('old_stage')
            frame['new_stage'] = self.payload.get('new_stage')
            # ours: the move renumbered every position of the target column (re-read it before ordering)
            frame['rebalanced'] = bool(self.payload.get('rebalanced'))
        elif self.type == 'lead_note_changed':
            # a note added, edited or deleted (services/notes.py): the lead (its ``notes`` = the latest note's text,
            # its version unchanged) and the note
            frame['lead'] = lead
            frame['lead_id'] = str(self.lead_id)
            frame['note'] = self.payload.get('note')
            frame['action'] = self.payload.get('action')
        elif self.type == 'lead_activity_changed':
            # an activity added, edited, done, reopened or deleted (services/activities.py): the lead (its
            # ``next_activity`` updated, its version unchanged) and the activity
            frame['lead'] = lead
            frame['lead_id'] = str(self.lead_id)
            frame['activity'] = self.payload.get('activity')
            frame['action'] = self.payload.get('action')
        elif self.type == 'lead_deleted':
            frame['lead_id'] = str(self.lead_id)
            if lead is not None:
                frame['lead'] = lead
        else:
            frame['lead'] = lead
            frame['lead_id'] = str(self.lead_id)
        return frame

    @cached_property
    def frame_json(self) -> str:
        """One JSON encoding per event, shared by every socket of the organization."""
        return json.dumps(self.frame, separators=(',', ':'), default=str, allow_nan=False)


class AccessKind(StrEnum):
    """What changed about who may see an organization."""

    MEMBER_REMOVED = 'member_removed'
    MEMBER_JOINED = 'member_joined'
    ROLE_CHANGED = 'role_changed'
    ORGANIZATION_UPDATED = 'organization_updated'  # name or idle thresholds (``user_id`` = who changed it)
    SESSION_REVOKED = 'session_revoked'
    USER_SESSIONS_REVOKED = 'user_sessions_revoked'


TEAM_CHANGES = frozenset({AccessKind.MEMBER_JOINED, AccessKind.MEMBER_REMOVED, AccessKind.ROLE_CHANGED})


class AccessLoss(StrEnum):
    """Why an open page or socket must close: its session ended, or its viewer left the organization."""

    SESSION_ENDED = 'session_ended'
    NOT_A_MEMBER = 'not_a_member'


@dataclass(frozen=True)
class AccessChange:
    """A change to who may see an organization (a member removed or joined, a new role, a revoked session),
    or to the organization itself (name, idle thresholds: ``organization_updated``, ``user_id`` = who changed it).
    """

    kind: AccessKind
    user_id: uuid.UUID
    organization_id: uuid.UUID | None = None
    role: str | None = None
    session_id: uuid.UUID | None = None
    except_session_id: uuid.UUID | None = None

    def lost_access(
        self, *, user_id: uuid.UUID, session_id: uuid.UUID | None, organization_id: uuid.UUID
    ) -> AccessLoss | None:
        """The one rule for "has this viewer lost access?" — asked by boards, other pages and API sockets alike."""
        if user_id != self.user_id:
            return None
        if self.kind == AccessKind.SESSION_REVOKED and self.session_id == session_id:
            return AccessLoss.SESSION_ENDED
        if self.kind == AccessKind.USER_SESSIONS_REVOKED and self.except_session_id != session_id:
            return AccessLoss.SESSION_ENDED
        if self.kind == AccessKind.MEMBER_REMOVED and self.organization_id == organization_id:
            return AccessLoss.NOT_A_MEMBER
        return None

    def changes_team_of(self, organization_id: uuid.UUID) -> bool:
        """Someone joined, left or changed role in ``organization_id``."""
        return self.kind in TEAM_CHANGES and self.organization_id == organization_id


LeadListener = Callable[[LeadEvent], None]
AccessListener = Callable[[AccessChange], None]


class EventBus:
    """Delivers lead events to the subscribers of their organization, and access changes to all.

    Listeners are plain callables run synchronously in publish order; they must be quick (move a
    card, enqueue a frame) and never block. A failing listener is logged and skipped.
    """

    def __init__(self) -> None:
        self._lead_listeners: Listeners[uuid.UUID, LeadListener] = Listeners()
        self._access_listeners: Listeners[None, AccessListener] = Listeners()
        self._last_seq: dict[uuid.UUID, int] = {}
        self._held: dict[uuid.UUID, dict[int, LeadEvent]] = {}

    def subscribe(self, organization_id: uuid.UUID, listener: LeadListener) -> Subscription:
        """Receive every lead event of one organization from now on; the handle's ``cancel()`` stops it."""
        return self._lead_listeners.add(organization_id, listener)

    def subscribe_access(self, listener: AccessListener) -> Subscription:
        """Receive every access change (each listener filters what concerns it)."""
        return self._access_listeners.add(None, listener)

    def organizations(self) -> list[uuid.UUID]:
        """Organizations with at least one listener on this process."""
        return list(self._lead_listeners.keys())

    def subscriber_count(self, organization_id: uuid.UUID) -> int:
        """How many listeners one organization has on this process."""
        return self._lead_listeners.count(organization_id)

    def prime(self, organization_id: uuid.UUID, seq: int) -> None:
        """Tell the bus where an organization's sequence stands (read from the database by a new subscriber).

        Without it the first event this process sees would define the start, and an earlier event
        arriving second (possible across replicas) would be taken as already delivered.
        """
        self._last_seq.setdefault(organization_id, seq)

    def last_seq(self, organization_id: uuid.UUID) -> int:
        """The highest ``seq`` delivered for an organization by this process (0 if none)."""
        return self._last_seq.get(organization_id, 0)

    def publish(self, event: LeadEvent) -> None:
        """Deliver one committed event, exactly once per (organization, seq) and in ``seq`` order.

        An event that arrives ahead of a missing ``seq`` is held until the missing one arrives:
        ``seq`` is gap-free and allocated under the organization's row lock, so the missing event is
        already committed and its publish (or the PostgreSQL bridge's catch-up) is imminent.
        """
        org = event.organization_id
        last = self._last_seq.get(org)
        if last is None:
            last = event.seq - 1  # first event this process sees for the organization
        if event.seq <= last:
            return  # already delivered (e.g. our own write coming back through the PostgreSQL bridge)
        held = self._held.setdefault(org, {})
        held[event.seq] = event
        while last + 1 in held:
            last += 1
            self._last_seq[org] = last
            self._deliver(held.pop(last))
        if not held:
            self._held.pop(org, None)

    def held_gap(self, organization_id: uuid.UUID) -> tuple[int, int] | None:
        """``(first missing seq, highest held seq)`` while events wait for a missing one, else None."""
        held = self._held.get(organization_id)
        if not held:
            return None
        return self._last_seq.get(organization_id, 0) + 1, max(held)

    def _deliver(self, event: LeadEvent) -> None:
        for listener in self._lead_listeners.of(event.organization_id):
            try:
                listener(event)
            except Exception:
                log.exception('lead event listener failed')

    def publish_access(self, change: AccessChange) -> None:
        """Deliver one committed access change."""
        for listener in self._access_listeners.of(None):
            try:
                listener(change)
            except Exception:
                log.exception('access listener failed')
