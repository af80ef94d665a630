"""Allow ``python -m pruner``."""

import os
import sys


def _own_package() -> None:
    """``python -m pruner`` run from a folder that holds a directory named ``pruner``
    (a clone of this repository, say) finds that directory first on ``sys.path``; with
    an editable install it then imports that directory, an empty namespace package,
    in place of this package, and nothing works. Put this package back: drop the
    namespace and look first where this file lives."""
    package = sys.modules.get("pruner")
    if package is None or getattr(package, "__file__", None) is not None:
        return
    for name in [m for m in sys.modules if m == "pruner" or m.startswith("pruner.")]:
        if name != __name__:
            del sys.modules[name]
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


_own_package()

from pruner.cli import main, run  # noqa: E402, F401  (after the package is the right one)

if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    run()
