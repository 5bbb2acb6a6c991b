"""Building blocks for folium pages that never pass data through Jinja.

branca's ``MacroElement.render`` wraps each macro's output in ``Element(output)``, which compiles
that output as a *Jinja template*: a place named ``{{ 7*7 }}`` would print 49, and worse. The
elements here emit their output as :class:`RawHTML` (inserted verbatim), and :func:`js_json` /
:func:`corridors.maps.style.esc` also neutralise ``{{``, ``{%`` and ``{#`` as a second line of
defence. :class:`FeatureLayer` is a compact GeoJSON layer: features carry their own Leaflet style
and pre-escaped tooltip and popup HTML (bound in the browser by ``corridorsBind``).
"""

from __future__ import annotations

import json
from typing import Any

import folium
from branca.element import Element, Figure
from folium.elements import ElementAddToElement

try:
    from folium.template import Template
except ImportError:  # pragma: no cover - folium < 0.15
    from jinja2 import Template


class RawHTML(Element):
    """Text put into the page as it is (not compiled as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHTML"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def render_macros_raw(el: Any, **kwargs: Any) -> None:
    """``MacroElement.render`` without compiling the macros' output: header, html and script go to
    the figure as :class:`RawHTML`, then the children render."""
    figure = el.get_root()
    if not isinstance(figure, Figure):
        msg = f"{el._name} must be inside a Figure to render"
        raise TypeError(msg)
    module = el._template.module.__dict__
    for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
        macro = module.get(part)
        if macro is not None:
            target.add_child(RawHTML(str(macro(el, kwargs))), name=el.get_name())
    for child in el._children.values():
        child.render(**kwargs)


def js_json(value: Any) -> str:
    """Compact JSON, safe inside an HTML ``<script>`` block (no ``<``, ``>``, ``&`` or ``'``) and
    inert for Jinja (``{{``, ``{%``, ``{#`` occur only inside strings, where they are escaped)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (
        text.replace("{{", "\\u007b{")
        .replace("{%", "\\u007b%")
        .replace("{#", "\\u007b#")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class FeatureLayer(folium.map.Layer):
    """``L.geoJson`` over a FeatureCollection in one map pane.

    Each feature's ``properties.style`` holds its Leaflet path options (Points become
    ``L.circleMarker`` with them); ``tip``, ``popup``, ``label`` and ``hl`` (hover style) are bound
    by the page's ``corridorsBind``. ``default_style`` applies to features without their own style.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data_js }}, {
            pane: {{ this.pane|tojson }},
            interactive: {{ this.interactive|tojson }},
            style: function (f) {
                return (f.properties && f.properties.style) || {{ this.default_style_js }};
            },
            pointToLayer: function (f, latlng) {
                var o = Object.assign({}, (f.properties && f.properties.style) || {});
                o.pane = {{ this.pane|tojson }};
                o.interactive = {{ this.interactive|tojson }};
                return L.circleMarker(latlng, o);
            },
            onEachFeature: {{ 'corridorsBind' if this.interactive else 'null' }}
        });
        {% endmacro %}
        """
    )

    def __init__(
        self,
        features: list[dict[str, Any]],
        name: str | None = None,
        pane: str = "overlayPane",
        show: bool = True,
        control: bool = True,
        interactive: bool = True,
        default_style: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "FeatureLayer"
        self.features = features
        self.pane = pane
        self.interactive = interactive
        self.default_style = default_style or {}

    def render(self, **kwargs: Any) -> str:
        if self.show and self._parent is not None:  # as folium's Layer.render: add to the parent
            self.add_child(
                ElementAddToElement(element_name=self.get_name(), element_parent_name=self._parent.get_name()),
                name=self.get_name() + "_add",
            )
        render_macros_raw(self, **kwargs)
        return ""

    @property
    def data_js(self) -> str:
        return js_json({"type": "FeatureCollection", "features": self.features})

    @property
    def default_style_js(self) -> str:
        return js_json(self.default_style)


class LabelLayer(folium.map.Layer):
    """Text labels (``L.divIcon`` markers, not interactive) in one pane, shown from their minimum
    zoom and hidden where they would overlap a label listed before them (``corridorsLabels`` in
    the page script). ``items``: ``[html-escaped text, lat, lon, min zoom, css class, width px]``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = corridorsLabels({{ this._parent.get_name() }}, {{ this.data_js }}, {{ this.pane|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, items: list[list[Any]], name: str, pane: str, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "LabelLayer"
        self.items = items
        self.pane = pane

    def render(self, **kwargs: Any) -> str:
        if self.show and self._parent is not None:
            self.add_child(
                ElementAddToElement(element_name=self.get_name(), element_parent_name=self._parent.get_name()),
                name=self.get_name() + "_add",
            )
        render_macros_raw(self, **kwargs)
        return ""

    @property
    def data_js(self) -> str:
        return js_json(self.items)
