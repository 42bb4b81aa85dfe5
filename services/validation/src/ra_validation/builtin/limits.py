"""Politeness towards receiving mail servers: a cap on open sessions and on the probe rate per mail host.

Big providers throttle or block a client that opens many sessions or asks about many recipients in a short
time, and one blocked probe IP turns every later answer into Unknown. The verifier therefore takes a slot
here, keyed by the domain's primary MX host, before each SMTP session.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class _Gate:
    __slots__ = ("next_start", "sessions", "users")

    def __init__(self, connections: int) -> None:
        self.sessions = asyncio.Semaphore(connections)
        #: monotonic time before which the next session may not start (rate limit)
        self.next_start = 0.0
        #: holders plus waiters; the gate is dropped when it falls to zero and no rate debt is left
        self.users = 0


class DomainLimits:
    """At most ``connections`` concurrent sessions and ``rate`` session starts per second for each key.

    The rate is enforced by spacing starts ``1 / rate`` seconds apart (no bursts): a server sees a steady
    trickle, which is what greylisting and rate-limiting heuristics are tuned for.
    """

    def __init__(self, connections: int, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if connections < 1:
            raise ValueError("connections must be at least 1")
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.connections = connections
        self.interval = 1.0 / rate
        self._clock = clock
        self._gates: dict[str, _Gate] = {}
        self._prune_at = 1024

    def active_keys(self) -> int:
        """Keys with a session running or waiting, or whose rate spacing has not run out yet."""
        return len(self._gates)

    @asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[None]:
        """Hold one of ``key``'s sessions for the duration of the block, starting no earlier than the rate
        allows. Waiting here does not hold anything else (take the global cap inside the block)."""
        gate = self._gates.get(key)
        if gate is None:
            if len(self._gates) >= self._prune_at:
                self._forget_idle()
                self._prune_at = max(1024, 2 * len(self._gates))
            gate = self._gates[key] = _Gate(self.connections)
        gate.users += 1
        try:
            async with gate.sessions:
                now = self._clock()
                start = max(now, gate.next_start)
                gate.next_start = start + self.interval
                if start > now:
                    await asyncio.sleep(start - now)
                yield
        finally:
            gate.users -= 1
            if gate.users == 0 and gate.next_start <= self._clock() and self._gates.get(key) is gate:
                del self._gates[key]

    def _forget_idle(self) -> None:
        now = self._clock()
        for key in [k for k, g in self._gates.items() if g.users == 0 and g.next_start <= now]:
            del self._gates[key]
