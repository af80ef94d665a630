"""JSON output: one object per command, keys sorted, byte-identical for the same input."""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import BROKEN, DEGRADED, DOWN, OK, UP, ItemStatus
from pruner.render.common import Dispatch, line_text

if TYPE_CHECKING:  # registering by class name imports no report module (start-up)
    from pruner.report import CheckReport, CutsReport, EssentialReport, RankReport, ValidateReport
    from pruner.report.diff import DiffReport
    from pruner.report.drift import DriftReport

__all__ = ["render", "dumps", "item_json"]


def dumps(data) -> str:
    """Serialise deterministically: sorted keys, two-space indent, trailing newline.

    Byte for byte ``json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False)``
    (a property test compares them), but strings are escaped by the C encoder and a
    list of strings is joined in one call: the standard library's indenting
    encoder is pure Python, and the 46,188 cut sets of baobab1 spent longer in it
    than in computing them.
    """
    try:
        if type(data) is dict and data:  # a report: joined once, in pieces (_object_parts)
            parts = _object_parts(data, "\n")
            parts.append("\n")
            return "".join(parts)
        return _encode(data, "\n") + "\n"
    except _Unusual:
        import json

        return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


class _Unusual(Exception):
    """A value the fast encoder leaves to :func:`json.dumps`."""


try:  # json.encoder's own string encoder, without the json package (a ms of start-up)
    from _json import encode_basestring as _string
except ImportError:  # pragma: no cover - a Python without the C accelerator
    from json.encoder import encode_basestring as _string
_ROWS = (list, tuple)
_ROW_SET = frozenset(_ROWS)


def _strings_text(values, newline: str) -> str:
    """A list of strings as :func:`dumps` writes it at indentation ``newline``."""
    if not values:
        return "[]"
    inner = newline + "  "
    if len(values) == 1:  # an item's one member, one hop
        return "[" + inner + _string(values[0]) + newline + "]"
    return "[" + inner + ("," + inner).join(map(_string, values)) + newline + "]"


def _encode(value, newline: str) -> str:
    """``value`` indented as json.dumps does, ``newline`` being the line break plus
    the indentation of the line it starts on."""
    kind = type(value)
    scalar = _SCALARS.get(kind)
    if scalar is not None:
        return scalar(value)
    if kind is float:
        if value - value == 0.0:  # finite: json.dumps writes float.__repr__
            return float.__repr__(value)
        raise _Unusual
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        if type(value[0]) is str and all(type(v) is str for v in value):
            return _strings_text(value, newline)
        inner = newline + "  "
        # rows, none empty (cut sets); the types gathered in C, not tested one by one
        # in a generator (46,188 rows: 43 -> 13 M instructions)
        if type(value[0]) in _ROWS and set(map(type, value)) <= _ROW_SET and all(value):
            try:  # rows of strings (cut sets): one join per row, no call per row
                item = inner + "  "
                sep, close = "," + item, inner + "]"
                between = close + "," + inner + "[" + item  # one row's last cell to the next's
                if all(len(v) == 1 for v in value):  # single points of failure: one join in all
                    cells = between.join(map(_string, [v[0] for v in value]))
                    return "[" + inner + "[" + item + cells + close + newline + "]"
                # Names with nothing to escape (service names never have: the name
                # grammar) are written as they are between quotes, the quotes joined
                # in with the separators: one join per row and no call per name
                # (baobab1's 46,188 cut sets: 0.12 -> 0.05 s). Whether anything needs
                # escaping is one look at every name run together.
                run = "".join(map("".join, value))
                if len(_string(run)) == len(run) + 2:
                    sep, between = '"' + sep + '"', '"' + between + '"'
                    cells = between.join([sep.join(v) for v in value])
                    return "[" + inner + "[" + item + '"' + cells + '"' + close + newline + "]"
                cells = between.join([sep.join(map(_string, v)) for v in value])
                return "[" + inner + "[" + item + cells + close + newline + "]"
            except TypeError:  # _string of something else than a string: not rows
                pass
        parts = []
        push = parts.append
        scalar_of = _SCALARS.get
        for v in value:
            scalar = scalar_of(type(v))
            push(scalar(v) if scalar is not None else _encode(v, inner))
        return "[" + inner + ("," + inner).join(parts) + newline + "]"
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + "  "
        keys = tuple(value)
        layout = _layouts.get((keys, inner))
        if layout is None:
            layout = _layout(keys, inner)
        parts = []
        push = parts.append
        scalar_of = _SCALARS.get
        for key, head in layout:
            v = value[key]
            scalar = scalar_of(type(v))
            push(head + (scalar(v) if scalar is not None else _encode(v, inner)))
        return "{" + "".join(parts) + newline + "}"
    if kind is _Encoded:
        return value.text
    raise _Unusual


