"""Import Open-PSA MEF fault trees (SCRAM, XFTA, ...) as a manifest.

A fault tree says when a failure happens; a manifest says what a service needs to
stay up. For coherent gates the two are duals:

- ``or`` over failures (any child failing fails the gate) -> a service with a hard
  dependency on each child;
- ``and`` over failures (the gate fails only when all children fail) -> a service
  with one ``any_of`` group of the children;
- ``atleast k`` of n failures -> ``at_least: n-k+1, of: [children]`` (the gate holds
  while n-k+1 children are up);
- basic events (and any referenced event no gate defines) -> leaf services tagged
  ``basic-event``; gates are tagged ``gate``; a formula nested inside a gate
  becomes a service of its own named ``GATE/and-1``, ``GATE/or-2`` ...;
- each top gate (a gate no other gate mentions) -> a flow of the same name.

So ``pruner cuts --among leaves`` gives the fault tree's minimal cut sets over its
basic events. Non-coherent logic (``not``, ``xor``, ``nand``, ``nor``, ``iff``,
``imply``, ``cardinality``) and house events have no service reading and are
rejected. Files are parsed with :mod:`xml.etree.ElementTree` after refusing any
DOCTYPE/ENTITY declaration, so no entity can expand.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pruner.errors import display
from pruner.importers._io import discover
from pruner.importers.base import NAME_RE, ImportResult, SourceError, sanitize_name

__all__ = ["import_openpsa"]

_COHERENT = {"and", "or", "atleast"}
_NON_COHERENT = {"not", "xor", "nand", "nor", "iff", "imply", "cardinality"}
_REFERENCES = {"event", "gate", "basic-event"}
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parse(path: Path) -> ET.Element:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(str(path), f"cannot read: {exc.strerror or exc}") from None
    match = _DOCTYPE.search(data)
    if match:
        line = data.count(b"\n", 0, match.start()) + 1
        raise SourceError(f"{path}:{line}", "DOCTYPE/ENTITY declarations are not accepted")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 0
        where = f"{path}:{line}" if line else str(path)
        raise SourceError(where, f"not well-formed XML: {exc}") from None
    if root.tag != "opsa-mef":
        raise SourceError(str(path), f"not an Open-PSA MEF file (root element {display(root.tag)})")
    return root


class _Builder:
    def __init__(self) -> None:
        self.gates: dict[str, tuple[ET.Element, str]] = {}
        self.basic: dict[str, str | None] = {}
        self.names: dict[str, str] = {}
        self.notes: list[str] = []
        self.services: dict[str, dict[str, Any]] = {}
        self.mentioned: set[str] = set()
        self.scopes: dict[str, tuple[str, ...]] = {}
        self.scope: tuple[str, ...] = ()

    def name(self, raw: str, where: str) -> str:
        if raw in self.names:
            return self.names[raw]
        if NAME_RE.match(raw):
            clean = raw
        else:
            clean = sanitize_name(raw)
            if clean is None:
                raise SourceError(where, f"name {display(raw)} has no usable characters")
            self.notes.append(f"{where}: name {display(raw)} imported as {display(clean)}")
        self.names[raw] = clean
        return clean

    def reference(self, element: ET.Element, where: str) -> str:
        raw = element.get("name")
        if not raw:
            raise SourceError(where, f"<{element.tag}> without a name")
        for prefix in reversed(self.scope):
            if prefix + raw in self.gates or prefix + raw in self.basic:
                raw = prefix + raw
                break
        self.mentioned.add(raw)
        return self.name(raw, where)

    def formula(self, owner: str, element: ET.Element, where: str, counter: list[int]) -> dict:
        """The service dict of a gate whose failure is ``element``."""
        tag = element.tag
        if tag in _REFERENCES:
            return {"depends_on": [{"service": self.reference(element, where)}]}
        if tag in ("house-event", "constant"):
            raise SourceError(where, f"<{tag}>: house events and constants are not supported "
                                     "(set them in the model and drop them before importing)")
        if tag in _NON_COHERENT:
            raise SourceError(where, f"<{tag}> is not coherent logic: a manifest cannot "
                                     "express it (only and, or, atleast)")
        if tag not in _COHERENT:
            raise SourceError(where, f"unsupported formula <{tag}>")
        children = []
        for child in element:
            if child.tag in ("label", "attributes"):
                continue
            if child.tag in _REFERENCES:
                children.append(self.reference(child, where))
            else:
                counter[0] += 1
                nested = f"{owner}/{child.tag}-{counter[0]}"
                self.services[nested] = dict(self.formula(nested, child, where, counter),
                                             tags=["gate"])
                children.append(nested)
        unique = list(dict.fromkeys(children))
        if len(unique) != len(children):
            self.notes.append(f"{where}: gate {display(owner)} names a child twice; kept once")
        if not unique:
            raise SourceError(where, f"<{tag}> with no children")
        n = len(unique)
        if tag == "or" or n == 1:
            items = [{"service": c} for c in unique]
            if tag == "atleast" and int(element.get("min", "1")) > 1:
                raise SourceError(where, "atleast min exceeds the number of children")
            return {"depends_on": items}
        if tag == "and":
            return {"depends_on": [{"any_of": unique}]}
        try:
            k = int(element.get("min", ""))
        except ValueError:
            raise SourceError(where, "<atleast> needs an integer min") from None
        if not 1 <= k <= n:
            raise SourceError(where, f"atleast min={k} with {n} children")
        if k == 1:
            return {"depends_on": [{"service": c} for c in unique]}
        if k == n:
            return {"depends_on": [{"any_of": unique}]}
        return {"depends_on": [{"at_least": n - k + 1, "of": unique}]}


def import_openpsa(sources: Sequence[str]) -> ImportResult:
    """Read Open-PSA MEF files (or folders of ``*.xml``) into a manifest-v1 document.

    Parameters
    ----------
    sources
        Files or folders; a model split into a gates file and a basic-events file
        is read as one.

    Returns
    -------
    ImportResult
        ``document`` has one service per gate and basic event and one flow per top
        gate.

    Raises
    ------
    SourceError
        Unreadable or malformed XML, DOCTYPE/ENTITY declarations, non-coherent gates.
    """
    b = _Builder()
    house: dict[str, str] = {}
    for source in discover(sources, (".xml",), b.notes.append):
        path = source.path
        where = str(path)
        # Walk with the private scopes in force ("comp." prefixes): Open-PSA lets a
        # private component reuse a gate name, so its names are qualified.
        stack = [(_parse(path), ())]
        while stack:
            element, scopes = stack.pop()
            for child in element:
                tag = child.tag
                if tag in ("define-fault-tree", "define-component"):
                    inner = scopes
                    if child.get("role") == "private":
                        inner = scopes + ((scopes[-1] if scopes else "") +
                                          (child.get("name") or "") + ".",)
                    stack.append((child, inner))
                elif tag in ("define-gate", "define-basic-event", "define-house-event"):
                    raw = (scopes[-1] if scopes and child.get("role") != "public" else "")
                    raw += child.get("name") or ""
                    if tag == "define-gate":
                        if raw in b.gates:
                            raise SourceError(where, f"gate {display(raw)} is defined twice")
                        b.gates[raw] = (child, where)
                        b.scopes[raw] = scopes
                    elif tag == "define-basic-event":
                        label = child.find("label")
                        text = label.text if label is not None else None
                        b.basic[raw] = text.strip() if text else None
                    else:
                        house[raw] = where
                elif tag in ("model-data", "opsa-mef"):
                    stack.append((child, scopes))
    if not b.gates:
        raise SourceError(", ".join(sources), "no <define-gate> found")
    for raw in sorted(b.gates):
        element, where = b.gates[raw]
        name = b.name(raw, where)
        if name in b.services:
            raise SourceError(where, f"two gates are both imported as {display(name)}")
        body = [c for c in element if c.tag not in ("label", "attributes")]
        if len(body) != 1:
            raise SourceError(where, f"gate {display(raw)} must hold exactly one formula")
        label = element.find("label")
        b.scope = b.scopes[raw]
        service = b.formula(name, body[0], where, [0])
        service["tags"] = ["gate"]
        if label is not None and label.text and label.text.strip():
            service["description"] = " ".join(label.text.split())
        b.services[name] = service
    for raw in sorted(b.mentioned - set(b.gates)):
        if raw in house:
            raise SourceError(house[raw], f"house event {display(raw)} is not supported")
        name = b.name(raw, "basic event")
        service: dict[str, Any] = {"tags": ["basic-event"]}
        if b.basic.get(raw):
            service["description"] = " ".join(b.basic[raw].split())
        b.services[name] = service
    unused = sorted(set(b.basic) - b.mentioned)
    if unused:
        b.notes.append(f"{len(unused)} basic event(s) defined but used by no gate: "
                       + ", ".join(unused[:5]) + (" ..." if len(unused) > 5 else ""))
    tops = sorted(b.names[g] for g in b.gates if g not in b.mentioned)
    if not tops:
        raise SourceError(", ".join(sources), "no top gate: every gate is used by another")
    flows = {top: {"description": f"top event of fault tree gate {top}",
                   "requires": [top]} for top in tops}
    document = {"version": 1, "services": dict(sorted(b.services.items())), "flows": flows}
    b.notes.append(f"{len(b.gates)} gates, {len(b.services) - len(b.gates)} basic events "
                   f"and nested formulas; top gate(s) as flows: {', '.join(tops)}; "
                   "cut sets over basic events: pruner cuts FILE --among leaves")
    return ImportResult(document=document, notes=tuple(b.notes), kind="openpsa",
                        sources=tuple(sources))
