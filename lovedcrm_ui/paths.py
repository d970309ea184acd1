"""Which paths are API, public, auth-only or UI: the tenancy guard and the UI both read this."""

# UI pages (NiceGUI) and their assets: the tenancy guard never touches them
UI_PAGES = frozenset(
    {
        '/',
        '/login',
        '/register',
        '/logout',
        '/pipeline',
        '/insights',
        '/activities',
        '/team',
        '/settings',
        '/profile',
        '/no-access',
        '/reset-password',
    }
)
UI_PREFIXES = ('/_nicegui', '/invite/', '/static/', '/favicon', '/x/')  # /x/…: plugin pages (extensions.py)

# API paths that need no organization context (each authenticates itself, or is public)
PUBLIC_PREFIXES = ('/auth/', '/invites/', '/ws/', '/docs', '/redoc')
# /billing/available-plans: LovedCRM's pricing page reads it signed out (the other /billing paths are guarded)
PUBLIC_PATHS = frozenset({'/health', '/healthz', '/readyz', '/metrics', '/openapi.json', '/billing/available-plans'})
AUTH_ONLY_PATHS = frozenset({'/users/me/organizations', '/users/me/organizations/', '/users/me/sessions'})
AUTH_ONLY_PREFIXES = ('/users/me/sessions/',)  # a user's own sessions belong to no organization

# prefixes that are always API (JSON), even for a browser asking for HTML
API_PREFIXES = ('/crm', '/organizations', '/members', '/users', '/billing', '/auth', '/invites', '/ws')


def is_ui_path(path: str) -> bool:
    """A NiceGUI page or asset."""
    return path in UI_PAGES or path.startswith(UI_PREFIXES)


def is_public_api_path(path: str) -> bool:
    """An API path outside the organization guard."""
    return (
        path in PUBLIC_PATHS
        or path in AUTH_ONLY_PATHS
        or path.startswith(PUBLIC_PREFIXES)
        or path.startswith(AUTH_ONLY_PREFIXES)
    )


def is_api_prefix(path: str) -> bool:
    """A path under one of the API's namespaces."""
    return any(path == p or path.startswith(p + '/') for p in API_PREFIXES)
