"""The AsyncAPI documents: well-formed AsyncAPI 3.0.0, complete against the catalog, and committed up to date.

No PyPI package ships the official AsyncAPI 3.0.0 JSON Schema for offline use (the parsers found there carry
generated models, not the schema), so ``ASYNCAPI_SUBSET`` below states the parts of the specification these documents
rely on (required fields, allowed keys, id patterns, the ``send``/``receive`` actions) and the tests check the rules a
schema cannot: every ``$ref`` resolves, operations only reference messages of their own channel, and every message
the catalog declares appears. A real :class:`Envelope` of each message validates against its documented schema.

When ``test_committed_documents_are_current`` fails, run ``make asyncapi`` and commit ``docs/asyncapi/``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ra_contracts import asyncapi
from ra_contracts.catalog import MESSAGES, SERVICES
from ra_contracts.envelope import Envelope, Payload
from ra_contracts.events import LeadCreated, PipelineRunStarted, RunLeadSourcing
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs" / "asyncapi"
SERVICE_NAMES = sorted(SERVICES)

_EXT: dict[str, Any] = {"^x-[\\w\\d.\\-_]+$": {}}
_REF = {"type": "object", "required": ["$ref"], "properties": {"$ref": {"type": "string"}}}
_REFS = {"type": "array", "items": _REF}
_ID = "^[A-Za-z0-9_\\-]+$"
_COMPONENT_KEY = "^[\\w\\d.\\-_]+$"
_TAGS = {"type": "array", "items": {"type": "object", "required": ["name"]}}


def _strict(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "patternProperties": _EXT,
        "additionalProperties": False,
    }


_MESSAGE = _strict(
    {
        "name": {"type": "string"},
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "description": {"type": "string"},
        "contentType": {"type": "string"},
        "headers": {"type": "object"},
        "payload": {"type": "object"},
        "correlationId": _strict(
            {
                "description": {"type": "string"},
                "location": {"type": "string", "pattern": "^\\$message\\.(header|payload)#"},
            },
            ("location",),
        ),
        "tags": _TAGS,
        "bindings": {"type": "object"},
        "examples": {"type": "array"},
    },
    ("payload",),
)

#: The parts of the AsyncAPI 3.0.0 schema these documents use, restated (see the module docstring).
ASYNCAPI_SUBSET: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    **_strict(
        {
            "asyncapi": {"const": "3.0.0"},
            "id": {"type": "string", "format": "uri"},
            "info": _strict(
                {"title": {"type": "string"}, "version": {"type": "string"}, "description": {"type": "string"}},
                ("title", "version"),
            ),
            "defaultContentType": {"type": "string"},
            "servers": {
                "type": "object",
                "propertyNames": {"pattern": _ID},
                "additionalProperties": _strict(
                    {
                        "host": {"type": "string"},
                        "protocol": {"type": "string"},
                        "protocolVersion": {"type": "string"},
                        "pathname": {"type": "string"},
                        "description": {"type": "string"},
                    },
                    ("host", "protocol"),
                ),
            },
            "channels": {
                "type": "object",
                "propertyNames": {"pattern": _ID},
                "additionalProperties": _strict(
                    {
                        "address": {"type": ["string", "null"]},
                        "title": {"type": "string"},
                        "summary": {"type": "string"},
                        "description": {"type": "string"},
                        "messages": {
                            "type": "object",
                            "propertyNames": {"pattern": _ID},
                            "additionalProperties": _REF,
                        },
                        "servers": _REFS,
                        "parameters": {"type": "object"},
                        "bindings": {"type": "object"},
                    }
                ),
            },
            "operations": {
                "type": "object",
                "propertyNames": {"pattern": _ID},
                "additionalProperties": _strict(
                    {
                        "action": {"enum": ["send", "receive"]},
                        "channel": _REF,
                        "title": {"type": "string"},
                        "summary": {"type": "string"},
                        "description": {"type": "string"},
                        "tags": _TAGS,
                        "bindings": _strict(
                            {
                                "nats": _strict(
                                    {
                                        "queue": {"type": "string", "maxLength": 255},
                                        "bindingVersion": {"const": "0.1.0"},
                                    }
                                )
                            }
                        ),
                        "messages": _REFS,
                        "reply": _strict({"channel": _REF, "messages": _REFS, "address": {"type": "object"}}),
                    },
                    ("action", "channel"),
                ),
            },
            "components": _strict(
                {
                    "schemas": {"type": "object", "propertyNames": {"pattern": _COMPONENT_KEY}},
                    "messages": {
                        "type": "object",
                        "propertyNames": {"pattern": _COMPONENT_KEY},
                        "additionalProperties": _MESSAGE,
                    },
                }
            ),
        },
        ("asyncapi", "info"),
    ),
}


@pytest.fixture(scope="module", params=SERVICE_NAMES)
def doc(request: pytest.FixtureRequest) -> dict[str, Any]:
    return asyncapi.document(request.param)


def _pointer(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"only local references are used, got {ref}"
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


# --- shape --------------------------------------------------------------------------------------------


def test_document_follows_the_asyncapi_3_subset(doc: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(ASYNCAPI_SUBSET)
    errors = sorted(jsonschema.Draft7Validator(ASYNCAPI_SUBSET).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_info_and_server(doc: dict[str, Any]) -> None:
    service = doc["info"]["title"].removeprefix("ra-")
    assert service in SERVICES
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["version"]
    assert SERVICES[service].description in doc["info"]["description"]
    assert doc["servers"] == {
        "nats": {"host": "localhost:4222", "protocol": "nats", "description": doc["servers"]["nats"]["description"]}
    }


def test_every_reference_resolves(doc: dict[str, Any]) -> None:
    refs = list(_refs(doc))
    assert refs
    for ref in refs:
        _pointer(doc, ref)


def test_operations_reference_their_own_channel_messages(doc: dict[str, Any]) -> None:
    for op_id, op in doc["operations"].items():
        channel_ref = op["channel"]["$ref"]
        assert channel_ref.startswith("#/channels/"), op_id
        for message in op.get("messages", []):
            assert message["$ref"].startswith(channel_ref + "/messages/"), f"{op_id}: {message} is not in its channel"
        reply = op.get("reply")
        if reply:
            for message in reply["messages"]:
                assert message["$ref"].startswith(reply["channel"]["$ref"] + "/messages/"), op_id


def test_channel_messages_point_at_components(doc: dict[str, Any]) -> None:
    for channel_id, channel in doc["channels"].items():
        assert channel["messages"], channel_id
        for message in channel["messages"].values():
            assert message["$ref"].startswith("#/components/messages/")
    used = {m["$ref"].rsplit("/", 1)[1] for ch in doc["channels"].values() for m in ch["messages"].values()}
    assert used == set(doc["components"]["messages"]), "every component message is used, and only those"


def test_message_payloads_are_json_schemas(doc: dict[str, Any]) -> None:
    for key, message in doc["components"]["messages"].items():
        jsonschema.Draft7Validator.check_schema(message["payload"])
        if key in {asyncapi.QUERY_REQUEST, asyncapi.QUERY_REPLY}:
            continue
        model = MESSAGES[message["name"]]
        assert key == f"{model.TYPE}.v{model.VERSION}"
        assert message["x-version"] == model.VERSION
        payload = message["payload"]
        assert set(payload["properties"]) == set(Envelope.model_fields)
        assert payload["properties"]["type"]["const"] == model.TYPE
        assert payload["properties"]["payload"]["$ref"].startswith("#/components/schemas/")
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft7Validator.check_schema(schema)
        assert "$defs" not in schema, "nested models are hoisted into components.schemas"


# --- complete against the catalog ---------------------------------------------------------------------


def _operations(doc: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [op for op in doc["operations"].values() if op["action"] == action]


def _types(doc: dict[str, Any], op: dict[str, Any]) -> set[str]:
    return {_pointer(doc, _pointer(doc, m["$ref"])["$ref"])["name"] for m in op.get("messages", [])}


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_published_message_is_sent(service: str) -> None:
    doc = asyncapi.document(service)
    sent = {t for op in _operations(doc, "send") for t in _types(doc, op)}
    assert sent == {m.TYPE for m in SERVICES[service].publishes}
    for op in _operations(doc, "send"):
        stream = op["x-jetstream"]["stream"]
        assert f"`{stream}`" in op["description"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_consumed_message_is_received_by_its_durable(service: str) -> None:
    doc = asyncapi.document(service)
    received: dict[str, set[str]] = {}
    for op in _operations(doc, "receive"):
        if "x-jetstream" in op:
            durable = op["x-jetstream"]["durable"]
            assert f"`{durable}`" in op["description"] and f"`{op['x-jetstream']['stream']}`" in op["description"]
            received.setdefault(durable, set()).update(_types(doc, op))
    assert received == {c.durable: {m.TYPE for m in c.messages} for c in SERVICES[service].consumers}


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_query_is_answered_with_a_reply(service: str) -> None:
    doc = asyncapi.document(service)
    answered = {
        _pointer(doc, op["channel"]["$ref"])["address"]: op for op in _operations(doc, "receive") if "reply" in op
    }
    assert set(answered) == {q.subject for q in SERVICES[service].queries}
    for op in answered.values():
        assert op["bindings"]["nats"]["queue"] == service
        assert _pointer(doc, op["reply"]["channel"]["$ref"])["address"] is None


def test_templated_subjects_are_expanded() -> None:
    assert asyncapi.subjects(PipelineRunStarted) == (
        "pipeline.run.lead_sourcing.started",
        "pipeline.run.contact_enrichment.started",
        "pipeline.run.email_validation.started",
        "pipeline.run.outreach.started",
    )
    assert asyncapi.published_subjects("sourcing", PipelineRunStarted) == ("pipeline.run.lead_sourcing.started",)
    assert asyncapi.published_subjects("enrichment", PipelineRunStarted) == ("pipeline.run.contact_enrichment.started",)
    # Commands land in the consumer's stream, so the publisher owns none of them.
    assert asyncapi.published_subjects("gateway", RunLeadSourcing) == ("cmd.sourcing.run",)
    addresses = {ch["address"] for ch in asyncapi.document("sourcing")["channels"].values()}
    assert "pipeline.run.lead_sourcing.started" in addresses
    assert "pipeline.run.contact_enrichment.started" not in addresses


def test_a_placeholder_without_literal_values_is_refused() -> None:
    class Loose(Payload):
        TYPE = "loose.thing"
        SUBJECT = "loose.{name}"
        name: str

    with pytest.raises(ValueError, match="Literal"):
        asyncapi.subjects(Loose)


# --- the documented schema matches the wire format ----------------------------------------------------


def _sample(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A value that fits ``schema`` (required fields only), for a payload built without hand-written fixtures."""
    if "$ref" in schema:
        return _sample(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    if "anyOf" in schema:
        return _sample(next(b for b in schema["anyOf"] if b.get("type") != "null"), defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _sample(props[name], defs) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "boolean":
        return True
    if kind in {"integer", "number"}:
        return schema.get("minimum", 1)
    formats = {"uuid": str(uuid.UUID(int=7)), "date-time": "2026-01-02T03:04:05Z", "email": "a@example.com"}
    return formats.get(schema.get("format", ""), "x")


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_real_envelopes_validate_against_the_documented_messages(service: str) -> None:
    doc = asyncapi.document(service)
    registry: Registry[Any] = Registry().with_resource("urn:doc", Resource.from_contents(doc, DRAFT202012))
    for key, message in doc["components"]["messages"].items():
        if key in {asyncapi.QUERY_REQUEST, asyncapi.QUERY_REPLY}:
            continue
        model = MESSAGES[message["name"]]
        schema = model.model_json_schema()
        payload = model.model_validate(_sample(schema, schema.get("$defs", {})))
        for subject in message["payload"]["properties"]["subject"]["enum"]:
            envelope = Envelope.wrap(payload, producer=service, subject=subject, correlation_id="c-1")
            wire = json.loads(envelope.model_dump_json())
            validator = jsonschema.Draft202012Validator(
                {"$ref": f"urn:doc#/components/messages/{key}/payload"}, registry=registry
            )
            errors = [e.message for e in validator.iter_errors(wire)]
            assert not errors, f"{key} on {subject}: {errors}"
            wire["type"] = "something.else"
            assert not validator.is_valid(wire), "the documented schema pins the message type"


def test_a_lead_created_with_every_field_validates() -> None:
    doc = asyncapi.document("enrichment")
    registry: Registry[Any] = Registry().with_resource("urn:doc", Resource.from_contents(doc, DRAFT202012))
    payload = LeadCreated(
        lead_id=uuid.uuid4(),
        company_name="Acme",
        normalized_company="acme",
        job_title="HR Manager",
        city="Austin",
        state="TX",
        salary_min=50_000,
        posted_at=datetime(2026, 1, 2, tzinfo=UTC),
        sources=["demo"],
        run_id=uuid.uuid4(),
        contact_email=None,
    )
    wire = json.loads(Envelope.wrap(payload, producer="sourcing", subject=payload.subject()).model_dump_json())
    validator = jsonschema.Draft202012Validator(
        {"$ref": "urn:doc#/components/messages/lead.created.v1/payload"}, registry=registry
    )
    assert validator.is_valid(wire)
    wire["payload"]["salary_min"] = "a lot"
    assert not validator.is_valid(wire)


# --- generated output ---------------------------------------------------------------------------------


def test_rendering_is_deterministic() -> None:
    for service in SERVICE_NAMES:
        text = asyncapi.render(service)
        assert text == asyncapi.render(service)
        assert text.endswith("}\n")
        assert json.loads(text) == asyncapi.document(service)


def test_main_writes_one_document_per_service(tmp_path: Path) -> None:
    assert asyncapi.main([str(tmp_path / "out")]) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"{s}.asyncapi.json" for s in SERVICE_NAMES]
    for service in SERVICE_NAMES:
        assert (tmp_path / "out" / f"{service}.asyncapi.json").read_text(encoding="utf-8") == asyncapi.render(service)
    assert asyncapi.main([]) == 2


def test_committed_documents_are_current() -> None:
    stale = [
        name
        for name in SERVICE_NAMES
        if not (DOCS / f"{name}.asyncapi.json").exists()
        or (DOCS / f"{name}.asyncapi.json").read_text(encoding="utf-8") != asyncapi.render(name)
    ]
    extra = sorted(p.name for p in DOCS.glob("*.asyncapi.json") if p.name.split(".")[0] not in SERVICES)
    assert not stale and not extra, (
        f"docs/asyncapi is out of date with ra_contracts (stale: {stale}, no such service: {extra}): "
        "run `make asyncapi` and commit docs/asyncapi/"
    )
