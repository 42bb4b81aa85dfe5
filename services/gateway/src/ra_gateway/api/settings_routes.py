"""``/settings`` (SOP §12, Appendix B "Settings"): everyone reads, admins change, operators and admins test
a provider's connection."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from ra_contracts.providers import (
    DEMO_PROVIDERS,
    PROVIDER_OWNERS,
    ProviderTestResult,
    known_providers,
    provider_test_subject,
)
from ra_runtime.provider_tests import CHECK_DEADLINE_SECONDS
from ra_runtime.queries import ask

from ra_gateway.api.deps import Context, Settings
from ra_gateway.api.schemas import SettingList, SettingOut, SettingsInitialized, SettingUpdate
from ra_gateway.auth import AdminUser, AnyUser, OperatorUser
from ra_gateway.errors import NotFound

router = APIRouter(prefix="/settings", tags=["settings"])

Section = Literal["job_sources", "ai", "contact_discovery", "email_validation", "outreach", "warmup"]


@router.get("")
async def list_settings(
    _: AnyUser, ctx: Context, settings: Settings, section: Annotated[Section | None, Query()] = None
) -> SettingList:
    async with ctx.sessions() as session:
        views = await settings.list_views(session, section)
    return SettingList(items=[SettingOut.of(v) for v in views])


@router.post("/initialize")
async def initialize_settings(admin: AdminUser, ctx: Context, settings: Settings) -> SettingsInitialized:
    """Give every key without a value its default; values already set are kept."""
    async with ctx.sessions() as session, session.begin():
        inserted = await settings.initialize_defaults(session, admin)
    if inserted:
        await settings.mirror_committed(inserted)
    return SettingsInitialized(initialized=inserted)


#: The owner gives up on a provider after CHECK_DEADLINE_SECONDS; a little more covers the round trip.
TEST_TIMEOUT_SECONDS = CHECK_DEADLINE_SECONDS + 5.0

_TEST_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown provider (the message lists the known ones)"},
    503: {"description": "The service that owns the provider is not answering"},
}


@router.post("/test-connection/{provider}", responses=_TEST_RESPONSES)
async def test_connection(
    provider: Annotated[str, Path(max_length=32)], _: OperatorUser, ctx: Context
) -> ProviderTestResult:
    """Test a provider with its saved key: the owning service makes the provider's cheapest authenticated
    call (an account or credits endpoint where there is one). A failed test is still a 200; ``status``
    says why (``not_configured`` when no key is saved: nothing was sent)."""
    if provider in DEMO_PROVIDERS:
        return ProviderTestResult.demo(provider)
    owner = PROVIDER_OWNERS.get(provider)
    if owner is None:
        raise NotFound(f"unknown provider {provider!r}; known providers: {', '.join(known_providers())}")
    data = await ask(ctx.nc, provider_test_subject(owner), {"provider": provider}, timeout=TEST_TIMEOUT_SECONDS)
    return ProviderTestResult.model_validate(data)


@router.get("/{key}", responses={404: {"description": "Unknown setting"}})
async def get_setting(key: str, _: AnyUser, ctx: Context, settings: Settings) -> SettingOut:
    async with ctx.sessions() as session:
        return SettingOut.of(await settings.get(session, key))


@router.put("/{key}", responses={404: {"description": "Unknown setting"}, 422: {"description": "Invalid value"}})
async def update_setting(
    key: str, body: SettingUpdate, admin: AdminUser, ctx: Context, settings: Settings
) -> SettingOut:
    async with ctx.sessions() as session, session.begin():
        view = await settings.put(session, key, body.value, admin)
    # After commit: the bucket must never show a value the database does not hold.
    await settings.mirror_committed([key])
    return SettingOut.of(view)
