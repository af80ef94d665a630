"""End to end: the HTML report opened from disk in headless Chromium (no network).

Checks that the page renders its diagram with no console errors; the screenshot is
kept in test-artifacts/ for people to look at. `make test` installs Chromium.
"""

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from pruner.cli import main
from tests.render_helpers import ASSETS, REPO


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]


ARTIFACTS = REPO / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    program = shutil.which("chromium") or shutil.which("chromium-browser")
    assert program, "chromium is not installed: run `make test` (it installs it)"
    return subprocess.run([program, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def report(tmp_path, name, *args) -> Path:
    out = tmp_path / f"{name}.html"
    result = CliRunner().invoke(main, ["report", *args, "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_console_error_detection_works(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<script>console.error("boom")</script>')
    result = chromium(tmp_path / "p0", "--enable-logging=stderr", "--v=0", "--dump-dom",
                      page.as_uri())
    assert any("boom" in line for line in console_lines(result.stderr))


def test_report_renders_in_chromium_with_no_console_errors(tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    cases = [("twitter-sms-gateway", [str(REPO / "manifests" / "twitter"), "--off",
                                      "sms-gateway"]),
             ("hostile", [str(ASSETS / "hostile-names-escaped"), "--off", "graph"])]
    for name, args in cases:
        page = report(tmp_path, name, *args)
        result = chromium(tmp_path / f"p-{name}", "--enable-logging=stderr", "--v=0",
                          "--dump-dom", page.as_uri())
        assert result.returncode == 0, result.stderr[-2000:]
        assert console_lines(result.stderr) == []
        dom = result.stdout
        # The script replaced the static picture with the focused, interactive one.
        assert dom.count('class="node ') >= 5 and 'id="focus-diagram"' in dom
        assert 'data-ready="true"' in dom
        tags = _Tags()
        tags.feed(dom)  # the DOM as the browser built it: no injected elements or handlers
        assert not {"img", "iframe", "b", "i"} & set(tags.tags)
        assert tags.tags.count("script") == 2  # the model (JSON) and the page's own script
        assert not [a for a in tags.attrs if a.startswith("on")]
        shot = ARTIFACTS / f"report-{name}.png"
        shot.unlink(missing_ok=True)
        result = chromium(tmp_path / f"s-{name}", f"--screenshot={shot}",
                          "--window-size=1400,2000", "--hide-scrollbars", page.as_uri())
        assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 50_000
