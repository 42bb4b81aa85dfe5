"""Connections to the mail servers of user-entered mailboxes: checked before connecting, precise when failing.

A mailbox's SMTP/IMAP host is typed in by a person, so before any packet leaves, :func:`resolve_checked`
resolves it and refuses addresses inside the cluster or the cloud (loopback, private, link-local, metadata,
…) and ports that are not mail ports — unless the operator allows private hosts (``RA_ALLOW_PRIVATE_MAIL_HOSTS``,
for local development and tests). The connection then goes to the *checked* address (no second lookup that
could answer differently), while TLS is verified against the host *name*.

Every failure is a :class:`MailConnectError` whose ``kind`` says what a person should fix — ``blocked``,
``dns``, ``refused``, ``timeout``, ``tls``, ``auth`` or ``protocol`` — and whose message carries the server's
own reply when there was one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import os
import socket
import ssl
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import aiosmtplib

# aiosmtplib and aioimaplib are imported where used: only the services that talk to mail servers install them.

MailErrorKind = Literal["blocked", "dns", "refused", "timeout", "tls", "auth", "protocol"]
MailStage = Literal["guard", "resolve", "connect", "tls", "login"]

#: The ports mail servers listen on (SMTP 25/465/587/2525, IMAP 143/993); ``RA_MAIL_PORTS`` overrides.
DEFAULT_MAIL_PORTS = "25,465,587,2525,143,993"

_METADATA = (ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"))
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class MailConnectError(Exception):
    """A mail connection that could not be made; ``kind`` and ``stage`` are meant for the person fixing it."""

    def __init__(self, kind: MailErrorKind, stage: MailStage, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.kind: MailErrorKind = kind
        self.stage: MailStage = stage
        self.message = message
        #: the server's reply code, when the failure was a reply
        self.code = code

    def __str__(self) -> str:
        return f"{self.kind} ({self.stage}): {self.message}"


def parse_ports(value: str | Iterable[int] | None) -> frozenset[int]:
    """``"25,465,587"`` → {25, 465, 587}; ``None`` → ``RA_MAIL_PORTS`` or the default list."""
    if value is None:
        value = os.environ.get("RA_MAIL_PORTS") or DEFAULT_MAIL_PORTS
    if isinstance(value, str):
        return frozenset(int(p) for p in value.replace(" ", "").split(",") if p)
    return frozenset(int(p) for p in value)


def blocked_reason(address: str) -> str | None:
    """Why connecting to this IP address is refused (``None``: a public address, allowed)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _METADATA:
            return "a cloud metadata address"
        mapped = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if mapped is None and ip in _NAT64:
            mapped = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if mapped is not None:
            reason = blocked_reason(str(mapped))
            return f"{reason} (inside an IPv6 address)" if reason else None
    if ip in _METADATA:
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "a carrier-grade NAT address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "a reserved address"
    return None


def _check_host_syntax(host: str) -> str:
    host = (host or "").strip().rstrip(".")
    if not host or len(host) > 253 or any(c.isspace() or ord(c) < 32 for c in host) or "/" in host:
        raise MailConnectError("blocked", "guard", f"{host!r} is not a host name")
    return host


