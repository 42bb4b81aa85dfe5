"""Configuration from environment variables (documented in the README's table)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ra_runtime.secrets import DEV_SECRET_SEED, dev_key


class ServiceConfig(BaseSettings):
    """Settings every service reads. Service-specific ones add a prefix (``SOURCING_…``)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    nats_url: str = Field("nats://127.0.0.1:4222", validation_alias=AliasChoices("NATS_URL", "nats_url"))
    database_url: str = Field(
        "postgresql://postgres@127.0.0.1:5432/postgres", validation_alias=AliasChoices("DATABASE_URL", "database_url")
    )
    secret_key: str = Field("", validation_alias=AliasChoices("RA_SECRET_KEY", "secret_key"))
    env: str = Field("development", validation_alias=AliasChoices("RA_ENV", "env"))
    log_level: str = Field("INFO", validation_alias=AliasChoices("LOG_LEVEL", "log_level"))
    http_host: str = Field("0.0.0.0", validation_alias=AliasChoices("HTTP_HOST", "http_host"))
    http_port: int = Field(8080, validation_alias=AliasChoices("HTTP_PORT", "http_port"))
    batch_size: int = Field(256, validation_alias=AliasChoices("RA_BATCH_SIZE", "batch_size"))
    ack_wait_seconds: float | None = Field(
        None, validation_alias=AliasChoices("RA_ACK_WAIT_SECONDS", "ack_wait_seconds"), gt=0
    )
    retry_backoff_base: float = Field(
        0.5, validation_alias=AliasChoices("RA_RETRY_BACKOFF_BASE", "retry_backoff_base"), gt=0
    )
    #: Where files a person downloads are also written locally (the SOP's ``data/exports``); the copy
    #: served by the API lives in the JetStream object store, so any replica's file can be downloaded.
    exports_dir: str = Field("data/exports", validation_alias=AliasChoices("RA_EXPORTS_DIR", "exports_dir"))
    #: Mail servers (mailbox SMTP/IMAP hosts) on loopback, private, link-local or metadata addresses are refused
    #: unless an operator allows them: a mailbox's host is typed in by a user, so it must not reach the cluster.
    allow_private_mail_hosts: bool = Field(
        False, validation_alias=AliasChoices("RA_ALLOW_PRIVATE_MAIL_HOSTS", "allow_private_mail_hosts")
    )
    #: The ports a mailbox's SMTP or IMAP server may use (any port when private hosts are allowed).
    mail_ports: str = Field("25,465,587,2525,143,993", validation_alias=AliasChoices("RA_MAIL_PORTS", "mail_ports"))
    #: An extra CA bundle trusted for mail servers' TLS certificates (a private CA; the tests' self-signed one).
    mail_ca_file: str | None = Field(None, validation_alias=AliasChoices("RA_MAIL_CA_FILE", "mail_ca_file"))

    def refuse_unsafe_production(self) -> None:
        """In production a missing or development secret is a configuration error, not a default."""
        unsafe = not self.secret_key or DEV_SECRET_SEED in self.secret_key or dev_key() in self.secret_key
        if self.env.lower() == "production" and unsafe:
            raise SystemExit("RA_SECRET_KEY must be set to a Fernet key in production (RA_ENV=production)")
