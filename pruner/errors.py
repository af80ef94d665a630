"""One exception hierarchy for everything pruner reports to its user.

Invalid input (a bad manifest, an unknown name on the command line) is kept
distinct from a failed gate: the first is an exception that maps to exit code 2,
the second is an ordinary result that maps to exit code 1.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Location",
    "Problem",
    "PrunerError",
    "ManifestError",
    "InputError",
    "UnknownNameError",
    "ToolMissingError",
    "display",
    "neutral",
    "did_you_mean",
    "INVISIBLE",
]

_CONTROL = {i: f"\\x{i:02x}" for i in list(range(0x20)) + list(range(0x7F, 0xA0))}
_CONTROL.update({ord("\n"): "\\n", ord("\t"): "\\t", ord("\r"): "\\r"})
# Characters that reorder or hide text (bidi embeddings, overrides and isolates, zero-width
# characters, line/paragraph separators): shown as visible escapes, never passed raw.
INVISIBLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
             + "".join(chr(c) for c in range(0x200B, 0x2010))
             + "".join(chr(c) for c in range(0x2028, 0x202F))
             + "".join(chr(c) for c in range(0x2060, 0x2070))
             + "\u3164\ufeff\uffa0\ufff9\ufffa\ufffb")
_CONTROL.update({ord(c): f"\\u{ord(c):04x}" for c in INVISIBLE})


def neutral(text: object) -> str:
    """``text`` made inert for a terminal or a report: control characters (ANSI and OSC
    escapes, newlines), bidi overrides and isolates and zero-width characters become
    visible escapes (``\\x1b``, ``\\n``, ``\\u202e``); nothing else changes.

    >>> neutral("pay\u202egnp.exe\x1b]0;t\x07")
    'pay\\\\u202egnp.exe\\\\x1b]0;t\\\\x07'
    """
    return str(text).translate(_CONTROL)


def display(text: object, limit: int = 80) -> str:
    """Quote ``text`` for a one-line message: control, bidi and zero-width characters
    escaped (:func:`neutral`), long text cut.

    >>> display("sms-gateway")
    "'sms-gateway'"
    >>> display("evil\\n\\x1b[31mname")
    "'evil\\\\n\\\\x1b[31mname'"
    """
    s = str(text).translate(_CONTROL)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return f"'{s}'"


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a source file; ``line`` and ``column`` count from 1 (0 = unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One finding about a manifest: an error that makes it invalid, or a warning."""

    location: Location
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message}"


class PrunerError(Exception):
    """Base of every error pruner reports to its user (exit code 2)."""


class ManifestError(PrunerError):
    """The manifest is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], omitted: int = 0):
        self.problems = tuple(sorted(problems))
        self.omitted = omitted
        n = len(self.problems) + omitted
        first = str(self.problems[0]) if self.problems else "invalid manifest"
        super().__init__(first if n == 1 else f"{first} (and {n - 1} more)")


class InputError(PrunerError):
    """A command-line value or auxiliary input file is unusable."""


class UnknownNameError(InputError):
    """A service or flow named on the command line is not in the manifest."""


class ToolMissingError(PrunerError):
    """An external program that the command needs (Graphviz ``dot``) is not installed."""


def did_you_mean(name: str, candidates, limit: int = 1) -> str:
    """A ``" (did you mean 'x'?)"`` hint for an unknown ``name``, or ``""``.

    >>> did_you_mean("sms-gatway", ["sms-gateway", "web"])
    " (did you mean 'sms-gateway'?)"
    >>> did_you_mean("zzz", ["sms-gateway"])
    ''
    """
    import difflib

    close = difflib.get_close_matches(str(name), sorted(candidates), n=limit, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(display(c) for c in close) + "?)"