async def resolve_checked(
    host: str,
    port: int,
    *,
    allow_private: bool,
    allowed_ports: Collection[int] | str | None = None,
    timeout: float | None = None,
) -> list[str]:
    """The host's IP addresses, once each is known to be one the service may connect to.

    Refuses a port outside ``allowed_ports`` (default ``RA_MAIL_PORTS``) and any address that is loopback,
    private, link-local, multicast, reserved, unspecified, carrier-grade NAT or a cloud metadata endpoint
    (also inside IPv4-mapped IPv6 forms) — unless ``allow_private``. A host with one refused address is
    refused as a whole: DNS answers can be shuffled to slip a bad one in.
    """
    host = _check_host_syntax(host)
    if not 0 < port < 65536:
        raise MailConnectError("blocked", "guard", f"port {port} is not a valid port")
    if not allow_private:
        ports = parse_ports(allowed_ports)
        if port not in ports:
            allowed = ", ".join(str(p) for p in sorted(ports))
            raise MailConnectError("blocked", "guard", f"port {port} is not a mail port (allowed: {allowed})")
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except TimeoutError as exc:
        raise MailConnectError("timeout", "resolve", f"looking up {host} took longer than {timeout:g} s") from exc
    except socket.gaierror as exc:
        raise MailConnectError("dns", "resolve", f"{host} cannot be resolved: {exc.strerror or exc}") from exc
    except UnicodeError as exc:
        raise MailConnectError("dns", "resolve", f"{host} is not a valid host name: {exc}") from exc
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise MailConnectError("dns", "resolve", f"{host} has no address")
    for address in addresses:
        # Cloud metadata endpoints are refused even where private mail hosts are allowed: no mail server
        # lives there, and reaching one from a pod can hand out the node's credentials.
        reason = blocked_reason(address)
        if reason and (not allow_private or "metadata" in reason):
            raise MailConnectError(
                "blocked", "guard", f"{host} resolves to {address}, {reason}: mail servers must be public hosts"
            )
    return addresses


def tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """Verifying client context: the system's CAs plus ``ca_file`` (``RA_MAIL_CA_FILE``) when given."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


async def connect_checked(host: str, addresses: list[str], port: int, *, timeout: float) -> socket.socket:
    """A TCP connection to the first of the checked addresses that answers (stage ``connect``)."""
    loop = asyncio.get_running_loop()
    last: MailConnectError | None = None
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            async with asyncio.timeout(timeout):
                await loop.sock_connect(sock, (address, port))
            return sock
        except TimeoutError:
            sock.close()
            last = MailConnectError(
                "timeout", "connect", f"{host} ({address}) port {port} did not answer within {timeout:g} s"
            )
        except ConnectionRefusedError:
            sock.close()
            last = MailConnectError("refused", "connect", f"{host} ({address}) refused the connection on port {port}")
        except OSError as exc:
            sock.close()
            last = MailConnectError(
                "refused", "connect", f"{host} ({address}) port {port} cannot be reached: {exc.strerror or exc}"
            )
    assert last is not None
    raise last


def _ssl_error(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _describe_ssl(err: ssl.SSLError) -> str:
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"the server's certificate is not trusted: {err.verify_message or err.reason}"
    return f"TLS failed: {err.reason or err}"


def _smtp_error(exc: BaseException, stage: MailStage, host: str, port: int, timeout: float) -> MailConnectError:
    """One aiosmtplib/OS failure → the kind a person can act on, with the server's reply."""
    import aiosmtplib

    if isinstance(exc, MailConnectError):
        return exc
    tls = _ssl_error(exc)
    if tls is not None:
        return MailConnectError("tls", "tls", f"{host}: {_describe_ssl(tls)}")
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return MailConnectError("auth", "login", f"login refused: {exc.code} {exc.message}", code=exc.code)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        what = {"connect": "greeting", "tls": "STARTTLS", "login": "login"}.get(stage, stage)
        return MailConnectError(
            "protocol", stage, f"{host} answered the {what} with {exc.code} {exc.message}", code=exc.code
        )
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        step = {"connect": "greet", "tls": "complete TLS", "login": "answer the login"}.get(stage, "answer")
        return MailConnectError("timeout", stage, f"{host} port {port} did not {step} within {timeout:g} s")
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | ConnectionError):
        return MailConnectError("protocol", stage, f"{host} closed the connection: {exc}")
    if isinstance(exc, aiosmtplib.SMTPException):
        message = str(exc)
        if "STARTTLS" in message:
            return MailConnectError("tls", "tls", f"{host} does not offer STARTTLS: {message}")
        return MailConnectError("protocol", stage, f"{host}: {message}")
    if isinstance(exc, OSError):
        return MailConnectError("refused", stage, f"{host}: {exc.strerror or exc}")
    raise exc


