"""Interactive, self-contained route maps (folium / Leaflet), installed as ``corridors.maps``.

The core package never imports this one: ``corridors.maps`` imports folium, the core does not.

>>> from corridors.maps import route_map, save_map
>>> routes = router.compare("Chelyabinsk", "Mumbai").routes  # doctest: +SKIP
>>> save_map(routes, "compare.html", G=router.G)  # doctest: +SKIP
"""

from __future__ import annotations

from .render import map_html, route_map, save_map

__all__ = ["map_html", "route_map", "save_map"]
