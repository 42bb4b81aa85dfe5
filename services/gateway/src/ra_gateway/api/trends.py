"""The ``?days=`` window and the per-day entries of the stats answers (the dashboard's trend charts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field
from ra_runtime.stats import MAX_DAYS

#: How many UTC days a trend covers, today included.
TrendDaysQ = Annotated[
    int, Query(ge=1, le=MAX_DAYS, description=f"UTC days in the trend, today included (1–{MAX_DAYS})")
]

Day = Annotated[str, Field(description="A UTC day, YYYY-MM-DD", pattern=r"^\d{4}-\d{2}-\d{2}$")]


class CreatedOnDay(BaseModel):
    """One day of a trend of rows created (oldest first, days without any are 0)."""

    model_config = ConfigDict(extra="allow")

    date: Day
    created: int = Field(ge=0)
