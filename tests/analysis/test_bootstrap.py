"""Bootstrap (spec §10) against a brute-force oracle written from the spec text:
wave by wave, each wave judged with a full §4 evaluation (tests/oracle.py)."""

from __future__ import annotations

import dataclasses
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.bootstrap import bootstrap, bootstrap_regressions, startup_cycles
from pruner.graph import dependency_graph
from pruner.loader import load_sources
from pruner.model import ANY_OF, SINGLE, Flow, Item, Manifest, Service
from tests.oracle import evaluate
from tests.strategies import document, item_document, items, manifests, manifests_with_operations


def oracle(manifest: Manifest, from_off=None):
    """(waves, stuck, flow ready waves, service serving waves), straight from §10."""
    names = set(manifest.services)
    started = set() if from_off is None else names - set(from_off)

    def serving():
        states, flows = evaluate(manifest, names - started)
        return {s for s in started if states[s] != "down"}, flows

    def startup_items(svc):
        return [i for i in svc.depends_on if not i.soft and i.startup]

    now, flows = serving()
    ready = {f: None for f in manifest.flows}
    served = {s: None for s in names}
    if from_off is not None:
        for f, state in flows.items():
            if state != "broken":
                ready[f] = -1
        for s in now:
            served[s] = -1
    waves = []
    while True:
        wave = sorted(
            s for s, svc in manifest.services.items()
            if s not in started
            and all(sum(m in now for m in i.members) >= i.need for i in startup_items(svc))
        )
        if not wave:
            break
        waves.append(wave)
        started |= set(wave)
        now, flows = serving()
        n = len(waves) - 1
        for f, state in flows.items():
            if state != "broken" and ready[f] is None:
                ready[f] = n
        for s in now:
            if served[s] is None:
                served[s] = n
    stuck = sorted(names - started)
    return waves, stuck, ready, served


@st.composite
def startup_manifests(draw, max_services=8):
    m = draw(manifests(max_services=max_services))
    services = []
    for svc in m.services.values():
        items = tuple(
            dataclasses.replace(i, startup=False) if (not i.soft and draw(st.booleans())) else i
            for i in svc.depends_on
        )
        services.append(dataclasses.replace(svc, depends_on=items))
    return Manifest.from_lists(services, m.flows.values())


def _loaded(manifest):
    """Through the YAML loader, as a user would write it."""
    text = json.dumps(document(manifest))
    return load_sources([("m.yaml", text)]).manifest


@settings(max_examples=100, deadline=None)
@given(startup_manifests())
def test_cold_start_agrees_with_the_oracle(manifest):
    manifest = _loaded(manifest)
    b = bootstrap(dependency_graph(manifest), budget=0.05)
    waves, stuck, ready, served = oracle(manifest)
    assert [list(w) for w in b.waves] == waves
    assert list(b.stuck) == stuck
    assert b.ready == ready
    assert b.serving == served
    never = sorted(f for f, r in ready.items() if r is None and manifest.flows[f].critical)
    assert list(b.critical_never) == never
    # every stuck service is explained, by a cycle or by what it waits on
    for name in b.stuck:
        why = b.explanations[name]
        assert not why.started
        assert why.cycle is not None or why.waits_on is not None


@settings(max_examples=80, deadline=None)
@given(startup_manifests(), st.data())
def test_partial_restart_agrees_with_the_oracle(manifest, data):
    names = sorted(manifest.services)
    off = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    b = bootstrap(dependency_graph(manifest), off, budget=0.05)
    waves, stuck, ready, served = oracle(manifest, off)
    assert [list(w) for w in b.waves] == waves
    assert list(b.stuck) == stuck
    assert b.ready == ready
    assert b.serving == served


