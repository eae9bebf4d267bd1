"""Server-side drawing of a Vega-Lite spec as SVG or PNG, offline, with ``vl-convert-python``.

Why this library: it embeds its own JavaScript engine with Vega and Vega-Lite, so the server draws exactly what
the browser would, without a browser, a Node.js process or any network (external data URLs are refused: our
specs carry their data inline). The points are capped before they get here, which keeps a drawing fast enough
to make in the request.
"""

from __future__ import annotations

import vl_convert

VL_VERSION = "6.4"  # the newest Vega-Lite that vl-convert bundles; the browser's 6.5 reads the same specs
PNG_SCALE = 2.0


def to_svg(spec: dict) -> str:
    return vl_convert.vegalite_to_svg(spec, vl_version=VL_VERSION, allowed_base_urls=[])


def to_png(spec: dict, scale: float = PNG_SCALE) -> bytes:
    return vl_convert.vegalite_to_png(spec, vl_version=VL_VERSION, scale=scale, allowed_base_urls=[])
