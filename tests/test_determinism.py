"""Same input, byte-identical output: across runs, processes, and shuffled files/keys."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT, run

TWITTER = ROOT / "manifests" / "twitter"


def _shuffled_copy(seed: int, target):
    """The Twitter manifest re-split into randomly named files with keys shuffled."""
    rng = random.Random(seed)
    services, flows = {}, {}
    for path in sorted(TWITTER.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text()) or {}
        services.update(doc.get("services") or {})
        flows.update(doc.get("flows") or {})

    def shuffle(mapping):
        keys = list(mapping)
        rng.shuffle(keys)
        return {k: shuffle(mapping[k]) if isinstance(mapping[k], dict) else mapping[k]
                for k in keys}

    entries = [("services", k, v) for k, v in services.items()]
    entries += [("flows", k, v) for k, v in flows.items()]
    rng.shuffle(entries)
    files = rng.randint(2, 9)
    for index in range(files):
        part = entries[index::files]
        doc = {}
        for table, key, value in part:
            doc.setdefault(table, {})[key] = value
        name = f"{rng.randrange(10**6):06d}-{index}.yaml"
        (target / name).write_text(yaml.safe_dump(shuffle(doc), sort_keys=False))
    return target


def _without_locations(data):
    if isinstance(data, dict):
        return {k: _without_locations(v) for k, v in data.items()
                if k not in ("location", "source")}
    if isinstance(data, list):
        return [_without_locations(v) for v in data]
    return data


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_files_and_keys_give_identical_output(tmp_path, seed):
    copy = _shuffled_copy(seed, tmp_path)
    for off in ("sms-gateway", "manhattan-a,zk-1", "tfe"):
        original = run("check", TWITTER, "--off", off)
        shuffled = run("check", copy, "--off", off)
        assert shuffled.exit_code == original.exit_code
        assert shuffled.stdout == original.stdout
        a = json.loads(run("check", TWITTER, "--off", off, "--format", "json").stdout)
        b = json.loads(run("check", copy, "--off", off, "--format", "json").stdout)
        assert _without_locations(a) == _without_locations(b)


def test_identical_across_processes_and_hash_seeds():
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, NO_COLOR="1")
        for fmt in ("text", "json"):
            proc = subprocess.run(
                [sys.executable, "-m", "pruner", "check", "manifests/twitter", "--off",
                 "sms-gateway,zk-1", "--format", fmt],
                capture_output=True, cwd=ROOT, env=env, timeout=60)
            assert proc.returncode == 1
            outputs.add((fmt, proc.stdout))
    assert len(outputs) == 2  # one per format
