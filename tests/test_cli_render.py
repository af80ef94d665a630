import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from pruner import graphviz_run
from pruner.cli import main
from tests.render_helpers import REPO

TWITTER = str(REPO / "manifests" / "twitter")


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_acceptance_twitter_svg_and_dot(tmp_path):
    svg, dot = tmp_path / "x.svg", tmp_path / "x.dot"
    assert run("render", TWITTER, "--off", "sms-gateway", "--output", str(svg)).exit_code == 0
    text = svg.read_text()
    ET.fromstring(text)
    assert "sms-gateway" in text and "2fa-login-sms" in text
    assert run("render", TWITTER, "--off", "sms-gateway", "--output", str(dot)).exit_code == 0
    assert dot.read_text().startswith("digraph pruner {")


@pytest.mark.parametrize("suffix,magic", [("png", b"\x89PNG"), ("svg", b"<?xml"),
                                          ("dot", b"digraph"), ("mmd", b"---")])
def test_format_comes_from_the_suffix(tmp_path, suffix, magic):
    out = tmp_path / f"f.{suffix}"
    result = run("render", TWITTER, "--off", "sms-gateway", "--flow", "2fa-login-sms",
                 "--depth", "3", "--cluster-by", "owner", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)


def test_format_option_overrides_the_suffix(tmp_path):
    out = tmp_path / "diagram.txt"
    assert run("render", TWITTER, "--format", "mmd", "-o", str(out)).exit_code == 0
    assert "flowchart TB" in out.read_text()
    result = run("render", TWITTER, "-o", str(out))
    assert result.exit_code == 2 and "use .dot, .svg, .png or .mmd" in result.output


def test_bad_names_exit_2_with_a_suggestion(tmp_path):
    result = run("render", TWITTER, "--flow", "2fa-login-sm", "-o", str(tmp_path / "x.dot"))
    assert result.exit_code == 2 and "did you mean '2fa-login-sms'" in result.output
    result = run("report", TWITTER, "--off", "sms-gatway", "-o", str(tmp_path / "x.html"))
    assert result.exit_code == 2 and "did you mean 'sms-gateway'" in result.output
    assert not (tmp_path / "x.dot").exists()


def test_missing_dot_exits_2_with_install_hint_and_dot_still_works(tmp_path, monkeypatch):
    monkeypatch.setattr(graphviz_run.shutil, "which", lambda name: None)
    result = run("render", TWITTER, "-o", str(tmp_path / "x.svg"))
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "apt-get install graphviz" in result.output
    assert run("report", TWITTER, "-o", str(tmp_path / "x.html")).exit_code == 2
    assert run("render", TWITTER, "-o", str(tmp_path / "x.dot")).exit_code == 0
    assert run("render", TWITTER, "-o", str(tmp_path / "x.mmd")).exit_code == 0
    assert not (tmp_path / "x.svg").exists()


def test_report_writes_a_self_contained_page(tmp_path):
    out = tmp_path / "r.html"
    result = run("report", TWITTER, "--off", "sms-gateway", "-o", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "<svg" in page and "FAIL" in page and "Single points of failure" in page
    # One inline script (allowed by its hash) and one JSON block; nothing is fetched.
    assert page.count("<script") == 2 and '<script type="application/json"' in page
    assert "default-src 'none'; script-src 'sha256-" in page
    lowered = page.lower()
    for fetch in ("<link", "src=", "@import", "url(", "http://", "https://", "fetch(",
                  "xmlhttprequest", "import("):
        assert fetch not in lowered.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
            'xmlns:xlink="http://www.w3.org/1999/xlink"', "").replace(
            '"http://www.w3.org/2000/svg"', "").replace("url(#arrow-", ""), fetch


def test_check_does_not_offer_diagram_formats():
    result = run("check", TWITTER, "--format", "dot")
    assert result.exit_code == 2 and "Invalid value" in result.output


def test_png_to_stdout_is_refused(tmp_path):
    result = run("render", TWITTER, "--format", "png", "-o", "-")
    assert result.exit_code == 2 and "binary" in result.output


def _wide_manifest(tmp_path, isolated: int, chained: int = 0):
    """``isolated`` services with no dependency and nothing depending on them, plus a
    flow over a chain of ``chained`` services."""
    lines = ["services:"]
    lines += [f"  lone-{i:03d}: {{}}" for i in range(isolated)]
    lines += [f"  chain-{i:03d}: {{depends_on: [chain-{i + 1:03d}]}}" for i in range(chained)]
    lines += [f"  chain-{chained:03d}: {{}}", "flows:", "  f: {requires: [chain-000]}"]
    path = tmp_path / "wide.yaml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_render_says_what_it_wrote_on_stderr(tmp_path):
    out = tmp_path / "x.dot"
    result = CliRunner().invoke(main, ["render", TWITTER, "--flow", "2fa-login-sms", "-o",
                                       str(out)])
    assert result.exit_code == 0
    assert result.stderr == f"pruner: wrote {out}: 31 services, 1 flow\n"
    assert result.stdout == ""
    result = CliRunner().invoke(main, ["render", TWITTER, "--flow", "2fa-login-sms",
                                       "--format", "dot", "-o", "-"])
    assert result.stderr == "" and result.stdout.startswith("digraph")


@pytest.mark.parametrize("command, name", [("render", "x\x1b]0;owned\x07\x1b[2J.dot"),
                                           ("report", "x\x1b[2J\n.html")])
def test_what_it_wrote_names_the_file_inertly(tmp_path, command, name):
    """An --output name carrying terminal escapes was echoed raw in "pruner: wrote ...",
    on a terminal (where click keeps them) a title change or a cleared screen."""
    out = tmp_path / name
    result = CliRunner().invoke(main, [command, TWITTER, "--flow", "2fa-login-sms", "-o",
                                       str(out)], color=True)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stderr and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"pruner: wrote {tmp_path}/x\\x1b")
    assert out.exists()


def test_render_warns_when_the_picture_cannot_be_read(tmp_path):
    manifest = _wide_manifest(tmp_path, 10, chained=200)
    result = CliRunner().invoke(main, ["render", manifest, "-o", str(tmp_path / "x.dot")])
    assert result.exit_code == 0
    warning = result.stderr.splitlines()[0]
    assert warning.startswith("pruner: warning: the diagram holds 211 services, too many")
    assert "--flow NAME" in warning and "--depth N" in warning
    result = CliRunner().invoke(main, ["render", manifest, "--depth", "5", "-o",
                                       str(tmp_path / "y.dot")])
    assert "warning" not in result.stderr


def test_isolated_services_are_packed_in_a_grid(tmp_path):
    out = tmp_path / "x.dot"
    assert run("render", _wide_manifest(tmp_path, 100), "-o", str(out)).exit_code == 0
    dot = out.read_text()
    invisible = [line for line in dot.splitlines() if "style=invis" in line]
    # 10 columns hang from the flow, every other service sits below the one 10 before.
    assert sum('"flow:f" -> "svc:lone-' in line for line in invisible) == 10
    assert '"svc:lone-000" -> "svc:lone-010"' in dot
    assert '"svc:lone-089" -> "svc:lone-099"' in dot
    svg = tmp_path / "x.svg"
    assert run("render", _wide_manifest(tmp_path, 100), "-o", str(svg)).exit_code == 0
    root = ET.fromstring(svg.read_text())
    width, height = (float(root.get(k).removesuffix("pt")) for k in ("width", "height"))
    assert width < 3 * height  # a block, not one row of 100 boxes