async def open_smtp(
    host: str,
    port: int,
    security: str,
    username: str | None,
    password: str | None,
    *,
    timeout: float,
    allow_private: bool,
    ca_file: str | None = None,
    allowed_ports: Collection[int] | str | None = None,
    local_hostname: str | None = None,
) -> aiosmtplib.SMTP:
    """A connected, logged-in SMTP session (the caller closes it with ``quit()``/``close()``).

    ``security``: ``starttls`` (upgrade after EHLO; refused when the server does not offer it), ``ssl``
    (implicit TLS, usually port 465) or ``none``. ``timeout`` bounds each step. Logs in when ``username`` and
    ``password`` are given. Raises :class:`MailConnectError`.
    """
    import aiosmtplib

    if security not in ("starttls", "ssl", "none"):
        raise MailConnectError("protocol", "guard", f"unknown security {security!r} (starttls, ssl or none)")
    addresses = await resolve_checked(
        host, port, allow_private=allow_private, allowed_ports=allowed_ports, timeout=timeout
    )
    host = host.strip().rstrip(".")
    sock = await connect_checked(host, addresses, port, timeout=timeout)
    smtp = aiosmtplib.SMTP(
        hostname=host,
        sock=sock,
        use_tls=security == "ssl",
        start_tls=False,
        tls_context=tls_context(ca_file),
        timeout=timeout,
        local_hostname=local_hostname or socket.gethostname() or "localhost",
    )
    stage: MailStage = "tls" if security == "ssl" else "connect"
    try:
        await smtp.connect()
        if security == "starttls":
            stage = "connect"
            await smtp.ehlo()
            stage = "tls"
            if not smtp.supports_extension("starttls"):
                raise MailConnectError(
                    "tls", "tls", f"{host} does not offer STARTTLS on port {port} (try security ssl or none)"
                )
            await smtp.starttls()
        if username and password is not None:
            stage = "login"
            await smtp.login(username, password)
    except BaseException as exc:
        # The transport owns the socket now: closing the socket itself would free its descriptor while the
        # loop still watches it.
        smtp.close()
        if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt | SystemExit):
            raise
        raise _smtp_error(exc, stage, host, port, timeout) from exc
    return smtp


# --- IMAP -----------------------------------------------------------------------------------------


async def check_imap(
    host: str,
    port: int,
    security: str,
    username: str,
    password: str,
    *,
    timeout: float,
    allow_private: bool,
    ca_file: str | None = None,
    allowed_ports: Collection[int] | str | None = None,
) -> None:
    """Log in to the IMAP server and out again; raises :class:`MailConnectError` (same kinds as SMTP).

    ``security``: ``ssl`` (implicit TLS, port 993), ``starttls`` or ``none``.
    """
    from aioimaplib import aioimaplib as imap

    if security not in ("starttls", "ssl", "none"):
        raise MailConnectError("protocol", "guard", f"unknown security {security!r} (ssl, starttls or none)")
    addresses = await resolve_checked(
        host, port, allow_private=allow_private, allowed_ports=allowed_ports, timeout=timeout
    )
    host = host.strip().rstrip(".")
    sock = await connect_checked(host, addresses, port, timeout=timeout)
    context = tls_context(ca_file)
    client = _imap_client_class()(sock, host, context if security == "ssl" else None, timeout)
    stage: MailStage = "tls" if security == "ssl" else "connect"
    try:
        await client.wait_hello_from_server()
        if client.greeting_error:
            raise MailConnectError("protocol", "connect", f"{host} refused the session: {client.greeting_error}")
        if client.connection_lost:
            raise MailConnectError("protocol", stage, f"{host} closed the connection before greeting")
        if security == "starttls":
            stage = "tls"
            await client.upgrade(context, host)
        stage = "login"
        response = await client.login(username, password)
        if response.result != "OK":
            reply = b" ".join(response.lines).decode(errors="replace").strip()
            raise MailConnectError("auth", "login", f"login refused: {response.result} {reply}".strip())
        with contextlib.suppress(Exception):
            await client.logout()
    except MailConnectError:
        client.close()
        raise
    except BaseException as exc:
        client.close()
        if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt | SystemExit):
            raise
        tls = _ssl_error(exc)
        if tls is not None:
            raise MailConnectError("tls", "tls", f"{host}: {_describe_ssl(tls)}") from exc
        if isinstance(exc, TimeoutError | imap.CommandTimeout):
            raise MailConnectError("timeout", stage, f"{host} did not answer in time") from exc
        if isinstance(exc, imap.Error):
            raise MailConnectError("protocol", stage, f"{host}: {exc}") from exc
        if isinstance(exc, ConnectionError):
            raise MailConnectError("protocol", stage, f"{host} closed the connection: {exc}") from exc
        if isinstance(exc, OSError):
            raise MailConnectError("refused", stage, f"{host}: {exc.strerror or exc}") from exc
        raise


