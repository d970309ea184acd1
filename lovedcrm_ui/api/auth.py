"""``/auth/*``: register, login, refresh, logout, switch organization, change password, forgot/reset password, me."""

from fastapi import APIRouter, BackgroundTasks, Request, Response, status

from models.auth import (
    AuthResponse,
    ChangePasswordRequest,
    ForgotPasswordRequest,
    LoginRequest,
    LogoutRequest,
    Message,
    RefreshRequest,
    RegisterRequest,
    ResetPasswordRequest,
    SwitchOrganizationRequest,
)
from models.organization import OrganizationPublic
from models.user import UserPublic

from ..context import AppContext
from ..services import auth, password_reset
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


def client_address(request: Request) -> str:
    return request.client.host if request.client else 'unknown'


def _user_agent(request: Request) -> str | None:
    return request.headers.get('user-agent')


@router.post('/register', status_code=status.HTTP_201_CREATED)
async def register(
    body: RegisterRequest, request: Request, response: Response, ctx: CtxDep, session: SessionDep
) -> AuthResponse:
    """Create a user, their organization and owner membership; returns a signed-in token pair."""
    address = client_address(request)
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
        address=address,
        user_agent=_user_agent(request),
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
        address=client_address(request),
        user_agent=_user_agent(request),
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
    result = await auth.change_password_and_sign_in(
        ctx.db,
        hasher=ctx.hasher,
        tokens=ctx.tokens,
        throttle=ctx.password_checks,
        address=client_address(request),
        user_id=signed_in.user_id,
        organization_id=signed_in.claims.organization_id,
        current_password=body.current_password,
        new_password=body.new_password,
        user_agent=_user_agent(request),
    )
    _set_cookies(response, ctx, result)
    return _response(result)


@router.post('/forgot-password', status_code=status.HTTP_202_ACCEPTED)
async def forgot_password(
    body: ForgotPasswordRequest, request: Request, ctx: CtxDep, background: BackgroundTasks
) -> Message:
    """E-mail a reset link when an account has this address; the answer is the same either way (202).

    The lookup and the mail run after the answer is sent, so its timing tells nothing either.
    """
    ctx.password_resets.admit(body.email, client_address(request))
    background.add_task(
        password_reset.send_reset_link,
        ctx.db,
        ctx.settings,
        email=body.email,
        request_base_url=str(request.base_url),
    )
    return Message(message='If an account exists for this e-mail, a reset link has been sent')


@router.post('/reset-password')
async def reset_password(body: ResetPasswordRequest, ctx: CtxDep) -> Message:
    """Set a new password with the e-mailed link's token (single use); every session of the user ends."""
    await password_reset.reset_password(ctx.db, hasher=ctx.hasher, token=body.token, new_password=body.new_password)
    return Message(message='Password has been reset; sign in with the new password')


@router.get('/me')
async def me(signed_in: SignedInDep) -> UserPublic:
    """The signed-in user (Bearer only)."""
    return UserPublic.model_validate(signed_in.user)
