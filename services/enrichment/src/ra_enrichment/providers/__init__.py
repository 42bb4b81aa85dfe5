"""Contact providers for enrichment: the candidate/search models, the provider protocol and adapters."""

from ra_enrichment.providers.base import ContactCandidate, ContactProvider, ContactSearch
from ra_enrichment.providers.demo import DemoContactProvider

__all__ = ["ContactCandidate", "ContactProvider", "ContactSearch", "DemoContactProvider"]
