"""Per-server politeness: the session cap and the start-rate spacing."""

from __future__ import annotations

import asyncio
import time

import pytest
from ra_validation.builtin.limits import DomainLimits


async def test_no_more_than_the_cap_run_at_once_per_key_and_keys_do_not_wait_for_each_other() -> None:
    limits = DomainLimits(connections=2, rate=10_000)
    running: dict[str, int] = {"a": 0, "b": 0}
    peak: dict[str, int] = {"a": 0, "b": 0}
    release = asyncio.Event()
    all_in = asyncio.Event()

    async def session(key: str) -> None:
        async with limits.slot(key):
            running[key] += 1
            peak[key] = max(peak[key], running[key])
            if running == {"a": 2, "b": 1}:
                all_in.set()
            await release.wait()
            running[key] -= 1

    tasks = [asyncio.create_task(session(k)) for k in "aaaaab"]
    await asyncio.wait_for(all_in.wait(), 5)
    release.set()
    await asyncio.gather(*tasks)

    assert peak == {"a": 2, "b": 1}
    assert limits.active_keys() <= 2


async def test_starts_are_spaced_by_the_rate() -> None:
    limits = DomainLimits(connections=10, rate=50)  # one start per 20 ms
    starts: list[float] = []

    async def session() -> None:
        async with limits.slot("a"):
            starts.append(time.monotonic())

    began = time.monotonic()
    await asyncio.gather(*(session() for _ in range(6)))

    # The guarantee is "never earlier than the rate allows": the n-th start is at least n intervals after the
    # first could begin. (Gaps between recorded starts are not: on a busy machine one wake-up can be late and
    # the next on time.) asyncio may wake up to one clock tick early, hence the 2 ms.
    for n, start in enumerate(starts):
        assert start - began >= n * 0.020 - 0.002, (n, start - began)
    assert starts[-1] - began < 0.6, "and not much later either"


def test_a_cap_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        DomainLimits(connections=0, rate=1)
