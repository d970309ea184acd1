"""Admin commands for people: create-user, create-organization, add-member, set-role, reset-password."""

import argparse
import asyncio
from typing import Any

from models import Role

from ..config import Settings
from ..services import admin
from .common import OK, add_password_options, app_tools, read_password, say

ROLES = [role.value for role in Role]


def register(subparsers: Any) -> None:
    """Add the account commands to the parser."""
    create_user = subparsers.add_parser(
        'create-user',
        help='create an account (with its own organization, as registering does)',
        description='Create an account that signs in with an e-mail and a password. Like registering, it gets its '
        'own organization, of which it is the owner, unless --no-organization is given (then add it to one with '
        "add-member). The password follows the app's rule: 8+ characters with a digit, an upper- and a "
        'lower-case letter.',
    )
    create_user.add_argument('--email', required=True, help='the e-mail address to sign in with')
    create_user.add_argument('--name', required=True, help='the full name shown to teammates')
    create_user.add_argument(
        '--no-organization', action='store_true', help='create no organization (add the account to one later)'
    )
    add_password_options(create_user)
    create_user.set_defaults(handler=create_user_command)

    create_organization = subparsers.add_parser(
        'create-organization',
        help='create an organization owned by an existing account',
        description='Create an organization (its slug is made from the name) with an existing account as its owner.',
    )
    create_organization.add_argument('--name', required=True, help="the organization's name (2+ characters)")
    create_organization.add_argument('--owner', required=True, metavar='EMAIL', help="e-mail of the owner's account")
    create_organization.set_defaults(handler=create_organization_command)

    add_member = subparsers.add_parser(
        'add-member',
        help='make an existing account a member of an organization',
        description='Make an existing account a member of an organization, with a role (no invitation needed). '
        'A removed member comes back with the given role.',
    )
    _member_arguments(add_member, role_required=False)
    add_member.set_defaults(handler=add_member_command)

    set_role = subparsers.add_parser(
        'set-role',
        help="change a member's role",
        description="Change a member's role in an organization. The last owner of an organization cannot be "
        'demoted (make another member owner first).',
    )
    _member_arguments(set_role, role_required=True)
    set_role.set_defaults(handler=set_role_command)

    reset_password = subparsers.add_parser(
        'reset-password',
        help="set an account's password and sign it out everywhere",
        description='Set a new password for an account (for instance when it is locked out and no SMTP server is '
        'set up for reset links). Every session of the account ends, as after a reset by e-mail: its open '
        'boards close and its tokens stop working. Unused reset links stop working too.',
    )
    reset_password.add_argument('--email', required=True, help='e-mail of the account')
    add_password_options(reset_password)
    reset_password.set_defaults(handler=reset_password_command)


def _member_arguments(parser: argparse.ArgumentParser, *, role_required: bool) -> None:
    parser.add_argument(
        '--organization', required=True, metavar='ORG', help="the organization's id, slug or exact name"
    )
    parser.add_argument('--email', required=True, help="e-mail of the member's account")
    if role_required:
        parser.add_argument('--role', required=True, choices=ROLES, help='the new role')
    else:
        parser.add_argument('--role', choices=ROLES, default=Role.MEMBER.value, help='the role (default: member)')


def create_user_command(args: argparse.Namespace, settings: Settings) -> int:
    """``create-user``."""
    password = read_password(args)
    admin.checked_account(args.email, password, args.name)  # bad input is told before the database is opened

    async def run() -> admin.CreatedUser:
        async with app_tools(settings) as tools:
            return await admin.create_user(
                tools.db,
                hasher=tools.hasher,
                email=args.email,
                password=password,
                full_name=args.name,
                with_organization=not args.no_organization,
            )

    created = asyncio.run(run())
    say(f'created the user {created.email} (id {created.user_id})')
    if created.organization_id is not None:
        say(
            f'  owner of the new organization {created.organization_name!r} '
            f'(slug {created.organization_slug}, id {created.organization_id})'
        )
    else:
        say('  in no organization yet: add it to one with `python -m lovedcrm_ui add-member`')
    return OK


def create_organization_command(args: argparse.Namespace, settings: Settings) -> int:
    """``create-organization``."""

    async def run() -> tuple[str, str, str]:
        async with app_tools(settings) as tools:
            organization = await admin.create_owned_organization(tools.db, name=args.name, owner_email=args.owner)
            return organization.name, organization.slug, str(organization.id)

    name, slug, organization_id = asyncio.run(run())
    say(f'created the organization {name!r} (slug {slug}, id {organization_id}), owned by {args.owner.strip().lower()}')
    return OK


def add_member_command(args: argparse.Namespace, settings: Settings) -> int:
    """``add-member``."""

    async def run() -> tuple[str, str]:
        async with app_tools(settings) as tools:
            organization, user = await admin.add_member(
                tools.db, organization=args.organization, email=args.email, role=Role(args.role)
            )
            return organization.name, user.email

    organization, email = asyncio.run(run())
    say(f'{email} joined {organization!r} as {args.role}')
    return OK


def set_role_command(args: argparse.Namespace, settings: Settings) -> int:
    """``set-role``."""

    async def run() -> tuple[str, str]:
        async with app_tools(settings) as tools:
            organization, member = await admin.set_role(
                tools.db, organization=args.organization, email=args.email, role=Role(args.role)
            )
            return organization.name, member.user.email

    organization, email = asyncio.run(run())
    say(f'{email} now has the role {args.role} in {organization!r}')
    return OK


def reset_password_command(args: argparse.Namespace, settings: Settings) -> int:
    """``reset-password``."""
    password = read_password(args)
    admin.checked_password(password)

    async def run() -> int:
        async with app_tools(settings) as tools:
            return await admin.set_password(tools.db, hasher=tools.hasher, email=args.email, password=password)

    ended = asyncio.run(run())
    say(f'the password of {args.email.strip().lower()} is changed; {ended} session(s) ended')
    return OK
