"""The Settings page's "Test" button for the contact providers enrichment owns (``q.enrichment.providers.test``).

``seamless``: one ``POST /search/contacts`` (free; research, which spends credits, is not asked for).
``apollo`` is not tested here: its key (``apollo_api_key``) is shared with sourcing's job-posting adapter,
and sourcing's test (Apollo's ``auth/health``) answers for it (see :mod:`ra_contracts.providers`).
"""

from __future__ import annotations

from ra_runtime.provider_tests import CHECK_RETRY, CHECK_TIMEOUT_SECONDS, Get, ProviderCheck

from ra_enrichment.providers.seamless import SeamlessContactProvider


async def check_seamless(get: Get) -> str:
    provider = SeamlessContactProvider(
        get("seamless_api_key") or None, timeout_seconds=CHECK_TIMEOUT_SECONDS, retry=CHECK_RETRY
    )
    return await provider.check_connection()


PROVIDER_CHECKS: dict[str, ProviderCheck] = {"seamless": check_seamless}
