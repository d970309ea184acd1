"""A randomized, model-based consistency soak over simulated people, tabs and API sockets.

Three people in two organizations (Ana and Bruno in Ana's, Carla and Bruno in Carla's: Bruno can
switch) open 1-3 tabs each (a tab = one simulated NiceGUI ``User``) and act at random, driven by
``random.Random(seed)``: log in and out, reload, close tabs, switch organization, move cards by drag,
keyboard and menu, create, edit (also from a stale dialog), delete, star, filter, load more; a
teammate writes through the services as the REST API would; API WebSocket subscribers (driven in
process through the ASGI app) connect, drop and resume by ``seq``.

After every step, once the work it started has finished, the invariants must hold within a
deadline (polled, never a fixed sleep):

- every open board shows the database: per column the drawn cards are the first ``k`` of the
  database order for the board's own filter, ``k >= min(count, PAGE_SIZE)``, count and total are the
  database's, "load more" is visible iff cards are missing; the filter bar shows the board's filter;
- every API subscriber has every lead event of its organization exactly once, in ``seq`` order, from
  its first frame's ``seq`` on, across drops and resumes (compared with ``pipeline_events``);
- nothing of another organization reaches a board or a socket;
- the presence bar of every open board lists exactly the people with a live board or socket there;
- a save from a stale lead dialog never silently overwrites a teammate's change.

A failure names the seed, the step, the actions so far and the invariant that broke. Actions and
checks can be left out by name (``skip``; the test and the bench read ``SOAK_SKIP=stale_edit,check:page``).

Used by ``tests/ui/test_soak.py`` (a few seeds per database) and ``bench/soak.py`` (minutes of rounds).
"""

import asyncio
import html
import json
import logging
import re
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random
from typing import Any
from urllib.parse import urlencode

import httpx
from accounts import PASSWORD
from nicegui import Client, background_tasks, context, core
from nicegui.testing import User
from sqlalchemy import insert, select, update
from ui_helpers import fire

from lovedcrm_ui.services import auth, invites, leads, moves
from lovedcrm_ui.services.access import Caller
from lovedcrm_ui.services.board import PAGE_SIZE, BoardFilter, board_columns
from lovedcrm_ui.services.pipeline_events import current_seq, events_since
from lovedcrm_ui.ui.i18n import format_brl, parse_brl
from models import Lead, Membership, Organization, PipelineStage, Role, utcnow
from models.lead import LeadCreate, LeadUpdate

STAGES = [stage.value for stage in PipelineStage]
SOURCES = ['site', 'evento', 'indicação', 'web']
TAGS = ['b2b', 'vip', 'saas', 'varejo']
PREFIXES = ['Acme', 'João', 'Ação', 'Beta', 'Érica', 'Norte', 'Ângela', 'Delta', 'Cia', 'Sul']

# relative frequency of each action; an action that does not apply right now is drawn again
ACTION_WEIGHTS: dict[str, int] = {
    'login': 4,
    'logout': 2,
    'relogin': 1,  # regression: log out, log in again in the same tab, the old page's client is deleted
    'reload': 2,
    'close_tab': 1,
    'reap': 2,  # NiceGUI deletes an old page's client (its socket went away RECONNECT_TIMEOUT ago)
    'switch_org': 2,
    'drag': 8,
    'key_move': 5,
    'menu_move': 4,
    'create': 4,
    'edit': 4,
    'stale_edit': 3,  # regression: a save from a dialog opened before a teammate's change
    'delete': 2,
    'favourite': 3,
    'filter': 3,
    'load_more': 3,
    'teammate_write': 5,
    'ws_connect': 1,
    'ws_drop': 3,
    'ws_resume': 4,
}
CHECKS = ('check:boards', 'check:page', 'check:presence', 'check:sockets', 'check:errors')
MAX_TABS_PER_PERSON = 3
MAX_TABS = 6
MAX_SUBSCRIBERS = 4  # connected or dropped (a dropped one comes back by resuming)
MAX_ZOMBIE_AGE = 25  # steps; RECONNECT_TIMEOUT (10 s) is roughly that many steps

# background tasks that live as long as a page or a few seconds (a card's flash, the undo offer), not work of an action
LONG_LIVED = re.compile(
    r'^(outbox loop |(board-(days-)?|my-activities-)[0-9a-f-]{36}$|lead-card-flash$|undo-offer$|delete content )'
)


class Broken(AssertionError):
    """An invariant (or what an action expects to see) does not hold."""

    def __init__(self, invariant: str, detail: str) -> None:
        super().__init__(f'{invariant}: {detail}')
        self.invariant = invariant
        self.detail = detail


class ErrorLog(logging.Handler):
    """Keeps the ERROR records logged while the soak runs (NiceGUI logs an exception in a handler, and goes on)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        """The records since the last call, formatted with their tracebacks."""
        taken, self.records = self.records, []
        formatter = logging.Formatter('%(name)s: %(message)s')
        return [formatter.format(record) for record in taken]


class SoakFailure(AssertionError):
    """A broken invariant with everything needed to replay it."""

    def __init__(self, seed: int, step: int, invariant: str, detail: str, history: list[str], replay: str) -> None:
        self.seed, self.step, self.invariant, self.detail, self.history = seed, step, invariant, detail, history
        lines = '\n'.join(f'  {line}' for line in history)
        super().__init__(
            f'soak seed={seed} broke invariant {invariant!r} at step {step}:\n{detail}\n'
            f'actions so far:\n{lines}\nreplay: {replay}'
        )


@dataclass(frozen=True)
class SoakConfig:
    """One example: its seed, its length and what to leave out."""

    seed: int
    steps: int = 60
    skip: frozenset[str] = frozenset()
    settle_seconds: float = 8.0  # deadline for the invariants after a step
    action_seconds: float = 8.0  # deadline for what an action waits for (a dialog, a page)

    @staticmethod
    def parse_skip(raw: str | None) -> frozenset[str]:
        """``'stale_edit, check:page'`` → the names to leave out (unknown names are refused)."""
        names = frozenset(name.strip() for name in (raw or '').split(',') if name.strip())
        unknown = names - set(ACTION_WEIGHTS) - set(CHECKS)
        if unknown:
            raise ValueError(f'unknown soak action or check {sorted(unknown)}; known: {[*ACTION_WEIGHTS, *CHECKS]}')
        return names


@dataclass
class SoakReport:
    """What a run did."""

    seed: int
    steps: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    action_seconds: Counter[str] = field(default_factory=Counter)
    history: list[str] = field(default_factory=list)


# ----- people, organizations and leads -----------------------------------------------------


@dataclass(eq=False)
class Person:
    """Someone who signs in; ``organizations``: id → role."""

    key: str
    name: str
    email: str
    user_id: uuid.UUID
    organizations: dict[uuid.UUID, str]

    def caller(self, organization_id: uuid.UUID) -> Caller:
        """The person as the services see them in one organization (a session of their own)."""
        return Caller(self.user_id, self.email, organization_id, self.organizations[organization_id], uuid.uuid4())


async def register(ctx: Any, name: str, tag: str) -> tuple[Person, uuid.UUID]:
    """A new user and their own organization, through the service."""
    email = f'{name.split()[0].lower()}-{tag}-{uuid.uuid4().hex[:6]}@empresa.com.br'
    async with ctx.db.session() as session:
        result = await auth.register(
            session,
            hasher=ctx.hasher,
            tokens=ctx.tokens,
            email=email,
            password=PASSWORD,
            full_name=name,
            terms_accepted=True,
        )
    assert result.organization is not None
    person = Person(name.split()[0].lower(), name, email, result.user.id, {result.organization.id: 'owner'})
    return person, result.organization.id


async def add_member(ctx: Any, owner: Person, organization_id: uuid.UUID, newcomer: Person, role: str) -> None:
    """Invite and accept, through the services."""
    async with ctx.db.session() as session:
        view = await invites.create_invite(
            session,
            caller=owner.caller(organization_id),
            email=newcomer.email,
            role=Role(role),
            message=None,
            invited_name=None,
            expire_days=7,
        )
    async with ctx.db.session() as session:
        await invites.accept_invite(session, token=view.invite.token, user_id=newcomer.user_id)
    newcomer.organizations[organization_id] = role


async def seed_leads(ctx: Any, rng: Random, organization_id: uuid.UUID, letter: str, members: list[Person]) -> int:
    """60-120 leads with varied fields; the Lead column gets more than a page."""
    count = rng.randint(60, 120)
    weights = [0.55, 0.15, 0.12, 0.1, 0.08]
    now = utcnow()
    rows = []
    for i in range(count):
        rows.append(
            {
                'id': uuid.uuid4(),
                'organization_id': organization_id,
                'name': f'{rng.choice(PREFIXES)} {letter}{i:03d}',
                'email': f'contato{i}@{letter.lower()}empresa{i % 7}.com.br' if rng.random() < 0.7 else None,
                'phone': f'+55 11 9{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}' if rng.random() < 0.5 else None,
                'source': rng.choice(SOURCES),
                'estimated_value': Decimal(rng.randint(0, 5_000_000)) / 100 if rng.random() < 0.9 else None,
                'tags': rng.sample(TAGS, rng.randint(0, 2)),
                'assigned_user_id': rng.choice([None, *(m.user_id for m in members)]),
                'stage': rng.choices(STAGES, weights)[0],
                'position': float(i),
                'is_favorite': rng.random() < 0.15,
                'stage_changed_at': now,
                'version': 1,
                'created_at': now,
                'updated_at': now,
            }
        )
    async with ctx.db.session(cross_org=True) as session:
        await session.execute(insert(Lead), rows)
        await session.commit()
    return count


# ----- tabs and old pages ----------------------------------------------------------------------


def client_of(user: User) -> Client | None:
    """The user's current page, read without touching ``User.__getattribute__`` (it re-points ui.navigate)."""
    return object.__getattribute__(user, 'client')  # type: ignore[no-any-return]