def _object_parts(value: dict, newline: str) -> list[str]:
    """A non-empty dict as :func:`_encode` writes it, as a list of strings to join: a
    value encoded already (:class:`_Encoded`, the services of ``check``: most of its
    output) goes in as its pieces, so the whole text is joined once, not copied into
    its object's text, that into the document's, and that again for the final newline
    (four copies of 41 MiB on a 100,000-service chain)."""
    inner = newline + "  "
    keys = tuple(value)
    layout = _layouts.get((keys, inner))
    if layout is None:
        layout = _layout(keys, inner)
    parts = ["{"]
    push = parts.append
    scalar_of = _SCALARS.get
    for key, head in layout:
        v = value[key]
        kind = type(v)
        if kind is _Encoded:
            push(head)
            parts += v.parts
            continue
        scalar = scalar_of(kind)
        push(head + (scalar(v) if scalar is not None else _encode(v, inner)))
    push(newline + "}")
    return parts


#: Encoders of the scalars json.dumps writes as they are (floats need a finiteness check).
_SCALARS = {str: _string, int: int.__repr__, bool: {True: "true", False: "false"}.__getitem__,
            type(None): {None: "null"}.__getitem__}
#: (keys in insertion order, indentation) -> ((key, its line head), ...) in sorted order:
#: a report's objects share a few key sets (every service's, every item's), so each
#: set is sorted and its keys encoded once.
_layouts: dict = {}


def _layout(keys: tuple, inner: str) -> tuple:
    if not all(type(k) is str for k in keys):
        raise _Unusual
    order = sorted(keys)
    layout = tuple((k, ("," if i else "") + inner + _string(k) + ": ")
                   for i, k in enumerate(order))
    if len(_layouts) > 4096:
        _layouts.clear()  # bounded: a document of many different key sets
    _layouts[(keys, inner)] = layout
    return layout


class _Encoded:
    """A value already encoded (for the indentation of the place it goes): its text,
    or the pieces it is the join of (``parts``)."""

    __slots__ = ("parts",)

    def __init__(self, text: str = "", parts: list[str] | None = None):
        self.parts = [text] if parts is None else parts

    @property
    def text(self) -> str:
        return "".join(self.parts)


def item_json(status: ItemStatus) -> dict:
    """An item with its counts and the state of its members."""
    item = status.item
    data = {
        "item": item.describe(),
        "kind": item.kind,
        "members": list(item.members),
        "need": item.need,
        "up": status.up,
        "down": list(status.down),
        "degraded": list(status.degraded),
        "soft": item.soft,
        "note": item.note,
        "location": str(item.location),
    }
    if item.implicit:
        data["implicit"] = True
    return data


render = Dispatch("JSON")
render.__doc__ = """Render ``report`` as JSON."""


_SERVICE_ROW = "\n    "  # the indentation of a service's object in check_json
_SERVICE_INNER = _SERVICE_ROW + "  "
_CAUSE_INNER = _SERVICE_INNER + "  "  # inside a service's cause (item_json)
_BY_NAME = attrgetter("service.name")


