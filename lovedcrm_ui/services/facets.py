"""Lead facets of an organization: leads and value per stage, leads per source and per tag, without reading 100k rows.

Counting them is O(leads) whatever the index (a tag lives inside a JSON array), and the board, the filter options
and the statistics ask on every open. So each process keeps them per organization, tagged with the event ``seq``
they are exact at, and brings them up to date *when read*: the reader's own session reads the organization's
committed ``event_seq`` and, if the facets are behind, the events in between from ``pipeline_events`` (every lead
write records one, under the organization's row lock, in ``seq`` order — the outbox the bus and the replicas read
too) and applies them: ``lead_created`` / ``lead_deleted`` carry the snapshot, ``lead_updated`` the filter fields
``before`` the change, ``lead_stage_changed`` the old and new stage (and the old outcome).

Weighted totals (services/forecast.py) are kept per stage in two parts, so that changing the organization's
percent per stage invalidates nothing: ``fixed`` (Σ value x percent / 100 of the leads whose percent does not
depend on their stage: won, lost, or with their own ``probability``) and ``unfixed`` (Σ value of the others, times
the stage's percent when read).

Why pull and not only follow the bus: a read is then exact at the reader's snapshot whatever the bus did — right
after a write of this process, on another replica a moment before its notification arrives, after a lost
notification, with nobody subscribed — and nothing needs invalidating. A missing event (a gap in what the table
returns), an event it cannot read, a count going negative, or falling far behind (a big import) means a rebuild:
one statement counting everything, which also reads ``event_seq`` (one statement, one snapshot, also at READ
COMMITTED). A cache can be ahead of an older snapshot (a board's REPEATABLE READ transaction that began before a
commit another reader has applied): it then answers with the newer values, as a read a moment later would.

Kept per connection pool (one per app and database), at most ``MAX_ORGANIZATIONS`` organizations, least recently
read dropped first. Assumes what the whole app assumes: every change to ``leads`` records its event (an operator's
hand-made UPDATE does not; a restored database needs a restart, as the bus's sequence numbers do).
"""

import uuid
import weakref
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import Pool
from sqlmodel import col

from models import EventType, PipelineEvent

from .forecast import HUNDRED, fixed_probability
from .pipeline_events import current_seq

ZERO = Decimal('0.00')
CENT = Decimal('0.01')
MAX_ORGANIZATIONS = 1000
# past this many events behind (or past the organization's number of leads, if smaller) one rebuild is cheaper
MAX_CATCH_UP = 2000
MIN_CATCH_UP = 50

_REBUILD_SQL = {
    'postgresql': """
        SELECT 'seq', NULL, NULL, event_seq, NULL::numeric, NULL::numeric, NULL::numeric
        FROM organizations WHERE id = :org
        UNION ALL
        SELECT 'lead', stage, source, count(*), sum(estimated_value), FIXED_SUMS FROM leads WHERE organization_id = :org
        GROUP BY stage, source
        UNION ALL
        SELECT 'tag', t.v #>> '{}', NULL, count(*), NULL, NULL, NULL
        FROM leads CROSS JOIN LATERAL json_array_elements(leads.tags) AS t(v)
        WHERE leads.organization_id = :org AND json_typeof(t.v) = 'string' GROUP BY 2
    """,
    'sqlite': """
        SELECT 'seq', NULL, NULL, event_seq, NULL, NULL, NULL FROM organizations WHERE id = :org
        UNION ALL
        SELECT 'lead', stage, source, count(*), sum(estimated_value), FIXED_SUMS FROM leads WHERE organization_id = :org
        GROUP BY stage, source
        UNION ALL
        SELECT 'tag', json_each.value, NULL, count(*), NULL, NULL, NULL FROM leads, json_each(leads.tags)
        WHERE leads.organization_id = :org AND json_each.type = 'text' GROUP BY json_each.value
    """,
}
# a lead's percent when it does not depend on its stage (forecast.fixed_probability), and the two weighted sums
_FIXED = "CASE WHEN outcome = 'won' THEN 100 WHEN outcome = 'lost' THEN 0 ELSE probability END"
_REBUILD_SQL = {
    dialect: sql.replace(
        'FIXED_SUMS',
        f'sum(estimated_value * ({_FIXED})), sum(CASE WHEN ({_FIXED}) IS NULL THEN estimated_value END)',
    )
    for dialect, sql in _REBUILD_SQL.items()
}


