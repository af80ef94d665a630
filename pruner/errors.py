"""One exception hierarchy for everything pruner reports to its user.

Invalid input (a bad manifest, an unknown name on the command line) is kept
distinct from a failed gate: the first is an exception that maps to exit code 2,
the second is an ordinary result that maps to exit code 1.
"""

from __future__ import annotations

import re
from functools import cache

from pruner.frozen import record

__all__ = [
    "Location",
    "Problem",
    "PrunerError",
    "ManifestError",
    "InputError",
    "UnknownNameError",
    "ToolMissingError",
    "BudgetExhausted",
    "OutOfTime",
    "EXIT_BUDGET",
    "display",
    "neutral",
    "did_you_mean",
    "error_line",
    "INVISIBLE",
]

_CONTROL = {i: f"\\x{i:02x}" for i in list(range(0x20)) + list(range(0x7F, 0xA0))}
_CONTROL.update({ord("\n"): "\\n", ord("\t"): "\\t", ord("\r"): "\\r"})
# Characters that reorder or hide text (bidi embeddings, overrides and isolates, zero-width
# characters, line/paragraph separators) and the noncharacters U+FFFE and U+FFFF (XML holds
# neither: Graphviz refused an HTML-like label with one): shown as visible escapes, never
# passed raw.
INVISIBLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
             + "".join(chr(c) for c in range(0x200B, 0x2010))
             + "".join(chr(c) for c in range(0x2028, 0x202F))
             + "".join(chr(c) for c in range(0x2060, 0x2070))
             + "\u3164\ufeff\uffa0\ufff9\ufffa\ufffb\ufffe\uffff")
_CONTROL.update({ord(c): f"\\u{ord(c):04x}" for c in INVISIBLE})


@cache
def _surrogates() -> dict[int, str]:
    """Lone surrogates: bytes of a file name that are not UTF-8 (Python keeps them as
    U+DC80..U+DCFF), which no output could encode, shown as the byte they stand for;
    the other surrogates as ``\\uXXXX``. Made the first time a text holds one (2,048
    entries: most of building these tables, at every start-up, when they were one)."""
    table = {i: f"\\x{i - 0xDC00:02x}" for i in range(0xDC80, 0xDD00)}
    table.update({i: f"\\u{i:04x}" for i in range(0xD800, 0xE000) if i not in table})
    return table


def _escaped(text: str) -> str:
    if text.isascii() and text.isprintable():  # most names: nothing to escape (C scans,
        return text  # a ninth of translate's cost: a plan's page cleans 45,000 of them)
    s = text.translate(_CONTROL)
    # a surrogate is never printable; isascii() and isprintable() are C-speed scans
    if not s.isascii() and not s.isprintable():
        s = s.translate(_surrogates())
    return s


def neutral(text: object) -> str:
    """``text`` made inert for a terminal or a report: control characters (ANSI and OSC
    escapes, newlines), bidi overrides and isolates and zero-width characters become
    visible escapes (``\\x1b``, ``\\n``, ``\\u202e``); nothing else changes.

    >>> neutral("pay\u202egnp.exe\x1b]0;t\x07")
    'pay\\\\u202egnp.exe\\\\x1b]0;t\\\\x07'
    """
    return _escaped(str(text))


def display(text: object, limit: int = 80) -> str:
    """Quote ``text`` for a one-line message: control, bidi and zero-width characters
    escaped (:func:`neutral`), long text cut.

    >>> display("sms-gateway")
    "'sms-gateway'"
    >>> display("evil\\n\\x1b[31mname")
    "'evil\\\\n\\\\x1b[31mname'"
    """
    s = _escaped(str(text))
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return f"'{s}'"


_SHOWN_FILES: dict[str, str] = {}  # file name -> as Location prints it


