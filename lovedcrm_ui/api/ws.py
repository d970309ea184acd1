"""``/ws/pipeline`` (alias ``/ws/crm/pipeline``) and ``/ws/collaborate``: the live pipeline for API clients.

Protocol (API-CONTRACT §5, §7; every message is documented in docs/REALTIME.md): refuse before
accepting (HTTP 403/429), first frame ``…connection_established`` with the current ``seq``, then
lead events (one shared encoding per event), presence and relayed activity; ``ping``/``pong``;
``resume {since}`` replays from the event table without gap or duplicate; ``auth {token}`` renews
the socket's credentials. Who the socket belongs to, and for how long: ``ws_auth.py``.
"""

import asyncio
import logging
import time
from typing import Any

from fastapi import APIRouter, WebSocket
from fastapi.responses import JSONResponse
from starlette.websockets import WebSocketDisconnect, WebSocketState

from models import utcnow

from ..context import AppContext
from ..events.sockets import CLOSE_SLOW_CONSUMER, OutboxCommand, SocketClient, user_info
from ..services.errors import ErrorCode
from ..services.pipeline_events import current_seq, events_since
from ..web_security import origin_allowed
from .errors import error_body
from .ws_auth import Identity, Refused, authenticate, check_not_slowed, client_address, count_refusal, renewed
from .ws_frames import MAX_FRAME_BYTES, FrameRefused, TokenBucket, encode_frame, parse_frame, relay_frame

router = APIRouter(tags=['websocket'])
log = logging.getLogger(__name__)

FIRST_FRAME = {'pipeline': 'pipeline_connection_established', 'collaborate': 'connection_established'}


@router.websocket('/ws/pipeline')
@router.websocket('/ws/crm/pipeline')
async def pipeline_socket(websocket: WebSocket) -> None:
    """The pipeline room of the token's organization."""
    await serve(websocket, 'pipeline')


@router.websocket('/ws/collaborate')
async def collaborate_socket(websocket: WebSocket) -> None:
    """The collaboration room (same organization room, collaboration frame names)."""
    await serve(websocket, 'collaborate')


async def serve(websocket: WebSocket, flavor: str) -> None:
    """Authenticate, register, greet, then read and write until either side closes."""
    ctx: AppContext = websocket.app.state.ctx
    if ctx.drain.draining:  # going away (shutdown.py): connect again, to another replica (not counted as refused)
        body = error_body('Server restarting; connect again', ErrorCode.SERVICE_UNAVAILABLE)
        await websocket.send_denial_response(JSONResponse(body, 503, headers={'Retry-After': '1'}))
        return
    params = websocket.query_params
    address = client_address(websocket)
    try:
        check_not_slowed(ctx, address)  # first: a client refused too often lately costs no query
        # cross-site WebSocket hijacking: a page of another site must not ride on a signed-in browser
        origin, host = websocket.headers.get('origin'), websocket.headers.get('host')
        if not origin_allowed(origin, host, ctx.settings.origin_allowlist):
            raise Refused(403, 'Origin not allowed', 4403, ErrorCode.ORIGIN_NOT_ALLOWED)
        by_message = params.get('auth') == 'message'
        if by_message:
            await websocket.accept()
            identity = await _auth_message(ctx, websocket)
        else:
            identity = await authenticate(ctx, params.get('token'), params.get('org_id'))
        # both ways of authenticating count: after an ``auth`` message the refusal is a close (1013)
        if ctx.sockets.count_for_user(identity.caller.user_id) >= ctx.settings.ws_max_connections_per_user:
            raise Refused(429, 'Too many connections', 1013, ErrorCode.TOO_MANY_CONNECTIONS)
        if not by_message:
            await websocket.accept()
    except Refused as refusal:
        count_refusal(ctx, address, refusal)
        if websocket.client_state == WebSocketState.CONNECTING:
            body = error_body(refusal.detail, refusal.code)
            await websocket.send_denial_response(JSONResponse(body, refusal.status, headers=refusal.headers))
        else:
            await websocket.close(refusal.close_code, refusal.detail)
        return
    except WebSocketDisconnect:
        return
    since = _since(params.get('since'))
    client = SocketClient(
        organization_id=identity.caller.organization_id,
        user_id=identity.caller.user_id,
        session_id=identity.caller.session_id,
        full_name=identity.user.full_name,
        email=identity.user.email,
        path=flavor,
        queue_size=ctx.settings.ws_send_queue,
    )
    ctx.sockets.add(client)  # events from now on are queued; the writer skips what the greeting covers
    if since is not None:
        # queued ahead of any live event, so the replay comes first and the writer skips what it covered
        client.command(OutboxCommand('replay', since))
    try:
        sent_seq = await _greet(ctx, websocket, identity, flavor, client)
        connection = Connection(ctx, websocket, identity, client, flavor, sent_seq)
        await connection.run()
    finally:
        ctx.sockets.remove(client)


