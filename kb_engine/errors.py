"""Every error kb_engine raises on purpose, under one base class.

Each class carries the fields a caller needs to explain the problem and the
exit code the command line uses for it. Errors subclass the builtin they
specialise (``ValueError`` for bad data, ``RuntimeError`` for a missing tool),
so code that embeds kb_engine can catch either.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "EXIT_OK",
    "EXIT_FINDINGS",
    "EXIT_USAGE",
    "EXIT_TOOL_MISSING",
    "EXIT_KNOWLEDGE_BASE",
    "EXIT_INCOMPLETE",
    "EXIT_SOME_RECORDS_BAD",
    "EXIT_INTERNAL",
    "EXIT_IO",
    "EXIT_INTERRUPTED",
    "EXIT_BROKEN_PIPE",
    "Problem",
    "KbEngineError",
    "InputError",
    "UnknownEditionError",
    "UnknownErrorCodeError",
    "KnowledgeBaseError",
    "ToolMissingError",
    "ToolFailedError",
    "StreamError",
    "show_value",
]

EXIT_OK = 0
"""Nothing wrong was found."""
EXIT_FINDINGS = 1
"""The command worked and found problems (a confirmed cause, a lint finding, stale files)."""
EXIT_USAGE = 2
"""Bad usage or bad input: a malformed facts file, an unknown edition or error code."""
EXIT_TOOL_MISSING = 3
"""A system tool the command needs (Graphviz's ``dot``) is not installed."""
EXIT_KNOWLEDGE_BASE = 4
"""The knowledge base itself is broken (a ``--kb`` directory that fails validation)."""
EXIT_INCOMPLETE = 5
"""Nothing confirmed, but facts that would decide a cause are unknown: not a clean bill of health."""
EXIT_SOME_RECORDS_BAD = 6
"""A batch was diagnosed, but some of its records were bad input (each one is reported)."""
EXIT_INTERNAL = 70
"""A bug in kb_engine (``EX_SOFTWARE``); rerun with ``--debug`` for the traceback."""
EXIT_IO = 74
"""Reading or writing a stream failed (``EX_IOERR``): standard input or output closed, a full disk."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C (128 + SIGINT)."""
EXIT_BROKEN_PIPE = 141
"""The reader of stdout went away (128 + SIGPIPE), as for any program killed by SIGPIPE."""


SHOWN_CHARACTERS = 80
"""The longest a value is shown in an error message; longer ones are cut with an ellipsis."""

# Shown as \\uXXXX: C0/C1 controls, lone surrogates, line and paragraph separators, bidirectional overrides.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(text: str) -> str:
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
    return _UNSAFE.sub(lambda m: named.get(m.group(), f"\\u{ord(m.group()):04x}"), text)


def _shown(value: object, budget: int, seen: set[int]) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) < 10**30:
            return str(value)
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"{'-' if value < 0 else ''}<a number of about {digits} digits>"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else ("-inf" if value < 0 else "inf"))
    if isinstance(value, str):
        return '"' + _escape(value[: budget + 1]).replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        if id(value) in seen:
            return "<itself>"  # a YAML alias inside its own anchor (&x [*x])
        seen = seen | {id(value)}
        parts: list[str] = []
        used = 0
        items = value.items() if isinstance(value, dict) else sorted(value, key=repr) if isinstance(value, (set, frozenset)) \
            else value
        for item in items:
            if used > budget:
                parts.append("...")
                break
            if isinstance(value, dict):
                key, inner = item
                part = f"{_shown(key, budget - used, seen)}: {_shown(inner, budget - used, seen)}"
            else:
                part = _shown(item, budget - used, seen)
            parts.append(part)
            used += len(part) + 2
        open_, close = ("{", "}") if isinstance(value, (dict, set, frozenset)) else ("[", "]")
        return open_ + ", ".join(parts) + close
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    isoformat = getattr(value, "isoformat", None)  # a YAML date or timestamp
    if callable(isoformat):
        try:
            return _escape(str(isoformat()))
        except Exception:  # noqa: BLE001 (any object's own method may fail: the type name says enough)
            pass
    return f"<{type(value).__name__}>"