def board_in(client: Client | None) -> Any:
    """The client's pipeline board element, if it has one (by class name: page modules get re-imported)."""
    if client is None or client.is_deleted:
        return None
    return next((e for e in list(client.elements.values()) if type(e).__name__ == 'PipelineBoard'), None)


def marked(client: Client | None, marker: str) -> Any:
    """The element of a page with this marker, or None."""
    if client is None or client.is_deleted:
        return None
    return next((e for e in list(client.elements.values()) if marker in e._markers), None)


def shown(element: Any) -> bool:
    """Visible, and inside visible parents (what the person can see)."""
    while element is not None:
        if element.is_deleted or not element.visible:
            return False
        element = element.parent_slot.parent if element.parent_slot else None
    return True


class TabNavigate:
    """``ui.navigate`` for the simulated tabs: acts on the tab whose page runs the code, as in a browser.

    NiceGUI's simulated ``User`` points the global ``ui.navigate`` at whichever user had an attribute read
    last, and its outbox reads one each time a ``run_javascript`` message goes out (the board's refocus
    after a keyboard move): a login handler awaiting the database, or /logout being built, could then
    navigate another tab. This routes by ``context.client``; a page that is no tab's current one yet
    (being built by ``User.open``) belongs to the tab the driver is acting in.
    """

    def __init__(self, own: Any, acting: Callable[[], 'Tab | None'], tabs: list['Tab']) -> None:
        self._own = own
        self._acting = acting
        self._tabs = tabs

    def _target(self) -> Any:
        try:
            client = context.client
        except RuntimeError:  # no page context
            client = None
        tab = next((tab for tab in self._tabs if client is not None and tab.client is client), None)
        tab = tab or self._acting()
        return tab.own_navigate if tab is not None else self._own

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)


@dataclass(eq=False)
class Tab:
    """One browser tab of a person: a simulated NiceGUI user."""

    label: str
    person: Person
    user: User
    expect: str = 'new'  # 'new' | 'login' | 'board'
    own_navigate: Any = None  # the User's own UserNavigate

    @property
    def client(self) -> Client | None:
        return client_of(self.user)

    @property
    def board(self) -> Any:
        return board_in(self.client)

    def live_board(self) -> Any:
        """The board when the tab shows a loaded, live one, else None."""
        board = self.board
        if board is None or not board._loaded.is_set() or board.columns_row.is_deleted:
            return None
        return board


@dataclass(eq=False)
class OldPage:
    """A page a tab left: its socket is gone, NiceGUI deletes it after RECONNECT_TIMEOUT."""

    client: Client
    document_ids: list[str]
    tab_id: str | None
    label: str
    since_step: int


# ----- API WebSocket subscribers (the ASGI app driven in process) ---------------------------------


class Connection:
    """One WebSocket connection to the ASGI app: what the server sent, in order."""

    def __init__(self, app: Any, path: str, query: dict[str, Any], on_frame: Callable[[dict[str, Any]], None]) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.inbox.put_nowait({'type': 'websocket.connect'})
        self.on_frame = on_frame
        self.accepted = asyncio.Event()
        self.first_frame = asyncio.Event()
        self.first_seq: int | None = None
        self.closed: tuple[int, str] | None = None
        self.denied: int | None = None
        scope = {
            'type': 'websocket',
            'asgi': {'version': '3.0', 'spec_version': '2.3'},
            'http_version': '1.1',
            'scheme': 'ws',
            'server': ('test', 80),
            'client': ('127.0.0.1', 50000),
            'root_path': '',
            'path': path,
            'raw_path': path.encode(),
            'query_string': urlencode(query).encode(),
            'headers': [(b'host', b'test'), (b'origin', b'http://test'), (b'sec-websocket-version', b'13')],
            'subprotocols': [],
            'extensions': {'websocket.http.response': {}},
        }
        self.task = asyncio.create_task(app(scope, self._receive, self._send), name=f'soak-ws {path}')

    async def _receive(self) -> dict[str, Any]:
        return await self.inbox.get()

    async def _send(self, message: dict[str, Any]) -> None:
        kind = message['type']
        if kind == 'websocket.accept':
            self.accepted.set()
        elif kind == 'websocket.send':
            frame = json.loads(message.get('text') or (message.get('bytes') or b'{}').decode())
            if self.first_seq is None and str(frame.get('type', '')).endswith('connection_established'):
                self.first_seq = int(frame['seq'])
                self.first_frame.set()
            self.on_frame(frame)
        elif kind == 'websocket.close':
            self.closed = (int(message.get('code', 1000)), str(message.get('reason') or ''))
            self.first_frame.set()
        elif kind == 'websocket.http.response.start':
            self.denied = int(message['status'])
            self.first_frame.set()

    def say(self, frame: dict[str, Any]) -> None:
        """A frame from the client."""
        self.inbox.put_nowait({'type': 'websocket.receive', 'text': json.dumps(frame)})

    async def drop(self) -> None:
        """The client goes away (network gone, tab closed): the server must notice and clean up."""
        self.inbox.put_nowait({'type': 'websocket.disconnect', 'code': 1006})
        await asyncio.wait_for(asyncio.shield(self.task), 10)

    @property
    def live(self) -> bool:
        return not self.task.done() and self.closed is None and self.denied is None