async def _auth_message(ctx: AppContext, websocket: WebSocket) -> Identity:
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), ctx.settings.ws_auth_timeout_seconds)
        message = parse_frame(raw)
    except (TimeoutError, ValueError, KeyError) as exc:
        raise Refused(403, 'Authentication required', 4401, ErrorCode.AUTHENTICATION_REQUIRED) from exc
    if not isinstance(message, dict) or message.get('type') != 'auth':
        raise Refused(403, 'Authentication required', 4401, ErrorCode.AUTHENTICATION_REQUIRED)
    return await authenticate(ctx, message.get('token'), message.get('org_id'))


def _since(raw: str | None) -> int | None:
    if raw is None or raw == '':
        return None
    try:
        return max(0, int(raw))
    except ValueError:
        return None


async def _greet(ctx: AppContext, websocket: WebSocket, identity: Identity, flavor: str, client: SocketClient) -> int:
    async with ctx.db.session(read_only=True, organization_id=identity.caller.organization_id) as session:
        seq = await current_seq(session, organization_id=identity.caller.organization_id)
    ctx.bus.prime(identity.caller.organization_id, seq)
    ctx.sockets.prime(identity.caller.organization_id, seq)
    users = ctx.presence.users(identity.caller.organization_id)
    frame = {
        'type': FIRST_FRAME[flavor],
        'message': 'Connected to the pipeline' if flavor == 'pipeline' else 'Connected',
        'organization': {'id': str(identity.organization.id), 'name': identity.organization.name},
        'user': {
            'user_id': str(identity.user.id),
            'full_name': identity.user.full_name,
            'email': identity.user.email,
            'avatar_url': None,
        },
        'active_users': [
            {
                **user_info(entry),
                'last_seen': entry.last_seen.isoformat(),
                'connected_at': entry.connected_at.isoformat(),
            }
            for entry in users
        ],
        'seq': seq,
    }
    await websocket.send_text(encode_frame(frame))
    return seq


