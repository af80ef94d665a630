"""Command-line features a real user asked for (issue 9 §6): check --flow, selectors in
--off, flows named as services, exit codes in --help, shell completion, colour."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pruner.cli import COMMANDS, GATE_EXITS, main

ROOT = Path(__file__).resolve().parents[2]
TWITTER = str(ROOT / "manifests" / "twitter")


def run(*args, **kwargs):
    return CliRunner(**kwargs).invoke(main, list(args))


def check_json(*args):
    result = run("check", TWITTER, "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


def test_check_flow_limits_report_and_gate():
    code, data = check_json("--off", "sms-gateway", "--flow", "2fa-login-sms")
    assert code == 1 and sorted(data["flows"]) == ["2fa-login-sms"]
    assert len(data["services"]) == 88  # services are all still listed
    code, data = check_json("--off", "sms-gateway", "--flow", "2fa-login-totp,home-timeline")
    assert code == 0 and sorted(data["flows"]) == ["2fa-login-totp", "home-timeline"]
    assert run("check", TWITTER, "--flow", "nope").exit_code == 2


def test_check_flow_gates_a_non_critical_flow_it_names(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("services: {a: {}, b: {}}\nflows:\n  f: {critical: false, requires: [a]}\n"
                 "  g: {requires: [b]}\n")
    assert run("check", str(m), "--off", "a").exit_code == 0
    assert run("check", str(m), "--off", "a", "--flow", "f").exit_code == 1
    assert run("check", str(m), "--off", "a", "--flow", "g").exit_code == 0


@pytest.mark.parametrize("selector,expected", [
    ("sms-provider-*", ["sms-provider-a", "sms-provider-b"]),
    ("sms-provider-?", ["sms-provider-a", "sms-provider-b"]),
    ("sms-gateway,sms-provider-[a]", ["sms-gateway", "sms-provider-a"]),
])
def test_off_takes_globs(selector, expected):
    _, data = check_json("--off", selector)
    assert data["off"] == expected


def test_off_takes_the_selectors_of_among():
    from pruner.cli.common import select_services
    from pruner.graph import dependency_graph
    from pruner.loader import load

    G = dependency_graph(load(TWITTER).manifest)
    for selector in ("owner:identity", "system:login", "leaves"):
        services = [G.nodes[n]["service"] for n in G]
        if selector == "leaves":
            want = sorted(s.name for s in services if not s.depends_on)
        else:
            field, value = selector.split(":")
            want = sorted(s.name for s in services if getattr(s, field) == value)
        if not want:
            continue
        _, data = check_json("--off", selector)
        assert data["off"] == want
        assert sorted(select_services(G, (selector,), "--among")) == want
    tags = sorted({t for n in G for t in G.nodes[n]["service"].tags})
    if tags:
        _, data = check_json("--off", f"tag:{tags[0]}")
        assert data["off"] == sorted(n for n in G if tags[0] in G.nodes[n]["service"].tags)


@pytest.mark.parametrize("selector,words", [
    ("tag:no-such-tag", "no service has tag"), ("owner:idenity", "did you mean 'identity'"),
    ("zz-*", "matches no service"), ("sms-gatway", "did you mean 'sms-gateway'"),
])
def test_off_selectors_that_select_nothing_are_input_errors(selector, words):
    result = run("check", TWITTER, "--off", selector)
    assert result.exit_code == 2 and words in result.output


def test_a_flow_given_to_off_says_so():
    result = run("check", TWITTER, "--off", "2fa-login-sms")
    assert result.exit_code == 2
    assert "is a flow, not a service" in result.output and "--flow 2fa-login-sms" in result.output
    result = run("cuts", TWITTER, "--among", "2fa-login-sms")
    assert result.exit_code == 2 and "is a flow, not a service" in result.output


def test_help_lists_exit_codes():
    top = run("--help").output
    for code in ("0 ", "1 ", "2 ", "129", "130", "143"):
        assert code in top
    for name in COMMANDS:
        text = run(name, "--help").output
        assert "Exit codes:" in text and "2 bad usage or input" in text, name
        assert "129 hung up (SIGHUP)" in " ".join(text.split()), name
        if name in GATE_EXITS:
            assert f"1 {GATE_EXITS[name]}" in " ".join(text.split()), name


def test_rank_help_describes_its_own_options():
    text = " ".join(run("rank", "--help").output.split())
    assert "Rank by harm to this flow" in text and "every critical flow" in text
    assert "essential" not in text and "cuts)" not in text


def complete(words: str, cword: int) -> list[str]:
    env = dict(os.environ, _PRUNER_COMPLETE="bash_complete", COMP_WORDS=words,
               COMP_CWORD=str(cword))
    out = subprocess.run([sys.executable, "-m", "pruner"], env=env, cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0 and not out.stderr, out.stderr
    return [line.split(",", 1)[1] for line in out.stdout.splitlines() if line]


def test_completion_of_service_and_flow_names():
    assert complete("pruner check manifests/twitter --off sms-gat", 4) == ["sms-gateway"]
    assert complete("pruner check manifests/twitter --off sms-gateway,sms-provider-", 4) == [
        "sms-gateway,sms-provider-a", "sms-gateway,sms-provider-b"]
    assert complete("pruner check --format json manifests/twitter --flow 2fa-login-t", 6) == [
        "2fa-login-totp"]
    assert complete("pruner cuts manifests/twitter --among owner:ident", 4) == ["owner:identity"]
    assert complete("pruner render manifests/twitter --off sms-gat", 4) == ["sms-gateway"]


def test_completion_is_silent_without_a_manifest(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("services: [")
    assert complete("pruner check nowhere --off sms", 4) == []
    assert complete(f"pruner check {bad} --off sms", 4) == []


def test_colour(monkeypatch):
    import pruner.cli.common as common

    monkeypatch.setattr(common.sys.stdout, "isatty", lambda: True, raising=False)
    args = ["check", TWITTER, "--off", "sms-gateway"]
    assert "\x1b[" in run("--color", "always", *args).output
    assert "\x1b[" not in run("--color", "never", *args).output
    assert "\x1b[" not in run(*args).output  # CliRunner's stdout is no terminal
    for env in ({"TERM": "dumb"}, {"NO_COLOR": "1"}):
        assert "\x1b[" not in run(*args, env=env).output
        assert "\x1b[" in run("--color", "always", *args, env=env).output
    assert run("--color", "sometimes", *args).exit_code == 2


def test_colour_always_colours_standard_output_named_dash(tmp_path):
    """``-o -`` is standard output, as no -o is: --color always coloured one, not the
    other; a file stays plain whatever --color says."""
    args = ["check", TWITTER, "--off", "sms-gateway"]
    assert "\x1b[" in run("--color", "always", *args, "-o", "-").output
    assert "\x1b[" not in run("--color", "never", *args, "-o", "-").output
    out = tmp_path / "report.txt"
    run("--color", "always", *args, "-o", out)
    assert "\x1b[" not in out.read_text()


def test_colour_on_a_terminal_follows_term(monkeypatch):
    import pruner.cli.common as common

    class Tty:
        def isatty(self):
            return True

    monkeypatch.setattr(common.sys, "stdout", Tty())
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert common.use_color()
    monkeypatch.setenv("TERM", "dumb")
    assert not common.use_color()
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("NO_COLOR", "")
    assert common.use_color()  # NO_COLOR counts only when set to something
    monkeypatch.setenv("NO_COLOR", "1")
    assert not common.use_color()


def test_counts_agree_with_their_nouns(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("services:\n  a: {}\nflows:\n  f: {requires: [a]}\n")
    singular = re.compile(r"(?<![\d.])1 (flows|services|items|warnings|cut sets|minimal cut sets|"
                          r"single points|problems|dependencies|calls)\b")
    for args in (["validate"], ["check", "--off", "a"], ["cuts"], ["essential"], ["rank"]):
        for fmt in (("text", "markdown", "junit") if args[0] == "check" else ("text",)):
            result = run(args[0], str(m), *args[1:], "--format", fmt)
            assert result.exit_code in (0, 1), result.output
            assert not singular.search(result.output), (args, fmt, result.output)
