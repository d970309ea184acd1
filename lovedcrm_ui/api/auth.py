"""``/auth/*``: register, login, refresh, logout, switch organization, change password, me."""

from fastapi import APIRouter, Request, Response, status

from models.auth import (
    AuthResponse,
    ChangePasswordRequest,
    LoginRequest,
    LogoutRequest,
    Message,
    RefreshRequest,
    RegisterRequest,
    SwitchOrganizationRequest,
)
from models.organization import OrganizationPublic
from models.user import UserPublic

from ..context import AppContext
from ..services import auth
from ..services.errors import ErrorCode, TooManyRequests, Unauthorized
from .deps import CtxDep, SessionDep, SignedInDep
from .guard import bearer_token

router = APIRouter(prefix='/auth', tags=['auth'])


def _response(result: auth.AuthResult) -> AuthResponse:
    return AuthResponse(
        user=UserPublic.model_validate(result.user),
        organization=OrganizationPublic.model_validate(result.organization) if result.organization else None,
        access_token=result.access_token,
        refresh_token=result.refresh_token,
    )


def _set_cookies(response: Response, ctx: AppContext, result: auth.AuthResult) -> None:
    for name, value, lifetime in (
        ('access_token', result.access_token, ctx.tokens.access_lifetime),
        ('refresh_token', result.refresh_token, ctx.tokens.refresh_lifetime),
    ):
        response.set_cookie(
            name,
            value,
            max_age=int(lifetime.total_seconds()),
            httponly=True,
            samesite='lax',
            secure=ctx.settings.cookie_secure,
        )


def _client_address(request: Request) -> str:
    return request.client.host if request.client else 'unknown'


@router.post('/register', status_code=status.HTTP_201_CREATED)
async def register(
    body: RegisterRequest, request: Request, response: Response, ctx: CtxDep, session: SessionDep
) -> AuthResponse:
    """Create a user, their organization and owner membership; returns a signed-in token pair."""
    address = _client_address(request)
    retry_after = ctx.registrations.retry_after(address)
    if retry_after is not None:
        raise TooManyRequests(
            'Too many registrations. Try again later.',
            code=ErrorCode.REGISTRATION_RATE_LIMITED,
            headers={'Retry-After': str(retry_after)},
        )
    ctx.registrations.hit(address)
    result = await auth.register(
        session,
        hasher=ctx.hasher,
        tokens=ctx.tokens,
        email=body.email,
        password=body.password,
        full_name=body.full_name,
        terms_accepted=body.terms_accepted,
    )
    _set_cookies(response, ctx, result)
    return _response(result)


@router.post('/login')
async def login(body: LoginRequest, request: Request, response: Response, ctx: CtxDep) -> AuthResponse:
    """Sign in (case-insensitive e-mail) to the most recently used organization."""
    result = await auth.login(
        ctx.db,
        hasher=ctx.hasher,
        tokens=ctx.tokens,
        throttle=ctx.password_checks,
        email=body.email,
        password=body.password,
        address=_client_address(request),
    )
    _set_cookies(response, ctx, result)
    return _response(result)


@router.post('/refresh')
async def refresh(
    request: Request, response: Response, ctx: CtxDep, session: SessionDep, body: RefreshRequest | None = None
) -> AuthResponse:
    """New token pair from a refresh token (body, or the cookie as fallback)."""
    token = (body.refresh_token if body else None) or request.cookies.get('refresh_token')
    result = await auth.refresh(session, tokens=ctx.tokens, refresh_token=token)
    _set_cookies(response, ctx, result)
    return _response(result)


@router.post('/logout')
async def logout(
    request: Request, response: Response, ctx: CtxDep, session: SessionDep, body: LogoutRequest | None = None
) -> Message:
    """Revoke this login's session (access and refresh tokens) and clear the cookies."""
    access = bearer_token(request.headers.get('authorization')) or request.cookies.get('access_token')
    refresh_token = (body.refresh_token if body else None) or request.cookies.get('refresh_token')
    if access:
        await auth.logout(session, tokens=ctx.tokens, token=access, token_type='access')
    elif refresh_token:
        await auth.logout(session, tokens=ctx.tokens, token=refresh_token, token_type='refresh')
    else:
        raise Unauthorized('Not authenticated', code=ErrorCode.NOT_AUTHENTICATED)
    response.delete_cookie('access_token')
    response.delete_cookie('refresh_token')
    return Message(message='Successfully logged out')


@router.post('/switch-organization')
async def switch_organization(
    body: SwitchOrganizationRequest, signed_in: SignedInDep, ctx: CtxDep, session: SessionDep, response: Response
) -> AuthResponse:
    """A token pair for another organization the user belongs to (403 if not a member)."""
    result = await auth.switch_organization(
        session,
        tokens=ctx.tokens,
        user_id=signed_in.user_id,
        session_id=signed_in.claims.session_id,
        organization_id=body.organization_id,
    )
    _set_cookies(response, ctx, result)
    return _response(result)


@router.post('/change-password')
async def change_password(
    body: ChangePasswordRequest, request: Request, signed_in: SignedInDep, ctx: CtxDep, response: Response
) -> AuthResponse:
    """Change the password; every existing session is revoked and a fresh pair is returned."""
    result = await auth.change_password(
        ctx.db,
        hasher=ctx.hasher,
        tokens=ctx.tokens,
        throttle=ctx.password_checks,
        address=_client_address(request),
        user_id=signed_in.user_id,
        organization_id=signed_in.claims.organization_id,
        current_password=body.current_password,
        new_password=body.new_password,
    )
    _set_cookies(response, ctx, result)
    return _response(result)


@router.get('/me')
async def me(signed_in: SignedInDep) -> UserPublic:
    """The signed-in user (Bearer only)."""
    return UserPublic.model_validate(signed_in.user)
