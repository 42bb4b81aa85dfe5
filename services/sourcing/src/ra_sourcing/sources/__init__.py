"""Job sources for lead sourcing: the posting/criteria models, the source protocol and adapters."""

from ra_sourcing.sources.base import JobPosting, JobSource, SourcingCriteria
from ra_sourcing.sources.demo import DemoJobSource

__all__ = ["DemoJobSource", "JobPosting", "JobSource", "SourcingCriteria"]
