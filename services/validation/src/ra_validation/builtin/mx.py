"""Where mail for a domain is delivered (RFC 5321 §5.1): its MX hosts by preference with their addresses,
or, when the domain has no MX records, the domain itself as an implicit MX of preference 0.

Answers are cached per domain for ``cache_seconds``, and concurrent lookups of one domain share a single
query, so checking a list with hundreds of addresses at one company costs one MX lookup.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.resolver

#: MX hosts whose addresses are looked up and tried, best first; more than this is misconfiguration.
MAX_HOSTS = 5

RouteProblem = Literal["no_mx", "timeout", "dns_error"]


@dataclass(frozen=True)
class MailHost:
    name: str
    preference: int
    addresses: tuple[str, ...]
    #: why ``addresses`` is empty: ``nxdomain``, ``no_address``, ``timeout`` or ``dns_error``
    error: str | None = None


@dataclass(frozen=True)
class MailRoute:
    domain: str
    #: best first; hosts of equal preference in random order (RFC 5321 §5.1 asks senders to spread load)
    hosts: tuple[MailHost, ...]
    #: no MX records: the domain's own A/AAAA records are the mail host
    implicit: bool
    lookup_ms: float

    @property
    def limit_key(self) -> str:
        """What per-server limits are counted against: the primary MX host, so that every domain hosted at
        one provider (all Google Workspace domains share ``aspmx.l.google.com``) shares one budget."""
        return self.hosts[0].name if self.hosts else self.domain

    def to_raw(self) -> list[dict[str, object]]:
        return [
            {"host": h.name, "preference": h.preference, "addresses": list(h.addresses)}
            | ({"error": h.error} if h.error else {})
            for h in self.hosts
        ]


@dataclass(frozen=True)
class RouteFailure:
    """No mail host could be found: ``no_mx`` is an answer (the domain takes no mail), the others are not."""

    problem: RouteProblem
    detail: str
    lookup_ms: float


def make_resolver(nameservers: list[tuple[str, int]] | None, timeout: float) -> dns.asyncresolver.Resolver:
    """A stub resolver for the given servers, or the system's (``/etc/resolv.conf``) when there are none."""
    if nameservers:
        resolver = dns.asyncresolver.Resolver(configure=False)
        # ip_address raises ValueError for a name: a resolver has to be reachable without resolving.
        resolver.nameservers = [
            dns.nameserver.Do53Nameserver(str(ipaddress.ip_address(host)), port) for host, port in nameservers
        ]
    else:
        resolver = dns.asyncresolver.Resolver()
    resolver.lifetime = timeout
    resolver.timeout = min(2.0, timeout)
    return resolver


class MailRouter:
    def __init__(
        self,
        resolver: dns.asyncresolver.Resolver,
        *,
        cache_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.resolver = resolver
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, MailRoute | RouteFailure]] = {}
        self._pending: dict[str, asyncio.Task[MailRoute | RouteFailure]] = {}
        self._prune_at = 4096
        #: DNS lookups actually sent for domains (cache misses); for tests and the benchmark
        self.lookups = 0

    async def route(self, domain: str) -> MailRoute | RouteFailure:
        """The mail route of ``domain`` (ASCII, lower case). Never raises for DNS trouble."""
        hit = self._cache.get(domain)
        if hit is not None and hit[0] > self._clock():
            return hit[1]
        task = self._pending.get(domain)
        if task is None:
            task = asyncio.create_task(self._lookup(domain), name=f"mx:{domain}")
            self._pending[domain] = task
            task.add_done_callback(lambda t: self._settle(domain, t))
        # One waiter giving up (cancelled) must not cancel the lookup the others wait for.
        return await asyncio.shield(task)

    def _settle(self, domain: str, task: asyncio.Task[MailRoute | RouteFailure]) -> None:
        self._pending.pop(domain, None)
        if task.cancelled() or task.exception() is not None:
            return
        result = task.result()
        # Only definite answers are kept: a timeout or SERVFAIL now says nothing about a minute from now.
        if isinstance(result, MailRoute):
            definite = all(h.error in (None, "nxdomain", "no_address") for h in result.hosts)
        else:
            definite = result.problem == "no_mx"
        if not definite:
            return
        now = self._clock()
        if len(self._cache) >= self._prune_at:
            for key in [k for k, (expires, _) in self._cache.items() if expires <= now]:
                del self._cache[key]
            self._prune_at = max(4096, 2 * len(self._cache))
        self._cache[domain] = (now + self.cache_seconds, result)

    async def _lookup(self, domain: str) -> MailRoute | RouteFailure:
        self.lookups += 1
        started = time.perf_counter()

        def elapsed() -> float:
            return round((time.perf_counter() - started) * 1000, 2)

        try:
            answer = await self.resolver.resolve(domain, "MX", search=False)
        except dns.resolver.NXDOMAIN:
            return RouteFailure("no_mx", "the domain does not exist (NXDOMAIN)", elapsed())
        except dns.resolver.NoAnswer:
            addresses, error = await self._addresses(domain)
            if addresses:
                return MailRoute(domain, (MailHost(domain, 0, addresses),), implicit=True, lookup_ms=elapsed())
            if error == "timeout":
                return RouteFailure("timeout", "DNS timeout looking up the domain's A/AAAA records", elapsed())
            if error == "dns_error":
                return RouteFailure("dns_error", "DNS failure looking up the domain's A/AAAA records", elapsed())
            return RouteFailure("no_mx", "no MX records and no A/AAAA records", elapsed())
        except dns.exception.Timeout:
            return RouteFailure("timeout", "DNS timeout looking up MX records", elapsed())
        except dns.resolver.NoNameservers as exc:
            return RouteFailure("dns_error", f"no name server answered: {exc}", elapsed())
        except dns.exception.DNSException as exc:
            return RouteFailure("dns_error", f"{type(exc).__name__}: {exc}", elapsed())

        records = [(r.preference, r.exchange) for r in answer]  # type: ignore[attr-defined]
        if any(exchange == dns.name.root for _, exchange in records):
            # RFC 7505 null MX: the domain states that it accepts no mail at all.
            return RouteFailure("no_mx", "null MX: the domain accepts no mail (RFC 7505)", elapsed())
        random.shuffle(records)
        records.sort(key=lambda r: r[0])
        names = [(pref, exchange.to_text(omit_final_dot=True).lower()) for pref, exchange in records[:MAX_HOSTS]]
        resolved = await asyncio.gather(*(self._addresses(name) for _, name in names))
        hosts = tuple(
            MailHost(name, pref, addresses, error)
            for (pref, name), (addresses, error) in zip(names, resolved, strict=True)
        )
        return MailRoute(domain, hosts, implicit=False, lookup_ms=elapsed())

    async def _addresses(self, name: str) -> tuple[tuple[str, ...], str | None]:
        """IPv4 addresses first (most probe hosts have no IPv6 route), then IPv6; or why there are none."""
        try:
            return (str(ipaddress.ip_address(name)),), None  # an MX pointing at an address literal
        except ValueError:
            pass
        found: list[str] = []
        error: str | None = None
        for rdtype in ("A", "AAAA"):
            try:
                answer = await self.resolver.resolve(name, rdtype, search=False)
            except dns.resolver.NXDOMAIN:
                return (), "nxdomain"
            except dns.resolver.NoAnswer:
                continue
            except dns.exception.Timeout:
                return (), "timeout"  # asking for AAAA too would only double the wait
            except dns.exception.DNSException:
                error = error or "dns_error"
                continue
            found.extend(r.to_text() for r in answer)
            if found:
                break
        if found:
            return tuple(found), None
        return (), error or "no_address"