@settings(max_examples=50, deadline=None)
@given(startup_manifests())
def test_unstick_sets_unstick_their_cycles(manifest):
    G = dependency_graph(manifest)
    b = bootstrap(G, budget=0.2)
    flips = {}
    for cycle in b.cycles:
        for owner, described in cycle.unstick:
            flips.setdefault(owner, set()).add(described)
    services = []
    for svc in manifest.services.values():
        wanted = flips.get(svc.name, set())
        items = tuple(dataclasses.replace(i, startup=False) if i.describe() in wanted else i
                      for i in svc.depends_on)
        services.append(dataclasses.replace(svc, depends_on=items))
    fixed = bootstrap(dependency_graph(Manifest.from_lists(services, manifest.flows.values())),
                      budget=0.0)
    for cycle in b.cycles:
        if cycle.unstick:
            assert not set(cycle.members) & set(fixed.stuck)


def _graph(text):
    return dependency_graph(load_sources([("m.yaml", text)]).manifest)


def test_runtime_dependency_on_a_cycle_still_deadlocks():
    # config needs monitor to serve; monitor needs config to start: the Roblox shape
    G = _graph("""
services:
  config: {depends_on: [{service: monitor, startup: false}]}
  monitor: {depends_on: [config]}
  api: {depends_on: [config]}
flows: {shop: {requires: [api]}}
""")
    b = bootstrap(G)
    assert b.waves == (("config",),)
    assert b.stuck == ("api", "monitor")
    assert b.ready == {"shop": None} and b.critical_never == ("shop",)
    assert b.explanations["api"].waits_on == "config"
    assert b.explanations["config"].started
    (cycle,) = b.cycles
    assert cycle.members == ("config", "monitor")
    assert cycle.unstick == (("monitor", "config"),) and cycle.minimum
    assert startup_cycles(G) == [("config", "monitor")]


def test_a_ring_of_hard_items_needs_every_link_made_runtime():
    # one link made runtime lets its owner start, but it serves only once the others
    # do: in a ring of hard items every start-up link must go
    G = _graph("services: {a: {depends_on: [b]}, b: {depends_on: [c]}, c: {depends_on: [a]}}")
    (cycle,) = bootstrap(G).cycles
    assert cycle.chain == ("a", "b", "c", "a")
    assert cycle.unstick == (("a", "b"), ("b", "c"), ("c", "a")) and cycle.minimum


def test_only_start_up_links_need_to_go():
    G = _graph("services: {a: {depends_on: [b]}, b: {depends_on: [c]}, "
               "c: {depends_on: [{service: a, startup: false}, x]}, x: {}}")
    (cycle,) = bootstrap(G).cycles
    assert len(cycle.unstick) == 2 and cycle.minimum


def test_start_seconds_critical_path_with_parallel_starts():
    G = _graph("""
services:
  db: {start_seconds: 30}
  cache: {start_seconds: 5}
  api: {depends_on: [db, cache], start_seconds: 10}
  web: {depends_on: [{service: api, startup: false}], start_seconds: 2}
flows: {shop: {requires: [web]}}
""")
    b = bootstrap(G)
    assert b.times == {"db": 30.0, "cache": 5.0, "api": 40.0, "web": 40.0}
    assert b.ready_seconds == {"shop": 40.0}
    assert b.ready == {"shop": 1}


def test_diff_regressions():
    old = _graph("services: {a: {depends_on: [b]}, b: {}}\nflows: {f: {requires: [a]}}")
    new = _graph("services: {a: {depends_on: [b]}, b: {depends_on: [a]}}\n"
                 "flows: {f: {requires: [a]}}")
    assert bootstrap_regressions(old, new) == ([("a", "b")], ["f"])
    assert bootstrap_regressions(old, old) == ([], [])


def _whole_regressions(old, new):
    """What bootstrap_regressions answered before it solved only around the change."""
    before = bootstrap(old, timed=False, fixes=False)
    after = bootstrap(new, timed=False, fixes=False)
    known = [set(c.members) for c in before.cycles]  # new: no old cycle holds it whole
    return ([c.members for c in after.cycles if not any(k >= set(c.members) for k in known)],
            [f for f in after.critical_never if before.ready.get(f, 0) is not None])


