"""The JSON Schema of manifest v1, shipped inside the package for editors.

The loader does not use it (plain checks are faster and give better messages);
tests feed the same manifests to both to keep them in agreement.
"""

from __future__ import annotations

import json
from importlib import resources

__all__ = ["SCHEMA_FILE", "schema_text", "schema"]

SCHEMA_FILE = "manifest-v1.schema.json"


def schema_text() -> str:
    """The schema as shipped (JSON text)."""
    return resources.files("pruner").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def schema() -> dict:
    """The schema as a dict.

    >>> schema()["title"]
    'pruner manifest v1'
    """
    return json.loads(schema_text())
