"""The Settings page's "Test" button for the job sources sourcing owns (``q.sourcing.providers.test``).

==========  ===========================================================================================
provider    check
==========  ===========================================================================================
``jsearch``  ``GET /search`` for one title, today, one page: RapidAPI has no free call proving a key
             works for JSearch, so this costs one request of the plan's quota
``apollo``   ``GET /api/v1/auth/health``: Apollo's key check, no credits. Enrichment's contact search
             uses the same ``apollo_api_key``, so this one test covers both
``jobspy``   no key and no request: ok when the adapter can be built from Settings, has boards to scrape
             and JobSpy can be loaded
==========  ===========================================================================================
"""

from __future__ import annotations

from ra_runtime.provider_tests import CHECK_RETRY, CHECK_TIMEOUT_SECONDS, Get, ProviderCheck

from ra_sourcing.sources.apollo import ApolloJobSource
from ra_sourcing.sources.jobspy_source import JobSpySource
from ra_sourcing.sources.jsearch import JSearchSource


async def check_jsearch(get: Get) -> str:
    source = JSearchSource(get("jsearch_api_key") or None, timeout_seconds=CHECK_TIMEOUT_SECONDS, retry=CHECK_RETRY)
    return await source.check_connection()


async def check_apollo(get: Get) -> str:
    source = ApolloJobSource(get("apollo_api_key") or None, timeout_seconds=CHECK_TIMEOUT_SECONDS, retry=CHECK_RETRY)
    return await source.check_connection()


async def check_jobspy(get: Get) -> str:
    return await JobSpySource.from_settings(get).check_connection()


SOURCE_CHECKS: dict[str, ProviderCheck] = {
    "jsearch": check_jsearch,
    "apollo": check_apollo,
    "jobspy": check_jobspy,
}