def _some_runtime(draw, drawn):
    """Some hard items made runtime (``startup: false``)."""
    return tuple(dataclasses.replace(i, startup=False)
                 if not i.soft and draw(st.integers(0, 3)) == 0 else i for i in drawn)


def _flip_one(draw, written: list) -> list:
    hard = [k for k, i in enumerate(written) if not (isinstance(i, dict) and i.get("soft"))]
    if not hard:
        return written
    k = draw(st.sampled_from(hard))
    item = written[k] if isinstance(written[k], dict) else {"service": written[k]}
    item = dict(item)
    if item.pop("startup", True):
        item["startup"] = False
    return [*written[:k], item, *written[k + 1:]]


@st.composite
def manifest_changes(draw):
    """(old document, new document): services and operations edited, removed (left
    named, as placeholders) and added; flows edited, demoted, removed and added."""
    old = draw(manifests_with_operations(max_services=7))
    nodes = list(old.nodes)
    old_doc = document(Manifest.from_lists(
        [dataclasses.replace(
            s, depends_on=_some_runtime(draw, s.depends_on),
            operations=tuple(dataclasses.replace(o, depends_on=_some_runtime(draw, o.depends_on))
                             for o in s.operations))
         for s in old.services.values()], list(old.flows.values())))
    new_doc = json.loads(json.dumps(old_doc))
    if draw(st.booleans()):
        nodes.append("n0")
        new_doc["services"]["n0"] = {"depends_on": [
            item_document(i) for i in _some_runtime(draw, draw(items(list(old.nodes))))]}
    for name in sorted(old.services):
        action = draw(st.sampled_from(["keep", "keep", "keep", "edit", "flip", "remove"]))
        if action == "remove":
            del new_doc["services"][name]
        elif action == "flip":  # the same items, one start-up flag changed
            new_doc["services"][name]["depends_on"] = _flip_one(
                draw, new_doc["services"][name]["depends_on"])
        elif action == "edit":
            new_doc["services"][name]["depends_on"] = [item_document(i) for i in _some_runtime(
                draw, draw(items([n for n in nodes if n != name])))]
    for name in sorted(old.flows):
        action = draw(st.sampled_from(["keep", "keep", "edit", "toggle", "remove"]))
        if action == "remove":
            del new_doc["flows"][name]
        elif action == "toggle":
            new_doc["flows"][name]["critical"] = not new_doc["flows"][name]["critical"]
        elif action == "edit":
            new_doc["flows"][name]["requires"] = [
                item_document(i) for i in draw(items(nodes, max_items=3).filter(bool))]
    if draw(st.booleans()):
        new_doc["flows"]["g0"] = {"requires": [
            item_document(i) for i in draw(items(nodes, max_items=3).filter(bool))]}
    return old_doc, new_doc


@settings(max_examples=150, deadline=None)
@given(manifest_changes(), st.booleans())
def test_regressions_solved_around_the_change_equal_the_whole_solve(change, light):
    old_doc, new_doc = change
    old = load_sources([("old.yaml", json.dumps(old_doc))])
    new = load_sources([("new.yaml", json.dumps(new_doc))],
                       assume_services=old.manifest.nodes)
    G_old = dependency_graph(old.manifest, light=light)
    G_new = dependency_graph(new.manifest, light=light)
    assert bootstrap_regressions(G_old, G_new) == _whole_regressions(G_old, G_new)


def test_when_nothing_starts_at_all_no_flow_is_ever_ready_and_the_change_says_so():
    # the flow needs nothing hard, but a cold start where no service starts brings
    # nothing back (§10): that is known only from the whole manifest
    flow = "flows: {f: {requires: [{service: b, soft: true}]}}"
    old = _graph("services: {a: {}, b: {depends_on: [a]}}\n" + flow)
    new = _graph("services: {a: {depends_on: [b]}, b: {depends_on: [a]}}\n" + flow)
    assert bootstrap_regressions(old, new) == ([("a", "b")], ["f"])
    assert bootstrap_regressions(old, new) == _whole_regressions(old, new)


