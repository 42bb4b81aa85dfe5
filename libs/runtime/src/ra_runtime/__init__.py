"""Shared runtime of every service: NATS and Postgres plumbing, outbox, inbox, health, telemetry."""
