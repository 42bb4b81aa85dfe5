"""``/auth``: login, refresh, me, logout, register (SOP Appendix B "Authentication")."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from ra_gateway.api.deps import Auth, ClientIp
from ra_gateway.api.schemas import LoginRequest, RefreshRequest, RegisterRequest, TokenResponse, UserOut
from ra_gateway.auth import AdminUser, AnyUser, SessionTokens

#: Reachable without a token: they are how a client gets one.
public_router = APIRouter(prefix="/auth", tags=["auth"])
router = APIRouter(prefix="/auth", tags=["auth"])


def _token_response(tokens: SessionTokens) -> TokenResponse:
    return TokenResponse(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        user=UserOut.of(tokens.user),
    )


@public_router.post(
    "/login",
    responses={401: {"description": "Invalid email or password"}, 429: {"description": "Too many failed attempts"}},
)
async def login(body: LoginRequest, auth: Auth, ip: ClientIp) -> TokenResponse:
    return _token_response(await auth.login(body.email, body.password, ip))


@public_router.post("/refresh", responses={401: {"description": "Invalid, expired or already used refresh token"}})
async def refresh(body: RefreshRequest, auth: Auth) -> TokenResponse:
    """Trade a refresh token for a new pair; the one presented cannot be used again."""
    return _token_response(await auth.refresh(body.refresh_token))


@router.get("/me")
async def me(user: AnyUser) -> UserOut:
    return UserOut.of(user)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(user: AnyUser, auth: Auth) -> Response:
    """End this access token and every refresh token of the user."""
    await auth.logout(user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/register", status_code=status.HTTP_201_CREATED, responses={409: {"description": "Email taken"}})
async def register(body: RegisterRequest, admin: AdminUser, auth: Auth) -> UserOut:
    user = await auth.register(admin, body.email, body.password, body.full_name, body.role)
    return UserOut.of(user)
