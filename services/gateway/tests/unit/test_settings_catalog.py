"""The settings catalog (SOP §12) and its validation, without any server."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from ra_contracts.settings import SECTIONS, SETTINGS, validate
from ra_gateway.api.settings_routes import Section
from ra_gateway.settings_service import bucket_entry


def test_sop_defaults() -> None:
    expected = {
        # §12.2 "Key Settings Reference"
        "jsearch_api_key": "",
        "apollo_api_key": "",
        "contact_provider": "mock",
        "email_validation_provider": "mock",
        "warmup_ai_provider": "groq",
        "groq_api_key": "",
        "warmup_phase_1_days": 7,
        "warmup_phase_1_min_emails": 2,
        "warmup_phase_1_max_emails": 5,
        "warmup_peer_enabled": True,
        "warmup_auto_reply_enabled": True,
        "warmup_auto_reply_rate": 0.5,
        "warmup_skip_weekends": True,
        # §12.1 and the sections it points to
        "warmup_ai_temperature": 0.8,
        "warmup_ai_max_words": 200,
        "max_contacts_per_job": 4,
        "outreach_send_mode": "mailmerge",
        "daily_send_limit": 30,
        "cooldown_days": 10,
        "warmup_health_weight_bounce": 35,
        "warmup_health_weight_reply": 25,
        "warmup_health_weight_complaint": 25,
        "warmup_health_weight_age": 15,
        "warmup_auto_pause_bounce_rate": 5.0,
        "warmup_auto_pause_complaint_rate": 0.3,
        "warmup_auto_reply_min_delay_minutes": 15,
        "warmup_auto_reply_max_delay_minutes": 90,
    }
    assert {key: SETTINGS[key].default for key in expected} == expected
    assert len(SETTINGS["target_job_titles"].default) == 37
    assert len(SETTINGS["exclude_it_keywords"].default) == 14
    assert len(SETTINGS["target_states"].default) >= 50


def test_warmup_phases_follow_the_sop_table() -> None:
    phases = [
        tuple(SETTINGS[f"warmup_phase_{n}_{what}"].default for what in ("days", "min_emails", "max_emails"))
        for n in range(1, 5)
    ]
    assert phases == [(7, 2, 5), (7, 5, 15), (7, 15, 25), (9, 25, 35)]
    assert sum(days for days, _, _ in phases) == 30
    weights = [SETTINGS[f"warmup_health_weight_{m}"].default for m in ("bounce", "reply", "complaint", "age")]
    assert sum(weights) == 100


def test_every_provider_has_its_key() -> None:
    for provider in SETTINGS["email_validation_provider"].choices:
        if provider not in ("mock", "builtin"):
            assert SETTINGS[f"{provider}_api_key"].secret
    for provider in SETTINGS["warmup_ai_provider"].choices:
        assert SETTINGS[f"{provider}_api_key"].secret
    assert SETTINGS["smtp_password"].secret


def test_catalog_is_consistent() -> None:
    assert get_args(Section) == SECTIONS
    for spec in SETTINGS.values():
        assert spec.section in SECTIONS, spec.key
        assert validate(spec, spec.default) == spec.default, spec.key
        if spec.type == "enum":
            assert spec.default in spec.choices


@pytest.mark.parametrize(
    ("key", "value", "typed"),
    [
        ("daily_send_limit", 45.0, 45),
        ("warmup_ai_temperature", 1, 1.0),
        ("target_states", ["tx", " CA ", "TX"], ["TX", "CA"]),
        ("email_validation_provider", "NeverBounce", "neverbounce"),
        ("target_job_titles", ["  Plant Manager ", "plant manager", "HR Director"], ["Plant Manager", "HR Director"]),
        ("smtp_host", " smtp.office365.com ", "smtp.office365.com"),
        ("groq_api_key", "", ""),
    ],
)
def test_values_are_normalised(key: str, value: Any, typed: Any) -> None:
    assert validate(SETTINGS[key], value) == typed


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("daily_send_limit", 2.5, "whole number"),
        ("daily_send_limit", None, "got null"),
        ("warmup_ai_temperature", float("nan"), "finite"),
        ("warmup_ai_temperature", 2.5, "at most 2"),
        ("smtp_port", 0, "at least 1"),
        ("warmup_skip_weekends", 1, "true or false"),
        ("target_states", "TX", "list of strings"),
        ("target_states", ["Texas"], "two-letter US state code"),
        ("exclude_it_keywords", ["software", " "], "[1] is empty"),
        ("warmup_ai_provider", "llama", "groq, openai, anthropic, gemini"),
        ("groq_api_key", 12345, "must be a string"),
        ("smtp_host", "x" * 5000, "at most 4096 characters"),
    ],
)
def test_bad_values_say_why(key: str, value: Any, reason: str) -> None:
    with pytest.raises(ValueError, match=None) as raised:
        validate(SETTINGS[key], value)
    assert reason in str(raised.value) and key in str(raised.value)


def test_a_refused_secret_is_not_echoed() -> None:
    with pytest.raises(ValueError) as raised:
        validate(SETTINGS["openai_api_key"], ["sk-secret-value"])
    assert "sk-secret-value" not in str(raised.value)


def test_bucket_entries_are_what_services_read() -> None:
    assert bucket_entry("int", 30) == b'{"value":30}'
    assert bucket_entry("string_list", ["TX"]) == b'{"value":["TX"]}'
    assert bucket_entry("secret", {"encrypted": "gAAAA"}) == b'{"encrypted":"gAAAA"}'