def _services_text(services) -> _Encoded:
    """The ``services`` object of :func:`check_json` (``plain=True``: the same
    dictionaries), written out at its place: one entry per service of the manifest,
    so no per-entry dictionary and no per-entry call of the encoder. What a row
    shares with others (its cause's kind; its need, note and softness; its state)
    is written once per distinct value, and the rows are the object's pieces
    (:class:`_Encoded`), joined once with the whole document."""
    inner, inner2 = _SERVICE_INNER, _CAUSE_INNER
    inner3 = inner2 + "  "
    null_head = f': {{{inner}"cause": null,{inner}"off": '
    item_head = f': {{{inner}"cause": {{{inner2}"degraded": '
    implicit = f'"implicit": true,{inner2}'
    kinds: dict[str, str] = {}  # an item's kind -> from after "item" to "location": ...
    tails: dict[tuple, str] = {}  # (need, note, soft) -> from after "members" to "up": ...
    states: dict[tuple, str] = {}  # (off, state) -> from "off"'s value to "via": ...
    rows = []
    push = rows.append
    for s in sorted(services, key=_BY_NAME):
        cause, via, state = s.cause, s.via, s.state
        look = states.get((s.off, state))
        if look is None:
            look = states[(s.off, state)] = (f'{"true" if s.off else "false"},'
                                             f'{inner}"state": {_string(state)},{inner}"via": ')
        tail_text = f'{"[]" if not via else _strings_text(via, inner)}{_SERVICE_ROW}}}'
        if cause is None:
            push(f',{_SERVICE_ROW}{_string(s.service.name)}{null_head}{look}{tail_text}')
            continue
        item = cause.item
        down, degraded = cause.down, cause.degraded
        kind = kinds.get(item.kind)
        if kind is None:
            kind = kinds[item.kind] = f',{inner2}"kind": {_string(item.kind)},{inner2}"location": '
        key = (item.need, item.note, item.soft)
        rest = tails.get(key)
        if rest is None:
            note = item.note
            rest = tails[key] = (f',{inner2}"need": {item.need:d},'
                                 f'{inner2}"note": {"null" if note is None else _string(note)},'
                                 f'{inner2}"soft": {"true" if item.soft else "false"},'
                                 f'{inner2}"up": ')
        members = item.members
        # one member (most items): its list written here, without a call
        members_text = (f"[{inner3}{_string(members[0])}{inner2}]" if len(members) == 1
                        else _strings_text(members, inner2))
        down_text = ("[]" if not down else members_text if down == members
                     else _strings_text(down, inner2))  # all members down: the same list
        push(f',{_SERVICE_ROW}{_string(s.service.name)}{item_head}'
             f'{"[]" if not degraded else _strings_text(degraded, inner2)},{inner2}"down": '
             f'{down_text},{inner2}'
             f'{implicit if item.implicit else ""}"item": {_string(item.describe())}'
             f'{kind}{_string(str(item.location))},'
             f'{inner2}"members": {members_text}'
             f'{rest}{cause.up:d}{inner}}},{inner}"off": {look}{tail_text}')
    if not rows:
        return _Encoded("{}")
    rows[0] = "{" + rows[0][1:]  # the first row's comma
    rows.append("\n  }")
    return _Encoded(parts=rows)


@render.register
def _(report: CheckReport) -> str:
    return dumps(check_json(report))


def check_json(report: CheckReport, plain: bool = False) -> dict:
    """The JSON object of ``pruner check`` (spec §6); the services' object is written
    out already (:func:`_services_text`) unless ``plain``."""
    flows = {}
    for f in report.flows:
        flows[f.name] = {
            "state": f.state,
            "critical": f.flow.critical,
            "owner": f.flow.owner,
            "description": f.flow.description,
            "failed": [item_json(s) for s in f.items if s.failing],
            "troubled": [item_json(s) for s in f.items if s.troubled and not s.failing],
            "explanation": [
                {"depth": line.depth, "text": line_text(line, report.off_word)}
                for line in f.explanation
            ],
        }
    if plain:
        services = {s.name: {
            "state": s.state,
            "off": s.off,
            "cause": None if s.cause is None else item_json(s.cause),
            "via": list(s.via),
        } for s in report.services}
    else:
        services = _services_text(report.services)
    off = sum(1 for s in report.services if s.off)
    broken = report.flows_in(BROKEN)
    result = {
        "source": report.source,
        "off": list(report.off),
        "gate": {
            "fail_on": report.gate.fail_on,
            "passed": report.gate.passed,
            "failing": list(report.gate.failing),
        },
        "summary": {
            "flows": {
                "broken": len(broken),
                "broken_critical": sum(1 for f in broken if f.flow.critical),
                "degraded": len(report.flows_in(DEGRADED)),
                "ok": len(report.flows_in(OK)),
            },
            "services": {
                "off": off,
                "down": len(report.services_in(DOWN)) - off,
                "degraded": len(report.services_in(DEGRADED)),
                "up": len(report.services_in(UP)),
            },
        },
        "flows": flows,
        "services": services,
    }
    if report.warnings:  # only when there is something to say (docs/manifest.md, Evidence)
        result["warnings"] = list(report.warnings)
    if report.operations:  # spec §8: only a manifest that declares operations lists them
        result["operations"] = {
            s.name: {
                "state": s.state,
                "off": s.off,
                "service": s.service.operation_of,
                "cause": None if s.cause is None else item_json(s.cause),
                "via": s.via,
            }
            for s in report.operations
        }
        ops_off = sum(1 for s in report.operations if s.off)
        result["summary"]["operations"] = {
            "off": ops_off,
            "down": len(report.operations_in(DOWN)) - ops_off,
            "degraded": len(report.operations_in(DEGRADED)),
            "up": len(report.operations_in(UP)),
        }
    return result