class UnreadableEvent(Exception):
    """An event the facets cannot apply (unknown type, missing fields): rebuild instead."""


@dataclass(frozen=True)
class FacetView:
    """One organization's facets at ``seq``: leads and value per stage, sources and tags in use (sorted)."""

    seq: int
    stage_counts: dict[str, int]
    stage_values: dict[str, Decimal]
    sources: list[str]
    tags: list[str]
    stage_fixed: dict[str, Decimal] = field(default_factory=dict)
    stage_unfixed: dict[str, Decimal] = field(default_factory=dict)

    def weighted(self, stage: str, defaults: Mapping[str, int]) -> Decimal:
        """Σ value x effective probability of the stage's leads under the organization's percent per stage."""
        if stage not in self.stage_counts:
            return ZERO
        unfixed = self.stage_unfixed.get(stage, ZERO) * int(defaults.get(stage, 0)) / HUNDRED
        return self.stage_fixed.get(stage, ZERO) + unfixed

    @property
    def total(self) -> int:
        """All leads of the organization."""
        return sum(self.stage_counts.values())


@dataclass
class Facets:
    """Counts of leads per stage, per source and per tag, and value per stage, exact at event ``seq``."""

    seq: int
    stages: Counter[str] = field(default_factory=Counter)
    values: dict[str, Decimal] = field(default_factory=dict)
    fixed: dict[str, Decimal] = field(default_factory=dict)  # Σ value x percent / 100 of won, lost and own-percent
    unfixed: dict[str, Decimal] = field(default_factory=dict)  # Σ value of the leads at their stage's percent
    sources: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)
    _view: FacetView | None = None

    def view(self) -> FacetView:
        """The current values as an immutable view (built once per change)."""
        if self._view is None or self._view.seq != self.seq:
            self._view = FacetView(
                seq=self.seq,
                stage_counts=dict(self.stages),
                stage_values={stage: value for stage, value in self.values.items() if stage in self.stages},
                sources=sorted(s for s in self.sources if s),  # code point order: the databases' C / binary order
                tags=sorted(self.tags, key=lambda tag: (tag.lower(), tag)),
                stage_fixed=dict(self.fixed),
                stage_unfixed=dict(self.unfixed),
            )
        return self._view

    def apply(self, seq: int, event_type: str, payload: dict[str, Any]) -> None:
        """Apply the event numbered ``seq`` (the next one); ``UnreadableEvent`` if it cannot be."""
        if event_type == EventType.LEAD_CREATED:
            self._count(_lead(payload, 'lead'), +1)
        elif event_type == EventType.LEAD_DELETED:
            self._count(_lead(payload, 'lead'), -1)
        elif event_type == EventType.LEAD_UPDATED:
            self._count(_lead(payload, 'before'), -1)
            self._count(_lead(payload, 'lead'), +1)
        elif event_type == EventType.LEAD_STAGE_CHANGED:
            old, new = payload.get('old_stage'), payload.get('new_stage')
            if not isinstance(old, str) or not isinstance(new, str):
                raise UnreadableEvent(event_type)
            lead = payload.get('lead')
            value = _value(lead)
            if 'old_outcome' in payload:
                old_outcome = payload['old_outcome']
            elif old == 'fechado':  # an event recorded before migration 0013: the outcome it left is unknown
                raise UnreadableEvent('no old_outcome')
            else:
                old_outcome = None  # only a lead in fechado has an outcome
            probability = _probability(lead)
            self._add(self.stages, [old], -1)
            self._add(self.stages, [new], +1)
            self._add_value(old, -value)
            self._add_value(new, value)
            self._add_weight(old, -value, fixed_probability(old_outcome, probability))
            self._add_weight(new, value, fixed_probability(_outcome(lead), probability))
        elif event_type in (EventType.LEAD_NOTE_CHANGED, EventType.LEAD_ACTIVITY_CHANGED):
            pass  # a note or an activity changes no stage, source, tag or value (services/notes.py, activities.py)
        else:
            raise UnreadableEvent(event_type)
        self.seq = seq

    def _count(self, lead: tuple[str, str, list[str], Decimal, int | None], sign: int) -> None:
        stage, source, tags, value, fixed = lead
        self._add(self.stages, [stage], sign)
        self._add(self.sources, [source], sign)
        self._add(self.tags, tags, sign)
        self._add_value(stage, value * sign)
        self._add_weight(stage, value * sign, fixed)

    def _add_value(self, stage: str, value: Decimal) -> None:
        self.values[stage] = _checked(self.values.get(stage, ZERO) + value, stage)

    def _add_weight(self, stage: str, value: Decimal, fixed: int | None) -> None:
        if fixed is None:
            self.unfixed[stage] = _checked(self.unfixed.get(stage, ZERO) + value, stage)
        else:
            self.fixed[stage] = _checked(self.fixed.get(stage, ZERO) + value * fixed / HUNDRED, stage)

    @staticmethod
    def _add(counter: Counter[str], values: Iterable[str], sign: int) -> None:
        for value in values:
            counter[value] += sign
            if counter[value] < 0:
                raise UnreadableEvent(f'{value!r} counted below zero')
            if not counter[value]:
                del counter[value]


