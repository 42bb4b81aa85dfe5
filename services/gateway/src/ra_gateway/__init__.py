"""The gateway: the unified HTTP API (/api/v1) — auth, users, settings — relaying queries and commands."""