@dataclass(eq=False)
class Subscriber:
    """An API client listening to one organization's pipeline across drops and resumes."""

    label: str
    person: Person
    organization_id: uuid.UUID
    connection: Connection | None = None
    first_seq: int | None = None  # the first frame's seq of the first connection
    seqs: list[int] = field(default_factory=list)  # lead event seqs in arrival order
    frames: dict[int, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    connections: int = 0

    @property
    def connected(self) -> bool:
        return self.connection is not None and self.connection.live

    @property
    def last_seen(self) -> int:
        return self.seqs[-1] if self.seqs else (self.first_seq or 0)

    def on_frame(self, frame: dict[str, Any]) -> None:
        """Check each frame as it arrives: own organization only, lead events once and in order."""
        org = frame.get('organization_id')
        lead_org = (frame.get('lead') or {}).get('organization_id') if isinstance(frame.get('lead'), dict) else None
        for value in (org, lead_org):
            if value is not None and str(value) != str(self.organization_id):
                self.problems.append(f'{self.label}: a frame of organization {value}: {str(frame)[:200]}')
        kind = str(frame.get('type', ''))
        if kind == 'resync_required':
            self.problems.append(f'{self.label}: unexpected resync_required {frame}')
        if not (kind.startswith('lead_') and 'seq' in frame):
            return
        seq = int(frame['seq'])
        expected = self.last_seen + 1
        if seq in self.frames:
            self.problems.append(f'{self.label}: seq {seq} ({kind}) received twice')
        elif seq != expected:
            self.problems.append(
                f'{self.label}: seq {seq} ({kind}) arrived when {expected} was next (last {self.seqs[-5:]})'
            )
        self.seqs.append(seq)
        self.frames[seq] = frame


# ----- the driver -----------------------------------------------------------------------------


class Soak:
    """One seeded example: people act at random; invariants are checked after every step."""

    def __init__(
        self,
        ctx: Any,
        new_user: Callable[[], User],
        config: SoakConfig,
        *,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.new_user = new_user
        self.config = config
        self.rng = Random(config.seed)
        self.log = log or (lambda line: None)
        self.people: list[Person] = []
        self.org_names: dict[uuid.UUID, str] = {}
        self.org_letters: dict[uuid.UUID, str] = {}
        self.tabs: list[Tab] = []
        self.all_tabs: list[Tab] = []  # closed ones too
        self.old_pages: list[OldPage] = []
        self.subscribers: list[Subscriber] = []
        self.tokens: dict[tuple[uuid.UUID, uuid.UUID], tuple[str, float]] = {}
        self.report = SoakReport(seed=config.seed)
        self.error_log = ErrorLog()
        self.step = 0
        self.permanent: set[asyncio.Task] = set()  # tasks of the app itself (running before the first tab)
        self.counter = 0
        self.tab_counter = 0
        self.acting: Tab | None = None  # the tab the current action works in (see TabNavigate)

    @property
    def app(self) -> Any:
        return core.app

    def skipped(self, name: str) -> bool:
        return name in self.config.skip

    # ----- running ---------------------------------------------------------------------------

    async def run(self) -> SoakReport:
        """Set up, take the configured number of steps, clean up; raises SoakFailure."""
        started = time.perf_counter()
        root = logging.getLogger()
        root.addHandler(self.error_log)
        failed = False
        try:
            await self._guarded('setup', self.setup)
            for step in range(1, self.config.steps + 1):
                self.step = step
                await self._guarded('step', self._one_step)
        except BaseException:
            failed = True
            raise
        finally:
            try:
                await self.close()
            except Exception:
                if not failed:  # a cleanup problem must not hide the failure being reported
                    raise
            finally:
                root.removeHandler(self.error_log)
                self.report.seconds = time.perf_counter() - started
        return self.report

    @property
    def replay(self) -> str:
        """The command that runs this example again."""
        database = 'postgres' if self.ctx.db.engine.dialect.name == 'postgresql' else 'sqlite'
        skip = f' SOAK_SKIP={",".join(sorted(self.config.skip))}' if self.config.skip else ''
        return (
            f'SOAK_SEED={self.config.seed} SOAK_STEPS={self.config.steps}{skip} '
            f'.venv/bin/pytest tests/ui/test_soak.py -p no:cacheprovider --db {database}'
        )

    async def _guarded(self, what: str, work: Callable[[], Awaitable[None]]) -> None:
        try:
            await work()
        except Broken as exc:
            detail = f'{exc.detail}\n{await self.state()}'
            history = self.report.history
            raise SoakFailure(self.config.seed, self.step, exc.invariant, detail, history, self.replay) from exc
        except SoakFailure:
            raise
        except Exception as exc:
            detail = ''.join(traceback.format_exception(exc)).strip()
            history = self.report.history
            invariant = f'no exception ({what})'
            raise SoakFailure(self.config.seed, self.step, invariant, detail, history, self.replay) from exc

    async def state(self) -> str:
        """Where things stand (for a failure report): per organization the committed seq and the bus
        listeners; per tab its page and board; per old page whether it still has a board; per socket its seqs."""
        lines = ['state:']
        try:
            for org, letter in sorted(self.org_letters.items(), key=lambda item: item[1]):
                async with self.ctx.db.session(read_only=True) as session:
                    seq = await current_seq(session, organization_id=org)
                lines.append(f'  {letter}: committed seq {seq}, bus listeners {self.ctx.bus.subscriber_count(org)}')
            for tab in self.tabs:
                board = tab.board
                where = (
                    f'board of {self.org_letters.get(board.viewer.organization_id)} at seq {board.last_seq}'
                    if board
                    else 'no board'
                )
                lines.append(f'  tab {tab.label} ({tab.expect}): page {getattr(tab.client, "id", "-")[:8]}, {where}')
            for page in self.old_pages:
                board = board_in(page.client)
                what = (
                    f'board of {self.org_letters.get(board.viewer.organization_id)}'
                    if board is not None
                    else 'no board'
                )
                lines.append(f'  old page {page.client.id[:8]} of {page.label} from step {page.since_step}: {what}')
            for sub in self.subscribers:
                state = 'connected' if sub.connected else 'dropped'
                lines.append(
                    f'  {sub.label} {state}: first seq {sub.first_seq}, last {sub.last_seen}, {len(sub.seqs)} events'
                )
        except Exception as exc:  # the report must not hide the failure
            lines.append(f'  (state incomplete: {exc!r})')
        return '\n'.join(lines)

    async def _one_step(self) -> None:
        names = [name for name in ACTION_WEIGHTS if not self.skipped(name)]
        weights = [ACTION_WEIGHTS[name] for name in names]
        for _ in range(30):
            name = self.rng.choices(names, weights)[0]
            baseline = set(background_tasks.running_tasks)
            started = time.perf_counter()
            self.report.history.append(f'#{self.step} {name}: (did not finish)')
            detail = await getattr(self, f'act_{name}')()
            if detail is None:
                self.report.history.pop()
                continue  # does not apply right now
            line = self.report.history[-1] = f'#{self.step} {name}: {detail}'
            self.log(line)
            await self._quiesce(baseline)
            self._check_errors()
            await self._reap_overdue()
            await self.eventually(self.check_all)
            self._check_errors()
            self.report.steps += 1
            self.report.actions[name] += 1
            self.report.action_seconds[name] += time.perf_counter() - started
            return
        raise Broken('driver', 'no action applied in 30 draws')

    async def _quiesce(self, baseline: set[asyncio.Task] | None = None) -> None:
        """Wait until the work the action started (handlers, navigation, re-reads) has finished."""
        baseline = (baseline or set()) | self.permanent
        deadline = time.monotonic() + self.config.action_seconds
        while True:
            pending = [
                t
                for t in list(background_tasks.running_tasks)
                if t not in baseline and not t.done() and not LONG_LIVED.match(t.get_name())
            ]
            if not pending:
                return
            if time.monotonic() > deadline:
                raise Broken('quiescence', f'still running after the action: {[t.get_name() for t in pending]}')
            await asyncio.sleep(0.01)

    async def eventually(self, check: Callable[[], Awaitable[None]], seconds: float | None = None) -> None:
        """Retry an async check until it holds or the deadline passes."""
        deadline = time.monotonic() + (seconds or self.config.settle_seconds)
        while True:
            try:
                await check()
                return
            except Broken:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.03)

    async def until(self, condition: Callable[[], Any], what: str, invariant: str = 'action') -> None:
        """Wait for something the person would see (a dialog, a page); Broken when it never comes."""
        deadline = time.monotonic() + self.config.action_seconds
        while not condition():
            if time.monotonic() > deadline:
                raise Broken(invariant, f'waited {self.config.action_seconds:.0f} s for {what}')
            await asyncio.sleep(0.01)

    # ----- setup and cleanup ------------------------------------------------------------------

    async def setup(self) -> None:
        """People, organizations and leads; every person signs in in one tab."""
        self.permanent = set(background_tasks.running_tasks)
        tag = f's{self.config.seed}'
        ana, org_a = await register(self.ctx, 'Ana Souza', tag)
        carla, org_c = await register(self.ctx, 'Carla Dias', tag)
        bruno, org_b = await register(self.ctx, 'Bruno Lima', tag)
        await add_member(self.ctx, ana, org_a, bruno, 'member')
        await add_member(self.ctx, carla, org_c, bruno, 'admin')
        async with self.ctx.db.session() as session:
            # two organizations: Bruno's own (made by registering) is archived
            await session.execute(update(Organization).where(Organization.id == org_b).values(is_active=False))
            await session.execute(
                update(Membership)
                .where(Membership.user_id == bruno.user_id, Membership.organization_id == org_a)
                .values(last_used_at=utcnow())
            )
            await session.commit()
            names = dict((await session.execute(select(Organization.id, Organization.name))).all())
        bruno.organizations.pop(org_b)
        self.people = [ana, bruno, carla]
        self.org_names = {org_a: names[org_a], org_c: names[org_c]}
        self.org_letters = {org_a: 'A', org_c: 'C'}
        await seed_leads(self.ctx, self.rng, org_a, 'A', [ana, bruno])
        await seed_leads(self.ctx, self.rng, org_c, 'C', [carla, bruno])
        for person in self.people:
            tab = self._new_tab(person)
            await self._sign_in(tab)
        # an API client listens to Ana's organization from the start; Carla's often has a single listener (her
        # board), where one stale unsubscribe used to cut the organization off the bus
        await self._subscribe(self.rng.choice([ana, bruno]), org_a)
        await self._quiesce()
        await self.eventually(self.check_all)

    async def close(self) -> None:
        """Close every tab and socket and delete every page, as NiceGUI would in the end."""
        for subscriber in self.subscribers:
            if subscriber.connected and subscriber.connection is not None:
                try:
                    await subscriber.connection.drop()
                except Exception:  # cleanup must go on
                    pass
        for tab in self.tabs:
            self._leave(tab.client, tab.label)
        self.tabs.clear()
        # and any page of these tabs the driver lost track of (after a failure in the middle of an action)
        tab_ids = {tab.user.tab_id for tab in self.all_tabs}
        tracked = {page.client for page in self.old_pages}
        for client in list(Client.instances.values()):
            if client._pinned_tab_id in tab_ids and client not in tracked:
                self._leave(client, 'cleanup')
        while self.old_pages:
            await self._reap(self.old_pages.pop(0))
        for tab in self.all_tabs:  # NiceGUI's globals may still hold a user: let it not hold this run too
            tab.user.navigate = tab.own_navigate
        self.all_tabs.clear()
        self.acting = None

    # ----- tabs, pages and navigation ---------------------------------------------------------

    def _new_tab(self, person: Person) -> Tab:
        self.tab_counter += 1
        tab = Tab(f'{person.key}#{self.tab_counter}', person, self.new_user())
        tab.own_navigate = tab.user.navigate  # reading ``navigate`` does not re-point the global
        tab.user.navigate = TabNavigate(tab.own_navigate, lambda: self.acting, self.tabs)
        self.tabs.append(tab)
        self.all_tabs.append(tab)
        return tab

    def _focus(self, tab: Tab) -> None:
        # NiceGUI's simulated User points the global ui.navigate / ui.notify at the user whose attribute was read
        # last (any but those three): a page built by User.open and the notifications of an action go to this tab
        _ = tab.user.back_history
        self.acting = tab

    def _leave(self, client: Client | None, label: str) -> None:
        """The browser left this page: its socket goes away; NiceGUI deletes the client later."""
        if client is None or client.is_deleted:
            return
        documents = []
        for socket_id in list(client._socket_to_document_id):
            documents.append(client._socket_to_document_id[socket_id])
            client.handle_disconnect(socket_id)
        for document_id in documents:  # the driver decides when the reconnect timeout has passed
            task = client._delete_tasks.pop(document_id, None)
            if task is not None:
                task.cancel()
        self.old_pages.append(OldPage(client, documents, client._pinned_tab_id, label, self.step))

    async def _reap(self, page: OldPage) -> str:
        """What NiceGUI does RECONNECT_TIMEOUT after a page's socket went away: delete the client."""
        client = page.client
        if client.is_deleted or client.id not in Client.instances:
            return f'{page.label} page {client.id[:8]} (already pruned)'
        for document_id in page.document_ids:
            if client._num_connections.get(document_id) == 0:
                client._num_connections.pop(document_id)
        client.delete()
        if page.tab_id and all(c._pinned_tab_id != page.tab_id for c in Client.instances.values()):
            await core.app.storage.close_tab(page.tab_id)
        return f'{page.label} page {client.id[:8]} from step {page.since_step}'

    async def _reap_overdue(self) -> None:
        for page in [p for p in self.old_pages if self.step - p.since_step > MAX_ZOMBIE_AGE]:
            self.old_pages.remove(page)
            await self._reap(page)

    async def _open(self, tab: Tab, path: str) -> Client:
        """Type a path into the tab's address bar."""
        self._leave(tab.client, tab.label)
        self._focus(tab)
        return await tab.user.open(path)

    async def _until_board(self, tab: Tab, after: Client | None) -> Any:
        def ready() -> bool:
            client = tab.client
            return client is not after and board_in(client) is not None and board_in(client)._loaded.is_set()

        await self.until(ready, f'{tab.label} to show the board', 'navigation')
        tab.expect = 'board'
        return tab.board

    async def _sign_in(self, tab: Tab) -> Any:
        """Log in on the login page (opening it if needed) and wait for the board."""
        if marked(tab.client, 'login-email') is None:
            await self._open(tab, '/login')
        page = tab.client
        assert page is not None
        self._focus(tab)
        with page:
            marked(page, 'login-email').value = tab.person.email
            marked(page, 'login-password').value = PASSWORD
        fire(marked(page, 'login-submit'), 'click')
        board = await self._until_board(tab, page)
        self._leave(page, tab.label)
        return board

    async def _sign_out(self, tab: Tab) -> Client | None:
        """Open /logout; returns the board page that was left."""
        old = tab.client
        logout = await self._open(tab, '/logout')
        await self.until(
            lambda: tab.client is not logout and marked(tab.client, 'login-email') is not None,
            f'{tab.label} to reach the login page after /logout',
            'navigation',
        )
        self._leave(logout, tab.label)
        tab.expect = 'login'
        return old

    def _board_tabs(self) -> list[Tab]:
        return [tab for tab in self.tabs if tab.expect == 'board' and tab.live_board() is not None]

    def _pick_card(self, board: Any) -> tuple[Any, Any] | None:
        columns = [column for column in board.columns.values() if column.card_list]
        if not columns:
            return None
        column = self.rng.choice(columns)
        return column, self.rng.choice(column.card_list)

    def _name(self, organization_id: uuid.UUID) -> str:
        self.counter += 1
        return f'{self.rng.choice(PREFIXES)} {self.org_letters[organization_id]}n{self.counter:03d}'

    # ----- actions: sessions and tabs ---------------------------------------------------------

    async def act_login(self) -> str | None:
        signed_out = [tab for tab in self.tabs if tab.expect == 'login']
        openable = [
            p
            for p in self.people
            if sum(t.person is p for t in self.tabs) < MAX_TABS_PER_PERSON and len(self.tabs) < MAX_TABS
        ]
        if not signed_out and not openable:
            return None
        if signed_out and (not openable or self.rng.random() < 0.6):
            tab = self.rng.choice(signed_out)
            how = 'again'
        else:
            tab = self._new_tab(self.rng.choice(openable))
            how = 'in a new tab'
        board = await self._sign_in(tab)
        return f'{tab.label} signs in {how} → {self.org_letters.get(board.viewer.organization_id, "?")}'

    async def act_logout(self) -> str | None:
        tabs = self._board_tabs()
        if not tabs:
            return None
        tab = self.rng.choice(tabs)
        await self._sign_out(tab)
        return f'{tab.label} opens /logout'

    async def act_relogin(self) -> str | None:
        """The regression: log out, log in again, then the old board page is deleted; the new board stays live."""
        tabs = self._board_tabs()
        if not tabs:
            return None
        tab = self.rng.choice(tabs)
        old_client = await self._sign_out(tab)
        board = await self._sign_in(tab)
        old = next((p for p in self.old_pages if p.client is old_client), None)
        if old is not None:
            self.old_pages.remove(old)
            await self._reap(old)
        await self._quiesce()
        # something must happen in the organization for a dead subscription to show
        organization_id = board.viewer.organization_id
        probe = await self._service_write(organization_id, kinds=('move', 'update', 'create'))
        return f'{tab.label} logs out, logs in again, old board page deleted; probe: {probe}'

    async def act_reload(self) -> str | None:
        tabs = self._board_tabs()
        if not tabs:
            return None
        tab = self.rng.choice(tabs)
        old = tab.client
        await self._open(tab, '/pipeline')
        await self._until_board(tab, old)
        return f'{tab.label} reloads'

    async def act_close_tab(self) -> str | None:
        if len(self.tabs) <= 1:
            return None
        tab = self.rng.choice(self.tabs)
        self.tabs.remove(tab)
        self._leave(tab.client, tab.label)
        detail = f'{tab.label} closed'
        if self.rng.random() < 0.5 and self.old_pages and self.old_pages[-1].client is tab.client:
            detail += f'; deleted at once: {await self._reap(self.old_pages.pop())}'
        return detail

    async def act_reap(self) -> str | None:
        if not self.old_pages:
            return None
        page = self.old_pages.pop(self.rng.randrange(len(self.old_pages)))
        return f'deleted {await self._reap(page)}'

    async def act_switch_org(self) -> str | None:
        tabs = [tab for tab in self._board_tabs() if len(tab.person.organizations) > 1]
        if not tabs:
            return None
        tab = self.rng.choice(tabs)
        board = tab.live_board()
        current = board.viewer.organization_id
        target = self.rng.choice(
            sorted((o for o in tab.person.organizations if o != current), key=lambda o: self.org_letters[o])
        )
        page = tab.client
        item = marked(page, f'org-{target}')
        if item is None:
            raise Broken('switcher', f'{tab.label}: no menu item for organization {self.org_letters[target]}')
        self._focus(tab)
        fire(item, 'click')
        await self._until_board(tab, page)
        self._leave(page, tab.label)
        shown_org = tab.board.viewer.organization_id
        if shown_org != target:
            raise Broken('switcher', f'{tab.label} chose {self.org_letters[target]} but sees {shown_org}')
        return f'{tab.label} switches {self.org_letters[current]} → {self.org_letters[target]}'

    # ----- actions: moves -------------------------------------------------------------------

    async def act_drag(self) -> str | None:
        tabs = [(tab, tab.live_board()) for tab in self._board_tabs()]
        tabs = [(tab, board) for tab, board in tabs if self._pick_card_possible(board)]
        if not tabs:
            return None
        tab, board = self.rng.choice(tabs)
        picked = self._pick_card(board)
        assert picked is not None
        source, card = picked
        target = board.columns[self.rng.choice(STAGES)]
        others = [c for c in target.card_list if c is not card]
        new_index = self.rng.randint(0, len(others))
        name = card.lead['name']
        self._focus(tab)
        fire(
            source.cards,
            'sortend',
            {
                'item_id': card.id,
                'from_id': source.cards.id,
                'to_id': target.cards.id,
                'old_index': source.card_list.index(card),
                'new_index': new_index,
            },
        )
        return f'{tab.label} drags "{name}" {source.stage} → {target.stage} at {new_index}/{len(others)}'

    def _pick_card_possible(self, board: Any) -> bool:
        return board is not None and any(column.card_list for column in board.columns.values())

    async def act_key_move(self) -> str | None:
        tabs = [(tab, tab.live_board()) for tab in self._board_tabs()]
        tabs = [(tab, board) for tab, board in tabs if self._pick_card_possible(board)]
        if not tabs:
            return None
        tab, board = self.rng.choice(tabs)
        column, card = self._pick_card(board)  # type: ignore[misc]
        key = self.rng.choice(['left', 'right', 'up', 'down'])
        index = column.card_list.index(card)
        self._focus(tab)
        fire(board.columns_row, 'keydown', {'card': card.id, 'action': key})
        return f'{tab.label} Alt+{key} on "{card.lead["name"]}" ({column.stage} #{index})'

    async def act_menu_move(self) -> str | None:
        tabs = [(tab, tab.live_board()) for tab in self._board_tabs()]
        tabs = [(tab, board) for tab, board in tabs if self._pick_card_possible(board)]
        if not tabs:
            return None
        tab, board = self.rng.choice(tabs)
        column, card = self._pick_card(board)  # type: ignore[misc]
        dialog = board.move_dialog
        self._focus(tab)
        fire(board.columns_row, 'keydown', {'card': card.id, 'action': 'menu'})
        await self.until(lambda: dialog.value, f'{tab.label}: the "Mover para…" dialog')
        place = self.rng.choice(['top', 'bottom'])
        stage = self.rng.choice(STAGES)
        with tab.client:
            dialog.place.value = place
        fire(dialog.buttons[stage], 'click')
        return f'{tab.label} menu-moves "{card.lead["name"]}" {column.stage} → {stage} ({place})'

    async def act_favourite(self) -> str | None:
        tabs = [(tab, tab.live_board()) for tab in self._board_tabs()]
        tabs = [(tab, board) for tab, board in tabs if self._pick_card_possible(board)]
        if not tabs:
            return None
        tab, board = self.rng.choice(tabs)
        _column, card = self._pick_card(board)  # type: ignore[misc]
        before = bool(card.lead.get('is_favorite'))
        self._focus(tab)
        fire(board.columns_row, 'click', {'card': card.id, 'action': 'star'})
        return f'{tab.label} {"un" if before else ""}stars "{card.lead["name"]}"'

    # ----- actions: the lead dialog -----------------------------------------------------------

    async def _open_dialog(self, tab: Tab, board: Any, card: Any) -> Any:
        dialog = board.lead_dialog
        self._focus(tab)
        fire(board.columns_row, 'click', {'card': card.id, 'action': 'open'})
        await self.until(
            lambda: dialog.value and dialog.lead is not None and str(dialog.lead['id']) == str(card.lead_id),
            f'{tab.label}: the dialog of "{card.lead["name"]}"',
        )
        return dialog

    async def _save_dialog(self, tab: Tab, dialog: Any, what: str) -> None:
        """Press Save and wait until the dialog closes; its error text is a failure."""
        self._focus(tab)
        fire(dialog.save_button, 'click')
        await self.until(
            lambda: not dialog.value or bool(dialog.error.text) or self._conflict_shown(tab),
            f'{tab.label}: {what} to close',
        )
        await self._quiesce()
        if dialog.value:
            panel = ' (a conflict panel is shown)' if self._conflict_shown(tab) else ''
            raise Broken('lead dialog', f'{tab.label}: {what} refused{panel}: {dialog.error.text!r}')

    def _conflict_shown(self, tab: Tab) -> bool:
        panel = marked(tab.client, 'lead-conflict')
        return panel is not None and shown(panel)

    def _field_change(self, organization_id: uuid.UUID, field_name: str, lead: dict[str, Any], board: Any) -> Any:
        """A new value for one dialog field (what the person types), different from the lead's."""
        rng = self.rng
        if field_name == 'name':
            return self._name(organization_id)
        if field_name == 'notes':
            return f'nota {self.counter} {rng.randint(0, 9999)}'
        if field_name == 'amount':
            return str(rng.randint(1, 99_999))
        if field_name == 'phone':
            return f'+55 21 9{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}'
        if field_name == 'email':
            return f'novo{rng.randint(0, 99999)}@empresa{rng.randint(0, 9)}.com.br'
        if field_name == 'source':
            return rng.choice([s for s in SOURCES if s != lead.get('source')])
        if field_name == 'tags':
            return sorted(rng.sample(TAGS, rng.randint(0, 3)))
        if field_name == 'favourite':
            return not lead.get('is_favorite')
        if field_name == 'assignee':
            options = by_name(board.lead_dialog.assignee.options)
            current = str(lead.get('assigned_user_id') or '')
            return rng.choice([None, *(o for o in options if o != current)])
        if field_name == 'stage':
            return rng.choice([s for s in STAGES if s != lead.get('stage')])
        raise ValueError(field_name)

    @staticmethod
    def _set_field(dialog: Any, field_name: str, value: Any) -> None:
        element = {
            'name': dialog.name,
            'amount': dialog.amount,
            'phone': dialog.phone,
            'email': dialog.email,
            'source': dialog.source,
            'tags': dialog.tags,
            'favourite': dialog.favorite,
            'assignee': dialog.assignee,
            'stage': dialog.stage,
        }[field_name]
        if field_name == 'tags':
            dialog.set_known_tags(list(value))
        element.value = value

    @staticmethod
    def _db_value(lead: Lead, field_name: str) -> Any:
        attribute = {'amount': 'estimated_value', 'favourite': 'is_favorite', 'assignee': 'assigned_user_id'}
        value = getattr(lead, attribute.get(field_name, field_name))
        if field_name == 'amount':
            return None if value is None else Decimal(str(value))
        if field_name == 'assignee':
            return str(value) if value else None
        if field_name == 'tags':
            return sorted(value or [])
        return stage_of(value) if field_name == 'stage' else value

    @staticmethod
    def _typed(field_name: str, value: Any) -> Any:
        """A typed dialog value as the database keeps it."""
        if field_name == 'amount':
            return parse_brl(value)
        if field_name == 'tags':
            return sorted(value)
        return value

    async def _lead(self, organization_id: uuid.UUID, lead_id: uuid.UUID) -> Lead | None:
        async with self.ctx.db.session(read_only=True, cross_org=True) as session:
            return (
                await session.execute(select(Lead).where(Lead.id == lead_id, Lead.organization_id == organization_id))
            ).scalar_one_or_none()

    async def act_create(self) -> str | None:
        tabs = self._board_tabs()
        if not tabs:
            return None
        tab = self.rng.choice(tabs)
        board = tab.live_board()
        organization_id = board.viewer.organization_id
        stage = self.rng.choice(STAGES)
        dialog = board.lead_dialog
        self._focus(tab)
        fire(board.columns[stage].add_button, 'click')
        await self.until(lambda: dialog.value and dialog.lead is None, f'{tab.label}: the new-lead dialog')
        name = self._name(organization_id)
        amount = str(self.rng.randint(0, 50_000)) if self.rng.random() < 0.8 else ''
        with tab.client:
            dialog.name.value = name
            dialog.amount.value = amount
            dialog.source.value = self.rng.choice(SOURCES)
            tags = sorted(self.rng.sample(TAGS, self.rng.randint(0, 2)))
            self._set_field(dialog, 'tags', tags)
        await self._save_dialog(tab, dialog, f'the new lead "{name}"')
        async with self.ctx.db.session(read_only=True, cross_org=True) as session:
            found = (
                (await session.execute(select(Lead).where(Lead.organization_id == organization_id, Lead.name == name)))
                .scalars()
                .all()
            )
        if len(found) != 1 or stage_of(found[0].stage) != stage:
            raise Broken('lead dialog', f'{tab.label} created "{name}" in {stage}; the database has {found}')
        return f'{tab.label} creates "{name}" in {stage} (R$ {amount or "—"}, tags {tags})'

    async def act_edit(self) -> str | None:
        tabs = [(tab, tab.live_board()) for tab in self._board_tabs()]
        tabs = [(tab, board) for tab, board in tabs if self._pick_card_possible(board)]
        if not tabs:
            return None
        tab, board = self.rng.choice(tabs)
        organization_id = board.viewer.organization_id
        _column, card = self._pick_card(board)  # type: ignore[misc]
        fields = ['name', 'amount', 'phone', 'email', 'source', 'tags', 'favourite', 'assignee', 'stage']
        chosen = self.rng.sample(fields, self.rng.randint(1, 2))
        dialog = await self._open_dialog(tab, board, card)
        lead = dict(card.lead)
        values = {f: self._field_change(organization_id, f, lead, board) for f in chosen}
        with tab.client:
            for f, value in values.items():
                self._set_field(dialog, f, value)
        await self._save_dialog(tab, dialog, f'the edit of "{lead["name"]}"')
        stored = await self._lead(organization_id, card.lead_id)
        if stored is None:
            raise Broken('lead dialog', f'{tab.label} edited "{lead["name"]}" and it is gone')
        for f, value in values.items():
            if self._db_value(stored, f) != self._typed(f, value):
                raise Broken(
                    'lead dialog',
                    f'{tab.label} set {f}={value!r} on "{lead["name"]}"; stored {self._db_value(stored, f)!r}',
                )
        return f'{tab.label} edits "{lead["name"]}": {values}'

    async def act_stale_edit(self) -> str | None:
        """Open a lead, a teammate changes it, save the first dialog: refused with a conflict panel, then
        reload or overwrite — and the teammate's change is never lost silently."""
        tabs = [(tab, tab.live_board()) for tab in self._board_tabs()]
        tabs = [(tab, board) for tab, board in tabs if self._pick_card_possible(board)]
        if not tabs:
            return None
        tab, board = self.rng.choice(tabs)
        organization_id = board.viewer.organization_id
        _column, card = self._pick_card(board)  # type: ignore[misc]
        lead_id = card.lead_id
        mine = self.rng.choice(['name', 'amount', 'phone'])
        theirs = self.rng.choice(['name', 'amount', 'phone', 'source', 'favourite'])
        dialog = await self._open_dialog(tab, board, card)
        shown_lead = dict(card.lead)

        # the teammate: another tab of the organization (its own dialog), or someone through the API
        others = [
            (t, t.live_board())
            for t in self._board_tabs()
            if t is not tab and t.live_board().viewer.organization_id == organization_id
        ]
        others = [(t, b) for t, b in others if lead_id in b.cards]
        their_value = self._field_change(organization_id, theirs, shown_lead, board)
        if others and self.rng.random() < 0.5:
            other, other_board = self.rng.choice(others)
            other_dialog = await self._open_dialog(other, other_board, other_board.cards[lead_id])
            with other.client:
                self._set_field(other_dialog, theirs, their_value)
            await self._save_dialog(other, other_dialog, f'the teammate\'s edit of "{shown_lead["name"]}"')
            who = other.label
        else:
            member = self.rng.choice([p for p in self.people if organization_id in p.organizations])
            await self._service_update(member, organization_id, lead_id, theirs, their_value)
            who = f'{member.key} (API)'
        await self._quiesce()
        after_teammate = await self._lead(organization_id, lead_id)
        assert after_teammate is not None

        my_value = self._field_change(organization_id, mine, shown_lead, board)
        with tab.client:
            self._set_field(dialog, mine, my_value)
        story = (
            f'{tab.label} opened "{shown_lead["name"]}" v{shown_lead["version"]}; {who} set {theirs}={their_value!r} '
            f'(now v{after_teammate.version}); {tab.label} saves {mine}={my_value!r} from the stale dialog'
        )
        self._focus(tab)
        fire(dialog.save_button, 'click')
        await self.until(
            lambda: not dialog.value or bool(dialog.error.text) or self._conflict_shown(tab),
            f'{tab.label}: the stale save to be answered',
            'stale dialog',
        )
        await self._quiesce()
        stored = await self._lead(organization_id, lead_id)
        assert stored is not None
        changed = {
            f: (self._db_value(after_teammate, f), self._db_value(stored, f))
            for f in ('name', 'notes', 'amount', 'phone', 'source', 'favourite', 'stage', 'tags', 'assignee', 'email')
            if self._db_value(after_teammate, f) != self._db_value(stored, f)
        }
        if changed or stored.version != after_teammate.version:
            raise Broken(
                'stale dialog',
                f"{story}: the save went through over the teammate's change (field: (teammate's, now)) {changed}, "
                f'v{after_teammate.version} → v{stored.version}',
            )
        if not (dialog.value and self._conflict_shown(tab)):
            raise Broken(
                'stale dialog',
                f'{story}: refused, but no visible conflict panel (open={dialog.value}, error={dialog.error.text!r})',
            )
        choice = self.rng.choice(['overwrite', 'reload'])
        button = marked(tab.client, f'lead-conflict-{choice}')
        if button is None or not shown(button):
            raise Broken('stale dialog', f'{story}: no visible "lead-conflict-{choice}" button')
        self._focus(tab)
        fire(button, 'click')
        await self._quiesce()
        if choice == 'reload':
            await self.until(
                lambda: not self._conflict_shown(tab), 'the conflict panel to go after reload', 'stale dialog'
            )
            current = await self._lead(organization_id, lead_id)
            assert current is not None
            form = {'name': dialog.name.value, 'phone': dialog.phone.value or None}
            form['amount'] = parse_brl(dialog.amount.value)
            for f, value in form.items():
                if value != self._db_value(current, f):
                    raise Broken(
                        'stale dialog',
                        f'{story}; reload: the form shows {f}={value!r}, stored {self._db_value(current, f)!r}',
                    )
            with tab.client:
                self._set_field(dialog, mine, my_value)
            await self._save_dialog(tab, dialog, 'the save after reload')
        else:
            await self.until(lambda: not dialog.value, 'the dialog to close after overwrite', 'stale dialog')
        final = await self._lead(organization_id, lead_id)
        assert final is not None
        if self._db_value(final, mine) != self._typed(mine, my_value):
            raise Broken(
                'stale dialog', f'{story}; {choice}: stored {mine}={self._db_value(final, mine)!r}, not theirs'
            )
        if theirs != mine and self._db_value(final, theirs) != self._typed(theirs, their_value):
            raise Broken(
                'stale dialog',
                f"{story}; {choice}: the teammate's {theirs}={their_value!r} was lost "
                f'(stored {self._db_value(final, theirs)!r})',
            )
        return f'{story} → conflict shown → {choice}'

    async def act_delete(self) -> str | None:
        tabs = [(tab, tab.live_board()) for tab in self._board_tabs()]
        tabs = [(tab, board) for tab, board in tabs if self._pick_card_possible(board)]
        if not tabs:
            return None
        tab, board = self.rng.choice(tabs)
        organization_id = board.viewer.organization_id
        _column, card = self._pick_card(board)  # type: ignore[misc]
        name, lead_id = card.lead['name'], card.lead_id
        dialog = await self._open_dialog(tab, board, card)
        self._focus(tab)
        fire(dialog.delete_button, 'click')
        await self.until(lambda: dialog.confirm.value, f'{tab.label}: the delete confirmation')
        dialog.confirm.submit(True)
        await self.until(lambda: not dialog.value, f'{tab.label}: the dialog to close after delete')
        await self._quiesce()
        if await self._lead(organization_id, lead_id) is not None:
            raise Broken('lead dialog', f'{tab.label} deleted "{name}"; it is still stored')
        return f'{tab.label} deletes "{name}"'

    # ----- actions: filter and load more ----------------------------------------------------

    async def act_filter(self) -> str | None:
        tabs = self._board_tabs()
        if not tabs:
            return None
        tab = self.rng.choice(tabs)
        board = tab.live_board()
        bar = board.filter_bar
        what = self.rng.choice(['clear', 'clear', 'text', 'favorites', 'source', 'tags', 'value', 'assignee'])
        self._focus(tab)
        if what == 'clear':
            button = next(b for b in bar.descendants() if getattr(b, 'text', None) == board.t('filter.clear'))
            fire(button, 'click')
            return f'{tab.label} clears the filter'
        rng = self.rng
        if what == 'text':
            cards = [c for column in board.columns.values() for c in column.card_list]
            if cards and rng.random() < 0.8:
                word = rng.choice(rng.choice(cards).lead['name'].split())
                start = rng.randrange(max(1, len(word) - 2))
                value: Any = word[start : start + 3]
                value = rng.choice([value, value.upper(), value.lower()])
            else:
                value = rng.choice(['1', 'empresa', 'zz', 'ÇÃO'])
            control = bar.text
        elif what == 'favorites':
            control, value = bar.favorites, not bar.favorites.value
        elif what == 'source':
            control, value = bar.source, rng.choice([None, *sorted(bar.source.options)])
        elif what == 'tags':
            options = sorted(bar.tags.options)
            control, value = bar.tags, sorted(rng.sample(options, min(len(options), rng.randint(0, 2))))
        elif what == 'value':
            control = rng.choice([bar.value_min, bar.value_max])
            value = rng.choice(['', '500', '5.000', '20000,50'])
        else:
            control = bar.assignee
            value = rng.choice([None, *by_name(bar.assignee.options)])
        with tab.client:
            control.value = value
        return f'{tab.label} filters {what}={value!r}'

    async def act_load_more(self) -> str | None:
        candidates = [
            (tab, column)
            for tab in self._board_tabs()
            for column in tab.live_board().columns.values()
            if column.load_more.visible
        ]
        if not candidates:
            return None
        tab, column = self.rng.choice(candidates)
        drawn = len(column.card_list)
        self._focus(tab)
        fire(column.load_more, 'click')
        return f'{tab.label} loads more in {column.stage} ({drawn} drawn of {column.count})'

    # ----- actions: a teammate through the API ----------------------------------------------

    async def _service_update(
        self, member: Person, organization_id: uuid.UUID, lead_id: uuid.UUID, f: str, value: Any
    ) -> None:
        async with self.ctx.db.session(cross_org=True) as session:
            caller = member.caller(organization_id)
            if f == 'favourite':
                await leads.set_favorite(session, caller=caller, lead_id=lead_id, is_favorite=bool(value))
                return
            key = {'amount': 'estimated_value'}.get(f, f)
            typed = self._typed(f, value)
            await leads.update_lead(session, caller=caller, lead_id=lead_id, changes=LeadUpdate(**{key: typed}))

    async def _service_write(self, organization_id: uuid.UUID, kinds: tuple[str, ...]) -> str:
        member = self.rng.choice([p for p in self.people if organization_id in p.organizations])
        caller = member.caller(organization_id)
        async with self.ctx.db.session(read_only=True, cross_org=True) as session:
            rows = (
                await session.execute(
                    select(Lead.id, Lead.name, Lead.stage)
                    .where(Lead.organization_id == organization_id)
                    .order_by(Lead.stage, Lead.position, Lead.id)
                )
            ).all()
        kind = self.rng.choice(kinds)
        if not rows:
            kind = 'create'
        if kind == 'create':
            name = self._name(organization_id)
            stage = self.rng.choice(STAGES)
            data = LeadCreate(name=name, stage=stage, estimated_value=Decimal(self.rng.randint(0, 9999)), source='web')
            async with self.ctx.db.session(cross_org=True) as session:
                await leads.create_lead(session, caller=caller, data=data)
            return f'{member.key} creates "{name}" in {stage}'
        lead_id, name, stage = self.rng.choice(rows)
        if kind == 'move':
            target = self.rng.choice(STAGES)
            index = self.rng.choice([0, 0, 1, 3, 60, 10**6])
            async with self.ctx.db.session(cross_org=True) as session:
                await moves.move_lead(session, caller=caller, lead_id=lead_id, stage=PipelineStage(target), index=index)
            return f'{member.key} moves "{name}" {stage} → {target} at {index}'
        if kind == 'delete':
            async with self.ctx.db.session(cross_org=True) as session:
                await leads.delete_lead(session, caller=caller, lead_id=lead_id)
            return f'{member.key} deletes "{name}"'
        f = self.rng.choice(['name', 'amount', 'favourite', 'source', 'tags'])
        value = self._field_change(organization_id, f, {'source': None, 'is_favorite': self.rng.random() < 0.5}, None)
        await self._service_update(member, organization_id, lead_id, f, value)
        return f'{member.key} sets {f}={value!r} on "{name}"'

    async def act_teammate_write(self) -> str | None:
        organization_id = self.rng.choice(sorted(self.org_names, key=lambda o: self.org_letters[o]))
        kinds = ('move', 'move', 'update', 'update', 'create', 'delete')
        return f'API in {self.org_letters[organization_id]}: {await self._service_write(organization_id, kinds)}'

    # ----- actions: API WebSocket subscribers ---------------------------------------------------

    async def _token(self, person: Person, organization_id: uuid.UUID) -> str:
        """An access token for the person in one organization, as an API client gets it (login, switch)."""
        cached = self.tokens.get((person.user_id, organization_id))
        if cached is not None and time.monotonic() - cached[1] < 600:
            return cached[0]
        transport = httpx.ASGITransport(app=self.app, client=('127.0.0.1', 50001))
        async with httpx.AsyncClient(transport=transport, base_url='http://test') as api:
            response = await api.post('/auth/login', json={'email': person.email, 'password': PASSWORD})
            if response.status_code != 200:
                raise Broken('api', f'login of {person.key}: {response.status_code} {response.text}')
            body = response.json()
            if body['organization']['id'] != str(organization_id):
                response = await api.post(
                    '/auth/switch-organization',
                    headers={'Authorization': f'Bearer {body["access_token"]}'},
                    json={'organization_id': str(organization_id)},
                )
                if response.status_code != 200:
                    raise Broken('api', f'switch of {person.key}: {response.status_code} {response.text}')
                body = response.json()
        token = str(body['access_token'])
        self.tokens[(person.user_id, organization_id)] = (token, time.monotonic())
        return token

    async def _connect(self, subscriber: Subscriber, since: int | None, resume_message: bool) -> None:
        token = await self._token(subscriber.person, subscriber.organization_id)
        query: dict[str, Any] = {'token': token, 'org_id': str(subscriber.organization_id)}
        if since is not None and not resume_message:
            query['since'] = since
        connection = Connection(self.app, '/ws/pipeline', query, subscriber.on_frame)
        subscriber.connection = connection
        subscriber.connections += 1
        try:
            await asyncio.wait_for(connection.first_frame.wait(), self.config.action_seconds)
        except TimeoutError:
            raise Broken('sockets', f'{subscriber.label}: no first frame') from None
        if connection.first_seq is None:
            raise Broken('sockets', f'{subscriber.label}: refused ({connection.denied or connection.closed})')
        if subscriber.first_seq is None:
            subscriber.first_seq = connection.first_seq
        if since is not None and resume_message:
            connection.say({'type': 'resume', 'since': since})

    async def _subscribe(self, person: Person, organization_id: uuid.UUID) -> Subscriber:
        label = f'ws{len(self.subscribers) + 1}:{person.key}@{self.org_letters[organization_id]}'
        subscriber = Subscriber(label, person, organization_id)
        self.subscribers.append(subscriber)
        await self._connect(subscriber, None, False)
        return subscriber

    async def act_ws_connect(self) -> str | None:
        if len(self.subscribers) >= MAX_SUBSCRIBERS:
            return None
        person = self.rng.choice(self.people)
        organization_id = self.rng.choice(sorted(person.organizations, key=lambda o: self.org_letters[o]))
        subscriber = await self._subscribe(person, organization_id)
        return f'{subscriber.label} connects (first seq {subscriber.first_seq})'

    async def act_ws_drop(self) -> str | None:
        live = [s for s in self.subscribers if s.connected]
        if not live:
            return None
        subscriber = self.rng.choice(live)
        assert subscriber.connection is not None
        await subscriber.connection.drop()
        return f'{subscriber.label} drops after seq {subscriber.last_seen}'

    async def act_ws_resume(self) -> str | None:
        dropped = [s for s in self.subscribers if not s.connected]
        if not dropped:
            return None
        subscriber = self.rng.choice(dropped)
        by_message = self.rng.random() < 0.3
        await self._connect(subscriber, subscriber.last_seen, by_message)
        how = "{'type': 'resume'}" if by_message else '?since='
        return f'{subscriber.label} resumes with {how}{subscriber.last_seen}'

    # ----- invariants ---------------------------------------------------------------------------

    def _check_errors(self) -> None:
        """Nothing logged an error (an exception in a page's handler or task is only logged by NiceGUI)."""
        errors = self.error_log.take()
        if errors and not self.skipped('check:errors'):
            raise Broken('errors', f'{len(errors)} error(s) logged; the first:\n{errors[0]}')

    async def check_all(self) -> None:
        """Every invariant, once (``eventually`` retries)."""
        truths: dict[tuple[uuid.UUID, BoardFilter], Any] = {}
        for tab in self.tabs:
            await self._check_tab(tab, truths)
        if not self.skipped('check:presence'):
            self._check_presence()
        if not self.skipped('check:sockets'):
            await self._check_sockets()

    async def _truth(self, truths: dict, organization_id: uuid.UUID, board_filter: BoardFilter) -> Any:
        key = (organization_id, board_filter)
        if key not in truths:
            async with self.ctx.db.session(read_only=True, cross_org=True) as session:
                truths[key] = await board_columns(
                    session, organization_id=organization_id, board_filter=board_filter, limit=1_000_000
                )
        return truths[key]

    async def _check_tab(self, tab: Tab, truths: dict) -> None:
        client = tab.client
        if tab.expect == 'login':
            if marked(client, 'login-email') is None:
                raise Broken('pages', f'{tab.label} should show the login page')
            return
        if tab.expect != 'board' or self.skipped('check:boards'):
            return
        board = tab.board
        if board is None or client is None or client.is_deleted:
            raise Broken('boards', f'{tab.label}: the board is gone')
        if board.columns_row.is_deleted or not board._loaded.is_set():
            raise Broken('boards', f'{tab.label}: the board was shut or is not loaded')
        viewer = board.viewer
        org = viewer.organization_id
        letter = self.org_letters.get(org, '?')
        where = f'{tab.label} ({letter})'
        if org not in tab.person.organizations:
            raise Broken('tenancy', f'{where}: a board of an organization {tab.person.key} does not belong to')
        label = marked(client, 'organization-name')
        if label is None or label.text != self.org_names[org]:
            raise Broken('boards', f'{where}: header says {getattr(label, "text", None)!r}')
        applied = self._filter_shown(board.filter_bar)
        if applied != board.filter:
            raise Broken('boards', f'{where}: the filter bar shows {applied}, the board applies {board.filter}')
        truth = await self._truth(truths, org, board.filter)
        t = board.t
        for stage, data in truth.items():
            column = board.columns[stage]
            drawn = column.card_list
            k = len(drawn)
            expected = data.cards[:k]
            for card in drawn:
                if str(card.lead.get('organization_id')) != str(org):
                    raise Broken(
                        'tenancy', f'{where} {stage}: card "{card.lead["name"]}" of {card.lead.get("organization_id")}'
                    )
            if [c.lead_id for c in drawn] != [lead.id for lead in expected]:
                raise Broken(
                    'boards', f'{where} {stage}{describe(board.filter)}: {order_difference(drawn, data.cards)}'
                )
            if k < min(data.count, PAGE_SIZE) and not self.skipped('check:page'):
                raise Broken(
                    'page',
                    f'{where} {stage}: {k} cards drawn of {data.count} '
                    f'(at least {min(data.count, PAGE_SIZE)} expected)',
                )
            if (column.count, column.total) != (data.count, data.total):
                raise Broken(
                    'totals',
                    f'{where} {stage}: shows {column.count} / {column.total}, database {data.count} / {data.total}',
                )
            if column.weighted != data.weighted:  # value x probability, kept from the events (services/forecast.py)
                raise Broken('totals', f'{where} {stage}: weighted {column.weighted}, database {data.weighted}')
            count_text = t('board.count_one') if data.count == 1 else t('board.count', n=data.count)
            if column.summary.text != f'{count_text} · {format_brl(data.total)}':
                raise Broken(
                    'totals', f'{where} {stage}: summary {column.summary.text!r}, database {data.count} / {data.total}'
                )
            if column.load_more.visible != (data.count > k):
                raise Broken(
                    'load more',
                    f'{where} {stage}: "load more" visible={column.load_more.visible} with {k} of {data.count}',
                )
            for card, lead in zip(drawn, expected, strict=True):
                self._check_card(where, card, lead)

    @staticmethod
    def _check_card(where: str, card: Any, lead: Any) -> None:
        seen = card.lead
        value = seen.get('estimated_value')
        pairs = {
            'name': (seen.get('name'), lead.name),
            'version': (int(seen.get('version')), lead.version),
            'is_favorite': (bool(seen.get('is_favorite')), bool(lead.is_favorite)),
            'estimated_value': (None if value is None else Decimal(str(value)), lead.estimated_value),
            'stage': (seen.get('stage'), stage_of(lead.stage)),
        }
        for key, (drawn, stored) in pairs.items():
            if drawn != stored:
                raise Broken('cards', f'{where}: card "{lead.name}" shows {key}={drawn!r}, stored {stored!r}')
        pressed = 'aria-pressed="true"' in card.content
        if pressed != bool(lead.is_favorite) or html_escape(lead.name) not in card.content:
            raise Broken('cards', f'{where}: card "{lead.name}" draws {card.content[:160]!r}')

    @staticmethod
    def _filter_shown(bar: Any) -> BoardFilter | None:
        """The filter the bar's controls show (as ``FilterBar.current`` builds it, without its side effects)."""
        try:
            low, high = parse_brl(bar.value_min.value), parse_brl(bar.value_max.value)
        except ValueError:
            return None
        return BoardFilter(
            text=(bar.text.value or '').strip(),
            source=bar.source.value or None,
            assignee_id=uuid.UUID(bar.assignee.value) if bar.assignee.value else None,
            tags=tuple(bar.tags.value or ()),
            favorites_only=bool(bar.favorites.value),
            value_min=Decimal(low) if low is not None else None,
            value_max=Decimal(high) if high is not None else None,
        )

    def _check_presence(self) -> None:
        """Every open board's presence bar lists the people with a board page or an API socket there."""
        online: dict[uuid.UUID, set[str]] = {org: set() for org in self.org_names}
        clients = [tab.client for tab in self.tabs] + [page.client for page in self.old_pages]
        for client in clients:
            board = board_in(client)
            if board is not None and board.viewer.organization_id in online:
                online[board.viewer.organization_id].add(board.viewer.name)
        for subscriber in self.subscribers:
            if subscriber.connected:
                online[subscriber.organization_id].add(subscriber.person.name)
        for tab in self.tabs:
            board = tab.live_board() if tab.expect == 'board' else None
            if board is None:
                continue
            bar = next((e for e in list(tab.client.elements.values()) if type(e).__name__ == 'PresenceBar'), None)
            if bar is None:
                raise Broken('presence', f'{tab.label}: no presence bar')
            names = {str(a.props.get('title', '')).split(' (')[0] for a in bar.descendants() if 'title' in a.props}
            expected = online[board.viewer.organization_id]
            if names != expected:
                raise Broken(
                    'presence',
                    f'{tab.label} ({self.org_letters[board.viewer.organization_id]}): shows {sorted(names)}, '
                    f'online {sorted(expected)}',
                )

    async def _check_sockets(self) -> None:
        for subscriber in self.subscribers:
            if subscriber.problems:
                raise Broken('sockets', '\n'.join(subscriber.problems[:5]))
            if subscriber.first_seq is None:
                continue
            connection = subscriber.connection
            if connection is not None and connection.closed is not None and connection.closed[0] != 4401:
                raise Broken('sockets', f'{subscriber.label}: the server closed the socket {connection.closed}')
            if not subscriber.connected:
                continue
            async with self.ctx.db.session(read_only=True, cross_org=True) as session:
                stored = await events_since(
                    session, organization_id=subscriber.organization_id, since=subscriber.first_seq, limit=1_000_000
                )
                latest = await current_seq(session, organization_id=subscriber.organization_id)
            if subscriber.seqs != [event.seq for event in stored]:
                missing = sorted({e.seq for e in stored} - set(subscriber.seqs))
                raise Broken(
                    'sockets',
                    f'{subscriber.label} (connection {subscriber.connections}): has {len(subscriber.seqs)} lead events '
                    f'after seq {subscriber.first_seq}, the organization {len(stored)} (latest {latest}); missing '
                    f'{missing[:10]}',
                )
            for event in stored:
                frame = subscriber.frames[event.seq]
                lead_id = frame.get('lead_id') or (frame.get('lead') or {}).get('id')
                if frame.get('type') != event.type or str(lead_id) != str(event.lead_id):
                    raise Broken(
                        'sockets',
                        f'{subscriber.label}: seq {event.seq} is {frame}, stored {event.type} {event.lead_id}',
                    )


def by_name(options: dict[str, str]) -> list[str]:
    """A select's keys (user ids) in the order of their labels: the same choice in every run of a seed."""
    return [key for key, _label in sorted(options.items(), key=lambda item: (item[1], item[0]))]


def html_escape(text: str) -> str:
    """As the card escapes a name."""
    return html.escape(text)


def stage_of(value: Any) -> str:
    """A stage as its value (``PipelineStage`` or str)."""
    return str(getattr(value, 'value', value))


def describe(board_filter: BoardFilter) -> str:
    """A filter in a failure message (only what is set)."""
    defaults = BoardFilter()
    if board_filter == defaults:
        return ''
    parts = [f'{key}={value!r}' for key, value in vars(board_filter).items() if value != getattr(defaults, key)]
    return f' (filter {", ".join(parts)})'


def order_difference(drawn: list[Any], stored: list[Any]) -> str:
    """Where a drawn column first differs from the database order, with some context."""
    drawn_ids = [card.lead_id for card in drawn]
    stored_ids = [lead.id for lead in stored]
    first = next((i for i, (a, b) in enumerate(zip(drawn_ids, stored_ids, strict=False)) if a != b), len(stored_ids))
    low = max(0, first - 2)
    names = {lead.id: lead.name for lead in stored}
    extra = [card.lead['name'] for card in drawn if card.lead_id not in names]
    return (
        f'{len(drawn)} drawn, {len(stored)} stored; first difference at #{first}: '
        f'drawn {[card.lead["name"] for card in drawn[low : first + 3]]}, '
        f'database {[lead.name for lead in stored[low : first + 3]]}'
        + (f'; drawn but not stored (for this filter): {extra}' if extra else '')
        + (f'; drawn twice: {len(drawn_ids) - len(set(drawn_ids))}' if len(set(drawn_ids)) != len(drawn_ids) else '')
    )
