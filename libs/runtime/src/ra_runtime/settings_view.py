"""A service's live view of the settings the gateway mirrors into the JetStream KV bucket.

Changes apply without a restart: a watcher updates the view as the gateway writes. Until the bucket exists
(the gateway has not started yet) the catalog defaults apply.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, NotFoundError
from ra_contracts.catalog import SETTINGS_BUCKET
from ra_contracts.settings import SETTINGS

from ra_runtime.secrets import SecretBox

log = logging.getLogger(__name__)


class SettingsView:
    def __init__(self, js: JetStreamContext, box: SecretBox, bucket: str = SETTINGS_BUCKET) -> None:
        self.js = js
        self.box = box
        self.bucket = bucket
        self._values: dict[str, Any] = {}
        self._task: asyncio.Task[None] | None = None
        self.loaded = asyncio.Event()
        #: ``live`` (watching the bucket), ``defaults`` (no bucket yet: the gateway has not started) or
        #: ``connecting``; shown on ``/readyz``.
        self.state = "connecting"

    def get(self, key: str) -> Any:
        if key in self._values:
            return self._values[key]
        spec = SETTINGS.get(key)
        if spec is None:
            raise KeyError(f"unknown setting {key!r}")
        return spec.default

    def apply(self, key: str, raw: bytes | None) -> None:
        """Take one KV entry (``None`` = deleted → default again)."""
        if not raw:
            self._values.pop(key, None)
            return
        try:
            doc = json.loads(raw)
            if "encrypted" in doc:
                self._values[key] = self.box.decrypt(doc["encrypted"]) if doc["encrypted"] else ""
            else:
                self._values[key] = doc.get("value")
        except (ValueError, TypeError) as exc:
            log.error("ignoring unreadable setting %s: %s", key, exc)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="settings-watch")
        # Do not hold start-up hostage to the gateway: defaults apply until the bucket shows up.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.loaded.wait(), 2.0)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _watch(self) -> None:
        while True:
            try:
                kv = await self.js.key_value(self.bucket)
                watcher = await kv.watchall()
                self.state = "live"
                async for entry in watcher:
                    self.state = "live"
                    if entry is None:  # end of the initial values
                        self.loaded.set()
                        continue
                    op = getattr(entry, "operation", None)
                    self.apply(entry.key, None if op in ("DEL", "PURGE") else entry.value)
                    self.loaded.set()
            except asyncio.CancelledError:
                raise
            except (BucketNotFoundError, NotFoundError):
                self.state = "defaults"
                self.loaded.set()
                await asyncio.sleep(0.5)
            except Exception as exc:
                self.state = "connecting"
                log.warning("settings watch interrupted (%s); resuming", exc)
                await asyncio.sleep(1.0)