@render.register
def _(report: ValidateReport) -> str:
    data = {
        "source": report.source,
        "valid": True,
        "services": report.services,
        "flows": report.flows,
        "items": report.items,
        "warnings": [
            {"location": str(w.location), "message": w.message} for w in report.warnings
        ],
    }
    if report.operations:
        data["operations"] = report.operations
    return dumps(data)


# --- diff report (issue 4) ---------------------------------------------------


def _service_json(service) -> dict:
    return {"owner": service.owner, "location": str(service.location)}


@render.register
def _(report: DiffReport) -> str:
    data = diff_json(report)
    if report.availability:  # issue 12: only when a version says anything about it
        data["availability"] = availability_diff_json(report.availability)
    if report.startup_cycles or report.unbootstrappable:  # issue 13, only when it has news
        data["bootstrap"] = {
            "new_startup_cycles": [list(c) for c in report.startup_cycles],
            "unbootstrappable": list(report.unbootstrappable),
        }
    if report.extra_nines:  # --fail-on extra-nine, only when it has news
        data["new_extra_nine_warnings"] = [{"flow": f, "message": m}
                                           for f, m in report.extra_nines]
    if report.warnings:  # only when a removal rests on nothing known (docs/manifest.md)
        data["warnings"] = list(report.warnings)
    return dumps(data)


def diff_json(report: DiffReport) -> dict:
    """The JSON object of ``pruner diff`` (shape documented in docs/ci-gate.md)."""
    from pruner.analysis.diff import KIND_ORDER
    from pruner.report.diff import removed_causes

    d = report.diff
    renamed_old = {old for old, _ in d.renamed}
    renamed_new = {new for _, new in d.renamed}
    changed = {f.name: f for f in report.flows}
    flows = {}
    for change in d.flows:
        result = changed.get(change.name)
        lines = () if result is None else result.explanation
        flows[change.name] = {
            "change": change.kind,
            "critical": change.critical,
            "owner": change.flow.owner,
            "old_state": change.old_state,
            "new_state": change.new_state,
            "new_single_points_of_failure": list(change.new_spofs),
            "removed_single_points_of_failure": list(change.removed_spofs),
            "masked_break": None if not change.masked else {
                "removed": list(change.masked),
                "hidden_by": change.masked_by,
                "accepted": change.accepted,
            },
            "removed_causes": list(removed_causes(lines)),
            "explanation": [
                {"depth": line.depth, "text": line_text(line, report.off_word)}
                for line in lines
            ],
            "location": str(change.flow.location),
        }
    result = {
        "old": report.old_source,
        "new": report.new_source,
        "gate": {
            "fail_on": report.gate.fail_on,
            "passed": report.gate.passed,
            "failing": [{"flow": f, "reason": r} for f, r in report.gate.failing],
            "accepted": list(report.gate.accepted),
            "accept_removal": list(d.accepted),
        },
        "summary": {
            "flows": {kind: len(report.flows_of(kind)) for kind in
                      KIND_ORDER} | {"unchanged": report.unchanged},
            "services": {
                "removed": len(d.removed) - len(d.renamed),
                "added": len(d.added) - len(d.renamed),
                "renamed": len(d.renamed),
            },
            "items_changed": len(d.items),
        },
        "services": {
            "removed": {s.name: _service_json(s) | {"dangling": s.name in d.dangling}
                        for s in d.removed if s.name not in renamed_old},
            "added": {s.name: _service_json(s) for s in d.added if s.name not in renamed_new},
            "renamed": [{"old": old, "new": new} for old, new in d.renamed],
            "removed_operations": list(d.removed_operations),
        },
        "flows": flows,
        "items": [
            {"owner_kind": c.owner_kind, "owner": c.owner, "change": c.change,
             "item": item_json_plain(c.item), "location": str(c.location)}
            | ({"before": item_json_plain(c.before)} if c.before is not None else {})
            for c in d.items
        ],
        "owners": [
            {"kind": c.kind, "name": c.name, "old": c.old, "new": c.new,
             "location": str(c.location)}
            for c in d.owners
        ],
    }
    if d.operations_added:  # spec §8: only when there are some
        result["services"]["added_operations"] = {
            op.name: {"service": op.operation_of, "location": str(op.location)}
            for op in d.operations_added
        }
    return result


