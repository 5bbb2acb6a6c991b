"""corridors: a trade-corridor logistics calculator (Russia ⇄ India and beyond).

The core library: load the multimodal network, find places, route and compare corridors. It imports
neither click nor folium; the CLI (``corridors.cli``) and the maps (``corridors.maps``) build on it.

>>> from corridors import Constraints, Router  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["Constraints", "Router", "__version__"]


def __getattr__(name: str) -> Any:
    """``Router`` and ``Constraints`` imported on first use, so ``import corridors`` stays light."""
    if name == "Router":
        from .routing import Router

        return Router
    if name == "Constraints":
        from .constraints import Constraints

        return Constraints
    msg = f"module 'corridors' has no attribute {name!r}"
    raise AttributeError(msg)
