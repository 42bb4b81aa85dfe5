"""``/settings`` (SOP §12, Appendix B "Settings"): everyone reads, admins change."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from ra_gateway.api.deps import Context, Settings
from ra_gateway.api.schemas import SettingList, SettingOut, SettingsInitialized, SettingUpdate
from ra_gateway.auth import AdminUser, AnyUser

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
