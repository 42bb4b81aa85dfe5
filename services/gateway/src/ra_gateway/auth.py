"""Authentication and roles: argon2 password hashes, short-lived JWT access tokens, rotated refresh tokens.

* Access tokens (HS256, ``sub``/``role``/``jti``/``exp``) live minutes; logout revokes one by its ``jti``.
* Refresh tokens are JWTs whose ``jti`` is a row in ``refresh_tokens``: each use revokes it and issues a
  successor; presenting an already-rotated one means a copy leaked, so every session of that user ends.
* The user row, not the token, decides the role and whether the account is active, so a demotion or a
  deactivation applies to the very next request.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import re
import secrets
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import jwt
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ra_gateway.config import GatewayConfig
from ra_gateway.errors import (
    Conflict,
    InvalidCredentials,
    InvalidValue,
    LoginFailed,
    PermissionDenied,
    TooManyLoginAttempts,
)
from ra_gateway.models import ROLES, AuditEntry, LoginAttempt, RefreshToken, RevokedAccessToken, Role, User

log = logging.getLogger(__name__)

PASSWORD_MIN_LENGTH = 10
#: argon2 hashes any length, but a megabyte "password" per login would be a cheap way to burn CPU.
PASSWORD_MAX_LENGTH = 256
DEFAULT_ADMIN_EMAIL = "admin@localhost"
ISSUER = "ra-gateway"
ALGORITHM = "HS256"

TokenKind = Literal["access", "refresh"]

# A local part, an "@" and a domain; deliverability is not the gateway's business ("admin@localhost" is fine).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")

_hasher = PasswordHasher()


# --- passwords ------------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _decoy_hash() -> str:
    # Verifying against a real hash when the account does not exist keeps both answers equally slow.
    return hash_password(secrets.token_urlsafe(16))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str, loc: tuple[str | int, ...] = ("body", "email")) -> str:
    normalized = normalize_email(email)
    if len(normalized) > 254 or not _EMAIL.match(normalized):
        raise InvalidValue(loc, "must be an email address")
    return normalized


def check_password_policy(password: str, email: str = "", loc: tuple[str | int, ...] = ("body", "password")) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidValue(loc, f"must be at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidValue(loc, f"must be at most {PASSWORD_MAX_LENGTH} characters")
    if email and password.strip().lower() == normalize_email(email):
        raise InvalidValue(loc, "must not be the email address")


# --- tokens ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenClaims:
    user_id: uuid.UUID
    jti: uuid.UUID
    kind: TokenKind
    expires_at: datetime
    role: str | None = None


@dataclass(frozen=True)
class IssuedToken:
    token: str
    claims: TokenClaims


class TokenSigner:
    def __init__(self, secret: str, access_ttl: timedelta, refresh_ttl: timedelta) -> None:
        self._secret = secret
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl

    def issue(self, kind: TokenKind, user_id: uuid.UUID, role: str | None = None) -> IssuedToken:
        now = datetime.now(UTC)
        # JWT times are whole seconds; the claims keep the same value the token carries.
        expires_at = (now + (self.access_ttl if kind == "access" else self.refresh_ttl)).replace(microsecond=0)
        claims = TokenClaims(user_id=user_id, jti=uuid.uuid4(), kind=kind, expires_at=expires_at, role=role)
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "sub": str(user_id),
            "jti": str(claims.jti),
            "typ": kind,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
        }
        if role is not None:
            payload["role"] = role
        return IssuedToken(jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims)

    def decode(self, token: str, kind: TokenKind) -> TokenClaims:
        required = ["exp", "sub", "jti", "typ"] + (["role"] if kind == "access" else [])
        try:
            payload = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": required}
            )
            # An access token must not pass as a refresh token, nor the reverse.
            if payload["typ"] != kind:
                raise jwt.InvalidTokenError("wrong token type")
            return TokenClaims(
                user_id=uuid.UUID(payload["sub"]),
                jti=uuid.UUID(payload["jti"]),
                kind=kind,
                expires_at=datetime.fromtimestamp(payload["exp"], UTC),
                role=payload.get("role"),
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidCredentials("token expired") from exc
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise InvalidCredentials("invalid token") from exc


# --- users and sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentUser:
    id: uuid.UUID
    email: str
    full_name: str
    role: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    #: The access token this request came with (logout revokes it).
    token_jti: uuid.UUID
    token_expires_at: datetime

    @classmethod
    def of(cls, user: User, claims: TokenClaims) -> CurrentUser:
        return cls(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            is_active=user.is_active,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
            token_jti=claims.jti,
            token_expires_at=claims.expires_at,
        )


@dataclass(frozen=True)
class SessionTokens:
    """What a login or a refresh hands the client."""

    access_token: str
    refresh_token: str
    expires_in: int
    user: User
    refresh_jti: uuid.UUID


class Authenticator:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], config: GatewayConfig) -> None:
        self.sessions = sessions
        self.config = config
        self.signer = TokenSigner(
            config.jwt_signing_key,
            timedelta(minutes=config.access_token_ttl_minutes),
            timedelta(days=config.refresh_token_ttl_days),
        )
        self.login_window = timedelta(minutes=config.login_window_minutes)
        #: Recently checked access tokens: jti → (checked at, user). See ``authenticate``.
        self._checked: dict[uuid.UUID, tuple[float, CurrentUser]] = {}

    async def prepare(self) -> None:
        """Compute the decoy hash at start-up, so the first login for an unknown email is not the slow one."""
        await asyncio.to_thread(_decoy_hash)

    # -- login ---------------------------------------------------------------------------------------

    async def login(self, email: str, password: str, ip: str) -> SessionTokens:
        email = normalize_email(email)
        outcome: SessionTokens | Exception
        async with self.sessions() as session, session.begin():
            # Concurrent guesses against one account queue here, so none slips past the failure count.
            await session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"login:{email}"))))
            retry_after = await self._retry_after(session, email, ip)
            if retry_after:
                raise TooManyLoginAttempts(retry_after)
            user = (await session.execute(sa.select(User).where(User.email == email))).scalar_one_or_none()
            password_hash = user.password_hash if user is not None else _decoy_hash()
            # argon2 takes tens of milliseconds of CPU: off the event loop, so other requests keep flowing.
            matches = await asyncio.to_thread(verify_password, password_hash, password[:PASSWORD_MAX_LENGTH])
            succeeded = user is not None and matches and user.is_active
            session.add(LoginAttempt(email=email[:254], ip=ip[:64], succeeded=succeeded))
            if user is not None and succeeded:
                user.last_login_at = datetime.now(UTC)
                if _hasher.check_needs_rehash(user.password_hash):
                    user.password_hash = await asyncio.to_thread(hash_password, password)
                outcome = await self._issue(session, user)
            else:
                # The failure is committed with the attempt row before the refusal goes out.
                outcome = LoginFailed()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _retry_after(self, session: AsyncSession, email: str, ip: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now).

        Per account, failures before its last successful login no longer count; per address they all do,
        so one valid account cannot be used to reset the counter of an address guessing at others.
        """
        now = datetime.now(UTC)
        since = now - self.login_window
        last_success = (
            sa.select(sa.func.max(LoginAttempt.attempted_at))
            .where(LoginAttempt.email == email, LoginAttempt.succeeded)
            .scalar_subquery()
        )
        checks = (
            (
                sa.and_(
                    LoginAttempt.email == email,
                    LoginAttempt.attempted_at > sa.func.coalesce(last_success, since),
                ),
                self.config.login_max_failures_per_account,
            ),
            (LoginAttempt.ip == ip, self.config.login_max_failures_per_ip),
        )
        waits = [0]
        for scope, limit in checks:
            # The limit-th most recent failure in the window: once it ages out, fewer than `limit` remain.
            oldest_counted = (
                await session.execute(
                    sa.select(LoginAttempt.attempted_at)
                    .where(scope, ~LoginAttempt.succeeded, LoginAttempt.attempted_at > since)
                    .order_by(LoginAttempt.attempted_at.desc())
                    .offset(limit - 1)
                    .limit(1)
                )
            ).scalar_one_or_none()
            if oldest_counted is not None:
                waits.append(max(1, math.ceil((oldest_counted + self.login_window - now).total_seconds())))
        return max(waits)

    async def _issue(self, session: AsyncSession, user: User) -> SessionTokens:
        access = self.signer.issue("access", user.id, user.role)
        refresh = self.signer.issue("refresh", user.id)
        session.add(RefreshToken(jti=refresh.claims.jti, user_id=user.id, expires_at=refresh.claims.expires_at))
        return SessionTokens(
            access_token=access.token,
            refresh_token=refresh.token,
            expires_in=int(self.signer.access_ttl.total_seconds()),
            user=user,
            refresh_jti=refresh.claims.jti,
        )

    # -- refresh and logout --------------------------------------------------------------------------

    async def refresh(self, refresh_token: str) -> SessionTokens:
        claims = self.signer.decode(refresh_token, "refresh")
        outcome: SessionTokens | Exception
        async with self.sessions() as session, session.begin():
            row = (
                await session.execute(sa.select(RefreshToken).where(RefreshToken.jti == claims.jti).with_for_update())
            ).scalar_one_or_none()
            user = await session.get(User, claims.user_id)
            if row is None or user is None or row.user_id != user.id or not user.is_active:
                outcome = InvalidCredentials("invalid refresh token")
            elif row.revoked_at is not None:
                # A rotated token came back: the client and someone else both hold it. End every session.
                await self._revoke_refresh_tokens(session, user.id)
                log.warning("refresh token reused; all sessions of the user revoked", extra={"user_id": str(user.id)})
                outcome = InvalidCredentials("refresh token already used")
            else:
                outcome = await self._issue(session, user)
                row.revoked_at = datetime.now(UTC)
                row.replaced_by = outcome.refresh_jti
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def logout(self, user: CurrentUser) -> None:
        self._checked.pop(user.token_jti, None)
        async with self.sessions() as session, session.begin():
            await session.execute(
                pg_insert(RevokedAccessToken)
                .values(jti=user.token_jti, user_id=user.id, expires_at=user.token_expires_at)
                .on_conflict_do_nothing()
            )
            await self._revoke_refresh_tokens(session, user.id)

    async def _revoke_refresh_tokens(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        await session.execute(
            sa.update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=sa.func.now())
        )

    # -- requests ------------------------------------------------------------------------------------

    async def authenticate(self, token: str) -> CurrentUser:
        """The token's user, checked against the database (account active, token not revoked).

        A token checked in the last ``auth_cache_seconds`` (default 5 s) is not checked again: the check is
        half of a read's cost at high request rates. A logout through this replica takes effect at once; a
        logout through another replica, or a disabled account, within those seconds.
        """
        claims = self.signer.decode(token, "access")
        ttl = self.config.auth_cache_seconds
        now = time.monotonic()
        if ttl > 0:
            hit = self._checked.get(claims.jti)
            if hit is not None and now - hit[0] < ttl:
                return hit[1]
        checked = await self._check(claims)
        if ttl > 0:
            if len(self._checked) >= 10_000:
                self._checked = {k: v for k, v in self._checked.items() if now - v[0] < ttl}
            self._checked[claims.jti] = (now, checked)
        return checked

    async def _check(self, claims: TokenClaims) -> CurrentUser:
        revoked = sa.exists().where(RevokedAccessToken.jti == claims.jti)
        async with self.sessions() as session:
            row = (await session.execute(sa.select(User, revoked).where(User.id == claims.user_id))).one_or_none()
        if row is None:
            raise InvalidCredentials("invalid token")
        user, is_revoked = row
        if is_revoked:
            raise InvalidCredentials("token revoked")
        if not user.is_active:
            raise InvalidCredentials("account disabled")
        return CurrentUser.of(user, claims)

    # -- users ---------------------------------------------------------------------------------------

    async def register(self, actor: CurrentUser, email: str, password: str, full_name: str, role: str) -> User:
        email = check_email(email)
        if role not in ROLES:
            raise InvalidValue(("body", "role"), f"must be one of {', '.join(ROLES)}")
        check_password_policy(password, email)
        password_hash = await asyncio.to_thread(hash_password, password)
        user = User(id=uuid.uuid4(), email=email, full_name=full_name.strip(), role=role, password_hash=password_hash)
        try:
            async with self.sessions() as session, session.begin():
                session.add(user)
                await session.flush()
                session.add(
                    AuditEntry(
                        actor_id=actor.id,
                        actor_email=actor.email,
                        action="user.registered",
                        target=email,
                        details={"user_id": str(user.id), "role": role},
                    )
                )
        except IntegrityError as exc:
            raise Conflict("a user with this email already exists") from exc
        return user

    async def bootstrap_first_admin(self) -> None:
        """Create the first admin when there is no user at all (first start of a fresh install).

        From ``RA_ADMIN_EMAIL``/``RA_ADMIN_PASSWORD`` when given; otherwise ``admin@localhost`` with a
        generated password written once to the console — never to the logs, which outlive the console.
        """
        cfg = self.config
        email = check_email(cfg.admin_email or DEFAULT_ADMIN_EMAIL, ("env", "RA_ADMIN_EMAIL"))
        generated = not cfg.admin_password
        password = cfg.admin_password or secrets.token_urlsafe(18)
        if not generated:
            try:
                check_password_policy(password, email, ("env", "RA_ADMIN_PASSWORD"))
            except InvalidValue as exc:
                raise SystemExit(f"RA_ADMIN_PASSWORD {exc.reason}") from exc
        async with self.sessions() as session, session.begin():
            # Replicas starting together: one creates the admin, the others then see it exists.
            await session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("gateway:first-admin"))))
            if (await session.execute(sa.select(sa.exists().select_from(User)))).scalar_one():
                return
            password_hash = await asyncio.to_thread(hash_password, password)
            admin = User(
                id=uuid.uuid4(), email=email, full_name="Administrator", role="admin", password_hash=password_hash
            )
            session.add(admin)
            session.add(
                AuditEntry(
                    action="user.bootstrapped", target=email, details={"user_id": str(admin.id), "role": "admin"}
                )
            )
        log.info("first admin account created", extra={"email": email, "password_generated": generated})
        if generated:
            sys.stderr.write(
                "\n"
                "  First admin account created (this password is shown once and stored only as a hash):\n"
                f"    email:    {email}\n"
                f"    password: {password}\n"
                "  Sign in and register your own admin, or set RA_ADMIN_EMAIL/RA_ADMIN_PASSWORD before the first start.\n"
                "\n"
            )
            sys.stderr.flush()

    async def purge_expired(self) -> None:
        """Forget what can no longer matter: expired revocations and tokens, day-old login attempts."""
        async with self.sessions() as session, session.begin():
            await session.execute(sa.delete(RevokedAccessToken).where(RevokedAccessToken.expires_at < sa.func.now()))
            await session.execute(
                sa.delete(RefreshToken).where(RefreshToken.expires_at < sa.func.now() - sa.text("interval '1 day'"))
            )
            await session.execute(
                sa.delete(LoginAttempt).where(LoginAttempt.attempted_at < sa.func.now() - sa.text("interval '1 day'"))
            )


# --- FastAPI dependencies -------------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="The access token from POST /api/v1/auth/login")


def authenticator(request: Request) -> Authenticator:
    auth: Authenticator = request.app.state.authenticator
    return auth


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> CurrentUser:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise InvalidCredentials("not authenticated")
    return await authenticator(request).authenticate(credentials.credentials)


def require_role(*roles: Role) -> Callable[[CurrentUser], Awaitable[CurrentUser]]:
    allowed = frozenset(roles)

    async def check_role(user: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
        if user.role not in allowed:
            raise PermissionDenied(f"requires role {' or '.join(sorted(allowed))}")
        return user

    return check_role


AnyUser = Annotated[CurrentUser, Depends(current_user)]
AdminUser = Annotated[CurrentUser, Depends(require_role("admin"))]
OperatorUser = Annotated[CurrentUser, Depends(require_role("admin", "operator"))]
