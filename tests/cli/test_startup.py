"""`pruner check` starts fast (issue 9 §5): it imports only what it needs, and the
light graph it builds for that gives the same answers as the networkx one."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pruner.analysis.evaluate import switch_off
from pruner.graph import LightGraph, dependency_graph
from pruner.loader import load
from pruner.render import render
from pruner.report.check import check_report

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
from pruner.cli import main
try:
    main(["check", sys.argv[1], "--off", "sms-gateway", "--format", sys.argv[2]])
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in
               ("networkx", "graphviz", "jsonschema", "difflib",
                "signal")  # its IntEnums: limits installs handlers through _signal
               or m.startswith(("pruner.importers", "pruner.graphviz_run", "pruner.analysis.cuts",
                                "pruner.analysis.diff", "pruner.analysis.drift",
                                "pruner.report.diff", "pruner.report.drift", "pruner.gitsource",
                                "pruner.analysis.availability", "pruner.analysis.bdd",
                                "pruner.render.diff_words", "pruner.report.plan",
                                "pruner.report.bootstrap", "pruner.report.availability")))
print("HEAVY:" + ",".join(heavy))
"""


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "junit", "sarif"])
def test_check_imports_nothing_it_does_not_need(fmt):
    """Each format registers its other reports by name: a diff's or a plan's machinery
    is imported when such a report is rendered, not by every check."""
    out = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "manifests" / "twitter"), fmt],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    heavy = out.stdout.rpartition("HEAVY:")[2].strip()
    assert heavy == "", f"check imported: {heavy}"


DIFF_PROBE = """
import sys
from pruner.cli import main
try:
    main(["diff", sys.argv[1], sys.argv[1], "--fail-on", sys.argv[2]])
except SystemExit:
    pass
print("HEAVY:" + ",".join(sorted(m for m in sys.modules if m.startswith(
    ("pruner.gitsource", "pruner.analysis.availability")))))
"""


@pytest.mark.parametrize("fail_on", ["spof", "extra-nine"])
def test_diff_without_availabilities_or_a_revision_imports_neither_machinery(fail_on):
    """The CI gate on a manifest that declares no availability, given two paths: no
    availability machinery and no git (about 10 ms of a 97 ms run on Twitter's manifest)."""
    out = subprocess.run([sys.executable, "-c", DIFF_PROBE, str(ROOT / "manifests" / "shop"),
                          fail_on], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.rpartition("HEAVY:")[2].strip() == ""


RENDER_PROBE = """
import sys
from pruner.cli import main
try:
    main(["render", sys.argv[1], "-o", sys.argv[2], *sys.argv[3:]])
except SystemExit:
    pass
boot = [m for m in sys.modules if m.startswith("pruner.") and "bootstrap" in m]
print("GRAPHVIZ:" + str(any(m.split(".")[0] == "graphviz" for m in sys.modules)))
print("BOOT:" + ",".join(sorted(boot)))
"""


@pytest.mark.parametrize("suffix", ["mmd", "dot"])
def test_render_imports_no_bootstrap_machinery(suffix, tmp_path):
    """The start-up waves' report and analysis are imported by ``render --bootstrap``
    only (about 7 ms of every diagram's start-up when the formats imported them)."""
    out = subprocess.run([sys.executable, "-c", RENDER_PROBE, str(ROOT / "manifests" / "twitter"),
                          str(tmp_path / f"d.{suffix}")],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    assert (tmp_path / f"d.{suffix}").stat().st_size > 0, out.stderr[-2000:]
    assert out.stdout.rpartition("BOOT:")[2].strip() == ""


@pytest.mark.parametrize("args", [[], ["--bootstrap"]], ids=["diagram", "bootstrap"])
def test_dot_source_imports_no_graphviz_package(args, tmp_path):
    """DOT text is written and quoted by ``render.dot`` itself: the ``graphviz``
    package cost about 15 ms of every ``render -o x.dot`` (issue 21: a 5,000-service
    chain's run is 0.15 s of reading and 0.1 s of the rest)."""
    out = subprocess.run([sys.executable, "-c", RENDER_PROBE, str(ROOT / "manifests" / "twitter"),
                          str(tmp_path / "d.dot"), *args],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    assert (tmp_path / "d.dot").read_text().startswith("digraph "), out.stderr[-2000:]
    assert out.stdout.rpartition("GRAPHVIZ:")[2].split()[0] == "False"


MANIFESTS = sorted([p for p in (ROOT / "manifests").iterdir() if p.is_dir()]
                   + list((ROOT / "tests" / "assets" / "check").glob("*.yaml")))


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_light_graph_gives_the_same_reports(path):
    manifest = load(path).manifest
    heavy, light = dependency_graph(manifest), dependency_graph(manifest, light=True)
    assert isinstance(light, LightGraph)
    assert sorted(light.edges(data=True)) == sorted(heavy.edges(data=True))
    assert list(light) == list(heavy) and len(light) == len(heavy)
    services = list(heavy)
    for off in ([], services[:1], services[-2:], services[::7]):
        for fmt in ("json", "text", "markdown"):
            reports = [render(check_report(G, switch_off(G, off), source=str(path),
                                           explain_services=fmt != "text"), fmt)
                       for G in (heavy, light)]
            assert reports[0] == reports[1]
    assert json.loads(render(check_report(light, switch_off(light, []), source="m"), "json"))


NO_NETWORKX = """
import sys
from pruner.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("NX:" + str(any(m.split(".")[0] == "networkx" for m in sys.modules)))
"""


@pytest.mark.parametrize("args", [
    ["cuts", "{m}", "--max-order", "2", "--format", "json"],
    ["essential", "{m}", "--format", "json"],
    ["rank", "{m}", "--format", "json"],
    ["availability", "{m}", "--format", "json"],
    ["bootstrap", "{m}", "--format", "json"],
    ["plan", "{m}", "--format", "json"],
    ["report", "{m}", "-o", "{out}"],
    ["diff", "{m}", "{m}", "--format", "json"],
], ids=lambda a: a[0])
def test_commands_that_run_no_networkx_algorithm_do_not_import_it(args, tmp_path):
    """Each builds the light graph: networkx alone costs about 75 ms of start-up, most of
    a small fault tree's run (issue 21)."""
    manifest = str(ROOT / "manifests" / "twitter")
    argv = [a.format(m=manifest, out=tmp_path / "page.html") for a in args]
    out = subprocess.run([sys.executable, "-c", NO_NETWORKX, *argv],
                         capture_output=True, text=True, cwd=tmp_path, check=True)
    assert out.stdout.rpartition("NX:")[2].strip() == "False", out.stderr[-2000:]


UNUSED_PATTERNS = """
import sys
from pruner.cli import main
try:
    main(["check", sys.argv[1]])
except SystemExit:
    pass
import yaml
from pruner.loader import grammar
lazy = {"evidence": grammar._EVIDENCE_TIME, "timestamp":
        yaml.constructor.SafeConstructor.timestamp_regexp}
print("COMPILED:" + ",".join(sorted(k for k, p in lazy.items()
                                    if getattr(p, "_pattern", p) is not None)))
"""


def test_check_compiles_no_pattern_its_manifest_never_needs():
    """The evidence texts' patterns (a manifest without evidence) and PyYAML's timestamp
    constructor (pruner constructs nothing) wait for a first use that never comes."""
    out = subprocess.run([sys.executable, "-c", UNUSED_PATTERNS,
                          str(ROOT / "manifests" / "twitter")],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.rpartition("COMPILED:")[2].strip() == ""