def _checked(total: Decimal, stage: str) -> Decimal:
    if total < 0:
        raise UnreadableEvent(f'value of {stage!r} below zero')
    return total


def _probability(lead: Any) -> int | None:
    """A snapshot's own percent (None: its stage's)."""
    raw = lead.get('probability') if isinstance(lead, dict) else None
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 100):
        raise UnreadableEvent(f'probability {raw!r}')
    return raw


def _outcome(lead: Any) -> str | None:
    raw = lead.get('outcome') if isinstance(lead, dict) else None
    return raw if isinstance(raw, str) else None


def _value(lead: Any) -> Decimal:
    """A snapshot's estimated value as exact money (none counts as zero, as SQL's sum skips it)."""
    if not isinstance(lead, dict):
        raise UnreadableEvent('no lead')
    raw = lead.get('estimated_value')
    if raw is None:
        return ZERO
    try:
        return Decimal(str(raw)).quantize(CENT)
    except ArithmeticError as error:
        raise UnreadableEvent(f'estimated_value {raw!r}') from error


def _lead(payload: dict[str, Any], key: str) -> tuple[str, str, list[str], Decimal, int | None]:
    """(stage, source, string tags, value, fixed percent) of the lead fields stored under ``key`` of a payload."""
    lead = payload.get(key)
    if not isinstance(lead, dict):
        raise UnreadableEvent(f'no {key!r}')
    stage, source, tags = lead.get('stage'), lead.get('source'), lead.get('tags')
    if not isinstance(stage, str) or not isinstance(source, str) or not isinstance(tags, list):
        raise UnreadableEvent(f'{key!r} without stage, source or tags')
    strings = [tag for tag in tags if isinstance(tag, str)]  # what the rebuild counts, too
    return stage, source, strings, _value(lead), fixed_probability(_outcome(lead), _probability(lead))


async def count_facets(session: AsyncSession, organization_id: uuid.UUID) -> Facets:
    """Count everything in the database (one statement: the counts and ``event_seq`` from one snapshot)."""
    dialect = session.get_bind().dialect.name
    org = organization_id if dialect == 'postgresql' else organization_id.hex
    rows = await session.execute(text(_REBUILD_SQL[dialect]), {'org': org})
    facets = Facets(seq=-1)
    for kind, first, second, count, value, fixed, unfixed in rows.all():
        if kind == 'seq':
            facets.seq = int(count)
        elif kind == 'lead':
            facets.stages[first] += int(count)
            facets.sources[second] += int(count)
            # SQLite sums money as a float: rounded to the cent here, as the board's filtered sums are
            facets.values[first] = facets.values.get(first, ZERO) + to_money(value)
            # value x percent is exact in cents x percent: rounded to that, then divided exactly
            facets.fixed[first] = facets.fixed.get(first, ZERO) + _exact(fixed) / HUNDRED
            facets.unfixed[first] = facets.unfixed.get(first, ZERO) + to_money(unfixed)
        else:
            facets.tags[first] += int(count)
    if facets.seq < 0:
        await current_seq(session, organization_id=organization_id)  # raises NotFound: no such organization
    return facets


