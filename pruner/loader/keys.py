"""The format's keys, in one table: where each key may appear, what shape its value has,
and what it means.

The loader takes its lists of allowed keys from :data:`KEYS` (a key not listed is an
error with a did-you-mean), and the JSON Schema that ``pruner schema`` prints
(``pruner/manifest-v1.schema.json``) is held to the same table key by key, shape by
shape, by ``tests/test_schema.py``. A new key is added here first; the loader's reading
of it and the schema's property follow, and the test says when one is missing.

Keys starting with ``x-`` are extensions, accepted and ignored everywhere.
"""

from __future__ import annotations

from pruner.frozen import record

__all__ = ["Key", "KEYS", "SHAPES", "keys_of", "TOP_KEYS", "SERVICE_KEYS", "OPERATION_KEYS",
           "FLOW_KEYS", "DEFAULTS_KEYS", "COMMON_CAUSE_KEYS", "ITEM_KEYS", "EVIDENCE_KEYS"]

#: The shapes a value may have, as the schema writes them (the schema test reads these).
SHAPES = {
    "version": "the integer 1",
    "services": "a mapping of service names to services",
    "flows": "a mapping of flow names to flows",
    "operations": "a mapping of operation names to operations",
    "defaults": "a mapping of defaults",
    "common_causes": "a mapping of group names to common-cause groups",
    "text": "free text (any scalar is read as its text)",
    "integer>=0": "an integer, 0 or more",
    "integer>=1": "an integer, 1 or more",
    "number>=0": "a finite number, 0 or more",
    "boolean": "true or false",
    "probability": "a number from 0 to 1, or a percentage such as \"99.95%\"",
    "tags": "a list of text",
    "items": "a list of items (spec §2)",
    "names": "a list of distinct service names",
    "name": "a service name, or SERVICE:OPERATION",
    "evidence": "one evidence entry or a list of them",
    "evidence-source": "one of the evidence sources (docs/manifest.md, Evidence)",
    "date": "a date or an RFC 3339 time",
}


@record(slots=False)
class Key:
    """One key of the format: its ``name``, the ``shape`` of its value (a key of
    :data:`SHAPES`) and what it means (``doc``)."""

    name: str
    shape: str
    doc: str


#: Where a key may appear -> the keys allowed there, in the order the docs list them.
KEYS: dict[str, tuple[Key, ...]] = {
    "top": (
        Key("version", "version", "manifest format version (optional; 1 if present)"),
        Key("services", "services", "the services (spec §2)"),
        Key("flows", "flows", "the user flows (spec §3)"),
        Key("defaults", "defaults", "manifest-wide defaults, at most once per manifest"),
        Key("common_causes", "common_causes", "groups of services that fail together"),
    ),
    "service": (
        Key("description", "text", "what the service does"),
        Key("owner", "text", "owning team"),
        Key("system", "text", "grouping for diagrams (Backstage system)"),
        Key("tier", "integer>=0", "0 is most critical"),
        Key("tags", "tags", "labels, selectable with tag:T"),
        Key("depends_on", "items", "what the service needs (spec §2)"),
        Key("operations", "operations", "the operations (endpoints) it serves (spec §8)"),
        Key("availability", "probability", "probability that the service itself is up (§9)"),
        Key("start_seconds", "number>=0", "seconds from start to ready (spec §10)"),
        Key("external", "boolean", "not deployed with the rest: never essential on its own "
                                   "evidence"),
        Key("evidence", "evidence", "where the service is known from"),
        Key("cost", "number>=0", "running cost per period, any currency (spec §12)"),
    ),
    "operation": (
        Key("description", "text", "what the operation does (e.g. POST /login)"),
        Key("depends_on", "items", "what only this operation needs"),
        Key("availability", "probability", "probability that the operation itself is up"),
    ),
    "flow": (
        Key("description", "text", "what the user does"),
        Key("critical", "boolean", "gates fail on critical flows (default true)"),
        Key("owner", "text", "owning team"),
        Key("requires", "items", "what the flow needs (spec §3)"),
        Key("target", "probability", "the flow's availability objective (spec §9)"),
        Key("evidence", "evidence", "where the flow is known from"),
        Key("rpc_budget", "integer>=0", "most RPCs one request may make, at p99 (spec §14)"),
        Key("latency_budget_ms", "number>=0", "slowest request, at p99, in ms (spec §14)"),
    ),
    "defaults": (
        Key("availability", "probability", "the availability of every service that states "
                                           "none"),
        Key("cost", "number>=0", "the cost of every service that states none (spec §12)"),
    ),
    "common_cause": (
        Key("description", "text", "what the group is (a zone, a cluster)"),
        Key("availability", "probability", "probability that the group does not strike"),
        Key("services", "names", "the members, which fail together"),
    ),
    "item": (
        Key("service", "name", "one service or operation"),
        Key("any_of", "names", "a fallback group: one member up is enough"),
        Key("at_least", "integer>=1", "a quorum: at least K of `of` up"),
        Key("of", "names", "the quorum's members"),
        Key("soft", "boolean", "losing it degrades its owner, never breaks it"),
        Key("note", "text", "shown in reports"),
        Key("startup", "boolean", "false: needed to serve, not to start (spec §10)"),
        Key("evidence", "evidence", "where the item is known from"),
    ),
    "evidence": (
        Key("source", "evidence-source", "where it is known from"),
        Key("detail", "text", "what was seen (a file, a count)"),
        Key("calls", "integer>=0", "calls observed"),
        Key("traces", "integer>=0", "traces that showed it"),
        Key("of", "integer>=0", "traces looked at"),
        Key("first", "date", "first seen"),
        Key("last", "date", "last seen"),
    ),
}


def keys_of(where: str) -> tuple[str, ...]:
    """The names of the keys allowed at ``where``.

    >>> keys_of("defaults")
    ('availability', 'cost')
    """
    return tuple(k.name for k in KEYS[where])


TOP_KEYS = keys_of("top")
SERVICE_KEYS = keys_of("service")
OPERATION_KEYS = keys_of("operation")
FLOW_KEYS = keys_of("flow")
DEFAULTS_KEYS = keys_of("defaults")
COMMON_CAUSE_KEYS = keys_of("common_cause")
ITEM_KEYS = keys_of("item")
EVIDENCE_KEYS = keys_of("evidence")