def item_json_plain(item) -> dict:
    """An item without evaluation counts."""
    return {"item": item.describe(), "kind": item.kind, "members": list(item.members),
            "need": item.need, "soft": item.soft, "note": item.note}


# --- drift (issue 6) ---


@render.register
def _(report: DriftReport) -> str:
    return dumps(drift_json(report))


def drift_json(report: DriftReport) -> dict:
    """The JSON object of ``pruner drift`` (documented in docs/importing.md)."""
    d, obs = report.drift, report.observation
    return {
        "source": report.source,
        "observed": {
            "kind": obs.kind,
            "sources": list(obs.sources),
            "services": report.observed_services,
            "operations": report.observed_operations,
            "dependencies": d.observed_edges,
            "notes": list(obs.notes),
        },
        "summary": {
            "declared_services": report.declared_services,
            "declared_operations": report.declared_operations,
            "declared_flows": report.declared_flows,
            "declared_dependencies": d.declared_edges,
            "observed_dependencies": d.observed_edges,
            "matched": d.matched,
            "undeclared": len(d.undeclared),
            "undeclared_critical": len(d.undeclared_critical),
            "stale": len(d.stale),
            "not_observed": len(d.not_observed),
            "unjudged": d.unjudged,
            "observed_not_declared": len(d.observed_not_declared),
            "uncovered_traffic": len(d.uncovered_traffic),
            "undeclared_flows": len(d.undeclared_flows),
        },
        "gate": {
            "fail_on": report.gate.fail_on,
            "passed": report.gate.passed,
            "failing": list(report.gate.failing),
        },
        "undeclared": [
            {
                "source": u.source,
                "target": u.target,
                "calls": u.calls,
                "evidence": u.evidence,
                "source_declared": u.source_declared,
                "target_declared": u.target_declared,
                "critical_flows": list(u.critical_flows),
                "target_uncovered": u.target_uncovered,
            }
            for u in d.undeclared
        ],
        "stale": [
            {"source": s.source, "target": s.target, "soft": s.soft, "group": s.group,
             "note": s.note, "location": str(s.location)}
            for s in d.stale
        ],
        "not_observed": [
            {"source": s.source, "target": s.target, "soft": s.soft, "group": s.group,
             "note": s.note, "location": str(s.location), "why": s.why,
             "evidence": s.evidence}
            for s in d.not_observed
        ],
        "undeclared_flows": [
            {"entry": u.entry, "traces": u.traces, "entry_declared": u.entry_declared}
            for u in d.undeclared_flows
        ],
        "observed_not_declared": list(d.observed_not_declared),
        "uncovered_traffic": [
            {"service": t.name, "callers": list(t.callers), "callees": list(t.callees),
             "calls_in": t.calls_in}
            for t in d.uncovered_traffic
        ],
    }


# --- cuts, essential, rank (issue 3) ---


@render.register
def _(report: CutsReport) -> str:
    return dumps({
        "source": report.source,
        "among": None if report.among is None else list(report.among),
        "flows": {
            f.name: {
                "cut_sets": f.cuts.cut_sets,  # tuples: written as lists
                "max_order": f.cuts.max_order,
                "complete": f.cuts.complete,
                "critical": f.flow.critical,
            }
            for f in report.flows
        },
        **({"warnings": list(report.warnings)} if report.warnings else {}),
    })


@render.register
def _(report: EssentialReport) -> str:
    e = report.result
    return dumps({
        "source": report.source,
        "flows": list(e.flows),
        "keep": list(e.keep),
        "prunable": list(e.prunable),
        "prunable_giving_up_redundancy": list(e.redundant),
        "prunable_with_evidence": list(report.prunable_known),
        "prunable_unknown": list(report.prunable_unknown),
        "warnings": list(report.warnings),
        "uncovered": list(e.uncovered),
        "minimum": e.minimum,
        "single_points_of_failure": list(e.spof),
        "services": e.services,
    })


