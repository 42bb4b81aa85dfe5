"""The settings catalog (SOP §12): every key, its type, default, section and whether it is a secret.

The gateway owns the values (table ``gateway.settings``) and mirrors each one into the JetStream KV bucket
``settings`` as JSON: ``{"value": …}`` for plain settings, ``{"encrypted": "<fernet token>"}`` for secrets.
Services read that bucket and fall back to the defaults below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from ra_contracts import defaults

SettingType = Literal["string", "secret", "int", "float", "bool", "string_list", "enum"]

SECTIONS: tuple[str, ...] = (
    "job_sources",
    "ai",
    "contact_discovery",
    "email_validation",
    "outreach",
    "warmup",
)

#: Long enough for any provider key or host name, short enough that a pasted file is refused.
MAX_TEXT_LENGTH = 4096
#: Job-title and keyword lists are edited as chips; thousands of them would only slow every pipeline run.
MAX_LIST_ITEMS = 1000


@dataclass(frozen=True)
class SettingSpec:
    key: str
    type: SettingType
    default: Any
    section: str
    description: str
    #: ``enum``: the allowed values; ``string_list``: the allowed items (empty = free text).
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    #: ``string_list`` only: fewest items a useful value has (e.g. at least one target state).
    min_items: int = 0
    #: A unit shown next to numbers in the dashboard ("%", "minutes", "days" …).
    unit: str = ""

    @property
    def secret(self) -> bool:
        return self.type == "secret"


def _secret(key: str, section: str, description: str) -> SettingSpec:
    return SettingSpec(key, "secret", "", section, description)


_VALIDATION_PROVIDERS = (
    "mock",
    "builtin",
    "neverbounce",
    "zerobounce",
    "hunter",
    "clearout",
    "emailable",
    "mailboxvalidator",
    "reacher",
)

# SOP §7.1 "Warmup Phases (Default Configuration)": (days, min emails/day, max emails/day) per phase.
_WARMUP_PHASES: tuple[tuple[int, int, int], ...] = ((7, 2, 5), (7, 5, 15), (7, 15, 25), (9, 25, 35))


def _warmup_phase_specs() -> tuple[SettingSpec, ...]:
    specs: list[SettingSpec] = []
    for n, (days, low, high) in enumerate(_WARMUP_PHASES, start=1):
        specs += [
            SettingSpec(
                f"warmup_phase_{n}_days",
                "int",
                days,
                "warmup",
                f"Length of warmup phase {n}",
                minimum=1,
                maximum=90,
                unit="days",
            ),
            SettingSpec(
                f"warmup_phase_{n}_min_emails",
                "int",
                low,
                "warmup",
                f"Fewest warmup emails a mailbox sends per day in phase {n}",
                minimum=0,
                maximum=500,
                unit="emails/day",
            ),
            SettingSpec(
                f"warmup_phase_{n}_max_emails",
                "int",
                high,
                "warmup",
                f"Most warmup emails a mailbox sends per day in phase {n}",
                minimum=1,
                maximum=500,
                unit="emails/day",
            ),
        ]
    return tuple(specs)


_SPECS: tuple[SettingSpec, ...] = (
    # Job sources (§12.1 "Job Source Configuration", §12.2)
    _secret("jsearch_api_key", "job_sources", "JSearch (RapidAPI) key"),
    _secret("apollo_api_key", "job_sources", "Apollo.io key (job postings and contacts)"),
    SettingSpec(
        "enabled_sources",
        "string_list",
        ["demo"],
        "job_sources",
        "Job sources used by lead sourcing",
        choices=("demo", "jsearch", "apollo", "jobspy"),
        min_items=1,
    ),
    SettingSpec(
        "target_job_titles",
        "string_list",
        list(defaults.TARGET_JOB_TITLES),
        "job_sources",
        "Target job titles",
        min_items=1,
    ),
    SettingSpec(
        "target_states",
        "string_list",
        list(defaults.US_STATES),
        "job_sources",
        "Target US states (two-letter codes)",
        choices=tuple(defaults.US_STATES),
        min_items=1,
    ),
    SettingSpec(
        "exclude_it_keywords", "string_list", list(defaults.EXCLUDE_IT_KEYWORDS), "job_sources", "IT exclusion keywords"
    ),
    SettingSpec(
        "exclude_staffing_keywords",
        "string_list",
        list(defaults.EXCLUDE_STAFFING_KEYWORDS),
        "job_sources",
        "Staffing-firm exclusion keywords",
    ),
    SettingSpec(
        "target_industries", "string_list", list(defaults.TARGET_INDUSTRIES), "job_sources", "Target industries"
    ),
    SettingSpec(
        "posted_within_days",
        "int",
        30,
        "job_sources",
        "Only postings published within this many days (the SOP's 30-day window)",
        minimum=1,
        maximum=90,
        unit="days",
    ),
    SettingSpec(
        "jsearch_titles_per_query",
        "int",
        4,
        "job_sources",
        "JSearch: target titles combined into one query (4 keeps queries under JSearch's timeouts)",
        minimum=1,
        maximum=10,
    ),
    SettingSpec(
        "jsearch_pages_per_query",
        "int",
        3,
        "job_sources",
        "JSearch: result pages fetched per query (10 results a page)",
        minimum=1,
        maximum=20,
    ),
    SettingSpec(
        "jobspy_sites",
        "string_list",
        ["indeed", "linkedin", "glassdoor", "zip_recruiter", "google"],
        "job_sources",
        "JobSpy: job boards scraped (no key needed)",
        choices=("indeed", "linkedin", "glassdoor", "zip_recruiter", "google"),
        min_items=1,
    ),
    SettingSpec(
        "jobspy_results_per_search",
        "int",
        30,
        "job_sources",
        "JobSpy: postings asked of each board per search",
        minimum=1,
        maximum=500,
    ),
    SettingSpec(
        "source_timeout_seconds",
        "int",
        30,
        "job_sources",
        "Timeout of one request to a job source (a JobSpy search gets ten times this)",
        minimum=1,
        maximum=600,
        unit="seconds",
    ),
    SettingSpec(
        "staffing_agency_names",
        "string_list",
        list(defaults.STAFFING_AGENCY_NAMES),
        "job_sources",
        "Staffing agencies known by name (their reposts of a client's job are collapsed; their own postings excluded)",
    ),
    # AI content (§10, §12.1 "AI Configuration")
    SettingSpec(
        "warmup_ai_provider",
        "enum",
        "groq",
        "ai",
        "AI provider for warmup content (templates are used while it has no key)",
        choices=("groq", "openai", "anthropic", "gemini"),
    ),
    _secret("groq_api_key", "ai", "Groq API key"),
    _secret("openai_api_key", "ai", "OpenAI API key"),
    _secret("anthropic_api_key", "ai", "Anthropic API key"),
    _secret("gemini_api_key", "ai", "Google Gemini API key"),
    SettingSpec(
        "warmup_ai_temperature", "float", 0.8, "ai", "Sampling temperature for generated content", minimum=0, maximum=2
    ),
    SettingSpec(
        "warmup_ai_max_words",
        "int",
        200,
        "ai",
        "Maximum length of a generated email",
        minimum=20,
        maximum=2000,
        unit="words",
    ),
    # Contact discovery (§12.1)
    SettingSpec(
        "contact_provider",
        "enum",
        "mock",
        "contact_discovery",
        "Contact provider ('mock' = the demo provider)",
        choices=("mock", "demo", "apollo", "seamless"),
    ),
    _secret("seamless_api_key", "contact_discovery", "Seamless.ai key"),
    SettingSpec("max_contacts_per_job", "int", 4, "contact_discovery", "Contacts kept per lead", minimum=1, maximum=25),
    SettingSpec(
        "auto_enrich_on_lead_created",
        "bool",
        True,
        "contact_discovery",
        "Enrich each new lead as soon as it is created",
    ),
    SettingSpec(
        "contact_priority_p1_patterns",
        "string_list",
        list(defaults.PRIORITY_TITLE_PATTERNS["P1"]),
        "contact_discovery",
        "P1 titles (regular expressions, whole words): job poster, hiring manager, TA director",
    ),
    SettingSpec(
        "contact_priority_p2_patterns",
        "string_list",
        list(defaults.PRIORITY_TITLE_PATTERNS["P2"]),
        "contact_discovery",
        "P2 titles: recruiter, HR coordinator, TA specialist",
    ),
    SettingSpec(
        "contact_priority_p3_patterns",
        "string_list",
        list(defaults.PRIORITY_TITLE_PATTERNS["P3"]),
        "contact_discovery",
        "P3 titles: HR manager, HRBP, HR director, VP HR",
    ),
    SettingSpec(
        "contact_priority_p4_patterns",
        "string_list",
        list(defaults.PRIORITY_TITLE_PATTERNS["P4"]),
        "contact_discovery",
        "P4 titles: operations, plant, production manager",
    ),
    SettingSpec(
        "contact_priority_p5_patterns",
        "string_list",
        list(defaults.PRIORITY_TITLE_PATTERNS["P5"]),
        "contact_discovery",
        "P5 titles: any other decision-maker title worth contacting",
    ),
    SettingSpec(
        "contact_cache_days",
        "int",
        30,
        "contact_discovery",
        "A paid provider's answer for a company (and state) is reused this long instead of asking again",
        minimum=0,
        maximum=365,
        unit="days",
    ),
    # Email validation (§4, §12.1)
    SettingSpec(
        "email_validation_provider",
        "enum",
        "mock",
        "email_validation",
        "Email validation provider ('mock' = the demo provider, 'builtin' = key-free SMTP verifier)",
        choices=_VALIDATION_PROVIDERS,
    ),
    _secret("neverbounce_api_key", "email_validation", "NeverBounce API key"),
    _secret("zerobounce_api_key", "email_validation", "ZeroBounce API key"),
    _secret("hunter_api_key", "email_validation", "Hunter API key"),
    _secret("clearout_api_key", "email_validation", "Clearout API key"),
    _secret("emailable_api_key", "email_validation", "Emailable API key"),
    _secret("mailboxvalidator_api_key", "email_validation", "MailboxValidator API key"),
    _secret("reacher_api_key", "email_validation", "Reacher API key"),
    SettingSpec(
        "reacher_api_url",
        "string",
        "https://api.reacher.email/v0",
        "email_validation",
        "Reacher endpoint (point it at a self-hosted Reacher to validate without a key)",
    ),
    SettingSpec(
        "builtin_helo_name",
        "string",
        "",
        "email_validation",
        "Built-in verifier: the name given in EHLO (this host's FQDN, with matching forward and reverse DNS; "
        "empty = the machine's name)",
    ),
    SettingSpec(
        "builtin_mail_from",
        "string",
        "",
        "email_validation",
        "Built-in verifier: the MAIL FROM address, a real mailbox at a domain you control (empty = verify@<HELO name>)",
    ),
    SettingSpec(
        "builtin_smtp_port",
        "int",
        25,
        "email_validation",
        "Built-in verifier: SMTP port of the mail servers",
        minimum=1,
        maximum=65535,
    ),
    SettingSpec(
        "builtin_dns_server",
        "string",
        "",
        "email_validation",
        "Built-in verifier: DNS server(s) for MX lookups, 'host' or 'host:port', comma-separated (empty = the system's)",
    ),
    SettingSpec(
        "builtin_timeout_seconds",
        "int",
        10,
        "email_validation",
        "Built-in verifier: timeout of each DNS or SMTP step",
        minimum=1,
        maximum=120,
        unit="seconds",
    ),
    SettingSpec(
        "builtin_per_domain_connections",
        "int",
        2,
        "email_validation",
        "Built-in verifier: SMTP sessions at once per mail server",
        minimum=1,
        maximum=20,
    ),
    SettingSpec(
        "builtin_per_domain_rate",
        "float",
        5.0,
        "email_validation",
        "Built-in verifier: SMTP sessions started per second per mail server",
        minimum=0.1,
        maximum=100,
    ),
    SettingSpec(
        "validation_reuse_days",
        "int",
        30,
        "email_validation",
        "A result for an address is reused this long instead of checking it again (0 = always check)",
        minimum=0,
        maximum=365,
        unit="days",
    ),
    SettingSpec(
        "auto_validate_on_contact_created",
        "bool",
        True,
        "email_validation",
        "Validate each new contact's email as soon as it is created",
    ),
    # Outreach (§5, §12.1 "Outreach Configuration")
    SettingSpec(
        "outreach_send_mode",
        "enum",
        "mailmerge",
        "outreach",
        "mailmerge = export a CSV for your email client; smtp = send directly",
        choices=("mailmerge", "smtp"),
    ),
    SettingSpec("smtp_host", "string", "", "outreach", "SMTP server host"),
    SettingSpec("smtp_port", "int", 587, "outreach", "SMTP server port", minimum=1, maximum=65535),
    SettingSpec("smtp_username", "string", "", "outreach", "SMTP user name"),
    _secret("smtp_password", "outreach", "SMTP password (app password)"),
    SettingSpec("smtp_use_starttls", "bool", True, "outreach", "Upgrade the SMTP connection with STARTTLS"),
    SettingSpec(
        "daily_send_limit", "int", 30, "outreach", "Most outreach emails sent per day", minimum=0, maximum=10000
    ),
    SettingSpec(
        "cooldown_days",
        "int",
        10,
        "outreach",
        "Days before the same contact may be emailed again",
        minimum=0,
        maximum=365,
        unit="days",
    ),
    SettingSpec(
        "rate_limit_per_minute",
        "int",
        10,
        "outreach",
        "Most emails sent per minute (delay between sends = 60 / rate; 0 = no delay, only for your own relay)",
        minimum=0,
        maximum=600,
        unit="emails/minute",
    ),
    SettingSpec("max_contacts_per_lead", "int", 4, "outreach", "Most contacts emailed per lead", minimum=1, maximum=25),
    SettingSpec(
        "outreach_postal_address",
        "string",
        "",
        "outreach",
        "The sender's postal address, printed in every email (CAN-SPAM); direct sending refuses to start without it",
    ),
    SettingSpec(
        "public_base_url",
        "string",
        "http://localhost:8000",
        "outreach",
        "Where recipients reach this system: the unsubscribe links in emails start with it",
    ),
    SettingSpec(
        "outreach_retry_minutes",
        "int",
        30,
        "outreach",
        "Wait before retrying a send the recipient's server deferred (4xx)",
        minimum=1,
        maximum=1440,
        unit="minutes",
    ),
    SettingSpec(
        "mailbox_connection_timeout_seconds",
        "int",
        15,
        "warmup",
        "Time allowed for each step of a mailbox connection test (connect, TLS, login)",
        minimum=1,
        maximum=120,
        unit="seconds",
    ),
    SettingSpec(
        "outreach_auto_send_enabled",
        "bool",
        False,
        "outreach",
        "Send automatically: every 5 minutes a send run reaches the contacts that became eligible (off: only "
        "when a run is started)",
    ),
    # Warmup (§7, §8, §12.1 "Warmup Configuration")
    *_warmup_phase_specs(),
    SettingSpec(
        "warmup_health_weight_bounce",
        "int",
        35,
        "warmup",
        "Health-score weight of the bounce rate",
        minimum=0,
        maximum=100,
        unit="%",
    ),
    SettingSpec(
        "warmup_health_weight_reply",
        "int",
        25,
        "warmup",
        "Health-score weight of the reply rate",
        minimum=0,
        maximum=100,
        unit="%",
    ),
    SettingSpec(
        "warmup_health_weight_complaint",
        "int",
        25,
        "warmup",
        "Health-score weight of the complaint rate",
        minimum=0,
        maximum=100,
        unit="%",
    ),
    SettingSpec(
        "warmup_health_weight_age",
        "int",
        15,
        "warmup",
        "Health-score weight of the account age",
        minimum=0,
        maximum=100,
        unit="%",
    ),
    SettingSpec(
        "warmup_auto_pause_bounce_rate",
        "float",
        5.0,
        "warmup",
        "Pause a mailbox when its bounce rate exceeds this",
        minimum=0,
        maximum=100,
        unit="%",
    ),
    SettingSpec(
        "warmup_auto_pause_complaint_rate",
        "float",
        0.3,
        "warmup",
        "Pause a mailbox when its complaint rate exceeds this",
        minimum=0,
        maximum=100,
        unit="%",
    ),
    SettingSpec("warmup_peer_enabled", "bool", True, "warmup", "Mailboxes send warmup emails to each other"),
    SettingSpec(
        "warmup_peer_max_per_pair",
        "int",
        3,
        "warmup",
        "Most warmup emails between the same two mailboxes per day",
        minimum=1,
        maximum=50,
        unit="emails/day",
    ),
    SettingSpec("warmup_auto_reply_enabled", "bool", True, "warmup", "Reply automatically to received warmup emails"),
    SettingSpec(
        "warmup_auto_reply_rate",
        "float",
        0.5,
        "warmup",
        "Share of received warmup emails that get a reply",
        minimum=0,
        maximum=1,
    ),
    SettingSpec(
        "warmup_auto_reply_min_delay_minutes",
        "int",
        15,
        "warmup",
        "Shortest delay before an auto-reply",
        minimum=0,
        maximum=1440,
        unit="minutes",
    ),
    SettingSpec(
        "warmup_auto_reply_max_delay_minutes",
        "int",
        90,
        "warmup",
        "Longest delay before an auto-reply",
        minimum=0,
        maximum=1440,
        unit="minutes",
    ),
    SettingSpec("warmup_skip_weekends", "bool", True, "warmup", "Send no warmup emails on Saturdays and Sundays"),
)

SETTINGS: dict[str, SettingSpec] = {s.key: s for s in _SPECS}


def default(key: str) -> Any:
    return SETTINGS[key].default


def validate(spec: SettingSpec, value: Any) -> Any:
    """``value`` as the setting's type, or :class:`ValueError` saying why it does not fit.

    Strings are stripped and lists de-duplicated (keeping order), so what is stored is what pipelines use.
    """
    match spec.type:
        case "string" | "secret":
            return _text(spec, value)
        case "int":
            return _bounded(spec, _integer(spec, value))
        case "float":
            return _bounded(spec, _number(spec, value))
        case "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{spec.key} must be true or false, got {_kind(value)}")
            return value
        case "enum":
            return _choice(spec, _text(spec, value), what="one of")
        case "string_list":
            return _string_list(spec, value)
    raise ValueError(f"{spec.key} has an unknown type {spec.type!r}")  # pragma: no cover - catalog bug


def _kind(value: Any) -> str:
    # Secrets may arrive here, so an error names only the JSON type of a bad value, never the value itself.
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _text(spec: SettingSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{spec.key} must be a string, got {_kind(value)}")
    text = value.strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"{spec.key} must be at most {MAX_TEXT_LENGTH} characters")
    return text


def _integer(spec: SettingSpec, value: Any) -> int:
    # bool is an int subclass in Python; true would silently become 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{spec.key} must be a whole number, got {_kind(value)}")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{spec.key} must be a whole number, got {value}")
    return int(value)


def _number(spec: SettingSpec, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{spec.key} must be a number, got {_kind(value)}")
    if not math.isfinite(value):
        raise ValueError(f"{spec.key} must be a finite number")
    return float(value)


def _bounded(spec: SettingSpec, number: int | float) -> Any:
    if spec.minimum is not None and number < spec.minimum:
        raise ValueError(f"{spec.key} must be at least {_show(spec.minimum)}, got {number}")
    if spec.maximum is not None and number > spec.maximum:
        raise ValueError(f"{spec.key} must be at most {_show(spec.maximum)}, got {number}")
    return number


def _show(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _choice(spec: SettingSpec, text: str, *, what: str) -> str:
    # Matched without regard to case so "tx" or "NeverBounce" are taken, and stored in the catalog's spelling.
    for choice in spec.choices:
        if choice.casefold() == text.casefold():
            return choice
    # Fifty-one state codes would drown the message; the choices are in the catalog for the UI anyway.
    shown = ", ".join(spec.choices) if len(spec.choices) <= 12 else f"{spec.choices[0]} … {spec.choices[-1]}"
    raise ValueError(f"{spec.key}: {text!r} is not {what} {shown}")


def _string_list(spec: SettingSpec, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(f"{spec.key} must be a list of strings, got {_kind(value)}")
    if len(value) > MAX_LIST_ITEMS:
        raise ValueError(f"{spec.key} may hold at most {MAX_LIST_ITEMS} items")
    items: list[str] = []
    seen: set[str] = set()
    for position, item in enumerate(value):
        if not isinstance(item, str):
            raise ValueError(f"{spec.key}[{position}] must be a string, got {_kind(item)}")
        text = item.strip()
        if not text:
            raise ValueError(f"{spec.key}[{position}] is empty")
        if spec.choices:
            what = "a two-letter US state code:" if spec.key == "target_states" else "one of"
            text = _choice(spec, text, what=what)
        if text.casefold() not in seen:
            seen.add(text.casefold())
            items.append(text)
    if len(items) < spec.min_items:
        raise ValueError(f"{spec.key} needs at least {spec.min_items} item{'s' if spec.min_items > 1 else ''}")
    return items
