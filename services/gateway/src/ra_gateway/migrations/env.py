"""Alembic environment of the gateway: the runtime's shared one, bound to the gateway's metadata."""

from ra_runtime.migrations import run_env

from ra_gateway.models import metadata

run_env(metadata)
