"""Fixtures shared by every test suite: real NATS and Postgres (see ra_runtime.testing)."""

pytest_plugins = ["ra_runtime.testing"]
