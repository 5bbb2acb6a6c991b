"""corridors: a trade-corridor logistics calculator (Russia ⇄ India and beyond).

The core library: load the multimodal network, find places, route and compare corridors. It imports
neither click nor folium; the CLI (``corridors.cli``) and the maps (``corridors.maps``) build on it.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
