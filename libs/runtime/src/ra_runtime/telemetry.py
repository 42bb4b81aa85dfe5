"""Tracing (OpenTelemetry, context carried in NATS headers), JSON logs and Prometheus metrics."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from prometheus_client import Counter, Histogram
from pythonjsonlogger.json import JsonFormatter

MESSAGES = Counter("ra_messages_total", "Messages handled by a durable consumer", ["consumer", "outcome"])
BATCH_SECONDS = Histogram("ra_batch_seconds", "Time to handle one batch, transaction included", ["consumer"])
OUTBOX_PUBLISHED = Counter("ra_outbox_published_total", "Outbox rows published to JetStream", ["service"])
QUERIES = Counter("ra_queries_total", "Request/reply queries answered", ["subject", "outcome"])

_configured = False


def setup_logging(service: str, level: str = "INFO") -> None:
    """JSON lines on stdout, one object per record, with the service name on each."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
            static_fields={"service": service},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("nats", "asyncio", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def setup_tracing(service: str) -> None:
    """A tracer provider named after the service. ``OTEL_TRACES_EXPORTER=console`` prints spans.

    Any other exporter (OTLP …) is configured the standard OpenTelemetry way by the deployment.
    """
    global _configured
    if _configured:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if os.environ.get("OTEL_TRACES_EXPORTER", "").lower() == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)
    _configured = True


def tracer() -> trace.Tracer:
    return trace.get_tracer("ra")


def inject_headers(headers: dict[str, str] | None = None) -> dict[str, str]:
    """The current trace context as NATS headers (``traceparent``, ``tracestate``)."""
    carrier: dict[str, str] = dict(headers or {})
    propagate.inject(carrier)
    return carrier


def extract_context(headers: Mapping[str, str] | None) -> Context:
    return propagate.extract(dict(headers or {}))
