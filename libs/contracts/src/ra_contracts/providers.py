"""The Settings page's "Test" button (``POST /settings/test-connection/{provider}``, SOP Appendix B).

Each provider is tested by the service that owns its adapter and reads its key from the settings bucket
(:data:`PROVIDER_OWNERS`); the gateway asks that service ``q.<service>.providers.test`` with a
:class:`ProviderTestRequest` and passes its :class:`ProviderTestResult` on. The demo providers
(:data:`DEMO_PROVIDERS`) connect to nothing and are answered without asking anyone.

``apollo`` is tested once, by sourcing: the job-posting and contact adapters use the same
``apollo_api_key`` and the test only asks Apollo whether it accepts that key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ProviderTestStatus = Literal["ok", "not_configured", "auth", "rate_limited", "timeout", "unreachable", "error"]

#: Which service tests each provider (the owner of its adapter and of the key it reads).
PROVIDER_OWNERS: dict[str, str] = {
    # job sources
    "jsearch": "sourcing",
    "apollo": "sourcing",
    "jobspy": "sourcing",
    # contact discovery
    "seamless": "enrichment",
    # email validation
    "neverbounce": "validation",
    "zerobounce": "validation",
    "hunter": "validation",
    "clearout": "validation",
    "emailable": "validation",
    "mailboxvalidator": "validation",
    "reacher": "validation",
    "builtin": "validation",
    # AI content (warmup emails)
    "groq": "warmup",
    "openai": "warmup",
    "anthropic": "warmup",
    "gemini": "warmup",
}

#: The demo providers of every section ("mock" is the SOP's name): nothing to connect to.
DEMO_PROVIDERS: tuple[str, ...] = ("mock", "demo")
DEMO_DETAIL = "demo provider: no connection needed"


def known_providers() -> list[str]:
    return sorted([*PROVIDER_OWNERS, *DEMO_PROVIDERS])


def provider_test_subject(service: str) -> str:
    """The query a service answers to test one of its providers."""
    return f"q.{service}.providers.test"


class ProviderTestRequest(BaseModel):
    provider: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")


class ProviderTestResult(BaseModel):
    """One connection test. ``detail`` is for people (it never holds the key); ``status`` is for code."""

    provider: str
    ok: bool
    status: ProviderTestStatus
    detail: str
    latency_ms: int = Field(ge=0, description="How long the provider took to answer (0: nothing was sent)")

    @classmethod
    def demo(cls, provider: str) -> ProviderTestResult:
        return cls(provider=provider, ok=True, status="ok", detail=DEMO_DETAIL, latency_ms=0)