@render.register
def _(report: RankReport) -> str:
    return dumps(rank_json(report))


def rank_json(report: RankReport, plain: bool = False) -> dict:
    """The JSON object of ``pruner rank``; its ``services`` list is written out already
    (one f-string per service: a chain of 100,000 ranks every one of them) unless
    ``plain``."""
    r = report.ranking
    if plain:
        services = [{"name": h.service, "rank": i, "spof_for": list(h.spof_for),
                     "cut_sets": h.cut_sets} for i, h in enumerate(r.services, 1)]
    else:
        services = _rank_rows_text(r.services)
    return {
        "source": report.source,
        "flows": list(r.flows),
        "complete": r.complete,
        "harmless": r.harmless,
        "services": services,
    }


_RANK_ROW = "\n    "  # the indentation of a service's object in rank_json
_RANK_INNER = _RANK_ROW + "  "


def _rank_rows_text(ranked) -> _Encoded:
    if not ranked:
        return _Encoded("[]")
    inner = _RANK_INNER
    rows = [f'{{{inner}"cut_sets": {h.cut_sets:d},{inner}"name": {_string(h.service)},'
            f'{inner}"rank": {i:d},{inner}"spof_for": {_strings_text(h.spof_for, inner)}'
            f'{_RANK_ROW}}}' for i, h in enumerate(ranked, 1)]
    return _Encoded("[" + _RANK_ROW + ("," + _RANK_ROW).join(rows) + "\n  ]")


# --- availability (issue 12) ---

if TYPE_CHECKING:  # registered by class name: loads no report module (start-up)
    from pruner.report.availability import AvailabilityReport


def availability_flow_json(flow, importance: bool = True) -> dict:
    """One flow's availability, target and importance factors (spec §9; without
    ``importance``, the ``importance`` key is left out)."""
    return {
        "availability": flow.availability,
        "unavailability": flow.unavailability,
        "downtime_minutes_per_30_days": flow.downtime_minutes,
        "target": flow.target,
        "meets_target": flow.meets_target,
        "critical": flow.critical,
        "harden_first": [i.service for i in flow.importance],
        **({"importance": {
            i.service: {"availability": i.availability, "mif": i.mif, "cif": i.cif,
                        "dif": i.dif, "raw": i.raw, "rrw": i.rrw,
                        "given_down": i.given_down, "given_up": i.given_up}
            for i in flow.importance
        }} if importance else {}),
    }


#: The keys of an importance entry, sorted, each with its ": ".
_IMPORTANCE_KEYS = tuple(f'"{k}": ' for k in (
    "availability", "cif", "dif", "given_down", "given_up", "mif", "raw", "rrw"))


def _number(value) -> str:
    if value is None:
        return "null"
    if type(value) is float and value - value == 0.0:
        return float.__repr__(value)
    raise _Unusual


def _importance_text(flow, newline: str) -> str:
    """``availability_flow_json(flow)["importance"]`` as :func:`dumps` writes it at
    the indentation ``newline``: the bulk of the output (about 100 entries of 8
    numbers per flow), written without building a dictionary per entry."""
    if not flow.importance:
        return "{}"
    inner = newline + "  "
    deeper = inner + "  "
    entry = ": {" + deeper + ("," + deeper).join(k + "%s" for k in _IMPORTANCE_KEYS) \
        + inner + "}"
    rows = []
    float_repr = float.__repr__
    for i in sorted(flow.importance, key=lambda i: i.service):
        values = (i.availability, i.cif, i.dif, i.given_down, i.given_up, i.mif, i.raw, i.rrw)
        try:
            texts = tuple(map(float_repr, values))
        except TypeError:  # None (a ratio whose denominator is 0), or not a float
            texts = tuple(map(_number, values))
        else:
            if "n" in "".join(texts):  # inf or nan: json.dumps writes those
                raise _Unusual
        rows.append(_string(i.service) + entry % texts)
    return "{" + inner + ("," + inner).join(rows) + newline + "}"


@render.register
def _(report: AvailabilityReport) -> str:
    top = {"source": report.source, "passed": report.passed}
    try:
        flows = {}
        for f in report.flows:
            data = availability_flow_json(f, importance=False)
            data["importance"] = _Encoded(_importance_text(f, "\n" + " " * 6))
            flows[f.flow] = data
        return _encode(dict(top, flows=flows), "\n") + "\n"
    except _Unusual:  # a value the fast path leaves to json.dumps
        return dumps(dict(top, flows={f.flow: availability_flow_json(f) for f in report.flows}))


