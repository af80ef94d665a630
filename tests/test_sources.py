"""Input files are read safely (issue 9 §3, input side): only regular files, never a
hang on a FIFO or an endless device, never a silent skip of what cannot be read, and
file names that are not UTF-8 refused by name, in every command and output format."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from pruner.errors import InputError
from pruner.sources import UnreadableError, open_regular, read_regular, walk_files
from tests.conftest import ROOT, run

MANIFEST = "services:\n  a: {}\n  b: {}\nflows:\n  f: {requires: [a, b]}\n"
K8S = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
       "spec: {template: {spec: {containers: [{name: c, image: i}]}}}\n")


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def test_read_regular_reads_a_file_and_refuses_a_fifo_without_blocking(tmp_path):
    (tmp_path / "m.yaml").write_text("x")
    assert read_regular(tmp_path / "m.yaml") == b"x"
    with pytest.raises(UnreadableError, match="FIFO"):
        read_regular(_fifo(tmp_path / "p.yaml"))
    with pytest.raises(UnreadableError, match="a folder"):
        open_regular(tmp_path)
    with pytest.raises(UnreadableError, match="No such file"):
        read_regular(tmp_path / "missing")
    assert issubclass(UnreadableError, InputError)


def test_a_character_device_is_refused(tmp_path):
    device = tmp_path / "zero.yaml"
    try:  # a /dev/zero twin in our own folder; needs CAP_MKNOD (root in CI containers)
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("cannot create a device node here; the FIFO tests cover non-root runs")
    result = run("check", device)
    assert result.exit_code == 2
    assert "a character device, not a regular file" in result.stderr
    (tmp_path / "b.yaml").write_text(MANIFEST)
    result = run("check", tmp_path)
    assert result.exit_code == 2 and "zero.yaml" in result.stderr


def test_walk_reports_what_it_cannot_use(tmp_path):
    (tmp_path / "a.yaml").write_text("x")
    (tmp_path / ".hidden.yaml").write_text("x")
    _fifo(tmp_path / "p.yaml")
    problems = []
    found = walk_files(tmp_path, lambda n: n.endswith(".yaml"), lambda p, r: problems.append(r))
    assert [rel for rel, _ in found] == ["a.yaml"]
    assert problems == ["cannot read: a FIFO (named pipe), not a regular file"]


class _Hang(Exception):
    pass


def _cli(*args, timeout=20):
    """Run the CLI in-process; a hang (a FIFO waited on) fails the test, not the suite."""
    def alarm(signum, frame):
        raise _Hang(f"pruner {' '.join(map(str, args))} hung")
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(timeout)
    try:
        result = run(*args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


@pytest.mark.parametrize("where", ["folder", "argument", "off-file"])
def test_a_fifo_is_refused_not_waited_on(tmp_path, where):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    if where == "folder":
        (tmp_path / "sub").mkdir()
        _fifo(tmp_path / "sub" / "pipe.yaml")
        args = ["check", tmp_path]
    elif where == "argument":
        args = ["check", _fifo(tmp_path / "pipe.yaml")]
    else:
        args = ["check", tmp_path / "m.yaml", "--off-file", _fifo(tmp_path / "off.txt")]
    result = _cli(*args)
    assert result.returncode == 2, result.stderr
    assert "FIFO (named pipe), not a regular file" in result.stderr
    assert "pipe.yaml" in result.stderr or "off.txt" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [
    ["validate", "{pipe}"], ["check", "{pipe}"], ["cuts", "{pipe}"], ["essential", "{pipe}"],
    ["rank", "{pipe}"], ["availability", "{pipe}"], ["bootstrap", "{pipe}"], ["plan", "{pipe}"],
    ["render", "{pipe}", "-o", "{out}.dot"], ["report", "{pipe}", "-o", "{out}.html"],
    ["diff", "{pipe}", "{manifest}"], ["diff", "{manifest}", "{pipe}"],
    ["drift", "{manifest}", "{pipe}"], ["rpc", "{pipe}"],
    ["discover", "{pipe}", "-o", "{out}.yaml"],
])
def test_every_command_refuses_a_fifo_as_its_input(tmp_path, command):
    """Named as the argument itself, a FIFO is refused by its kind, whatever the command
    (drift's OBSERVED once walked it as an empty folder: "holds no *.json ... file")."""
    (tmp_path / "m.yaml").write_text(MANIFEST)
    pipe = _fifo(tmp_path / "pipe.yaml")
    args = [a.format(pipe=pipe, out=tmp_path / "out", manifest=tmp_path / "m.yaml")
            for a in command]
    result = _cli(*args)
    assert result.returncode == 2, result.stderr
    assert "FIFO (named pipe)" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml", "pipe.yaml"]


@pytest.mark.parametrize("kind,name,body", [
    ("k8s", "pipe.yaml", K8S), ("compose", "pipe.yml", "services: {a: {image: x}}\n"),
    ("jaeger", "pipe.json", '[{"parent": "a", "child": "b", "callCount": 1}]'),
    ("zipkin", "pipe.json", "[]"), ("backstage", "pipe.yaml", "kind: Component\n"),
])
@pytest.mark.parametrize("how", ["folder", "argument"])
def test_importers_refuse_a_fifo(tmp_path, kind, name, body, how):
    src = tmp_path / "src"
    src.mkdir()
    (src / ("ok" + Path(name).suffix)).write_text(body)
    pipe = _fifo(src / name)
    result = _cli("import", kind, src if how == "folder" else pipe, "-o", tmp_path / "out.yaml")
    assert result.returncode == 2, result.stderr
    assert "FIFO (named pipe)" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out.yaml").exists()


def _as_nobody(args, cwd=ROOT):
    """Run the CLI as an unprivileged user (root reads everything, whatever the mode)."""
    command = [sys.executable, "-m", "pruner", *map(str, args)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "as root this test needs setpriv (util-linux) to drop privileges"
        command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.fixture
def shared_dir():
    """A folder the unprivileged user can reach (pytest's tmp_path is root-only)."""
    path = Path(tempfile.mkdtemp(prefix="pruner-perm-"))
    path.chmod(0o755)
    yield path
    for dirpath, dirnames, _files in os.walk(path):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
    subprocess.run(["rm", "-rf", str(path)], check=True)


@pytest.mark.parametrize("what", ["subfolder", "file"])
def test_unreadable_parts_of_a_manifest_folder_are_exit_2(shared_dir, what):
    manifest = shared_dir / "m"
    (manifest / "sub").mkdir(parents=True)
    (manifest / "a.yaml").write_text("services:\n  a: {}\nflows:\n  f: {requires: [a, b]}\n")
    (manifest / "sub" / "b.yaml").write_text("services:\n  b: {depends_on: [a]}\n")
    for p in (manifest, manifest / "sub"):
        p.chmod(0o755)
    for p in (manifest / "a.yaml", manifest / "sub" / "b.yaml"):
        p.chmod(0o644)
    ok = _as_nobody(["check", manifest])
    assert ok.returncode == 0, ok.stderr
    target = manifest / "sub" if what == "subfolder" else manifest / "sub" / "b.yaml"
    target.chmod(0)
    result = _as_nobody(["check", manifest, "--off", "a"])
    assert result.returncode == 2, result.stderr
    assert f"{target}" in result.stderr and "Permission denied" in result.stderr
    assert "Traceback" not in result.stderr


NOT_UTF8 = os.fsdecode(b"caf\xe9.yaml")


@pytest.mark.parametrize("args", [
    ["check", "--format", "sarif"], ["check", "--format", "json", "-o", "OUT.json"],
    ["check", "--format", "markdown"], ["check", "--format", "junit"], ["check"],
    ["validate"], ["cuts", "--format", "json"], ["essential"],
    ["render", "--output", "OUT.dot"], ["report", "--output", "OUT.html"],
], ids=lambda a: "-".join(x for x in a if not x.startswith("-") and "." not in x))
def test_a_file_name_that_is_not_utf8_is_refused_by_every_command(tmp_path, args):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "a.yaml").write_text(MANIFEST)
    (folder / NOT_UTF8).write_text("services:\n  c: {}\n")
    out = tmp_path / "out"
    args = [a.replace("OUT", str(out)) for a in args]
    result = run(args[0], folder, *args[1:])
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "caf\\xe9.yaml: error: file name is not valid UTF-8 (shown with \\x escapes); "
        "rename the file"), result.stderr
    result.stderr.encode("ascii")  # printable anywhere
    assert not list(tmp_path.glob("out*"))


def test_a_manifest_argument_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / NOT_UTF8
    path.write_text(MANIFEST)
    result = run("check", path, "--format", "sarif")
    assert result.exit_code == 2 and "caf\\xe9.yaml" in result.stderr


@pytest.mark.parametrize("kind,body", [("k8s", K8S), ("compose", "services: {a: {image: x}}\n")])
def test_importers_refuse_a_file_name_that_is_not_utf8(tmp_path, kind, body):
    src = tmp_path / "src"
    src.mkdir()
    (src / NOT_UTF8).write_text(body)
    result = run("import", kind, src, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 2
    assert "caf\\xe9.yaml" in result.stderr and "not valid UTF-8" in result.stderr
