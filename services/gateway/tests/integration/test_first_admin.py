"""The first admin of a fresh install: from the environment, or generated and shown once on the console."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa
from ra_gateway.models import AuditEntry, User
from ra_gateway.testing import running_gateway

pytestmark = pytest.mark.integration


async def test_generated_password_goes_to_the_console_only(
    database_url: str, nats_url: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_gateway(database_url, nats_url, admin_email="", admin_password="") as gateway:
        printed = capsys.readouterr().err
        match = re.search(r"email:\s+(\S+)\s+password:\s+(\S+)", printed)
        assert match, printed
        email, password = match.groups()
        assert email == "admin@localhost" and len(password) >= 20
        assert not any(password in record.getMessage() or password in str(record.__dict__) for record in caplog.records)

        login = await gateway.http.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200 and login.json()["user"]["role"] == "admin"

        async with gateway.ctx.sessions() as session:
            assert (await session.execute(sa.select(sa.func.count()).select_from(User))).scalar_one() == 1
            [entry] = (
                await session.execute(sa.select(AuditEntry).where(AuditEntry.action == "user.bootstrapped"))
            ).scalars()
            assert entry.target == email

    # A second start finds a user and creates or prints nothing.
    async with running_gateway(database_url, nats_url, admin_email="", admin_password="") as gateway:
        assert "password:" not in capsys.readouterr().err
        async with gateway.ctx.sessions() as session:
            assert (await session.execute(sa.select(sa.func.count()).select_from(User))).scalar_one() == 1
