"""Exceptions raised by corridors.

Every exception subclasses a built-in (or networkx) exception so callers can catch them broadly, and
every message is a single line that says what is wrong, where, and how to fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx


class CorridorsError(Exception):
    """Base class of every error raised on purpose by corridors."""


class DataFileError(CorridorsError, ValueError):
    """A data file cannot be read at all (missing, not JSON/TOML, wrong top-level type)."""


class NetworkValidationError(CorridorsError, ValueError):
    """One or more problems in network data; ``problems`` lists every one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the network data"
        detail = "; ".join(str(p) for p in self.problems[:5])
        more = f"; ... and {n - 5} more" if n > 5 else ""
        super().__init__(f"{head}: {detail}{more}")


class Problem:
    """One validation finding: file, feature index, id, field and message."""

    __slots__ = ("feature", "field", "file", "id", "message", "severity")

    def __init__(
        self,
        file: str,
        feature: int | None,
        id: str | None,
        field: str | None,
        message: str,
        severity: str = "error",
    ) -> None:
        self.file = file
        self.feature = feature
        self.id = id
        self.field = field
        self.message = message
        self.severity = severity

    def __str__(self) -> str:
        where = [self.file]
        if self.feature is not None:
            where.append(f"feature {self.feature}")
        if self.id:
            where.append(f"id {self.id!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "file": self.file,
            "feature": self.feature,
            "id": self.id,
            "field": self.field,
            "message": self.message,
        }


class ParameterError(CorridorsError, ValueError):
    """A cost-model parameter file is invalid."""


class UnknownPlaceError(CorridorsError, KeyError):
    """A place name, alias, UN/LOCODE or id that matches no node."""

    def __init__(self, query: str, candidates: Iterable[str] = (), what: str = "place") -> None:
        self.query = query
        close = difflib.get_close_matches(query.lower(), list(candidates), n=4, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        msg = f"unknown {what} {query!r}{hint} (list places with `corridors places QUERY`; a position can be given as 'lon,lat')"
        self.message = msg
        super().__init__(msg)

    def __str__(self) -> str:
        return self.message


class ConstraintError(CorridorsError, ValueError):
    """A routing constraint names something unknown or is contradictory."""


if TYPE_CHECKING:

    class NoRouteError(CorridorsError, nx.NetworkXNoPath):  # type: ignore[misc]  # networkx has no type stubs
        """No route satisfies the constraints; the message says which constraints cut the way."""

        def __init__(self, message: str, relaxations: Sequence[str] = ()) -> None: ...


def _no_route_error() -> type[Exception]:
    """:class:`NoRouteError`, made on first use: it subclasses ``networkx.NetworkXNoPath`` (so code that
    catches networkx's no-path error catches it too), and networkx is imported only then, not by every
    process that imports this module (a query's process does not import networkx at all,
    :mod:`corridors.netview`). ``from corridors.errors import NoRouteError`` makes it at once."""
    import networkx as nx

    class NoRouteError(CorridorsError, nx.NetworkXNoPath):  # type: ignore[misc]  # networkx has no type stubs
        """No route satisfies the constraints; the message says which constraints cut the way."""

        def __init__(self, message: str, relaxations: Sequence[str] = ()) -> None:
            self.relaxations = list(relaxations)
            super().__init__(message)

    NoRouteError.__module__, NoRouteError.__qualname__ = __name__, "NoRouteError"
    return NoRouteError


def __getattr__(name: str) -> Any:
    if name == "NoRouteError":
        cls = globals()["NoRouteError"] = _no_route_error()
        return cls
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


class ScenarioError(CorridorsError, ValueError):
    """A scenario file is invalid (names the file, line and key)."""


class OutputExistsError(CorridorsError, FileExistsError):
    """Refusing to replace a file corridors did not write (or a folder, or a missing folder)."""


class OutputWriteError(CorridorsError, OSError):
    """An output could not be written (a full or read-only disk); nothing half-written is left."""


class OutputLockedError(CorridorsError, OSError):
    """Another corridors run is writing the same output."""
