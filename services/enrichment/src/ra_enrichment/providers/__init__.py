"""Contact providers for enrichment: the candidate/search models, the provider protocol and adapters."""

from ra_enrichment.providers.apollo import ApolloContactProvider
from ra_enrichment.providers.base import ContactCandidate, ContactProvider, ContactSearch
from ra_enrichment.providers.demo import DemoContactProvider
from ra_enrichment.providers.errors import ProviderError
from ra_enrichment.providers.seamless import SeamlessContactProvider

__all__ = [
    "ApolloContactProvider",
    "ContactCandidate",
    "ContactProvider",
    "ContactSearch",
    "DemoContactProvider",
    "ProviderError",
    "SeamlessContactProvider",
]
