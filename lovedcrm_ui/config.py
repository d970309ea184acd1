"""Settings read from the environment (documented in README.md)."""

import json
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the server; built once by the entry point (``main.py``) and handed to ``build_app``."""

    # each field's docstring is its description: docs/CONFIGURATION.md and `main.py --help` are generated from them
    model_config = SettingsConfigDict(
        env_prefix='', extra='ignore', populate_by_name=True, use_attribute_docstrings=True
    )

    environment: Literal['development', 'production', 'test'] = Field('development', alias='LOVEDCRM_ENV')
    """`development`, `production` or `test`. In `production`, `SECRET_KEY` and `STORAGE_SECRET` must be set (no
    generated secrets) and password-reset links need `PUBLIC_URL`."""
    data_dir: Path = Field(Path('./data'), alias='LOVEDCRM_DATA_DIR')
    """Where the embedded SQLite database (`lovedcrm.db`) and the generated secrets (`secrets.json`) live; created at
    start."""
    database_url: str = Field('', alias='DATABASE_URL')
    """Empty: SQLite at `<data dir>/lovedcrm.db`. `postgresql://user:pass@host:5432/db` (or `postgres://…`) is used
    through asyncpg; SQLAlchemy URLs such as `sqlite+aiosqlite:///…` are taken as they are."""
    host: str = Field('127.0.0.1', alias='HOST')
    """Interface to listen on (`0.0.0.0` to accept other machines; the Docker image sets it)."""
    port: int = Field(8080, alias='PORT')
    """TCP port to listen on."""
    secret_key: str = Field('', alias='SECRET_KEY')
    """Signs the JWTs (HS256). Empty: a random key is generated once and kept in `<data dir>/secrets.json` (mode 600),
    so tokens survive a restart. Every replica needs the same one."""
    storage_secret: str = Field('', alias='STORAGE_SECRET')
    """Signs NiceGUI's browser session cookie; generated and kept like `SECRET_KEY` when empty. Every replica needs the
    same one."""
    jwt_issuer: str = Field('lovedcrm-pipeline', alias='JWT_ISSUER')
    """`iss` claim of issued tokens (checked on every token)."""
    access_token_expire_minutes: int = Field(15, ge=1, alias='ACCESS_TOKEN_EXPIRE_MINUTES')
    """Access token lifetime in minutes."""
    refresh_token_expire_days: int = Field(7, ge=1, alias='REFRESH_TOKEN_EXPIRE_DAYS')
    """Refresh token (session) lifetime in days; an open API socket closes with 4401 when its session ends."""
    event_bus: Literal['', 'memory', 'postgres'] = Field('', alias='EVENT_BUS')
    """`memory` (one process) or `postgres` (NOTIFY in each write, one LISTEN connection per replica, catch-up from the
    event table). Empty: `postgres` on PostgreSQL, `memory` otherwise. Never `memory` with several replicas."""
    db_pool_size: int = Field(10, ge=1, alias='DB_POOL_SIZE')
    """PostgreSQL connection pool size, per process."""
    db_max_overflow: int = Field(20, ge=0, alias='DB_MAX_OVERFLOW')
    """Extra PostgreSQL connections allowed above the pool size."""
    # PostgreSQL waits, each bounded so a request answers 503 within ~2 s when the database is away
    # (db_health.py): a free pooled connection, a new connection, one statement (a dead link mid-query)
    db_pool_timeout: float = Field(3.0, gt=0, alias='DB_POOL_TIMEOUT')
    """Seconds to wait for a free PostgreSQL connection; then 503 `database_busy`."""
    db_connect_timeout: float = Field(1.0, gt=0, alias='DB_CONNECT_TIMEOUT')
    """Seconds to open a PostgreSQL connection; then 503 `database_unavailable` (bounds the first answers of an outage:
    later ones are immediate)."""
    db_command_timeout: float = Field(30.0, gt=0, alias='DB_COMMAND_TIMEOUT')
    """Seconds one PostgreSQL statement may take (bounds a link that died mid-query)."""
    sqlite_busy_timeout_ms: int = Field(10_000, ge=0, alias='SQLITE_BUSY_TIMEOUT_MS')
    """Milliseconds a SQLite writer waits for the write lock before failing."""
    # argon2 cost: time cost (rounds) and memory in KiB; tests use rounds=1, memory=64
    password_hash_rounds: int = Field(3, ge=1, alias='PASSWORD_HASH_ROUNDS')
    """argon2 time cost (the tests use 1)."""
    password_hash_memory_kib: int = Field(65536, ge=8, alias='PASSWORD_HASH_MEMORY_KIB')
    """argon2 memory cost in KiB (the tests use 64)."""
    # argon2 runs in this many threads; at most PASSWORD_HASH_QUEUE more checks wait, the rest get a 503
    password_hash_workers: int = Field(
        default_factory=lambda: min(4, os.cpu_count() or 1), ge=1, alias='PASSWORD_HASH_WORKERS'
    )
    """Threads that run argon2. Default: the number of CPUs, at most 4."""
    password_hash_queue: int = Field(32, ge=0, alias='PASSWORD_HASH_QUEUE')
    """Password checks that may wait for a worker; more at once get 503 `password_work_busy`."""
    # password checks (sign-in, change password) counted before verifying, per window (docs/SECURITY.md)
    login_max_failures: int = Field(10, ge=1, alias='LOGIN_MAX_FAILURES')
    """Password checks (sign-in, change password) per client address and account within the window before a 429; counted
    before the check, a correct password clears it (docs/SECURITY.md)."""
    login_max_per_account: int = Field(50, ge=1, alias='LOGIN_MAX_PER_ACCOUNT')
    """Password checks per account within the window from addresses that have not signed in to it before."""
    login_max_per_address: int = Field(100, ge=1, alias='LOGIN_MAX_PER_ADDRESS')
    """Password checks per client address over all accounts within the window."""
    login_failure_window_seconds: int = Field(900, ge=1, alias='LOGIN_FAILURE_WINDOW_SECONDS')
    """The window of the three `LOGIN_MAX_*` limits, in seconds."""
    register_max_per_hour: int = Field(300, ge=1, alias='REGISTER_MAX_PER_HOUR')
    """Registrations per client address per hour."""
    invite_expire_days: int = Field(7, ge=1, alias='INVITE_EXPIRE_DAYS')
    """Lifetime of an invitation in days."""
    # outgoing mail for invite links; off while SMTP_HOST is empty (the Team page still shows the link)
    smtp_host: str = Field('', alias='SMTP_HOST')
    """SMTP server for invite e-mails and password-reset links. Empty: no e-mail is sent; the Team page shows every
    invite link to copy either way, and "forgot password" only logs that mail is off (an administrator resets the
    password)."""
    smtp_port: int = Field(587, ge=1, le=65535, alias='SMTP_PORT')
    """Port of the SMTP server."""
    smtp_username: str = Field('', alias='SMTP_USERNAME')
    """Login for the SMTP server (none when empty)."""
    smtp_password: str = Field('', alias='SMTP_PASSWORD')
    """Password of that login."""
    smtp_from: str = Field('', alias='SMTP_FROM')
    """Sender address of invite and password-reset e-mails (empty: `SMTP_USERNAME`)."""
    smtp_starttls: bool = Field(True, alias='SMTP_STARTTLS')
    """Upgrade the SMTP connection with STARTTLS before logging in. A failed send shows a warning on the Team page; the
    invite stays valid."""
    # password reset by e-mail (needs SMTP): link lifetime, and requests per hour per e-mail and per client address
    password_reset_expire_minutes: int = Field(60, ge=1, alias='PASSWORD_RESET_EXPIRE_MINUTES')
    """How long a password-reset link works (once), in minutes."""
    password_reset_max_per_email: int = Field(3, ge=1, alias='PASSWORD_RESET_MAX_PER_EMAIL')
    """Requests to "forgot password" per e-mail address per hour (counted whether or not an account has it), then
    429."""
    password_reset_max_per_address: int = Field(20, ge=1, alias='PASSWORD_RESET_MAX_PER_ADDRESS')
    """Requests to "forgot password" per client address per hour, then 429."""
    # the address people reach this server at (e.g. https://crm.example.com), for links in e-mails; empty: the
    # request's own (a forged Host header could then point a reset link elsewhere, so production requires it)
    public_url: str = Field('', alias='PUBLIC_URL')
    """The address people reach the server at (e.g. `https://crm.example.com`), used for the links in password-reset
    e-mails. Empty: the address of the request; not in `production`, where a reset link is only sent with `PUBLIC_URL`
    set (a forged `Host` header must not choose where the link points)."""
    cookie_secure: bool = Field(False, alias='COOKIE_SECURE')
    """Set the `Secure` flag on the auth cookies and send `Strict-Transport-Security` (turn on behind HTTPS)."""
    # browser transports for NiceGUI's socket.io: 'websocket,polling' (default) or 'polling' behind
    # proxies that block WebSockets
    socket_io_transports: str = Field('websocket,polling', alias='SOCKET_IO_TRANSPORTS')
    """Transports the board's browser connection may use: `websocket,polling`, or `polling` alone behind proxies that
    block WebSockets."""
    # browser origins besides the server's own (Origin host:port = the request's Host) that may open NiceGUI's
    # socket.io and the /ws/* API sockets, comma-separated (e.g. 'https://crm.example.com'); requests without
    # an Origin (API clients, integrations) are never refused for it
    allowed_origins: str = Field('', alias='ALLOWED_ORIGINS')
    """Browser origins besides the server's own that may open the board's socket.io and the `/ws/*` sockets,
    comma-separated (e.g. `https://crm.example.com`). The own origin is the `Host` the browser used, so a reverse proxy
    must forward `Host`. Clients without an `Origin` header (integrations) are not affected."""
    plugins: str = Field('', alias='PLUGINS')
    """Python modules to load as plugins, comma-separated (e.g. `examples.temperature`): each adds lead fields, card
    actions, filters or pages through its `register(ext)` function (docs/EXTENDING.md). The module must be importable
    (on `PYTHONPATH`, or installed); a plugin that fails to load stops the start with its name."""
    reconnect_timeout: float = Field(10.0, gt=0, alias='RECONNECT_TIMEOUT')
    """Seconds a board page survives a lost browser connection before it is discarded (NiceGUI's
    `reconnect_timeout`)."""
    # the live-path guard (events/watch.py): how often open boards and sockets are checked against the
    # committed event sequence; one that is behind two rounds in a row re-reads (so stale ≤ ~2 rounds)
    live_check_seconds: float = Field(5.0, gt=0, le=15, alias='LIVE_CHECK_SECONDS')
    """How often (seconds, at most 15) each process checks that every open board and API socket has applied every
    committed event of its organization; one still behind a round later re-reads and logs a warning, so a board is never
    stale for more than about two rounds."""
    # WebSocket API (API-CONTRACT §5, §7)
    ws_max_connections_per_user: int = Field(100, ge=1, alias='WS_MAX_CONNECTIONS_PER_USER')
    """WebSockets one user may hold open on a server process; more get HTTP 429 at the handshake."""
    ws_send_queue: int = Field(256, ge=8, alias='WS_SEND_QUEUE')
    """Frames queued per socket; a client that stops reading is closed with 1013 when it overflows."""
    ws_rate_per_second: float = Field(20.0, gt=0, alias='WS_RATE_PER_SECOND')
    """Client frames allowed per second (a token bucket of `WS_RATE_BURST`); beyond it the socket closes with 1008."""
    ws_rate_burst: int = Field(40, ge=1, alias='WS_RATE_BURST')
    """Size of that token bucket: client frames allowed at once."""
    ws_ping_seconds: float = Field(30.0, gt=0, alias='WS_PING_SECONDS')
    """The server pings a socket after this many seconds without hearing from the client."""
    ws_auth_timeout_seconds: float = Field(5.0, gt=0, alias='WS_AUTH_TIMEOUT_SECONDS')
    """With `?auth=message`, seconds to send the `auth` frame before the socket closes with 4401."""
    replay_limit: int = Field(1000, ge=1, alias='REPLAY_LIMIT')
    """Most events a `resume` or `?since=` replays; more missing: `resync_required`."""
    # refused handshakes per client address within the window before further handshakes get a cheap 429
    # (a client reconnecting with a dead token once a second must not cost a database query each time)
    ws_refused_handshakes: int = Field(10, ge=1, alias='WS_REFUSED_HANDSHAKES')
    """Refused WebSocket handshakes per client address within `WS_REFUSED_WINDOW_SECONDS`; further handshakes from it
    get a 429 (`handshake_rate_limited`, no database query) until the window passes, so a client reconnecting with dead
    credentials cannot load the server."""
    ws_refused_window_seconds: float = Field(60.0, gt=0, alias='WS_REFUSED_WINDOW_SECONDS')
    """That window, in seconds."""
    # HTTP request bodies (api/limits.py): larger ones get a 413 before anything parses them
    max_request_bytes: int = Field(1_048_576, ge=1024, alias='MAX_REQUEST_BYTES')
    """Largest HTTP request body (1 MiB); larger ones get a 413 `request_too_large` before anything parses them.
    NiceGUI's socket.io long polling keeps engineio's own limit (1,000,000 bytes)."""
    # a CSV file to import (POST /crm/leads/import and the board's upload): its own, larger limit, on those routes only
    max_import_bytes: int = Field(10 * 1_048_576, ge=1024, alias='MAX_IMPORT_BYTES')
    """Largest CSV file to import (10 MiB), through `POST /crm/leads/import` or the board's upload; only those routes
    take bodies over `MAX_REQUEST_BYTES` (this plus 64 KiB of multipart framing). A larger file gets a 413
    `import_too_large`. A reverse proxy must let such bodies through (nginx: `client_max_body_size`)."""
    # one log line per HTTP request and WebSocket handshake (api/access_log.py); tokens and passwords redacted
    access_log: bool = Field(False, alias='ACCESS_LOG')
    """One log line (logger `lovedcrm_ui.access`) per HTTP request and WebSocket handshake: method (`WS` for sockets),
    path and query, status, duration, client address. Headers and bodies are never logged; token-, password-, secret-
    and key-like query values and invite tokens in paths show as `[redacted]`."""
    log_format: Literal['text', 'json'] = Field('text', alias='LOG_FORMAT')
    """`text` log lines, or `json`: one JSON object per line (time, level, logger, message, request fields) for a log
    collector. Never a token or a header either way."""
    metrics_token: str = Field('', alias='METRICS_TOKEN')
    """Empty: `GET /metrics` (Prometheus) answers anyone who can reach it. Set: it requires `Authorization: Bearer
    <token>` (docs/OPERATIONS.md)."""
    shutdown_grace_seconds: float = Field(10.0, gt=0, le=300, alias='SHUTDOWN_GRACE_SECONDS')
    """On SIGTERM: seconds to tell open boards and sockets and to let requests in flight finish before the process
    exits; the orchestrator's stop timeout should be a few seconds longer (docs/OPERATIONS.md)."""

    @property
    def transports(self) -> list[str]:
        """The socket.io transports, validated."""
        chosen = [t.strip() for t in self.socket_io_transports.split(',') if t.strip()]
        if not chosen or any(t not in ('websocket', 'polling') for t in chosen):
            raise ValueError('SOCKET_IO_TRANSPORTS must list websocket and/or polling')
        return chosen

    @property
    def plugin_modules(self) -> list[str]:
        """PLUGINS as module names."""
        return [name.strip() for name in self.plugins.split(',') if name.strip()]

    @property
    def origin_allowlist(self) -> frozenset[str]:
        """ALLOWED_ORIGINS as normalized origins (lower case, no trailing slash)."""
        return frozenset(o.strip().lower().rstrip('/') for o in self.allowed_origins.split(',') if o.strip())

    @model_validator(mode='after')
    def _fill_defaults(self) -> 'Settings':
        if not self.database_url:
            self.database_url = f'sqlite+aiosqlite:///{(self.data_dir / "lovedcrm.db").resolve()}'
        if self.database_url.startswith(('postgresql://', 'postgres://')):
            self.database_url = 'postgresql+asyncpg://' + self.database_url.split('://', 1)[1]
        if not self.event_bus:
            self.event_bus = 'postgres' if self.is_postgres else 'memory'
        return self

    @property
    def mail_enabled(self) -> bool:
        """Whether invite links are also sent by e-mail (SMTP_HOST is set)."""
        return bool(self.smtp_host.strip())

    @property
    def is_postgres(self) -> bool:
        """Whether the configured database is PostgreSQL."""
        return self.database_url.startswith('postgresql')

    def ensure_secrets(self) -> None:
        """Generate SECRET_KEY / STORAGE_SECRET into the data directory when unset (never in production)."""
        if self.secret_key and self.storage_secret:
            return
        if self.environment == 'production':
            raise RuntimeError('SECRET_KEY and STORAGE_SECRET must be set when LOVEDCRM_ENV=production')
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / 'secrets.json'
        stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        changed = False
        for key in ('secret_key', 'storage_secret'):
            if not stored.get(key):
                stored[key] = secrets.token_urlsafe(48)
                changed = True
        if changed:
            path.write_text(json.dumps(stored))
            path.chmod(0o600)
        self.secret_key = self.secret_key or stored['secret_key']
        self.storage_secret = self.storage_secret or stored['storage_secret']
