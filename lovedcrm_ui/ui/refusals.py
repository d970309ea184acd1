"""A service's refusal in the viewer's language (services speak API English: API-CONTRACT §7)."""

from ..services.errors import DomainError, Forbidden, NotFound, TooManyRequests, Unauthorized
from .i18n import Translate

# service detail → catalog key; anything else falls back to a message for its kind of error
DETAIL_KEYS = {
    'The last owner cannot be demoted': 'team.last_owner_demote',
    'The last owner cannot be removed': 'team.last_owner_remove',
    'Only an owner can change or remove an owner': 'team.owner_only',
    'Only an owner can make someone an owner': 'team.owner_only',
    'Only owners and admins can do this': 'team.managers_only',
    'Member not found': 'team.member_gone',
    'Invites cannot grant the owner role': 'invite.no_owner_role',
    'Only owners can invite admins': 'invite.admin_owner_only',
    'User is already a member of this organization': 'invite.already_member',
    'A pending invite already exists for this e-mail': 'invite.already_pending',
    'Invite not found': 'invite.gone',
    'Invalid or expired invite': 'invite.not_pending',
    'Invite has expired': 'invite.expired_now',
    'This invite was sent to a different e-mail address': 'invite.other_email',
    'This account is disabled': 'invite.account_disabled',
    'Current password is incorrect': 'profile.current_wrong',
    'Password must be at least 8 characters long': 'password.short',
    'Password must contain at least one digit': 'password.digit',
    'Password must contain at least one uppercase letter': 'password.upper',
    'Password must contain at least one lowercase letter': 'password.lower',
    'idle_alert_days must not be lower than idle_warning_days': 'settings.idle_order',
    'name must have at least 2 characters': 'settings.name_length',
    'name cannot be empty': 'settings.name_length',
}


def refusal(exc: DomainError, t: Translate) -> str:
    """What to show when a service says no."""
    key = DETAIL_KEYS.get(exc.detail)
    if key:
        return t(key)
    if exc.detail.startswith('Invite is already'):
        return t('invite.already_answered')
    if isinstance(exc, Unauthorized):
        return t('login.expired')
    if isinstance(exc, Forbidden):
        return t('error.forbidden')
    if isinstance(exc, NotFound):
        return t('error.not_found')
    if isinstance(exc, TooManyRequests):
        return t('login.too_many', seconds=exc.headers.get('Retry-After', '60'))
    return t('error.generic')
