"""Writing output never loses or clobbers anything (issue 9 §3, output side): ``-o``
naming an input is refused, links are written through, devices and FIFOs are written
in place, signals exit 130/143 and leave no temporary file behind.

Device nodes are only ever created in a temporary folder: never point pruner at /dev.
"""

import hashlib
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pruner.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
TWITTER = str(ROOT / "manifests" / "twitter")
ONE = ROOT / "tests" / "assets" / "check" / "chain-db-off-breaks-login.yaml"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*args: str):
    return CliRunner().invoke(main, list(args))


SPECIAL = {  # commands whose arguments are not just PATH
    "diff": lambda m, out: ["diff", m, m, "-o", out],
    "drift": lambda m, out: ["drift", m, m, "-o", out],
    "render": lambda m, out: ["render", m, "--format", "dot", "-o", out],
    "import": lambda m, out: ["import", "compose", m, "--force", "-o", out],
}


def writers() -> list[str]:
    """Every command with -o (new ones included: they get ``NAME PATH -o OUT``)."""
    return sorted(n for n in COMMANDS
                  if any(p.name == "output" for p in main.get_command(None, n).params))


def commands_writing(manifest: str, out: str) -> dict[str, list[str]]:
    """Every command with -o, as a list of arguments writing ``out``."""
    return {name: SPECIAL.get(name, lambda m, o, n=name: [n, m, "-o", o])(manifest, out)
            for name in writers()}


def test_the_known_commands_with_output_are_covered():
    assert {"check", "cuts", "essential", "rank", "diff", "drift", "render", "report",
            "import"} <= set(writers())


@pytest.mark.parametrize("command", writers())
def test_output_naming_the_input_file_is_refused(tmp_path, command):
    manifest = tmp_path / "m.yaml"
    manifest.write_bytes(ONE.read_bytes())
    before = digest(manifest)
    alias = tmp_path / "alias.yaml"
    alias.symlink_to(manifest)
    for out in (manifest, alias, tmp_path / "." / "m.yaml"):
        result = run(*commands_writing(str(manifest), str(out))[command])
        assert result.exit_code == 2, result.output
        assert "refusing to write" in result.output
        assert "Traceback" not in result.output
        assert digest(manifest) == before and alias.is_symlink()


@pytest.mark.parametrize("command", ["check", "cuts", "render", "report", "diff"])
def test_output_inside_a_manifest_folder_is_refused(tmp_path, command):
    folder = tmp_path / "tw"
    folder.mkdir()
    for f in Path(TWITTER).glob("*.yaml"):
        (folder / f.name).write_bytes(f.read_bytes())
    before = {f.name: digest(f) for f in folder.iterdir()}
    for name in ("platform.yaml", "new.yaml", "sub/new.yml"):
        (folder / "sub").mkdir(exist_ok=True)
        result = run(*commands_writing(str(folder), str(folder / name))[command])
        assert result.exit_code == 2, result.output
        assert "inside the folder" in result.output
    assert {f.name: digest(f) for f in folder.iterdir() if f.is_file()} == before


def test_off_file_is_an_input_too(tmp_path):
    off = tmp_path / "off.txt"
    off.write_text("db\n")
    result = run("check", str(ONE), "--off-file", str(off), "-o", str(off))
    assert result.exit_code == 2 and off.read_text() == "db\n"


