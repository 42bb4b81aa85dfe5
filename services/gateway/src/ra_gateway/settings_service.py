"""Settings (SOP §12): the database row is the truth; the JetStream KV bucket is its mirror for services.

A change is validated against the catalog, written with its ``SettingUpdated`` event and audit row in one
transaction, and mirrored into the bucket after commit. Mirroring always copies what the database holds
*now* under one advisory lock, so two replicas saving the same key cannot leave the older value in the
bucket; a periodic full resync repairs a mirror missed while NATS was unreachable.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NoKeysError
from nats.js.kv import KeyValue
from ra_contracts.catalog import SETTINGS_BUCKET
from ra_contracts.events import SettingUpdated
from ra_contracts.settings import SETTINGS, SettingSpec, validate
from ra_runtime.outbox import Outbox
from ra_runtime.secrets import SecretBox, mask
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from ra_gateway.auth import CurrentUser
from ra_gateway.errors import InvalidValue, NotFound
from ra_gateway.models import AuditEntry, Setting

log = logging.getLogger(__name__)

#: Enough past values to see what a setting was before the last few changes (``nats kv history``).
BUCKET_HISTORY = 5


@dataclass(frozen=True)
class SettingView:
    """A setting as the API shows it: secrets only masked, never in clear."""

    spec: SettingSpec
    value: Any
    is_set: bool
    is_default: bool
    updated_by: str | None
    updated_at: datetime | None


def stored_value(spec: SettingSpec, value: Any, box: SecretBox) -> Any:
    """What goes into ``settings.value_json``: the typed value, or the encrypted secret."""
    if spec.secret:
        return {"encrypted": box.encrypt(value) if value else ""}
    return value


def bucket_entry(setting_type: str, value_json: Any) -> bytes:
    """The KV value services read (see ``ra_runtime.settings_view``); byte-stable so unchanged keys are skipped."""
    doc = value_json if setting_type == "secret" else {"value": value_json}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


class SettingsService:
    def __init__(
        self,
        engine: AsyncEngine,
        js: JetStreamContext,
        box: SecretBox,
        outbox: Outbox,
        bucket: str = SETTINGS_BUCKET,
    ) -> None:
        self.engine = engine
        self.js = js
        self.box = box
        self.outbox = outbox
        self.bucket_name = bucket
        self._kv: KeyValue | None = None

    # -- reading -------------------------------------------------------------------------------------

    async def list_views(self, session: AsyncSession, section: str | None = None) -> list[SettingView]:
        rows = {row.key: row for row in (await session.execute(sa.select(Setting))).scalars()}
        return [
            self._view(spec, rows.get(spec.key))
            for spec in SETTINGS.values()
            if section is None or spec.section == section
        ]

    async def get(self, session: AsyncSession, key: str) -> SettingView:
        spec = self._spec(key)
        return self._view(spec, await session.get(Setting, key))

    def _spec(self, key: str) -> SettingSpec:
        spec = SETTINGS.get(key)
        if spec is None:
            raise NotFound(f"unknown setting {key!r}")
        return spec

    def _view(self, spec: SettingSpec, row: Setting | None) -> SettingView:
        if row is None:
            value: Any = spec.default
        elif spec.secret:
            value = self._reveal(spec, row.value_json)
        else:
            value = row.value_json
        is_set = bool(value) if spec.secret else value not in (None, "", [])
        return SettingView(
            spec=spec,
            value=mask(value) if spec.secret and value else value,
            is_set=is_set,
            is_default=value == spec.default,
            updated_by=row.updated_by if row else None,
            updated_at=row.updated_at if row else None,
        )

    def _reveal(self, spec: SettingSpec, value_json: Any) -> str:
        token = value_json.get("encrypted", "") if isinstance(value_json, dict) else ""
        if not token:
            return ""
        try:
            return self.box.decrypt(token)
        except ValueError:
            # Encrypted under a key no longer configured: it is set, but nobody can use or show it.
            log.error("setting %s cannot be decrypted with RA_SECRET_KEY; set it again", spec.key)
            return "undecryptable"

    # -- writing -------------------------------------------------------------------------------------

    async def put(self, session: AsyncSession, key: str, value: Any, actor: CurrentUser) -> SettingView:
        """Validate and store one setting with its event and audit row; the caller commits, then mirrors."""
        spec = self._spec(key)
        try:
            typed = validate(spec, value)
        except ValueError as exc:
            raise InvalidValue(("body", "value"), str(exc)) from exc
        previous = await session.get(Setting, key, with_for_update=True)
        old = None if previous is None or spec.secret else previous.value_json
        now = datetime.now(UTC)
        row = (
            await session.execute(
                pg_insert(Setting)
                .values(
                    key=key,
                    value_json=stored_value(spec, typed, self.box),
                    type=spec.type,
                    description=spec.description,
                    updated_by=actor.email,
                    updated_at=now,
                )
                .on_conflict_do_update(
                    index_elements=[Setting.key],
                    set_={
                        "value_json": sa.literal_column("excluded.value_json"),
                        "type": spec.type,
                        "description": spec.description,
                        "updated_by": actor.email,
                        "updated_at": now,
                    },
                )
                .returning(Setting)
                .execution_options(populate_existing=True)
            )
        ).scalar_one()
        # The event says only that the key changed: values (secrets above all) are read from the bucket.
        await self.outbox.add(session, [SettingUpdated(key=key, updated_by=actor.email, updated_at=now)])
        session.add(
            AuditEntry(
                actor_id=actor.id,
                actor_email=actor.email,
                action="settings.updated",
                target=key,
                details={"secret": True} if spec.secret else {"old": old, "new": typed},
            )
        )
        return self._view(spec, row)

    async def initialize_defaults(self, session: AsyncSession, actor: CurrentUser | None = None) -> list[str]:
        """Insert the catalog default of every key that has no row yet; existing values are kept."""
        values = [
            {
                "key": spec.key,
                "value_json": stored_value(spec, spec.default, self.box),
                "type": spec.type,
                "description": spec.description,
                "updated_by": actor.email if actor else None,
            }
            for spec in SETTINGS.values()
        ]
        inserted = list(
            (
                await session.execute(pg_insert(Setting).values(values).on_conflict_do_nothing().returning(Setting.key))
            ).scalars()
        )
        if inserted:
            session.add(
                AuditEntry(
                    actor_id=actor.id if actor else None,
                    actor_email=actor.email if actor else None,
                    action="settings.initialized",
                    details={"keys": inserted},
                )
            )
        return inserted

    # -- mirroring into the KV bucket ----------------------------------------------------------------

    async def bucket(self) -> KeyValue:
        if self._kv is None:
            try:
                self._kv = await self.js.key_value(self.bucket_name)
            except BucketNotFoundError:
                self._kv = await self.js.create_key_value(
                    KeyValueConfig(
                        bucket=self.bucket_name,
                        description="Settings mirrored by the gateway (SOP §12); the gateway database is the truth",
                        history=BUCKET_HISTORY,
                        storage=StorageType.FILE,
                    )
                )
        return self._kv

    async def mirror(self, keys: Collection[str] | None = None) -> int:
        """Make the bucket hold what the database holds for ``keys`` (``None``: every key); returns puts made."""
        kv = await self.bucket()
        changed = 0
        async with self.engine.connect() as conn, conn.begin():
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("gateway:settings-mirror"))))
            query = sa.select(Setting.key, Setting.type, Setting.value_json)
            if keys is not None:
                query = query.where(Setting.key.in_(list(keys)))
            wanted = {row.key: bucket_entry(row.type, row.value_json) for row in await conn.execute(query)}
            for key, entry in wanted.items():
                if await self._current(kv, key) != entry:
                    await kv.put(key, entry)
                    changed += 1
            stale = (set(keys) if keys is not None else await self._bucket_keys(kv)) - wanted.keys()
            for key in stale:
                if await self._current(kv, key) is not None:
                    await kv.delete(key)
                    changed += 1
        return changed

    async def mirror_committed(self, keys: Collection[str]) -> None:
        """Mirror right after a commit; if NATS is unreachable the change stands and the resync catches up."""
        try:
            await self.mirror(keys)
        except Exception as exc:
            log.warning("settings %s saved but not yet mirrored (%s); the periodic resync will", sorted(keys), exc)

    async def _current(self, kv: KeyValue, key: str) -> bytes | None:
        try:
            return (await kv.get(key)).value
        except KeyNotFoundError:
            return None

    async def _bucket_keys(self, kv: KeyValue) -> set[str]:
        try:
            return set(await kv.keys())
        except NoKeysError:
            return set()

    async def keep_mirrored(self, interval: float) -> None:
        """Background repair: a mirror missed while NATS was down is made good within ``interval``."""
        while True:
            await asyncio.sleep(interval)
            try:
                changed = await self.mirror()
                if changed:
                    log.warning("settings bucket was out of date; repaired %d keys", changed)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("settings resync failed: %s", exc)
