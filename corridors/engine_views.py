"""Read-only views over an engine's arrays that stand for its per-node and per-leg Python structures.

An engine kept the states arriving at and leaving each node as two dicts of lists, and each leg's
``(u, v, key)`` as a list of tuples (35,192 on the bundled network). Read back from the cache, making
them was most of decoding the engine (25-31 ms, 8.5 ms without them), while a query reads a few dozen of them. The engine now
keeps their arrays (:class:`corridors.engine.Engine`: ``in_flat``, ``out_flat``, ``node_states_at``,
``edge_ref_codes``) and gives out these views, which make an item when it is asked for: the same keys,
values and order as the dicts and list they replace (a new list per lookup, as a copy of the dict's).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np

__all__ = ["EdgeRefs", "NodeStates", "node_state_offsets"]


def node_state_offsets(per_node: np.ndarray) -> np.ndarray:
    """Where each node's states start in a flat array of every node's states in node order (and, last,
    where they end): the cumulative sum of ``per_node`` after a 0."""
    at = np.zeros(len(per_node) + 1, np.int64)
    np.cumsum(per_node, out=at[1:])
    return at


class NodeStates(Mapping[str, list[int]]):
    """``{node: its states}`` for every node with at least one state, in node order: node ``i``'s states
    are ``flat[at[i]:at[i + 1]]``. ``index`` is the engine's node -> position dict."""

    __slots__ = ("_at", "_flat", "_index", "_nodes")

    def __init__(self, nodes: Sequence[str], index: Mapping[str, int], flat: np.ndarray, at: np.ndarray) -> None:
        self._nodes, self._index, self._flat, self._at = nodes, index, flat, at

    def __getitem__(self, node: str) -> list[int]:
        i = self._index.get(node) if isinstance(node, str) else None
        if i is None or self._at[i] == self._at[i + 1]:
            raise KeyError(node)
        return self._flat[self._at[i] : self._at[i + 1]].tolist()  # type: ignore[no-any-return]

    def _with_states(self) -> np.ndarray:
        return np.flatnonzero(self._at[1:] != self._at[:-1])

    def __iter__(self) -> Iterator[str]:
        return map(self._nodes.__getitem__, self._with_states().tolist())

    def __len__(self) -> int:
        return len(self._with_states())

    def __repr__(self) -> str:
        return f"NodeStates({len(self)} nodes)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self.items()),))  # a plain dict where one is pickled on its own


class EdgeRefs(Sequence[tuple[str, str, str]]):
    """``[(u, v, key)]`` of each leg: ``codes`` holds, per leg, the positions of ``u`` and ``v`` in
    ``nodes`` and of ``key`` in ``keys``."""

    __slots__ = ("_codes", "_keys", "_nodes")

    def __init__(self, nodes: Sequence[str], keys: Sequence[str], codes: np.ndarray) -> None:
        self._nodes, self._keys, self._codes = nodes, keys, codes

    @overload
    def __getitem__(self, i: int) -> tuple[str, str, str]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[str, str, str]]: ...
    def __getitem__(self, i: int | slice) -> tuple[str, str, str] | list[tuple[str, str, str]]:
        if isinstance(i, slice):
            return list(self._make(self._codes[i]))
        u, v, k = self._codes[i].tolist()
        return (self._nodes[u], self._nodes[v], self._keys[k])

    def _make(self, codes: np.ndarray) -> Iterator[tuple[str, str, str]]:
        nodes, keys = self._nodes, self._keys
        return zip(
            map(nodes.__getitem__, codes[:, 0].tolist()),
            map(nodes.__getitem__, codes[:, 1].tolist()),
            map(keys.__getitem__, codes[:, 2].tolist()),
            strict=True,
        )

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        return self._make(self._codes)

    def take(self, legs: np.ndarray) -> list[tuple[str, str, str]]:
        """``[self[i] for i in legs]``, made in bulk (an item at a time costs a numpy row each: 35,192 of
        them were 37 ms of indexing a freshly compiled engine)."""
        return list(self._make(self._codes[legs]))

    def __len__(self) -> int:
        return len(self._codes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EdgeRefs | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"EdgeRefs({len(self)} legs)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))
