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

Probabilities: a basic event's probability ``p`` becomes ``availability: 1 - p``
(spec §9), names kept, so ``pruner availability`` reproduces SCRAM's top-event
probability and importance factors. The expression may be ``<float>``, ``<int>``,
a ``<parameter>`` (``<define-parameter>``), ``<system-mission-time/>`` (8760 h, SCRAM's
default), ``neg``/``add``/``sub``/``mul``/``div``, ``<exponential>`` (λ, t: ``1 - e^-λt``),
``<GLM>`` and ``<Weibull>`` (SCRAM's formulas) and the deviates ``lognormal-deviate``/
``normal-deviate`` (their mean, the first
argument) and ``uniform-deviate`` (the midpoint) — the point values SCRAM uses
without uncertainty analysis. Anything else is refused with its ``file:line``.

Nested formulas are read with an explicit stack (a gate nested 100,000 deep is
fine) and named ``TOPGATE/and-N`` with ``N`` counted over the whole gate, so names
stay short however deep the nesting; a name that would pass 253 characters is cut
and made unique with a hash.

So ``pruner cuts --among leaves`` gives the fault tree's minimal cut sets over its
basic events. Non-coherent logic (``not``, ``xor``, ``nand``, ``nor``, ``iff``,
``imply``, ``cardinality``) and house events have no service reading and are
rejected. Files are parsed with :mod:`xml.etree.ElementTree` after refusing any
DOCTYPE/ENTITY declaration, so no entity can expand.
"""

from __future__ import annotations

import hashlib
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.parsers import expat

from pruner.errors import display
from pruner.importers._io import discover
from pruner.importers.base import NAME_RE, ImportResult, SourceError, sanitize_name

__all__ = ["import_openpsa"]

_COHERENT = {"and", "or", "atleast"}
_NON_COHERENT = {"not", "xor", "nand", "nor", "iff", "imply", "cardinality"}
_REFERENCES = {"event", "gate", "basic-event"}
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
MISSION_TIME = 8760.0  # hours, SCRAM's default system mission time
MAX_NAME = 253


def _parse(path: Path, lines: dict[ET.Element, int] | None = None) -> ET.Element:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(str(path), f"cannot read: {exc.strerror or exc}") from None
    match = _DOCTYPE.search(data)
    if match:
        line = data.count(b"\n", 0, match.start()) + 1
        raise SourceError(f"{path}:{line}", "DOCTYPE/ENTITY declarations are not accepted")
    # expat straight into a TreeBuilder, noting the line of each start tag
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    found: dict[ET.Element, int] = {}

    def start(tag, attrs):
        found[builder.start(tag, attrs)] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
        root = builder.close()
    except expat.ExpatError as exc:
        line = exc.lineno or 0
        where = f"{path}:{line}" if line else str(path)
        raise SourceError(where, f"not well-formed XML: {expat.ErrorString(exc.code)}") from None
    except ET.ParseError as exc:  # pragma: no cover - the builder's own complaints
        raise SourceError(str(path), f"not well-formed XML: {exc}") from None
    if root.tag != "opsa-mef":
        raise SourceError(f"{path}:{found.get(root, 1)}",
                          f"not an Open-PSA MEF file (root element {display(root.tag)})")
    if lines is not None:
        lines.update(found)
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
        self.lines: dict[ET.Element, int] = {}
        self.files: dict[ET.Element, str] = {}  # root element -> file, for locations
        self.probability: dict[str, tuple[ET.Element, str]] = {}  # basic event -> expr, file
        self.parameters: dict[str, tuple[ET.Element, str]] = {}
        self.used_names: set[str] = set()
        self.gate_files: dict[str, str] = {}
        self.first_reference: dict[str, str] = {}  # event -> file:line of its first use

    def at(self, element: ET.Element, path: str) -> str:
        """``file:line`` of an element."""
        line = self.lines.get(element)
        return f"{path}:{line}" if line else path

    def nested_name(self, gate: str, tag: str, number: int) -> str:
        """A short, valid, unique name for formula ``number`` nested in ``gate``."""
        suffix = f"/{tag}-{number}"
        name = gate + suffix
        if len(name) > MAX_NAME:
            digest = hashlib.sha1(gate.encode("utf-8")).hexdigest()[:10]
            name = gate[: MAX_NAME - len(suffix) - 11].rstrip("/") + "." + digest + suffix
        while name in self.used_names:  # a gate literally named like a nested formula
            number_text = hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]
            name = name[: MAX_NAME - 7] + "." + number_text
        self.used_names.add(name)
        return name

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
        known = self.first_reference.get(raw)
        if known is None or _position(where) < _position(known):
            self.first_reference[raw] = where
        return self.name(raw, where)

    def formula(self, owner: str, element: ET.Element, path: str) -> dict:
        """The service dict of gate ``owner`` whose failure is ``element``; formulas
        nested in it become services of their own (an explicit stack, no recursion)."""
        counter = 0
        result: dict | None = None
        todo = [(owner, element)]
        while todo:
            name, formula = todo.pop()
            here = self.at(formula, path)
            tag = formula.tag
            if tag in _REFERENCES:
                body = {"depends_on": [{"service": self.reference(formula, here)}]}
            else:
                self.check_formula(formula, here)
                children = []
                for child in formula:
                    if child.tag in ("label", "attributes"):
                        continue
                    if child.tag in _REFERENCES:
                        children.append(self.reference(child, self.at(child, path)))
                    else:
                        self.check_formula(child, self.at(child, path))
                        counter += 1
                        nested = self.nested_name(owner, child.tag, counter)
                        todo.append((nested, child))
                        children.append(nested)
                body = self.gate_items(name, formula, children, here)
            if result is None:
                result = body
            else:
                self.services[name] = dict(body, tags=["gate"])
        assert result is not None
        return result

    @staticmethod
    def check_formula(element: ET.Element, where: str) -> None:
        tag = element.tag
        if tag in _REFERENCES:
            return
        if tag in ("house-event", "constant"):
            raise SourceError(where, f"<{tag}>: house events and constants are not supported "
                                     "(set them in the model and drop them before importing)")
        if tag in _NON_COHERENT:
            raise SourceError(where, f"<{tag}> is not coherent logic: a manifest cannot "
                                     "express it (only and, or, atleast)")
        if tag not in _COHERENT:
            raise SourceError(where, f"unsupported formula <{tag}>")

    def gate_items(self, owner: str, element: ET.Element, children: list[str],
                   where: str) -> dict:
        tag = element.tag
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

    def value(self, element: ET.Element, path: str, scope: tuple[str, ...]) -> float:
        """The point value of a simple Open-PSA expression (no recursion)."""
        out: list[float] = []
        todo: list = [(element, False)]
        resolving: set[str] = set()
        while todo:
            node, done = todo.pop()
            where = self.at(node, path) if isinstance(node, ET.Element) else path
            if done:
                tag = node.tag
                if tag == "parameter":
                    resolving.discard(node.get("name") or "")
                    continue
                args = [out.pop() for _ in _operands(node)][::-1]
                try:
                    value = _combine(tag, args, where)
                except (OverflowError, ValueError, ZeroDivisionError) as exc:  # issue 17 §3
                    raise SourceError(where, f"<{tag}> cannot be computed: {exc}") from None
                if not math.isfinite(value):
                    raise SourceError(where, f"<{tag}> gives {value}, not a number")
                out.append(value)
                continue
            tag = node.tag
            if tag in ("float", "int"):
                try:
                    out.append(float(node.get("value", "")))
                except ValueError:
                    raise SourceError(where, f"<{tag}> needs a numeric value") from None
            elif tag == "system-mission-time":
                out.append(MISSION_TIME)
            elif tag == "parameter":
                raw = node.get("name") or ""
                found = None
                for prefix in [*(reversed(scope)), ""]:
                    found = self.parameters.get(prefix + raw)
                    if found is not None:
                        break
                if found is None:
                    raise SourceError(where, f"parameter {display(raw)} is not defined")
                if raw in resolving:
                    raise SourceError(where, f"parameter {display(raw)} is defined in terms "
                                             "of itself")
                resolving.add(raw)
                todo.append((node, True))
                todo.append((found[0], False))
            elif tag in _ARITHMETIC:
                operands = _operands(node)
                if tag in _UNARY and len(operands) != 1 or (
                        tag in _BINARY and len(operands) != 2) or not operands:
                    raise SourceError(where, f"<{tag}> with {len(operands)} arguments")
                todo.append((node, True))
                for child in reversed(operands):
                    todo.append((child, False))
            elif tag == "define-parameter":
                operands = _operands(node)
                if len(operands) != 1:
                    raise SourceError(where, "a parameter holds exactly one expression")
                todo.append((operands[0], False))
            else:
                raise SourceError(where, f"<{tag}>: only simple expressions are imported "
                                         "(float, int, parameter, system-mission-time, neg, add, "
                                         "sub, mul, div, exponential, GLM, Weibull, and the "
                                         "mean of a deviate); give the basic event a <float>")
        return out[0]


_UNARY = {"neg"}
_BINARY = {"sub", "div", "exponential"}
_ARITHMETIC = {"neg", "add", "sub", "mul", "div", "exponential", "GLM", "Weibull",
               "lognormal-deviate", "normal-deviate", "uniform-deviate"}


def _position(where: str) -> tuple[str, int]:
    """``file:line`` as a sortable pair (line 0 when unknown).

    >>> _position("ft.xml:12"), _position("ft.xml"), _position("ft:\u00b2")
    (('ft.xml', 12), ('ft.xml', 0), ('ft:²', 0))
    """
    path, _, line = where.rpartition(":")
    return (path, int(line)) if line.isdecimal() else (where, 0)


def _operands(node: ET.Element) -> list[ET.Element]:
    return [c for c in node if c.tag not in ("label", "attributes")]


def _combine(tag: str, args: list[float], where: str) -> float:
    if tag == "neg":
        return -args[0]
    if tag == "add":
        return math.fsum(args)
    if tag == "sub":
        return args[0] - args[1]
    if tag == "mul":
        result = 1.0
        for a in args:
            result *= a
        return result
    if tag == "div":
        if args[1] == 0:
            raise SourceError(where, "<div> by zero")
        return args[0] / args[1]
    if tag == "exponential":
        return -math.expm1(-args[0] * args[1])
    if tag in ("GLM", "Weibull"):
        if len(args) != 4:
            raise SourceError(where, f"<{tag}> needs 4 arguments, not {len(args)}")
        if tag == "GLM":  # gamma, lambda, mu, t (as SCRAM computes it)
            gamma, lam, mu, t = args
            if lam + mu == 0:
                raise SourceError(where, "<GLM> with lambda + mu = 0")
            return (lam - (lam - gamma * (lam + mu)) * math.exp(-(lam + mu) * t)) / (lam + mu)
        alpha, beta, t0, t = args  # Weibull: scale, shape, time shift, time
        if alpha <= 0 or t < t0:
            return 0.0
        return -math.expm1(-(((t - t0) / alpha) ** beta))
    if tag in ("lognormal-deviate", "normal-deviate"):
        return args[0]
    if tag == "uniform-deviate":
        if len(args) != 2:
            raise SourceError(where, f"<{tag}> with {len(args)} arguments")
        return (args[0] + args[1]) / 2
    raise SourceError(where, f"unsupported expression <{tag}>")  # pragma: no cover


def import_openpsa(sources: Sequence[str], *, probabilities: bool = True) -> ImportResult:
    """Read Open-PSA MEF files (or folders of ``*.xml``) into a manifest-v1 document.

    Parameters
    ----------
    sources
        Files or folders; a model split into a gates file and a basic-events file
        is read as one.
    probabilities
        Read basic-event probabilities into ``availability`` (default); False
        imports the structure alone (for cut sets of models whose probabilities
        are not simple expressions).

    Returns
    -------
    ImportResult
        ``document`` has one service per gate and basic event and one flow per top
        gate.

    Raises
    ------
    SourceError
        Unreadable or malformed XML, DOCTYPE/ENTITY declarations, non-coherent gates,
        a probability that is not a simple expression (with its ``file:line``).
    """
    b = _Builder()
    house: dict[str, str] = {}
    for source in discover(sources, (".xml",), b.notes.append):
        path = source.path
        where = str(path)
        # Walk with the private scopes in force ("comp." prefixes): Open-PSA lets a
        # private component reuse a gate name, so its names are qualified.
        stack = [(_parse(path, b.lines), ())]
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
                elif tag in ("define-gate", "define-basic-event", "define-house-event",
                             "define-parameter"):
                    raw = (scopes[-1] if scopes and child.get("role") != "public" else "")
                    raw += child.get("name") or ""
                    here = b.at(child, where)
                    if tag == "define-gate":
                        if raw in b.gates:
                            raise SourceError(here, f"gate {display(raw)} is defined twice")
                        b.gates[raw] = (child, here)
                        b.gate_files[raw] = where
                        b.scopes[raw] = scopes
                    elif tag == "define-basic-event":
                        label = child.find("label")
                        text = label.text if label is not None else None
                        b.basic[raw] = text.strip() if text else None
                        expression = _operands(child)
                        if len(expression) > 1:
                            raise SourceError(here, f"basic event {display(raw)} holds more "
                                                    "than one expression")
                        if expression:
                            b.probability[raw] = (expression[0], where, scopes)
                    elif tag == "define-parameter":
                        b.parameters[raw] = (child, where)
                    else:
                        house[raw] = here
                elif tag in ("model-data", "opsa-mef"):
                    stack.append((child, scopes))
    if not b.gates:
        raise SourceError(", ".join(sources), "no <define-gate> found")
    for raw in sorted(b.gates):
        b.used_names.add(b.name(raw, b.gates[raw][1]))
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
        service = b.formula(name, body[0], b.gate_files[raw])
        service["tags"] = ["gate"]
        if label is not None and label.text and label.text.strip():
            service["description"] = " ".join(label.text.split())
        b.services[name] = service
    # Issue 17 §3: an event no file defines (a gates file read without its
    # basic-events file) is refused, as SCRAM refuses it ("Undefined event"), rather
    # than imported as a leaf that never fails.
    undefined = sorted(b.mentioned - set(b.gates) - set(b.basic) - set(house))
    if undefined:
        first = min(undefined, key=lambda raw: _position(b.first_reference[raw]))
        shown = ", ".join(display(raw) for raw in undefined[:10])
        more = f" and {len(undefined) - 10} more" if len(undefined) > 10 else ""
        raise SourceError(
            b.first_reference[first],
            f"undefined event{'s' if len(undefined) > 1 else ''} {shown}{more}: no "
            "<define-basic-event> or <define-gate> of the files read defines "
            f"{'them' if len(undefined) > 1 else 'it'} (a model split into a gates file and "
            "a basic-events file needs both files)")
    without_probability: list[str] = []
    for raw in sorted(b.mentioned - set(b.gates)):
        if raw in house:
            raise SourceError(house[raw], f"house event {display(raw)} is not supported")
        name = b.name(raw, "basic event")
        service: dict[str, Any] = {"tags": ["basic-event"]}
        if b.basic.get(raw):
            service["description"] = " ".join(b.basic[raw].split())
        if probabilities and raw in b.probability:
            expression, path, scopes = b.probability[raw]
            p = b.value(expression, path, scopes)
            if not 0.0 <= p <= 1.0:
                raise SourceError(b.at(expression, path), f"basic event {display(raw)} has "
                                                          f"probability {p:g}, not within 0..1")
            service["availability"] = 1.0 - p
        else:
            without_probability.append(name)
        b.services[name] = service
    if without_probability and b.probability and probabilities:
        b.notes.append(f"{len(without_probability)} basic event(s) without a probability "
                       "(availability 1: they never fail by themselves): "
                       + ", ".join(without_probability[:5])
                       + (" ..." if len(without_probability) > 5 else ""))
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
