"""Run Graphviz ``dot`` on DOT text: the one place pruner starts an external program.

An adapter at the top layer, next to the CLI: renderers stay pure (they return DOT
text), and this module turns that text into SVG or PNG bytes.
"""

from __future__ import annotations

import shutil
import subprocess

from pruner.errors import InputError, ToolMissingError

__all__ = ["DOT_FORMATS", "INSTALL_HINT", "dot_available", "run_dot"]

DOT_FORMATS = ("svg", "png")
INSTALL_HINT = ("Graphviz 'dot' is not installed: apt-get install graphviz "
                "(or brew install graphviz); .dot and .mmd output work without it")
DEFAULT_TIMEOUT = 120.0


def dot_available() -> bool:
    """True when a ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def run_dot(source: str, fmt: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Lay out ``source`` with ``dot -T<fmt>`` and return the output bytes.

    Raises :class:`ToolMissingError` when ``dot`` is not installed and
    :class:`InputError` when it fails or runs longer than ``timeout`` seconds.
    """
    if fmt not in DOT_FORMATS:
        raise ValueError(f"fmt must be one of {DOT_FORMATS}")
    program = shutil.which("dot")
    if program is None:
        raise ToolMissingError(INSTALL_HINT)
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise InputError(f"Graphviz 'dot' took longer than {timeout:g} s; "
                         "draw less with --flow and --depth") from None
    except OSError as exc:
        raise ToolMissingError(f"cannot run Graphviz 'dot': {exc.strerror or exc}") from None
    if done.returncode != 0:
        first = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise InputError(f"Graphviz 'dot' failed: {first[0] if first else done.returncode}")
    return done.stdout
