"""corridors: a trade-corridor logistics calculator (Russia ⇄ India and beyond).

The core library: load the multimodal network, find places, route and compare corridors. It imports
neither click nor folium; the CLI (``corridors.cli``) and the maps (``corridors.maps``) build on it.

>>> from corridors import Constraints, Router  # doctest: +SKIP
>>> router = Router()  # doctest: +SKIP
>>> router.compare("Chelyabinsk", "Mumbai", objective="time", constraints=Constraints(avoid_chokepoints=("hormuz",)))  # doctest: +SKIP

The public verbs are re-exported here (imported on first use, so ``import corridors`` stays light):
:class:`Router`, :class:`Constraints`, :class:`CompareResult`, :func:`load_network`,
:func:`build_network`, :func:`load_parameters`, :func:`load_families`, :func:`od_matrix` and
:func:`distance_matrix`
(:func:`corridors.explain.explain` keeps its module's name: a package attribute would be shadowed by
the submodule).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .constraints import Constraints
    from .families import load_families
    from .graph import build_network, load_network
    from .matrix import distance_matrix, od_matrix
    from .params import load_parameters
    from .routing import CompareResult, Router

from ._version import __version__

#: public name -> the module that defines it
_EXPORTS = {
    "Router": "routing",
    "CompareResult": "routing",
    "Constraints": "constraints",
    "load_network": "graph",
    "build_network": "graph",
    "load_parameters": "params",
    "load_families": "families",
    "od_matrix": "matrix",
    "distance_matrix": "matrix",
}

__all__ = [
    "CompareResult",
    "Constraints",
    "Router",
    "__version__",
    "build_network",
    "distance_matrix",
    "load_families",
    "load_network",
    "load_parameters",
    "od_matrix",
]


def __getattr__(name: str) -> Any:
    """The public verbs, imported on first use so ``import corridors`` stays light."""
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'corridors' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(f".{module}", __name__), name)