def test_output_beside_the_input_is_fine(tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_bytes(ONE.read_bytes())
    result = run("check", str(manifest), "--off", "db", "--format", "json",
                 "-o", str(tmp_path / "report.json"))
    assert result.exit_code == 1
    assert (tmp_path / "report.json").read_text().startswith("{")


def test_output_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real" / "report.txt"
    target.parent.mkdir()
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    chain = tmp_path / "chain.txt"
    chain.symlink_to(link)
    for out in (link, chain):
        result = run("check", TWITTER, "--off", "sms-gateway", "-o", str(out))
        assert result.exit_code == 1, result.output
        assert out.is_symlink() and link.is_symlink()
        assert target.read_text().startswith("Switched off (1): sms-gateway")
        assert stat.S_IMODE(target.stat().st_mode) == 0o640  # mode kept
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "real" / "new.txt")
    assert run("check", TWITTER, "-o", str(dangling)).exit_code == 0
    assert dangling.is_symlink() and (tmp_path / "real" / "new.txt").is_file()
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_regular_file_keeps_its_mode(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("x")
    out.chmod(0o604)
    assert run("check", TWITTER, "--format", "json", "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o604 and out.read_text().startswith("{")


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a character device needs root")
def test_device_node_is_written_not_replaced(tmp_path):
    node = tmp_path / "null"  # a twin of /dev/null, in a temporary folder only
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    link = tmp_path / "stdout-like"
    link.symlink_to(node)
    for out in (node, link):
        result = run("check", TWITTER, "--format", "json", "-o", str(out))
        assert result.exit_code == 0, result.output
        assert stat.S_ISCHR(node.stat().st_mode)
        assert node.stat().st_rdev == os.makedev(1, 3)
    assert link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "stdout-like"]


def test_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run("check", TWITTER, "--format", "json", "-o", str(fifo))
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received and received[0].startswith(b"{")


@pytest.mark.parametrize("args", [["check", TWITTER], ["cuts", TWITTER], ["essential", TWITTER],
                                  ["rank", TWITTER], ["render", TWITTER, "--format", "mmd"],
                                  ["report", TWITTER], ["diff", TWITTER, TWITTER]])
def test_dash_is_standard_output(tmp_path, args, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(*args, "-o", "-")
    assert result.exit_code in (0, 1), result.output
    assert result.output.strip() and not list(tmp_path.iterdir())


def test_output_onto_a_folder_is_refused(tmp_path):
    result = run("check", TWITTER, "-o", str(tmp_path))
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_sigterm_while_writing_removes_the_temporary_file(tmp_path, monkeypatch):
    import pruner.cli.common as common

    def replace_then_die(src, dst):  # the signal arrives while the output is being written
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)
        raise AssertionError("the signal did not interrupt the write")

    monkeypatch.setattr(common.os, "replace", replace_then_die)
    result = run("check", TWITTER, "-o", str(tmp_path / "out.txt"))
    assert result.exit_code == 143
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL or callable(
        signal.getsignal(signal.SIGTERM))


_BUSY_CHILD = ("import sys\nimport pruner.cli.check as command\n"
               "def switch_off(*a, **k):\n"
               "    sys.stderr.write('ready\\n'); sys.stderr.flush()\n"
               "    n = 0\n"
               "    while True:\n"
               "        n += 1\n"
               "command.switch_off = switch_off\n"
               "from pruner.cli import main\nmain(sys.argv[1:], prog_name='pruner')\n")


@pytest.mark.parametrize("signum,code,word", [(signal.SIGINT, 130, "interrupted"),
                                              (signal.SIGTERM, 143, "terminated"),
                                              (signal.SIGHUP, 129, "hung up")])
def test_signals_exit_with_one_line(tmp_path, signum, code, word):
    """A hang-up (the SSH session that ran pruner dropped) ends the run as SIGTERM does:
    it used to kill the process where it stood, leaving the hidden temporary file."""
    out = tmp_path / "out.json"
    # The child says 'ready' from inside the command, after the manifest is read, and
    # works on until the signal lands. (It used to be sent 0.3 s after main() began, on
    # a 20,000-service chain: once the load got faster, the command could end first.)
    proc = subprocess.Popen([sys.executable, "-c", _BUSY_CHILD, "check", TWITTER,
                             "--format", "json", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert proc.stderr.readline() == b"ready\n"
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    assert stderr.decode().strip() == f"pruner: {word}"  # one line, no traceback
    assert list(tmp_path.iterdir()) == []


def test_a_hang_up_is_ignored_under_nohup(tmp_path):
    """``nohup pruner ...`` ignores SIGHUP before pruner starts: pruner keeps it ignored
    and runs on (here until a SIGTERM ends it)."""
    def ignore_hangups():
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    proc = subprocess.Popen([sys.executable, "-c", _BUSY_CHILD, "check", TWITTER,
                             "--format", "json", "-o", str(tmp_path / "out.json")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            preexec_fn=ignore_hangups)
    assert proc.stderr.readline() == b"ready\n"
    proc.send_signal(signal.SIGHUP)
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=1)  # still running
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143, stderr
    assert stderr.decode().strip() == "pruner: terminated"
    assert list(tmp_path.iterdir()) == []


def test_a_link_to_a_pipe_like_dev_stdout_is_written_in_place(tmp_path):
    """``-o /dev/stdout`` in CI: a link to /proc/self/fd/1, itself a magic link to a pipe
    (whose realpath does not exist). Emulated with our own pipe and link, not /dev."""
    read_end, write_end = os.pipe()
    link = tmp_path / "stdout"
    link.symlink_to(f"/proc/self/fd/{write_end}")
    received = []
    reader = threading.Thread(target=lambda: received.append(os.read(read_end, 1 << 20)))
    reader.start()
    try:
        result = run("check", TWITTER, "--format", "json", "-o", str(link))
    finally:
        os.close(write_end)
        reader.join(10)
        os.close(read_end)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and received and received[0].startswith(b"{")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stdout"]


ASSETS = ROOT / "tests" / "assets"


@pytest.mark.parametrize(("args", "copy", "name"), [
    (["import", "servicegraph"], ASSETS / "importers" / "servicegraph", "metrics.prom"),
    (["import", "openpsa"], ROOT / "tests" / "corpus" / "scram-openpsa" / "input" / "TwoTrain",
     "two_train.xml"),
    (["drift", str(ONE)], ASSETS / "importers" / "servicegraph", "metrics.prom"),
    (["plan", str(ONE), "--observed"], ASSETS / "importers" / "servicegraph", "metrics.prom"),
])  # fmt: skip
def test_output_onto_a_source_file_inside_a_source_folder_is_refused(tmp_path, args, copy,
                                                                       name):
    """Only *.yaml and *.json files inside an input folder were protected: `import
    servicegraph DIR -o DIR/metrics.prom --force` overwrote the metrics it read with the
    manifest (and openpsa its *.xml fault tree); every kind of file a source folder is read
    for is protected now."""
    folder = tmp_path / "src"
    folder.mkdir()
    for f in copy.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    before = {f.name: digest(f) for f in folder.iterdir()}
    force = ["--force"] if args[0] == "import" else []
    result = run(*args, str(folder), *force, "-o", str(folder / name))
    assert result.exit_code == 2, result.output
    assert "inside the folder" in result.output
    assert {f.name: digest(f) for f in folder.iterdir()} == before


def test_a_report_beside_the_manifests_in_their_folder_is_not_refused_for_its_suffix(tmp_path):
    """A manifest folder is read for *.yaml only: a .txt or .xml report inside it is no
    input (the suffixes of trace, metric and fault-tree folders are not its)."""
    folder = tmp_path / "tw"
    folder.mkdir()
    (folder / "m.yaml").write_bytes(ONE.read_bytes())
    for out, fmt in (("report.txt", "text"), ("junit.xml", "junit")):
        result = run("check", str(folder), "--off", "db", "--format", fmt, "-o",
                     str(folder / out))
        assert result.exit_code == 1, result.output
