"""Fuzzing the loader and ``pruner check`` (issue 9 §7): hostile mutations of every
example manifest never give a traceback, and the exit code is always 0, 1 or 2.

Briefly in the normal suite; at length with ``HYPOTHESIS_PROFILE=fuzz make fuzz``
(see tests/fuzzing.py).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given

from pruner.cli import main
from pruner.errors import PrunerError
from pruner.loader import LoadResult, load_sources
from tests.conftest import ASSETS, ROOT
from tests.fuzzing import fuzz_settings, mutated

SEEDS = sorted(
    (str(p.relative_to(ROOT)), p.read_bytes())
    for folder in (ROOT / "manifests", ASSETS)
    for p in folder.rglob("*.y*ml")
    if p.stat().st_size <= 64_000 and "importers" not in p.parts
)
_WORK = Path(tempfile.mkdtemp(prefix="pruner-fuzz-"))


def test_there_are_seeds():
    assert len(SEEDS) > 50


@fuzz_settings(quick=80)
@given(mutated(SEEDS))
def test_loader_never_raises_anything_but_a_pruner_error(case):
    name, _original, data = case
    started = time.perf_counter()
    try:
        result = load_sources([(name, data)])
    except PrunerError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        for problem in getattr(exc, "problems", ()):
            assert "\n" not in str(problem)
    else:
        assert isinstance(result, LoadResult)
    assert time.perf_counter() - started < 30.0  # a hang or blow-up, not a speed test


@fuzz_settings(quick=30)
@given(mutated(SEEDS))
def test_check_exits_0_1_or_2_without_a_traceback(case):
    name, _original, data = case
    path = _WORK / Path(name).name
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output, result.exception)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert result.stdout == ""
        assert result.stderr.strip(), "exit 2 says why"
        for line in result.stderr.splitlines():
            assert line.startswith((str(path), "pruner: ")), line  # one error format
            line.encode("utf-8")  # printable
