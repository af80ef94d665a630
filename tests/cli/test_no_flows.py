"""A manifest without flows is said to have none (issue 17 acceptance), by every
command that judges flows, instead of an empty report that reads as "all fine"."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pruner.cli import main

NO_FLOWS = "services:\n  a: {depends_on: [b]}\n  b: {}\n"


@pytest.mark.parametrize("command", [["check"], ["check", "--off", "b"], ["cuts"],
                                     ["essential"], ["availability"], ["bootstrap"], ["rank"]])
def test_commands_say_there_are_no_flows(tmp_path, command):
    path = tmp_path / "m.yaml"
    path.write_text(NO_FLOWS)
    result = CliRunner().invoke(main, [command[0], str(path), *command[1:]])
    assert result.exit_code == 0, result.output
    assert f"pruner: note: {path} declares no flows" in result.stderr


def test_json_stays_json_and_the_note_goes_to_stderr(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(NO_FLOWS)
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert json.loads(result.stdout)["flows"] == {}
    assert "declares no flows" in result.stderr


def test_validate_warns_once_instead_of_calling_every_service_unreached(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(NO_FLOWS)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0
    assert f"{path}:2:3: warning: the manifest declares no flows" in result.stdout
    assert "reached by no flow" not in result.output
    assert "pruner: note" not in result.stderr
    strict = CliRunner().invoke(main, ["validate", str(path), "--strict"])
    assert strict.exit_code == 1


def test_a_manifest_with_flows_gets_no_note(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(NO_FLOWS + "flows:\n  f: {requires: [a]}\n")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert "no flows" not in result.output
