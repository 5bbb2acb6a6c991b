"""Interactive, self-contained route maps (folium / Leaflet), installed as ``corridors.maps``.

The core package never imports this one: ``corridors.maps`` imports folium, the core does not. In a
notebook, ``import corridors.maps`` (or ``%load_ext corridors.maps``) makes routes and comparisons
display with their map beside the table.

>>> from corridors.maps import route_map, save_map
>>> routes = router.compare("Chelyabinsk", "Mumbai").routes  # doctest: +SKIP
>>> save_map(routes, "compare.html", G=router.G)  # doctest: +SKIP
"""

from __future__ import annotations

from .notebook import load_ipython_extension, register
from .render import map_html, route_map, save_map

__all__ = ["load_ipython_extension", "map_html", "route_map", "save_map"]

register()  # in a running notebook: routes and comparisons display with their map (no-op elsewhere)