def show_value(value: object, limit: int = SHOWN_CHARACTERS) -> str:
    """Any value as an error message shows it: JSON-like, one line, printable, at most ``limit`` characters.

    Safe for whatever a document can hold: sets, dates, non-string keys, a list
    that contains itself, a number of thousands of digits, control characters
    and lone surrogates (shown as ``\\uXXXX``); never raises.
    """
    try:
        text = _shown(value, limit, set())
    except RecursionError:
        text = "<nested too deeply to show>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input.

    Attributes:
        source: the file (or ``<stdin>``, ``<dict>``) the input came from.
        path: where in the document, as a dotted path (``agent.version``, ``vm.disks[2].size_gib``).
        message: what is wrong, in one sentence.
        value: the offending value as the user wrote it, when there is one.
        allowed: what would have been accepted, when that can be said briefly.
    """

    source: str
    path: str
    message: str
    value: str | None = None
    allowed: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}" if self.path else self.source
        text = f"{where}: {self.message}"
        if self.value is not None:
            text += f" (got {self.value})"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return text


class KbEngineError(Exception):
    """Base class of every error kb_engine raises on purpose."""

    exit_code: int = EXIT_USAGE


class InputError(KbEngineError, ValueError):
    """Input that cannot be used: every problem found, listed at once.

    Attributes:
        problems: each problem with its source, field path, value and what is allowed.
    """

    exit_code = EXIT_USAGE

    def __init__(self, problems: Sequence[Problem], summary: str | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if summary is None:
            count = len(self.problems)
            summary = f"{count} problem{'s' if count != 1 else ''} in the input"
        lines = [summary + ":"] + [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines) if self.problems else summary)


class UnknownEditionError(InputError):
    """An edition name the knowledge base does not know.

    Attributes:
        edition: the name given.
        known: the editions that exist.
    """

    def __init__(self, edition: str, known: Sequence[str], source: str = "edition") -> None:
        self.edition = edition
        self.known = tuple(known)
        super().__init__(
            [Problem(source, "", "unknown edition", repr(edition), ", ".join(self.known))],
            summary=f"unknown edition {edition!r}",
        )


class UnknownErrorCodeError(InputError):
    """An error code that no edition of the knowledge base knows.

    Attributes:
        code: the code given.
        suggestions: the closest known codes, best first (may be empty).
    """

    def __init__(self, code: str, suggestions: Sequence[str], source: str = "<input>", path: str = "observed_error") -> None:
        self.code = code
        self.suggestions = tuple(suggestions)
        hint = f"did you mean {', '.join(self.suggestions)}?" if self.suggestions else None
        message = "unknown error code" + (f"; {hint}" if hint else "")
        super().__init__(
            [Problem(source, path, message, repr(code), "an error code of the selected edition (kb-engine kb list)")],
            summary=f"unknown error code {code!r}",
        )


class KnowledgeBaseError(KbEngineError, ValueError):
    """A knowledge-base file that fails validation.

    Attributes:
        problems: each problem with the file, the path of the bad element and what is wrong.
    """

    exit_code = EXIT_KNOWLEDGE_BASE

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        lines = [f"invalid knowledge base: {count} problem{'s' if count != 1 else ''}:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class ToolMissingError(KbEngineError, RuntimeError):
    """A system program kb_engine needs is not installed.

    Attributes:
        tool: the program looked for (``dot``).
        package: the Debian package that provides it.
        purpose: what it is needed for.
    """

    exit_code = EXIT_TOOL_MISSING

    def __init__(self, tool: str, package: str, purpose: str) -> None:
        self.tool = tool
        self.package = package
        self.purpose = purpose
        super().__init__(
            f"{tool!r} is not installed; it is needed to {purpose}. "
            f"Install it with: apt-get install {package}"
        )


class ToolFailedError(KbEngineError, RuntimeError):
    """A system program kb_engine needs is installed but failed (a broken Graphviz, a timeout).

    Attributes:
        tool: the program that failed, with its arguments (``dot -Tpng``).
        detail: what it said, or why it was stopped.
    """

    exit_code = EXIT_TOOL_MISSING

    def __init__(self, tool: str, detail: str) -> None:
        self.tool = tool
        self.detail = detail
        super().__init__(f"{tool} failed: {detail}")


class StreamError(KbEngineError, OSError):
    """Standard input or output cannot be used: closed, full, or failing (exit code 74, ``EX_IOERR``).

    A closed or full output is the caller's to fix (``>&-``, ``> /dev/full``); the
    command says so in one line.

    Attributes:
        stream: ``standard input`` or ``standard output``.
        reason: what is wrong (``closed``, ``No space left on device``).
    """

    exit_code = EXIT_IO

    def __init__(self, stream: str, reason: str) -> None:
        self.stream = stream
        self.reason = reason
        verb = "read" if stream == "standard input" else "write" if stream == "standard output" else "use"
        super().__init__(f"cannot {verb} {stream}: {reason}")

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
