"""A clone is the whole project (issue 17 §1): no tracked file outside tests/corpus refers to
a location beside the repository, where a user's clone has nothing."""

from __future__ import annotations

import subprocess

from tests.conftest import ROOT

# Spelled in pieces so that this file does not match itself.
OUTSIDE = ("../" + "shared", "shared/" + "corpus", "/work/" + "shared")


def _tracked() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [p for p in out.stdout.decode().split("\0") if p]


def test_no_tracked_file_reaches_outside_the_clone():
    files = _tracked()
    assert "tests/corpus/README.md" in files or not (ROOT / "tests/corpus/README.md").exists()
    offenders = []
    for rel in files:
        if rel.startswith("tests/corpus/"):
            continue
        path = ROOT / rel
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            if any(s in line for s in OUTSIDE):
                offenders.append(f"{rel}:{lineno}: {line.strip()[:120]}")
    assert not offenders, "\n".join(offenders)


def test_every_corpus_folder_keeps_its_source_and_licence():
    corpus = ROOT / "tests" / "corpus"
    readme = (corpus / "README.md").read_text()
    folders = sorted(p.name for p in corpus.iterdir() if p.is_dir())
    assert folders
    for name in folders:
        source = (corpus / name / "SOURCE.md").read_text()
        assert "License" in source, name
        assert f"`{name}/`" in readme, name
