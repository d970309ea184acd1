"""Demo mode: ``python main.py --demo`` / ``LOVEDCRM_DEMO=1`` at start, and ``python -m lovedcrm_ui seed-demo``.

Both seed the demo organization once (services/demo.py) and print how to sign in as each demo user, with a
warning that demo mode is not for real data: its accounts have a published password.
"""

import argparse
import asyncio
import logging
from typing import Any

from ..config import Settings
from ..services.demo import DemoOutcome, seed_demo
from ..services.errors import DomainError
from .common import OK, REFUSED, CommandError, app_tools, say, warn

log = logging.getLogger(__name__)

RULE = '=' * 78


def register(subparsers: Any) -> None:
    """Add ``seed-demo`` to the parser."""
    parser = subparsers.add_parser(
        'seed-demo',
        help='add the demo organization (two users, ~60 leads with 8 weeks of history) once',
        description='Add the demo organization "Demonstração LovedCRM": two users with a published password and '
        'about sixty Brazilian leads whose stage history spans the past eight weeks, so that the board and '
        '/insights have something to show. Nothing is added when it exists already. `python main.py --demo` '
        '(or LOVEDCRM_DEMO=1) does the same at start. Not for real data; refused when LOVEDCRM_ENV=production.',
    )
    parser.set_defaults(handler=seed_demo_command)


def seed_demo_command(args: argparse.Namespace, settings: Settings) -> int:
    """``seed-demo``."""
    say(demo_banner(seed(settings), settings))
    return OK


def seed(settings: Settings) -> DemoOutcome:
    """Seed the demo organization unless it exists (refused in production); what there is now."""
    if settings.environment == 'production':
        raise CommandError('demo mode is refused with LOVEDCRM_ENV=production: its accounts have a published password')

    async def run() -> DemoOutcome:
        async with app_tools(settings) as tools:
            return await seed_demo(tools.db, hasher=tools.hasher)

    return asyncio.run(run())


def start_demo_mode(settings: Settings) -> None:
    """``main.py --demo``: seed (after the migrations, before the server starts) and print how to sign in.

    A refusal (production, a demo e-mail taken by a real account) stops the start with exit code 2.
    """
    try:
        outcome = seed(settings)
    except CommandError as exc:
        warn(exc.message)
        raise SystemExit(REFUSED) from None
    except DomainError as exc:  # a demo e-mail address taken by someone's account
        warn(f'demo mode: {exc.detail}')
        raise SystemExit(REFUSED) from None
    log.warning('DEMO MODE: sample data and accounts with a published password; never use it for real data')
    say(demo_banner(outcome, settings))


def base_url(settings: Settings) -> str:
    """Where a browser on this machine reaches the server: PUBLIC_URL, else HOST:PORT (all interfaces → localhost)."""
    if settings.public_url.strip():
        return settings.public_url.strip().rstrip('/')
    host = 'localhost' if settings.host in ('0.0.0.0', '::', '') else settings.host
    if ':' in host:
        host = f'[{host}]'  # an IPv6 address
    return f'http://{host}:{settings.port}'


def demo_banner(outcome: DemoOutcome, settings: Settings) -> str:
    """The loud notice: demo data, how to sign in as each user, never for real data."""
    url = base_url(settings)
    what = 'added' if outcome.created else 'already there, nothing added'
    width = max(len(account.email) for account in outcome.accounts)
    lines = [
        RULE,
        '  DEMO MODE - sample data to try LovedCRM Pipeline. NEVER USE IT FOR REAL DATA:',
        '  the demo accounts below have a published password that anyone can read.',
        RULE,
        f'  Organization "{outcome.organization_name}": {outcome.leads} leads, {outcome.events} events ({what}).',
        f'  Open two browsers (or one normal and one private window) at {url}/login',
    ]
    for number, account in enumerate(outcome.accounts, start=1):
        lines.append(
            f'    browser {number}: {account.email:<{width}}  password {outcome.password}'
            f'  ({account.full_name}, {account.role})'
        )
    lines += [
        '  Drag a card in one browser and watch it move in the other; /insights shows the metrics.',
        RULE,
    ]
    return '\n'.join(lines)
