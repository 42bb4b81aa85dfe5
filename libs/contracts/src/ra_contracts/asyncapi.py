"""AsyncAPI 3.0.0 documents of every service, generated from :mod:`ra_contracts.catalog`.

``python -m ra_contracts.asyncapi OUTDIR`` (``make asyncapi``) writes ``OUTDIR/<service>.asyncapi.json``. The output
is deterministic (sorted keys, no timestamps), so the committed copies in ``docs/asyncapi/`` can be compared with a
fresh rendering in the tests.

Mapping:

* one channel per concrete NATS subject (templated subjects such as ``pipeline.run.{pipeline}.started`` are expanded
  over the ``Literal`` values of their placeholders; a service publishes only the expansions that land in a stream
  it owns, falling back to all of them for commands, whose streams belong to the consumer);
* ``send`` operations for what the service publishes, ``receive`` operations for each message a durable consumer
  takes (``x-jetstream`` and the description name the stream and the durable), and ``receive`` operations with a
  ``reply`` for the request/reply queries it answers on core NATS (queue group = service name);
* ``components.messages`` keyed ``<type>.v<version>``: the payload schema is the :class:`Envelope` schema whose
  ``payload`` property points at the payload model in ``components.schemas``.
"""

from __future__ import annotations

import copy
import itertools
import json
import string
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic.json_schema import models_json_schema

from ra_contracts.catalog import (
    SERVICES,
    ConsumerSpec,
    QuerySpec,
    ServiceSpec,
    StreamSpec,
    stream_for_subject,
    subject_matches,
)
from ra_contracts.envelope import Envelope, Payload

ASYNCAPI_VERSION = "3.0.0"
SERVER_NAME = "nats"
SERVER_HOST = "localhost:4222"
#: The dynamic channel replies to queries travel on (the requester's ``_INBOX.…`` subject).
INBOX_CHANNEL = "inbox"
QUERY_REQUEST = "query.request"
QUERY_REPLY = "query.reply"
NATS_BINDING_VERSION = "0.1.0"

_REF_TEMPLATE = "#/components/schemas/{model}"
_SCHEMAS = "#/components/schemas/"

JSON = dict[str, Any]


# --- subjects -----------------------------------------------------------------------------------------


def subjects(model: type[Payload]) -> tuple[str, ...]:
    """Every concrete subject ``model`` can be published on (its ``SUBJECT`` template expanded).

    Each ``{field}`` placeholder must name a ``Literal`` field of the model; the expansion is the cartesian product of
    their values, in declaration order.
    """
    names = list(dict.fromkeys(field for _, field, _, _ in string.Formatter().parse(model.SUBJECT) if field))
    choices: list[tuple[str, ...]] = []
    for name in names:
        info = model.model_fields.get(name)
        if info is None or get_origin(info.annotation) is not Literal:
            raise ValueError(
                f"{model.__name__}.SUBJECT placeholder {{{name}}} must name a Literal field so its subjects can be listed"
            )
        choices.append(tuple(str(value) for value in get_args(info.annotation)))
    return tuple(model.SUBJECT.format(**dict(zip(names, combo, strict=True))) for combo in itertools.product(*choices))


def _stream(subject: str) -> StreamSpec:
    try:
        return stream_for_subject(subject)
    except KeyError:
        raise ValueError(f"no stream in catalog.STREAMS captures {subject!r}") from None


def published_subjects(service: str, model: type[Payload]) -> tuple[str, ...]:
    """The subjects ``service`` publishes ``model`` on: those in streams it owns, else (commands) all of them."""
    concrete = subjects(model)
    own = tuple(s for s in concrete if _stream(s).owner == service)
    return own or concrete


def consumed_subjects(consumer: ConsumerSpec, model: type[Payload]) -> tuple[str, ...]:
    """The subjects of ``model`` that ``consumer``'s filter subjects let through."""
    matched = tuple(s for s in subjects(model) if any(subject_matches(f, s) for f in consumer.filter_subjects))
    if not matched:
        raise ValueError(f"consumer {consumer.durable!r} lists {model.TYPE} but none of its filter subjects match it")
    return matched


def _ident(text: str) -> str:
    """An AsyncAPI id (``^[A-Za-z0-9_-]+$``) for a subject or type: dots become dashes."""
    return text.replace(".", "-")


def message_key(model: type[Payload]) -> str:
    """The ``components.messages`` key of ``model``: ``<type>.v<version>``."""
    return f"{model.TYPE}.v{model.VERSION}"


# --- schemas ------------------------------------------------------------------------------------------


def _schemas(models: Sequence[type[Payload]]) -> tuple[dict[type[Payload], str], JSON]:
    """``components.schemas`` for ``models`` (nested models included) and the schema name of each model."""
    keys, top = models_json_schema([(m, "validation") for m in models], ref_template=_REF_TEMPLATE)
    names = {m: keys[(m, "validation")]["$ref"].removeprefix(_SCHEMAS) for m in models}
    return names, dict(top.get("$defs", {}))


