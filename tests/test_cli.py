"""The command line through click's CliRunner: every exit code, every option."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pruner import __version__
from tests.conftest import ASSETS, ROOT, run

TWITTER = ROOT / "manifests" / "twitter"
CHAIN = ASSETS / "check" / "chain-db-off-breaks-login.yaml"


def test_headline_sms_gateway_breaks_2fa_sms_not_totp():
    result = run("check", TWITTER, "--off", "sms-gateway")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    broken = [ln for ln in lines if ln.strip().startswith("BROKEN")]
    assert any("2fa-login-sms" in ln for ln in broken)
    assert not any("2fa-login-totp" in ln for ln in broken)
    at = next(i for i, ln in enumerate(lines) if "BROKEN" in ln and "2fa-login-sms" in ln)
    assert "requires sms-gateway (switched off)" in lines[at + 1]
    assert lines[-2].endswith("gate: FAIL")


def test_headline_json():
    result = run("check", TWITTER, "--off", "sms-gateway", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["off"] == ["sms-gateway"]
    assert data["flows"]["2fa-login-sms"]["state"] == "broken"
    assert data["flows"]["2fa-login-sms"]["critical"] is True
    assert data["flows"]["2fa-login-totp"]["state"] != "broken"
    assert data["services"]["sms-gateway"] == {
        "state": "down", "off": True, "cause": None, "via": []}
    assert data["gate"] == {"fail_on": "broken", "passed": False, "failing": ["2fa-login-sms"]}


def test_nothing_off_exit_0_all_ok():
    result = run("check", TWITTER, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {f["state"] for f in data["flows"].values()} == {"ok"}
    assert {s["state"] for s in data["services"].values()} == {"up"}
    text = run("check", TWITTER)
    assert text.exit_code == 0
    assert text.stdout.splitlines()[-1].endswith("gate: PASS")


@pytest.mark.parametrize("fail_on,code", [("broken", 0), ("degraded", 1), ("never", 0)])
def test_fail_on(fail_on, code):
    path = ASSETS / "check" / "fallback-one-provider-off-degrades.yaml"
    assert run("check", path, "--off", "provider-a", "--fail-on", fail_on).exit_code == code


def test_fail_on_never_passes_a_broken_flow():
    assert run("check", CHAIN, "--off", "db", "--fail-on", "never").exit_code == 0


def test_non_critical_broken_flow_passes_the_gate():
    path = ASSETS / "check" / "cycle-stays-up-unless-reached.yaml"
    result = run("check", path, "--off", "d")
    assert result.exit_code == 0
    assert "1 broken (0 critical)" in result.stdout


def test_off_is_repeatable_and_comma_separated(tmp_path):
    path = ASSETS / "check" / "quorum-two-of-three-off-breaks.yaml"
    a = run("check", path, "--off", "r1,r2", "--format", "json")
    b = run("check", path, "--off", "r2", "--off", "r1", "--format", "json")
    assert a.exit_code == b.exit_code == 1
    assert a.stdout == b.stdout
    off = tmp_path / "off.txt"
    off.write_text("# replicas to retire\nr1\n\n  r2  # second\n")
    c = run("check", path, "--off-file", off, "--format", "json")
    assert c.stdout == a.stdout


def test_missing_off_file_is_exit_2(tmp_path):
    result = run("check", CHAIN, "--off-file", tmp_path / "none.txt")
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_bad_option_values_are_exit_2():
    assert run("check", CHAIN, "--fail-on", "sometimes").exit_code == 2
    assert run("check", CHAIN, "--format", "yaml").exit_code == 2
    assert run("nonsense").exit_code == 2


def test_output_is_written_atomically(tmp_path):
    out = tmp_path / "report.json"
    result = run("check", CHAIN, "--off", "db", "--format", "json", "--output", out)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert json.loads(out.read_text())["flows"]["login"]["state"] == "broken"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_output_into_missing_folder_is_exit_2(tmp_path):
    result = run("check", CHAIN, "--output", tmp_path / "no" / "x.json")
    assert result.exit_code == 2
    assert "no folder" in result.stderr


def test_bad_input_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("services: {a: {depends_on: [b]}}")
    out = tmp_path / "out.json"
    assert run("check", bad, "--output", out).exit_code == 2
    assert not out.exists()


def test_validate_ok_and_warnings():
    result = run("validate", TWITTER)
    assert result.exit_code == 0
    assert "valid" in result.stdout.splitlines()[-1]
    assert "are reached by no flow: alerting, fleets-service, " in result.stdout
    strict = run("validate", TWITTER, "--strict")
    assert strict.exit_code == 1
    data = json.loads(run("validate", CHAIN, "--format", "json").stdout)
    assert data == {"source": str(CHAIN), "valid": True, "services": 3, "flows": 1, "items": 3,
                    "warnings": []}


def test_schema_command_prints_the_shipped_schema():
    result = run("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["$schema"].startswith("http://json-schema.org/draft-07")


def test_no_arguments_print_the_help_as_lines():
    """``pruner`` alone prints its help (exit 2, as click does); the help was made inert
    like an error that echoes arguments, and came out as one line of ``\\n`` escapes."""
    result = run()
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: ") and " COMMAND [ARGS]...\n\n" in result.stderr
    assert "\\n" not in result.stderr and "  check " in result.stderr


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


def _run_on_a_tty(env_extra: dict) -> str:
    import pty

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(env_extra)
    leader, follower = pty.openpty()
    proc = subprocess.run([sys.executable, "-m", "pruner", "check", str(CHAIN), "--off", "db"],
                          stdout=follower, stderr=subprocess.PIPE, cwd=ROOT, env=env, timeout=60)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.returncode == 1
    return b"".join(chunks).decode()


def test_color_on_a_tty_unless_no_color():
    assert "\x1b[" in _run_on_a_tty({})
    assert "\x1b[" not in _run_on_a_tty({"NO_COLOR": "1"})
    assert "\x1b[" not in run("check", CHAIN, "--off", "db").stdout  # not a TTY


def test_python_dash_m_works():
    proc = subprocess.run([sys.executable, "-m", "pruner", "check", str(CHAIN), "--off", "db"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 1
    assert "BROKEN" in proc.stdout


def test_output_onto_a_folder_is_exit_2_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    result = run("check", CHAIN, "--off", "db", "--output", target)
    assert result.exit_code == 2
    assert "is a directory" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
