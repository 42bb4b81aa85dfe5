"""A paid provider is asked once per company and state: within a batch, and across batches for
``contact_cache_days`` (counted as calls saved)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from ra_enrichment.main import definition
from ra_enrichment.pipeline import LeadToEnrich, enrich_leads
from ra_enrichment.providers.base import ContactCandidate, ContactSearch
from ra_enrichment.providers.demo import DemoContactProvider
from ra_runtime.db import create_engine
from ra_runtime.outbox import Outbox
from ra_runtime.testing import migrate
from sqlalchemy.ext.asyncio import async_sessionmaker

pytestmark = pytest.mark.integration


class MeteredProvider:
    """The demo provider's answers, counted as if each search were paid for."""

    name = "metered"
    paid = True

    def __init__(self) -> None:
        self.searches: list[str] = []
        self.inner = DemoContactProvider()

    async def search(self, query: ContactSearch) -> list[ContactCandidate]:
        self.searches.append(f"{query.normalized_company}|{query.state}")
        return await self.inner.search(query)


def lead(company: str, state: str | None = "OH") -> LeadToEnrich:
    return LeadToEnrich(uuid.uuid4(), company.title(), company, state, "Dayton", None)


async def test_one_search_per_company_and_state_then_the_stored_answer(database_url: str) -> None:
    d = definition()
    await migrate(database_url, d)
    engine = create_engine(database_url, d.schema)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    outbox = Outbox(d.tables, "enrichment")
    provider = MeteredProvider()
    try:
        batch = [lead("summit foods"), lead("summit foods"), lead("summit foods", "TX"), lead("keystone metals")]
        async with sessions() as s, s.begin():
            first = await enrich_leads(s, outbox, provider, batch, max_contacts=4, titles=["HR Manager"])
        assert sorted(provider.searches) == ["keystone metals|OH", "summit foods|OH", "summit foods|TX"]
        assert (first.provider_calls, first.calls_saved, first.enriched) == (3, 1, 4)

        # Later leads of the same companies: answered from the stored answers, no search at all.
        async with sessions() as s, s.begin():
            again = await enrich_leads(
                s, outbox, provider, [lead("summit foods"), lead("keystone metals")], max_contacts=4, titles=["x"]
            )
        assert len(provider.searches) == 3 and (again.provider_calls, again.calls_saved) == (0, 2)
        assert again.contacts > 0

        # With the cache switched off (0 days) the provider is asked again.
        async with sessions() as s, s.begin():
            fresh = await enrich_leads(
                s, outbox, provider, [lead("summit foods")], max_contacts=4, titles=["x"], cache_days=0
            )
        assert fresh.provider_calls == 1 and len(provider.searches) == 4

        # The free demo provider's answers are not stored.
        demo = DemoContactProvider()
        async with sessions() as s, s.begin():
            free = await enrich_leads(s, outbox, demo, [lead("summit foods")], max_contacts=4, titles=["x"])
            query = sa.text("SELECT count(*) FROM enrichment.provider_answers WHERE provider = 'demo'")
            stored = (await s.execute(query)).scalar_one()
        assert free.provider_calls == 1 and stored == 0
    finally:
        await engine.dispose()