def test_long_chain_has_as_many_waves_without_recursion():
    n = 20_000
    services = [Service(f"s{i}", (Item(SINGLE, (f"s{i + 1}",)),)) for i in range(n - 1)]
    services.append(Service(f"s{n - 1}"))
    flows = [Flow("f", (Item(SINGLE, ("s0",)),))]
    b = bootstrap(dependency_graph(Manifest.from_lists(services, flows)))
    assert len(b.waves) == n and b.ready["f"] == n - 1 and b.waves[0] == (f"s{n - 1}",)


def test_operations_start_with_their_service_and_serve_when_their_items_do():
    G = _graph("""
services:
  db: {}
  search: {}
  frontend:
    depends_on: [db]
    operations:
      login: {depends_on: [auth]}
      find: {depends_on: [{service: search, startup: false}]}
  auth: {depends_on: [db]}
  batch: {depends_on: ["frontend:login"]}
flows:
  login: {requires: ["frontend:login"]}
  find: {requires: ["frontend:find"]}
""")
    b = bootstrap(G)
    assert b.waves == (("db", "search"), ("auth", "frontend"), ("batch",))
    assert b.operations == ("frontend:find", "frontend:login")
    # an operation is never in a wave; it serves once its service and its items do
    assert b.serving["frontend:login"] == 1 and b.serving["frontend:find"] == 1
    assert b.ready == {"login": 1, "find": 1}
    # a start-up item naming an operation waits until that operation serves
    assert b.start["batch"] == 2


def test_partial_restart_of_one_operation():
    G = _graph("""
services:
  api:
    operations:
      pay: {depends_on: [bank]}
  bank: {}
flows: {pay: {requires: ["api:pay"]}}
""")
    b = bootstrap(G, ["api:pay"])
    assert b.waves == () and b.stuck == ()
    assert b.serving["api:pay"] == 0 and b.ready == {"pay": 0}


def time_oracle(manifest: Manifest, seconds: dict):
    """Ready times by event simulation straight from the definitions: at each moment,
    start every service whose start-up items are served; a started service is ready
    ``start_seconds`` later and serves once ready and not DOWN (§4, the not-ready
    counted OFF)."""
    names = set(manifest.services)
    started: dict[str, float] = {}
    served: dict[str, float] = {}
    ready_flow: dict[str, float | None] = dict.fromkeys(manifest.flows)
    t = 0.0
    while True:
        while True:  # cascade at this moment (start_seconds 0 starts and serves at once)
            ready = {s for s, at in started.items() if at + seconds[s] <= t}
            states, flows = evaluate(manifest, names - ready)
            now = {s for s in ready if states[s] != "down"}
            for s in now:
                served.setdefault(s, t)
            for f, state in flows.items():
                if state != "broken" and ready_flow[f] is None:
                    ready_flow[f] = t
            new = [s for s, svc in manifest.services.items() if s not in started and all(
                sum(m in now for m in i.members) >= i.need
                for i in svc.depends_on if not i.soft and i.startup)]
            if not new:
                break
            for s in new:
                started[s] = t
        later = [at + seconds[s] for s, at in started.items() if at + seconds[s] > t]
        if not later:
            return served, ready_flow
        t = min(later)


@settings(max_examples=80, deadline=None)
@given(startup_manifests(), st.data())
def test_ready_times_agree_with_an_event_simulation(manifest, data):
    seconds = {s: data.draw(st.sampled_from([0.0, 1.0, 2.5, 10.0])) for s in manifest.services}
    manifest = Manifest.from_lists(
        [dataclasses.replace(svc, start_seconds=seconds[svc.name])
         for svc in manifest.services.values()], manifest.flows.values())
    b = bootstrap(dependency_graph(manifest), budget=0.0)
    served, ready_flow = time_oracle(manifest, seconds)
    assert b.times == {s: served.get(s) for s in manifest.services}
    if b.waves:  # no wave at all: the spec's ready wave is null, and so is the time
        assert b.ready_seconds == ready_flow