def _envelope_schema(model: type[Payload], schema_name: str, subjects_: Iterable[str]) -> JSON:
    """The :class:`Envelope` schema narrowed to ``model``: its type, version, subjects and payload schema."""
    schema = copy.deepcopy(Envelope.model_json_schema())
    schema["title"] = f"Envelope[{model.__name__}]"
    props = schema["properties"]
    props["type"] = {**props["type"], "const": model.TYPE}
    props["version"] = {**props["version"], "const": model.VERSION}
    props["subject"] = {**props["subject"], "enum": sorted(subjects_)}
    props["payload"] = {"$ref": _SCHEMAS + schema_name}
    return schema


def _query_schemas() -> JSON:
    return {
        "QueryRequest": {
            "title": "QueryRequest",
            "description": "The query parameters as one JSON object (see the gateway's matching HTTP endpoint).",
            "type": "object",
            "additionalProperties": True,
        },
        "QueryReply": {
            "title": "QueryReply",
            "oneOf": [
                {
                    "type": "object",
                    "properties": {"ok": {"const": True}, "data": {"description": "The answer"}},
                    "required": ["ok", "data"],
                },
                {
                    "type": "object",
                    "properties": {
                        "ok": {"const": False},
                        "status": {"type": "integer", "description": "The HTTP status the gateway answers with"},
                        "detail": {"description": "Why the query failed"},
                    },
                    "required": ["ok", "status"],
                },
            ],
        },
    }


_EVENT_HEADERS: JSON = {
    "type": "object",
    "properties": {
        "Nats-Msg-Id": {
            "type": "string",
            "format": "uuid",
            "description": "The envelope's event_id; JetStream drops a re-publish within the stream's duplicate window",
        },
        "traceparent": {"type": "string", "description": "W3C trace context"},
        "tracestate": {"type": "string", "description": "W3C trace context"},
    },
}

_QUERY_HEADERS: JSON = {
    "type": "object",
    "properties": {
        "traceparent": {"type": "string", "description": "W3C trace context"},
        "tracestate": {"type": "string", "description": "W3C trace context"},
    },
}


# --- the document -------------------------------------------------------------------------------------


def _seconds(value: Any) -> int:
    return int(value.total_seconds())


def _kind(model: type[Payload]) -> str:
    return "command" if model.TYPE.startswith("cmd.") else "event"


def _channel(doc: JSON, subject: str, description: str) -> str:
    channel_id = _ident(subject)
    doc["channels"].setdefault(channel_id, {"address": subject, "description": description, "messages": {}})
    return channel_id


def _add_message(doc: JSON, channel_id: str, model: type[Payload]) -> JSON:
    message_id = _ident(message_key(model))
    doc["channels"][channel_id]["messages"][message_id] = {"$ref": f"#/components/messages/{message_key(model)}"}
    return {"$ref": f"#/channels/{channel_id}/messages/{message_id}"}


def _operation_id(doc: JSON, base: str, durable: str) -> str:
    return base if base not in doc["operations"] else f"{base}_{durable}"


def _publish(doc: JSON, spec: ServiceSpec, model: type[Payload]) -> None:
    for subject in published_subjects(spec.name, model):
        stream = _stream(subject)
        channel_id = _channel(doc, subject, f"Captured by JetStream stream `{stream.name}` ({stream.description}).")
        ref = _add_message(doc, channel_id, model)
        doc["operations"][f"send_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [ref],
            "summary": f"Publishes {model.TYPE} v{model.VERSION}",
            "description": (
                f"Published on `{subject}` into JetStream stream `{stream.name}` (owner: {stream.owner}, "
                f"retention: {stream.retention}) with `Nats-Msg-Id` = event_id; duplicates within "
                f"{_seconds(stream.duplicate_window)} s are dropped."
            ),
            "tags": [{"name": _kind(model)}],
            "x-jetstream": {"stream": stream.name},
        }


def _consume(doc: JSON, consumer: ConsumerSpec) -> None:
    for model in consumer.messages:
        for subject in consumed_subjects(consumer, model):
            stream = _stream(subject)
            channel_id = _channel(doc, subject, f"Captured by JetStream stream `{stream.name}` ({stream.description}).")
            ref = _add_message(doc, channel_id, model)
            op_id = _operation_id(doc, f"receive_{channel_id}", _ident(consumer.durable))
            doc["operations"][op_id] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "messages": [ref],
                "summary": consumer.description or f"Consumes {model.TYPE}",
                "description": (
                    f"Durable pull consumer `{consumer.durable}` on JetStream stream `{consumer.stream}` "
                    f"(filter: {', '.join(f'`{f}`' for f in consumer.filter_subjects)}), shared by every replica; "
                    f"explicit ack, ack wait {_seconds(consumer.ack_wait)} s, at most {consumer.max_deliver} deliveries."
                ),
                "tags": [{"name": _kind(model)}],
                "x-jetstream": {
                    "stream": consumer.stream,
                    "durable": consumer.durable,
                    "filter_subjects": list(consumer.filter_subjects),
                    "ack_wait_seconds": _seconds(consumer.ack_wait),
                    "max_deliver": consumer.max_deliver,
                },
            }


