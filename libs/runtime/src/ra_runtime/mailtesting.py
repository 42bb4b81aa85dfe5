"""Real mail servers for tests, in the test's own event loop: SMTP (aiosmtpd) with AUTH, STARTTLS or implicit
TLS, a server that never greets, a tiny IMAP4rev1 server, and self-signed certificates.

Test-only (aiosmtpd is a development dependency); nothing here is imported by a service.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import re
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate (its own CA) and its key, as PEM files."""

    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert_file), str(self.key_file))
        return context


def self_signed(
    directory: Path, name: str, *, dns_names: tuple[str, ...] = ("localhost",), ips: tuple[str, ...] = ()
) -> Certificate:
    """A certificate for ``dns_names`` and ``ips``, signed by its own key (trust it by its ``cert_file``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_names[0] if dns_names else name)])
    now = dt.datetime.now(dt.UTC)
    alt: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    alt += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return Certificate(cert_file, key_file)


@dataclass
class RunningServer:
    host: str
    port: int
    server: asyncio.base_events.Server
    #: messages an SMTP server accepted (envelope objects of aiosmtpd)
    received: list[Any] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)


@contextlib.asynccontextmanager
async def smtp_server(
    *,
    users: dict[str, str] | None = None,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
    require_tls_for_auth: bool = False,
    greeting_hostname: str = "mail.test",
    host: str = "127.0.0.1",
) -> AsyncIterator[RunningServer]:
    """An aiosmtpd server in this loop. ``users``: login → password (AUTH LOGIN/PLAIN offered when given);
    ``starttls``: offer STARTTLS with this server context; ``implicit_tls``: TLS from the first byte."""
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    loop = asyncio.get_running_loop()
    holder: dict[str, RunningServer] = {}

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            holder["s"].received.append(envelope)
            return "250 2.0.0 Message accepted"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or users is None:
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        ok = users.get(login) == password
        holder["s"].logins.append((login, ok))
        return AuthResult(success=ok, handled=False)

    def factory() -> SMTP:
        return SMTP(
            Handler(),
            hostname=greeting_hostname,
            tls_context=starttls,
            require_starttls=False,
            auth_required=False,
            auth_require_tls=require_tls_for_auth,
            authenticator=authenticator if users is not None else None,
            loop=loop,
        )

    server = await loop.create_server(factory, host, 0, ssl=implicit_tls)
    port = server.sockets[0].getsockname()[1]
    running = RunningServer(host, port, server)
    holder["s"] = running
    try:
        yield running
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 5)


@contextlib.asynccontextmanager
async def silent_server(host: str = "127.0.0.1") -> AsyncIterator[RunningServer]:
    """Accepts TCP connections and never says a word (a tarpit): the client's timeout must end it."""
    writers: list[asyncio.StreamWriter] = []

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        with contextlib.suppress(Exception):
            await reader.read()

    server = await asyncio.start_server(on_client, host, 0)
    running = RunningServer(host, server.sockets[0].getsockname()[1], server)
    try:
        yield running
    finally:
        for w in writers:
            w.close()
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 5)


_ARG = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


def _imap_args(text: str) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", q) if q or not a else a for q, a in _ARG.findall(text)]


@contextlib.asynccontextmanager
async def imap_server(
    *,
    users: dict[str, str],
    implicit_tls: ssl.SSLContext | None = None,
    starttls: ssl.SSLContext | None = None,
    greeting: str = "* OK IMAP4rev1 test server ready",
    host: str = "127.0.0.1",
) -> AsyncIterator[RunningServer]:
    """Just enough IMAP4rev1 (RFC 3501) for a login check: greeting, CAPABILITY, STARTTLS, LOGIN, LOGOUT."""
    holder: dict[str, RunningServer] = {}

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tls = implicit_tls is not None
        try:
            writer.write(greeting.encode() + b"\r\n")
            await writer.drain()
            while line := await reader.readline():
                tag, _, rest = line.decode(errors="replace").rstrip("\r\n").partition(" ")
                command, _, args = rest.partition(" ")
                command = command.upper()
                if command == "CAPABILITY":
                    caps = "IMAP4rev1 AUTH=PLAIN" + (" STARTTLS" if starttls is not None and not tls else "")
                    writer.write(f"* CAPABILITY {caps}\r\n{tag} OK CAPABILITY completed\r\n".encode())
                elif command == "STARTTLS" and starttls is not None and not tls:
                    writer.write(f"{tag} OK Begin TLS negotiation now\r\n".encode())
                    await writer.drain()
                    await writer.start_tls(starttls)
                    tls = True
                    continue
                elif command == "LOGIN":
                    parts = _imap_args(args)
                    ok = len(parts) == 2 and users.get(parts[0]) == parts[1]
                    holder["s"].logins.append((parts[0] if parts else "", ok))
                    if ok:
                        writer.write(f"{tag} OK LOGIN completed\r\n".encode())
                    else:
                        writer.write(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n".encode())
                elif command == "LOGOUT":
                    writer.write(f"* BYE logging out\r\n{tag} OK LOGOUT completed\r\n".encode())
                    await writer.drain()
                    break
                elif command == "NOOP":
                    writer.write(f"{tag} OK NOOP completed\r\n".encode())
                else:
                    writer.write(f"{tag} BAD unknown command\r\n".encode())
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_client, host, 0, ssl=implicit_tls)
    running = RunningServer(host, server.sockets[0].getsockname()[1], server)
    holder["s"] = running
    try:
        yield running
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 5)


def closed_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (bound then released, so the kernel refuses connections to it)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