def test_many_cycles_stay_cheap_and_stacked_ones_are_fixed_in_order():
    # 2,000 start-up cycles, each waiting on the next: the fixes are found cycle by
    # cycle on a lazily updated copy, not by re-solving the manifest per cycle
    n = 2000
    services = [Service(f"a{i}", (Item(SINGLE, (f"b{i}",)),)
                        + ((Item(SINGLE, (f"a{i + 1}",)),) if i + 1 < n else ()))
                for i in range(n)]
    services += [Service(f"b{i}", (Item(SINGLE, (f"a{i}",)),)) for i in range(n)]
    b = bootstrap(dependency_graph(Manifest.from_lists(services, [])), budget=0.0)
    assert len(b.cycles) == n and len(b.stuck) == 2 * n
    assert all(len(c.unstick) == 2 for c in b.cycles)
    assert b.explanations["a0"].cycle is not None


def _flipped(manifest: Manifest, flips) -> Manifest:
    """``manifest`` with the items ``(owner, item description)`` made ``startup: false``
    (an item written twice is flipped twice, as a user editing it would)."""
    services = []
    for svc in manifest.services.values():
        items = tuple(dataclasses.replace(i, startup=False) if (svc.name, i.describe()) in flips
                      else i for i in svc.depends_on)
        services.append(dataclasses.replace(svc, depends_on=items))
    return Manifest.from_lists(services, manifest.flows.values())


@settings(max_examples=150, deadline=None)
@given(startup_manifests(max_services=7))
def test_unstick_sets_are_minimal_and_minimum_by_brute_force(manifest):
    # Issue 24: the unsticking set is found from one solve (slack and necessary flips)
    # instead of one re-solve per link. Checked against the wave-by-wave oracle: the
    # set unsticks its cycle, no item of it can be dropped, and when it says minimum
    # no smaller set of the cycle's own start-up items does; an empty set means none.
    import itertools

    b = bootstrap(dependency_graph(manifest), budget=5.0)
    if len(b.cycles) != 1:  # stacked cycles are fixed on top of each other: one at a time
        return
    (cycle,) = b.cycles
    members = set(cycle.members)
    _waves, _stuck, _ready, served = oracle(manifest)
    candidates = sorted({
        (s, i.describe()) for s in members for i in manifest.services[s].depends_on
        if not i.soft and i.startup and set(i.members) & members
        and sum(served[m] is not None for m in i.members) < i.need})

    def unsticks(flips) -> bool:
        return not members & set(oracle(_flipped(manifest, set(flips)))[1])

    if not cycle.unstick:
        assert not unsticks(candidates)
        return
    assert cycle.minimal  # a 5 s budget is ample for 7 services
    chosen = sorted(set(cycle.unstick))  # an item written twice is listed twice
    assert set(chosen) <= set(candidates)
    assert unsticks(chosen)
    for x in chosen:
        assert not unsticks([y for y in chosen if y != x]), f"{x} can be dropped"
    if cycle.minimum:
        for size in range(len(chosen)):
            for combo in itertools.combinations(candidates, size):
                assert not unsticks(combo), f"{combo} is smaller and works"


def test_a_5000_ring_is_unstuck_from_one_solve(monkeypatch):
    # Issue 24 / issue 17 §4: the hard ring needs every link made runtime; that is
    # proven from its structure (each link's owner is needed by the link's member),
    # not by 5,000 re-solves of the ring (quadratic: 66 s; `--time-budget 1` took 32 s
    # on 3,000), so a zero budget still gives the minimum answer, from a few solves
    from pruner.analysis import bootstrap as module

    solves = []
    original = module._Solver.cycle

    def counted(self, comp):
        solves.append(len(comp))
        return original(self, comp)

    monkeypatch.setattr(module._Solver, "cycle", counted)
    n = 5000
    services = [Service(f"s{i}", (Item(SINGLE, (f"s{(i + 1) % n}",)),)) for i in range(n)]
    (cycle,) = bootstrap(dependency_graph(Manifest.from_lists(services, [])),
                         budget=0.0).cycles
    assert len(cycle.unstick) == n and cycle.minimum and cycle.minimal
    assert len(solves) <= 3  # the cold start, the trial with every link, the fix


