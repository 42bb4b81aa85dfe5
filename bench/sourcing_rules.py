"""Speed of the lead-sourcing rules: ``prepare_batch`` on one big demo batch, in this process.

Builds ``--postings`` demo postings once (about 30% of them repeat an earlier job under another
spelling), then times ``ra_sourcing.rules.prepare_batch`` with the default criteria ``--repeat`` times
and prints postings/s for each repeat, the best and the median, and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import resource
import statistics
import sys
import time
from collections import Counter

from ra_sourcing import rules
from ra_sourcing.sources.base import JobPosting, SourcingCriteria
from ra_sourcing.sources.demo import DemoJobSource

TARGET_PER_SECOND = 50_000


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def forget_cached_names() -> None:
    """Empty the process-wide name caches so every repeat starts as cold as the first."""
    rules.normalize_company_name.cache_clear()
    rules.normalize_job_title.cache_clear()


class GcClock:
    """Time spent in garbage collections (and how many were full ones) while it is installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        self.seconds += time.perf_counter() - self._started
        self.full += info["generation"] == 2


def with_reposts(postings: list[JobPosting], percent: float, agency_names: list[str]) -> list[JobPosting]:
    """Replace ``percent``% of the batch by agencies' verbatim copies of earlier postings."""
    if percent <= 0:
        return postings
    every = max(1, round(100 / percent))
    batch = list(postings)
    for index in range(every, len(batch), every):
        original = batch[index - every // 2]
        agency = agency_names[index % len(agency_names)]
        batch[index] = original.model_copy(
            update={"company_name": agency, "external_id": f"repost-{index}", "sources": ["demo:repost"]}
        )
    return batch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postings", type=int, default=100_000, help="postings in the batch (default 100,000)")
    parser.add_argument(
        "--repeat", type=int, default=3, choices=range(1, 101), metavar="N", help="timed runs (default 3)"
    )
    parser.add_argument(
        "--reposts", type=float, default=0.0, help="percent of postings to turn into agency reposts (default 0)"
    )
    parser.add_argument("--warm", action="store_true", help="keep the name caches between repeats")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one more run at the end")
    args = parser.parse_args()

    criteria = SourcingCriteria()
    started = time.perf_counter()
    postings = DemoJobSource(count=args.postings).generate(criteria)
    postings = with_reposts(postings, args.reposts, list(criteria.staffing_agency_names))
    print(
        f"built {len(postings):,} demo postings in {time.perf_counter() - started:.2f} s "
        f"({len(criteria.target_job_titles)} titles, {len(criteria.target_states)} states); "
        f"peak RSS {peak_rss_mib():.0f} MiB"
    )

    rates: list[float] = []
    kept: list[JobPosting] = []
    skipped: Counter[str] = Counter()
    for run in range(1, args.repeat + 1):
        if not args.warm:
            forget_cached_names()
        # The garbage of building the batch (or of the previous run) is not the rules' to collect.
        del kept, skipped
        gc.collect()
        clock = GcClock()
        gc.callbacks.append(clock)
        started = time.perf_counter()
        kept, skipped = rules.prepare_batch(postings, criteria)
        elapsed = time.perf_counter() - started
        gc.callbacks.remove(clock)
        rates.append(len(postings) / elapsed)
        print(
            f"run {run}: {elapsed:.3f} s, {rates[-1]:,.0f} postings/s "
            f"(garbage collection {clock.seconds:.3f} s, {clock.full} full)"
        )

    best, median = max(rates), statistics.median(rates)
    verdict = "PASS" if median >= TARGET_PER_SECOND else "MISS"
    print(f"best {best:,.0f} postings/s, median {median:,.0f} postings/s (target >= {TARGET_PER_SECOND:,}: {verdict})")
    print(f"kept {len(kept):,}; skipped " + ", ".join(f"{reason} {n:,}" for reason, n in sorted(skipped.items())))
    print(f"peak RSS {peak_rss_mib():.0f} MiB")

    if args.profile:
        forget_cached_names()
        profiler = cProfile.Profile()
        profiler.runcall(rules.prepare_batch, postings, criteria)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
