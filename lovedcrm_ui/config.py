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

    model_config = SettingsConfigDict(env_prefix='', extra='ignore', populate_by_name=True)

    environment: Literal['development', 'production', 'test'] = Field('development', alias='LOVEDCRM_ENV')
    data_dir: Path = Field(Path('./data'), alias='LOVEDCRM_DATA_DIR')
    database_url: str = Field('', alias='DATABASE_URL')
    host: str = Field('127.0.0.1', alias='HOST')
    port: int = Field(8080, alias='PORT')
    secret_key: str = Field('', alias='SECRET_KEY')
    storage_secret: str = Field('', alias='STORAGE_SECRET')
    jwt_issuer: str = Field('lovedcrm-pipeline', alias='JWT_ISSUER')
    access_token_expire_minutes: int = Field(15, ge=1, alias='ACCESS_TOKEN_EXPIRE_MINUTES')
    refresh_token_expire_days: int = Field(7, ge=1, alias='REFRESH_TOKEN_EXPIRE_DAYS')
    event_bus: Literal['', 'memory', 'postgres'] = Field('', alias='EVENT_BUS')
    db_pool_size: int = Field(10, ge=1, alias='DB_POOL_SIZE')
    db_max_overflow: int = Field(20, ge=0, alias='DB_MAX_OVERFLOW')
    # PostgreSQL waits, each bounded so a request answers 503 within ~2 s when the database is away
    # (db_health.py): a free pooled connection, a new connection, one statement (a dead link mid-query)
    db_pool_timeout: float = Field(3.0, gt=0, alias='DB_POOL_TIMEOUT')
    db_connect_timeout: float = Field(1.0, gt=0, alias='DB_CONNECT_TIMEOUT')
    db_command_timeout: float = Field(30.0, gt=0, alias='DB_COMMAND_TIMEOUT')
    sqlite_busy_timeout_ms: int = Field(10_000, ge=0, alias='SQLITE_BUSY_TIMEOUT_MS')
    # argon2 cost: time cost (rounds) and memory in KiB; tests use rounds=1, memory=64
    password_hash_rounds: int = Field(3, ge=1, alias='PASSWORD_HASH_ROUNDS')
    password_hash_memory_kib: int = Field(65536, ge=8, alias='PASSWORD_HASH_MEMORY_KIB')
    # argon2 runs in this many threads; at most PASSWORD_HASH_QUEUE more checks wait, the rest get a 503
    password_hash_workers: int = Field(
        default_factory=lambda: min(4, os.cpu_count() or 1), ge=1, alias='PASSWORD_HASH_WORKERS'
    )
    password_hash_queue: int = Field(32, ge=0, alias='PASSWORD_HASH_QUEUE')
    # password checks (sign-in, change password) counted before verifying, per window (docs/SECURITY.md)
    login_max_failures: int = Field(10, ge=1, alias='LOGIN_MAX_FAILURES')  # per client address and account
    login_max_per_account: int = Field(50, ge=1, alias='LOGIN_MAX_PER_ACCOUNT')  # from addresses not known to it
    login_max_per_address: int = Field(100, ge=1, alias='LOGIN_MAX_PER_ADDRESS')  # over all accounts
    login_failure_window_seconds: int = Field(900, ge=1, alias='LOGIN_FAILURE_WINDOW_SECONDS')
    register_max_per_hour: int = Field(300, ge=1, alias='REGISTER_MAX_PER_HOUR')
    invite_expire_days: int = Field(7, ge=1, alias='INVITE_EXPIRE_DAYS')
    # outgoing mail for invite links; off while SMTP_HOST is empty (the Team page still shows the link)
    smtp_host: str = Field('', alias='SMTP_HOST')
    smtp_port: int = Field(587, ge=1, le=65535, alias='SMTP_PORT')
    smtp_username: str = Field('', alias='SMTP_USERNAME')
    smtp_password: str = Field('', alias='SMTP_PASSWORD')
    smtp_from: str = Field('', alias='SMTP_FROM')
    smtp_starttls: bool = Field(True, alias='SMTP_STARTTLS')
    # password reset by e-mail (needs SMTP): link lifetime, and requests per hour per e-mail and per client address
    password_reset_expire_minutes: int = Field(60, ge=1, alias='PASSWORD_RESET_EXPIRE_MINUTES')
    password_reset_max_per_email: int = Field(3, ge=1, alias='PASSWORD_RESET_MAX_PER_EMAIL')
    password_reset_max_per_address: int = Field(20, ge=1, alias='PASSWORD_RESET_MAX_PER_ADDRESS')
    # the address people reach this server at (e.g. https://crm.example.com), for links in e-mails; empty: the
    # request's own (a forged Host header could then point a reset link elsewhere, so production requires it)
    public_url: str = Field('', alias='PUBLIC_URL')
    cookie_secure: bool = Field(False, alias='COOKIE_SECURE')
    # browser transports for NiceGUI's socket.io: 'websocket,polling' (default) or 'polling' behind
    # proxies that block WebSockets
    socket_io_transports: str = Field('websocket,polling', alias='SOCKET_IO_TRANSPORTS')
    # browser origins besides the server's own (Origin host:port = the request's Host) that may open NiceGUI's
    # socket.io and the /ws/* API sockets, comma-separated (e.g. 'https://crm.example.com'); requests without
    # an Origin (API clients, integrations) are never refused for it
    allowed_origins: str = Field('', alias='ALLOWED_ORIGINS')
    reconnect_timeout: float = Field(10.0, gt=0, alias='RECONNECT_TIMEOUT')
    # the live-path guard (events/watch.py): how often open boards and sockets are checked against the
    # committed event sequence; one that is behind two rounds in a row re-reads (so stale ≤ ~2 rounds)
    live_check_seconds: float = Field(5.0, gt=0, le=15, alias='LIVE_CHECK_SECONDS')
    # WebSocket API (API-CONTRACT §5, §7)
    ws_max_connections_per_user: int = Field(100, ge=1, alias='WS_MAX_CONNECTIONS_PER_USER')
    ws_send_queue: int = Field(256, ge=8, alias='WS_SEND_QUEUE')
    ws_rate_per_second: float = Field(20.0, gt=0, alias='WS_RATE_PER_SECOND')
    ws_rate_burst: int = Field(40, ge=1, alias='WS_RATE_BURST')
    ws_ping_seconds: float = Field(30.0, gt=0, alias='WS_PING_SECONDS')
    ws_auth_timeout_seconds: float = Field(5.0, gt=0, alias='WS_AUTH_TIMEOUT_SECONDS')
    replay_limit: int = Field(1000, ge=1, alias='REPLAY_LIMIT')
    # refused handshakes per client address within the window before further handshakes get a cheap 429
    # (a client reconnecting with a dead token once a second must not cost a database query each time)
    ws_refused_handshakes: int = Field(10, ge=1, alias='WS_REFUSED_HANDSHAKES')
    ws_refused_window_seconds: float = Field(60.0, gt=0, alias='WS_REFUSED_WINDOW_SECONDS')
    # HTTP request bodies (api/limits.py): larger ones get a 413 before anything parses them
    max_request_bytes: int = Field(1_048_576, ge=1024, alias='MAX_REQUEST_BYTES')
    # a CSV file to import (POST /crm/leads/import and the board's upload): its own, larger limit, on those routes only
    max_import_bytes: int = Field(10 * 1_048_576, ge=1024, alias='MAX_IMPORT_BYTES')
    # one log line per HTTP request and WebSocket handshake (api/access_log.py); tokens and passwords redacted
    access_log: bool = Field(False, alias='ACCESS_LOG')

    @property
    def transports(self) -> list[str]:
        """The socket.io transports, validated."""
        chosen = [t.strip() for t in self.socket_io_transports.split(',') if t.strip()]
        if not chosen or any(t not in ('websocket', 'polling') for t in chosen):
            raise ValueError('SOCKET_IO_TRANSPORTS must list websocket and/or polling')
        return chosen

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