@record(order=True)
class Location:
    """A place in a source file; ``line`` and ``column`` count from 1 (0 = unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        file = _SHOWN_FILES.get(self.file)
        if file is None:  # a hostile file name prints as escapes
            file = _escaped(self.file)
            if len(_SHOWN_FILES) < 4096:  # a report names few files, each many times
                _SHOWN_FILES[self.file] = file
        if self.line and self.column:
            return f"{file}:{self.line}:{self.column}"
        if self.line:
            return f"{file}:{self.line}"
        return file


@record(order=True)
class Problem:
    """One finding about a manifest: an error that makes it invalid, or a warning."""

    location: Location
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message}"


class PrunerError(Exception):
    """Base of every error pruner reports to its user (exit code 2)."""

    #: ``file[:line[:col]]`` the error is about, when there is one (see :func:`error_line`).
    location: str | None = None


def error_line(exc: BaseException) -> str:
    """The one line an error is reported as, in pruner's single error format.

    ``FILE[:LINE[:COL]]: error: REASON`` when the error has a place in a file (the
    format of every manifest problem, like a compiler's), ``pruner: error: REASON``
    when it has none (a command-line value, a missing tool).

    >>> error_line(InputError("unknown service 'x'"))
    "pruner: error: unknown service 'x'"
    >>> error_line(InputError("unknown service 'x'", location="off.txt:3"))
    "off.txt:3: error: unknown service 'x'"
    """
    location = getattr(exc, "location", None)
    message = getattr(exc, "message", None) or str(exc)
    if location and (not location.startswith("<") or location.startswith("<stdin>")):
        return f"{location}: error: {message}"  # "<unknown>", "<removed>": no place
    return f"pruner: error: {message}"


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

    def __init__(self, message: str, location: str | None = None):
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class UnknownNameError(InputError):
    """A service or flow named on the command line is not in the manifest."""


class ToolMissingError(PrunerError):
    """An external program that the command needs (Graphviz ``dot``) is not installed."""


#: Exit code of a run that a time, node or memory budget stopped before the gate's
#: outcome was known: not an input error (2) and not a proven failure (1), but not a
#: pass either, so a CI gate fails closed on it.
EXIT_BUDGET = 3


class BudgetExhausted(PrunerError):
    """A time, node or memory budget ran out before the answer was complete.

    Not invalid input: the CLI maps it to :data:`EXIT_BUDGET` (fail closed), prints
    ``pruner: budget: REASON`` and, where the command has one, the honest partial
    answer (marked incomplete) that ``partial`` carries.
    """

    def __init__(self, message: str, partial: object = None):
        self.message = message
        self.partial = partial
        super().__init__(message)


class OutOfTime(BudgetExhausted):
    """A deadline passed before an analysis finished (its partial answer, if any, in
    ``partial``)."""

    def __init__(self, message: str = "the time budget ran out", partial: object = None):
        super().__init__(message, partial)


_SEPARATORS = r"[-_.:/@]+"  # compiled by re when a name is first misspelled


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(_SEPARATORS, name.lower()) if t]


def _one_letter_off(a: str, b: str) -> bool:
    """Same length (3 or more), and one letter replaced or two neighbours swapped."""
    if len(a) != len(b) or len(a) < 3:
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) == 1:
        return True
    return (len(diff) == 2 and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])


def _tokens_match(short: list[str], long: list[str]) -> bool:
    """Whether every token of ``short`` has its own close partner (a typo away) in ``long``."""
    import difflib

    left = list(long)
    for token in short:
        best, best_ratio = None, 0.0
        for other in left:
            if token == other or _one_letter_off(token, other):
                ratio = 1.0  # equal, one letter replaced (apy / api) or two swapped (wbe / web)
            else:
                ratio = difflib.SequenceMatcher(None, token, other).ratio()
            if ratio > best_ratio:
                best, best_ratio = other, ratio
        if best is None or best_ratio < 0.75:
            return False
        left.remove(best)
    return True


def _suggestions(name: str, candidates) -> list[str]:
    """Known names ``name`` is probably a typo of, best first (see :func:`did_you_mean`)."""
    import difflib

    name = str(name)
    mine = _tokens(name)
    key, joined = sorted(mine), "".join(mine)
    ranked: list[tuple[float, str]] = []
    pool = sorted(str(c) for c in candidates)
    for cand in pool:  # the same tokens in another order or with other separators
        if abs(len(cand) - len(name)) <= 2:
            theirs = _tokens(cand)
            if cand != name and (sorted(theirs) == key or "".join(theirs) == joined):
                ranked.append((2.0, cand))
    for cand in difflib.get_close_matches(name, pool, n=8, cutoff=0.6):
        theirs = _tokens(cand)
        short, long = sorted((mine, theirs), key=len)
        # A near-miss changes a letter or two inside tokens, or drops one token; a
        # different word in the same slot (user-service / user-store) is another name.
        extra = len(long) - len(short)
        if len(long) == 1:  # one word each: difflib's judgement, as always (wbe / web)
            ranked.append((difflib.SequenceMatcher(None, name, cand).ratio(), cand))
        elif (extra == 0 or (extra == 1 and len(short) >= 2)) and _tokens_match(short, long):
            ranked.append((difflib.SequenceMatcher(None, name, cand).ratio(), cand))
    best: dict[str, float] = {}
    for score, cand in ranked:
        best[cand] = max(score, best.get(cand, 0.0))
    return [c for c, _ in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))]


def did_you_mean(name: str, candidates, limit: int = 1) -> str:
    """A ``" (did you mean 'x'?)"`` hint for an unknown ``name``, or ``""``.

    Names are compared as text (difflib) and as tokens split on ``- _ . : / @``: the
    same tokens swapped or joined differently are the best match, and a candidate is
    only offered when each token is a typo away from one of the other's, so a
    different word in the same place is not offered as a fix.

    >>> did_you_mean("sms-gatway", ["sms-gateway", "web"])
    " (did you mean 'sms-gateway'?)"
    >>> did_you_mean("sms-otp", ["otp-sms", "sms-gateway"])
    " (did you mean 'otp-sms'?)"
    >>> did_you_mean("user-service", ["user-store"])
    ''
    >>> did_you_mean("wbe", ["web"]), did_you_mean("sms-gatewya", ["sms-gateway"])
    (" (did you mean 'web'?)", " (did you mean 'sms-gateway'?)")
    >>> did_you_mean("zzz", ["sms-gateway"])
    ''
    """
    close = _suggestions(name, candidates)[:limit]
    if not close:
        return ""
    return " (did you mean " + " or ".join(display(c) for c in close) + "?)"