def test_an_exhausted_budget_is_said_and_the_set_still_unsticks():
    # a ring of fallbacks: no link is necessary on its own, so minimality needs
    # trials; with no time for them the set is the working one, marked not minimal
    n = 40
    services = [Service(f"s{i}", (Item(ANY_OF, (f"s{(i + 1) % n}", f"s{(i + 2) % n}")),))
                for i in range(n)]
    manifest = Manifest.from_lists(services, [])
    (cycle,) = bootstrap(dependency_graph(manifest), budget=0.0).cycles
    assert cycle.unstick and not cycle.minimal and not cycle.minimum
    assert oracle(_flipped(manifest, set(cycle.unstick)))[1] == []
    (full,) = bootstrap(dependency_graph(manifest), budget=1.0).cycles  # minimal in 0.02 s
    assert full.minimal and len(full.unstick) < len(cycle.unstick)


def test_a_runtime_ring_started_in_staggered_waves_is_solved_by_events():
    # r_i needs r_(i+1) at runtime and c_i (a chain: wave i) to start: the ring's
    # members start one wave apart and all serve together once the last has started.
    # Rescanning the ring at every wave was quadratic (3,000: 45 s); events are linear.
    n = 1500
    services = [Service(f"c{i}", (Item(SINGLE, (f"c{i - 1}",)),) if i else ())
                for i in range(n)]
    services += [Service(f"r{i}", (dataclasses.replace(Item(SINGLE, (f"r{(i + 1) % n}",)),
                                                       startup=False),
                                   Item(SINGLE, (f"c{i}",))))
                 for i in range(n)]
    b = bootstrap(dependency_graph(Manifest.from_lists(services, [])), budget=0.0)
    assert b.stuck == () and len(b.waves) == n + 1
    assert {b.serving[f"r{i}"] for i in range(n)} == {n}
    assert b.start["r0"] == 1 and b.start[f"r{n - 1}"] == n


@settings(max_examples=150, deadline=None)
@given(startup_manifests(max_services=10))
def test_start_up_cycles_solved_inside_the_hard_cycles_are_the_whole_solve(manifest):
    """validate's lint solves only what the cycles of hard edges stand on: the same
    deadlocks as the cold start of everything."""
    from pruner.analysis.lint import _cycle_groups

    G = dependency_graph(_loaded(manifest))
    hard = _cycle_groups(G)[1]
    whole = startup_cycles(G)
    assert startup_cycles(G, [n for cycle in hard for n in cycle]) == whole
    assert whole == [c.members for c in bootstrap(G, budget=0.05).cycles]


def _ring(members: str, free: bool) -> str:
    """A start-up cycle through ``members`` (each needs the next), plus a service
    ``d`` that starts at once when ``free`` (then diff solves only around the change)."""
    names = members.split()
    ring = zip(names, names[1:] + names[:1], strict=True)
    lines = [f"  {a}: {{depends_on: [{b}]}}" for a, b in ring]
    lines += [f"  {n}: {{depends_on: [a]}}" for n in "abc" if n not in names]
    lines += ["  d: {}"] if free else []
    return "services:\n" + "\n".join(lines) + "\nflows: {f: {requires: [a]}}\n"


def test_a_start_up_cycle_that_shrinks_is_not_new():
    # a -> b -> c -> a before; a -> b -> a after (c now waits on a, outside the
    # cycle): the deadlock was there already, the change created none.
    for free in (True, False):
        old, new = _graph(_ring("a b c", free)), _graph(_ring("a b", free))
        assert [tuple(c) for c in startup_cycles(old)] == [("a", "b", "c")]
        assert bootstrap_regressions(old, new) == ([], [])
        # the other way round the cycle drags c in: c could start before (it waited
        # on the cycle, so it never did, but it was no part of the deadlock)
        assert bootstrap_regressions(new, old)[0] == [("a", "b", "c")]
        # the same cycle through its members in another order is the same cycle
        rotated = _graph(_ring("a c b", free))
        assert bootstrap_regressions(old, rotated) == ([], [])


