"""Warmup service: the sender mailboxes (SOP §6) — lifecycle, connection tests, daily counters."""