def _answer(doc: JSON, query: QuerySpec) -> None:
    channel_id = _ident(query.subject)
    doc["channels"][channel_id] = {
        "address": query.subject,
        "description": f"{query.description} (request/reply on core NATS, not stored in a stream).",
        "messages": {_ident(QUERY_REQUEST): {"$ref": f"#/components/messages/{QUERY_REQUEST}"}},
    }
    doc["channels"][INBOX_CHANNEL] = {
        "address": None,
        "description": "The requester's inbox: the reply subject of the request (`_INBOX.…`), chosen at run time.",
        "messages": {_ident(QUERY_REPLY): {"$ref": f"#/components/messages/{QUERY_REPLY}"}},
    }
    doc["operations"][f"receive_{channel_id}"] = {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{channel_id}"},
        "messages": [{"$ref": f"#/channels/{channel_id}/messages/{_ident(QUERY_REQUEST)}"}],
        "summary": query.description,
        "description": (
            f"Answered by any replica of {query.service} (NATS queue group `{query.service}`); "
            "the reply goes to the request's reply subject."
        ),
        "tags": [{"name": "query"}],
        "bindings": {"nats": {"queue": query.service, "bindingVersion": NATS_BINDING_VERSION}},
        "reply": {
            "channel": {"$ref": f"#/channels/{INBOX_CHANNEL}"},
            "messages": [{"$ref": f"#/channels/{INBOX_CHANNEL}/messages/{_ident(QUERY_REPLY)}"}],
        },
    }


def _payload_message(model: type[Payload], schema_name: str, subjects_: Iterable[str]) -> JSON:
    doc = (model.__doc__ or "").strip()
    message: JSON = {
        "name": model.TYPE,
        "title": f"{model.__name__} (v{model.VERSION})",
        "summary": f"{_kind(model).capitalize()} {model.TYPE}, version {model.VERSION}",
        "contentType": "application/json",
        "headers": _EVENT_HEADERS,
        "payload": _envelope_schema(model, schema_name, subjects_),
        "correlationId": {
            "description": "Ties together every message caused by one request or run",
            "location": "$message.payload#/correlation_id",
        },
        "tags": [{"name": _kind(model)}],
        "x-version": model.VERSION,
        "x-subject-template": model.SUBJECT,
    }
    if doc:
        message["description"] = doc
    return message


def _package_version() -> str:
    try:
        return metadata.version("ra-contracts")
    except metadata.PackageNotFoundError:  # pragma: no cover - the package is always installed in this repo
        return "0.0.0"


def document(service: str) -> JSON:
    """The AsyncAPI 3.0.0 document of ``service`` (a key of :data:`ra_contracts.catalog.SERVICES`)."""
    spec = SERVICES[service]
    doc: JSON = {
        "asyncapi": ASYNCAPI_VERSION,
        "id": f"urn:ra:{service}",
        "info": {
            "title": f"ra-{service}",
            "version": _package_version(),
            "description": (
                f"{spec.description}\n\nEvery message travels in the JSON envelope of `ra_contracts.envelope.Envelope`"
                " (event_id, type, version, occurred_at, producer, correlation_id, subject, payload). Generated from "
                "`ra_contracts.catalog` by `make asyncapi`: do not edit by hand."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            SERVER_NAME: {
                "host": SERVER_HOST,
                "protocol": "nats",
                "description": "NATS with JetStream (the embedded development server of `make run`)",
            }
        },
        "channels": {},
        "operations": {},
        "components": {"messages": {}, "schemas": {}},
    }
    for model in spec.publishes:
        _publish(doc, spec, model)
    for consumer in spec.consumers:
        _consume(doc, consumer)
    for query in spec.queries:
        _answer(doc, query)

    models = list(dict.fromkeys([*spec.publishes, *(m for c in spec.consumers for m in c.messages)]))
    names, schemas = _schemas(models)
    components = doc["components"]
    components["schemas"] = schemas
    for model in models:
        on = sorted(
            ch["address"]
            for ch in doc["channels"].values()
            if f"#/components/messages/{message_key(model)}" in {m["$ref"] for m in ch["messages"].values()}
        )
        components["messages"][message_key(model)] = _payload_message(model, names[model], on)
    if spec.queries:
        components["schemas"].update(_query_schemas())
        components["messages"][QUERY_REQUEST] = {
            "name": QUERY_REQUEST,
            "title": "Query request",
            "contentType": "application/json",
            "headers": _QUERY_HEADERS,
            "payload": {"$ref": _SCHEMAS + "QueryRequest"},
        }
        components["messages"][QUERY_REPLY] = {
            "name": QUERY_REPLY,
            "title": "Query reply",
            "contentType": "application/json",
            "payload": {"$ref": _SCHEMAS + "QueryReply"},
        }
    return doc


def render(service: str) -> str:
    """``document(service)`` as the text written to disk: sorted keys, indent 2, trailing newline."""
    return json.dumps(document(service), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_all(outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for service in sorted(SERVICES):
        path = outdir / f"{service}.asyncapi.json"
        path.write_text(render(service), encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m ra_contracts.asyncapi OUTDIR", file=sys.stderr)
        return 2
    for path in write_all(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
