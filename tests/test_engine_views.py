"""The engine's per-node states and per-leg references, kept as arrays and read through views
(:mod:`corridors.engine_views`), behave as the dicts and list they replace: every key, value and order,
the mapping and sequence protocols, and a pickled engine (a sweep's workers) reads the same."""

from __future__ import annotations

import pickle
from typing import Any

import networkx as nx
import numpy as np
import pytest

from corridors.engine import LEG, compile_engine
from corridors.engine_views import EdgeRefs, NodeStates, node_state_offsets
from corridors.params import load_parameters


@pytest.fixture(scope="module")
def eng(G: nx.MultiDiGraph) -> Any:
    return compile_engine(G, load_parameters(calibration=False))


def test_each_leg_reference_is_the_leg_between_its_states(eng: Any, G: nx.MultiDiGraph) -> None:
    """Leg edge ``e``'s ``edge_refs[leg[e]]`` is a leg of the graph from its leaving state's node to its
    arriving state's node; every leg of the graph is one of them, once."""
    refs = list(eng.edge_refs)
    assert len(refs) == len(eng.edge_refs) == G.number_of_edges()
    assert sorted(refs) == sorted(G.edges(keys=True))
    legs = np.flatnonzero(eng.etype == LEG)
    for e in legs[:: max(1, len(legs) // 2000)].tolist():
        u, v, k = eng.edge_refs[int(eng.leg[e])]
        assert G.has_edge(u, v, k)
        assert (eng.nodes[eng.state_node[eng.src[e]]], eng.nodes[eng.state_node[eng.dst[e]]]) == (u, v)
    assert eng.edge_refs[-1] == refs[-1] and eng.edge_refs[3:7] == refs[3:7]
    some = eng.leg[legs[::7]]
    assert eng.edge_refs.take(some) == [refs[i] for i in some.tolist()]  # the bulk read of Compiled.of
    assert eng.edge_refs == refs and eng.edge_refs != refs[:-1]
    with pytest.raises(IndexError):
        eng.edge_refs[len(refs)]


def test_node_states_read_as_a_dict(eng: Any, G: nx.MultiDiGraph) -> None:
    """Every node with legs has its arriving and leaving states (the same at a sea-lane junction, else
    distinct), each state of its node, their mode keys in order; together every state once each way."""
    for states in (eng.in_states, eng.out_states):
        assert isinstance(states, NodeStates)
        plain = dict(states.items())
        assert list(plain) == [n for n in G.nodes if G.degree(n)]  # node order, nodes with legs only
        assert len(states) == len(plain) and states == plain
        every = [s for v in plain.values() for s in v]
        assert len(set(every)) == len(every)
        for n, got in list(plain.items())[::50]:
            assert all(eng.nodes[eng.state_node[s]] == n for s in got)
            modes = [eng.state_mode[s] for s in got]
            assert modes == sorted(modes)
            assert states[n] == got and states.get(n) == got and n in states
            assert states[n] is not states[n]  # a new list each time: a caller's change is its own
    ins, outs = dict(eng.in_states.items()), dict(eng.out_states.items())
    assert sorted(s for v in [*ins.values(), *outs.values()] for s in v) == sorted(
        [*range(len(eng.state_node)), *np.flatnonzero([str(eng.nodes[i]).startswith("sea:") for i in eng.state_node]).tolist()]
    )  # a junction's one state is both its arriving and its leaving state
    for missing in ("port:NOWHERE", 12, None):
        assert missing not in eng.in_states and eng.in_states.get(missing, []) == []
        with pytest.raises(KeyError):
            eng.out_states[missing]


def test_a_node_without_states_is_not_a_key() -> None:
    at = node_state_offsets(np.array([2, 0, 1]))
    states = NodeStates(["a", "b", "c"], {"a": 0, "b": 1, "c": 2}, np.array([5, 6, 9]), at)
    assert dict(states.items()) == {"a": [5, 6], "c": [9]} and len(states) == 2 and "b" not in states
    refs = EdgeRefs(["a", "b"], ["k0", "k1"], np.array([[0, 1, 1], [1, 0, 0]], np.int32))
    assert list(refs) == [("a", "b", "k1"), ("b", "a", "k0")] and refs[1] == ("b", "a", "k0")
    assert pickle.loads(pickle.dumps(states)) == {"a": [5, 6], "c": [9]}  # noqa: S301 - our own
    assert pickle.loads(pickle.dumps(refs)) == [("a", "b", "k1"), ("b", "a", "k0")]  # noqa: S301 - our own


def test_a_pickled_engine_reads_the_same(eng: Any) -> None:
    """What a sweep's workers get: the arrays travel, the views are made again from them."""
    eng.in_states  # noqa: B018 - a view made before pickling is not pickled with it
    back = pickle.loads(pickle.dumps(eng))  # noqa: S301 - our own
    assert "_views" not in vars(back)
    for view in ("node_index", "leg_id_index", "in_states", "out_states"):
        assert list(getattr(back, view).items()) == list(getattr(eng, view).items()), view
    assert list(back.edge_refs) == list(eng.edge_refs)
