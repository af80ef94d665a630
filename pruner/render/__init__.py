"""Output formats, one module each, behind one dispatcher (as pipdeptree does).

Every renderer is a pure function from a report to a string; writing it anywhere
is the CLI's job.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["FORMATS", "DIAGRAM_FORMATS", "render"]

# format name -> module under pruner.render; each module has render(report, **options).
FORMATS = {
    "text": "text",
    "json": "json",
    "dot": "dot",
    "mermaid": "mermaid",
    "html": "html",
}
# Formats that draw a diagram or a page (pruner render / pruner report), not a
# command's report: commands offer them only when they ask for them by name.
DIAGRAM_FORMATS = ("dot", "mermaid", "html")


def render(report, fmt: str = "text", **options) -> str:
    """Render ``report`` in format ``fmt``.

    Raises ``ValueError`` for an unknown format and ``TypeError`` when the format has
    no output for this kind of report.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(sorted(FORMATS))}")
    module = import_module(f"pruner.render.{FORMATS[fmt]}")
    return module.render(report, **options)
