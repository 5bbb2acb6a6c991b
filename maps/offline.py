"""Self-contained pages: Leaflet inlined from ``maps/vendor/leaflet``, no CDN links.

folium's ``Map`` links Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs.
The maps here use none of the last four (no ``folium.Icon``), so :class:`OfflineMap` drops every
default link and :func:`add_offline_assets` puts Leaflet's JavaScript and CSS (its images as data
URIs) into the page head. :func:`strip_remote_assets` is the safety net run on the final HTML.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import folium
from branca.element import Figure

from corridors import __version__
from corridors.convert import GENERATOR

from .layers import RawHTML
from .style import esc

LEAFLET_VERSION = "1.9.4"

_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>\s*", re.IGNORECASE)
_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*", re.IGNORECASE)


class OfflineMap(folium.Map):
    """A ``folium.Map`` that links no CDN script or stylesheet (Leaflet is inlined instead)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_js = []
        self.default_css = []


def vendor_dir() -> Path:
    """The folder holding Leaflet's ``leaflet.js``, ``leaflet.css`` and ``images/``."""
    try:
        base = Path(str(resources.files("corridors.maps"))) / "vendor" / "leaflet"
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - running from a bare checkout
        base = Path(__file__).parent / "vendor" / "leaflet"
    if not (base / "leaflet.js").is_file():
        base = Path(__file__).parent / "vendor" / "leaflet"
    return base


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """(css, js) of the vendored Leaflet, the CSS's ``url(images/...)`` replaced by data URIs."""
    base = vendor_dir()
    try:
        css = (base / "leaflet.css").read_text(encoding="utf-8")
        js = (base / "leaflet.js").read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"Leaflet {LEAFLET_VERSION} is missing from {base} (the package data is incomplete)"
        raise FileNotFoundError(msg) from exc

    def inline(m: re.Match[str]) -> str:
        img = base / "images" / m.group(1)
        if not img.is_file():
            return m.group(0)
        data = base64.b64encode(img.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    # a literal "</script" or "</style" would end the inline block early
    js = js.replace("</script", "<\\/script")
    css = css.replace("</style", "<\\/style")
    return css, js


def _figure(m: Any) -> Figure:
    fig = m.get_root()
    if not isinstance(fig, Figure):
        msg = "the map must belong to a branca Figure (a folium.Map does)"
        raise TypeError(msg)
    return fig


def generator_meta() -> str:
    return f'<meta name="generator" content="{GENERATOR} {esc(__version__)}">'


def add_offline_assets(m: Any, title: str = "", extra_css: str = "") -> None:
    """Put the generator tag, the page title, Leaflet (inline) and ``extra_css`` in the page head.

    The generator tag goes first so :func:`corridors.convert.written_by_us` finds it in the first
    4 KiB of the file.
    """
    fig = _figure(m)
    css, js = leaflet_assets()
    head = generator_meta()
    if title:
        head += f"\n<title>{esc(title)}</title>"
    # branca renders header children in insertion order: the generator tag goes right after the
    # charset declaration, before anything long
    children = list(fig.header._children.items())
    fig.header._children.clear()
    charset = [(n, c) for n, c in children if n == "meta_http"]
    for name, child in charset:
        fig.header.add_child(child, name=name)
    fig.header.add_child(RawHTML(head), name="corridors_generator")
    for name, child in children:
        if name != "meta_http":
            fig.header.add_child(child, name=name)
    fig.header.add_child(RawHTML(f"<style>{css}</style>\n<script>{js}</script>"), name="leaflet_inline")
    if extra_css:
        fig.header.add_child(RawHTML(f"<style>{extra_css}</style>"), name="corridors_css")


def add_to_page(m: Any, head: str = "", body: str = "", name: str = "") -> None:
    """Append raw HTML to the page head and/or body of the map's figure."""
    fig = _figure(m)
    if head:
        fig.header.add_child(RawHTML(head), name=f"{name}_head" if name else None)
    if body:
        fig.html.add_child(RawHTML(body), name=f"{name}_body" if name else None)


def strip_remote_assets(page: str) -> str:
    """Remove every ``<script src=http...>`` and ``<link href=http...>`` left in ``page``."""
    page = _REMOTE_SCRIPT.sub("", page)
    return _REMOTE_LINK.sub("", page)


def page_html(m: Any) -> str:
    """The complete HTML page of a map, with no remote script or stylesheet."""
    return strip_remote_assets(m.get_root().render())