@functools.cache
def _imap_client_class() -> Any:
    from aioimaplib import aioimaplib as imap

    class CheckedIMAP(imap.IMAP4):  # type: ignore[misc]
        """aioimaplib's client over an already connected (checked) socket, TLS verified against the name."""

        def __init__(
            self, sock: socket.socket, server_hostname: str, context: ssl.SSLContext | None, timeout: float
        ) -> None:
            self._sock = sock
            self._server_hostname = server_hostname
            self.greeting_error: str | None = None
            self.connection_lost = False
            self._greeting_failed = asyncio.Event()
            super().__init__(host=server_hostname, port=0, timeout=timeout, ssl_context=context)

        def _lost(self, exc: Exception | None) -> None:
            self.connection_lost = True
            self._greeting_failed.set()

        async def wait_hello_from_server(self) -> None:
            """The greeting, or the reason there is none — without waiting out the timeout for a refusal."""
            async with asyncio.timeout(self.timeout):
                await self._client_task
                hello = asyncio.ensure_future(self.protocol.wait("AUTH|NONAUTH"))
                failed = asyncio.ensure_future(self._greeting_failed.wait())
                try:
                    await asyncio.wait({hello, failed}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    hello.cancel()
                    failed.cancel()

        def create_client(self, host, port, loop, conn_lost_cb=None, ssl_context=None):  # type: ignore[no-untyped-def]
            local_loop = loop or asyncio.get_running_loop()
            self.protocol = imap.IMAP4ClientProtocol(local_loop, self._lost)
            original_welcome = self.protocol.welcome

            async def welcome(line: bytes) -> None:
                # aioimaplib raises a refused greeting (``* BYE``) inside a task nobody awaits; keep it.
                try:
                    await original_welcome(line)
                except imap.Error as exc:
                    self.greeting_error = str(exc)
                    self._greeting_failed.set()

            self.protocol.welcome = welcome
            self._client_task = local_loop.create_task(
                local_loop.create_connection(
                    lambda: self.protocol,
                    sock=self._sock,
                    ssl=ssl_context,
                    server_hostname=self._server_hostname if ssl_context else None,
                    ssl_handshake_timeout=self.timeout if ssl_context else None,
                )
            )

        async def upgrade(self, context: ssl.SSLContext, server_hostname: str) -> None:
            """STARTTLS (RFC 3501 §6.2.1), then the capabilities again (RFC 2595: forget the old ones)."""
            protocol = self.protocol
            if "STARTTLS" not in {c.upper() for c in protocol.capabilities}:
                raise MailConnectError("tls", "tls", f"{server_hostname} does not offer STARTTLS (try ssl or none)")
            command = imap.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
            response = await asyncio.wait_for(protocol.execute(command), self.timeout)
            if response.result != "OK":
                reply = b" ".join(response.lines).decode(errors="replace")
                raise MailConnectError("tls", "tls", f"{server_hostname} refused STARTTLS: {response.result} {reply}")
            loop = asyncio.get_running_loop()
            transport = await loop.start_tls(
                protocol.transport,
                protocol,
                context,
                server_side=False,
                server_hostname=server_hostname,
                ssl_handshake_timeout=self.timeout,
            )
            protocol.transport = transport
            await asyncio.wait_for(protocol.capability(), self.timeout)

        def close(self) -> None:
            transport = self.protocol.transport if self.protocol else None
            if transport is not None:
                transport.close()
            if not self._client_task.done():
                self._client_task.cancel()

    return CheckedIMAP
