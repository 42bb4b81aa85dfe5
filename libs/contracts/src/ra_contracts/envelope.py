"""The envelope every message on the bus travels in."""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    """Base of every event and command payload.

    Subclasses set ``TYPE`` (the event type, e.g. ``lead.created``) and ``VERSION``; the subject the
    message is published on comes from :mod:`ra_contracts.catalog`.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    #: Subject template; ``{field}`` placeholders are filled from the payload's own fields.
    SUBJECT: ClassVar[str]

    def subject(self) -> str:
        return self.SUBJECT.format(**self.model_dump())


P = TypeVar("P", bound="Payload")


class Envelope(BaseModel):
    """Metadata plus payload. Trace context travels in NATS headers, not here."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int = 1
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    producer: str
    correlation_id: str | None = None
    subject: str = Field(description="The NATS subject the message is published on")
    payload: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        payload: Payload,
        *,
        producer: str,
        subject: str,
        correlation_id: str | None = None,
        event_id: uuid.UUID | None = None,
    ) -> Self:
        # The payload was validated when it was built: no second validation of the envelope's fields.
        return cls.model_construct(  # type: ignore[return-value]  # model_construct returns an instance of cls
            event_id=event_id or uuid.uuid4(),
            type=payload.TYPE,
            version=payload.VERSION,
            occurred_at=datetime.now(UTC),
            producer=producer,
            subject=subject,
            correlation_id=correlation_id,
            payload=payload.model_dump(mode="json"),
        )

    def open(self, model: builtins.type[P]) -> P:
        """Parse the payload as ``model``; raises ``pydantic.ValidationError`` when it does not fit."""
        return model.model_validate(self.payload)
