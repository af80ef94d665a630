"""Fuzzing every importer's reader (issue 9 §7): mutated corpus samples give an
import result whose manifest loads, or a SourceError with a location — nothing else.

Briefly in the normal suite; at length with ``HYPOTHESIS_PROFILE=fuzz make fuzz``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given

from pruner.errors import PrunerError
from pruner.importers import SourceError, import_sources, result_to_yaml
from pruner.loader import load_sources
from tests.fuzzing import fuzz_settings, mutated
from tests.importers.conftest import ASSETS, CORPUS


def _seeds(patterns: list[str]) -> list[tuple[str, bytes]]:
    found = []
    for base in (ASSETS, CORPUS):
        for pattern in patterns:
            for p in sorted(base.glob(pattern)) if base.is_dir() else ():
                if p.is_file() and p.stat().st_size <= 40_000:
                    found.append((p.name, p.read_bytes()))
    return found


SEEDS = {
    "k8s": _seeds(["k8s-*.yaml", "online-boutique/kubernetes-manifests/*.yaml",
                   "sock-shop/*.yaml"]),
    "compose": _seeds(["compose-*.yml", "*/docker-compose.yml", "*/*/docker-compose.yml"]),
    "backstage": _seeds(["backstage-*.yaml", "backstage-examples/*.yaml"]),
    "jaeger": _seeds(["jaeger-*.json"]),
    "zipkin": _seeds(["zipkin-*.json"]),
}
_WORK = Path(tempfile.mkdtemp(prefix="pruner-fuzz-import-"))


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_every_importer_has_seeds(kind):
    assert SEEDS[kind]


def _fuzz_one(kind: str, case) -> None:
    name, _original, data = case
    path = _WORK / kind / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    try:
        result = import_sources(kind, [str(path)])
    except SourceError as exc:
        assert exc.location and exc.message and "\n" not in str(exc)
        return
    # What an importer returns must be a manifest pruner itself loads.
    try:
        load_sources([("imported.yaml", result_to_yaml(result))])
    except PrunerError as exc:  # pragma: no cover - a bug in the importer
        raise AssertionError(f"{kind} import of a mutated {name} does not load: {exc}") from None


@fuzz_settings(quick=25)
@given(mutated(SEEDS["k8s"]))
def test_fuzz_k8s(case):
    _fuzz_one("k8s", case)


@fuzz_settings(quick=25)
@given(mutated(SEEDS["compose"]))
def test_fuzz_compose(case):
    _fuzz_one("compose", case)


@fuzz_settings(quick=25)
@given(mutated(SEEDS["backstage"]))
def test_fuzz_backstage(case):
    _fuzz_one("backstage", case)


@fuzz_settings(quick=25)
@given(mutated(SEEDS["jaeger"]))
def test_fuzz_jaeger(case):
    _fuzz_one("jaeger", case)


@fuzz_settings(quick=25)
@given(mutated(SEEDS["zipkin"]))
def test_fuzz_zipkin(case):
    _fuzz_one("zipkin", case)
