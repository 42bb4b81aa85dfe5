"""Job sources for lead sourcing: the posting/criteria models, the source protocol and the demo source.

The real adapters live in their own modules (``jsearch``, ``apollo``, ``jobspy_source``) and are imported
from there: they use the lead-sourcing rules, which themselves use the models here.
"""

from ra_sourcing.sources.base import JobPosting, JobSource, SourcingCriteria
from ra_sourcing.sources.demo import DemoJobSource

__all__ = ["DemoJobSource", "JobPosting", "JobSource", "SourcingCriteria"]