def _exact(value: Any) -> Decimal:
    """A sum of value x percent (cents x whole percent) as an exact number (SQLite sums come back as floats)."""
    return ZERO if value is None else Decimal(str(value)).quantize(CENT)


def to_money(value: Any) -> Decimal:
    """A database sum as exact money (SQLite sums come back as floats)."""
    return ZERO if value is None else Decimal(str(value)).quantize(CENT)


class FacetCache:
    """One process's facets of the organizations it was asked about, each brought up to date when read."""

    def __init__(self, *, max_organizations: int | None = None) -> None:
        self._facets: OrderedDict[uuid.UUID, Facets] = OrderedDict()
        self._max = max_organizations or MAX_ORGANIZATIONS
        self.rebuilds = 0  # full counts made (bench/list_queries.py prints both)
        self.applied = 0  # events applied

    async def read(self, session: AsyncSession, *, organization_id: uuid.UUID) -> FacetView:
        """The organization's facets, exact at least at the committed state ``session`` sees."""
        facets = self._facets.get(organization_id)
        if facets is not None:
            self._facets.move_to_end(organization_id)
            committed = await current_seq(session, organization_id=organization_id)
            if facets.seq < committed:
                facets = await self._catch_up(session, organization_id, facets, committed)
            if facets is not None:
                return facets.view()
        return self._store(organization_id, await count_facets(session, organization_id)).view()

    async def _catch_up(
        self, session: AsyncSession, organization_id: uuid.UUID, facets: Facets, committed: int
    ) -> Facets | None:
        """``facets`` with the events up to ``committed`` applied; None when a rebuild is due instead."""
        behind = committed - facets.seq
        if behind > min(MAX_CATCH_UP, max(MIN_CATCH_UP, sum(facets.stages.values()))):
            return None
        rows = await session.execute(
            select(col(PipelineEvent.seq), col(PipelineEvent.type), col(PipelineEvent.payload))
            .where(
                col(PipelineEvent.organization_id) == organization_id,
                col(PipelineEvent.seq) > facets.seq,
                col(PipelineEvent.seq) <= committed,
            )
            .order_by(col(PipelineEvent.seq))
        )
        # another reader may have moved the entry on (or replaced it) while this one waited for the rows
        facets = self._facets.get(organization_id, facets)
        try:
            for seq, event_type, payload in rows.all():
                if seq <= facets.seq:
                    continue
                if seq != facets.seq + 1:
                    raise UnreadableEvent(f'event {facets.seq + 1} is missing')
                facets.apply(seq, event_type, payload)
                self.applied += 1
        except UnreadableEvent:
            if self._facets.get(organization_id) is facets:
                del self._facets[organization_id]  # half applied: never read again
            return None
        return facets if facets.seq >= committed else None

    def _store(self, organization_id: uuid.UUID, facets: Facets) -> Facets:
        self.rebuilds += 1
        current = self._facets.get(organization_id)
        if current is None or current.seq < facets.seq:
            self._facets[organization_id] = facets
        self._facets.move_to_end(organization_id)
        while len(self._facets) > self._max:
            self._facets.popitem(last=False)
        return self._facets[organization_id]


_caches: weakref.WeakKeyDictionary[Pool, FacetCache] = weakref.WeakKeyDictionary()


def facet_cache(session: AsyncSession) -> FacetCache:
    """The cache of the database ``session`` works on, in this process.

    Keyed by the engine's connection pool: one per app and database (read and write sessions share it, two apps
    in one process — tests, two replicas — each have their own), gone with the engine.
    """
    pool = session.get_bind().engine.pool
    cache = _caches.get(pool)
    if cache is None:
        cache = _caches[pool] = FacetCache()
    return cache


async def lead_facets(session: AsyncSession, *, organization_id: uuid.UUID) -> FacetView:
    """Leads per stage, sources and tags in use of one organization, exact at what ``session`` sees."""
    return await facet_cache(session).read(session, organization_id=organization_id)
