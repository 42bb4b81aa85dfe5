"""Email templates with merge fields: ``{{first_name}}``, or with a fallback for an empty value,
``{{first_name|there}}``. Pure text work, no database."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

#: Every merge field a template may use.
MERGE_FIELDS: Final[tuple[str, ...]] = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "title",
    "company",
    "state",
    "job_title",
    "sender_name",
    "sender_email",
)

_FIELD = re.compile(r"\{\{\s*([^{}|]*?)\s*(?:\|([^{}]*))?\}\}")


class TemplateError(ValueError):
    """A template names a merge field that does not exist (or is malformed)."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(f"{part}: {message}")
        self.part = part
        self.message = message


def fields_used(text: str) -> list[str]:
    return [m.group(1) for m in _FIELD.finditer(text)]


def check_template(subject: str, body: str) -> None:
    """Raise :class:`TemplateError` naming the first unknown merge field of the subject or the body."""
    for part, text in (("subject", subject), ("body", body)):
        for name in fields_used(text):
            if name not in MERGE_FIELDS:
                raise TemplateError(
                    part, f"unknown merge field {{{{{name}}}}}; known fields: {', '.join(MERGE_FIELDS)}"
                )
        leftover = _FIELD.sub("", text)
        if "{{" in leftover or "}}" in leftover:
            raise TemplateError(part, "a merge field is not closed: write {{field}} or {{field|fallback}}")


def render(text: str, values: Mapping[str, str | None]) -> str:
    """Fill in the merge fields; an empty value takes the field's fallback, or nothing."""

    def one(m: re.Match[str]) -> str:
        value = (values.get(m.group(1)) or "").strip()
        return value or (m.group(2) or "").strip()

    return _FIELD.sub(one, text)


def merge_values(fields: Mapping[str, str | None], sender_name: str, sender_email: str) -> dict[str, str | None]:
    """The merge values of one contact (its claimed ``fields``) sent by one mailbox."""
    first, last = fields.get("first_name") or "", fields.get("last_name") or ""
    return {
        "first_name": first,
        "last_name": last,
        "full_name": " ".join(p for p in (first, last) if p),
        "email": fields.get("email"),
        "title": fields.get("title"),
        "company": fields.get("company_name"),
        "state": fields.get("state"),
        "job_title": fields.get("job_title"),
        "sender_name": sender_name,
        "sender_email": sender_email,
    }
