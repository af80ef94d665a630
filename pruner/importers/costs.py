"""Service costs from where they are kept (spec §12, issue 20): an OpenCost
``/allocation/compute`` response, or a plain ``service,cost`` CSV.

OpenCost
--------
The response is ``{"code": 200, "data": [{NAME: {"name", "properties": {...},
"totalCost"}, ...}, ...]}``: one mapping per time step of the window (``step``), each
allocation's ``totalCost`` in the currency OpenCost is set to. The costs of every step
are added up. An allocation is matched to a service by the first rule that names a
service of the manifest:

1. the user's mapping (``--cost-map FILE``: CSV lines ``KEY,SERVICE``, where KEY is an
   allocation name, ``controller:NAME`` or ``label:app=VALUE``);
2. ``properties.controller`` (the Deployment/StatefulSet name: OpenCost's
   ``aggregate=controller``);
3. the ``app`` label (``properties.labels.app``, then ``app_kubernetes_io_name``: OpenCost
   writes label names with ``_`` for ``.`` and ``/``; older versions say ``label``);
4. the allocation's name, without a ``KIND:`` prefix (``deployment:frontend``) or a
   ``NAMESPACE/`` prefix.

Several allocations matching one service are added up (replicas, namespaces).
Allocations that match nothing (``__idle__``, ``__unallocated__``, other teams'
workloads) are listed, never guessed.

CSV
---
``service,cost`` per line; a first line ``service,cost`` is a header; ``#`` starts a
comment; a cost is a finite number >= 0; a service named twice is an error; a name that
is no service of the manifest is listed as unmatched.

Bad input is a :class:`~pruner.importers.base.SourceError` with ``file:line`` (CSV, JSON
syntax) or the offending key (JSON shape): exit code 2, never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import field, replace
from types import MappingProxyType

from pruner.errors import did_you_mean, display
from pruner.frozen import record
from pruner.importers.base import SourceError, long_number
from pruner.sources import open_regular, shown

__all__ = ["CostTable", "read_costs", "read_cost_map", "parse_costs", "MAX_COST_BYTES"]

MAX_COST_BYTES = 256 << 20  # a month of hourly steps for 20,000 workloads is far less
MAX_NAME = 1000


@record(slots=False)
class CostTable:
    """Costs by service (summed), and what matched nothing."""

    source: str
    kind: str  # "opencost" or "csv"
    costs: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    unmatched: tuple[str, ...] = ()
    matched_by: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: keys of the user's mapping that matched no allocation (a typo, a workload gone)
    unused_keys: tuple[str, ...] = ()


def _read(path: str) -> str:
    with open_regular(path) as handle:
        data = handle.read(MAX_COST_BYTES + 1)
    if len(data) > MAX_COST_BYTES:
        raise SourceError(shown(path), f"cost file larger than {MAX_COST_BYTES >> 20} MiB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(f"{shown(path)}:{line}", "not valid UTF-8") from None


def read_costs(path: str, services: Iterable[str],
               mapping: Mapping[str, str] | None = None) -> CostTable:
    """Read ``path`` (OpenCost JSON or CSV, told apart by the first character)."""
    return parse_costs(_read(path), shown(path), services, mapping)


def read_cost_map(path: str, services: Iterable[str]) -> dict[str, str]:
    """The user's mapping: CSV lines ``KEY,SERVICE`` (``#`` comments); every SERVICE must
    be a service of the manifest."""
    names = set(services)
    text = _read(path)
    out: dict[str, str] = {}
    for line, row in _csv_rows(text, shown(path)):
        if len(row) != 2 or not row[0] or not row[1]:
            raise SourceError(f"{shown(path)}:{line}", "a mapping line is KEY,SERVICE")
        if row[0] in out:
            raise SourceError(f"{shown(path)}:{line}", f"{display(row[0])} is mapped twice")
        if row[1] not in names:
            raise SourceError(f"{shown(path)}:{line}", f"unknown service {display(row[1])}"
                                                       f"{did_you_mean(row[1], names)}")
        out[row[0]] = row[1]
    return out


def parse_costs(text: str, where: str, services: Iterable[str],
                mapping: Mapping[str, str] | None = None) -> CostTable:
    """Costs from the text of a cost file.

    >>> t = parse_costs('service,cost\\nweb,12.5\\nold,3\\n', "c.csv", ["web", "db"])
    >>> dict(t.costs), t.unmatched
    ({'web': 12.5}, ('old',))
    >>> doc = ('{"data": [{"deployment:web": {"properties": {"controller": "web"}, '
    ...        '"totalCost": 2}, "__idle__": {"totalCost": 1}}]}')
    >>> t = parse_costs(doc, "a.json", ["web"])
    >>> dict(t.costs), t.unmatched, dict(t.matched_by)
    ({'web': 2.0}, ('__idle__',), {'deployment:web': 'controller'})
    >>> parse_costs(doc, "a.json", ["web"], {"controller:wbe": "web"}).unused_keys
    ('controller:wbe',)
    """
    names = set(services)
    if text.lstrip()[:1] in ("{", "["):
        return _opencost(text, where, names, mapping or {})
    table = _csv(text, where, names)
    if mapping:  # a CSV names services itself: the mapping has nothing to match
        table = replace(table, unused_keys=tuple(sorted(mapping)))
    return table


def _csv_rows(text: str, where: str):
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            line = reader.line_num
            cells = [c.strip() for c in row]
            if not cells or not any(cells) or cells[0].startswith("#"):
                continue
            if any(len(c) > MAX_NAME for c in cells):
                raise SourceError(f"{where}:{line}", f"a cell longer than {MAX_NAME} characters")
            yield line, cells
    except csv.Error as exc:
        raise SourceError(f"{where}:{reader.line_num}", f"not CSV: {exc}") from None


#: A cost as CSV writes one: decimal digits, a point, an exponent. float() reads more: other
#: scripts' digits ('１２'), digit separators ('1_000'), 'inf' and 'nan'.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _number(value: str) -> float | None:
    """A cost, or None when ``value`` is not a finite decimal number >= 0.

    >>> _number("12.5"), _number("1e3"), _number("1_000"), _number("\uff11"), _number("-1")
    (12.5, 1000.0, None, None, None)
    """
    if not _DECIMAL.fullmatch(value):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def _csv(text: str, where: str, names: set[str]) -> CostTable:
    costs: dict[str, float] = {}
    seen: dict[str, int] = {}
    unmatched = []
    first = True
    for line, row in _csv_rows(text, where):
        if first and [c.lower() for c in row] == ["service", "cost"]:
            first = False
            continue
        first = False
        if len(row) != 2:
            raise SourceError(f"{where}:{line}", f"a cost line is SERVICE,COST (found "
                                                 f"{len(row)} fields)")
        name, value = row
        cost = _number(value)
        if not name:
            raise SourceError(f"{where}:{line}", "no service name")
        if cost is None:
            raise SourceError(f"{where}:{line}", f"cost of {display(name)} must be a finite "
                                                 f"number, 0 or more, not {display(value)}")
        if name in seen:
            raise SourceError(f"{where}:{line}", f"{display(name)} is listed twice (first on "
                                                 f"line {seen[name]})")
        seen[name] = line
        if name in names:
            costs[name] = cost
        else:
            unmatched.append(name)
    return CostTable(where, "csv", MappingProxyType(dict(sorted(costs.items()))),
                     tuple(sorted(unmatched)),
                     MappingProxyType({n: "name" for n in sorted(costs)}))


class _DuplicateKey(ValueError):
    """One JSON object names a key twice: which value is meant is not said."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """An object's pairs as a dict, refusing a key given twice (``json.loads`` would keep
    the last silently: one allocation's cost dropped without a word)."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise _DuplicateKey(f"the key {display(twice[:80])} appears twice in one "
                            "object: which cost is meant?")
    return out


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _opencost(text: str, where: str, names: set[str], mapping: Mapping[str, str]
              ) -> CostTable:
    try:
        doc = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{where}:{exc.lineno}:{exc.colno}", f"not JSON: {exc.msg}") from None
    except _DuplicateKey as exc:
        raise SourceError(where, str(exc)) from None
    except ValueError as exc:
        long = long_number(text)
        if long is not None:
            raise SourceError(f"{where}:{text.count(chr(10), 0, long[0]) + 1}",
                              f"not JSON: {long[1]}") from None
        raise SourceError(where, f"not JSON: {exc}") from None
    except RecursionError:
        raise SourceError(where, "JSON nested too deeply") from None
    if not isinstance(doc, dict) or "data" not in doc:
        raise SourceError(where, 'an OpenCost /allocation/compute response is an object with '
                                 '"data": [{NAME: {"properties": {...}, "totalCost": N}}]')
    steps = doc["data"]
    if isinstance(steps, dict):
        steps = [steps]
    if not isinstance(steps, list):
        raise SourceError(where, '"data" must be a list of allocation sets, not '
                                 f"{type(steps).__name__}")
    costs: dict[str, float] = {}
    matched_by: dict[str, str] = {}
    unmatched: set[str] = set()
    used: set[str] = set()  # the mapping's keys that matched an allocation
    for k, step in enumerate(steps):
        if step is None:
            continue
        if not isinstance(step, dict):
            raise SourceError(where, f"data[{k}] must be an object of allocations, not "
                                     f"{type(step).__name__}")
        for name, body in step.items():
            key = f"data[{k}][{json.dumps(name)[:80]}]"
            if not isinstance(body, dict):
                raise SourceError(where, f"{key} must be an allocation object, not "
                                         f"{type(body).__name__}")
            written = total = body.get("totalCost")
            if isinstance(total, int) and not isinstance(total, bool):
                total = _as_float(total)  # JSON integers have no size limit
            if isinstance(total, bool) or not isinstance(total, (int, float)) \
                    or not math.isfinite(total) or total < 0:
                raise SourceError(where, f"{key}.totalCost must be a number >= 0, not "
                                         f"{display(json.dumps(written)[:40])}")
            props = body.get("properties")
            props = {} if props is None else props
            if not isinstance(props, dict):
                raise SourceError(where, f"{key}.properties must be an object")
            labels = props.get("labels", props.get("label"))
            labels = {} if labels is None else labels
            if not isinstance(labels, dict):
                raise SourceError(where, f"{key}.properties.labels must be an object")
            service, rule = _match(name, props, labels, names, mapping, used)
            if service is None:
                unmatched.add(name)
                continue
            costs[service] = costs.get(service, 0.0) + float(total)
            if not math.isfinite(costs[service]):
                raise SourceError(where, f"{key}.totalCost: the costs of {display(service)} "
                                         "add up to more than a number holds")
            matched_by.setdefault(name, rule)
    return CostTable(where, "opencost", MappingProxyType(dict(sorted(costs.items()))),
                     tuple(sorted(unmatched)), MappingProxyType(dict(sorted(matched_by.items()))),
                     tuple(sorted(mapping.keys() - used)))


def _as_float(value: int) -> float:
    """``value`` as a float; infinite when it is too large for one (then refused).

    >>> _as_float(3), _as_float(10 ** 400)
    (3.0, inf)
    """
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _match(name: str, props: dict, labels: dict, names: set[str],
           mapping: Mapping[str, str], used: set[str]) -> tuple[str | None, str]:
    controller = _text(props.get("controller"))
    app = _text(labels.get("app")) or _text(labels.get("app_kubernetes_io_name"))
    keys = [name]
    if controller:
        keys.append(f"controller:{controller}")
    if app:
        keys.append(f"label:app={app}")
    for key in keys:
        target = mapping.get(key)
        if target is not None and target in names:
            used.add(key)
            return target, "mapping"
    if controller in names:
        return controller, "controller"
    if app in names:
        return app, "label:app"
    bare = name.rpartition(":")[2].rpartition("/")[2]
    for candidate in (name, bare):
        if candidate in names:
            return candidate, "name"
    return None, ""