def availability_diff_json(changes) -> dict:
    """``pruner diff``: each flow's availability and target before and after."""
    return {c.flow: {"old": c.old, "new": c.new, "old_target": c.old_target,
                     "new_target": c.new_target, "critical": c.critical,
                     "dropped_below_target": c.dropped_below_target} for c in changes}


# --- bootstrap (issue 13) ------------------------------------------------------
if TYPE_CHECKING:  # registered by class name: loads no bootstrap module (start-up)
    from pruner.report.bootstrap import BootstrapReport


@render.register
def _(report: BootstrapReport) -> str:
    return dumps(bootstrap_json(report))


def bootstrap_json(report: BootstrapReport) -> dict:
    """The JSON object of ``pruner bootstrap`` (spec §10, plus explanations)."""
    from pruner.analysis.bootstrap import DEFAULT_START_SECONDS

    b = report.result
    ops = set(b.operations)
    timed = b.times is not None
    flows = {}
    for name, wave in b.ready.items():
        entry = {"ready_wave": wave, "critical": report.critical[name]}
        if timed:
            entry["ready_seconds"] = b.ready_seconds[name]
        flows[name] = entry
    services, operations = {}, {}
    for name, serving in b.serving.items():
        if name in ops:
            entry = {"serving_wave": serving}
        else:
            entry = {"wave": b.start[name], "serving_wave": serving}
            if b.from_off:
                entry["restarted"] = name in b.from_off
        if timed:
            entry["ready_seconds"] = b.times[name]
        (operations if name in ops else services)[name] = entry
    why = {}
    for name, s in b.explanations.items():
        why[name] = {"started": s.started, "cycle": s.cycle, "waits_on": s.waits_on,
                     "item": s.item, "root_cycle": s.root}
    out = {
        "source": report.source,
        "from_off": list(b.from_off) if b.from_off else None,
        "waves": [list(w) for w in b.waves],
        "stuck": list(b.stuck),
        "flows": flows,
        "services": services,
        "operations": operations,
        "never_serving": why,
        "cycles": [
            {
                "members": list(c.members),
                "chain": list(c.chain),
                "unstick": [{"service": s, "item": i} for s, i in c.unstick],
                "unstick_minimum": c.minimum,
                "unstick_minimal": c.minimal,
            }
            for c in b.cycles
        ],
        "gate": {"passed": report.passed, "failing": list(b.critical_never)},
    }
    if timed:
        out["timing"] = {"default_start_seconds": DEFAULT_START_SECONDS,
                         "undeclared": list(b.undeclared_seconds)}
    return out


# --- plan (spec §12, issue 20) ---
if TYPE_CHECKING:  # registered by class name: loads no plan module (start-up)
    from pruner.report.plan import PlanReport


@render.register
def _(report: PlanReport) -> str:
    from pruner.report.plan import plan_json

    return dumps(plan_json(report))


# --- rpc (issue 22) ---
if TYPE_CHECKING:
    from pruner.report.rpc import RpcReport


def _ms(value: float) -> float:
    """Milliseconds to the microsecond (deterministic, no float noise)."""
    return round(float(value), 3)


def rpc_json(report: RpcReport) -> dict:
    """Spec §14: ``{"flows": {NAME: {"traces", "rpcs", "depth", "critical_path",
    "groups"}}}``, exactly those keys."""
    flows = {}
    for e in report.entries:
        p = e.profile
        flows[e.name] = {
            "traces": p.traces,
            "rpcs": {"p50": p.rpcs.p50, "p99": p.rpcs.p99, "max": p.rpcs.max},
            "depth": p.depth,
            "critical_path": {"path": list(p.critical_path.path),
                              "duration_ms_p50": _ms(p.critical_path.duration_ms_p50)},
            "groups": [{"caller": g.caller, "callee": g.callee, "calls": g.calls,
                        "traces": g.traces, "sequential": g.sequential,
                        "saved_ms": _ms(g.saved_ms)} for g in p.groups],
        }
    return {"flows": flows}


@render.register
def _(report: RpcReport) -> str:
    return dumps(rpc_json(report))
