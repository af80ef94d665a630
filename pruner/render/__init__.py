"""Output formats, one module each, behind one dispatcher (as pipdeptree does).

Every renderer is a pure function from a report to a string; writing it anywhere
is the CLI's job.
"""

from __future__ import annotations

import re
from importlib import import_module

from pruner.errors import INVISIBLE

__all__ = ["FORMATS", "DIAGRAM_FORMATS", "render"]

# format name -> module under pruner.render; each module has render(report, **options).
FORMATS = {
    "text": "text",
    "json": "json",
    "dot": "dot",
    "mermaid": "mermaid",
    "html": "html",
    "markdown": "markdown",
    "junit": "junit",
    "sarif": "sarif",
}
# Formats that draw a diagram or a page (pruner render / pruner report), not a
# command's report: commands offer them only when they ask for them by name.
DIAGRAM_FORMATS = ("dot", "mermaid", "html")
# Bidi controls: embeddings, overrides, isolates and marks (no format emits them itself;
# Markdown does emit a zero-width space after "@" on purpose, so those stay to clean()).
_HIDDEN_CHARS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_HIDDEN = f"[{_HIDDEN_CHARS}]"
# In JSON every invisible character can go: its \uXXXX escape is the same string.
_HIDDEN_JSON = f"[{INVISIBLE}]"
# (patterns as text: re compiles them the first time an output holds such a character)


def render(report, fmt: str = "text", **options) -> str:
    """Render ``report`` in format ``fmt``.

    Raises ``ValueError`` for an unknown format and ``TypeError`` when the format has
    no output for this kind of report.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(sorted(FORMATS))}")
    module = import_module(f"pruner.render.{FORMATS[fmt]}")
    text = module.render(report, **options)
    hidden = _HIDDEN_JSON if fmt in ("json", "sarif") else _HIDDEN
    # Twelve substring scans beat the character-class search over a 14 MiB diagram.
    # isascii() is O(1) on CPython (a flag of the string): most outputs skip the scans.
    if isinstance(text, str) and not text.isascii() and (
            re.search(hidden, text) if hidden is _HIDDEN_JSON
            else any(c in text for c in _HIDDEN_CHARS)):
        # A last guard: each format escapes what it prints (render.common.clean), and no
        # bidi control that reorders the text around it gets through anyway. In JSON and
        # SARIF, the \uXXXX left in a string is its JSON escape: the data is unchanged.
        text = re.sub(hidden, lambda m: f"\\u{ord(m.group()):04x}", text)
    return text
