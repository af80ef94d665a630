"""The values of OTLP/JSON, read alike by both OTLP readers: span kinds, ids (hex or
base64), attribute lists and 64-bit integers written as strings.

:mod:`pruner.importers.otlp` (the streaming reader, which reads anything and names
what is wrong) and :mod:`pruner.importers._otlp_fast` (the compiled path) both take
them from here, so the two read every field the same way and neither imports the other
back.
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
from typing import Any

from pruner.analysis.discover import CLIENT, CONSUMER, INTERNAL, PRODUCER, SERVER
from pruner.importers._io import SourceFile
from pruner.importers.base import SourceError, trim

__all__ = ["KINDS", "PEER_KEYS", "span_id", "attributes", "integer", "mistyped_time", "peer"]

KINDS = {1: INTERNAL, 2: SERVER, 3: CLIENT, 4: PRODUCER, 5: CONSUMER,
          "SPAN_KIND_INTERNAL": INTERNAL, "SPAN_KIND_SERVER": SERVER,
          "SPAN_KIND_CLIENT": CLIENT, "SPAN_KIND_PRODUCER": PRODUCER,
          "SPAN_KIND_CONSUMER": CONSUMER}
_HEX = re.compile(r"\A[0-9a-fA-F]+\Z")
PEER_KEYS = ("peer.service", "server.address", "net.peer.name", "db.system",
              "messaging.system")



def span_id(raw: Any, f: SourceFile, line: int, what: str, size: int) -> str | None:
    """A trace or span id as lower-case hex (``None`` when absent), from hex or base64."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise SourceError(f.at(line), f"OTLP {what} must be a string, not {type(raw).__name__}")
    if len(raw) == 2 * size and _HEX.match(raw):
        return raw.lower()
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if len(data) == size:
        return sys.intern(data.hex())
    if _HEX.match(raw):
        return sys.intern(raw.lower())
    raise SourceError(f.at(line), f"OTLP {what} {raw[:40]!r} is neither hex nor base64 "
                                  f"of {size} bytes")


def attributes(raw: Any) -> dict[str, Any]:
    """An OTLP attribute list as ``{key: value}`` (values of unexpected shape skipped)."""
    out: dict[str, Any] = {}
    if not isinstance(raw, list):
        return out
    for a in raw:
        if isinstance(a, dict) and isinstance(a.get("key"), str):
            value = a.get("value")
            if isinstance(value, dict) and value:
                out[a["key"]] = next(iter(value.values()))
    return out


#: Times past this are no times (OTLP's are unsigned 64-bit; the decimal text form is
#: read up to 30 digits): mistyped, as a time that is not a number.
TIME_LIMIT = 10 ** 30


def integer(raw: Any, f: SourceFile, line: int, what: str) -> int:
    """An OTLP time (an integer or a decimal string of nanoseconds), 0 when absent
    (``None``). Anything else is mistyped (docs/rpc.md: exit 2 with the line), never read
    as 0, which would make every call of a trace overlap: a float, a bool, a negative or
    out-of-range number, a string that is not decimal digits.

    >>> from pathlib import Path
    >>> f = SourceFile(Path("f"), "f", True)
    >>> integer(12, f, 1, "t"), integer("12", f, 1, "t"), integer(None, f, 1, "t")
    (12, 12, 0)
    >>> for bad in (-1, 10 ** 30, "\u00b2", 1.5, True):
    ...     try:
    ...         integer(bad, f, 1, "startTimeUnixNano")
    ...     except SourceError as exc:
    ...         said = str(exc)
    ...         print(said.split("), ")[-1][:40])
    not int -1
    not int 1000000000000000000000000000000
    not str '²'
    not float 1.5
    not bool True
    >>> said.split(" not ")[0]
    "f:1: OTLP 'startTimeUnixNano' must be nanoseconds (an integer >= 0 or a decimal string),"
    """
    if isinstance(raw, int) and not isinstance(raw, bool):
        if 0 <= raw < TIME_LIMIT:
            return raw
    elif isinstance(raw, str):
        if raw.isdecimal() and len(raw) <= 30:
            return int(raw)
    elif raw is None:
        return 0
    raise mistyped_time(raw, f, line, what)


def mistyped_time(raw: Any, f: SourceFile, line: int, what: str) -> SourceError:
    """The error for an OTLP time that is not one (see :func:`integer`)."""
    shown = repr(raw)[:40] if isinstance(raw, (str, int, float)) else ""
    return SourceError(f.at(line), f"OTLP '{what}' must be nanoseconds (an integer >= 0 or a "
                                   f"decimal string), not {type(raw).__name__} {shown}")


def peer(attrs: dict[str, Any]) -> str | None:
    """The remote side a client or producer span names: the first of :data:`PEER_KEYS`
    whose value is a non-blank string, stripped (None when none is)."""
    for key in PEER_KEYS:
        v = attrs.get(key)
        if isinstance(v, str) and (name := trim(v)):
            return sys.intern(name)
    return None