class Connection:
    """The reader and the writer of one accepted socket."""

    def __init__(
        self,
        ctx: AppContext,
        websocket: WebSocket,
        identity: Identity,
        client: SocketClient,
        flavor: str,
        sent_seq: int,
    ) -> None:
        self.ctx = ctx
        self.websocket = websocket
        self.identity = identity
        self.client = client
        self.flavor = flavor
        self.sent_seq = sent_seq
        self.last_heard = time.monotonic()
        settings = ctx.settings
        self.bucket = TokenBucket(settings.ws_rate_per_second, settings.ws_rate_burst)

    async def run(self) -> None:
        """Read and write concurrently; whichever ends first ends both."""
        reader = asyncio.create_task(self.read())
        writer = asyncio.create_task(self.write())
        try:
            await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
            if reader.done() and not writer.done() and self.client.close_code is not None:
                await asyncio.wait({writer}, timeout=2)  # flush what was queued before the close (an error frame)
        finally:
            for task in (reader, writer):
                task.cancel()
            outcomes = await asyncio.gather(reader, writer, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, Exception) and not isinstance(outcome, WebSocketDisconnect | RuntimeError):
                log.warning('socket task ended with %r', outcome)
        if self.client.close_code is not None and self.websocket.client_state == WebSocketState.CONNECTED:
            try:
                await self.websocket.close(self.client.close_code, self.client.close_reason)
            except RuntimeError:
                pass  # the peer closed first

    async def write(self) -> None:
        """Send queued frames in order; run replays; ping a silent client; close when asked."""
        client = self.client
        while client.close_code is None or (client.close_code != CLOSE_SLOW_CONSUMER and not client.outbox.empty()):
            ping_due = self.last_heard + self.ctx.settings.ws_ping_seconds - time.monotonic()
            # the access token may expire: the socket lives as long as its session (ws_auth.py)
            expiry_due = self.identity.session_expires_at.timestamp() - time.time()
            if expiry_due <= 0:
                client.close(4401, 'Session expired')
                break
            try:
                item = await asyncio.wait_for(client.outbox.get(), timeout=max(0.01, min(ping_due, expiry_due)))
            except TimeoutError:
                if time.monotonic() - self.last_heard >= self.ctx.settings.ws_ping_seconds:
                    await self.send({'type': 'ping', 'timestamp': utcnow().isoformat()})
                    self.last_heard = time.monotonic()
                continue
            if isinstance(item, OutboxCommand):
                if item.kind == 'close':
                    break
                if item.kind == 'replay':
                    await self.replay(item.since)
                elif item.kind == 'catch_up':  # the live-path guard found events this socket never got
                    await self.replay(self.sent_seq)
                continue
            seq, frame = item
            if seq is not None:
                if seq <= self.sent_seq:
                    continue  # covered by the greeting or a replay
                self.sent_seq = seq
            await self.websocket.send_text(frame)

    async def replay(self, since: int) -> None:
        """Send every event with ``seq > since`` from the table, then continue live (no gap, no duplicate)."""
        org = self.identity.caller.organization_id
        limit = self.ctx.settings.replay_limit
        async with self.ctx.db.session(read_only=True, organization_id=org) as session:
            latest = await current_seq(session, organization_id=org)
            if since > latest or latest - since > limit:
                await self.send({'type': 'resync_required', 'seq': latest, 'since': since, 'max_replay': limit})
                self.sent_seq = max(self.sent_seq, latest)
                return
            events = await events_since(session, organization_id=org, since=since, limit=limit)
        for event in events:
            await self.websocket.send_text(event.frame_json)
        self.sent_seq = max(since, events[-1].seq if events else since)

    async def send(self, frame: dict[str, Any]) -> None:
        """Send a frame built for this socket."""
        await self.websocket.send_text(encode_frame(frame))

    async def read(self) -> None:
        """Handle client frames: ping, resume, relays; errors per the contract."""
        bad_json = 0
        while self.client.close_code is None:
            message = await self.websocket.receive()
            if message['type'] == 'websocket.disconnect':
                raise WebSocketDisconnect(message.get('code', 1000))
            self.last_heard = time.monotonic()
            self.ctx.presence.touch(self.client.organization_id, self.client.connection_id)
            if not self.bucket.take():
                self.client.close(1008, 'Too many messages')
                return
            raw = message.get('text')
            if raw is None:
                raw = (message.get('bytes') or b'').decode('utf-8', 'replace')
            if len(raw.encode()) > MAX_FRAME_BYTES:
                self.client.send_json({'type': 'error', 'message': 'Message too large'})
                continue
            try:
                frame = parse_frame(raw)  # NaN / Infinity are not JSON: they count as invalid JSON here
            except ValueError:
                bad_json += 1
                self.client.send_json({'type': 'error', 'message': 'Invalid JSON format'})
                if bad_json >= 3:
                    self.client.close(1003, 'Invalid JSON format')
                    return
                continue
            bad_json = 0
            if frame.get('type') == 'auth':
                await self.renew(frame)
            else:
                self.handle(frame)

    async def renew(self, frame: dict[str, Any]) -> None:
        """Adopt a fresh token sent on the open socket; a refused one changes nothing (an error frame says why)."""
        try:
            identity = await renewed(self.ctx, self.identity, frame)
        except Refused as refusal:
            self.client.send_json({'type': 'error', 'message': refusal.detail, 'code': refusal.code})
            return
        self.identity = identity
        self.client.session_id = identity.caller.session_id  # revoking this session now closes the socket
        self.client.send_json(
            {
                'type': 'authenticated',
                'user_id': str(identity.caller.user_id),
                'expires_at': identity.claims.expires_at.isoformat(),
                'session_expires_at': identity.session_expires_at.isoformat(),
            }
        )

    def handle(self, frame: dict[str, Any]) -> None:
        """One well-formed client frame."""
        named_org = frame.get('organization_id')
        if named_org is not None and str(named_org) != str(self.client.organization_id):
            self.client.send_json({'type': 'error', 'message': 'Organization mismatch'})
            self.client.close(4403, 'Organization mismatch')
            return
        kind = frame.get('type')
        if kind == 'ping':
            self.client.send_json({'type': 'pong', 'timestamp': frame.get('timestamp')})
        elif kind == 'resume':
            since = frame.get('since')
            if isinstance(since, int) and not isinstance(since, bool) and since >= 0:
                self.client.command(OutboxCommand('replay', since))
            else:
                self.client.send_json({'type': 'error', 'message': 'resume needs a non-negative integer "since"'})
        else:
            try:
                relayed = relay_frame(self.flavor, frame, self.identity.user, self.client.organization_id)
            except FrameRefused as refused:
                self.client.send_json({'type': 'error', 'message': str(refused)})
                return
            if relayed is not None:
                self.ctx.sockets.relay(self.client, relayed)
            # unknown types are ignored, as LovedCRM clients expect
