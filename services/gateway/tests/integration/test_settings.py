"""Settings: defaults, masking and encryption of secrets, validation, roles, KV mirror and event."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from nats.js.api import ConsumerConfig, DeliverPolicy
from ra_contracts.catalog import SETTINGS_BUCKET
from ra_contracts.envelope import Envelope
from ra_contracts.settings import SETTINGS
from ra_gateway.models import Setting
from ra_gateway.testing import RunningGateway, bearer
from ra_runtime.testing import eventually

pytestmark = pytest.mark.integration

SECRET = "gsk_live_0123456789abcdefSECRET"


async def test_defaults_are_initialized_and_mirrored(gateway: RunningGateway) -> None:
    token = await gateway.user_token("viewer")
    listed = await gateway.http.get("/api/v1/settings", headers=bearer(token))
    assert listed.status_code == 200
    items = {s["key"]: s for s in listed.json()["items"]}
    assert items.keys() == SETTINGS.keys()
    assert items["daily_send_limit"]["value"] == 30 and items["daily_send_limit"]["is_default"]
    assert items["warmup_auto_reply_rate"]["value"] == 0.5
    assert items["groq_api_key"] == items["groq_api_key"] | {"value": "", "is_set": False, "secret": True}
    assert items["target_states"]["section"] == "job_sources" and "TX" in items["target_states"]["choices"]

    one = await gateway.http.get("/api/v1/settings/cooldown_days", headers=bearer(token))
    assert one.status_code == 200 and one.json()["value"] == 10
    unknown = await gateway.http.get("/api/v1/settings/no_such_key", headers=bearer(token))
    assert unknown.status_code == 404 and "no_such_key" in unknown.json()["detail"]

    # Start-up mirrored every key into the bucket services read.
    kv = await gateway.nc.jetstream().key_value(SETTINGS_BUCKET)
    assert json.loads((await kv.get("daily_send_limit")).value) == {"value": 30}
    assert set(await kv.keys()) == SETTINGS.keys()
    assert (await kv.status()).history >= 5


async def test_put_reaches_database_bucket_and_event_stream(gateway: RunningGateway) -> None:
    admin = await gateway.token()
    response = await gateway.http.put("/api/v1/settings/daily_send_limit", json={"value": 45}, headers=bearer(admin))
    assert response.status_code == 200, response.text
    assert response.json()["value"] == 45 and response.json()["updated_by"] == "admin@example.com"

    kv = await gateway.nc.jetstream().key_value(SETTINGS_BUCKET)
    assert json.loads((await kv.get("daily_send_limit")).value) == {"value": 45}

    # The change is announced on the gateway's event stream, without the value.
    js = gateway.nc.jetstream()

    async def announced() -> Envelope | None:
        sub = await js.pull_subscribe(
            "settings.updated", stream="GATEWAY_EVENTS", config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
        )
        try:
            msgs = await sub.fetch(10, timeout=0.5)
        except TimeoutError:
            return None
        finally:
            await sub.unsubscribe()
        envelopes = [Envelope.model_validate_json(m.data) for m in msgs]
        return next((e for e in envelopes if e.payload["key"] == "daily_send_limit"), None)

    envelope = await eventually(announced, timeout=15, what="settings.updated on GATEWAY_EVENTS")
    assert envelope.type == "settings.updated" and envelope.producer == "gateway"
    assert envelope.payload["updated_by"] == "admin@example.com"
    assert "value" not in envelope.payload

    # And the runtime's own view of the settings (what every service reads) follows without a restart.
    await eventually(lambda: _equals(gateway.ctx.settings.get("daily_send_limit"), 45), what="the settings view")


async def _equals(actual: object, expected: object) -> bool:
    return actual == expected


async def test_secrets_are_encrypted_and_masked(gateway: RunningGateway) -> None:
    admin = await gateway.token()
    saved = await gateway.http.put("/api/v1/settings/groq_api_key", json={"value": SECRET}, headers=bearer(admin))
    assert saved.status_code == 200
    assert saved.json()["is_set"] is True
    assert SECRET not in saved.text and saved.json()["value"].endswith(SECRET[-4:])

    for path in ("/api/v1/settings", "/api/v1/settings/groq_api_key"):
        shown = await gateway.http.get(path, headers=bearer(admin))
        assert shown.status_code == 200 and SECRET not in shown.text

    async with gateway.ctx.sessions() as session:
        row = await session.get(Setting, "groq_api_key")
        raw = (
            await session.execute(sa.text("SELECT value_json::text FROM gateway.settings WHERE key = 'groq_api_key'"))
        ).scalar_one()
        audit = (await session.execute(sa.text("SELECT details::text FROM gateway.audit_log"))).scalars().all()
        outbox = (await session.execute(sa.text("SELECT data FROM gateway.outbox"))).scalars().all()
    assert row is not None and SECRET not in raw
    assert gateway.ctx.secrets.decrypt(row.value_json["encrypted"]) == SECRET
    assert not any(SECRET in text for text in audit)
    assert not any(SECRET.encode() in data for data in outbox)

    kv = await gateway.nc.jetstream().key_value(SETTINGS_BUCKET)
    entry = (await kv.get("groq_api_key")).value
    assert SECRET.encode() not in entry
    assert gateway.ctx.secrets.decrypt(json.loads(entry)["encrypted"]) == SECRET

    cleared = await gateway.http.put("/api/v1/settings/groq_api_key", json={"value": ""}, headers=bearer(admin))
    assert cleared.json()["is_set"] is False and cleared.json()["value"] == ""


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("daily_send_limit", -1, "at least 0"),
        ("daily_send_limit", "thirty", "whole number"),
        ("daily_send_limit", True, "whole number"),
        ("warmup_auto_reply_rate", 1.5, "at most 1"),
        ("warmup_peer_enabled", "yes", "true or false"),
        ("outreach_send_mode", "fax", "mailmerge, smtp"),
        ("target_states", ["TX", "XX"], "US state code"),
        ("target_states", [], "at least 1"),
        ("target_job_titles", ["Plant Manager", 7], "must be a string"),
        ("enabled_sources", ["demo", "monster"], "demo, jsearch"),
    ],
)
async def test_bad_values_are_refused_with_reason(
    gateway: RunningGateway, key: str, value: object, reason: str
) -> None:
    admin = await gateway.token()
    response = await gateway.http.put(f"/api/v1/settings/{key}", json={"value": value}, headers=bearer(admin))
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "value"]
    assert key in error["msg"] and reason in error["msg"]
    kept = await gateway.http.get(f"/api/v1/settings/{key}", headers=bearer(admin))
    assert kept.json()["is_default"] is True


async def test_only_admins_change_settings(gateway: RunningGateway) -> None:
    for role in ("viewer", "operator"):
        token = await gateway.user_token(role)
        put = await gateway.http.put("/api/v1/settings/cooldown_days", json={"value": 3}, headers=bearer(token))
        assert put.status_code == 403, role
        init = await gateway.http.post("/api/v1/settings/initialize", headers=bearer(token))
        assert init.status_code == 403, role
        assert (await gateway.http.get("/api/v1/settings", headers=bearer(token))).status_code == 200


async def test_initialize_restores_missing_keys_only(gateway: RunningGateway) -> None:
    admin = await gateway.token()
    await gateway.http.put("/api/v1/settings/cooldown_days", json={"value": 3}, headers=bearer(admin))
    async with gateway.ctx.sessions() as session, session.begin():
        await session.execute(sa.delete(Setting).where(Setting.key == "smtp_port"))

    response = await gateway.http.post("/api/v1/settings/initialize", headers=bearer(admin))
    assert response.status_code == 200
    assert response.json() == {"initialized": ["smtp_port"]}
    cooldown = await gateway.http.get("/api/v1/settings/cooldown_days", headers=bearer(admin))
    assert cooldown.json()["value"] == 3
    again = await gateway.http.post("/api/v1/settings/initialize", headers=bearer(admin))
    assert again.json() == {"initialized": []}
