"""The command line pauses the cyclic garbage collector while it builds a manifest, its
graph and a diagram, and in its own process freezes what it built (never rescanned);
a caller that runs commands in its own process gets its collector back as it was."""

import gc
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pruner.cli import main

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, sys
from pruner.cli import main
sys.argv = ["pruner", "render", sys.argv[1], "-o", sys.argv[2]]
try:
    main()
except SystemExit:
    pass
print("FROZEN", gc.get_freeze_count(), gc.isenabled())
"""


def test_a_caller_keeps_its_collector(tmp_path):
    frozen = gc.get_freeze_count()
    for command in (["render", str(ROOT / "manifests" / "twitter"), "-o", str(tmp_path / "t.dot")],
                    ["check", str(ROOT / "manifests" / "twitter")]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code in (0, 1), result.output
        assert gc.isenabled() and gc.get_freeze_count() == frozen
    gc.disable()
    try:
        CliRunner().invoke(main, ["check", str(ROOT / "manifests" / "twitter")])
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_the_command_lines_own_process_freezes_what_it_built(tmp_path):
    out = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "manifests" / "twitter"),
                          str(tmp_path / "t.dot")], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout
    count, enabled = out.rpartition("FROZEN")[2].split()
    assert int(count) > 10_000 and enabled == "True"
    assert (tmp_path / "t.dot").read_text().startswith("digraph pruner {")


def test_cuts_and_availability_build_their_diagrams_with_the_collector_paused(monkeypatch):
    """The decision diagrams and the cut sets are acyclic: no collection scans them
    while they are built, read and written (baobab1's 46,188 cut sets: two, 22 ms)."""
    import pruner.cli.availability as availability_cli
    import pruner.cli.failure as failure_cli

    seen = []

    def recording(function):
        def wrapper(*args, **kwargs):
            seen.append((function.__name__, gc.isenabled()))
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(failure_cli, "minimal_cut_sets",
                        recording(failure_cli.minimal_cut_sets))
    monkeypatch.setattr(failure_cli, "cuts_report", recording(failure_cli.cuts_report))
    monkeypatch.setattr(failure_cli, "emit_report", recording(failure_cli.emit_report))
    monkeypatch.setattr(availability_cli, "flow_availability",
                        recording(availability_cli.flow_availability))
    monkeypatch.setattr(availability_cli, "emit_report",
                        recording(availability_cli.emit_report))
    twitter = str(ROOT / "manifests" / "twitter")
    for command in (["cuts", twitter, "--format", "json"], ["availability", twitter]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code in (0, 1), result.output
    assert [name for name, _ in seen] == ["minimal_cut_sets", "cuts_report", "emit_report",
                                          "flow_availability", "emit_report"]
    assert not any(enabled for _, enabled in seen)
    assert gc.isenabled()