def test_renaming_a_member_of_a_cycle_is_no_new_cycle():
    # b renamed bb (a diff's rename): the deadlock a <-> b is the one that was there
    old = _graph("services: {a: {depends_on: [b]}, b: {depends_on: [a]}, c: {}}\n"
                 "flows: {f: {requires: [c]}, g: {requires: [a]}}")
    new = _graph("services: {a: {depends_on: [bb]}, bb: {depends_on: [a]}, c: {}}\n"
                 "flows: {f: {requires: [c]}, g: {requires: [a]}}")
    assert bootstrap_regressions(old, new) == ([("a", "bb")], [])  # without the rename
    assert bootstrap_regressions(old, new, {"b": "bb"}) == ([], [])
    # an operation follows its service; the whole solve (nothing starts at once) too
    old = _graph("services: {api:v2: {depends_on: [db], operations: {login: {depends_on: [db]}}},"
                 " db: {depends_on: ['api:v2:login']}}\nflows: {f: {requires: [db]}}")
    new = _graph("services: {api:v3: {depends_on: [db], operations: {login: {depends_on: [db]}}},"
                 " db: {depends_on: ['api:v3:login']}}\nflows: {f: {requires: [db]}}")
    assert bootstrap_regressions(old, new, {"api:v2": "api:v3"}) == ([], [])


def _renamed_doc(doc: dict, rename: dict) -> dict:
    """``doc`` with services renamed (and their operations with them) everywhere."""
    def name(n):
        service, _, op = n.rpartition(":")
        return rename.get(n) or (f"{rename[service]}:{op}" if service in rename else n)

    def item(i):
        if isinstance(i, str):
            return name(i)
        i = dict(i)
        for key in ("service", "any_of", "of"):
            if key in i:
                i[key] = name(i[key]) if key == "service" else [name(m) for m in i[key]]
        return i

    def items_of(body):
        body = dict(body)
        if "depends_on" in body:
            body["depends_on"] = [item(i) for i in body["depends_on"]]
        if "operations" in body:
            body["operations"] = {o: items_of(b) for o, b in body["operations"].items()}
        if "requires" in body:
            body["requires"] = [item(i) for i in body["requires"]]
        return body

    return {**doc, "services": {name(s): items_of(b) for s, b in doc["services"].items()},
            "flows": {f: items_of(b) for f, b in doc["flows"].items()}}


@settings(max_examples=60, deadline=None)
@given(manifest_changes(), st.sets(st.sampled_from(["s0", "s1", "s2", "s3"])))
def test_regressions_through_renames_equal_the_whole_solve_renamed_back(change, names):
    """Renaming services on top of a change finds what the change alone finds, the
    old cycles taken through the renames."""
    old_doc, new_doc = change
    rename = {s: f"r{s}" for s in sorted(names) if s in old_doc["services"]
              and s in new_doc["services"]}
    old = load_sources([("old.yaml", json.dumps(old_doc))])
    plain = load_sources([("new.yaml", json.dumps(new_doc))],
                         assume_services=old.manifest.nodes)
    new = load_sources([("new.yaml", json.dumps(_renamed_doc(new_doc, rename)))],
                       assume_services=old.manifest.nodes)
    G_old = dependency_graph(old.manifest)
    cycles, flows = bootstrap_regressions(G_old, dependency_graph(plain.manifest))

    def through(cycle):
        return tuple(sorted(_renamed_doc({"services": dict.fromkeys(cycle, {}), "flows": {}},
                                         rename)["services"]))

    got_cycles, got_flows = bootstrap_regressions(G_old, dependency_graph(new.manifest), rename)
    assert sorted(tuple(sorted(c)) for c in got_cycles) == sorted(through(c) for c in cycles)
    assert got_flows == flows
